"""Bad input, on purpose, and nothing lost: a corpus of hostile and messy inputs, one test each.

1. Script and markup in every text field, built into a real site: escaped in every page,
   in the inline SVG (maps and charts, each parsed as XML), in the JSON and CSV data files
   (valid, and the text comes back exactly) and in the Atom feed.
2. Ids and file names that try to leave the site folder: rejected with a located error;
   nothing is written outside site/.
3. Alias bombs, deep nesting, very large files, devices: a clear error from `bsc validate`
   within bounded memory (peak RSS of the process) and time (a subprocess timeout).
4. Spreadsheet exports as spreadsheets write them: read as meant, or rejected with a
   located, understandable message (extending tests/test_actuals.py).
5. Mixed-up periods and duplicated rows across files: located errors.
6. Nothing is lost: a build never writes into scorecards/, docs/ or overrides/; a failed
   build leaves the last site as it was; two builds of the same input are byte-identical.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

import sitebuild as sb
from bsc_site.problems import Location
from conftest import ACME, ORGANIZATION, SALES, check, edit, only, report, where
from sitebuild import SCRIPT_URL, Build, build, make_site, snapshot, unsafe_attributes, unsafe_html

# -- 1. script and markup in every text field ------------------------------------------------------


def evil(tag: str) -> str:
    """Plain text (a name, an owner) that is markup, script, template and XML syntax at once.
    The tag says which field it was written in, so each can be found again exactly."""
    return (f'<script>alert("{tag}")</script> <img src=x onerror=alert(1)> '
            f'<a href="javascript:alert(2)" onclick="alert(3)">x</a> <svg onload=alert(4)> ]]> --> <!-- '
            f"\"dq\" 'sq' & &amp; {{{{ 7*7 }}}} {{% raw %}} ${{x}} \\N \\G \u202e{tag}")


def evil_md(tag: str) -> str:
    """A Markdown field (a description, a strategy, commentary) written to run script."""
    return (f"<script>alert('{tag}')</script> [x](javascript:alert(5)) <iframe src=\"javascript:alert(6)\"></iframe>"
            f" <a href=\"javascript:alert(7)\" onclick=\"alert(8)\">{tag}</a> *{tag}*{{: onclick=\"alert(9)\" }}\n\n"
            f"[r]: javascript:alert(10)\n\n[ref link][r] {{{{ 7*7 }}}} ]]> --> & &amp; \\N {tag}\n\n"
            # reference definitions Python-Markdown also reads inside list items; schemes broken
            # by line breaks, which browsers drop from URLs
            f"- [rl]: javascript:alert(11)\n\n[list ref][rl]\n\n"
            f"1. * [ri]:\n     data:text/html;base64,PHNjcmlwdD4=\n\n![image ref][ri]\n\n"
            f"[broken](java\nscript:alert(12)) [rb]\n\n[rb]: vb\nscript:alert(13)\n")


# Plain-text fields: shown exactly as written. Markdown fields: rendered, so only safety is checked.
PLAIN = ["org-name", "perspective-name", "perspective-question", "theme-name", "library-kpi-name",
         "library-kpi-unit", "library-kpi-owner", "library-kpi-source", "unit-name", "unit-owner",
         "objective-name", "objective-owner", "kpi-name", "kpi-unit", "kpi-owner", "kpi-source",
         "initiative-name", "initiative-owner", "initiative-currency", "extra-perspective-name",
         "extra-perspective-question", "omitted-reason", "note", "forum", "override-reason", "action-what",
         "action-owner"]
MARKDOWN = ["org-vision", "org-mission", "org-strategy", "theme-description", "library-kpi-description",
            "unit-description", "unit-strategy", "objective-description", "kpi-description",
            "initiative-description", "summary", "analysis", "recommendation"]


def _load(text: str) -> dict:
    return yaml.safe_load(text)


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def hostile_scorecards() -> dict[str, str]:
    """The tiny project of sitebuild.py with hostile text in every text field, and a review."""
    org = _load(sb.ORGANIZATION)
    org.update(name=evil("org-name"), vision=evil_md("org-vision"), mission=evil_md("org-mission"),
               strategy=evil_md("org-strategy"))
    org["perspectives"][0].update(name=evil("perspective-name"), question=evil("perspective-question"))
    org["themes"][0].update(name=evil("theme-name"), description=evil_md("theme-description"))
    org["kpis"][0].update(name=evil("library-kpi-name"), description=evil_md("library-kpi-description"),
                          unit=evil("library-kpi-unit"), owner=evil("library-kpi-owner"),
                          data_source=evil("library-kpi-source"))
    org["checks"]["silence"].append({"check": "objective-without-kpi", "reason": evil("silence-reason")})

    tiny = _load(sb.TINY)
    tiny.update(name=evil("unit-name"), owner=evil("unit-owner"), description=evil_md("unit-description"),
                strategy=evil_md("unit-strategy"))
    objective = tiny["objectives"][0]
    objective.update(name=evil("objective-name"), owner=evil("objective-owner"),
                     description=evil_md("objective-description"))
    objective["kpis"][0].update(name=evil("kpi-name"), description=evil_md("kpi-description"),
                                unit=evil("kpi-unit"), owner=evil("kpi-owner"), data_source=evil("kpi-source"))
    tiny["initiatives"][0].update(name=evil("initiative-name"), owner=evil("initiative-owner"),
                                  description=evil_md("initiative-description"), currency=evil("initiative-currency"))

    sales = _load(sb.SALES)
    sales["extra_perspectives"] = [{"id": "esg", "name": evil("extra-perspective-name"),
                                    "question": evil("extra-perspective-question")}]
    north = _load(sb.NORTH)
    north["omitted_perspectives"][0]["reason"] = evil("omitted-reason")

    rows = list(csv.reader(io.StringIO(sb.ACTUALS)))
    rows[2][4] = evil("note")  # tiny,revenue,2026-Q2
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)

    review = {
        "period": "2026-Q2", "date": "2026-07-15", "forum": evil("forum"), "summary": evil_md("summary"),
        "commentary": [{"unit": "tiny", "objective": "grow-revenue", "analysis": evil_md("analysis"),
                        "recommendation": evil_md("recommendation")}],
        "overrides": [{"unit": "sales", "kpi": "churn", "status": "on-track", "reason": evil("override-reason")}],
        "actions": [{"id": "fix-it", "unit": "tiny", "objective": "grow-revenue", "what": evil("action-what"),
                     "owner": evil("action-owner"), "due": "2026-09-30"}],
    }
    return {"organization.yml": _dump(org), "units/tiny.yml": _dump(tiny), "units/sales.yml": _dump(sales),
            "units/north.yml": _dump(north), "actuals/2026.csv": out.getvalue(),
            "reviews/2026-Q2.yml": _dump(review).replace("date: '2026-07-15'", "date: 2026-07-15")
            .replace("due: '2026-09-30'", "due: 2026-09-30")}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Build:
    root = make_site(tmp_path_factory.mktemp("hostile-all"), scorecards=hostile_scorecards())
    project = check(root / "scorecards")
    assert project.ok, report(project)
    result = build(root)
    assert result.ok, result.text()
    return result


def inline_svgs(text: str) -> list[str]:
    """Every <svg>...</svg> written into a page (maps, sparklines, charts)."""
    return re.findall(r"<svg\b.*?</svg>", text, re.DOTALL)


def test_every_page_is_free_of_script_handlers_and_script_urls(hostile):
    pages = hostile.html_files()
    assert {"index.html", "units/tiny/index.html", "reviews/2026-Q2/index.html", "initiatives/index.html",
            "owners/index.html", "kpis/index.html", "themes/growth/index.html"} <= set(pages)
    for rel in pages:
        text = hostile.html(rel)
        assert "<script>alert" not in text and "<img src=x" not in text and "<svg onload" not in text, rel
        assert unsafe_html(hostile.page(rel)) == [], rel


def _page_texts(site: Build) -> str:
    return "\n".join(site.page(rel).text for rel in site.html_files())


def test_plain_text_fields_are_shown_exactly_as_written(hostile):
    texts = _page_texts(hostile)
    # exactly: markup, entities (&amp; stays '&amp;') and template syntax ({{ 7*7 }}) are all text
    missing = [tag for tag in PLAIN if " ".join(evil(tag).split()) not in texts]
    assert missing == []


def test_markdown_fields_keep_their_text_but_run_nothing(hostile):
    texts = _page_texts(hostile)
    missing = [tag for tag in MARKDOWN if f"<script>alert('{tag}')</script>" not in texts]  # shown, as text
    assert missing == []


def test_every_inline_svg_is_well_formed_xml_without_script(hostile):
    seen = 0
    for rel in hostile.html_files():
        for svg in inline_svgs(hostile.html(rel)):
            seen += 1
            try:
                tree = ET.fromstring(svg)
            except ET.ParseError as exc:
                line = svg.splitlines()[exc.position[0] - 1] if exc.position[0] <= len(svg.splitlines()) else ""
                raise AssertionError(f"{rel}: inline SVG is not XML ({exc}): {line[:200]!r}") from None
            for el in tree.iter():
                assert el.tag.rsplit("}", 1)[-1] not in ("script", "foreignObject", "iframe"), rel
                assert unsafe_attributes(el.tag, dict(el.attrib)) == [], rel
    assert seen >= 10  # maps on the unit, theme and home pages, and a chart per KPI


def test_map_tooltips_carry_the_names_exactly(hostile):
    page = hostile.html("units/tiny/index.html")
    titles = ["".join(t.itertext()) for svg in inline_svgs(page) for t in ET.fromstring(svg).iter()
              if t.tag.rsplit("}", 1)[-1] == "title"]
    assert any(t.startswith(evil("objective-name") + ":") for t in titles), titles
    assert evil("kpi-name") + ": history" in titles  # the KPI's history chart


def _strings(data) -> set[str]:
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        return set().union(*(_strings(v) for v in data.values())) if data else set()
    if isinstance(data, list):
        return set().union(*(_strings(v) for v in data)) if data else set()
    return set()


def test_json_data_files_are_valid_and_hold_the_text_exactly(hostile):
    files = sorted(hostile.site.rglob("*.json"))
    assert any(p.name == "organization.json" for p in files)
    strings: set[str] = set()
    for path in files:
        strings |= _strings(json.loads(path.read_text(encoding="utf-8")))  # valid JSON, or this raises
    # the evaluation export holds the scorecards, not the reviews; a unit's perspectives go with id and name
    exported = [t for t in PLAIN + MARKDOWN if t not in ("forum", "summary", "analysis", "recommendation",
                                                          "action-what", "action-owner", "override-reason",
                                                          "extra-perspective-question")]
    expected = {t: evil(t) if t in PLAIN else evil_md(t) for t in exported}
    assert [t for t, text in expected.items() if text not in strings] == []
    org = json.loads((hostile.site / "data" / "organization.json").read_text(encoding="utf-8"))
    assert org["organization"]["name"] == evil("org-name")
    assert org["organization"]["strategy"] == evil_md("org-strategy")


def test_csv_data_files_hold_the_names_exactly(hostile):
    rows = list(csv.DictReader(io.StringIO((hostile.site / "data" / "units" / "tiny.csv").read_text("utf-8"))))
    assert evil("kpi-name") in [r["name"] for r in rows]
    assert evil("kpi-unit") in [r["unit_of_measure"] for r in rows]


def test_feed_is_xml_with_the_text_as_text(hostile):
    raw = (hostile.site / "reviews" / "feed.xml").read_bytes()
    feed = ET.fromstring(raw)  # well-formed, or this raises
    assert [el for el in feed.iter() if el.tag.rsplit("}", 1)[-1].lower() in ("script", "iframe", "img")] == []
    assert b"<script" not in raw and b"<img" not in raw
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = feed.find("a:entry", ns)
    assert entry.find("a:title", ns).text == f"2026-Q2 review: {evil('forum')}"
    assert entry.find("a:summary", ns).text == evil_md("summary").strip()
    assert feed.find("a:title", ns).text == f"{evil('org-name')}: strategy reviews"
    for link in feed.iter("{http://www.w3.org/2005/Atom}link"):
        assert not SCRIPT_URL.match(link.get("href", "")), link.attrib


def test_search_index_is_valid_and_holds_no_markup_of_ours(hostile):
    index = json.loads((hostile.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    for doc in index["docs"]:
        assert "<script" not in doc["title"] + doc["text"], doc["location"]
        assert "<img src=x" not in doc["text"] and "<iframe" not in doc["text"], doc["location"]


@pytest.mark.parametrize("field, value", [
    ("name", '"Sales \\e[31m red"'),  # a terminal colour code
    ("owner", '"Head\\x0cof Sales"'),  # a form feed, as pasted from a PDF
    ("description", '"a\\x00b"'),
    ("description", '"not a character: \\uFFFF"'),
])
def test_control_characters_in_text_are_located_errors(make_project, field, value):
    """XML cannot hold them, so a name with one would break the map (SVG) and the feed (Atom);
    YAML refuses raw ones, and these are written as escapes."""
    sales = edit(SALES, "name: Sales\n", f"name: Sales\n{field}: {value}\n") if field == "description" else \
        edit(SALES, {"name": "name: Sales\n", "owner": "owner: Head of Sales\nobjectives"}[field],
             {"name": f"name: {value}\n", "owner": f"owner: {value}\nobjectives"}[field])
    p = only(check(make_project({"units/sales.yml": sales})), "control-character")
    assert p.location == where(sales, value, "units/sales.yml")
    assert p.field == field
    assert "\n" not in p.message and "(U+" in p.message


def test_control_character_in_a_csv_note_is_a_located_error(make_project):
    text = "unit,kpi,period,value,note\nacme,revenue,2026-Q1,90,line one\x0bline two\n"
    p = only(check(make_project({"actuals/2026.csv": text})), "control-character")
    assert p.location == where(text, "line one", "actuals/2026.csv")
    assert p.field == "note" and "\\x0b" in p.message and "row 2" in p.message


# -- 2. ids and file names that try to leave the site --------------------------------------------

ESCAPES = [
    pytest.param("../etc", id="dot-dot"),
    pytest.param("..%2f..%2fetc", id="encoded-slash"),
    pytest.param("/etc/passwd", id="absolute"),
    pytest.param("C:\\Windows", id="windows-absolute"),
    pytest.param("sales/../../x", id="inner-dot-dot"),
    pytest.param("..", id="parent"),
    pytest.param("\u0455ales", id="cyrillic-look-alike"),
    pytest.param("\uff53\uff41\uff4c\uff45\uff53", id="fullwidth"),
    pytest.param("sales\u200b", id="zero-width-space"),
    pytest.param("sales\u2215x", id="division-slash"),
    pytest.param("sales\n", id="final-line-break"),
    pytest.param("a" * 65, id="65-characters"),
    pytest.param("a" * 100_000, id="100000-characters"),
]

# where each kind of id is written in the base project (conftest.py), as (file, text to replace)
ID_FIELDS = {
    "unit id": ("units/sales.yml", "id: sales\n", "id: {}\n"),
    "parent": ("units/sales.yml", "parent: acme\n", "parent: {}\n"),
    "objective id": ("units/sales.yml", "  - id: win-deals\n", "  - id: {}\n"),
    "kpi id": ("units/sales.yml", "      - id: deals\n", "      - id: {}\n"),
    "drives": ("units/sales.yml", "drives: [win-deals]", "drives: [{}]"),
    "initiative id": ("units/acme.yml", "  - id: crm-rollout\n", "  - id: {}\n"),
    "theme id": ("organization.yml", "  - id: growth\n", "  - id: {}\n"),
    "perspective id": ("organization.yml", "  - id: customer\n", "  - id: {}\n"),
    "kpi definition": ("units/acme.yml", "definition: nps\n", "definition: {}\n"),
}


@pytest.mark.parametrize("value", ESCAPES)
@pytest.mark.parametrize("field", list(ID_FIELDS))
def test_ids_that_would_leave_the_site_are_located_errors(make_project, field, value):
    name, old, new = ID_FIELDS[field]
    original = {"organization.yml": ORGANIZATION, "units/acme.yml": ACME, "units/sales.yml": SALES}[name]
    written = json.dumps(value)  # a YAML double-quoted scalar: any text can be written
    text = edit(original, old, new.format(written))
    project = check(make_project({name: text}))
    assert not project.ok
    found = [p for p in project.problems.sorted() if p.code == "bad-id"]
    assert len(found) == 1, report(project)
    p = found[0]
    assert p.location == where(text, written, name)
    assert "\n" not in p.message and len(p.message) < 400  # one line, whatever its length was


def test_review_period_that_is_a_path_is_a_located_error(make_project):
    review = "period: ../../etc\nforum: x\n"
    p = only(check(make_project({"reviews/2026-Q1.yml": review})), "bad-period")
    assert p.location == where(review, "../../etc", "reviews/2026-Q1.yml")


def test_snapshot_whose_name_is_no_period_is_a_located_error(make_project):
    # (a name starting with '.' is a hidden file, which the loader skips like an editor's backup)
    name = "reviews/x..%2f..%2fevil.snapshot.json"
    data = json.dumps({"format": "bsc-site/evaluation/1", "period": "x..%2f..%2fevil"})
    project = check(make_project({name: data}))
    assert [p.location.file for p in project.problems.errors] == [name]


def test_a_damaged_snapshot_is_a_located_error_not_a_traceback(tmp_path):
    damaged = json.dumps({"format": "bsc-site/evaluation/1", "period": "2026-Q1", "units": [{"objectives": [{}]}]})
    root = make_site(tmp_path, scorecards={"reviews/2026-Q1.snapshot.json": damaged})
    proc = sb.mkdocs_cli(root, "build")
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert proc.returncode != 0
    assert re.search(r"scorecards/reviews/2026-Q1\.snapshot\.json\S*: error: .*\[snapshot\]", out), out


def _tree(folder: Path, project: str) -> dict[str, bytes]:
    """Every file below folder, except the project's site and cache (the build's to write)."""
    return {k: v for k, v in snapshot(folder).items() if not k.startswith((f"{project}/site/", f"{project}/.cache/"))}


def test_a_build_with_escaping_ids_fails_and_writes_nothing_anywhere(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    bad = {
        "units/sales.yml": sb.SALES.replace("id: sales\n", 'id: "../../outside/x"\n'),
        "units/north.yml": sb.NORTH.replace("id: north\n", 'id: "/tmp/evil"\n'),
        "organization.yml": sb.ORGANIZATION.replace("  - id: growth\n", '  - id: "..%2f..%2fgrowth"\n'),
        "reviews/..%2f..%2foutside.snapshot.json": json.dumps({"format": "bsc-site/evaluation/1",
                                                               "period": "..%2f..%2foutside"}),
    }
    root = make_site(tmp_path / "project", scorecards=bad)
    cache = root / ".cache"  # the build's own: the files as read are kept there, failed or not

    def folders() -> list[Path]:
        return sorted(p for p in tmp_path.rglob("*") if p.is_dir() and cache not in (p, *p.parents))

    before, folders_before = _tree(tmp_path, "project"), folders()
    result = build(root)
    assert not result.ok
    assert "[bad-id]" in result.text()
    assert _tree(tmp_path, "project") == before  # no file written, changed or removed anywhere
    assert folders() == folders_before  # not even a site folder


def test_a_snapshot_named_like_a_path_stays_inside_the_site(tmp_path):
    name = "..%2f..%2foutside"
    root = make_site(tmp_path / "project", scorecards={
        f"reviews/{name}.snapshot.json": json.dumps({"format": "bsc-site/evaluation/1", "period": name})})
    before = _tree(tmp_path, "project")
    result = build(root)
    assert result.ok, result.text()
    assert _tree(tmp_path, "project") == before  # only site/ and .cache/ are new
    written = [p.resolve() for p in (root / "site").rglob("*")]
    assert all(p.is_relative_to((root / "site").resolve()) for p in written)


# -- 3. bombs, depth, size: bounded memory and time ------------------------------------------------

PEAK_RSS = 1536 * 1024 * 1024  # 1.5 GiB: generous; the bound is the point, not the number
TIMEOUT = 120  # seconds for one `bsc validate`; a bound, not a benchmark

# Runs the command and prints its exit code and the peak resident memory of its process
# (RUSAGE_CHILDREN of a fresh interpreter: only the one child is counted).
MEASURE = """\
import json, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, encoding="utf-8", errors="replace")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout[-20000:], "stderr": proc.stderr[-20000:],
                  "peak": peak}))
