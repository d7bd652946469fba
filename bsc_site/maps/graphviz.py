"""Lay out many graphs with few `dot` processes, caching each SVG by its DOT source.

One `dot` process costs ~15 ms to start and ~1.3 ms per graph once running, so all maps
of a build go to at most `workers` processes, each reading a batch of graphs from
standard input and writing one SVG document per graph. A cached SVG is keyed by the
SHA-256 of the Graphviz version and the DOT source, so an unchanged map never reaches
`dot` again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import cache

INSTALL_HINT = ("install Graphviz: 'apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS), "
                "'choco install graphviz' (Windows), then check that 'dot -V' works")


class GraphvizError(Exception):
    """`dot` is missing or failed; the message says what to do."""


@dataclass
class LayoutStats:
    """What one layout call did: cache hits, graphs laid out, and `dot` processes started."""

    cached: int = 0
    laid_out: int = 0
    processes: int = 0


@dataclass
class Graphviz:
    """The `dot` program, found once per build."""

    executable: str = field(default_factory=lambda: os.environ.get("BSC_DOT", "dot"))
    workers: int = 2
    _version: str | None = None

    def path(self) -> str:
        found = shutil.which(self.executable)
        if not found:
            raise GraphvizError(f"the Graphviz program '{self.executable}' was not found on PATH: {INSTALL_HINT}")
        return found

    def version(self) -> str:
        if self._version is None:
            try:
                done = subprocess.run([self.path(), "-V"], capture_output=True, text=True, timeout=30)
            except OSError as exc:
                raise GraphvizError(f"cannot run '{self.executable}': {exc}; {INSTALL_HINT}") from None
            match = re.search(r"version\s+(\S+)", done.stderr + done.stdout)
            self._version = match.group(1) if match else (done.stderr + done.stdout).strip()
        return self._version

    def _run(self, sources: list[str]) -> list[str]:
        """Lay out several graphs in one process; one SVG per source, in order."""
        try:
            done = subprocess.run([self.path(), "-Tsvg"], input="\n".join(sources), capture_output=True,
                                  text=True, encoding="utf-8", timeout=600)
        except OSError as exc:
            raise GraphvizError(f"cannot run '{self.executable}': {exc}; {INSTALL_HINT}") from None
        if done.returncode != 0:
            raise GraphvizError(f"Graphviz failed (exit {done.returncode}): {done.stderr.strip()[:2000]}")
        documents = [d + "</svg>\n" for d in done.stdout.split("</svg>\n") if d.strip()]
        if len(documents) != len(sources):
            raise GraphvizError(f"Graphviz returned {len(documents)} drawings for {len(sources)} graphs: "
                                f"{done.stderr.strip()[:2000]}")
        return documents

    def layout(self, sources: list[str], cache_dir: Path | None, stats: LayoutStats | None = None,
               keys: list[str] | None = None) -> list[str]:
        """SVG for every DOT source, from the cache where possible; `keys`: the sources'
        `layout_key`s, if the caller has made them already."""
        stats = stats if stats is not None else LayoutStats()
        results: list[str | None] = [None] * len(sources)
        missing: dict[str, list[int]] = {}
        if keys is None:
            version = self.version() if sources else ""
            keys = [layout_key(version, source) for source in sources]
        for i, key in enumerate(keys):
            cached = cache.read(cache.layout_file(cache_dir, key))
            if cached is not None:
                results[i] = cached
                stats.cached += 1
            else:
                missing.setdefault(key, []).append(i)
        if missing:
            todo = list(missing)
            workers = max(1, min(self.workers, len(todo) // 8 or 1))
            chunks = [todo[w::workers] for w in range(workers)]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                outputs = list(pool.map(lambda chunk: self._run([sources[missing[k][0]] for k in chunk]), chunks))
            stats.processes += len(chunks)
            for chunk, svgs in zip(chunks, outputs):
                for key, svg in zip(chunk, svgs):
                    for i in missing[key]:
                        results[i] = svg
                    target = cache.layout_file(cache_dir, key)
                    if target is not None:
                        cache.store(target, svg)
                    stats.laid_out += 1
        return [r or "" for r in results]


def layout_key(version: str, source: str) -> str:
    """The cache key of a layout: the Graphviz version and the DOT source."""
    return hashlib.sha256(f"{version}\n{source}".encode("utf-8")).hexdigest()
