"""Site build benchmark: the `bsc` plugin build against plain MkDocs, per organisation size.

    python benchmarks/bench.py --sizes 100,1000 --runs 3 [--seed 1] [--workdir /tmp/bsc-bench]
    python benchmarks/bench.py --sizes 10000 --validate-only 10000 --runs 1 --append   # validate only (a size's build figures kept)
    python benchmarks/bench.py --sizes 10000 --build-only 10000 --runs 1 --append      # plugin builds, no baseline
    python benchmarks/bench.py --profile 1000            # cProfile of one cold plugin build
    python benchmarks/bench.py --report-only             # rewrite RESULTS.md from WORKDIR/results.json
    python benchmarks/bench.py --growth 1000,10000 --runs 2   # the growth ratio, sizes alternating

For each size, on one organisation made by benchmarks/synth.py, it measures:

- `mkdocs build --strict` with the plugin, cold (the plugin's cache dir .cache/bsc and
  site/ set aside first, see `Trash`) and warm (second build, cache kept): wall time, peak RSS of the
  build process (and its dot children), output size, page count;
- the baseline: plain MkDocs with the same theme, features and nested navigation
  (explicit `nav:` equal to the plugin's, from `nav_tree`), no bsc plugin, building the
  same pages pre-written as Markdown without maps by `bsc pages --no-maps`;
- the plugin's stages in-process (load, validate, evaluate, pages without maps, maps
  cold and warm, filling fragments into the HTML); MkDocs' own work is the plugin build
  minus these stages (it includes interpreter start and imports);
- `bsc validate` on the same folder: without the load cache (`--no-cache`, every file
  parsed) and with it (written by one untimed run first), nothing changed since (the
  verdict kept) or one unit file changed before each run.

Medians of --runs runs are printed and written to benchmarks/RESULTS.md (between
markers; the rest of that file is kept), with the command, date and machine.

`--growth SMALL,LARGE` measures how the cold plugin build grows with the organisation in
one run of its own: cold builds of the two sizes alternate (small, large, small, ...,
small: --runs large builds, one more small), so each large build lies between two small
ones made minutes before and after it. The machine's speed drifts by ±15 % within an hour
here, and the size tables above build 10,000 units in a separate command, most of an hour
after 1,000; alternating keeps that drift out of the ratio.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "RESULTS.md"
PY = sys.executable
BIN = Path(PY).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}


# -- running things -----------------------------------------------------------------------
class Run:
    def __init__(self, seconds: float, cpu: float, maxrss_kb: int, rc: int, timed_out: bool, log: Path,
                 group_pss_kb: int = 0):
        self.seconds, self.cpu, self.maxrss_kb, self.rc, self.timed_out, self.log = (
            seconds, cpu, maxrss_kb, rc, timed_out, log)
        self.group_pss_kb = group_pss_kb  # peak of the summed PSS of the command and its helpers

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text("utf-8", "replace").splitlines()
        return "\n".join(text[-lines:])


def group_pss_kb(pgid: int) -> int:
    """The summed proportional set size of a process group's processes (shared pages counted
    once overall): the memory a build with helper processes really takes."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in Path(f"/proc/{name}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError, IndexError):
            continue
    return total


