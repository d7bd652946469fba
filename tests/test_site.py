"""The published site: real MkDocs builds, checked by what a reader sees in the HTML.

Builds are shared per module (a build takes about a second); each test reads the pages.
The tiny fixture project and the build helpers are in tests/sitebuild.py.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

import sitebuild as sb
from bsc_site.project import open_project
from bsc_site.site.render import kpi_value, signed
from bsc_site.status.evaluate import evaluate
from sitebuild import Build, Node, build, content, make_site, mkdocs_cli, parse_html, resolve, snapshot, unsafe_html

STATUS_WORDS = ("On track", "At risk", "Off track", "No data", "No target")


# -- shared builds ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_cli(tmp_path_factory) -> Build:
    """The repository's example (a copy, so nothing is written into the repo), built with
    `mkdocs build --strict` on the command line, as CI would."""
    root = sb.copy_example(tmp_path_factory.mktemp("example"))
    proc = mkdocs_cli(root, "build", "--strict", "--site-dir", str(root / "site"))
    return Build(root, root / "site", proc.returncode == 0, [], proc.stdout + proc.stderr, proc.returncode)


@pytest.fixture(scope="module")
def example(example_cli) -> Build:
    """The built example, for the tests that read it."""
    assert example_cli.ok, example_cli.error
    return example_cli


@pytest.fixture(scope="module")
def example_model(example):
    project = open_project(example.root / "scorecards")
    assert project.ok, [p.format() for p in project.problems.sorted()]
    return evaluate(project.scorecards, project.period)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Build:
    """The tiny fixture, built in strict mode."""
    result = build(make_site(tmp_path_factory.mktemp("tiny")), strict=True)
    assert result.ok, result.text()
    return result


@pytest.fixture(scope="module")
def tiny_q1(tmp_path_factory) -> Build:
    """The tiny fixture with the plugin's `period: 2026-Q1`."""
    root = make_site(tmp_path_factory.mktemp("tiny-q1"), config={"bsc": {"period": "2026-Q1"}})
    result = build(root, strict=True)
    assert result.ok, result.text()
    return result


ABOUT_UNDER_PREFIX = """\
# About

See the [Sales scorecard](strategy/units/sales/index.md) and
[opening accounts](strategy/units/north/index.md#objective-open-accounts).
"""

OWN_HOME = """\
# Welcome

Our own front page; the scorecards are [here](strategy/index.md).
"""


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory) -> Build:
    """Generated pages under `path: strategy`, beside the author's own docs/index.md."""
    root = make_site(tmp_path_factory.mktemp("prefixed"), config={"bsc": {"path": "strategy"}},
                     docs={"about.md": ABOUT_UNDER_PREFIX, "index.md": OWN_HOME})
    result = build(root, strict=True)
    assert result.ok, result.text()
    return result


@pytest.fixture(scope="module")
def flat_urls(tmp_path_factory) -> Build:
    """The tiny fixture with `use_directory_urls: false` (pages as units/x/index.html links)."""
    root = make_site(tmp_path_factory.mktemp("flat"), config={"use_directory_urls": False})
    result = build(root, strict=True)
    assert result.ok, result.text()
    return result


def unit_page(site: Build, unit_id: str, prefix: str = "") -> Node:
    return site.page(f"{prefix}units/{unit_id}/index.html")


def kpi_rows(page: Node) -> dict[str, dict[str, list[str]]]:
    """objective id -> KPI name -> the KPI table's cells [actual, target, variance, status, ...],
    read from the unit page: each KPI table belongs to the objective heading above it."""
    out: dict[str, dict[str, list[str]]] = {}
    current = None
    for node in content(page).iter():
        if node.tag == "h3" and (node.get("id") or "").startswith("objective-"):
            current = node.get("id")[len("objective-"):]
            out[current] = {}
        elif node.tag == "table" and "bsc-kpis" in node.classes:
            assert current is not None, "a KPI table before any objective heading"
            for tr in node.find("tbody").children_elements("tr"):
                name = tr.find("th").find("a").text
                out[current][name] = [td.text for td in tr.children_elements("td")]
    return out


# -- 1. the example builds in strict mode ------------------------------------------------


def test_example_builds_in_strict_mode(example_cli):
    assert example_cli.returncode == 0, example_cli.error
    assert "Traceback" not in example_cli.error
    assert (example_cli.site / "index.html").is_file()


# -- 2. every unit has a page with everything on it ------------------------------------------


