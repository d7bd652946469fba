"""`bsc init`: a new scorecard project, small and valid, to be edited into your own.

The project is a small company (Harbour Coffee Roasters) with one unit and four
objectives, one per classic perspective, linked bottom-up by `drives`; two quarters of
actuals; a review of the latest quarter; an MkDocs site with the `bsc` plugin; and the
JSON Schemas the YAML files point their editors at. The files are rendered from the
templates in `bsc_site/templates/scaffold/` and the schemas from `bsc_site.schema`.

The output depends on the review period only: the same `--period` always writes the
same bytes. Without `--period` the review period is the last calendar quarter that
ended before today; today's date chooses the period labels and nothing else.

Nothing is ever overwritten: `conflicts` lists the targets that exist, and `write`
creates each file exclusively, removing what it wrote if a write fails part-way.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
from importlib import resources
from pathlib import Path

import jinja2

from . import schema
from .periods import FiscalCalendar, Frequency, Period, PeriodError

UNIT = "harbour-coffee"  # the root unit's id

# template in templates/scaffold/ -> path in the new project ({unit}, {period} filled in)
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("organization.yml.j2", "scorecards/organization.yml"),
    ("unit.yml.j2", "scorecards/units/{unit}.yml"),
    ("actuals.csv.j2", "scorecards/actuals/actuals.csv"),
    ("review.yml.j2", "scorecards/reviews/{period}.yml"),
    ("mkdocs.yml.j2", "mkdocs.yml"),
    ("how-to-read.md.j2", "docs/how-to-read.md"),
    ("gitignore.j2", ".gitignore"),
)

# the scaffold's fiscal year is the calendar year (organization.yml: fiscal_year_start: 1)
_CALENDAR = FiscalCalendar(1)


def default_period(today: datetime.date) -> str:
    """The last quarter that ended before `today`, e.g. 2026-Q3 for any day of 2026-Q4."""
    return _CALENDAR.previous(_CALENDAR.period_at(today, Frequency.QUARTERLY)).label


def review_period(label: str) -> Period:
    """The review period from a label such as 2026-Q3; ValueError unless it is a quarter with one before it."""
    try:
        period = _CALENDAR.parse(label)
    except PeriodError as exc:
        raise ValueError(str(exc)) from None
    if period.frequency is not Frequency.QUARTERLY:
        raise ValueError(f"the review period must be a quarter such as 2026-Q3, not '{period.label}'")
    try:
        _CALENDAR.previous(period)
    except PeriodError:
        raise ValueError(f"'{period.label}' has no quarter before it for the sample actuals") from None
    return period


def _month_end(day: datetime.date, months_later: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months_later
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, _calendar.monthrange(year, month + 1)[1])


def project_files(period: Period) -> dict[str, str]:
    """Every file of the new project, path (relative, '/'-separated) -> text."""
    review_date = period.end + datetime.timedelta(days=14)
    schemas = schema.all_schemas()
    values = {
        "unit": UNIT,
        "period": period.label,
        "previous": _CALENDAR.previous(period).label,
        "review_date": review_date.isoformat(),
        "due_first": _month_end(review_date, 1).isoformat(),
        "due_second": _month_end(review_date, 2).isoformat(),
        "review_schema": "review" in schemas,
    }
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # YAML, CSV and Markdown, not HTML
    )
    files = {target.format(unit=UNIT, period=period.label): env.get_template(name).render(values)
             for name, target in TEMPLATES}
    for name, document in schemas.items():
        files[f"schemas/{name}.schema.json"] = schema.dumps(document)
    return files


def _template_source(name: str) -> str:
    return resources.files("bsc_site").joinpath("templates", "scaffold", name).read_text("utf-8")


def conflicts(root: Path, files: dict[str, str]) -> list[str]:
    """The targets (or folders on the way to them) that already exist as something in the way, sorted."""
    found: set[str] = set()
    if root.exists() and not root.is_dir():
        return [str(root)]
    for rel in files:
        path = root / rel
        if path.exists() or path.is_symlink():
            found.add(rel)
            continue
        for parent in path.relative_to(root).parents:
            if str(parent) != "." and (root / parent).exists() and not (root / parent).is_dir():
                found.add(parent.as_posix())
    return sorted(found)


def write(root: Path, files: dict[str, str]) -> None:
    """Create every file, none of which may exist; on an OSError remove what was created, then re-raise."""
    created_files: list[Path] = []
    created_dirs: list[Path] = []
    try:
        for rel, text in files.items():
            path = root / rel
            missing = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                created_dirs.append(folder)
            with path.open("x", encoding="utf-8", newline="\n") as out:
                created_files.append(path)
                out.write(text)
    except OSError:
        for path in reversed(created_files):
            path.unlink(missing_ok=True)
        for folder in reversed(created_dirs):
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