def run(cmd: list[str], cwd: Path, timeout: float, log: Path) -> Run:
    """Run a command; wall time, the peak RSS of it and its waited-for children (wait4: the
    largest single process), and the peak summed PSS of its process group (sampled)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    timed_out = False
    with open(log, "wb") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=ENV, start_new_session=True)
        peak_pss, sampled = 0, 0.0
        while True:
            if time.perf_counter() - sampled > 0.25:
                peak_pss, sampled = max(peak_pss, group_pss_kb(proc.pid)), time.perf_counter()
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode, timed_out, log, peak_pss)


class Trash:
    """What the timed builds leave (sites, caches) set aside until the run ends, not removed
    before each build.

    On ext4 without a journal (this machine's), the kernel will not reuse an inode freed in
    the last minute (six, while its inode table block is not yet written back): each new
    file steps over every inode freed that recently, one by one. A build that follows the
    removal of the last build's site and caches (thousands of files) so pays for the
    benchmark's own clean-up: a cold 1,000-unit build spent 4-6 s more in the kernel, its
    4,000 map cache files taking ≈ 1 ms each, where a CI machine, which removed nothing
    before its build, spends ≈ 0.1 ms. Renaming frees no inode; the folder set aside goes
    when the run ends, written back at once (`sync`), and the next run waits until a minute
    has passed (`settle`), as it does after removing or generating an organisation.

    `root` must be on the file system of what is set aside (a rename cannot cross it);
    elsewhere a path is removed, with the wait after it.
    """

    QUIET = 61.0  # seconds after a removal (written back) before the kernel reuses its inodes

    def __init__(self, root: Path) -> None:
        self.folder = root / ".bench-trash"
        self.stamp = root / ".bench-removed"  # its time: the last removal
        self.count = 0

    def put(self, path: Path) -> None:
        if not (path.exists() or path.is_symlink()):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        try:
            os.replace(path, self.folder / f"{os.getpid()}-{self.count}-{path.name}")
        except OSError:  # another file system
            shutil.rmtree(path, ignore_errors=True)
            self.removed()

    def before_build(self, project: Path, cold: bool = True) -> None:
        """Set aside the last build's site of `project` and, for a cold build, the plugin's
        cache there (`.cache/bsc`, the plugin's default `cache_dir`)."""
        self.put(project / "site")
        if cold:
            self.put(project / ".cache" / "bsc")

    def removed(self) -> None:
        """Files were removed (or replaced) just now, outside the trash."""
        os.sync()  # written back: the kernel then waits a minute, not six
        self.stamp.parent.mkdir(parents=True, exist_ok=True)
        self.stamp.touch()

    def empty(self) -> None:
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
            self.removed()

    def settle(self) -> None:
        """Empty what an earlier run left, then wait until no removal is recent."""
        self.empty()
        try:
            wait = self.stamp.stat().st_mtime + self.QUIET - time.time()
        except OSError:
            return
        if wait > 0:
            print(f"  waiting {wait:.0f} s: files were removed less than a minute ago (see bench.Trash)", flush=True)
            time.sleep(wait)


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def site_size(site: Path) -> dict:
    pages = [p for p in site.rglob("*.html") if p.name != "404.html"]
    total = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    html = sorted((p.stat().st_size, str(p.relative_to(site))) for p in pages)
    index = site / "search" / "search_index.json"
    return {
        "pages": len(pages), "bytes": total, "html_bytes": sum(s for s, _ in html),
        "search_bytes": index.stat().st_size if index.exists() else 0,
        "median_page": html[len(html) // 2][0] if html else 0,
        "largest": [(s, p) for s, p in reversed(html[-4:])],
    }


def versions_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "bsc_site"], cwd=REPO, capture_output=True,
                               text=True, check=False).stdout.strip()
        return out + (" + uncommitted bsc_site changes" if dirty else "")
    except OSError:
        return "?"


def versions() -> dict:
    out = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        out["memory"] = f"{int(mem.split()[1]) / 1024 ** 2:.0f} GB"
    except (OSError, StopIteration):
        out["memory"] = "?"
    try:
        cpu = next(l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name"))
        out["cpu"] = cpu.split(":", 1)[1].strip()
    except (OSError, StopIteration):
        out["cpu"] = "?"
    from importlib.metadata import version
    for name in ("mkdocs", "mkdocs-material", "Markdown", "Jinja2", "pydot", "PyYAML"):
        try:
            out[name] = version(name)
        except Exception:  # noqa: BLE001
            out[name] = "?"
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False).stderr.strip()
        out["graphviz"] = re.sub(r"^dot - graphviz version ", "", dot)
    except OSError:
        out["graphviz"] = "not found"
    out["commit"] = versions_commit()
    return out


# -- the in-process stages (run in a child process per size) -------------------------------
def stages_main(org: Path, runs: int, nav_out: Path | None) -> None:
    """Time the plugin's stages by calling bsc_site directly; print one JSON line."""
    import resource

    from bsc_site.check import validate
    from bsc_site.load import load
    from bsc_site.maps.graphviz import Graphviz
    from bsc_site.problems import Problems
    from bsc_site.site import plan
    from bsc_site.site.links import Links
    from bsc_site.site.plan import SiteOptions, SitePlanner, nav_tree
    from bsc_site.status.evaluate import evaluate

    def now() -> tuple[float, float]:
        """Wall time and CPU time of this process and its reaped children (dot)."""
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.perf_counter(), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def since(t: tuple[float, float]) -> tuple[float, float]:
        n = now()
        return n[0] - t[0], n[1] - t[1]

    from bsc_site.maps import build as map_build

    timers = {"render_maps": (0.0, 0.0), "dot_layout": (0.0, 0.0), "dot_source": (0.0, 0.0)}
    real_render, real_layout, real_make = plan.render_maps, Graphviz.layout, map_build._make

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = now()
            try:
                return fn(*a, **kw)
            finally:
                d = since(t)
                timers[name] = (timers[name][0] + d[0], timers[name][1] + d[1])
        return wrapper

    plan.render_maps = timed("render_maps", real_render)
    Graphviz.layout = timed("dot_layout", real_layout)
    map_build._make = timed("dot_source", real_make)  # pydot: made when a map is laid out
    out: dict[str, list] = {}

    def add(key: str, value) -> None:
        if isinstance(value, tuple):  # (wall, cpu)
            out.setdefault(key, []).append(value[0])
            out.setdefault(key + "_cpu", []).append(value[1])
        else:
            out.setdefault(key, []).append(value)

    links = Links("", True)
    templates = org / "overrides" / "bsc"
    for _ in range(runs):
        gc.collect()
        problems = Problems()
        t = now()
        sc = load(org / "scorecards", problems)
        add("load", since(t))
        add("rss_after_load", rss_mb())
        t = now()
        validate(sc, problems, None, False)
        period = sc.latest_review_period()
        add("validate", since(t))
        t = now()
        ev = evaluate(sc, period)
        add("evaluate", since(t))
        add("rss_after_evaluate", rss_mb())
        add("errors", len(problems.errors))
        add("warnings", len(problems.warnings))
        t = now()
        pages = SitePlanner(ev, SiteOptions(links=links, templates=templates, maps=False)).pages()
        add("pages_nomaps", since(t))
        add("rss_with_pages", rss_mb())
        add("markdown_bytes", sum(len(p.markdown.encode()) for p in pages))
        add("fragment_bytes", sum(len(str(f).encode()) for p in pages for f in p.fragments.values()))
        del pages
        data_files = getattr(plan, "data_files", None)  # JSON/CSV beside the pages, where the plugin writes them
        if data_files is not None:
            t = now()
            files = data_files(ev, links)
            add("data", since(t))
            add("data_bytes", sum(len(b) for b in files.values()))
            del files
        else:
            add("data", (0.0, 0.0))
        with tempfile.TemporaryDirectory() as cache:
            for label in ("cold", "warm"):
                timers.update(render_maps=(0.0, 0.0), dot_layout=(0.0, 0.0), dot_source=(0.0, 0.0))
                t = now()
                planner = SitePlanner(ev, SiteOptions(links=links, templates=templates, maps=True,
                                                      cache_dir=Path(cache)))
                pages = planner.pages()
                add(f"pages_{label}", since(t))
                add(f"render_maps_{label}", timers["render_maps"])
                add(f"dot_layout_{label}", timers["dot_layout"])
                add(f"dot_source_{label}", timers["dot_source"])
                add(f"maps_{label}", len(planner.map_requests))
                add(f"laid_out_{label}", planner.layout_stats.laid_out)
                if label == "warm":
                    t = now()
                    for p in pages:
                        p.fill(p.markdown)  # the on_post_page work, on the Markdown (same markers)
                    add("fill", since(t))
                    add("pages", len(pages))
                del pages, planner
        if nav_out is not None and not nav_out.exists():
            nav_out.write_text(json.dumps(nav_tree(ev, links) + ["about.md"], ensure_ascii=False), "utf-8")
        del ev, sc
    result = {k: median(v) if k not in ("errors", "warnings") else max(v) for k, v in out.items()}
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("STAGES " + json.dumps(result))


def baseline_project(org: Path, base: Path, nav: list, timeout: float, trash: Trash) -> Run:
    """A plain-MkDocs project beside the synthetic one: same pages (no maps), same theme and nav."""
    trash.put(base)
    base.mkdir(parents=True)
    r = run([str(BIN / "bsc"), "pages", str(org / "scorecards"), "--no-maps", "--out", str(base / "docs")],
            base, timeout, base / "bsc-pages.log")
    if not r.ok:
        return r
    shutil.copy(org / "docs" / "about.md", base / "docs" / "about.md")
    write_plain_config(org, base, nav, "Baseline: plain MkDocs, no bsc plugin, the same pages as Markdown "
                                       "(bsc pages --no-maps).")
    return r


def write_plain_config(org: Path, project: Path, nav: list, heading: str) -> None:
    """`project`'s mkdocs.yml: `org`'s, with the search plugin instead of bsc, the plugin's
    style sheet (at assets/bsc/bsc.css in the project's docs) and `nav` written out."""
    import yaml

    config = yaml.safe_load((org / "mkdocs.yml").read_text("utf-8"))
    config["plugins"] = ["search"]
    config["extra_css"] = ["assets/bsc/bsc.css"]  # the plugin adds it
    config["nav"] = nav
    text = f"# {heading}\n" + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=1000)
    (project / "mkdocs.yml").write_text(text, "utf-8")


