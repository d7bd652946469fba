"""Bad input, on purpose: random and mutated YAML and CSV never crash the loader.

Property-based tests (Hypothesis) feed the loaders random YAML documents, the real
example files with random damage, and random CSV actuals. Whatever comes in, loading and
validating (and, for a valid project, evaluating and exporting) must end, within a time
bound, in either a valid model or problems that each name a file and, where the file's
content could be read, a line that exists in it. Never an exception, never a hang.

Runs are reproducible (`derandomize=True`: the same examples on every machine) and
small (a few hundred examples in all, well under a minute). A failure prints the
reproduction blob; `@reproduce_failure(...)` in front of the test replays it.
"""

from __future__ import annotations

import codecs
import datetime
import json
import math
import os
import re
import shutil
import signal
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bsc_site import export
from bsc_site.load import fields
from bsc_site.problems import Problem
from bsc_site.project import Project
from bsc_site.site.links import Links
from bsc_site.site.plan import SiteOptions, SitePlanner, data_files
from bsc_site.status.evaluate import evaluate
from conftest import ACME, BASE_FILES, ORGANIZATION, SALES, check, report

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "scorecards"

# BSC_FUZZ_EXAMPLES=5000 searches deeper (the same examples first, then more); BSC_FUZZ_RANDOM=1
# draws new ones on every run, for hunting: a failure prints its blob to replay it.
FUZZ = settings(
    max_examples=int(os.environ.get("BSC_FUZZ_EXAMPLES", 100)),
    deadline=datetime.timedelta(seconds=10),  # per example; generous for a busy 2-core CI machine
    derandomize=not os.environ.get("BSC_FUZZ_RANDOM"),  # the same examples on every run: CI is reproducible
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
TIME_LIMIT = 20  # seconds: a load that takes longer is a hang (the deadline reports slowness first)

# Problems about a whole file, which have no line: the file is empty, too large to read,
# or could not be opened; or a folder has no files. Every other problem points at a line.
WHOLE_FILE = {"empty-file", "file-too-large", "yaml-too-large", "unreadable", "no-units", "no-organization",
              "snapshot", "yaml-syntax", "yaml-too-deep"}


# -- running a load, bounded ----------------------------------------------------------------


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise Hang in this (the main) thread if the block runs longer than `seconds`."""

    def expire(signum, frame):
        raise Hang(f"loading took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def decoded_lines(path: Path) -> int | None:
    """How many lines the file has as the loader reads it; None if it cannot be decoded."""
    data = path.read_bytes()
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


def assert_located(project: Project, folder: Path) -> None:
    """Every problem names an existing file (as seen from the folder) and, unless it is
    about the whole file, a line of that file; and it formats to one line of text."""
    for p in project.problems.sorted():
        assert isinstance(p, Problem)
        assert p.message and isinstance(p.message, str), p
        text = p.format()
        assert "Traceback" not in text, text
        loc = p.location
        assert loc.file, text
        path = folder / loc.file
        assert path.exists(), f"{text}: no such file {path}"
        if p.code in WHOLE_FILE and loc.line == 0:
            continue
        assert loc.line >= 1, f"no line: {text}"
        assert loc.column >= 0, text
        if path.is_file():
            lines = decoded_lines(path)
            if lines is not None:
                assert loc.line <= lines, f"line {loc.line} of a {lines}-line file: {text}"


def load_bounded(folder: Path, *, pages: bool = False) -> Project:
    """Load, validate and, when valid, evaluate and export, as `bsc export` would (with `pages`,
    also render every page and data file, maps left out); bounded in time."""
    with time_limit(TIME_LIMIT):
        project = check(folder)
        if project.ok:
            ev = evaluate(project.scorecards, project.period)
            export.dumps(export.evaluation_json(ev))
            export.to_csv(ev)
            if pages:
                SitePlanner(ev, SiteOptions(maps=False)).pages()
                for name, data in data_files(ev, Links()).items():
                    if name.endswith(".json"):
                        json.loads(data)
                    elif name.endswith(".xml"):
                        ET.fromstring(data)
    assert_located(project, folder)
    if project.scorecards is None:
        assert project.problems.errors, "no model and no error"
    return project


@contextmanager
def replaced(folder: Path, files: dict[str, str | bytes | None]):
    """Write files into the folder for the block, then put back what was there."""
    saved: dict[Path, bytes | None] = {}
    for name, data in files.items():
        path = folder / name
        saved[path] = path.read_bytes() if path.is_file() else None
        if data is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    try:
        yield folder
    finally:
        for path, data in saved.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8", newline="\n")
    return folder


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The small valid project of conftest.py, plus an empty review, shared by the examples."""
    folder = write_files(tmp_path_factory.mktemp("fuzz-base"), BASE_FILES)
    project = check(folder)
    assert project.ok and not project.problems.items, report(project)
    return folder


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    """A copy of the repository's example scorecards (without the large snapshot, which only
    `bsc snapshot` writes), so the examples can damage its files."""
    folder = tmp_path_factory.mktemp("fuzz-example") / "scorecards"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.snapshot.json"))
    project = check(folder)
    assert project.ok, report(project)
    return folder


# -- strategies: YAML -----------------------------------------------------------------------

FIELD_NAMES = sorted({f.name for rec in (fields.ORGANIZATION, fields.UNIT, fields.OBJECTIVE, fields.KPI,
                                         fields.INITIATIVE, fields.REVIEW, fields.ACTION, fields.OVERRIDE,
                                         fields.COMMENTARY, fields.ACTUAL, fields.PERSPECTIVE, fields.THEME,
                                         fields.CHECK_SETTINGS, fields.STATUS_SETTINGS, fields.SILENCE,
                                         fields.EXTRA_PERSPECTIVE, fields.OMITTED_PERSPECTIVE)
                      for f in rec.fields})
WORDS = ["acme", "sales", "revenue", "nps", "deals", "churn", "grow-revenue", "win-deals", "financial",
         "customer", "growth", "higher", "lower", "range", "monthly", "quarterly", "annual", "sum", "average",
         "last", "leading", "lagging", "on-track", "at-risk", "off-track", "open", "done", "2026", "2026-Q1",
         "2026-Q5", "2026-01", "2026-13", "Q1-2026", "2026-02-30", "9999-Q4", "0000", "-1", "1e400", "N/A",
         "", " ", "~", "null", "yes", "no", "<script>alert(1)</script>", "../etc", "a" * 70, "Ünïcødé",
         "\u202e", "\ufeff", "objective-without-kpi"]

text = st.one_of(st.sampled_from(WORDS), st.text(max_size=20))
# numbers at the edges: float's limits, the loader's (1e100), ints too large to convert to float
EDGES = [0, -0.0, 1e100, -1e100, 1.0000001e100, 1e308, -1.7e308, 5e-324, 2**63, 10**400, -(10**400), 10**4000]
scalars = st.one_of(
    st.none(), st.booleans(), text,
    st.integers(), st.sampled_from(EDGES),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=datetime.date(1, 1, 1)),
    st.datetimes(),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), text, st.integers(-5, 5), st.booleans(), st.none())
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=8),
        # a record-like mapping: mostly the loader's own field names, so it reads on and checks deeper
        st.dictionaries(st.sampled_from(FIELD_NAMES), children, max_size=8),
    ),
    max_leaves=40,
)