"""


def validate_bounded(folder: Path) -> dict:
    """`bsc validate` of the folder in a subprocess: its output, exit code and peak memory."""
    resource = pytest.importorskip("resource")
    assert resource
    proc = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "bsc_site.cli", "validate", "."],
                          cwd=folder, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert "Traceback" not in result["stderr"] + result["stdout"], result["stderr"]
    assert result["peak"] < PEAK_RSS, f"peak RSS {result['peak'] / 2**20:.0f} MiB"
    return result


def _bomb(levels: int = 9) -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    names = "abcdefghijklmnop"
    for prev, name in zip(names, names[1:levels]):
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    return text


TWENTY_MB = 20 * 1024 * 1024
BIG = {
    "alias bomb in a unit": ({"units/sales.yml": _bomb()}, "units/sales.yml", "yaml-too-large"),
    "alias bomb of mappings in organization.yml": (
        {"organization.yml": "name: Acme\nx0: &x0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n" + "".join(
            f"x{i}: &x{i} {{" + ", ".join(f"k{j}: *x{i - 1}" for j in range(8)) + "}\n" for i in range(1, 12))},
        "organization.yml", "yaml-too-large"),
    "alias bomb in YAML actuals": ({"actuals/bomb.yml": "- " + _bomb().replace("\n", "\n  ")},
                                   "actuals/bomb.yml", "yaml-too-large"),
    "alias bomb in a review": ({"reviews/2026-Q1.yml": "period: 2026-Q1\n" + _bomb()},
                               "reviews/2026-Q1.yml", "yaml-too-large"),
    "a million brackets": ({"units/sales.yml": "id: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n"},
                           "units/sales.yml", "yaml-too-deep"),
    "a hundred thousand nested mappings": ({"units/sales.yml": "id: " + "{a: " * 100_000 + "1" + "}" * 100_000},
                                           "units/sales.yml", "yaml-too-deep"),
    # no bracket and no indentation, yet 100 000 levels: libyaml's composer overflowed the C stack (a crash)
    "a hundred thousand explicit keys on one line": ({"units/sales.yml": "? " * 100_000 + "a\n"},
                                                     "units/sales.yml", "yaml-too-deep"),
    "compact nested sequences and keys": ({"units/sales.yml": "- ? " * 50_000 + "a\n"},
                                          "units/sales.yml", "yaml-too-deep"),
    "a 20 MB YAML file": ({"units/sales.yml": SALES + "description: " + "x" * TWENTY_MB + "\n"},
                          "units/sales.yml", "file-too-large"),
    "a 20 MB YAML list": ({"actuals/big.yml": "- {unit: acme, kpi: revenue, period: 2026-Q1, value: 1}\n"
                           * (TWENTY_MB // 56)}, "actuals/big.yml", "file-too-large"),
    "a 20 MB CSV file": ({"actuals/2026.csv": "unit,kpi,period,value,note\n" + "sales,deals,2026-Q1,12,\n"
                          * (TWENTY_MB // 24)}, "actuals/2026.csv", "file-too-large"),
    "a 7 MB CSV cell": ({"actuals/2026.csv": "unit,kpi,period,value,note\nacme,revenue,2026-Q1,90,"
                         + "x" * 7_000_000 + "\n"}, "actuals/2026.csv", "csv-syntax"),
    "250 000 values in one YAML file": ({"units/sales.yml": SALES + "extra: [" + "1," * 250_000 + "1]\n"},
                                        "units/sales.yml", "yaml-too-large"),
}


@pytest.mark.parametrize("case", list(BIG))
def test_huge_and_explosive_input_is_refused_within_bounds(make_project, case):
    files, file, code = BIG[case]
    folder = make_project(files)
    result = validate_bounded(folder)
    assert result["returncode"] == 1
    lines = [line for line in result["stdout"].splitlines() if f"[{code}]" in line]
    assert lines and all(line.startswith(f"{file}:") for line in lines), result["stdout"][-2000:]
    assert len(result["stdout"]) < 20_000  # a clear error, not a flood


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX devices and named pipes")
@pytest.mark.parametrize("kind", ["/dev/zero", "/dev/urandom", "named pipe", "broken link"])
def test_a_device_pipe_or_broken_link_posing_as_a_file_is_not_read(make_project, kind):
    folder = make_project()
    target = folder / "units" / "evil.yml"
    if kind == "named pipe":
        os.mkfifo(target)  # reading it would wait forever for a writer
    elif kind == "broken link":
        target.symlink_to(folder / "nowhere.yml")
    else:
        if not Path(kind).exists():
            pytest.skip(f"no {kind}")
        target.symlink_to(kind)
    result = validate_bounded(folder)
    assert result["returncode"] == 1
    assert re.search(r"^units/evil\.yml: error: not a regular file .*\[unreadable\]$", result["stdout"], re.M), \
        result["stdout"]


# -- locations in messy text ---------------------------------------------------------------------


def test_an_error_at_the_end_of_a_file_without_a_final_line_break_is_inside_the_file(make_project):
    """libyaml puts the end of such a stream on a line past the last; an editor cannot go there."""
    sales = SALES + "extra: [1, 2"
    p = only(check(make_project({"units/sales.yml": sales})), "yaml-syntax")
    last = sales.splitlines()[-1]
    assert p.location == Location("units/sales.yml", sales.count("\n") + 1, len(last) + 1)


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_line_separators_inside_text_do_not_shift_later_locations(make_project, char):
    """YAML 1.1 (libyaml) breaks lines at LS, PS and NEL too; editors and `where` do not."""
    sales = edit(SALES, "owner: Head of Sales\nobjectives", f'owner: "Head{char}of Sales"\nobjectives')
    sales = edit(sales, "        target: 10\n", "        target: ten\n")
    p = only(check(make_project({"units/sales.yml": sales})), "wrong-type")
    assert p.location == where(sales, "ten", "units/sales.yml")


def test_a_line_separator_that_breaks_the_yaml_is_named_in_the_hint(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives", "owner: Head of\u2029Sales\nobjectives")
    p = only(check(make_project({"units/sales.yml": sales})), "yaml-syntax")
    assert p.hint == "line 4 holds a paragraph separator (U+2029), which YAML reads as a line break: delete it"


# -- numbers at the edges of floating point ------------------------------------------------------

BIG_INT = "1" + "0" * 400  # a whole number YAML reads exactly, and too large for a float


@pytest.mark.parametrize("old, new", [
    ("        target: 100\n", f"        target: {BIG_INT}\n"),
    ("        red_flag: 80\n", "        red_flag: -1.0e+308\n"),
    ("        red_flag: 80\n", f"        red_flag: 80\n        weight: {BIG_INT}\n"),
    ("        red_flag: 80\n", "        red_flag: 80\n        baseline: 1.0e+101\n"),
    ("        red_flag: 80\n", f"        red_flag: 80\n        decimals: {BIG_INT}\n"),
    ("    end: 2026-06-30\n", "    end: 2026-06-30\n    budget: 1.0e+300\n"),
])
def test_numbers_beyond_1e100_are_located_errors_not_overflows(make_project, old, new):
    """Sums, weights and scores of such numbers overflow to inf and NaN (an OverflowError in
    the evaluation, invalid JSON in the export); an int of 400 digits cannot even become a float."""
    acme = edit(ACME, old, new)
    p = only(check(make_project({"units/acme.yml": acme})), "out-of-range")
    value = new.rsplit(": ", 1)[1].strip()
    assert p.location == where(acme, value, "units/acme.yml")
    assert "numbers are limited to ±1e100" in p.message and len(p.message) < 200


@pytest.mark.parametrize("cell", ["1e101", "-1.7e308", "9" * 400])
def test_csv_values_beyond_1e100_are_located_errors(make_project, cell):
    text = f"unit,kpi,period,value,note\nacme,revenue,2026-Q1,{cell},\n"
    p = only(check(make_project({"actuals/2026.csv": text})), "not-a-number")
    assert p.location == where(text, cell, "actuals/2026.csv")
    assert "out of range" in p.message or "not a finite number" in p.message


def test_numbers_up_to_1e100_evaluate_and_export(make_project):
    from bsc_site import export
    from bsc_site.status.evaluate import evaluate

    acme = edit(ACME, "        target: 100\n        red_flag: 80\n",
                "        frequency: monthly\n        aggregation: sum\n        decimals: 6\n"
                "        target: 1.0e+100\n        red_flag: -1.0e+100\n        weight: 1.0e+100\n")
    rows = "".join(f"acme,revenue,2026-0{m},{v},\n" for m, v in ((1, "1e100"), (2, "1e100"), (3, "-1e100")))
    project = check(make_project({"units/acme.yml": acme, "actuals/2026.csv": "unit,kpi,period,value,note\n" + rows}))
    assert project.ok, report(project)
    ev = evaluate(project.scorecards, project.period)
    data = json.loads(export.dumps(export.evaluation_json(ev)))  # no inf, no NaN: valid JSON
    revenue = data["units"][0]["objectives"][0]["kpis"][0]
    assert revenue["actual"] == 1e100 and 0 <= revenue["score"] <= 10


def test_yaml_exponent_without_a_point_is_text_and_the_hint_says_so(make_project):
    acme = edit(ACME, "        target: 100\n", "        target: 1e6\n")
    p = only(check(make_project({"units/acme.yml": acme})), "wrong-type")
    assert p.location == where(acme, "1e6", "units/acme.yml")
    assert p.hint == "YAML reads a number like 1e6 as text: write 1000000, or 1.0e+6"


# -- 4. spreadsheet exports ----------------------------------------------------------------------

F = "actuals/2026.csv"


def actuals(make_project, data: str | bytes, name: str = F):
    """The base project with its actuals replaced by one file."""
    return check(make_project({F: None, name: data}))


def values(project) -> dict[tuple[str, str, str], float | None]:
    return {(a.unit_id, a.kpi_id, a.period.label): a.value for a in project.scorecards.actuals}


EXCEL_ROWS = [["unit", "kpi", "period", "value", "note"],
              ["acme", "revenue", "2026-Q1", "1.234,5", "Prix élevé"],
              ["acme", "nps", "2026-Q1", "40,5 %", ""],
              ["sales", "deals", "2026-Q1", "N/A", "pas encore"],
              ["sales", "churn", "2026-Q1", "", ""]]
EXCEL_VALUES = {("acme", "revenue", "2026-Q1"): 1234.5, ("acme", "nps", "2026-Q1"): 40.5,
                ("sales", "deals", "2026-Q1"): None, ("sales", "churn", "2026-Q1"): None}


def _join(rows, separator: str, newline: str = "\r\n") -> str:
    return newline.join(separator.join(row) for row in rows) + newline


@pytest.mark.parametrize("data", [
    pytest.param(codecs.BOM_UTF16_LE + _join(EXCEL_ROWS, ";").encode("utf-16-le"), id="utf-16-le BOM ; CRLF"),
    pytest.param(codecs.BOM_UTF16_BE + _join(EXCEL_ROWS, ";").encode("utf-16-be"), id="utf-16-be BOM ; CRLF"),
    pytest.param(_join(EXCEL_ROWS, ";").encode("utf-8-sig"), id="utf-8 BOM ; CRLF"),
    pytest.param(("sep=;\r\n" + _join(EXCEL_ROWS, ";")).encode("utf-8-sig"), id="Excel sep= line"),
    pytest.param(_join([r + ["", ""] for r in EXCEL_ROWS], ";").encode(), id="trailing empty columns"),
    pytest.param(_join([EXCEL_ROWS[0]] + [r + ["", ""] for r in EXCEL_ROWS[1:]], ";").encode(),
                 id="trailing empty cells past the header"),
    pytest.param(_join([["\ufeffUnit", " KPI ", '"Period"', "VALUE", "Note "]] + EXCEL_ROWS[1:], ";")
                 .encode("utf-8-sig"), id="header: second BOM, case, spaces, quotes"),
])
def test_spreadsheet_exports_are_read_as_meant(make_project, data):
    project = actuals(make_project, data)
    assert project.problems.errors == [], report(project)
    assert values(project) == EXCEL_VALUES
    assert project.scorecards.actuals[0].note == "Prix élevé"


def test_excel_unicode_text_is_utf16_with_tabs(make_project):
    """Excel's 'Unicode Text' export: UTF-16 LE with BOM, tab-separated, decimal points."""
    rows = [["unit", "kpi", "period", "value", "note"], ["acme", "revenue", "2026-Q1", "1,234.5", "Größe"],
            ["acme", "nps", "2026-Q1", "#N/A", ""]]
    project = actuals(make_project, _join(rows, "\t").encode("utf-16"))
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 1234.5, ("acme", "nps", "2026-Q1"): None}


