"""MkDocs' own share of a plugin build: plain MkDocs building the plugin's page skeletons.

    python benchmarks/floor.py --org /tmp/bsc-bench/org-1000 [--runs 3] [--write]

In a plugin build MkDocs converts one Markdown skeleton per generated page (the page's
headings, the authors' prose, an HTML comment where each fragment of generated HTML goes),
renders Material's page template around it with the navigation, indexes it for search and
writes it: in the build process, one page after another. The plugin makes everything else
(loading, checking, evaluating, the fragments, maps and data files) with a page process
beside it. This script measures MkDocs' part alone, so that the plugin's share of a build
can be told from the floor under it: a plain-MkDocs project (the organisation's theme,
features and Markdown extensions, the plugin's nested navigation written out as `nav:`,
the search plugin, no bsc plugin) whose pages are those skeletons, built alternately with
the plugin's cold build of the same organisation (floor, plugin, floor, ...; sites and
caches set aside as `bench.Trash` does).

That floor is a lower bound of the build process's work, not an exact share: the skeletons
keep their markers as plain HTML comments (in a plugin build a Markdown extension of the
plugin passes them over faster), and the plugin's filling of each page is left out.

`--org` is an organisation made by benchmarks/synth.py; the project is made beside it
(`floor-N` for `org-N`). `--write` puts the figures in benchmarks/RESULTS.md (a section of
its own, between markers).
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (running a build, Trash, the plain-MkDocs configuration, RESULTS.md sections)

TARGET_S = 20.0  # issue 6: a cold build of 1,000 units, on two cores


def make_floor(org: Path, out: Path, trash: bench.Trash) -> int:
    """The plain-MkDocs project of `org`'s page skeletons at `out`; how many pages it has."""
    from bsc_site.load import load
    from bsc_site.problems import Problems
    from bsc_site.site.links import Links
    from bsc_site.site.plan import SiteOptions, SitePlanner, nav_tree
    from bsc_site.status.evaluate import evaluate

    problems = Problems()
    sc = load(org / "scorecards", problems)
    if problems.errors:
        sys.exit(f"floor: {org / 'scorecards'} has errors; run bsc validate on it")
    links = Links("", True)
    ev = evaluate(sc, sc.latest_review_period())
    skeletons = SitePlanner(ev, SiteOptions(links=links, templates=org / "overrides" / "bsc")).skeletons()
    trash.put(out)
    docs = out / "docs"
    shutil.copytree(org / "docs", docs)  # the author's own pages, as in the plugin build
    own = sorted(str(p.relative_to(docs)) for p in docs.rglob("*.md"))
    for page in skeletons:
        path = docs / page.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page.markdown, "utf-8")
    css = bench.REPO / "bsc_site" / "assets" / "bsc.css"
    (docs / "assets" / "bsc").mkdir(parents=True, exist_ok=True)
    shutil.copy(css, docs / "assets" / "bsc" / "bsc.css")
    bench.write_plain_config(org, out, nav_tree(ev, links) + own,
                             "Floor: plain MkDocs, no bsc plugin, the plugin's page skeletons (benchmarks/floor.py).")
    return len(skeletons) + len(own)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", type=Path, required=True, help="an organisation made by benchmarks/synth.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--write", action="store_true", help="write the figures to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    org = args.org.resolve()
    if not (org / "mkdocs.yml").is_file():
        parser.error(f"{org} has no mkdocs.yml: make it with benchmarks/synth.py")
    units = org.name.rsplit("-", 1)[-1]  # synth.py's folders are org-N
    if not units.isdigit():
        units = org.name
    floor = org.parent / f"floor-{units}"
    logs = org.parent / "logs"
    trash = bench.Trash(org.parent)
    pages = make_floor(org, floor, trash)
    print(f"{floor}: {pages} pages", flush=True)
    trash.settle()
    build = [str(bench.BIN / "mkdocs"), "build"]
    runs: dict[str, list[bench.Run]] = {"floor": [], "plugin": []}
    for i in range(args.runs):
        for kind, project in (("floor", floor), ("plugin", org)):
            trash.before_build(project, cold=kind == "plugin")
            r = bench.run(build, project, args.timeout, logs / f"floor-{kind}-{units}-{i}.log")
            if not r.ok:
                sys.exit(f"floor: the {kind} build failed; log {r.log}:\n{r.tail()}")
            runs[kind].append(r)
            print(f"  run {i + 1}: {kind:6} {r.seconds:7.2f} s (CPU {r.cpu:7.2f} s)", flush=True)
    trash.empty()
    med = {k: (bench.median([r.seconds for r in rs]), bench.median([r.cpu for r in rs])) for k, rs in runs.items()}
    (fw, fc), (pw, pc) = med["floor"], med["plugin"]
    lines = [
        f"- MkDocs alone on the {pages:,} page skeletons: {fw:.2f} s wall (CPU {fc:.2f} s), one process",
        f"- the plugin's cold build of the same organisation: {pw:.2f} s wall (CPU {pc:.2f} s), all processes",
        f"- the floor is {fw / pw:.2f}× the plugin build's wall time and {fc / pc:.2f}× its CPU time; "
        f"the plugin's own work is ≈ {pc - fc:.1f} s of CPU",
    ]
    if units == "1000":  # the size issue 6 sets a time for
        lines.append(f"- under the {TARGET_S:.0f} s target on two cores, the build process has ≈ {TARGET_S - fw:.1f} s "
                     f"left beside MkDocs' work, so the plugin's work would have to fit in ≈ {2 * TARGET_S - fc:.1f} s "
                     f"of CPU (it takes ≈ {pc - fc:.1f} s)")
    print("\n".join(lines))
    if args.write:
        machine = bench.versions()
        size = f"{int(units):,} units" if units.isdigit() else units
        how = f"Medians of {args.runs} alternating runs" if args.runs > 1 else "One run of each"
        body = (f"## MkDocs' own share ({size})\n\n"
                f"Command: `python benchmarks/floor.py --org {org} --runs {args.runs} --write`, "
                f"{datetime.date.today().isoformat()}, commit {machine['commit']}, {machine['nproc']} cores "
                f"({machine['cpu']}). {how} "
                f"(floor {', '.join(f'{r.seconds:.2f}' for r in runs['floor'])} s; plugin "
                f"{', '.join(f'{r.seconds:.2f}' for r in runs['plugin'])} s).\n\n" + "\n".join(lines) + "\n")
        bench.replace_section(f"floor-{units}", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