def validate_size(n: int, org: Path, logs: Path, args, res: dict, note_failure) -> None:
    """`bsc validate` without the load cache (every file parsed: "validate"); then with the
    cache written by one untimed run first: nothing changed since ("validate_warm": the
    verdict kept), one unit file changed before each run ("validate_changed": that file
    parsed, the units it reaches checked again with the last check's ledger), and one value
    in an actuals file changed before each run ("validate_actuals_changed": the units of
    that file checked again)."""
    from bsc_site.load import input_files, input_folders
    from bsc_site.load.cache import RACY_NS

    cache = org / ".cache" / "bench-validate"
    shutil.rmtree(cache, ignore_errors=True)
    kinds = {"validate": ["--no-cache"], "validate_warm": ["--cache-dir", str(cache)],
             "validate_changed": ["--cache-dir", str(cache)], "validate_actuals_changed": ["--cache-dir", str(cache)]}
    # A verdict is kept only for files written more than RACY_NS before the check: the
    # organisation may have been generated moments ago.
    watched = input_folders(org / "scorecards") + input_files(org / "scorecards")
    newest = max(max(st.st_mtime_ns, st.st_ctime_ns) for st in map(os.stat, watched))
    time.sleep(max(0.0, (newest + RACY_NS - time.time_ns()) / 1e9 + 0.5))
    prime = run([str(BIN / "bsc"), "validate", "scorecards", *kinds["validate_warm"]], org, args.timeout,
                logs / f"validate-{n}-prime.log")
    if not prime.ok:
        note_failure("bsc validate (writing its cache)", prime)
        return
    if not list((cache / "load").glob("*.verdict")):
        res["failures"].append("bsc validate (writing its cache): no verdict kept, so 'nothing changed' "
                               "would time a load from the pack")
        return
    changed = min((org / "scorecards" / "units").rglob("*.yml"))
    original = changed.read_bytes()
    actuals = min((org / "scorecards" / "actuals").rglob("*.csv"))
    rows = actuals.read_bytes()
    try:
        for kind, flags in kinds.items():
            done = []
            for i in range(args.runs):
                if kind == "validate_changed":  # new bytes each run: a comment at the end
                    changed.write_bytes(original + f"# changed for the benchmark, run {i}\n".encode())
                if kind == "validate_actuals_changed":  # the first row's value, new each run
                    head, first, rest = rows.split(b"\n", 2)
                    cells = first.split(b",")
                    cells[3] = f"{i + 1}.5".encode()
                    actuals.write_bytes(b"\n".join([head, b",".join(cells), rest]))
                r = run([str(BIN / "bsc"), "validate", "scorecards", *flags], org, args.timeout,
                        logs / f"{kind}-{n}-{i}.log")
                if not r.ok:
                    note_failure(f"bsc validate {' '.join(flags)} ({kind})", r)
                    break
                done.append(r)
            res[f"{kind}_s"] = median([r.seconds for r in done])
            res[f"{kind}_cpu"] = median([r.cpu for r in done])
            res[f"{kind}_rss_kb"] = max((r.maxrss_kb for r in done), default=None)
            if res[f"{kind}_s"] is not None:
                print(f"  bsc validate ({VALIDATE_KINDS[kind]}): {res[f'{kind}_s']:.2f}s "
                      f"(CPU {res[f'{kind}_cpu']:.2f}s), peak RSS {res[f'{kind}_rss_kb'] / 1024:.0f} MB", flush=True)
    finally:
        changed.write_bytes(original)
        actuals.write_bytes(rows)
        shutil.rmtree(cache, ignore_errors=True)


VALIDATE_KINDS = {"validate": "every file parsed", "validate_warm": "with the load cache, nothing changed",
                  "validate_changed": "with the load cache, one unit file changed",
                  "validate_actuals_changed": "with the load cache, one actuals file changed"}


# -- one size -------------------------------------------------------------------------------
def bench_size(n: int, args) -> dict:
    work = Path(args.workdir)
    org, base, logs = work / f"org-{n}", work / f"baseline-{n}", work / "logs"
    res: dict = {"units": n, "failures": [], "runs": args.runs, "commit": versions_commit()}

    def note_failure(what: str, r: Run) -> None:
        why = "timed out" if r.timed_out else f"exit {r.rc}"
        res["failures"].append(f"{what}: {why}")
        print(f"  ! {what} {why}; log {r.log}:\n{r.tail()}", flush=True)

    print(f"== {n} units", flush=True)
    res["loadavg_start"] = os.getloadavg()[0]
    r = run([PY, str(HERE / "synth.py"), "--units", str(n), "--seed", str(args.seed), "--out", str(org), "--force"],
            work, args.timeout, logs / f"synth-{n}.log")
    if not r.ok:
        note_failure("synth", r)
        return res
    trash = Trash(work)
    trash.removed()  # synth --force removed the organisation it replaced
    trash.settle()  # before the stages too: they write thousands of map cache files
    res["synth_s"] = r.seconds
    res["synth_summary"] = r.log.read_text().strip().splitlines()[-1]
    print(f"  {res['synth_summary']}", flush=True)

    if n in args.validate_only:
        validate_size(n, org, logs, args, res, note_failure)
        res["loadavg_end"] = os.getloadavg()[0]
        return res

    nav = work / f"nav-{n}.json"
    nav.unlink(missing_ok=True)
    quick = n in args.build_only  # no in-process stages, no baseline: the plugin builds only
    r = None if quick else run([PY, str(Path(__file__).resolve()), "--stages", str(org), "--runs", str(args.runs),
                                "--nav-out", str(nav)], work, args.timeout * args.runs, logs / f"stages-{n}.log")
    if quick:
        pass
    elif r.ok:
        line = next(l for l in r.log.read_text().splitlines() if l.startswith("STAGES "))
        res["stages"] = json.loads(line[len("STAGES "):])
        s = res["stages"]
        print(f"  stages: load {s['load']:.2f}s validate {s['validate']:.2f}s evaluate {s['evaluate']:.2f}s "
              f"pages(no maps) {s['pages_nomaps']:.2f}s pages+maps cold {s['pages_cold']:.2f}s "
              f"warm {s['pages_warm']:.2f}s fill {s['fill']:.2f}s; errors {s['errors']} warnings {s['warnings']}",
              flush=True)
    else:
        note_failure("in-process stages", r)
        return res

    validate_size(n, org, logs, args, res, note_failure)

    if not quick:
        r = baseline_project(org, base, json.loads(nav.read_text("utf-8")), args.timeout, trash)
        if not r.ok:
            note_failure("bsc pages --no-maps", r)
            return res

    build = [str(BIN / "mkdocs"), "build", "--verbose"] + (["--strict"] if args.strict else [])
    runs: dict[str, list[Run]] = {"cold": [], "warm": [], "baseline": []}
    if not quick:
        trash.removed()  # the stages removed their temporary map caches (thousands of files)
    trash.settle()
    for i in range(args.runs):
        for kind in ("cold", "warm") if quick else ("cold", "warm", "baseline"):
            project = base if kind == "baseline" else org
            trash.before_build(project, cold=kind == "cold")
            r = run(build, project, args.timeout, logs / f"build-{kind}-{n}-{i}.log")
            if not r.ok:
                note_failure(f"{kind} build", r)
                break
            runs[kind].append(r)
            print(f"  run {i + 1}: {kind:8} {r.seconds:8.2f}s (CPU {r.cpu:8.2f}s)  peak RSS "
                  f"{r.maxrss_kb / 1024:7.0f} MB, all processes (PSS) {r.group_pss_kb / 1024:7.0f} MB", flush=True)
            if kind == "cold" and i == 0:
                res["site"] = site_size(org / "site")
                m = re.search(r"bsc: (\d+) pages", r.log.read_text())
                res["plugin_log"] = m.group(0) if m else ""
            if kind in ("cold", "warm"):  # the plugin's own account of its stages and helpers (--verbose)
                res.setdefault(f"{kind}_plugin_lines", []).append(
                    [l.split("bsc: ", 1)[1] for l in r.log.read_text().splitlines() if "DEBUG" in l and "bsc: " in l])
            if kind == "baseline" and i == 0:
                res["baseline_site"] = site_size(base / "site")
        else:
            continue
        break
    trash.empty()
    for kind, rs in runs.items():
        res[f"{kind}_s"] = median([r.seconds for r in rs])
        res[f"{kind}_cpu"] = median([r.cpu for r in rs])
        res[f"{kind}_rss_kb"] = max((r.maxrss_kb for r in rs), default=None)
        res[f"{kind}_pss_kb"] = max((r.group_pss_kb for r in rs), default=None)
        res[f"{kind}_all"] = [round(r.seconds, 2) for r in rs]
    res["loadavg_end"] = os.getloadavg()[0]
    return res