@pytest.mark.parametrize("cell, value", [("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("1\u202f234,5", 1234.5),
                                         ("1'234,5", 1234.5), ("1.234.567", 1234567.0), ("-0,5", -0.5),
                                         ("+12", 12.0), ("12,5%", 12.5), ("1,5E3", None)])
def test_semicolon_exports_with_grouping_and_signs(make_project, cell, value):
    text = f"unit;kpi;period;value\nacme;revenue;2026-Q1;{cell}\n"
    project = actuals(make_project, text)
    if value is None:  # no reading is certain: an error at the cell, not a guess
        p = only(project, "not-a-number")
        assert p.location == where(text, cell, F)
        return
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): value}


@pytest.mark.parametrize("cell", ["#DIV/0!", "#VALUE!", "#REF!", "€ 12", "(12)", "12-", "\u22125", "1,2,3", "%",
                                  "0x1A", "1_000", "٣ apples"])
def test_spreadsheet_junk_in_a_value_cell_is_a_located_error(make_project, cell):
    text = f"unit,kpi,period,value,note\nacme,revenue,2026-Q1,\"{cell}\",\n"
    p = only(actuals(make_project, text), "not-a-number")
    assert p.location == where(text, f'"{cell}"', F)
    assert p.message.startswith("row 2: ") and "is not a number" in p.message
    assert "plain number such as 42.5" in p.hint