def test_every_unit_page_shows_its_objectives_kpis_values_and_status(example, example_model):
    ev = example_model
    assert len(ev.units) > 5
    for unit_id, result in ev.units.items():
        page = unit_page(example, unit_id)
        article = content(page)
        assert article.find("h1").text == result.unit.name
        rows = kpi_rows(page)
        headings = {h.get("id"): h.text for h in article.find_all("h3")}
        for perspective in result.perspectives:
            for o in perspective.objectives:
                obj = o.objective
                assert headings.get(f"objective-{obj.id}") == obj.name, (unit_id, obj.id)
                assert [k.kpi.name for k in o.kpis] == list(rows.get(obj.id, {})), (unit_id, obj.id)
                for k in o.kpis:
                    v = k.current
                    cells = rows[obj.id][k.kpi.name]
                    expected = [kpi_value(v.actual, k.kpi), kpi_value(v.target, k.kpi), signed(v.variance, k.kpi)]
                    assert cells[:3] == expected, (unit_id, k.kpi.id)
                    assert status_word(cells[3]) == v.status.label, (unit_id, k.kpi.id)


def test_unit_pages_are_exactly_the_units(example, example_model):
    folders = {p.name for p in (example.site / "units").iterdir() if (p / "index.html").is_file()}
    assert folders == set(example_model.units)


def test_the_example_shows_the_status_words(example, example_model):
    shown = {status_word(cells[3]) for unit_id in example_model.units
             for kpis in kpi_rows(unit_page(example, unit_id)).values() for cells in kpis.values()}
    assert {"On track", "At risk", "Off track"} <= shown


# -- 3. exact values for known actuals ------------------------------------------------------

# Computed by hand from score = 6.67 + (actual - target) / (target - red_flag) * 3.33, clamped
# to 0..10; on track from 6.67, at risk from 3.33; default red flag = target -/+ 10 %.
TINY_Q2 = {
    # unit: {objective: {kpi name: [actual, target, variance, status]}}
    "tiny": {
        "grow-revenue": {"Revenue": ["90 EUR", "100 EUR", "−10 EUR", "At risk"]},  # 6.67 - 10/20*3.33 = 5.0
        "delight-customers": {"Net promoter score": ["60 pts", "50 pts", "+10 pts", "On track"]},  # 8.33
    },
    "sales": {
        "win-deals": {"Deals won": ["8", "10", "−2", "Off track"]},  # red flag 9: 6.67 - 2/1*3.33 < 0 -> 0
        "keep-customers": {"Churn rate": ["6.5%", "5.0%", "+1.5%", "At risk"]},  # lower: 6.67 + 1.5/-3*3.33 = 5.0
    },
    "north": {
        "open-accounts": {
            "New accounts": ["22", "20", "+2", "On track"],  # red flag 18: 6.67 + 2/2*3.33 = 10
            "Customer visits": ["12", "–", "–", "No target"],
            "Referrals": ["–", "5", "–", "No data"],
        },
    },
}
TINY_SCORES = {  # (unit, KPI name) -> "score ... of 10" in "How this status was reached"
    ("tiny", "Revenue"): "score 5 of 10",
    ("tiny", "Net promoter score"): "score 8.33 of 10",
    ("sales", "Deals won"): "score 0 of 10",
    ("sales", "Churn rate"): "score 5 of 10",
    ("north", "New accounts"): "score 10 of 10",
}


def status_word(cell: str) -> str:
    """The status word of a badge cell ("✔ On track" -> "On track"), checking it has an icon.

    An overridden status is followed by a note ("! At risk overridden (computed: ...)").
    """
    badge = cell.split(" overridden (", 1)[0]
    word = next((w for w in STATUS_WORDS if badge.endswith(w)), None)
    assert word is not None and len(badge) > len(word) + 1, f"no status word with an icon in {cell!r}"
    return word


@pytest.mark.parametrize("unit_id", sorted(TINY_Q2))
def test_kpi_table_shows_hand_computed_values(tiny, unit_id):
    rows = kpi_rows(unit_page(tiny, unit_id))
    got = {o: {name: [*cells[:3], status_word(cells[3])] for name, cells in kpis.items()} for o, kpis in rows.items()}
    assert got == TINY_Q2[unit_id]


def test_explanations_show_the_hand_computed_scores(tiny):
    for (unit_id, name), text in TINY_SCORES.items():
        items = [li.text for li in content(unit_page(tiny, unit_id)).find_all("li")
                 if li.find("strong") is not None and li.find("strong").text == name]
        assert len(items) == 1, (unit_id, name)
        assert text in items[0], items[0]
    deals = next(li.text for li in content(unit_page(tiny, "sales")).find_all("li") if "Deals won" in li.text)
    assert "red flag 9 = target − 10 %" in deals  # the default red flag, and that it is one


def test_statuses_at_the_exact_thresholds(tiny_q1):
    # 2026-Q1: deals 10 = its target (score 6.67: on track); new accounts 18 = the default
    # red flag 20 - 10 % (score 3.33: at risk, not off track); churn 5.5: 6.67 - 0.5/3*3.33 = 6.11.
    sales, north = kpi_rows(unit_page(tiny_q1, "sales")), kpi_rows(unit_page(tiny_q1, "north"))
    assert sales["win-deals"]["Deals won"][:4] == ["10", "10", "±0", "✔ On track"]
    assert sales["keep-customers"]["Churn rate"][:4] == ["5.5%", "5.0%", "+0.5%", "! At risk"]
    assert north["open-accounts"]["New accounts"][:4] == ["18", "20", "−2", "! At risk"]