# -- reporting ------------------------------------------------------------------------------
def fmt_s(x) -> str:
    return "–" if x is None else (f"{x:.2f}" if x < 10 else f"{x:.1f}")


def fmt_mb(kb) -> str:
    return "–" if kb is None else f"{kb / 1024:.0f}"


def ratio(a, b) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}×"


def both(r: dict, key: str) -> str:
    """Wall seconds with CPU seconds in brackets."""
    wall, cpu = r.get(f"{key}_s"), r.get(f"{key}_cpu")
    return "–" if wall is None else f"{fmt_s(wall)} ({fmt_s(cpu)})"


def ratios(r: dict, a: str, b: str) -> str:
    wall = ratio(r.get(f"{a}_s"), r.get(f"{b}_s"))
    cpu = ratio(r.get(f"{a}_cpu"), r.get(f"{b}_cpu"))
    return wall if wall == "–" else f"{wall} ({cpu})"


def breakdown(res: dict, cpu: bool) -> dict | None:
    s = res.get("stages")
    suffix = "_cpu" if cpu else ""
    cold, warm = res.get("cold_cpu" if cpu else "cold_s"), res.get("warm_cpu" if cpu else "warm_s")
    if not s or cold is None:
        return None
    g = lambda k: s[k + suffix]
    maps_cold = g("pages_cold") - g("pages_nomaps")
    maps_warm = g("pages_warm") - g("pages_nomaps")
    core = g("load") + g("validate") + g("evaluate") + s.get("data" + suffix, 0.0)
    plugin_cold = core + g("pages_cold") + g("fill")
    plugin_warm = core + g("pages_warm") + g("fill")
    return {
        "load": g("load"), "validate": g("validate"), "evaluate": g("evaluate"), "render": g("pages_nomaps"),
        "data": s.get("data" + suffix, 0.0),
        "maps_cold": maps_cold, "maps_warm": maps_warm,
        "dot_cold": g("dot_layout_cold"),
        "finish_cold": g("render_maps_cold") - g("dot_layout_cold") - s.get("dot_source_cold" + suffix, 0.0),
        "mapbuild_cold": s.get("dot_source_cold" + suffix, 0.0), "fill": g("fill"),
        "plugin_cold": plugin_cold, "plugin_warm": plugin_warm, "cold": cold,
        "mkdocs_cold": cold - plugin_cold,
        "mkdocs_warm": (warm - plugin_warm) if warm is not None else None,
    }


def stage_table(results: list[dict], cpu: bool) -> list[str]:
    out = [("| units | load | validate | evaluate | render pages | maps cold = DOT build + dot + finish "
           "| maps warm | data files | fill | plugin cold | MkDocs own, cold | plugin warm | MkDocs own, warm "
           "| in-process peak RSS MB |"),
           "|" + "---:|" * 14]
    for r in results:
        b = breakdown(r, cpu)
        if not b:
            continue

        def cell(x, cold=b["cold"]):
            return f"{fmt_s(x)} ({x / cold:.0%})" if x is not None else "–"
        out.append("| " + " | ".join([
            f"{r['units']:,}", cell(b["load"]), cell(b["validate"]), cell(b["evaluate"]), cell(b["render"]),
            f"{cell(b['maps_cold'])} = {fmt_s(b['mapbuild_cold'])} + {fmt_s(b['dot_cold'])} + {fmt_s(b['finish_cold'])}",
            fmt_s(b["maps_warm"]), cell(b["data"]), cell(b["fill"]), cell(b["plugin_cold"]),
            cell(b["mkdocs_cold"]) if cpu else "–", fmt_s(b["plugin_warm"]), fmt_s(b["mkdocs_warm"]) if cpu else "–",
            fmt_mb(r["stages"].get("maxrss_kb")),
        ]) + " |")
    return out


