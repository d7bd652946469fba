"""What each unit and actuals file was read into, kept by the file's bytes: an unchanged
file is not parsed again.

Parsing YAML is most of the time a large organisation takes to load (10,000 unit files:
about half a minute of CPU); unpickling what a file was read into takes a fifteenth of
that. The cache is one pack file per scorecard folder, under the cache folder:

    <cache_dir>/load/<digest of the folder's path>.pack

holding, for each file read, what it was read into and the problems found in it, keyed
by a digest of the file's bytes, its path as reported, the organisation file's bytes (its
calendar and KPI library shape every unit) and this package's code and versions. So a
changed file, a changed organisation file or another version of bsc-site is read afresh,
and the result is the same whether a file comes from the cache or not. The pack is
rewritten only when its entries change, holding just the files of the last read: it does
not grow with old versions.

Memory stays flat, whatever the organisation's size: the old pack is mapped, not read
(an entry is copied out when unpickled), and the new one is written as its entries come.
Its layout: `FORMAT`, the entries' pickles back to back, the index (a pickled dict of
key -> (offset, length, checksum)), and the index's offset as 8 bytes, little-endian. An
entry whose bytes do not match its checksum is ignored (its file is read instead).

The cache is only ever a shortcut: a pack that is missing, damaged, or of another
format is ignored, and one that cannot be written is left unwritten, without a word.
Unpickling runs code named in the pack, so the cache folder must be as trusted as the
project folder itself (both are the user's own).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import mmap
import os
import pickle
import secrets
import struct
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from .text import display_path
from .yaml_source import MAX_FILE_BYTES

FORMAT = b"bsc-site load cache 3\n"
_OFFSET = struct.Struct("<Q")


@functools.cache
def code_digest() -> bytes:
    """This package's source, the Python and PyYAML that run it: what turns a file into its entry."""
    digest = hashlib.blake2b(FORMAT, digest_size=16)
    digest.update(f"{sys.version}\n{yaml.__version__}\n{getattr(yaml, '__with_libyaml__', False)}\n".encode())
    package = Path(__file__).resolve().parent.parent
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode() + b"\0")
        digest.update(source.read_bytes())
    return digest.digest()


