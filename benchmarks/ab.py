"""A/B: cold plugin builds of an earlier commit and of the working tree, alternating, in one run.

    python benchmarks/ab.py --rev 228614e --org /tmp/bsc-bench/org-1000 [--runs 3]

The organisation folder is one made by benchmarks/synth.py (it has its mkdocs.yml). The
earlier commit is checked out in a temporary git worktree and imported in place of the
installed package, so both sides use the same venv, MkDocs, Material and Graphviz.
Alternating the two sides spreads the noise of a shared machine over both; the medians of
wall and CPU seconds (the build and its helpers and dot) and peak RSS are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Drops the editable install's finder, so `bsc_site` comes from the worktree given first.
RUN_OLD = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(f).lower()]
sys.path.insert(0, sys.argv.pop(1))
import bsc_site
assert bsc_site.__file__.startswith(sys.path[0]), bsc_site.__file__
from mkdocs.__main__ import cli
sys.argv = ["mkdocs"] + sys.argv[1:]
cli()
"""


def build(cmd: list[str], org: Path) -> tuple[float, float, int]:
    """A cold build: wall seconds, CPU seconds (with the helpers and dot it waited for), peak RSS KB."""
    shutil.rmtree(org / "site", ignore_errors=True)
    shutil.rmtree(org / ".cache" / "bsc", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONHASHSEED": "0"}
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=org, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"ab: {' '.join(cmd)} failed:\n{stderr.decode()[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the earlier commit")
    parser.add_argument("--org", type=Path, required=True, help="an organisation made by benchmarks/synth.py")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    worktree = Path(tempfile.mkdtemp(prefix="bsc-ab-")) / "old"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(worktree), args.rev], check=True)
    sides = {args.rev: [sys.executable, "-c", RUN_OLD, str(worktree), "build", "--strict"],
             "working tree": [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict"]}
    results: dict[str, list] = {name: [] for name in sides}
    try:
        for i in range(args.runs):
            for name, cmd in sides.items():
                seconds, cpu, maxrss = build(cmd, args.org)
                results[name].append((seconds, cpu, maxrss))
                print(f"run {i + 1}: {name:14} {seconds:7.2f} s wall, {cpu:7.2f} s CPU, peak RSS {maxrss // 1024} MB",
                      flush=True)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(worktree)], check=False)
        shutil.rmtree(worktree.parent, ignore_errors=True)
    base = None
    for name, rows in results.items():
        wall, cpu = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        rss = max(r[2] for r in rows) // 1024
        ratio = "" if base is None else f"  ({wall / base[0]:.2f}× wall, {cpu / base[1]:.2f}× CPU)"
        print(f"median {name:14} {wall:7.2f} s wall, {cpu:7.2f} s CPU, peak RSS {rss} MB{ratio}")
        base = base or (wall, cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
