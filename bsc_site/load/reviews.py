"""Read review files (reviews/<period>.yml): commentary, overrides and actions per period."""

from __future__ import annotations

import json
from pathlib import Path

from .. import model as m
from ..periods import FiscalCalendar, PeriodError
from ..problems import Location, Problems, with_article
from . import fields as f
from .reader import Fields
from .scorecard import read_record_file
from .text import display_path, read_text


def _subject(rec: Fields, problems: Problems, what: str) -> m.Subject | None:
    if "unit" not in rec.values:
        return None
    if rec.get("objective") and rec.get("kpi"):
        problems.error(rec.where("kpi"), "review-subject", f"{with_article(what)} names both an objective and a KPI",
                       field="kpi", hint="give one of them: objective or kpi")
        return None
    return m.Subject(rec["unit"], rec.get("objective"), rec.get("kpi"), _where(rec))


def _where(rec: Fields) -> tuple:
    return tuple((name, rec.where(name)) for name in ("unit", "objective", "kpi", "owner", "id") if name in rec.values)


def read_review(path: Path, calendar: FiscalCalendar, problems: Problems) -> m.Review | None:
    rec = read_record_file(path, f.REVIEW, problems)
    if rec is None or "period" not in rec.values:
        return None
    try:
        period = calendar.parse(rec["period"])
    except PeriodError as exc:
        problems.error(rec.where("period"), "bad-period", str(exc), field="period")
        return None
    commentary = tuple(
        m.Commentary(s, c.get("analysis", ""), c.get("recommendation", ""), c.location)
        for c in rec.get("commentary", ()) if (s := _subject(c, problems, "commentary")) is not None
    )
    overrides, actions, unbuilt = [], [], []
    for o in rec.get("overrides", ()):
        s = _subject(o, problems, "override")
        if s is None:
            continue
        if {"status", "reason"} <= o.values.keys():
            overrides.append(m.StatusOverride(s, o["status"], o["reason"], period, o.location))
        else:  # its wrong or missing status or reason is reported; what it names is checked too
            unbuilt.append((s, o.location, "override"))
    for a in rec.get("actions", ()):
        if {"id", "unit", "what", "owner"} <= a.values.keys():
            actions.append(m.Action(a["id"], a["unit"], a["what"], a["owner"], a.get("objective"), a.get("due"),
                                    a["status"], a.get("completed"), a.location, _where(a)))
        elif "unit" in a.values:
            unbuilt.append((m.Subject(a["unit"], a.get("objective"), where=_where(a)), a.location, "action"))
    return m.Review(period, rec.get("date"), rec.get("forum", ""), rec.get("summary", ""), commentary,
                    tuple(overrides), tuple(actions), rec.location, tuple(unbuilt))


def read_reviews(files: list[Path], calendar: FiscalCalendar, problems: Problems) -> tuple[m.Review, ...]:
    reviews = [r for r in (read_review(p, calendar, problems) for p in files) if r is not None]
    return tuple(sorted(reviews, key=lambda r: r.period))


def read_snapshots(files: list[Path], calendar: FiscalCalendar, problems: Problems) -> dict[str, dict]:
    """Snapshots written by `bsc snapshot` (reviews/<period>.snapshot.json), by period label."""
    out: dict[str, dict] = {}
    for path in files:
        text = read_text(path, problems)
        if text is None:
            continue
        name = display_path(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.error(Location(name, exc.lineno, exc.colno), "json-syntax", f"JSON syntax error: {exc.msg}",
                           hint="snapshots are written by 'bsc snapshot'; restore it from git")
            continue
        label = path.name[: -len(".snapshot.json")]
        try:
            period = calendar.parse(label)
        except PeriodError as exc:
            problems.error(Location(name), "snapshot", f"a snapshot is named after its period: {exc}",
                           hint="snapshots are written by 'bsc snapshot'")
            continue
        if period.label != label or not _snapshot_shape(data):
            problems.error(Location(name), "snapshot", f"not a readable snapshot of {label}",
                           hint="snapshots are written by 'bsc snapshot --period " + label + "'; restore it from git")
            continue
        if not isinstance(data, dict) or data.get("format") != "bsc-site/evaluation/1" or data.get("period") != label:
            problems.error(Location(name), "snapshot", f"not a snapshot of {label}",
                           hint="snapshots are written by 'bsc snapshot --period " + label + "'")
            continue
        out[label] = data
    return out


def _named(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("name"), str)


def _snapshot_shape(data: object) -> bool:
    """What `what changed` reads of a snapshot: units, objectives and KPIs, each with id and name."""
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        return False
    for unit in data["units"]:
        if not _named(unit) or not isinstance(unit.get("objectives"), list):
            return False
        for objective in unit["objectives"]:
            if not _named(objective) or not isinstance(objective.get("kpis"), list):
                return False
            if not all(_named(kpi) for kpi in objective["kpis"]):
                return False
    return True