def test_unit_overall_status_is_the_rollup(tiny):
    # sales: objectives score 0 (deals) and 5.0 (churn) -> average 2.5 -> off track.
    overall = content(unit_page(tiny, "sales")).find("p", cls="bsc-overall").text
    assert overall == "Overall: ✖ Off track 2.5"
    # north: only New accounts is scored (10); no data and no target are left out, not zeroed.
    assert content(unit_page(tiny, "north")).find("p", cls="bsc-overall").text == "Overall: ✔ On track 10.0"


# -- 4. every internal link resolves -------------------------------------------------------


def broken_links(site: Build) -> list[str]:
    """Every <a href> (and SVG <a xlink:href>, as in strategy maps) inside the site whose
    file, or #fragment on it, does not exist."""
    ids: dict[str, set[str]] = {}
    broken = []
    for rel in site.html_files():
        page = site.page(rel)
        for a in page.iter("a"):
            href = a.get("href", a.get("xlink:href"))
            if href is None:
                continue
            target = resolve(site.site, rel, href)
            if target is None:
                continue
            path, fragment = target
            if not (site.site / path).is_file():
                broken.append(f"{rel}: {href} -> {path} (no such file)")
                continue
            if fragment and path.endswith(".html"):
                if path not in ids:
                    ids[path] = parse_html((site.site / path).read_text(encoding="utf-8")).ids()
                if fragment not in ids[path]:
                    broken.append(f"{rel}: {href} -> {path}#{fragment} (no such id)")
    return broken


@pytest.mark.parametrize("which", ["example", "tiny", "prefixed", "flat_urls", "overridden", "hostile"])
def test_every_internal_link_resolves(request, which):
    site: Build = request.getfixturevalue(which)
    assert site.html_files()
    assert broken_links(site) == []


def test_breadcrumbs_and_line_of_sight_links_point_to_the_right_places(tiny):
    north = content(unit_page(tiny, "north"))
    crumbs = north.find("nav", cls="bsc-breadcrumb")
    assert [(a.text, resolve(tiny.site, "units/north/index.html", a.get("href"))) for a in crumbs.find_all("a")] == [
        ("Tiny Co Group", ("units/tiny/index.html", "")), ("Sales", ("units/sales/index.html", ""))]
    assert crumbs.text == "Tiny Co Group › Sales › Sales North"

    def links(page_rel: str, label: str) -> list[tuple[str, tuple[str, str]]]:
        found = []
        for p in content(tiny.page(page_rel)).find_all("p", cls="bsc-links"):
            if p.text.startswith(label):
                found += [(a.text, resolve(tiny.site, page_rel, a.get("href"))) for a in p.find_all("a")]
        return found

    sales = "units/sales/index.html"
    assert links(sales, "Supports:") == [
        ("Grow revenue", ("units/tiny/index.html", "objective-grow-revenue")),
        ("Delight customers", ("units/tiny/index.html", "objective-delight-customers"))]
    assert links(sales, "Supported by:") == [("Open new accounts", ("units/north/index.html", "objective-open-accounts"))]
    assert links(sales, "Drives:") == [("Win deals", (sales, "objective-win-deals"))]
    tiny_rel = "units/tiny/index.html"
    assert ("Win deals", ("units/sales/index.html", "objective-win-deals")) in links(tiny_rel, "Supported by:")


def test_catalogue_links_reach_each_kpi(tiny):
    catalogue = content(tiny.page("kpis/index.html"))
    targets = {a.text: resolve(tiny.site, "kpis/index.html", a.get("href"))
               for a in catalogue.find_all("a") if "kpi-" in (a.get("href") or "")}
    assert targets["Churn rate"] == ("units/sales/index.html", "kpi-churn")
    assert targets["Referrals"] == ("units/north/index.html", "kpi-referrals")
    assert targets["Tiny Co Group"] == ("units/tiny/index.html", "kpi-nps")  # "used by" of the shared definition


def test_charts_are_in_place_of_their_markers(tiny):
    for rel in tiny.html_files():
        assert "<!--bsc:" not in tiny.html(rel), rel
    for unit_id, objectives in TINY_Q2.items():
        article = content(unit_page(tiny, unit_id))
        kpis = sum(len(k) for k in objectives.values())
        assert len(article.find_all("svg", cls="bsc-spark")) == kpis  # one per KPI row
        # a history chart for each KPI with a reported value (Referrals has none)
        assert len(article.find_all("svg", cls="bsc-chart")) == kpis - (unit_id == "north")


# -- 5. template overrides -------------------------------------------------------------------