def test_decimal_commas_with_tabs_are_a_located_error_not_a_guess(make_project):
    text = "unit\tkpi\tperiod\tvalue\nacme\trevenue\t2026-Q1\t40,5\n"
    p = only(actuals(make_project, text), "not-a-number")
    assert p.location == where(text, "40,5", F)
    assert p.message == "row 2: '40,5' is not a number"


def test_utf16_without_byte_order_mark_is_named(make_project):
    data = "unit,kpi,period,value\nacme,revenue,2026-Q1,90\n".encode("utf-16-le")
    p = only(actuals(make_project, data), "encoding")
    assert p.location == Location(F, 1, 1)
    assert "UTF-16" in p.message and "byte-order mark" in p.message
    assert "CSV UTF-8" in p.hint


def test_errors_after_a_sep_line_keep_their_lines(make_project):
    text = "sep=;\nunit;kpi;period;value\nacme;revenue;2026-Q1;90\nacme;nps;2026-Q1;lots\n"
    p = only(actuals(make_project, text), "not-a-number")
    assert p.location == where(text, "lots", F)  # line 4
    assert p.message.startswith("row 4: 'lots' is not a number")


def test_unknown_header_column_is_shown_with_its_invisible_characters(make_project):
    text = "unit,kpi,period,value,no\u200bte\nacme,revenue,2026-Q1,90,\n"
    p = only(actuals(make_project, text), "csv-header")
    assert p.message == "unknown column 'no\\u200bte'"


