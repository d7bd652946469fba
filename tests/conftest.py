"""Small real scorecard folders for the validation, actuals, design-check and CLI tests.

`make_project(...)` writes the minimal valid project below into a fresh folder, with
any file replaced (text or bytes) or removed (None), and returns the folder.
`check(folder)` loads and validates it the way `bsc validate` does, from inside the
folder, so problem locations read `units/sales.yml`, as a user would see them.
`where(text, fragment, file)` is the location at which `fragment` is written in `text`:
tests say *what* the error must point at, and the loader finds it independently.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from bsc_site.problems import Location, Problem
from bsc_site.project import Project, open_project

# The base project: two units, two perspectives, one theme, one library KPI. It is valid
# and raises no design-check warning either, so any problem a test sees is its own doing.

ORGANIZATION = """\
name: Acme
perspectives:
  - id: financial
    name: Financial
  - id: customer
    name: Customer
themes:
  - id: growth
    name: Growth
kpis:
  - id: nps
    name: Net promoter score
    unit: pts
    direction: higher
    frequency: quarterly
    indicator: leading
    owner: Head of CX
"""

ACME = """\
id: acme
name: Acme Group
owner: CEO
objectives:
  - id: grow-revenue
    name: Grow revenue
    perspective: financial
    theme: growth
    kpis:
      - id: revenue
        name: Revenue
        unit: EUR
        target: 100
        red_flag: 80
        owner: CFO
  - id: delight-customers
    name: Delight customers
    perspective: customer
    drives: [grow-revenue]
    kpis:
      - id: nps
        definition: nps
        target: 50
        red_flag: 30
initiatives:
  - id: crm-rollout
    name: CRM roll-out
    objectives: [delight-customers]
    start: 2026-01-01
    end: 2026-06-30
"""

SALES = """\
id: sales
name: Sales
parent: acme
owner: Head of Sales
objectives:
  - id: win-deals
    name: Win deals
    perspective: financial
    supports: [grow-revenue]
    kpis:
      - id: deals
        name: Deals won
        target: 10
        red_flag: 5
        owner: Head of Sales
        indicator: leading
  - id: keep-customers
    name: Keep customers
    perspective: customer
    drives: [win-deals]
    kpis:
      - id: churn
        name: Churn
        unit: "%"
        direction: lower
        target: 5
        red_flag: 8
        owner: Head of Sales
"""

ACTUALS = """\
unit,kpi,period,value,note
acme,revenue,2026-Q1,90,
acme,nps,2026-Q1,40,
sales,deals,2026-Q1,12,
sales,churn,2026-Q1,6.5,
"""

BASE_FILES: dict[str, str] = {
    "organization.yml": ORGANIZATION,
    "units/acme.yml": ACME,
    "units/sales.yml": SALES,
    "actuals/2026.csv": ACTUALS,
}


def edit(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced (a test's mutation must be unambiguous)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def where(text: str, fragment: str, file: str) -> Location:
    """The line and column (from 1) at which the one occurrence of `fragment` starts in `text`."""
    assert text.count(fragment) == 1, f"{fragment!r} occurs {text.count(fragment)} times"
    before = text[: text.index(fragment)]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return Location(file, line, column)


@pytest.fixture
def make_project(tmp_path: Path):
    """make_project(files={"units/sales.yml": "...", "actuals/2026.csv": None}) -> folder."""
    count = 0

    def make(files: dict[str, str | bytes | None] | None = None, *, base: bool = True) -> Path:
        nonlocal count
        count += 1
        folder = tmp_path / f"scorecards{count}"
        content: dict[str, str | bytes | None] = dict(BASE_FILES) if base else {}
        content.update(files or {})
        for name, data in content.items():
            if data is None:
                continue
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8", newline="\n")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    return make


@contextmanager
def inside(folder: Path):
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def check(folder: Path, *, strict: bool = False, period: str | None = None) -> Project:
    """Load and validate as `bsc validate` does, run from inside the folder."""
    with inside(folder):
        return open_project(".", strict=strict, period=period)


def problems(project: Project) -> list[Problem]:
    return project.problems.sorted()


def codes(project: Project) -> list[str]:
    return [p.code for p in project.problems.sorted()]


def only(project: Project, code: str) -> Problem:
    """The one problem with this code; fails, listing everything found, if there is not exactly one."""
    found = [p for p in project.problems.sorted() if p.code == code]
    listing = "\n".join(p.format() for p in project.problems.sorted())
    assert len(found) == 1, f"expected one '{code}' problem, got {len(found)}:\n{listing}"
    return found[0]


def report(project: Project) -> str:
    return "\n".join(p.format() for p in project.problems.sorted())