def _package_template(name: str) -> str:
    return resources.files("bsc_site").joinpath("templates", name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def overridden(tmp_path_factory) -> Build:
    unit = _package_template("unit.md.j2")
    heading = "# {{ unit.name|md }}\n"
    assert heading in unit
    unit = unit.replace(heading, heading + '\n<p class="site-note">Reviewed by {{ unit.owner }} every quarter.</p>\n', 1)
    macros = _package_template("_macros.j2")
    badge = '{{ r.status|badge }}'
    assert badge in macros
    macros = macros.replace(badge, '<span class="site-badge">' + badge + "</span>", 1)
    root = make_site(tmp_path_factory.mktemp("override"), files={
        "overrides/bsc/unit.md.j2": unit,
        "overrides/bsc/_macros.j2": macros,
        "overrides/bsc/README.md": "Our template changes.\n",
    })
    result = build(root, strict=True)
    assert result.ok, result.text()
    return result


def test_template_override_changes_the_unit_pages(overridden):
    note = content(unit_page(overridden, "sales")).find("p", cls="site-note")
    assert note is not None and note.text == "Reviewed by Head of Sales every quarter."
    assert content(unit_page(overridden, "north")).find("p", cls="site-note") is not None


def test_macro_override_changes_every_page_that_uses_it(overridden, tiny):
    assert content(overridden.page("index.html")).find("span", cls="site-badge") is not None  # heat map
    assert content(unit_page(overridden, "tiny")).find("span", cls="site-badge") is not None
    assert content(tiny.page("index.html")).find("span", cls="site-badge") is None  # not without it


def test_override_files_are_not_published(overridden):
    published = [p.relative_to(overridden.site).as_posix() for p in overridden.site.rglob("*")]
    assert not [p for p in published if p.endswith(".j2") or p.startswith("bsc/") or p == "bsc"]
    assert not [p for p in published if "README" in p]


# -- 6. failing builds -----------------------------------------------------------------------

NO_OWNER = sb.SALES.replace("        owner: Head of Sales\n        indicator: leading\n", "        indicator: leading\n")
BAD_PERSPECTIVE = sb.SALES.replace("    perspective: financial\n", "    perspective: nonsense\n")
assert NO_OWNER != sb.SALES and BAD_PERSPECTIVE != sb.SALES
# the warning points at the KPI without an owner: the line of its "- id: deals"
DEALS_LINE = NO_OWNER[: NO_OWNER.index("- id: deals")].count("\n") + 1


@pytest.fixture(scope="module")
def design_warning(tmp_path_factory) -> Path:
    """A project whose only problem is a design-check warning (a KPI without an owner)."""
    return make_site(tmp_path_factory.mktemp("design"), scorecards={"units/sales.yml": NO_OWNER})


def test_design_warning_fails_a_strict_build(design_warning):
    proc = mkdocs_cli(design_warning, "build", "--strict")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert re.search(rf"scorecards/units/sales\.yml:{DEALS_LINE}:\d+: warning: .*'deals'.*\[kpi-without-owner\]", out), out
    assert "Traceback" not in out
    assert not (design_warning / "site").exists()


def test_design_warning_passes_a_normal_build(design_warning, tmp_path):
    shutil.copytree(design_warning, tmp_path / "p", ignore=shutil.ignore_patterns("site"))
    proc = mkdocs_cli(tmp_path / "p", "build")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"scorecards/units/sales\.yml:\d+:\d+: warning: .*\[kpi-without-owner\]", out), out
    assert (tmp_path / "p" / "site" / "units" / "sales" / "index.html").is_file()


def test_plugin_strict_option_fails_on_a_design_warning(tmp_path):
    root = make_site(tmp_path, scorecards={"units/sales.yml": NO_OWNER}, config={"bsc": {"strict": True}})
    result = build(root)
    assert not result.ok
    assert any("kpi-without-owner" in m for m in result.warnings()), result.text()


def test_validation_error_fails_any_build_with_a_located_message(tmp_path):
    root = make_site(tmp_path, scorecards={"units/sales.yml": BAD_PERSPECTIVE})
    proc = mkdocs_cli(root, "build")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert re.search(r"scorecards/units/sales\.yml:\d+:\d+: error: .*'nonsense'.*\[unknown-perspective\]", out), out
    assert "Traceback" not in out
    assert not (root / "site").exists()


@pytest.mark.parametrize("broken, strict", [
    ({"units/sales.yml": BAD_PERSPECTIVE}, False),  # a validation error
    ({"units/sales.yml": NO_OWNER}, True),  # a design warning in strict mode
    ({"actuals/2026.csv": sb.ACTUALS + "sales,nope,2026-Q2,1,\n"}, False),  # an actual for no KPI
])
def test_failed_build_leaves_the_last_site_untouched(tmp_path, broken, strict):
    root = make_site(tmp_path)
    first = build(root, strict=strict)
    assert first.ok, first.text()
    before = snapshot(root / "site")
    assert "units/sales/index.html" in before
    sb.write_tree(root / "scorecards", broken)
    second = build(root, strict=strict)
    assert not second.ok
    assert snapshot(root / "site") == before


