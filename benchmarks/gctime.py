"""How much CPU the cyclic garbage collector takes in a site build, per process and generation.

    python benchmarks/gctime.py /tmp/bsc-bench/org-10000 [--site /tmp/gc-site]

Runs `mkdocs build` of a synthetic organisation's folder (made by benchmarks/synth.py) in
this process, with gc callbacks timing every collection (process CPU time) in the build
process and in the page process, and prints, for each: the number of collections, their
CPU seconds and the objects they freed, by generation; then when the build process's full
collections happened (20-s buckets of wall time since the start). Not a test: the numbers
are for reading, as in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

from mkdocs.commands.build import build
from mkdocs.config import load_config

from bsc_site.mkdocs_plugin import fragments

START = time.time()
stats: dict[int, list] = {}  # generation -> [collections, CPU seconds, objects freed]
full: list[tuple[float, float]] = []  # full collections: (wall seconds since START, CPU seconds)
_began = [0.0]


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _began[0] = time.process_time()
        return
    spent = time.process_time() - _began[0]
    entry = stats.setdefault(info["generation"], [0, 0.0, 0])
    entry[0] += 1
    entry[1] += spent
    entry[2] += info["collected"]
    if info["generation"] == 2:
        full.append((time.time() - START, spent))


def _summary() -> str:
    return ", ".join(f"gen{g}: {n} in {t:.2f} s ({c} freed)" for g, (n, t, c) in sorted(stats.items()))


_run_pages = fragments._run_pages


def _page_process(*args, **kwargs):
    """The page process, reporting its own collections before it exits (it ends with os._exit)."""
    stats.clear()
    exit_now = os._exit

    def report_and_exit(code):
        print(f"page process: {_summary()}; CPU {time.process_time():.1f} s", file=sys.stderr, flush=True)
        exit_now(code)

    os._exit = report_and_exit
    _run_pages(*args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("org", help="a folder made by benchmarks/synth.py (with its mkdocs.yml)")
    parser.add_argument("--site", default="/tmp/gc-site", help="where to build the site (default /tmp/gc-site)")
    args = parser.parse_args()
    fragments._run_pages = _page_process
    gc.callbacks.append(_timed)
    os.chdir(args.org)
    build(load_config("mkdocs.yml", site_dir=args.site))
    print(f"build process: {_summary()}; wall {time.time() - START:.1f} s, CPU {time.process_time():.1f} s",
          file=sys.stderr)
    buckets: dict[int, float] = {}
    for at, spent in full:
        bucket = int(at // 20) * 20
        buckets[bucket] = buckets.get(bucket, 0.0) + spent
    print("build process, full collections by 20-s bucket of wall time: "
          + ", ".join(f"{b}–{b + 20} s: {t:.2f} s" for b, t in sorted(buckets.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
