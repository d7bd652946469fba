"""A/B: plugin builds of an earlier commit and of the working tree, alternating, in one run.

    python benchmarks/ab.py --rev 228614e --org /tmp/bsc-bench/org-1000 [--runs 3] [--warm]

The organisation folder is one made by benchmarks/synth.py (it has its mkdocs.yml). The
earlier commit is checked out in a temporary git worktree and imported in place of the
installed package, so both sides use the same venv, MkDocs, Material and Graphviz.
Builds are cold (no map cache: set aside, with the last site, until the run ends, see
`bench.Trash`), or with `--warm` warm (the cache filled by a first build
of the working tree, not timed). Alternating the two sides spreads the noise of a shared
machine over both, and they take turns to go first (A B, B A, A B, ...), so that a machine
slowing down (or speeding up) through the run charges neither side; use an even --runs
for a balanced order. The medians of wall and CPU seconds (the build and its helpers and
dot), the peak RSS of the largest process and the peak summed PSS of all of them are
printed, then each run's ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (its way of running a build and sampling its memory)

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


def build(cmd: list[str], org: Path, log: Path, trash: bench.Trash, cold: bool = True) -> tuple[float, float, int, int]:
    """A build, cold by default: wall seconds, CPU seconds (with the helpers and dot it waited
    for), peak RSS KB of the largest process, and peak summed PSS KB of all its processes (as
    bench.py). The last build's site (and cache) are set aside, not removed (`bench.Trash`)."""
    trash.before_build(org, cold)
    result = bench.run(cmd, org, timeout=3 * 3600, log=log)
    if not result.ok:
        sys.exit(f"ab: {' '.join(cmd)} failed:\n{result.tail(40)}")
    return result.seconds, result.cpu, result.maxrss_kb, result.group_pss_kb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", required=True, help="the earlier commit")
    parser.add_argument("--org", type=Path, required=True, help="an organisation made by benchmarks/synth.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm", action="store_true", help="warm builds (the map cache kept) instead of cold ones")
    args = parser.parse_args()
    worktree = Path(tempfile.mkdtemp(prefix="bsc-ab-")) / "old"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "-q", "--detach", str(worktree), args.rev], check=True)
    sides = {args.rev: [sys.executable, "-c", RUN_OLD, str(worktree), "build", "--strict"],
             "working tree": [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict"]}
    results: dict[str, list] = {name: [] for name in sides}
    trash = bench.Trash(args.org.resolve().parent)
    trash.settle()
    try:
        if args.warm:  # the map cache, filled once (both sides make the same maps)
            build(sides["working tree"], args.org, worktree.parent / "build.log", trash)
        for i in range(args.runs):
            # The sides take turns to go first: this machine's speed drifts within minutes, and the
            # side always built second would take the drift as its own (ABBA...).
            order = list(sides.items()) if i % 2 == 0 else list(sides.items())[::-1]
            for name, cmd in order:
                seconds, cpu, maxrss, pss = build(cmd, args.org, worktree.parent / "build.log", trash,
                                                  cold=not args.warm)
                results[name].append((seconds, cpu, maxrss, pss))
                print(f"run {i + 1}: {name:14} {seconds:7.2f} s wall, {cpu:7.2f} s CPU, peak RSS {maxrss // 1024} MB, "
                      f"all processes {pss // 1024} MB", flush=True)
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(worktree)], check=False)
        shutil.rmtree(worktree.parent, ignore_errors=True)
        trash.empty()
    base = None
    for name, rows in results.items():
        wall, cpu = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        rss, pss = max(r[2] for r in rows) // 1024, max(r[3] for r in rows) // 1024
        ratio = "" if base is None else f"  ({wall / base[0]:.2f}× wall, {cpu / base[1]:.2f}× CPU)"
        print(f"median {name:14} {wall:7.2f} s wall, {cpu:7.2f} s CPU, peak RSS {rss} MB, "
              f"all processes {pss} MB{ratio}")
        base = base or (wall, cpu)
    old, new = results[args.rev], results["working tree"]
    pairs = ", ".join(f"{n[0] / o[0]:.2f}" for o, n in zip(old, new))
    print(f"each run's working tree / {args.rev} (wall): {pairs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