# -- 7. hostile text ---------------------------------------------------------------------------

EVIL = "<script>alert(1)</script> \"dq\" 'sq' & *x* [a](javascript:alert(1)) {: onclick=\"alert(11)\" }"
EVIL_TITLE = "</title><script>alert(2)</script>"
EVIL_DESCRIPTION = (
    "<script>alert(3)</script> & *em* [a](javascript:alert(4)) [b]( JavaScript:alert(5)) "
    "![i](javascript:alert(6)) [r][ref] <javascript:alert(7)> <a href=\"javascript:alert(8)\">x</a>\n\n"
    "[ref]: javascript:alert(9)\n\n"
    "*em2*{: onclick=\"alert(12)\" }\n\n"
    "## Sub {: onmouseover=\"alert(13)\" }\n\n"
    "Last [link](https://example.org/){: onclick=\"alert(14)\" }\n"
)
EVIL_NOTE = "<img src=x onerror=alert(15)>"


def _q(text: str) -> str:
    return json.dumps(text)  # a YAML double-quoted scalar


def _hostile_files() -> dict[str, str]:
    """Hostile text in every kind of user text the pages show: names (unit, objective, KPI,
    initiative, organisation, theme; a leaf unit and an initiative named to close <title>),
    owners, Markdown fields (vision, strategy, objective and theme descriptions) and notes."""
    org = sb.ORGANIZATION.replace("name: Tiny Co\nvision: Small and steady.",
                                  f"name: {_q(EVIL)}\nvision: {_q(EVIL_DESCRIPTION)}\nstrategy: {_q(EVIL_DESCRIPTION)}")
    org = org.replace("    name: Growth\n    description: Grow where we already are.",
                      f"    name: {_q(EVIL)}\n    description: {_q(EVIL_DESCRIPTION)}")
    tiny = (sb.TINY.replace("name: Tiny Co Group", f"name: {_q(EVIL)}")
            .replace("    name: Grow revenue", f"    name: {_q(EVIL)}")
            .replace("description: Sell more to the customers we have.", f"description: {_q(EVIL_DESCRIPTION)}")
            .replace("        name: Revenue", f"        name: {_q(EVIL)}")
            .replace("    owner: Chief Financial Officer\n    description", f"    owner: {_q(EVIL)}\n    description")
            .replace("name: CRM roll-out", f"name: {_q(EVIL)}"))
    north = sb.NORTH.replace("name: Sales North", f"name: {_q(EVIL_TITLE)}")  # a leaf unit
    sales = sb.SALES.replace("name: Key account programme", f"name: {_q(EVIL_TITLE)}")
    actuals = sb.ACTUALS.replace("tiny,revenue,2026-Q2,90,Price war", f"tiny,revenue,2026-Q2,90,{EVIL_NOTE}")
    files = {"organization.yml": org, "units/tiny.yml": tiny, "units/north.yml": north, "units/sales.yml": sales,
             "actuals/2026.csv": actuals}
    assert tiny.count(_q(EVIL)) == 5 and org.count(_q(EVIL)) == 2 and org.count(_q(EVIL_DESCRIPTION)) == 3
    assert _q(EVIL_TITLE) in north and _q(EVIL_TITLE) in sales and EVIL_NOTE in actuals
    return files


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Build:
    root = make_site(tmp_path_factory.mktemp("hostile"), scorecards=_hostile_files())
    result = build(root, strict=True)
    assert result.ok, result.text()
    return result


def test_hostile_text_is_escaped_in_the_page_content(hostile):
    for rel in hostile.html_files():
        assert unsafe_html(content(hostile.page(rel))) == [], rel


def _head(text: str) -> str:
    return text[: text.index("</head>")]


def test_hostile_names_are_escaped_in_page_titles(hostile):
    for rel in hostile.html_files():
        head = _head(hostile.html(rel))
        assert "<script>alert" not in head, rel
        assert unsafe_html(parse_html(head)) == [], rel
    # and shown as written, in the browser tab too
    assert unit_page(hostile, "tiny").find("title").text == f"{EVIL} - Tiny Co strategy"
    assert unit_page(hostile, "north").find("title").text == f"{EVIL_TITLE} - Tiny Co strategy"


def test_hostile_names_are_escaped_in_the_navigation(hostile):
    """The whole page, navigation included."""
    for rel in hostile.html_files():
        text = hostile.html(rel)
        assert "<script>alert" not in text, rel
        assert unsafe_html(parse_html(text)) == [], rel