def report(results: list[dict], args, machine: dict, command: str) -> str:
    commits = "; ".join(f"{r['units']:,} units at {r['commit']}"
                        + (f" (`bsc validate` at {r['validate_commit']}, {r['validate_runs']} run(s))"
                           if r.get("validate_commit") else "")
                        for r in results if r.get("commit"))
    out = [f"Command: `{command}`  ",
           (f"Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; commit "
           f"{commits or machine['commit']}  "),
           f"Machine: {machine['nproc']} CPUs ({machine['cpu']}), {machine['memory']} RAM, {machine['platform']}  ",
           (f"Versions: Python {machine['python']}, MkDocs {machine['mkdocs']}, Material {machine['mkdocs-material']}, "
           f"Python-Markdown {machine['Markdown']}, Jinja2 {machine['Jinja2']}, pydot {machine['pydot']}, "
           f"Graphviz {machine['graphviz']}  "),
           "Medians of " + ", ".join(f"{r.get('runs', args.runs)} run(s) at {r['units']:,} units" for r in results)
           + f", seed {args.seed}. Builds are `mkdocs build"
           f"{' --strict' if args.strict else ''}` subprocesses; times are wall seconds with CPU seconds (user + "
           "system, dot children included) in brackets: CPU time is the steadier figure when other work shares "
           "the machine.", ""]
    out += ["### Builds", "",
            ("| units | pages | plugin cold s | plugin warm s | baseline s | cold / baseline | warm / baseline "
            "| warm / cold | cold × per size step | peak RSS cold MB | peak memory cold, all processes MB "
            "| peak RSS baseline MB | site MB | KB / page "
            "| HTML KB / page | median page KB | search index MB | baseline site MB | bsc validate s "
            "| bsc validate, cache, nothing changed s | bsc validate, cache, one unit file changed s "
            "| bsc validate, cache, one actuals file changed s |"),
            "|" + "---:|" * 22]
    prev = None
    for r in results:
        site = r.get("site") or {}
        bsite = r.get("baseline_site") or {}
        pages = site.get("pages")
        step = "–"
        if prev and r.get("cold_s") and prev.get("cold_s"):
            step = f"{ratio(r['cold_s'], prev['cold_s'])} ({ratio(r['cold_cpu'], prev['cold_cpu'])})"
        out.append("| " + " | ".join([
            f"{r['units']:,}", str(pages or "–"), both(r, "cold"), both(r, "warm"), both(r, "baseline"),
            ratios(r, "cold", "baseline"), ratios(r, "warm", "baseline"), ratios(r, "warm", "cold"), step,
            fmt_mb(r.get("cold_rss_kb")), fmt_mb(r.get("cold_pss_kb")), fmt_mb(r.get("baseline_rss_kb")),
            f"{site['bytes'] / 1e6:.1f}" if site else "–",
            f"{site['bytes'] / pages / 1e3:.0f}" if pages else "–",
            f"{site['html_bytes'] / pages / 1e3:.0f}" if pages else "–",
            f"{site['median_page'] / 1e3:.0f}" if site else "–",
            f"{site['search_bytes'] / 1e6:.1f}" if site else "–",
            f"{bsite['bytes'] / 1e6:.1f}" if bsite else "–",
            both(r, "validate"), both(r, "validate_warm"), both(r, "validate_changed"),
            both(r, "validate_actuals_changed"),
        ]) + " |")
        prev = r
    out += ["", ("*Peak RSS* is the largest single process (wait4); *all processes* is the peak of the summed "
                 "proportional set size (PSS, pages shared copy-on-write counted once) of the build and its helper "
                 "processes, sampled every 0.25 s."), ""]
    out += ["", "Largest pages (HTML bytes, plugin build): " + "; ".join(
        f"{r['units']:,} units: " + ", ".join(f"{p} {s / 1e6:.1f} MB" for s, p in r["site"]["largest"])
        for r in results if r.get("site")) + ".", ""]
    accounts = [(r["units"], kind, r[f"{kind}_plugin_lines"][0]) for r in results for kind in ("cold", "warm")
                if r.get(f"{kind}_plugin_lines")]
    if accounts:
        out += ["The plugin's own account of the first cold and warm build of each size (`mkdocs build --verbose`: "
                "wall seconds of its stages in the build process, then what the helper processes did, in CPU "
                "seconds):", ""]
        out += [f"- {n:,} units, {kind}: " + "; ".join(lines) for n, kind, lines in accounts] + [""]
    out += ["### Plugin build by stage", "",
            ("Stages timed in-process by calling bsc_site directly (`load`, `check.validate`, "
            "`status.evaluate.evaluate`, `SitePlanner.pages()` without maps, then with maps and an empty cache, "
            "then warm; *data files* is `site.plan.data_files` (the JSON and CSV exports written beside the pages); "
            "*fill* is `GeneratedPage.fill` on every page, the plugin's `on_post_page`). "
            "Maps = pages with maps − pages without; of that, *dot* is `Graphviz.layout` (cache lookups + dot "
            "processes), *DOT build* the pydot graphs (made when a map is laid out), *finish* the SVG decoration, "
            "figure HTML and figure cache; the rest of *maps* is asking for them while rendering and the "
            "evaluations as of older review periods for the review pages' maps. MkDocs' own work = build time − the plugin stages (includes start-up and imports, "
            "Markdown conversion, theme templates, search index, writing files). Shares are of the cold build. "
            "The plugin build renders fragments, maps and data files in two helper processes while MkDocs converts "
            "the pages (see `bsc_site/mkdocs_plugin/fragments.py`): the CPU table adds up (the build's CPU time "
            "includes its helpers and dot), the wall table does not, since the stages overlap."), "",
            "CPU seconds:", ""] + stage_table(results, True) + ["", "Wall seconds:", ""] + stage_table(results, False)
    out += ["", "Strategy maps per build: " + "; ".join(
        f"{r['units']:,} units: {r['stages']['maps_cold']:.0f} maps" for r in results if r.get("stages")) + ". "
        + "Generated Markdown / post-conversion fragments / data files: " + "; ".join(
        f"{r['units']:,} units: {r['stages']['markdown_bytes'] / 1e6:.1f} MB / {r['stages']['fragment_bytes'] / 1e6:.1f} MB"
        f" / {r['stages'].get('data_bytes', 0) / 1e6:.1f} MB"
        for r in results if r.get("stages")) + ".", ""]
    mem = [r for r in results if r.get("stages", {}).get("rss_with_pages")]
    if mem:
        out += ["In-process memory (RSS MB after `load` / after `evaluate` / with every page rendered, no maps / "
                "peak with maps): " + "; ".join(
                    f"{r['units']:,} units: {r['stages']['rss_after_load']:.0f} / {r['stages']['rss_after_evaluate']:.0f}"
                    f" / {r['stages']['rss_with_pages']:.0f} / {r['stages']['maxrss_kb'] / 1024:.0f}" for r in mem) + ".", ""]
    out += ["### Targets", ""] + targets(results) + [""]
    fails = [f"{r['units']:,} units: {f}" for r in results for f in r.get("failures", [])]
    if fails:
        out += ["### Failures", ""] + [f"- {f}" for f in fails] + [""]
    out += ["Raw run times (wall s): " + "; ".join(
        f"{r['units']:,} units cold {r.get('cold_all')}, warm {r.get('warm_all')}, baseline {r.get('baseline_all')}"
        for r in results if r.get("cold_all")) + ". 1-minute load average at the start / end of each size: " + "; ".join(
        f"{r['units']:,}: {r.get('loadavg_start', 0):.1f} / {r.get('loadavg_end', 0):.1f}" for r in results)
        + " (on 2 CPUs, other work on the machine inflates wall times).", ""]
    return "\n".join(out)