class LoadCache:
    """The pack of one scorecard folder: `get` what a file was read into, `put` a new entry,
    then `save` (or `close`, to leave the pack as it was)."""

    writes = True  # what this process reads, it pickles for the pack

    def __init__(self, cache_dir: Path, root: Path, organization: Path) -> None:
        """`organization`: the organisation file, whose bytes and path are part of every key
        (raises OSError if it cannot be read)."""
        self.organization = organization
        where = hashlib.blake2b(os.fsencode(root.resolve()), digest_size=8).hexdigest()
        self.path = cache_dir / "load" / f"{where}.pack"
        self._organization_bytes = organization.read_bytes()
        context = _shown_bytes(organization) + self._organization_bytes
        self._context = hashlib.blake2b(code_digest() + context, digest_size=16).digest()
        self._old: mmap.mmap | None = None
        self._index: dict[bytes, tuple[int, int, bytes]] = {}  # the old pack's entries
        self._used: list[bytes] = []  # the old entries this read took: copied into the new pack
        self._new: BinaryIO | None = None  # the new pack, written as entries come
        self._new_index: dict[bytes, tuple[int, int, bytes]] = {}
        self._temporary = _temporary_beside(self.path)
        self._writable = True
        self._known: dict[Path, bytes] = {}  # keys `folder_key` just took, each `key`'s answer once
        # keys whose entry is known to be of the bytes they digest: taken from the pack, or
        # put there by a read of a file that still had the key after
        self.verified: set[bytes] = set()
        self._open()

    def _open(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                old = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable, empty
            return
        try:
            (at,) = _OFFSET.unpack(old[-_OFFSET.size:])
            index = pickle.loads(old[at:-_OFFSET.size]) if old[:len(FORMAT)] == FORMAT else None
        except Exception:  # cut short, damaged, another format: read the files instead
            index = None
        if not isinstance(index, dict):
            old.close()
            return
        self._old, self._index = old, index

    def key(self, path: Path) -> bytes | None:
        """The key of a file's entry: a digest of its bytes now; None for a file to read the
        usual way (not a regular file, too large, unreadable: reading it reports why)."""
        known = self._known.pop(path, None)
        return known if known is not None else self.fresh_key(path)

    def organization_unchanged(self) -> bool:
        """Whether the organisation file still has the bytes it had when the cache was opened
        (part of every key: what was read with other bytes must not be kept under them)."""
        try:
            return self.organization.read_bytes() == self._organization_bytes
        except OSError:
            return False

    def known_keys(self) -> dict[Path, bytes]:
        """The keys `folder_key` just took, by file (left for `key` to answer with)."""
        return dict(self._known)

    def fresh_key(self, path: Path) -> bytes | None:
        """`key`, from the file's bytes now."""
        try:
            if not os.path.isfile(path):  # never open a pipe or a device: it could block or be endless
                return None
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        if len(data) > MAX_FILE_BYTES:
            return None
        digest = hashlib.blake2b(self._context, digest_size=20)
        digest.update(_shown_bytes(path))
        digest.update(data)
        return digest.digest()

    def folder_key(self, files: list[Path], options: str) -> tuple[bytes | None, list[tuple]]:
        """A digest of every file's key (its path and bytes) and `options`, and each file's
        status (`os.stat`) taken before it was read; None if a file has no key. The loader
        reading these files next takes their keys from here instead of reading them twice."""
        digest = hashlib.blake2b(self._context + options.encode("utf-8", "surrogateescape"), digest_size=20)
        stats = []
        for path in files:
            stats.append(_status(path))
            key = self.key(path)
            if key is None:
                self._known.clear()
                return None, stats
            self._known[path] = key
            digest.update(key)
        return digest.digest(), stats

    def get(self, key: bytes | None) -> Any:
        """The entry under the key, or None (none there, or damaged); kept in the new pack."""
        value = self.peek(key)
        if value is not None:
            self._used.append(key)
            self.verified.add(key)
        return value

    def peek(self, key: bytes | None) -> Any:
        """`get`, without keeping the entry in the new pack."""
        where = self._index.get(key) if key is not None else None
        if where is None:
            return None
        try:
            offset, length, checksum = where
            data = self._old[offset:offset + length]
            if _checksum(data) != checksum:
                return None
            return pickle.loads(data)
        except Exception:  # a damaged entry: the file is read instead
            return None

    def put(self, path: Path, key: bytes | None, data: bytes) -> None:
        """A new entry: `data`, the pickled result of reading the file, which had `key` when
        it was read. Kept only if the file still has it: one changed meanwhile (saved in an
        editor during `mkdocs serve`) is read again next time."""
        if key is None or not self._writable or self.key(path) != key:
            return
        try:
            self._write(key, data)
            self.verified.add(key)
        except OSError:  # a cache that cannot be written is no error: this read just keeps none
            self._writable = False
            self._discard_new()

    def _write(self, key: bytes, data: bytes, checksum: bytes | None = None) -> None:
        if self._new is None:
            self._open_new()
        self._new_index[key] = (self._new.tell(), len(data), checksum or _checksum(data))
        self._new.write(data)

    def save(self) -> None:
        """Finish the new pack and put it in place of the old, if the entries changed (and
        the organisation file did not, while the files were read)."""
        try:
            if not self._writable or (self._new is None and set(self._used) == self._index.keys()):
                return
            if not self.organization_unchanged():
                return
            for key in self._used:  # the old entries still wanted (checked when they were read)
                offset, length, checksum = self._index[key]
                self._write(key, self._old[offset:offset + length], checksum)
            if self._new is None:  # no entry wanted, old or new: an empty pack
                self._open_new()
            at = self._new.tell()
            self._new.write(pickle.dumps(self._new_index, protocol=pickle.HIGHEST_PROTOCOL))
            self._new.write(_OFFSET.pack(at))
            self._new.close()
            self._release_old()  # before the file is replaced (Windows keeps a mapped file)
            os.replace(self._temporary, self.path)
            self._new = None
            self._remove_leftovers()
        except OSError:
            pass
        finally:
            self.close()

    def _open_new(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._new = open(self._temporary, "wb")
        self._new.write(FORMAT)

    def _remove_leftovers(self) -> None:
        """Temporary packs of reads that were killed (an hour old: none still being written)."""
        now = time.time()
        for leftover in self.path.parent.glob(f"{self.path.stem}.*.tmp"):  # `_temporary_beside` the pack or verdict
            try:
                if now - leftover.stat().st_mtime > 3600:
                    leftover.unlink()
            except OSError:
                pass

    def close(self) -> None:
        """Let the old pack go, and any new one not saved."""
        self._release_old()
        self._discard_new()

    def _release_old(self) -> None:
        if self._old is not None:
            self._old.close()
            self._old = None
        self._index = {}

    def _discard_new(self) -> None:
        if self._new is not None:
            self._new.close()
            self._new = None
            self._temporary.unlink(missing_ok=True)


def _temporary_beside(path: Path) -> Path:
    """A new file's name while it is written, beside it (named at random: two reads of one
    folder may run at once)."""
    return path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _status(path: Path) -> tuple | None:
    """What changes when a file is written: size, times, file number (None: no such file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev


# A file (or folder) written this recently may be written again within its time stamp's
# resolution without a change of status: no verdict is kept (git's "racily clean" files).
RACY_NS = 2_000_000_000


class Verdicts:
    """The outcome of the last check of a folder (`bsc validate`), kept beside its pack under
    a digest of every input file and the options: taken instead of loading anything, while
    none of them changed.

    It is kept only if the check read what was keyed: the same files, none changed while
    the folder was checked (each file's status then is its status before it was read, and
    a file made or removed meanwhile, even one gone again, changes its folder's status),
    and none written in the seconds before (see `RACY_NS`).
    """

    FORMAT = b"bsc-site verdict 1\n"

    def __init__(self, cache: LoadCache, files: list[Path], folders: list[Path], options: str) -> None:
        """`files`: every file the check reads; `folders`: every folder it looks for them in."""
        self.cache = cache
        self.path = cache.path.with_suffix(".verdict")
        self._files, self._folders = files, folders
        self._started = time.time_ns()
        self._folder_stats = [_status(folder) for folder in folders]
        self.key, self._stats = cache.folder_key(files, options)

    def get(self) -> Any:
        """The verdict kept for these files and options, or None."""
        if self.key is None:
            return None
        return _read_kept(self.path, self.FORMAT + self.key)

    def put(self, verdict: Any, files: list[Path], folders: list[Path]) -> None:
        """Keep `verdict`, made from the files now `files` in the folders now `folders`, if
        they are the ones keyed (see the class)."""
        if self.key is None or files != self._files or folders != self._folders:
            return
        before = self._folder_stats + self._stats
        if any(s is None or max(s[1], s[2]) > self._started - RACY_NS for s in before):
            return  # written moments before (a time stamp set back still moves the change time)
        if [_status(path) for path in [*folders, *files]] != before:
            return
        _keep(self.path, self.FORMAT + self.key, verdict)


def _read_kept(path: Path, head: bytes) -> Any:
    """What `_keep` kept in the file under this head, or None (missing, damaged, another head)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        return pickle.loads(data[len(head):]) if data.startswith(head) else None
    except Exception:
        return None


def _keep(path: Path, head: bytes, value: Any) -> None:
    """Write `head` and `value` pickled to the file, in place of what it held; a cache that
    cannot be written is no error."""
    temporary = _temporary_beside(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as fh:
            fh.write(head + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


class NoCache:
    """No cache (none asked for, or its organisation file unreadable): every file is read
    afresh. `LoadCache`'s calls, doing nothing: no file has a key."""

    writes = False
    verified: frozenset = frozenset()

    def key(self, path: Path) -> None:
        return None

    def get(self, key: bytes | None) -> None:
        return None

    def put(self, path: Path, key: bytes | None, data: bytes) -> None:
        pass

    def save(self) -> None:
        pass

    def close(self) -> None:
        pass


def _shown_bytes(path: Path) -> bytes:
    """The path as problems name it (relative to the working folder), as part of a key."""
    return os.fsencode(display_path(path)) + b"\0"


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class Ledgers:
    """Where the last check of a folder leaves its ledger (see `bsc_site.ledger`): beside the
    pack, headed by a digest of the organisation file (its bytes when the cache was opened:
    a check that read other bytes keeps no ledger, see `check_folder`), the code and the
    options, so that a ledger of other ones is not taken."""

    FORMAT = b"bsc-site ledger 1\n"

    def __init__(self, cache: LoadCache, options: str) -> None:
        self.path = cache.path.with_suffix(".ledger")
        context = hashlib.blake2b(cache._context + options.encode("utf-8", "surrogateescape"), digest_size=20)
        self._head = self.FORMAT + context.digest()

    def get(self) -> Any:
        """The ledger kept for this organisation file, code and options, or None (then the
        folder is checked whole)."""
        return _read_kept(self.path, self._head)

    def put(self, ledger: Any) -> None:
        """Keep `ledger` in place of the last one (None: keep none)."""
        if ledger is not None:
            _keep(self.path, self._head, ledger)
        else:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)
