"""The generated pages' fragments, rendered while MkDocs converts the pages' Markdown.

The plugin gives MkDocs each page's Markdown skeleton (headings, prose, markers) at once
and needs a page's fragments (tables, charts, maps) only when MkDocs hands over the
finished page. Where the platform can fork, two helper processes start as soon as the
skeletons exist, sharing the evaluation copy-on-write:

- the map process builds the strategy maps, lays them out with Graphviz and sends the
  figures back in batches, in page order (so the first pages need not wait for the last
  maps);
- the page process renders fragments page by page, in the order MkDocs builds them,
  writes each page's to a file in a temporary folder (so fragments made ahead of MkDocs
  wait on disk, not in memory) and says so through a pipe; then it writes the data files
  (JSON, CSV, feed) for `install_data`.

Whichever of MkDocs or the page process reaches a page first claims it (a shared flag per
page), so MkDocs never waits for a page the helper has not started: it renders that one
itself. While the page it needs is still being rendered by the helper, this process
renders pages from the far end (and files them the same way), so the two meet in the
middle whichever is faster. Without fork (or with `parallel: false`) everything is
rendered in this process, page by page, and a page's fragments are dropped once it is
written.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable

from ..maps import GraphvizError
from ..site.plan import MapKey, SitePlanner

MAP_BATCH = 200  # maps laid out (by up to two dot processes) and sent back together


class FragmentError(Exception):
    """Rendering fragments or laying out maps failed (in a helper process or here)."""


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


class Fragments:
    """Fragments of the planner's pages, by page index (the order of `SitePlanner.skeletons`)."""

    def __init__(self, planner: SitePlanner, count: int, parallel: bool,
                 data: list[tuple[str, Callable[[], bytes]]] = ()) -> None:
        self.planner = planner
        self.count = count
        self.data = data
        self._figures: dict[str, str] = {}
        self._maps_done = False
        self._map_conn = None
        self._folder: str | None = None
        self._processes: list = []
        self._ready: set[int] = set()
        self._problem: str | None = None
        self._ended = False
        self._changed = threading.Condition()
        self.rendered_here = 0
        self._helper_notes: list[str] = []  # what each helper did, in its own words
        self._data: tuple[list[str], str] | None = None  # the data files written, and a note
        self.waited = 0.0  # seconds spent waiting for the helpers
        if parallel and count and can_fork():
            self._start()

    # -- helper processes --------------------------------------------------------------------
    def _start(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._lock = ctx.Lock()
        self._claimed = ctx.RawArray("b", self.count)
        self._tail = self.count - 1  # where this process steals work from
        self._folder = tempfile.mkdtemp(prefix="bsc-fragments-")
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_run_maps, name="bsc-maps", daemon=True, args=(self.planner, send))
        process.start()
        send.close()
        self._map_conn = receive
        self._processes.append(process)
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_run_pages, name="bsc-pages", daemon=True,
                              args=(self.planner, self.count, self._lock, self._claimed, self._folder, self.data,
                                    send))
        process.start()
        send.close()
        self._processes.append(process)
        threading.Thread(target=self._listen, args=(receive,), name="bsc-pages-listener", daemon=True).start()

    def _listen(self, conn) -> None:
        """Note each page the page process has finished (a thread of this process)."""
        while True:
            try:
                kind, payload = conn.recv()
            except (EOFError, OSError):
                break
            with self._changed:
                if kind == "error":
                    self._problem = payload
                elif kind == "data":
                    self._data = payload
                else:
                    self._ready.add(payload)
                self._changed.notify_all()
        conn.close()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def _claim(self, index: int) -> bool:
        """True if this process may render page `index` (nobody has started it)."""
        if self._folder is None:
            return True
        with self._lock:
            if self._claimed[index]:
                return False
            self._claimed[index] = 1
            return True

    def _steal(self, after: int) -> bool:
        """Render the last page nobody has started, if it comes after page `after`, and file it."""
        while self._tail > after:
            index, self._tail = self._tail, self._tail - 1
            if self._claim(index):
                _store(self._folder, index, _render(self.planner, index))
                self.rendered_here += 1
                with self._changed:
                    self._ready.add(index)
                return True
        return False

    def _wait_until(self, done: Callable[[], bool]) -> None:
        """Wait for the page process to make `done()` true; its failure is an error here."""
        with self._changed:
            while not done():
                if self._problem is not None:
                    raise FragmentError(self._problem)
                if self._ended:
                    raise FragmentError("a helper process of the bsc plugin ended unexpectedly")
                self._changed.wait()

    def _wait_for(self, index: int) -> dict:
        while index not in self._ready and self._problem is None and self._steal(index):
            pass  # render pages from the far end meanwhile
        self._wait_until(lambda: index in self._ready)
        path = os.path.join(self._folder, str(index))
        with open(path, "rb") as fh:
            fragments = _decode(fh.read())
        os.unlink(path)
        return fragments

    # -- what the plugin asks for --------------------------------------------------------------
    def page(self, index: int) -> dict[str, str]:
        """Page `index`'s fragments, with its maps' figures in place."""
        if self._claim(index):
            fragments = _render(self.planner, index)
            self.rendered_here += 1
        else:
            start = time.perf_counter()
            fragments = self._wait_for(index)
            self.waited += time.perf_counter() - start
        maps = [f for f in fragments.values() if isinstance(f, MapKey)]
        if maps:
            figures = self.figures(maps)
            fragments = {k: figures.get(f, "") if isinstance(f, MapKey) else f for k, f in fragments.items()}
        return fragments

    @property
    def parallel(self) -> bool:
        """True when helper processes do the work (and write the data files)."""
        return self._folder is not None

    def install_data(self, site_dir: str) -> None:
        """Move the data files the page process wrote into the site (once it has written them)."""
        self.figures(None)
        self._helper_notes.append(self._receive_map()[1])
        self._wait_until(lambda: self._data is not None)
        paths, note = self._data
        self._helper_notes.append(note)
        for path in paths:
            target = os.path.join(site_dir, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.move(os.path.join(self._folder, "files", path), target)

    def _receive_map(self):
        try:
            kind, payload = self._map_conn.recv()
        except EOFError:
            raise FragmentError("the map process of the bsc plugin ended unexpectedly") from None
        if kind == "error":
            raise FragmentError(payload)
        return kind, payload

    def figures(self, keys: list[str] | None) -> dict[str, str]:
        """The figures of the maps `keys` (None: every map) and those received so far."""
        start = time.perf_counter()
        while not self._maps_done and (keys is None or any(k not in self._figures for k in keys)):
            if self._map_conn is None:
                self._figures = _figures(self.planner)
                self._maps_done = True
                break
            while not self._map_conn.poll() and self._steal(-1):
                pass  # render pages ahead while the maps are laid out
            kind, batch = self._receive_map()
            self._figures.update(batch)
            self._maps_done = kind == "last figures"
        self.waited += time.perf_counter() - start
        return self._figures

    def summary(self) -> str:
        helpers = "with helper processes" if self._folder else "in this process"
        return "; ".join([f"fragments of {self.count} pages {helpers}: {self.rendered_here} rendered here, "
                          f"{self.waited:.2f} s waiting for the helpers (or rendering ahead meanwhile)",
                          *self._helper_notes])

    def close(self) -> None:
        """Stop the helpers (they have finished, or the build failed) and remove their files."""
        if self._map_conn is not None:
            self._map_conn.close()
            self._map_conn = None
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self._processes = []
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _store(folder: str, index: int, fragments: dict) -> None:
    path = os.path.join(folder, str(index))
    with open(path + ".tmp", "wb") as fh:
        fh.write(_encode(fragments))
    os.replace(path + ".tmp", path)


def _encode(fragments: dict) -> bytes:
    return marshal.dumps([(k, isinstance(f, MapKey), str(f)) for k, f in fragments.items()])


def _decode(data: bytes) -> dict:
    return {k: MapKey(f) if is_map else f for k, is_map, f in marshal.loads(data)}


def _render(planner: SitePlanner, index: int) -> dict:
    try:
        return planner.fragments(index)
    except Exception as exc:  # a template error in a site author's override, say
        raise FragmentError(_describe(exc)) from exc


def _figures(planner: SitePlanner) -> dict[str, str]:
    try:
        return planner.map_figures()
    except GraphvizError as exc:
        raise FragmentError(str(exc)) from None


def _describe(exc: BaseException) -> str:
    """The error and where it happened: the template line if a template raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    templates = [f for f in frames if f.filename.endswith(".j2")]
    where = (templates or frames)[-1]
    return f"{type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"


def _run_maps(planner: SitePlanner, conn) -> None:
    try:
        try:
            keys = list(planner.map_requests) if planner.options.maps else []
            for start in range(0, len(keys), MAP_BATCH):
                batch = keys[start:start + MAP_BATCH]
                conn.send(("last figures" if start + MAP_BATCH >= len(keys) else "figures", planner.map_figures(batch)))
            if not keys:
                conn.send(("last figures", {}))
            stats = planner.layout_stats
            conn.send(("done", f"map process: {len(keys)} maps ({stats.cached} cached, {stats.laid_out} laid out "
                               f"by {stats.processes} dot processes) in {time.process_time():.2f} s CPU"))
        except GraphvizError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:
            conn.send(("error", _describe(exc)))
        conn.close()
    finally:
        os._exit(0)


def _run_pages(planner: SitePlanner, count: int, lock, claimed, folder: str,
               data: list[tuple[str, Callable[[], bytes]]], conn) -> None:
    try:
        try:
            done = 0
            for index in range(count):
                with lock:
                    if claimed[index]:
                        continue
                    claimed[index] = 1
                _store(folder, index, planner.fragments(index))
                conn.send(("page", index))
                done += 1
            pages_cpu = time.process_time()
            for path, make in data:
                target = os.path.join(folder, "files", path)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(make())
            conn.send(("data", ([path for path, _ in data],
                                f"page process: {done} pages in {pages_cpu:.2f} s CPU, {len(data)} data files in "
                                f"{time.process_time() - pages_cpu:.2f} s CPU")))
        except BrokenPipeError:
            pass  # the build stopped
        except Exception as exc:
            conn.send(("error", _describe(exc)))
        conn.close()
    finally:
        os._exit(0)