@pytest.mark.parametrize("value, expected", [(".nan", "a finite number"), (".inf", "a finite number"),
                                             ("-.inf", "a finite number"), ("'N/A'", None), ("''", None),
                                             ("'12 %'", 12.0), ("true", "a number")])
def test_yaml_actuals_values_like_spreadsheet_cells(make_project, value, expected):
    text = f"- {{unit: acme, kpi: revenue, period: 2026-Q1, value: {value}}}\n"
    project = actuals(make_project, text, "actuals/2026.yml")
    if isinstance(expected, str):
        p = project.problems.errors[0]
        assert len(project.problems.errors) == 1, report(project)
        assert p.location == where(text, value + "}", "actuals/2026.yml")
        assert expected in p.message
    else:
        assert project.problems.errors == [], report(project)
        assert values(project) == {("acme", "revenue", "2026-Q1"): expected}


# -- 5. mixed-up periods and duplicated rows ---------------------------------------------------------

MONTHLY_SALES = edit(SALES, "        direction: lower\n", "        direction: lower\n        frequency: monthly\n")


@pytest.mark.parametrize("period, code", [
    ("2026-Q3", "period-frequency"), ("2026", "period-frequency"), ("2026-13", "bad-period"),
    ("26-Q3", "bad-period"), ("2026Q3", "bad-period"), ("Q3-2026", "bad-period"), ("2026-09-01", "bad-period"),
    ("2026/09", "bad-period"), ("Sep 2026", "bad-period"), ("2026-W37", "bad-period"), ("FY2026", "bad-period"),
    ("2026-00", "bad-period"), ("2026-9", "bad-period"), ("2026-Q3-09", "bad-period"), ("\u0662\u0660\u0662\u0666-09 x",
                                                                                       "bad-period"),
])
def test_mixed_up_periods_for_a_monthly_kpi_are_located(make_project, period, code):
    text = f"unit,kpi,period,value,note\nsales,churn,{period},6,\n"
    project = check(make_project({"units/sales.yml": MONTHLY_SALES, F: text}))
    p = only(project, code)
    if code == "bad-period":
        assert p.location == where(text, period, F)
        assert "expected a period like 2026, 2026-Q3 or 2026-09" in p.message
    else:
        assert p.location == Location(F, 2, 1)
        assert p.hint == "write months as 2026-09"
    assert p.field == "period"


