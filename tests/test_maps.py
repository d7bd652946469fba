"""Strategy maps: drawn by the real `dot`, checked as the SVG a reader's browser gets."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bsc_site.maps import Graphviz, LayoutStats, line_of_sight_map, render_maps, theme_map, unit_map
from bsc_site.project import open_project
from bsc_site.status.evaluate import evaluate

REPO = Path(__file__).resolve().parent.parent
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


def href(unit_id: str, anchor: str) -> str:
    return f"../{unit_id}/#{anchor}"


@pytest.fixture(scope="module")
def example():
    project = open_project(REPO / "scorecards")
    assert project.ok, [p.format() for p in project.problems.errors]
    return evaluate(project.scorecards, project.period)


def svg_of(figure: str) -> ET.Element:
    """The <svg> element of a finished figure, parsed as XML (it must be well-formed)."""
    match = re.search(r"<svg\b.*?</svg>", figure, re.DOTALL)
    assert match, "the figure holds no SVG"
    return ET.fromstring(match.group(0))


def groups(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG_NS}g") if cls in (g.get("class") or "").split()]


def text_of(element: ET.Element) -> str:
    return " ".join(t.text or "" for t in element.iter(f"{SVG_NS}text")).strip()


def first_y(element: ET.Element) -> float:
    return float(next(element.iter(f"{SVG_NS}text")).get("y"))


def first_x(element: ET.Element) -> float:
    return float(next(element.iter(f"{SVG_NS}text")).get("x"))


def test_unit_map_has_one_linked_node_per_objective_with_its_status(example):
    for unit in example.scorecards.units:
        result = example.units[unit.id]
        [figure] = render_maps([unit_map(example, unit.id, href)], None)
        svg = svg_of(figure)
        assert svg.get("role") == "img" and svg.get("aria-label", "").startswith(f"Strategy map of {unit.name}")
        assert svg.find(f"{SVG_NS}title") is not None and svg.find(f"{SVG_NS}desc") is not None
        nodes = groups(svg, "bsc-node")
        assert len(nodes) == len(unit.objectives)
        links = {}
        for node in nodes:
            anchor = next(node.iter(f"{SVG_NS}a"))
            links[anchor.get(XLINK)] = node
        for o in unit.objectives:
            node = links[f"../{unit.id}/#objective-{o.id}"]
            status = result.objectives[o.id].rollup.status
            assert f"bsc-node--{status.value}" in node.get("class")
            assert status.label in text_of(node), "the status is written in the node, not only coloured"
            assert node.find(f"{SVG_NS}title").text.startswith(o.name)


def test_bands_follow_the_configured_perspective_order(example):
    unit = example.scorecards.unit("generation")  # adds Sustainability after Customer
    [figure] = render_maps([unit_map(example, unit.id, href)], None)
    labels = {text_of(g): first_y(g) for g in groups(svg_of(figure), "bsc-band-label")}
    expected = [p.name for p in example.scorecards.perspectives(unit)]
    assert expected[:3] == ["Financial", "Customer", "Sustainability"]
    assert sorted(labels, key=labels.get) == expected  # SVG y grows downwards: first band on top


def test_theme_columns_follow_the_declared_theme_order(example):
    [figure] = render_maps([unit_map(example, "northwind", href)], None)
    svg = svg_of(figure)
    headers = {text_of(g): first_x(g) for g in groups(svg, "bsc-theme-label")}
    declared = [t.name for t in example.scorecards.organization.themes]
    shown = sorted(headers, key=headers.get)
    assert [re.sub(r"\s+", " ", h) for h in shown] == declared
    assert len([r for r in svg.iter(f"{SVG_NS}rect") if "bsc-theme" in r.get("class", "")]) == len(declared)


def test_one_arrow_per_drives_link(example):
    for unit in example.scorecards.units:
        [figure] = render_maps([unit_map(example, unit.id, href)], None)
        edges = groups(svg_of(figure), "bsc-edge--drives")
        assert len(edges) == sum(len(o.drives) for o in unit.objectives)


def test_line_of_sight_reaches_the_grandparent(example):
    m = line_of_sight_map(example, "customer-service", href)
    [figure] = render_maps([m], None)
    svg = svg_of(figure)
    bands = [text_of(g) for g in sorted(groups(svg, "bsc-band-label"), key=first_y)]
    assert bands == ["Northwind Energy", "Retail Energy", "Customer Service"]
    supports = groups(svg, "bsc-edge--supports")
    assert supports, "the supports links are drawn"
    assert line_of_sight_map(example, "northwind", href) is None  # the root has nothing above it


def test_theme_map_holds_only_that_themes_objectives(example):
    theme = example.scorecards.organization.themes[0]
    [figure] = render_maps([theme_map(example, theme.id, href)], None)
    nodes = groups(svg_of(figure), "bsc-node")
    expected = [(u.id, o.id) for u in example.scorecards.units for o in u.objectives if o.theme == theme.id
]
    assert len(nodes) == len(expected)


def test_same_input_gives_the_same_bytes(example):
    maps = [unit_map(example, u.id, href) for u in example.scorecards.units]
    assert render_maps(maps, None) == render_maps(maps, None)


def tiny_project(tmp_path: Path, objectives: list[tuple[str, str]], drives: dict[str, list[str]] | None = None) -> Path:
    root = tmp_path / "scorecards"
    (root / "units").mkdir(parents=True)
    (root / "organization.yml").write_text("name: Test Org\n", encoding="utf-8")
    lines = ["id: hq", "name: Headquarters", "objectives:"]
    for i, (oid, name) in enumerate(objectives):
        perspective = ["financial", "customer", "internal-process", "learning-growth"][i % 4]
        lines += [f"  - id: {oid}", f"    name: {json.dumps(name)}", f"    perspective: {perspective}"]
        if drives and oid in drives:
            lines.append(f"    drives: [{', '.join(drives[oid])}]")
    (root / "units" / "hq.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def evaluated(root: Path):
    project = open_project(root)
    assert project.ok, [p.format() for p in project.problems.errors]
    return evaluate(project.scorecards, project.period)


def test_hostile_and_non_ascii_names_are_escaped_and_kept(tmp_path):
    hostile = '<script>alert(1)</script> & "quoted" \'single\''
    root = tiny_project(tmp_path, [("a", hostile), ("b", "Schüler­zufriedenheit steigern — Zoë Ångström")],
                        {"b": ["a"]})
    [figure] = render_maps([unit_map(evaluated(root), "hq", href)], None)
    svg = svg_of(figure)  # well-formed XML despite the markup in the name
    assert not list(svg.iter(f"{SVG_NS}script")) and not list(svg.iter("script"))
    assert "<script>" not in figure
    words = " ".join(text_of(g) for g in groups(svg, "bsc-node"))
    assert "<script>alert(1)</script>" in words.replace(" ", "")  # wrapped over lines, shown literally
    assert '"quoted"' in words
    assert "Zoë" in words and "Ångström" in words
    assert "&lt;script&gt;" in figure  # the text alternative escapes it too


def test_band_and_theme_labels_show_entity_text_as_written(tmp_path):
    """Plain DOT labels read character references: a perspective named 'R&amp;D <x> & co'
    must not show as 'R&D <x> & co' in the map."""
    root = tiny_project(tmp_path, [("a", "Grow"), ("b", "Serve")])
    org = root / "organization.yml"
    org.write_text("name: Test Org\n"
                   "perspectives:\n"
                   "  - {id: financial, name: 'R&amp;D <x> & co'}\n"
                   "  - {id: customer, name: 'Customer &lt;first&gt;'}\n"
                   "themes:\n"
                   "  - {id: t, name: 'Tom &amp; Jerry'}\n", encoding="utf-8")
    unit = root / "units" / "hq.yml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("    perspective: financial\n",
                                                             "    perspective: financial\n    theme: t\n"),
                    encoding="utf-8")
    [figure] = render_maps([unit_map(evaluated(root), "hq", href)], None)
    svg = svg_of(figure)
    bands = {text_of(g) for g in groups(svg, "bsc-band-label")}
    assert {"R&amp;D <x> & co", "Customer &lt;first&gt;"} <= bands, bands
    assert {text_of(g) for g in groups(svg, "bsc-theme-label")} == {"Tom &amp; Jerry"}


def test_long_names_wrap_and_small_and_large_units_still_draw(tmp_path):
    long_name = "Increase the share of customers who renew their contract without any contact with the call centre"
    one = tiny_project(tmp_path / "one", [("only", long_name)])
    [figure] = render_maps([unit_map(evaluated(one), "hq", href)], None)
    node = groups(svg_of(figure), "bsc-node")[0]
    name_lines = [t for t in node.iter(f"{SVG_NS}text") if t.get("font-weight") == "bold"]
    assert len(name_lines) >= 4 and all(len(t.text) <= 22 for t in name_lines)
    many = tiny_project(tmp_path / "many", [(f"o{i}", f"Improve area {i}") for i in range(25)],
                        {f"o{i}": [f"o{i - 1}"] for i in range(4, 25)})
    [figure] = render_maps([unit_map(evaluated(many), "hq", href)], None)
    assert len(groups(svg_of(figure), "bsc-node")) == 25


def counting_dot(tmp_path: Path) -> tuple[Path, Path]:
    """A `dot` on PATH that records each start, then runs the real one."""
    real = shutil.which("dot")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "dot-calls.log"
    script = bin_dir / "dot"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir, log


def layout_calls(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if "-Tsvg" in line)


def copy_example(tmp_path: Path) -> Path:
    site = tmp_path / "project"
    site.mkdir()
    for name in ("mkdocs.yml", "scorecards", "docs", "overrides"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, site / name)
    return site


def mkdocs_build(project: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=300)


def test_a_rebuild_with_unchanged_scorecards_runs_dot_zero_times(tmp_path):
    project = copy_example(tmp_path)
    bin_dir, log = counting_dot(tmp_path)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    first = mkdocs_build(project, env)
    assert first.returncode == 0, first.stderr
    cold = layout_calls(log)
    maps = sum(page.read_text(encoding="utf-8").count('<figure class="bsc-map"')
               for page in (project / "site").rglob("*.html"))
    # maps are laid out in batches (the unit pages', a hundred pages at a time, the other
    # pages' together), each by at most two dot processes; never a process per map
    assert maps > 20 and 1 <= cold <= 6 and cold <= maps // 5, (cold, maps)
    assert list((project / ".cache" / "bsc").rglob("*.svg")), "laid-out maps are cached"
    page = (project / "site" / "units" / "retail" / "index.html").read_text(encoding="utf-8")
    second = mkdocs_build(project, env)
    assert second.returncode == 0, second.stderr
    assert layout_calls(log) == cold, "the warm build laid out nothing"
    assert (project / "site" / "units" / "retail" / "index.html").read_text(encoding="utf-8") == page


def test_map_links_land_on_existing_objective_anchors(tmp_path):
    project = copy_example(tmp_path)
    result = mkdocs_build(project, dict(os.environ))
    assert result.returncode == 0, result.stderr
    site = project / "site"
    checked = 0
    for page in site.rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure class="bsc-map".*?</figure>', html, re.DOTALL):
            for link in re.findall(r'xlink:href="([^"]+)"', figure):
                path, _, anchor = link.partition("#")
                target = (page.parent / path / "index.html").resolve() if path else page
                assert target.is_file(), f"{page}: {link}"
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), f"{page}: {link}"
                checked += 1
    assert checked > 100


def test_missing_dot_is_one_clear_error(tmp_path):
    project = copy_example(tmp_path)
    env = {**os.environ, "BSC_DOT": "dot-not-installed-here"}
    result = mkdocs_build(project, env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "apt-get install graphviz" in result.stderr and "dot-not-installed-here" in result.stderr
    assert not (project / "site").exists(), "nothing half-built is left behind"


def test_layout_uses_the_cache_and_reports_it(tmp_path, example):
    maps = [unit_map(example, u.id, href) for u in example.scorecards.units]
    cold, warm = LayoutStats(), LayoutStats()
    first = render_maps(maps, tmp_path, Graphviz(), cold)
    second = render_maps(maps, tmp_path, Graphviz(), warm)
    assert first == second
    assert (cold.laid_out, cold.cached) == (len(maps), 0) and cold.processes >= 1
    assert (warm.laid_out, warm.cached, warm.processes) == (0, len(maps), 0)


def test_an_unchanged_map_comes_finished_from_the_cache(tmp_path, example):
    """A warm build neither makes the DOT source (pydot) nor lays out nor finishes an unchanged map."""
    first = render_maps([unit_map(example, u.id, href) for u in example.scorecards.units], tmp_path, Graphviz())
    again = [unit_map(example, u.id, href) for u in example.scorecards.units]
    assert render_maps(again, tmp_path, Graphviz()) == first
    assert all("_graph" not in m.__dict__ for m in again), "no DOT source was made"
    renamed = unit_map(example, "retail", lambda unit_id, anchor: f"elsewhere/{unit_id}#{anchor}")
    assert renamed.fingerprint != again[[u.id for u in example.scorecards.units].index("retail")].fingerprint
    assert "elsewhere/retail#" in render_maps([renamed], tmp_path, Graphviz())[0]


def test_dot_source_is_what_pydot_writes_from_plain_attribute_strings(example, monkeypatch):
    # The maps hand pydot their quoted texts and HTML labels pre-written (bsc_site/maps/build.py
    # _Dot), sparing its character-by-character quoting scan; the DOT must be the one pydot
    # writes when given every attribute as a plain string, quotes and labels included.
    from bsc_site.maps import build

    def sources():
        units = example.scorecards.units
        out = [unit_map(example, u.id, href).dot for u in units]
        out += [m.dot for u in units if (m := line_of_sight_map(example, u.id, href))]
        return out + [theme_map(example, t.id, href).dot for t in example.scorecards.organization.themes]

    fast = sources()
    monkeypatch.setattr(build, "_Dot", type("PlainString", (str,), {}))  # pydot quotes these itself
    monkeypatch.setattr(build, "_attr", lambda value: value)
    plain = sources()
    assert len(fast) == len(plain) > 20
    assert [i for i, (a, b) in enumerate(zip(fast, plain)) if a != b] == []
    assert any('label=<<TABLE' in s for s in plain) and any('URL="' in s for s in plain)
