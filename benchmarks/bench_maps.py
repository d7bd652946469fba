"""Strategy-map layout cost: one `dot` process per map vs batched processes vs the cache.

    python benchmarks/bench_maps.py [--maps 200] [--runs 5]

Uses the example organisation's unit, line-of-sight and theme maps, repeated (each copy
made unique, so neither the cache nor Graphviz can reuse a result) up to --maps maps.
Prints the median of --runs runs for each strategy, per map, and ratios to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bsc_site.maps import Graphviz, LayoutStats, line_of_sight_map, render_maps, theme_map, unit_map  # noqa: E402
from bsc_site.project import open_project  # noqa: E402
from bsc_site.status.evaluate import evaluate  # noqa: E402


def example_maps(count: int):
    project = open_project(REPO / "scorecards")
    ev = evaluate(project.scorecards, project.period)
    href = lambda unit_id, anchor: f"../{unit_id}/#{anchor}"  # noqa: E731
    base = [unit_map(ev, u.id, href) for u in ev.scorecards.units]
    base += [m for m in (line_of_sight_map(ev, u.id, href) for u in ev.scorecards.units) if m]
    base += [theme_map(ev, t.id, href) for t in ev.scorecards.organization.themes]
    maps = []
    for i in range(count):
        m = base[i % len(base)]
        unique = m.dot.rstrip().rstrip("}") + f"// copy {i}\n}}\n"
        maps.append(type(m)(**{**m.__dict__, "key": f"{m.key}#{i}", "dot": unique}))
    return maps


def one_process_per_map(maps, dot: str) -> None:
    for m in maps:
        subprocess.run([dot, "-Tsvg"], input=m.dot, capture_output=True, text=True, check=True)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    maps = example_maps(args.maps)
    graphviz = Graphviz()
    dot = graphviz.path()
    results: dict[str, list[float]] = {"one dot process per map (baseline)": [], "batched, cold cache": [],
                                       "batched, warm cache": []}
    for _ in range(args.runs):
        results["one dot process per map (baseline)"].append(timed(lambda: one_process_per_map(maps, dot)))
        with tempfile.TemporaryDirectory() as cache:
            stats = LayoutStats()
            results["batched, cold cache"].append(timed(lambda: render_maps(maps, Path(cache), graphviz, stats)))
            warm = LayoutStats()
            results["batched, warm cache"].append(timed(lambda: render_maps(maps, Path(cache), graphviz, warm)))
            assert warm.processes == 0 and warm.cached == len(maps)
    baseline = statistics.median(results["one dot process per map (baseline)"])
    print(f"{len(maps)} maps, Graphviz {graphviz.version()}, median of {args.runs} runs")
    print(f"{'strategy':40} {'total s':>9} {'ms/map':>8} {'vs baseline':>12}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:40} {median:9.3f} {median / len(maps) * 1000:8.2f} {median / baseline:11.2f}x")
    print("(cold and warm include turning each SVG into the finished figure; the baseline only runs dot)")


if __name__ == "__main__":
    main()