def test_an_unquoted_date_as_a_yaml_period_is_located(make_project):
    text = "- {unit: sales, kpi: churn, period: 2026-09-01, value: 6}\n"
    p = only(check(make_project({"units/sales.yml": MONTHLY_SALES, F: None, "actuals/2026.yml": text})), "bad-period")
    assert p.location == where(text, "2026-09-01", "actuals/2026.yml")
    assert "'2026-09-01'" in p.message


@pytest.mark.parametrize("key", ["2026Q3", "Q3-2026", "2026-09-01", "26-Q3"])
def test_mixed_up_period_keys_in_a_target_are_located(make_project, key):
    sales = edit(SALES, "        target: 10\n", f"        target: {{{key}: 10}}\n")
    p = only(check(make_project({"units/sales.yml": sales})), "bad-period")
    assert p.location == where(sales, key, "units/sales.yml")


@pytest.mark.parametrize("period", ["2026-Q" + "1" * 5000, "2026-" + "0" * 5000 + "9"])
def test_a_period_of_thousands_of_digits_is_a_located_error(make_project, period):
    text = f"unit,kpi,period,value,note\nacme,revenue,{period},6,\n"
    p = only(check(make_project({F: text})), "bad-period")
    assert p.location == where(text, period, F)


def test_the_same_period_written_differently_in_two_files_is_a_duplicate(make_project):
    project = check(make_project({"actuals/zz.csv": "unit,kpi,period,value,note\n sales , churn , 2026-q1 ,7,\n"}))
    p = only(project, "duplicate-actual")
    assert p.location == Location("actuals/zz.csv", 2, 1)
    assert p.message == "a second value for sales/churn in 2026-Q1"
    assert p.hint == "the first is at actuals/2026.csv:5:1; keep one"