def test_hostile_text_is_shown_literally(hostile):
    tiny = content(unit_page(hostile, "tiny"))
    assert tiny.find("h1").text == EVIL
    assert tiny.by_id("objective-grow-revenue").text == EVIL
    assert EVIL in kpi_rows(unit_page(hostile, "tiny"))["grow-revenue"]
    assert f"Owner: {EVIL}" in tiny.find("div", cls="bsc-objective").text
    assert content(unit_page(hostile, "north")).find("h1").text == EVIL_TITLE
    assert content(unit_page(hostile, "sales")).find("nav", cls="bsc-breadcrumb").text.startswith(EVIL + " › ")
    home = content(hostile.page("index.html"))
    assert home.find("h1").text == EVIL
    initiatives = content(hostile.page("initiatives/index.html")).find_all("th", scope="row")
    assert [th.text for th in initiatives] == [f"{EVIL}One view of every customer.", EVIL_TITLE]
    assert content(hostile.page("themes/growth/index.html")).find("h1").text == EVIL
    catalogue = content(hostile.page("kpis/index.html"))
    assert any(th.text.startswith(EVIL) for th in catalogue.find_all("th", scope="row"))
    owners = content(hostile.page("owners/index.html"))
    assert EVIL in [th.text for th in owners.find_all("th", scope="row")]
    # Markdown in a name is not Markdown: no emphasis, no link made of it
    assert not [n for n in tiny.iter() if n.tag in ("em", "strong") and n.text == "x"]
    history = [td.text for td in tiny.find_all("td")]
    assert EVIL_NOTE in history  # the note of an actual, in the history table


def test_hostile_description_keeps_markdown_but_no_script(hostile):
    tiny = content(unit_page(hostile, "tiny"))
    paragraph = next(p for p in tiny.find_all("p") if "alert(3)" in p.text)
    assert "<script>alert(3)</script>" in paragraph.text  # shown, not run
    assert paragraph.find("em") is not None and paragraph.find("em").text == "em"  # Markdown is kept
    assert unsafe_html(paragraph) == []
    # a link to a script URL stays the text it was written as, not a link to somewhere else
    assert "[a](javascript:alert(4))" in paragraph.text and "![i](javascript:alert(6))" in paragraph.text
    assert [a.get("href") for a in paragraph.find_all("a")] == []
    # attribute lists ({: onclick=... }) are text, not attributes
    emphasis = next(p for p in tiny.find_all("p") if p.find("em") is not None and p.find("em").text == "em2")
    assert emphasis.text == 'em2{: onclick="alert(12)" }' and unsafe_html(emphasis) == []
    link = next(p for p in tiny.find_all("p") if p.text.startswith("Last link"))
    assert [a.get("href") for a in link.find_all("a")] == ["https://example.org/"]  # ordinary links still work
    vision = next(p for p in content(hostile.page("index.html")).find_all("p") if "alert(3)" in p.text)
    assert unsafe_html(vision) == []