def targets(results: list[dict]) -> list[str]:
    """Each target judged on wall time and, in brackets, on CPU time (steadier on a shared machine)."""
    by = {r["units"]: r for r in results}
    lines = []

    def verdict(ok) -> str:
        return "not measured" if ok is None else ("**met**" if ok else "**not met**")

    def pair(ok_wall, ok_cpu) -> str:
        return verdict(ok_wall) if ok_wall is None else f"{verdict(ok_wall)} by wall time, {verdict(ok_cpu)} by CPU time"

    r1k, r10k = by.get(1000, {}), by.get(10000, {})
    c, b, cc, cb = r1k.get("cold_s"), r1k.get("baseline_s"), r1k.get("cold_cpu"), r1k.get("baseline_cpu")
    ok = None if c is None or b is None else (c <= 1.3 * b and c <= 20)
    ok_cpu = None if cc is None or cb is None else (cc <= 1.3 * cb and cc <= 20)
    lines.append(f"- 1,000 units, cold build ≤ 1.3× baseline and ≤ 20 s: {pair(ok, ok_cpu)}"
                 + (f" (wall {fmt_s(c)} s = {c / b:.2f}× baseline {fmt_s(b)} s; CPU {fmt_s(cc)} s = "
                    f"{cc / cb:.2f}× baseline {fmt_s(cb)} s)" if ok is not None else ""))
    warm = [(n, r) for n, r in sorted(by.items()) if r.get("warm_s") and r.get("cold_s")]
    ok = None if not warm else all(r["warm_s"] < r["cold_s"] for _, r in warm)
    ok_cpu = None if not warm else all(r["warm_cpu"] < r["cold_cpu"] for _, r in warm)
    lines.append(f"- warm faster than cold: {pair(ok, ok_cpu)}" + (" (" + ", ".join(
        f"{n:,} units: warm {both(r, 'warm')} vs cold {both(r, 'cold')} s" for n, r in warm) + ")" if warm else ""))
    c10, c1 = r10k.get("cold_s"), r1k.get("cold_s")
    ok = None if c10 is None or c1 is None else c10 <= 11 * c1
    ok_cpu = None if ok is None else r10k["cold_cpu"] <= 11 * r1k["cold_cpu"]
    lines.append(f"- 10,000 units ≤ 11× the 1,000-unit cold build: {pair(ok, ok_cpu)}"
                 + (f" ({c10 / c1:.1f}×; CPU {r10k['cold_cpu'] / r1k['cold_cpu']:.1f}×)" if ok is not None else ""))
    rss, pss = r10k.get("cold_rss_kb"), r10k.get("cold_pss_kb")
    ok = None if rss is None else max(rss, pss or 0) <= 4 * 1024 ** 2
    lines.append(f"- 10,000 units peak memory ≤ 4 GB: {verdict(ok)}" + (
        f" (largest process {rss / 1024 ** 2:.1f} GB; all processes {pss / 1024 ** 2:.1f} GB)" if rss else ""))
    per = [(n, r["site"]["bytes"] / r["site"]["pages"]) for n, r in sorted(by.items()) if r.get("site")]
    ok = None if len(per) < 2 else max(p for _, p in per) <= 1.3 * min(p for _, p in per)
    lines.append(f"- output size per page roughly constant (within ±30 %): {verdict(ok)}" + (" (" + ", ".join(
        f"{n:,} units: {p / 1e3:.0f} KB" for n, p in per) + ")" if per else ""))
    for kind, how in VALIDATE_KINDS.items():
        v = r10k.get(f"{kind}_s")
        ok = None if v is None else v <= 5
        lines.append(f"- `bsc validate` on 10,000 units in a few seconds (≤ 5 s), {how}: {verdict(ok)}"
                     + (f" ({both(r10k, kind)} s)" if v is not None else ""))
    return lines


# -- growth: two sizes alternating ---------------------------------------------------------------
def growth_main(small: int, large: int, args) -> dict:
    """Cold plugin builds of `small` and `large` units alternating, small first and last; the
    ratios of their medians, and of each large build to the mean of the small builds beside it."""
    work = Path(args.workdir)
    logs = work / "logs"
    res: dict = {"small": small, "large": large, "runs": args.runs, "commit": versions_commit(),
                 "loadavg_start": os.getloadavg()[0]}
    for n in (small, large):
        r = run([PY, str(HERE / "synth.py"), "--units", str(n), "--seed", str(args.seed), "--out",
                 str(work / f"org-{n}"), "--force"], work, args.timeout, logs / f"synth-{n}.log")
        if not r.ok:
            sys.exit(f"bench: synth {n} failed:\n{r.tail()}")
    build = [str(BIN / "mkdocs"), "build"] + (["--strict"] if args.strict else [])
    builds: dict[int, list[Run]] = {small: [], large: []}
    order = [small] + [n for _ in range(args.runs) for n in (large, small)]
    trash = Trash(work)
    trash.removed()  # synth --force removed the organisations it replaced
    trash.settle()
    for i, n in enumerate(order):
        org = work / f"org-{n}"
        trash.before_build(org)
        r = run(build, org, args.timeout, logs / f"growth-{n}-{i}.log")
        if not r.ok:
            sys.exit(f"bench: cold build of {n} units failed:\n{r.tail()}")
        builds[n].append(r)
        print(f"  {n:>6} units cold: {r.seconds:8.2f}s (CPU {r.cpu:8.2f}s)", flush=True)
    trash.empty()
    for n, rs in builds.items():
        res[f"{n}_s"], res[f"{n}_cpu"] = median([r.seconds for r in rs]), median([r.cpu for r in rs])
        res[f"{n}_all"] = [(round(r.seconds, 2), round(r.cpu, 2)) for r in rs]
        res[f"{n}_rss_kb"], res[f"{n}_pss_kb"] = max(r.maxrss_kb for r in rs), max(r.group_pss_kb for r in rs)
    smalls, larges = builds[small], builds[large]
    res["pairs"] = [(larges[i].seconds / ((smalls[i].seconds + smalls[i + 1].seconds) / 2),
                     larges[i].cpu / ((smalls[i].cpu + smalls[i + 1].cpu) / 2)) for i in range(len(larges))]
    res["loadavg_end"] = os.getloadavg()[0]
    return res


def _memory(res: dict, n: int) -> str:
    """The largest peaks of one size's builds (a results file of an older run has none)."""
    if f"{n}_rss_kb" not in res:
        return "–"
    return f"{fmt_mb(res[f'{n}_rss_kb'])} / {fmt_mb(res[f'{n}_pss_kb'])} MB"


def growth_report(res: dict, command: str) -> str:
    small, large = res["small"], res["large"]
    wall, cpu = res[f"{large}_s"] / res[f"{small}_s"], res[f"{large}_cpu"] / res[f"{small}_cpu"]
    lines = [
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; commit {res['commit']}  ",
        f"Cold plugin builds (`mkdocs build`, the map and load caches set aside before each, removed when the run ends), alternating "
        f"{small:,}, {large:,}, {small:,}, ... units: {res['runs']} of {large:,} units, {res['runs'] + 1} of "
        f"{small:,}. Wall seconds, CPU seconds (user + system, helpers and dot included) in brackets.",
        "",
        "| | builds | median s | ratio to the small builds | peak memory: largest process / all (PSS) |",
        "|---|---|---:|---:|---:|",
        f"| {small:,} units | " + ", ".join(f"{w} ({c})" for w, c in res[f"{small}_all"])
        + f" | {fmt_s(res[f'{small}_s'])} ({fmt_s(res[f'{small}_cpu'])}) | – | {_memory(res, small)} |",
        f"| {large:,} units | " + ", ".join(f"{w} ({c})" for w, c in res[f"{large}_all"])
        + f" | {fmt_s(res[f'{large}_s'])} ({fmt_s(res[f'{large}_cpu'])}) | {wall:.2f}× ({cpu:.2f}×) "
        f"| {_memory(res, large)} |",
        "",
        "Each large build against the mean of the small builds just before and after it: "
        + ", ".join(f"{w:.2f}× ({c:.2f}×)" for w, c in res["pairs"]) + ".",
        f"1-minute load average at the start / end: {res['loadavg_start']:.1f} / {res['loadavg_end']:.1f} (2 CPUs).",
    ]
    if large == 10 * small:  # the target
        ok_wall, ok_cpu = wall <= 11, cpu <= 11
        lines += ["", f"Target, {large:,} units ≤ 11× the {small:,}-unit cold build: "
                  f"{'**met**' if ok_wall else '**not met**'} by wall time ({wall:.2f}×), "
                  f"{'**met**' if ok_cpu else '**not met**'} by CPU time ({cpu:.2f}×)."]
    return "\n".join(lines)


