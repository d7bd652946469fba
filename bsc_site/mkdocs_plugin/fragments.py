"""The generated pages' fragments, rendered while MkDocs converts the pages' Markdown.

The plugin gives MkDocs each page's Markdown skeleton (headings, prose, markers) at once
and needs a page's fragments (tables, charts, maps) only when MkDocs hands over the
finished page. Where the platform can fork, a helper process, the page process, shares
this process's memory (the loaded model) copy-on-write. It starts as soon as the model is
loaded, before this process checks and evaluates it, and renders the unit pages in order,
in batches: it evaluates each unit when its page (or its parent's) first asks
(`evaluate_when_asked`), lays out the batch's strategy maps with Graphviz together (one
`dot` input for many maps: a process per map would cost more than the layout), writes each
unit's data files (JSON, CSV) with its page, and lets the units' results go. It so holds a
few units' results at a time and never reads this process's evaluation, which it would
otherwise copy, page of memory by page, by reading it (reading an object writes its
reference count): at 10,000 units, gigabytes, as a second helper for the maps did. It
appends each page's fragments to its batch's file in a temporary folder (so fragments made
ahead of MkDocs wait on disk, not in memory) and, once the batch's figures are filed too,
says where each page is through a pipe. A file per batch, not per page: on a file system
without a journal, ext4 makes each new file step over the inodes deleted in the last half
minute, so files made and removed page by page cost more the more pages went before.

This process renders the pages that cover the whole organisation (home, themes,
catalogue, owners, changes, reviews), which need its whole evaluation, before MkDocs
converts any page (`render_organisation_pages`), and files them the same way; the plugin
then lets that evaluation go and gives this process a planner evaluating unit by unit, as
the page process's does (`attach`). Whichever of MkDocs or the page process reaches a unit
page first claims it (a shared flag per page), so MkDocs never waits for a page the helper
has not started: it renders that one itself. While the page it needs is still being
rendered by the helper, this process renders the next unit pages the helper has not
reached, a few at a time (their maps laid out together), with their data files, and files
them. MkDocs comes to those soon: taken from the far end instead, they would all wait for
it to the end of the build, when the helper has nothing left to do. The other data files
(the organisation file, made of the units' files, the schema, snapshots and feed) are
written here at the end. Without fork (or with `parallel: false`) everything is rendered in this
process, page by page (every map laid out at once, the first time one is needed), and a
page's fragments are dropped once it is written.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable

from ..collector import paused, settle
from ..forked import can_fork
from ..maps import GraphvizError
from ..site.plan import DataJob, MapKey, SitePlanner, data_paths, data_plan

PAGE_BATCH = 100  # unit pages the page process renders (and stores) before laying out their maps together
STEAL_BATCH = 16  # unit pages this process takes at a time while it waits, their maps laid out together


class FragmentError(Exception):
    """Rendering fragments or laying out maps failed (in a helper process or here)."""


class Fragments:
    """Fragments of the planner's pages, by page index (the order of `SitePlanner.skeletons`).

    Made as soon as the model is loaded: the page process starts then, with `helper`, a
    planner of the model evaluated unit by unit as its pages are rendered (see
    `evaluate_when_asked`; the default is `planner`); `attach()` gives this process's
    planner and data files once the evaluation is made (if `planner` was None).
    """

    def __init__(self, planner: SitePlanner | None, count: int, parallel: bool,
                 data: list[DataJob] = (), helper: SitePlanner | None = None) -> None:
        self.count = count
        self.attach(planner, data)
        # figures by map key, laid out once: without helpers every map's, with them the maps of
        # the pages that are not unit pages
        self._figures: dict[str, str] | None = None
        self._filed: dict[str, tuple[str, int, int]] = {}  # figures the page process filed: file, offset, length
        self._unread: dict[str, int] = {}  # figures and pages not yet read, by the file holding them
        self._places: dict[int, tuple[str, int, int]] = {}  # pages filed: file, offset, length
        self.files = 0  # files pages were filed in
        self._folder: str | None = None
        self._processes: list = []
        self._ready: set[int] = set()
        self._problem: str | None = None
        self._finished: set[str] = set()  # helpers that have done all their work ("pages")
        self._ended: set[str] = set()  # helpers whose pipe has closed
        self._changed = threading.Condition()  # the listeners notify it on every message
        self.rendered_here = 0
        self._helper_notes: list[str] = []  # what each helper did, in its own words
        self.data_here = 0  # data files written by this process
        self.waited = 0.0  # seconds spent waiting for the helpers
        self.helper_done_at: float | None = None  # when the page process had done all its work (perf_counter)
        if parallel and count and can_fork():
            self._start(helper or planner)

    def attach(self, planner: SitePlanner | None, data: list[DataJob] = ()) -> None:
        """This process's planner (of the whole evaluation) and data files."""
        self.planner = planner
        self.data = list(data)
        self._unit_jobs = {job.unit: job for job in self.data if job.unit is not None}

    # -- helper processes --------------------------------------------------------------------
    def _start(self, helper: SitePlanner) -> None:
        ctx = self._ctx = multiprocessing.get_context("fork")
        self._lock = ctx.Lock()
        self._claimed = ctx.RawArray("b", self.count)
        self._ahead = 0  # unit pages are taken from here on (the helper has claimed those before it)
        self._folder = tempfile.mkdtemp(prefix="bsc-fragments-")
        self._files = _DataFolder(self._folder)
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_run_pages, name="bsc-pages", daemon=True,
                              args=(helper, self._lock, self._claimed, self._folder, send))
        process.start()  # before this process has threads of its own (see `forked`)
        send.close()
        self._processes.append(process)
        threading.Thread(target=self._listen, args=(receive, "pages"), name="bsc-pages-listener", daemon=True).start()
        # files read are removed by a thread of their own: unlinking (freeing the disk blocks)
        # is a system call that lets the interpreter go on meanwhile
        self._trash: queue.SimpleQueue = queue.SimpleQueue()
        self._remover = threading.Thread(target=_remove, args=(self._trash,), name="bsc-remover", daemon=True)
        self._remover.start()

    def _render_here(self, indexes: list[int]) -> list[dict]:
        """Render pages in this process, their maps laid out together (with helpers; else
        every map of the site at once, the first time), a unit page's data files with it
        (with helpers: else the plugin gives MkDocs the data files)."""
        pages = [_render(self.planner, index) for index in indexes]
        self.rendered_here += len(indexes)
        if self._folder is None:
            if self._figures is None and any(isinstance(f, MapKey) for page in pages for f in page.values()):
                self._figures = _figures(self.planner)
            return [_with_figures(page, self._figures or {}) for page in pages]
        units = [self.planner.unit_at(index) for index in indexes]
        if None in units:
            if self._figures is None:  # the maps of every page but the unit pages, together, once
                unit_srcs = {self.planner.links.unit(u.id) for u in self.planner.sc.units}
                self._figures = _figures(self.planner, [k for k, r in self.planner.map_requests.items()
                                                        if r.src not in unit_srcs])
            pages = [_with_figures(page, self._figures) if unit is None else page for unit, page in zip(units, pages)]
        pages = _with_maps(self.planner, pages)
        for unit in units:
            job = self._unit_jobs.get(unit)
            if job is not None:
                self.data_here += self._files.run(job)
        forget = getattr(self.planner.ev.units, "forget_all", None)
        if forget is not None:  # evaluated when asked: the units' results are let go
            forget()
        return pages

    def render_organisation_pages(self) -> None:
        """Render the pages that are not unit pages (they need the whole evaluation) now, one
        by one, and file them until MkDocs asks for them."""
        units = self.planner.unit_pages()
        # Each page's garbage is collected once it is filed, in one pass: a review's page
        # leaves its evaluation as of the review's period in a reference cycle (the
        # template's context). Left to itself, the collector would walk everything made
        # since the evaluation again and again while these large pages are made.
        with paused(), _Spool(self._folder, "pages-organisation") as spool:
            for index in range(self.count):
                if index not in units and self._claim(index):
                    spool.add(index, _encode(self._render_here([index])[0]))
                    gc.collect()
        self._filed_here(spool.places)
        self._figures = {}  # their maps' figures are in place: none is asked for again

    def _listen(self, conn, helper: str) -> None:
        """Take in what a helper sends: pages filed, figures, its failure, its last word
        (a thread of this process per helper)."""
        while True:
            try:
                kind, payload = conn.recv()
            except (EOFError, OSError):
                break
            with self._changed:
                if kind == "error":
                    self._problem = payload
                elif kind == "done":
                    self.helper_done_at = time.perf_counter()
                    self._helper_notes.append(payload)
                    self._finished.add(helper)
                elif kind == "pages":
                    self._file_pages(payload)
                else:  # "figures" (sent before their pages)
                    self._filed.update(payload)
                    self._expect(payload)
                self._changed.notify_all()
        conn.close()
        with self._changed:
            self._ended.add(helper)
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
        """Render the next few unit pages after page `after` (which this process waits for)
        that nobody has started (their maps laid out together), and file them."""
        taken = []
        units = self.planner.unit_pages()
        index = max(self._ahead, after + 1, units.start)
        with self._lock:  # the helper claims in order: the pages up to its place are its
            while index < units.stop and len(taken) < STEAL_BATCH:
                if not self._claimed[index]:
                    self._claimed[index] = 1
                    taken.append(index)
                index += 1
        self._ahead = index
        if taken:
            with _Spool(self._folder, f"pages-here-{taken[0]}") as spool:
                for index, fragments in zip(taken, self._render_here(taken)):
                    spool.add(index, _encode(fragments))
            self._filed_here(spool.places)
        return bool(taken)

    def _filed_here(self, places: dict[int, tuple[str, int, int]]) -> None:
        with self._changed:
            self._file_pages(places)

    def _file_pages(self, places: dict[int, tuple[str, int, int]]) -> None:
        """Pages filed (by the page process or here), ready to be read (`_changed` held)."""
        self._places.update(places)
        self._ready.update(places)
        self.files += len({path for path, _, _ in places.values()})  # a spool's file each, filed at once
        self._expect(places)

    def _expect(self, places: dict[object, tuple[str, int, int]]) -> None:
        """Each place is to be read once; its file goes after the last (`_take`; `_changed` held)."""
        for path, _, _ in places.values():
            self._unread[path] = self._unread.get(path, 0) + 1

    def _wait_until(self, done: Callable[[], bool], helper: str = "pages") -> None:
        """Wait for a helper to make `done()` true; a helper's failure is an error here."""
        with self._changed:
            while not done():
                if self._problem is not None:
                    raise FragmentError(self._problem)
                if helper in self._ended:
                    raise FragmentError(f"the {helper[:-1]} process of the bsc plugin ended unexpectedly")
                self._changed.wait()

    def _wait_for(self, index: int) -> dict:
        while index not in self._ready and self._problem is None and self._steal(index):
            pass  # render other pages meanwhile
        self._wait_until(lambda: index in self._ready)
        with self._changed:
            place = self._places.pop(index)
        fragments = _decode(self._take(*place))
        keys = [f for f in fragments.values() if isinstance(f, MapKey)]
        return _with_figures(fragments, self._read_figures(keys)) if keys else fragments

    def _read_figures(self, keys: list[str]) -> dict[str, str]:
        """The figures of maps the page process filed, each read from its file once (for the
        one page showing it); a file is removed once all its figures are read."""
        with self._changed:  # the listener adds to both tables
            places = {k: self._filed.pop(k) for k in keys if k in self._filed}
        return {key: self._take(*place).decode("utf-8") for key, place in places.items()}

    def _take(self, path: str, offset: int, length: int) -> bytes:
        """Read what was filed there; a file is removed once all that was filed in it is read."""
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(length)
        with self._changed:
            self._unread[path] -= 1
            if not self._unread[path]:  # its batch is read: the disk space is given back
                del self._unread[path]
                self._trash.put(path)
        return data

    # -- what the plugin asks for --------------------------------------------------------------
    def page(self, index: int) -> dict[str, str]:
        """Page `index`'s fragments, with its maps' figures in place."""
        if self._claim(index):
            return self._render_here([index])[0]
        start = time.perf_counter()
        fragments = self._wait_for(index)
        self.waited += time.perf_counter() - start
        return fragments

    def removed(self) -> None:
        """Wait until the files read so far are removed."""
        if self._folder is not None:
            done = threading.Event()
            self._trash.put(done)
            done.wait()

    @property
    def parallel(self) -> bool:
        """True when helper processes do the work (and write the data files)."""
        return self._folder is not None

    def install_data(self, site_dir: str) -> None:
        """Once the page process has written its units' data files, write the rest (the
        organisation file, made of the units' files, last) and move them all into the site."""
        self._wait_until(lambda: "pages" in self._finished)
        pages = {self.planner.unit_at(index): index for index in self.planner.unit_pages()}
        for job in self.data:
            # a unit's files are written with its page: here only if nobody rendered it
            if job.unit is None or self._claim(pages[job.unit]):
                self.data_here += self._files.run(job)
        for path in data_paths(self.data):
            target = os.path.join(site_dir, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.move(os.path.join(self._files.folder, path), target)

    def timing(self, began: float) -> str:
        """When the page process finished, counted from `began` (a perf_counter reading)."""
        if self.helper_done_at is None:
            return "the page process had not finished"
        return f"the page process finished {self.helper_done_at - began:.2f} s after the plugin began"

    def summary(self) -> str:
        helpers = "with helper processes" if self._folder else "in this process"
        filed = f"filed in {self.files} files, " if self._folder else ""
        return "; ".join([f"fragments of {self.count} pages {helpers}: {self.rendered_here} rendered here, {filed}"
                          f"{self.waited:.2f} s waiting for the helpers (or rendering ahead meanwhile), "
                          f"{self.data_here} data files written here, this process's peak RSS {_peak_mb()} MB",
                          *self._helper_notes])

    def close(self) -> None:
        """Stop the helpers (they have finished, or the build failed) and remove their files."""
        for process in self._processes:
            if process.is_alive():
                process.terminate()
            process.join()
        self._processes = []
        if self._folder is not None:
            self._trash.put(None)
            self._remover.join()
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


class _DataFolder:
    """Data jobs run into the helpers' folder (`files/` in it), where later jobs read
    what earlier ones wrote."""

    def __init__(self, folder: str) -> None:
        self.folder = os.path.join(folder, "files")

    def run(self, job: DataJob) -> int:
        """Run the job; how many files it wrote."""
        job.run(self._write, self._read)
        return len(job.paths)

    def _write(self, path: str, chunks) -> None:
        target = os.path.join(self.folder, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.writelines(chunks)

    def _read(self, path: str) -> bytes:
        with open(os.path.join(self.folder, path), "rb") as fh:
            return fh.read()


def _remove(trash: queue.SimpleQueue) -> None:
    """Remove the files put in `trash` until None comes (an event put there is set when
    the files before it are gone)."""
    while (path := trash.get()) is not None:
        if isinstance(path, threading.Event):
            path.set()
            continue
        try:
            os.unlink(path)
        except OSError:
            pass  # gone with the folder, or never to be read again: the folder goes at the end


class _Spool:
    """Pages' fragments (or maps' figures) appended to one file, and where each one is in it
    (file, offset, length) by its key; the file is complete once the spool is closed."""

    def __init__(self, folder: str, name: str) -> None:
        self.path = os.path.join(folder, name)
        self.places: dict = {}
        self._fh = open(self.path, "wb")
        self._offset = 0

    def add(self, key, data: bytes) -> None:
        self._fh.write(data)
        self.places[key] = (self.path, self._offset, len(data))
        self._offset += len(data)

    def __enter__(self) -> "_Spool":
        return self

    def close(self) -> None:
        """The file is complete (or, with nothing in it, gone)."""
        self._fh.close()
        if not self.places:
            os.unlink(self.path)

    def __exit__(self, *exc) -> None:
        self.close()


def _encode(fragments: dict) -> bytes:
    return marshal.dumps([(k, isinstance(f, MapKey), str(f)) for k, f in fragments.items()])


def _decode(data: bytes) -> dict:
    return {k: MapKey(f) if is_map else f for k, is_map, f in marshal.loads(data)}


def _render(planner: SitePlanner, index: int) -> dict:
    try:
        return planner.fragments(index)
    except Exception as exc:  # a template error in a site author's override, say
        raise FragmentError(_describe(exc)) from exc


def _figures(planner: SitePlanner, keys: list[str] | None = None) -> dict[str, str]:
    try:
        return planner.map_figures(keys)
    except GraphvizError as exc:
        raise FragmentError(str(exc)) from None


def _with_figures(fragments: dict, figures: dict[str, str]) -> dict:
    """The fragments with each map's figure in place (a map with nothing to show has none)."""
    return {k: figures.get(f, "") if isinstance(f, MapKey) else f for k, f in fragments.items()}


def _with_maps(planner: SitePlanner, pages: list[dict]) -> list[dict]:
    """Pages' fragments with their maps laid out, together (one batch for Graphviz)."""
    keys = [f for page in pages for f in page.values() if isinstance(f, MapKey)]
    if not keys:
        return pages
    figures = _lay_out(planner, keys)
    return [_with_figures(page, figures) for page in pages]


def _lay_out(planner: SitePlanner, keys: list[str]) -> dict[str, str]:
    """The figures of maps of unit pages, laid out together; each map is on one page, so its
    request is done with."""
    figures = _figures(planner, keys) if keys else {}
    for key in keys:
        planner.map_requests.pop(key, None)
    return figures


def _peak_mb() -> str:
    """This process's peak resident set size so far, in MB (a forked helper's count
    includes the pages it shares with the build process)."""
    try:
        import resource
    except ImportError:  # not on Windows (which has no helper processes either)
        return "?"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
    return str(peak // (1024 * 1024 if sys.platform == "darwin" else 1024))


def _describe(exc: BaseException) -> str:
    """The error and where it happened: the template line if a template raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    templates = [f for f in frames if f.filename.endswith(".j2")]
    where = (templates or frames)[-1]
    return f"{type(exc).__name__}: {exc} (at {where.filename}:{where.lineno})"


def _file_figures(folder: str, number: int, figures: dict[str, str]) -> dict[str, tuple[str, int, int]]:
    """Write a batch of figures to one file; where each one is in it (file, offset, length)."""
    with _Spool(folder, f"maps-{number}") as spool:
        for key, figure in figures.items():
            spool.add(key, figure.encode("utf-8"))
    return spool.places


def _run_pages(planner: SitePlanner, lock, claimed, folder: str, conn) -> None:
    """Render the unit pages in order while nobody else has started them, in batches whose
    maps are laid out together, each page with its unit's data files. With a planner
    evaluating when asked (see `Fragments`), the units' results are let go after each batch
    but those of the last unit's line (whose descendants come next; a unit asked for as
    another's child is held until its own page), so that this process
    holds a few units' results at a time, not a copy of the whole evaluation (the build
    process's, which it would otherwise copy by reading it: reading an object writes its
    reference count). The pages that cover the whole organisation are the build process's
    (it renders them before MkDocs' pages)."""
    # What this process was given (the model, its indexes) lives as long as it does: out of
    # its collector's way, which would otherwise walk it at every full collection (and
    # write to each object's header, copying the memory it shares with the build process).
    gc.freeze()
    try:
        try:
            jobs = {job.unit: job for job in data_plan(planner.ev, planner.links) if job.unit is not None}
            forget = getattr(planner.ev.units, "forget", None)
            rendered: set[str] = set()  # units whose pages are done and results still held
            files = _DataFolder(folder)
            done = written = 0
            data_cpu = 0.0
            batch: list[int] = []
            keys: list[str] = []  # the batch's maps
            spool: _Spool | None = None  # the batch's pages

            def finish() -> None:
                nonlocal done, written, data_cpu, spool
                spool.close()
                figures = _lay_out(planner, keys)
                if figures:
                    conn.send(("figures", _file_figures(folder, done, figures)))
                conn.send(("pages", spool.places))
                spool = None
                done += len(batch)
                keys.clear()
                if forget is not None:  # the pages' units, but the last one's line
                    rendered.update(planner.unit_at(index) for index in batch)
                    last = planner.unit_at(batch[-1])
                    line = {last, *(a.id for a in planner.sc.ancestors(last))}
                    for unit in rendered - line:
                        forget(unit)
                    rendered.intersection_update(line)
                batch.clear()
                # what is kept to the end (the thresholds checked, say) or let go without
                # cycles (the held units' results) out of the collector's way
                settle()

            for index in planner.unit_pages():
                with lock:
                    if claimed[index]:
                        continue
                    claimed[index] = 1
                # stored at once (a batch's pages wait on disk, not in memory), their maps later
                fragments = planner.fragments(index)
                if spool is None:
                    spool = _Spool(folder, f"pages-{done}")
                spool.add(index, _encode(fragments))
                keys.extend(f for f in fragments.values() if isinstance(f, MapKey))
                del fragments
                start = time.process_time()
                written += files.run(jobs[planner.unit_at(index)])
                data_cpu += time.process_time() - start
                batch.append(index)
                if len(batch) == PAGE_BATCH:
                    finish()
            if batch:
                finish()
            stats = planner.layout_stats
            conn.send(("done", f"page process: {done} pages in {time.process_time() - data_cpu:.2f} s CPU "
                               f"with their {stats.cached + stats.laid_out} maps ({stats.cached} cached, "
                               f"{stats.laid_out} laid out by {stats.processes} dot processes), "
                               f"{written} data files in {data_cpu:.2f} s CPU, peak RSS {_peak_mb()} MB"))
        except BrokenPipeError:
            pass  # the build stopped
        except FragmentError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:
            conn.send(("error", _describe(exc)))
        conn.close()
    finally:
        os._exit(0)