def test_hostile_names_are_escaped_in_the_search_index(hostile):
    index = json.loads((hostile.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for doc in index["docs"]:
        assert "<script" not in doc["title"], doc["location"]
        assert "<script" not in doc["text"], doc["location"]


# -- 8. the plugin's own behaviours ------------------------------------------------------------


def test_generated_page_clashing_with_an_author_page_is_a_clear_error(tmp_path):
    root = make_site(tmp_path, docs={"index.md": OWN_HOME})
    proc = mkdocs_cli(root, "build")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in out
    assert re.search(r"generated pages would replace your own files: \S*docs/index\.md\b", out), out
    assert "'path'" in out


@pytest.mark.parametrize("path", ["../scorecards", "..", "strategy/../../outside", "a//b", "C:site", "a\\b"])
def test_a_path_option_leaving_the_site_is_a_configuration_error_and_nothing_is_written(tmp_path, path):
    """The generated pages and data files go under `path` inside the site: one that leads out
    of it (into the scorecard folder, say) is refused before anything is written."""
    root = make_site(tmp_path / "project", config={"bsc": {"path": path}})
    before = snapshot(tmp_path)
    proc = mkdocs_cli(root, "build")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Traceback" not in out
    assert f"Plugin 'bsc' option 'path': '{path}'" in out, out
    assert "expected a folder inside the site" in out or "separate folders with '/'" in out, out
    assert snapshot(tmp_path) == before  # nothing written anywhere, the inputs included


def test_a_templates_folder_that_does_not_exist_is_a_warning_not_silently_ignored(tmp_path):
    """A mistyped templates folder would leave the author's overrides unused without a word."""
    root = make_site(tmp_path / "project", config={"bsc": {"templates": "overides/bsc"}})
    proc = mkdocs_cli(root, "build")
    assert proc.returncode == 0, proc.stderr
    assert ("WARNING -  bsc: the templates folder 'overides/bsc' (mkdocs.yml: plugins.bsc.templates) does not "
            "exist: the built-in templates are used") in proc.stderr
    strict = mkdocs_cli(root, "build", "--strict")
    assert strict.returncode != 0 and "Aborted with 1 warnings in strict mode" in strict.stdout + strict.stderr
    quiet = mkdocs_cli(make_site(tmp_path / "default"), "build")  # the default folder need not exist
    assert quiet.returncode == 0 and "templates folder" not in quiet.stderr


def test_a_spreadsheet_among_the_actuals_stops_a_strict_build_and_says_why(tmp_path):
    root = make_site(tmp_path / "project", scorecards={"actuals/extra.xlsx": b"PK\x03\x04 a workbook"})
    before = snapshot(root / "scorecards")
    proc = mkdocs_cli(root, "build", "--strict")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in out
    assert "extra.xlsx is not read: actuals are read from CSV or YAML files only" in out
    assert "bsc: 1 warning(s) in strict mode (see above); nothing was built" in out  # not a design check
    assert snapshot(root / "scorecards") == before


def test_bsc_pages_refuses_a_path_prefix_leaving_the_output_folder(tmp_path):
    root = make_site(tmp_path / "project")
    before = snapshot(tmp_path)
    proc = sb.bsc_cli(root, "pages", "scorecards", "--out", "out", "--no-maps", "--path-prefix", "../escape")
    assert proc.returncode == 2
    assert proc.stderr.startswith("bsc pages: error: --path-prefix: '../escape' leaves the site"), proc.stderr
    assert snapshot(tmp_path) == before


def test_clash_leaves_the_last_site_untouched(tmp_path):
    root = make_site(tmp_path)
    assert build(root).ok
    before = snapshot(root / "site")
    sb.write_tree(root / "docs", {"index.md": OWN_HOME})
    second = build(root)
    assert not second.ok and "would replace your own files" in second.text()
    assert snapshot(root / "site") == before


def test_path_option_puts_generated_pages_in_a_folder(prefixed):
    files = set(prefixed.html_files())
    assert {"strategy/index.html", "strategy/units/tiny/index.html", "strategy/units/north/index.html",
            "strategy/kpis/index.html", "index.html"} <= files
    assert not [f for f in files if f.startswith("units/")]
    assert content(prefixed.page("index.html")).find("h1").text == "Welcome"  # the author's own page
    assert content(prefixed.page("strategy/index.html")).find("h1").text == "Tiny Co"


def test_author_pages_link_to_unit_pages_without_warnings(tiny, prefixed):
    for site, about, prefix in ((tiny, "about/index.html", ""), (prefixed, "about/index.html", "strategy/")):
        assert site.warnings() == [], site.text()
        targets = [resolve(site.site, about, a.get("href")) for a in content(site.page(about)).find_all("a")
                   if "headerlink" not in a.classes]
        assert targets == [(f"{prefix}units/sales/index.html", ""),
                           (f"{prefix}units/north/index.html", "objective-open-accounts")]


def nav_items(site: Build, page_rel: str) -> list[tuple[str, str, list]]:
    """The primary navigation of a page as a tree: (title, target file, children)."""
    nav = site.page(page_rel).find("nav", cls="md-nav--primary")

    def own(node: Node):
        """The node's elements, not descending into nested navigation."""
        for child in node.children_elements():
            yield child
            if child.tag != "nav":
                yield from own(child)

    def items(ul: Node) -> list:
        out = []
        for li in ul.children_elements("li"):
            link = next((a for a in own(li) if a.tag == "a" and a.get("href")), None)
            nested = next((n for n in own(li) if n.tag == "nav" and "md-nav--secondary" not in n.classes), None)
            sub = nested.find("ul") if nested is not None else None
            target = resolve(site.site, page_rel, link.get("href"))[0] if link is not None else ""
            out.append((link.text if link is not None else li.text, target, items(sub) if sub is not None else []))
        return out

    return items(nav.find("ul"))


def test_nav_mirrors_the_unit_hierarchy(tiny):
    tree = nav_items(tiny, "about/index.html")
    units = [item for item in tree if item[0] == "Tiny Co Group"]
    assert len(units) == 1
    _, target, children = units[0]
    assert target == "units/tiny/index.html"
    assert [(t, f) for t, f, _ in children] == [("Sales", "units/sales/index.html")]
    assert [(t, f) for t, f, _ in children[0][2]] == [("Sales North", "units/north/index.html")]
    assert children[0][2][0][2] == []
    titles = [t for t, _, _ in tree]
    assert titles.index("Home") < titles.index("Tiny Co Group") < titles.index("KPI catalogue")
    assert "About this site" in titles  # the author's page is in the nav too


def test_period_option_sets_the_status_period(tiny, tiny_q1):
    for site, label in ((tiny, "2026-Q2"), (tiny_q1, "2026-Q1")):
        for unit_id in ("tiny", "sales", "north"):
            meta = content(unit_page(site, unit_id)).find("p", cls="bsc-meta")
            assert f"Status for {label}" in meta.text, (unit_id, meta.text)
        assert f"Status for {label}" in content(site.page("index.html")).find("p", cls="bsc-meta").text


def test_bad_period_option_fails_the_build(tmp_path):
    result = build(make_site(tmp_path, config={"bsc": {"period": "2026-Q9"}}))
    assert not result.ok
    assert any("2026-Q9" in m and "[bad-period]" in m for m in result.warnings()), result.text()


def test_bad_period_option_names_mkdocs_yml(tmp_path):
    result = build(make_site(tmp_path, config={"bsc": {"period": "2026-Q9"}}))
    message = next(m for m in result.warnings() if "[bad-period]" in m)
    assert "--period" not in message and "mkdocs.yml" in message


def test_two_builds_of_the_same_input_are_byte_identical(tiny, tmp_path):
    again = build(make_site(tmp_path / "again"), strict=True)
    assert again.ok, again.text()
    first, second = snapshot(tiny.site), snapshot(again.site)
    assert sorted(first) == sorted(second)
    # Only the sitemap carries a time: MkDocs writes the build date (a day, or
    # SOURCE_DATE_EPOCH) into sitemap.xml's <lastmod> and sitemap.xml.gz's gzip header. The
    # search index holds no time, so it is compared with the pages.
    dated = {"sitemap.xml", "sitemap.xml.gz"}
    assert "search/search_index.json" in first and "units/north/index.html" in first
    assert sorted(name for name in first if name not in dated and first[name] != second[name]) == []


# -- 9. search -----------------------------------------------------------------------------------


def test_search_index_holds_unit_objective_and_kpi_names(example, example_model):
    index = json.loads((example.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = html.unescape(" ".join(d["title"] + " " + d["text"] for d in index["docs"]))
    text = " ".join(text.split())
    names = set()
    for result in example_model.units.values():
        names.add(result.unit.name)
        for p in result.perspectives:
            for o in p.objectives:
                names.add(o.objective.name)
                names.update(k.kpi.name for k in o.kpis)
    missing = sorted(n for n in names if " ".join(n.split()) not in text)
    assert missing == []


def test_search_index_leaves_out_charts_and_markers(example):
    index = json.loads((example.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = " ".join(d["text"] for d in index["docs"])
    assert "<svg" not in text and "Dashed line" not in text and "<!--bsc:" not in text


def test_search_index_links_to_unit_sections(tiny):
    index = json.loads((tiny.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    by_location = {d["location"]: d for d in index["docs"]}
    assert by_location["units/north/#objective-open-accounts"]["title"] == "Open new accounts"
    assert "New accounts" in by_location["units/north/#objective-open-accounts"]["text"]


def test_a_units_data_files_need_only_that_unit_and_make_the_organisation_file():
    """Each unit's own files (JSON, CSV) come from a job that needs that unit's results only
    (the page process writes them with the unit's page, then lets the unit go), and the
    organisation file is made of the units' JSON files, read back one at a time (at 10,000
    units it is half a gigabyte): the same bytes as the whole evaluation exported at once."""
    from bsc_site import export
    from bsc_site.site.links import Links
    from bsc_site.site.plan import data_bytes, data_plan
    from bsc_site.status.evaluate import evaluate_when_asked

    project = open_project(Path(__file__).resolve().parent.parent / "scorecards")
    sc = project.scorecards
    ev = evaluate(sc, project.period)
    plan = data_plan(ev, Links())
    assert [job.unit for job in plan[:len(sc.units)]] == [u.id for u in sc.units]
    assert [job.paths for job in plan[:2]] == [(f"data/units/{u.id}.json", f"data/units/{u.id}.csv")
                                              for u in sc.units[:2]]
    assert plan[-1].paths == ("data/organization.json",)
    files = data_bytes(plan)
    organization = json.loads(files["data/organization.json"])
    assert organization == export.evaluation_json(ev)
    for unit in organization["units"]:
        own = json.loads(files[f"data/units/{unit['id']}.json"])
        assert own == {**{k: v for k, v in organization.items() if k != "units"}, "units": [unit]}

    asked = evaluate_when_asked(sc, project.period)
    unit = sc.units[3]
    job = next(j for j in data_plan(asked, Links()) if j.unit == unit.id)
    written = {}
    job.run(lambda path, chunks: written.__setitem__(path, b"".join(chunks)), None)
    assert list(dict.keys(asked.units)) == [unit.id], "only that unit was evaluated"
    assert written == {path: files[path] for path in job.paths}

    # the organisation file is made of the units' files as written (here, one altered), in order
    first = f"data/units/{sc.units[0].id}.json"
    head, tail = export.units_frame(export.evaluation_header(ev))
    altered = {**files, first: head + b'{"id":"altered"}' + tail}
    reads = []

    def read(path):
        reads.append(path)
        return altered[path]

    plan[-1].run(lambda path, chunks: written.__setitem__(path, b"".join(chunks)), read)
    assert reads == [f"data/units/{u.id}.json" for u in sc.units]
    assert json.loads(written["data/organization.json"])["units"] == [{"id": "altered"}] + organization["units"][1:]