def test_duplicates_across_three_files_each_point_at_the_first(make_project):
    project = check(make_project({
        "actuals/b.csv": "unit;kpi;period;value\nacme;nps;2026-Q1;41\n",
        "actuals/c.yml": "- {unit: acme, kpi: nps, period: 2026-Q1, value: 42}\n",
    }))
    found = [p for p in project.problems.sorted() if p.code == "duplicate-actual"]
    assert [(p.location, p.hint) for p in found] == [
        (Location("actuals/b.csv", 2, 1), "the first is at actuals/2026.csv:3:1; keep one"),
        (Location("actuals/c.yml", 1, 3), "the first is at actuals/2026.csv:3:1; keep one"),
    ]


def test_an_empty_cell_does_not_hide_a_duplicate(make_project):
    """'Not reported' is a value too: a second row for the same period is still a second row."""
    project = check(make_project({"actuals/zz.csv": "unit,kpi,period,value\nacme,revenue,2026-Q1,\n"}))
    p = only(project, "duplicate-actual")
    assert p.location == Location("actuals/zz.csv", 2, 1)


# -- 6. nothing is lost --------------------------------------------------------------------------------

INPUTS = ("scorecards", "docs", "overrides")
DATED = {"sitemap.xml", "sitemap.xml.gz"}  # MkDocs writes the build date into these (see test_site.py)


