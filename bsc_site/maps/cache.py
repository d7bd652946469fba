"""The map cache's files, and keeping the cache the size of one build.

Under the cache folder, a laid-out map (the SVG `dot` wrote) is `<key[:2]>/<key>.svg`,
keyed by its DOT source, and a finished figure `figures/<key[:2]>/<key>.html`, keyed by
what the map is drawn from; the figure's file starts with the key of its layout, on a line
of its own, so that a build taking the figure knows which layout it stands for.

A build marks every entry it uses: it writes it, or touches it (its modification time) when
it reads it, the layout behind a figure too. A build that completes then removes the
entries it did not use (`sweep`): a review period's new statuses make new maps, and without
the sweep every old one would stay, growing the cache (a CI cache, say) by the size of the
site's maps at each review. Time is told by the file system's own clock: a marker file is
touched when the build starts (`Sweep.begin`), and an entry older than it is one the build
did not use.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

_KEY = re.compile(r"[0-9a-f]{64}")
_LAYOUT = re.compile(r"(?P<key>[0-9a-f]{64})\.svg(?:\.[0-9]+-[0-9]+\.tmp)?")
_FIGURE = re.compile(r"(?P<key>[0-9a-f]{64})\.html(?:\.[0-9]+-[0-9]+\.tmp)?")
MARKER = "maps.build"  # touched when a build starts
# File times may lag the clock that stamped the marker by a tick of the kernel's coarse clock:
# an entry is taken as unused only when it is older than the marker by more than this.
SLACK = 2.0


def layout_file(cache_dir: Path | None, key: str) -> Path | None:
    return None if cache_dir is None else cache_dir / key[:2] / f"{key}.svg"


def figure_file(cache_dir: Path | None, key: str | None) -> Path | None:
    return None if cache_dir is None or key is None else cache_dir / "figures" / key[:2] / f"{key}.html"


def read(path: Path | None) -> str | None:
    """A cached entry's text, marked as used; None if there is none (or it cannot be read)."""
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    _touch(path)
    return text


def read_figure(cache_dir: Path | None, key: str | None) -> str | None:
    """A cached figure, it and its layout marked as used."""
    text = read(figure_file(cache_dir, key))
    if text is None:
        return None
    layout, newline, figure = text.partition("\n")
    if not newline or not _KEY.fullmatch(layout):
        return None  # not of this format: made again
    _touch(layout_file(cache_dir, layout))
    return figure


def store_figure(cache_dir: Path | None, key: str | None, layout_key: str, figure: str) -> None:
    target = figure_file(cache_dir, key)
    if target is not None:
        store(target, f"{layout_key}\n{figure}")


def _touch(path: Path | None) -> None:
    if path is None:
        return
    try:
        os.utime(path)
    except OSError:
        pass  # gone meanwhile, or another user's: the sweep leaves what it cannot mark (`_sweep`)


def store(target: Path, text: str) -> bool:
    """Write a cache file; written then renamed, so a build killed midway never leaves half a file.
    False if it cannot be written (the cache folder is a file, read-only, full...): the cache
    is skipped, as the load cache is, and the build goes on.

    The temporary name is this thread's own (a random one costs a millisecond per file,
    and a cold build writes thousands).
    """
    temporary = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        try:
            fh = open(temporary, "w", encoding="utf-8")
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            fh = open(temporary, "w", encoding="utf-8")
        with fh:
            fh.write(text)
        os.replace(temporary, target)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
    return True


class Sweep:
    """One build's sweep of the map cache: `begin()` before any map is drawn, `end()` once the
    build has completed."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.cache_dir = cache_dir
        self.started: float | None = None
        self.kept = self.removed = self.removed_bytes = 0

    def begin(self) -> None:
        if self.cache_dir is None:
            return
        marker = self.cache_dir / MARKER
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            if not store(marker, ""):  # a new file, this user's (in a shared cache, another's may be there)
                raise OSError(f"cannot write {marker}")
            self.started = marker.stat().st_mtime
        except OSError:
            self.started = None  # a cache that cannot be written: nothing to sweep either

    def end(self) -> None:
        """Remove the entries this build did not use (and temporaries left by a killed build)."""
        if self.started is None:
            return
        before = self.started - SLACK
        self._sweep(self.cache_dir, _LAYOUT, before)
        self._sweep(self.cache_dir / "figures", _FIGURE, before)
        self.started = None

    def _sweep(self, folder: Path, pattern: re.Pattern, before: float) -> None:
        """Only files named as this module names them, in the folder of their key's first two
        characters: nothing else in the cache folder (or a folder set to one by mistake). Not a
        symbolic link (the cache makes none), nor an entry this user could not have marked as
        used (another user's, in a shared cache: its time cannot be set by this build)."""
        try:
            subfolders = [e for e in os.scandir(folder) if len(e.name) == 2 and e.is_dir(follow_symlinks=False)]
        except OSError:
            return
        for sub in subfolders:
            try:
                entries = list(os.scandir(sub.path))
            except OSError:
                continue
            for entry in entries:
                match = pattern.fullmatch(entry.name)
                if match is None or match["key"][:2] != sub.name:
                    continue
                try:
                    if entry.is_symlink():
                        continue
                    info = entry.stat(follow_symlinks=False)
                    if info.st_mtime >= before or not os.access(entry.path, os.W_OK):
                        self.kept += 1
                        continue
                    os.unlink(entry.path)
                except OSError:
                    continue
                self.removed += 1
                self.removed_bytes += info.st_size

    def summary(self) -> str:
        return (f"map cache: {self.kept} entries used by this build kept, {self.removed} unused removed "
                f"({self.removed_bytes / 1e6:.1f} MB)")