def dump(document) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, default_flow_style=None)


TARGETS = ["organization.yml", "units/sales.yml", "units/acme.yml", "reviews/2026-Q1.yml", "actuals/extra.yml"]


@FUZZ
@given(target=st.sampled_from(TARGETS), document=documents)
def test_random_yaml_documents_give_a_model_or_located_problems(base, target, document):
    load_bounded_with(base, {target: dump(document)}, pages=True)


def load_bounded_with(folder: Path, files: dict[str, str | bytes | None], *, pages: bool = False) -> Project:
    with replaced(folder, files):
        return load_bounded(folder, pages=pages)


def set_at(document, path: list, value):
    """The document with the value at a path of keys/indices replaced (paths are generated
    from the document, so they exist)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: set_at(document[head], rest, value)}
    copy = list(document)
    copy[head] = set_at(copy[head], rest, value)
    return copy


def paths(document, prefix=()):
    yield list(prefix)
    if isinstance(document, dict):
        for k, v in document.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(document, list):
        for i, v in enumerate(document):
            yield from paths(v, prefix + (i,))


GRAFT_BASES = {"organization.yml": yaml.safe_load(ORGANIZATION), "units/acme.yml": yaml.safe_load(ACME),
               "units/sales.yml": yaml.safe_load(SALES)}


@st.composite
def grafted(draw):
    """A valid file of the base project with one value, anywhere in it, replaced by random YAML."""
    name = draw(st.sampled_from(sorted(GRAFT_BASES)))
    document = GRAFT_BASES[name]
    path = draw(st.sampled_from(list(paths(document))[1:]))
    return name, set_at(document, path, draw(documents))


@FUZZ
@given(graft=grafted())
def test_valid_files_with_a_random_value_grafted_in(base, graft):
    name, document = graft
    load_bounded_with(base, {name: dump(document)}, pages=True)


# -- strategies: damaging the example's files -----------------------------------------------

EXAMPLE_FILES = sorted(p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*")
                       if p.is_file() and p.suffix in (".yml", ".yaml", ".csv"))
NASTY = st.one_of(
    st.characters(),  # any code point, control characters and surrogates included
    st.sampled_from(list("\x00\t\r\n\x0b\x0c\x1b\x7f\x85\u2028\u2029\ufeff\ufffe\u200b\u202e:-[]{}&*!|>'\"%@`#,;")),
)


@st.composite
def mutation(draw):
    """One edit: (kind, position fraction, argument)."""
    kind = draw(st.sampled_from(["delete-line", "duplicate-line", "swap", "insert", "truncate", "indent",
                                 "dedent", "tab", "byte", "join-lines"]))
    return kind, draw(st.floats(0, 1)), draw(NASTY if kind == "insert" else st.integers(0, 255))


def mutate(data: bytes, edits) -> bytes:
    """Apply the edits in order; positions are fractions of the current length."""
    for kind, where, arg in edits:
        if kind == "byte":
            i = min(int(where * len(data)), max(len(data) - 1, 0))
            data = data[:i] + bytes([arg]) + data[i + 1:]
            continue
        text = data.decode("utf-8", "surrogateescape")
        lines = text.split("\n")
        n = min(int(where * len(lines)), len(lines) - 1)
        i = min(int(where * len(text)), len(text))
        if kind == "delete-line":
            del lines[n]
        elif kind == "duplicate-line":
            lines.insert(n, lines[n])
        elif kind == "join-lines" and n + 1 < len(lines):
            lines[n:n + 2] = [lines[n] + lines[n + 1]]
        elif kind == "indent":
            lines[n] = " " * (1 + arg % 4) + lines[n]
        elif kind == "dedent":
            lines[n] = lines[n][1 + arg % 4:] if lines[n][:1 + arg % 4].isspace() else lines[n].lstrip()
        elif kind == "tab":
            lines[n] = "\t" + lines[n].lstrip(" ")
        if kind in ("delete-line", "duplicate-line", "join-lines", "indent", "dedent", "tab"):
            text = "\n".join(lines)
        elif kind == "swap" and i + 1 < len(text):
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif kind == "insert":
            text = text[:i] + arg + text[i:]
        elif kind == "truncate":
            text = text[:i]
        data = text.encode("utf-8", "surrogateescape" if not _has_lone_surrogate(text) else "surrogatepass")
    return data


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return False
    except UnicodeEncodeError:
        return True


@settings(FUZZ, max_examples=max(10, FUZZ.max_examples * 3 // 5))  # each loads the whole example: fewer
@given(name=st.sampled_from(EXAMPLE_FILES), edits=st.lists(mutation(), min_size=1, max_size=4))
def test_damaged_example_files_give_a_model_or_located_problems(example, name, edits):
    original = (EXAMPLE / name).read_bytes()
    load_bounded_with(example, {name: mutate(original, edits)})


# -- strategies: CSV actuals ----------------------------------------------------------------

UNITS_KPIS = [("acme", "revenue"), ("acme", "nps"), ("sales", "deals"), ("sales", "churn")]
CELLS = st.one_of(
    st.sampled_from(["acme", "sales", "revenue", "nps", "deals", "churn", "2026-Q1", "2026-Q2", "2026", "2026-03",
                     "90", "-0.5e1", "1,234.5", "1.234,5", "12 %", "N/A", "", "NaN", "inf", "1e999", '"', '""',
                     "unit", "kpi", "period", "value", "note", "\ufeffunit", " Value ", "\x00", "\r", "é"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
)
HEADERS = st.one_of(
    st.just(["unit", "kpi", "period", "value", "note"]),
    st.permutations(["unit", "kpi", "period", "value", "note"]),
    st.lists(st.sampled_from(["unit", "kpi", "period", "value", "note", "Value", " KPI ", "", "valeu", "x"]),
             max_size=7),
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]


@st.composite
def csv_files(draw) -> bytes:
    """A CSV file the way spreadsheets and people write them: any separator, quoting,
    line ending and encoding, with rows of plausible and implausible cells."""
    separator = draw(st.sampled_from([",", ";", "\t", "|", " "]))
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, max_size=8), max_size=12))
    quote = draw(st.sampled_from(["none", "all", "some"]))

    def cell(c: str) -> str:
        if quote == "all" or (quote == "some" and (separator in c or '"' in c or "\n" in c)):
            return '"' + c.replace('"', '""') + '"'
        return c

    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    body = newline.join(separator.join(cell(c) for c in row) for row in [header, *rows])
    if draw(st.booleans()):
        body += newline
    encoding = draw(st.sampled_from(ENCODINGS))
    data = body.encode(encoding, "replace")
    if encoding in ("utf-16-le", "utf-16-be") and draw(st.booleans()):  # with a byte-order mark, or without
        data = (codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE) + data
    return data


@FUZZ
@given(data=csv_files())
def test_random_csv_actuals_give_a_model_or_located_problems(base, data):
    load_bounded_with(base, {"actuals/2026.csv": None, "actuals/random.csv": data}, pages=True)


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".yml"]))
def test_random_bytes_as_actuals_give_located_problems(base, data, suffix):
    load_bounded_with(base, {f"actuals/random{suffix}": data})


# -- well-formed spreadsheet exports are read exactly ----------------------------------------


def number_formats(value: float, decimal_comma: bool):
    """Ways a spreadsheet writes this value (two decimals), all meaning the same number."""
    plain = f"{value:.2f}"
    grouped = f"{value:,.2f}"  # 1,234.50
    if decimal_comma:
        swap = str.maketrans({",": ".", ".": ","})
        return [plain.replace(".", ","), grouped.translate(swap), plain.replace(".", ",") + " %",
                grouped.translate(swap).replace(".", "\u00a0"), f"{value:.2f}".replace(".", ",") + "%"]
    return [plain, grouped, plain + "%", f" {plain} ", grouped.replace(",", " "), f"{value:.10e}"]


@st.composite
def exports(draw):
    """A valid actuals file with a known meaning: (bytes, {(unit, kpi, period): value})."""
    separator = draw(st.sampled_from([",", ";", "\t"]))
    decimal_comma = separator == ";"
    chosen = draw(st.lists(st.tuples(st.sampled_from(UNITS_KPIS), st.integers(2020, 2030), st.integers(1, 4)),
                           unique_by=lambda t: (t[0], t[1], t[2]), max_size=10))
    rows, expected = [], {}
    for (unit, kpi), year, quarter in chosen:
        value = draw(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 2)))
        written = draw(st.sampled_from(number_formats(value, decimal_comma)))
        cells = [unit, kpi, f"{year}-Q{quarter}", written, draw(st.sampled_from(["", "ok", "a, b", 'say "hi"']))]
        rows.append(cells)
        expected[(unit, kpi, f"{year}-Q{quarter}")] = value
    header = draw(st.sampled_from([["unit", "kpi", "period", "value", "note"],
                                   ["Unit", " KPI ", "PERIOD", "Value ", "note"]]))

    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if (separator in c or '"' in c) else c

    newline = draw(st.sampled_from(["\n", "\r\n"]))
    body = newline.join(separator.join(cell(c) for c in row) for row in [header, *rows]) + newline
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
    if encoding == "utf-16":
        data = codecs.BOM_UTF16_BE + body.encode("utf-16-be") if draw(st.booleans()) else body.encode("utf-16")
    else:
        data = body.encode(encoding)
    return data, expected


@FUZZ
@given(export_file=exports())
def test_well_formed_spreadsheet_exports_are_read_exactly(base, export_file):
    data, expected = export_file
    project = load_bounded_with(base, {"actuals/2026.csv": data})
    errors = [p.format() for p in project.problems.errors]
    assert errors == [], "\n".join(errors)
    got = {(a.unit_id, a.kpi_id, a.period.label): a.value for a in project.scorecards.actuals}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-9), (key, got[key], value)


@FUZZ
@given(records=st.lists(st.dictionaries(st.sampled_from(["unit", "kpi", "period", "value", "note", "x"]),
                                        scalars, max_size=6), max_size=8))
def test_random_yaml_actuals_give_a_model_or_located_problems(base, records):
    load_bounded_with(base, {"actuals/more.yml": dump(records)})


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
                    max_leaves=20)


@FUZZ
@given(data=st.one_of(JSON.map(json.dumps), st.binary(max_size=200),
                      JSON.map(lambda d: json.dumps({"format": "bsc-site/evaluation/1", "period": d}))))
def test_random_snapshot_files_give_located_problems(base, data):
    """Snapshots are written by `bsc snapshot`, but a file in git can be anything."""
    load_bounded_with(base, {"reviews/2026-Q1.snapshot.json": data})


# -- names in the strategy maps and charts ----------------------------------------------------------

NAMES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
    st.sampled_from(["\\N", "\\G", "\\1", "\\g<0>", "a\\", "\\l\\n\\r", "]]>", "-->", "<!--", "&amp;", "&#0;",
                     "<b>x</b>", '"', "'", "{x|y}", "<TABLE>", "@x", "\u202e\u2028\u2029", "😀" * 10, "x" * 200,
                     "%s %d {0}", "$(echo 1)"]),
)
HAS_DOT = shutil.which(os.environ.get("BSC_DOT", "dot")) is not None


@pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz (dot)")
@settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 4))  # each example runs dot: fewer of them
@given(names=st.fixed_dictionaries({k: NAMES for k in ("perspective", "theme", "objective", "unit", "kpi",
                                                        "parent-objective")}))
def test_random_names_give_well_formed_maps(base, names):
    """Names go into Graphviz (DOT strings and HTML-like labels) and back out as SVG: whatever
    they hold, the maps and charts in the pages are well-formed XML, and the names come back."""
    org, acme = yaml.safe_load(ORGANIZATION), yaml.safe_load(ACME)
    org["perspectives"][0]["name"] = names["perspective"]
    org["themes"][0]["name"] = names["theme"]
    acme["name"] = names["unit"]
    acme["objectives"][0]["name"] = names["objective"]
    acme["objectives"][0]["kpis"][0]["name"] = names["kpi"]
    acme["objectives"][1]["name"] = names["parent-objective"]
    with replaced(base, {"organization.yml": dump(org), "units/acme.yml": dump(acme)}):
        with time_limit(TIME_LIMIT * 3):
            project = check(base)
            assert project.ok, report(project)
            ev = evaluate(project.scorecards, project.period)
            pages = SitePlanner(ev, SiteOptions(maps=True)).pages()
    svgs = [svg for page in pages for svg in re.findall(r"<svg\b.*?</svg>", page.inlined(), re.DOTALL)]
    assert len(svgs) > 5
    titles = []
    for svg in svgs:
        tree = ET.fromstring(svg)  # well-formed, or this raises
        titles += ["".join(t.itertext()) for t in tree.iter() if t.tag.rsplit("}", 1)[-1] == "title"]
    assert any(t.startswith(names["objective"] + ":") for t in titles)