def inputs(root: Path) -> dict[str, bytes]:
    """Every file of the inputs, by path from the project root, with its bytes."""
    return {f"{folder}/{k}": v for folder in INPUTS if (root / folder).is_dir()
            for k, v in snapshot(root / folder).items()}


def undated(site: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in site.items() if k not in DATED}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """The repository's example, copied and built once; with what the inputs were before."""
    root = sb.copy_example(tmp_path_factory.mktemp("lossless") / "example")
    top_before = sorted(p.name for p in root.iterdir())
    before = inputs(root)
    result = build(root)
    assert result.ok, result.text()
    return root, top_before, before, snapshot(root / "site")


def test_a_build_writes_nothing_into_the_inputs(example):
    root, top_before, before, _ = example
    assert inputs(root) == before
    assert sorted(set(p.name for p in root.iterdir()) - set(top_before)) == [".cache", "site"]


def _maps(cache: dict[str, bytes]) -> dict[str, bytes]:
    """The laid-out maps of a cache folder (not the unit files as read: bsc/load/)."""
    return {k: v for k, v in cache.items() if not k.startswith("bsc/load/")}


def test_a_second_build_in_the_same_folder_is_byte_identical(example, tmp_path):
    root, _, before, first = example
    work = tmp_path / "again"
    shutil.copytree(root, work)  # with its site and its map cache, as a second `mkdocs build` finds them
    maps = _maps(snapshot(work / ".cache"))
    result = build(work)
    assert result.ok, result.text()
    assert _maps(snapshot(work / ".cache")) == maps  # the same maps: served from the cache, none added
    again = snapshot(work / "site")
    assert sorted(again) == sorted(first)
    assert sorted(k for k in undated(first) if first[k] != again[k]) == []
    assert inputs(work) == before


def test_a_build_elsewhere_without_the_cache_is_byte_identical(example, tmp_path):
    _, _, _, first = example
    fresh = sb.copy_example(tmp_path / "fresh")
    result = build(fresh)
    assert result.ok, result.text()
    again = snapshot(fresh / "site")
    assert sorted(again) == sorted(first)
    assert sorted(k for k in undated(first) if first[k] != again[k]) == []


def _broken_yaml(root: Path) -> None:
    path = root / "scorecards" / "units" / "retail" / "retail.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: ", "name: [", 1), encoding="utf-8")


def _renamed_objective(root: Path) -> None:
    """A change that needs a map laid out again (cached maps cannot serve it)."""
    path = root / "scorecards" / "units" / "northwind.yml"
    text = path.read_text(encoding="utf-8")
    first = re.search(r"^    name: (.+)$", text, re.M)
    path.write_text(text[:first.start(1)] + "Renamed for the test" + text[first.end(1):], encoding="utf-8")


def _design_warning(root: Path) -> None:
    path = root / "scorecards" / "units" / "retail" / "retail.yml"
    text = path.read_text(encoding="utf-8")
    owner = re.search(r"^        owner: .+\n", text, re.M)  # a KPI's owner: kpi-without-owner
    path.write_text(text[:owner.start()] + text[owner.end():], encoding="utf-8")


FAILURES = {
    "yaml syntax error": (_broken_yaml, {}, False, "[yaml-syntax]"),
    "dot missing (BSC_DOT)": (_renamed_objective, {"BSC_DOT": "/nonexistent/dot"}, False,
                              "the Graphviz program '/nonexistent/dot' was not found"),
    "design warning in a strict build": (_design_warning, {}, True, "[kpi-without-owner]"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_a_failed_build_leaves_site_and_inputs_as_they_were(example, tmp_path, monkeypatch, kind):
    root, _, _, first = example
    change, env, strict, message = FAILURES[kind]
    work = tmp_path / "work"
    shutil.copytree(root, work)
    change(work)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = inputs(work)
    maps = _maps(snapshot(work / ".cache"))
    result = build(work, strict=strict)
    assert not result.ok
    assert message in result.text(), result.text()
    assert "Traceback" not in result.text()
    assert snapshot(work / "site") == first  # the last good site, byte for byte
    assert inputs(work) == before
    assert _maps(snapshot(work / ".cache")) == maps  # no map laid out for a build that failed


def test_a_build_failing_on_a_mkdocs_strict_warning_leaves_the_last_site(tmp_path):
    root = make_site(tmp_path)
    assert build(root, strict=True).ok
    before = snapshot(root / "site")
    sb.write_tree(root / "docs", {"about.md": sb.ABOUT + "\nSee [the plan](nowhere.md).\n"})
    result = build(root, strict=True)
    assert not result.ok
    assert snapshot(root / "site") == before