def replace_section(name: str, body: str) -> None:
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else (
        "# Benchmark results\n\nWritten by `benchmarks/bench.py`; the sections between the markers are "
        "regenerated, the rest is kept.\n\n")
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, "utf-8")


# -- profile --------------------------------------------------------------------------------
def package_of(filename: str) -> str:
    f = filename.replace("\\", "/")
    if "/bsc_site/templates/" in f or f.endswith(".j2"):
        return "bsc_site templates (Jinja)"
    if "/bsc_site/" in f:
        sub = f.split("/bsc_site/", 1)[1].split("/")[0].removesuffix(".py")
        return f"bsc_site.{sub}"
    if "/material/" in f and ("/templates/" in f or f.endswith(".html")):
        return "Material templates (Jinja)"
    if "/material/" in f:
        return "material (plugins)"
    if "/mkdocs/contrib/search/" in f or "/material/plugins/search/" in f:
        return "search plugin"
    for pkg in ("mkdocs", "markdown", "pymdownx", "jinja2", "pydot", "yaml", "markupsafe", "babel"):
        if f"/site-packages/{pkg}/" in f:
            return {"markdown": "Python-Markdown"}.get(pkg, pkg)
    if f.startswith("<") or f == "~":
        return "builtin"
    return "python stdlib" if "/lib/python" in f else "other"


def profile_main(n: int, args) -> None:
    import cProfile

    work = Path(args.workdir)
    org = work / f"org-{n}"
    if not (org / "mkdocs.yml").exists():
        subprocess.run([PY, str(HERE / "synth.py"), "--units", str(n), "--seed", str(args.seed), "--out", str(org),
                        "--force"], check=True)
    trash = Trash(work)
    trash.settle()
    trash.before_build(org)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    os.chdir(org)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    config = load_config(str(org / "mkdocs.yml"), strict=args.strict)
    build(config)
    profiler.disable()
    wall = time.perf_counter() - start
    dump = work / f"profile-{n}.pstats"
    profiler.dump_stats(str(dump))
    (work / f"profile-{n}.wall").write_text(f"{wall:.1f}")
    summarize_profile(n, dump, wall)


def summarize_profile(n: int, dump: Path, wall: float) -> None:
    import pstats

    stats = pstats.Stats(str(dump))
    raw = stats.stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    total = sum(v[2] for v in raw.values())

    # self time by package: time spent in the standard library and C functions is charged to the
    # nearest caller outside them, in proportion to each caller's share of the calls' time
    shares: dict = {}

    def owners(func, depth: int = 0) -> dict[str, float]:
        pkg = package_of(func[0])
        if pkg not in ("builtin", "python stdlib"):
            return {pkg: 1.0}
        if func in shares:
            return shares[func] or {pkg: 1.0}
        callers = raw[func][4] if func in raw else {}
        weight = sum(edge[3] for edge in callers.values())
        if not callers or not weight or depth > 40:
            return {pkg: 1.0}
        shares[func] = None  # a cycle back here counts as the package itself
        out: dict[str, float] = {}
        for caller, edge in callers.items():
            for owner, share in owners(caller, depth + 1).items():
                out[owner] = out.get(owner, 0.0) + share * edge[3] / weight
        shares[func] = out
        return out

    by_pkg: dict[str, float] = {}
    for func, (_, _, tt, _, _) in raw.items():
        for owner, share in owners(func).items():
            by_pkg[owner] = by_pkg.get(owner, 0.0) + tt * share

    def cum(match) -> float:
        return sum(v[3] for k, v in raw.items() if match(k))

    entry = [
        ("bsc plugin on_pre_build (load, validate, evaluate, pages, maps)",
         lambda k: k[2] == "on_pre_build" and "mkdocs_plugin" in k[0]),
        ("  bsc_site.load.load", lambda k: k[2] == "load" and k[0].endswith("bsc_site/load/__init__.py")),
        ("  bsc_site.check.validate", lambda k: k[2] == "validate" and k[0].endswith("bsc_site/check/__init__.py")),
        ("  bsc_site.status.evaluate.evaluate", lambda k: k[2] == "evaluate" and k[0].endswith("status/evaluate.py")),
        ("  SitePlanner.pages", lambda k: k[2] == "pages" and k[0].endswith("site/plan.py")),
        ("    render_maps (dot + SVG finishing)", lambda k: k[2] == "render_maps" and k[0].endswith("maps/__init__.py")),
        ("    _make (pydot DOT building)", lambda k: k[2] == "_make" and k[0].endswith("maps/build.py")),
        ("  data_files (JSON/CSV exports beside the pages)", lambda k: k[2] == "data_files" and k[0].endswith("site/plan.py")),
        ("    export.dumps (json.dumps with indent=2)", lambda k: k[2] == "dumps" and k[0].endswith("bsc_site/export.py")),
        ("bsc plugin on_files", lambda k: k[2] == "on_files" and "mkdocs_plugin" in k[0]),
        ("bsc plugin on_post_page (fill)", lambda k: k[2] == "on_post_page" and "mkdocs_plugin" in k[0]),
        ("MkDocs Page.render (Python-Markdown convert + MkDocs tree processors)",
         lambda k: k[2] == "render" and k[0].endswith("structure/pages.py")),
        ("  Python-Markdown raw-HTML block preprocessor (html.parser)",
         lambda k: k[2] == "run" and k[0].endswith("markdown/preprocessors.py")),
        ("  MkDocs raw-HTML anchor scan (_RawHTMLPreprocessor: html.parser over the Markdown)",
         lambda k: k[2] == "run" and k[0].endswith("mkdocs/structure/pages.py")),
        ("MkDocs _build_page (theme template + plugins)", lambda k: k[2] == "_build_page" and k[0].endswith("commands/build.py")),
        ("  Material page template (Jinja Template.render called by _build_page)", None),
        ("  search plugin on_page_context (parses each page's HTML)",
         lambda k: k[2] == "on_page_context" and "/search/" in k[0] and "site-packages" in k[0]),
        ("search plugin on_post_build (writes the index)",
         lambda k: k[2] == "on_post_build" and "/search/" in k[0] and "site-packages" in k[0]),
        ("MkDocs get_navigation", lambda k: k[2] == "get_navigation"),
    ]
    lines = [(f"Command: `python benchmarks/bench.py --profile {n}` (cold cache, in-process "
             f"`mkdocs.commands.build.build`, under cProfile: {wall:.1f} s wall; profiling roughly doubles Python "
             f"time)  "), f"Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}; pstats: `{dump}`", "",
             "#### Where the time goes (cumulative)", "", "| part | s | share |", "|---|---:|---:|"]
    def edge_time(callee, caller) -> float:
        return sum(e[3] for k, v in raw.items() if callee(k) for c, e in v[4].items() if caller(c))

    for label, match in entry:
        if match is None:
            t = edge_time(lambda k: k[2] == "render" and k[0].endswith("jinja2/environment.py"),
                          lambda c: c[2] == "_build_page")
        else:
            t = cum(match)
        lines.append(f"| {label} | {t:.1f} | {t / total:.0%} |")
    lines += ["", ("Indented rows are part of the row above. Jinja2 `Template.render` counts Material's page "
              "templates (called from `_build_page`) and the bsc page templates (called from `SitePlanner.pages`)."), "",
              "#### Self time by package (standard library and C functions charged to their callers)", "",
              "| package | s | share |", "|---|---:|---:|"]
    for pkg, t in sorted(by_pkg.items(), key=lambda kv: -kv[1])[:18]:
        lines.append(f"| {pkg} | {t:.1f} | {t / total:.0%} |")
    lines += ["", "#### Top bsc_site functions by self time", "", "| function | calls | self s | cumulative s |",
              "|---|---:|---:|---:|"]
    own = sorted(((k, v) for k, v in raw.items() if "/bsc_site/" in k[0]), key=lambda kv: -kv[1][2])[:25]
    for (f, line, name), (cc, nc, tt, ct, _) in own:
        lines.append(f"| `{f.split('/bsc_site/', 1)[1]}:{line} {name}` | {nc:,} | {tt:.2f} | {ct:.2f} |")
    lines += ["", "#### Top functions outside bsc_site by self time", "", "| function | calls | self s | cumulative s |",
              "|---|---:|---:|---:|"]
    other = sorted(((k, v) for k, v in raw.items() if "/bsc_site/" not in k[0]), key=lambda kv: -kv[1][2])[:20]
    for (f, line, name), (cc, nc, tt, ct, _) in other:
        short = f.split("site-packages/", 1)[-1] if "site-packages/" in f else f.rsplit("/", 2)[-1]
        lines.append(f"| `{short}:{line} {name}` | {nc:,} | {tt:.2f} | {ct:.2f} |")
    body = "\n".join(lines)
    print(body)
    replace_section(f"profile-{n}", f"## Profile of the {n:,}-unit cold plugin build\n\n{body}\n")


# -- main -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated unit counts (default 100,1000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "bsc-bench"))
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per build or step (default 1800)")
    parser.add_argument("--no-strict", dest="strict", action="store_false", help="build without --strict")
    parser.add_argument("--no-write", action="store_true", help="do not update benchmarks/RESULTS.md")
    parser.add_argument("--profile", type=int, metavar="UNITS", help="profile one cold plugin build instead")
    parser.add_argument("--validate-only", default="", metavar="SIZES",
                        help="comma-separated sizes (among --sizes) for which only `bsc validate` is timed")
    parser.add_argument("--build-only", default="", metavar="SIZES",
                        help="comma-separated sizes measured by plugin builds (and bsc validate) only: no in-process "
                             "stages, no baseline")
    parser.add_argument("--append", action="store_true",
                        help="keep the other sizes of WORKDIR/results.json and report them together")
    parser.add_argument("--profile-summary", action="store_true",
                        help="with --profile: summarise WORKDIR/profile-UNITS.pstats again instead of profiling")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report from WORKDIR/results.json")
    parser.add_argument("--growth", metavar="SMALL,LARGE",
                        help="the growth ratio only: cold builds of two sizes alternating (--runs of the larger)")
    parser.add_argument("--stages", type=Path, help=argparse.SUPPRESS)  # internal: the in-process stage child
    parser.add_argument("--nav-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.validate_only = {int(x) for x in args.validate_only.split(",") if x.strip()}
    args.build_only = {int(x) for x in args.build_only.split(",") if x.strip()}
    if args.stages:
        stages_main(args.stages.resolve(), args.runs, args.nav_out)
        return 0
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    args.workdir = str(Path(args.workdir).resolve())
    if args.profile and args.profile_summary:
        work = Path(args.workdir)
        wall = float((work / f"profile-{args.profile}.wall").read_text()) if (
            work / f"profile-{args.profile}.wall").exists() else 0.0
        summarize_profile(args.profile, work / f"profile-{args.profile}.pstats", wall)
        return 0
    if args.profile:
        profile_main(args.profile, args)
        return 0
    command = "python benchmarks/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.growth:
        small, large = sorted(int(x) for x in args.growth.split(","))
        res = growth_main(small, large, args)
        text = growth_report(res, command)
        print()
        print(text)
        if not args.no_write:
            replace_section("growth", f"## Growth: {small:,} and {large:,} units alternating\n\n" + text)
            print(f"\nwrote {RESULTS}")
        return 0
    machine = versions()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = []
    saved_path = Path(args.workdir) / "results.json"
    if args.report_only:
        saved = json.loads(saved_path.read_text("utf-8"))
        results, sizes = saved["results"], []
        command, machine = saved["command"], saved["machine"]
    earlier: dict[int, dict] = {}
    if not args.report_only and args.append and saved_path.exists():
        saved = json.loads(saved_path.read_text("utf-8"))
        results = [r for r in saved["results"] if r["units"] not in sizes]
        earlier = {r["units"]: r for r in saved["results"] if r["units"] in sizes}
        command = saved["command"] + "` then `" + command
    for n in sizes:
        r = bench_size(n, args)
        if n in args.validate_only and n in earlier:  # the size's build figures are kept
            kept = {k: v for k, v in earlier[n].items() if not k.startswith("validate")}
            r = {**kept, **{k: v for k, v in r.items() if k.startswith("validate")},
                 "failures": kept.get("failures", []) + r["failures"],
                 "validate_commit": r["commit"], "validate_runs": r["runs"]}
        results.append(r)
        results.sort(key=lambda x: x["units"])
        if r.get("cold_s") is not None:
            print(f"  => cold {fmt_s(r['cold_s'])}s, warm {fmt_s(r.get('warm_s'))}s, baseline "
                  f"{fmt_s(r.get('baseline_s'))}s, cold/baseline {ratio(r['cold_s'], r.get('baseline_s'))}", flush=True)
        (Path(args.workdir) / "results.json").write_text(json.dumps(
            {"command": command, "machine": machine, "results": results}, indent=1, default=str), "utf-8")
    text = report(results, args, machine, command)
    print()
    print(text)
    # A size timed for `bsc validate` only, with no build figures of an earlier run to keep
    # (a new work folder), would leave the build columns of RESULTS.md empty.
    unbuilt = sorted(n for n in sizes if n in args.validate_only and n not in earlier)
    if unbuilt and not args.no_write:
        print(f"\nnot written: {RESULTS} keeps its tables, since {args.workdir}/results.json has no build "
              f"figures for {', '.join(f'{n:,}' for n in unbuilt)} units to keep beside these (run the builds "
              "too, or --report-only with a results.json that has them)")
    elif not args.no_write:
        replace_section("sizes", "## Build benchmark\n\n" + text)
        print(f"\nwrote {RESULTS}")
    return 0 if all(not r.get("failures") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
