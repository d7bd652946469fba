"""The evaluated model as JSON and CSV: stable key order, stable bytes."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

from .model import Initiative, Kpi
from .status.evaluate import Evaluation, KpiResult, KpiValue, ObjectiveResult, Rollup, UnitResult

FORMAT = "bsc-site/evaluation/1"


def _num(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _target(value) -> Any:
    if isinstance(value, tuple):
        return [value[0], value[1]]
    return value


def _override(x) -> dict[str, Any]:
    """Whether a review set the status, what was computed, and why."""
    return {"computed_status": x.computed.value if x.computed else x.status.value,
            "override_reason": x.override.reason if x.override else None}


def _rollup(r: Rollup) -> dict[str, Any]:
    return {"score": _num(r.score), "status": r.status.value, **_override(r), "counted": r.counted,
            "total": r.total, "explanation": r.explanation}


def _value(v: KpiValue) -> dict[str, Any]:
    return {
        "period": v.period.label, "actual": v.actual, "target": _target(v.target),
        "red_flag": _target(v.red_flag), "red_flag_defaulted": v.red_flag_defaulted,
        "variance": _num(v.variance), "score": _num(v.score), "status": v.status.value, **_override(v),
        "basis": v.basis,
        "explanation": v.explanation, "note": v.note,
    }


def kpi_json(k: KpiResult) -> dict[str, Any]:
    kpi: Kpi = k.kpi
    trend = k.trend
    return {
        "id": kpi.id, "name": kpi.name, "definition": kpi.definition, "description": kpi.description,
        "unit": kpi.unit, "decimals": kpi.decimals, "direction": kpi.direction.value,
        "frequency": kpi.frequency.value, "aggregation": kpi.aggregation.value, "indicator": kpi.indicator,
        "baseline": kpi.baseline, "weight": kpi.weight, "owner": kpi.owner, "data_source": kpi.data_source,
        **_value(k.current),
        "trend": trend.value if trend else None,
        "year_to_date": _value(k.year_to_date) if k.year_to_date else None,
        "history": [{"period": v.period.label, "actual": v.actual, "target": _target(v.target),
                     "score": _num(v.score), "status": v.status.value} for v in k.history],
    }


def objective_json(o: ObjectiveResult) -> dict[str, Any]:
    obj = o.objective
    return {
        "id": obj.id, "name": obj.name, "perspective": obj.perspective, "theme": obj.theme, "owner": obj.owner,
        "description": obj.description, "weight": obj.weight,
        "drives": [l.target for l in obj.drives], "supports": [l.target for l in obj.supports],
        **_rollup(o.rollup),
        "kpis": [kpi_json(k) for k in o.kpis],
    }


def _date(d: datetime.date | None) -> str | None:
    return d.isoformat() if d else None


def initiative_json(i: Initiative) -> dict[str, Any]:
    return {"id": i.id, "name": i.name, "owner": i.owner, "description": i.description,
            "objectives": [l.target for l in i.objectives], "start": _date(i.start), "end": _date(i.end),
            "budget": i.budget, "currency": i.currency, "status": i.status, "progress": i.progress}


def unit_json(ev: Evaluation, u: UnitResult) -> dict[str, Any]:
    unit = u.unit
    return {
        "id": unit.id, "name": unit.name, "parent": unit.parent, "owner": unit.owner,
        "description": unit.description, "strategy": unit.strategy,
        "ancestors": [a.id for a in ev.scorecards.ancestors(unit.id)],
        "children": [c.id for c in ev.scorecards.children.get(unit.id, ())],
        **_rollup(u.rollup),
        "perspectives": [{"id": p.perspective.id, "name": p.perspective.name, **_rollup(p.rollup)}
                         for p in u.perspectives],
        "omitted_perspectives": [{"perspective": o.perspective, "reason": o.reason}
                                 for o in unit.omitted_perspectives],
        "objectives": [objective_json(o) for p in u.perspectives for o in p.objectives],
        "initiatives": [initiative_json(i) for i in unit.initiatives],
    }


def evaluation_json(ev: Evaluation) -> dict[str, Any]:
    return {**evaluation_header(ev), "units": [unit_json(ev, ev.units[u.id]) for u in ev.scorecards.units]}


def evaluation_header(ev: Evaluation) -> dict[str, Any]:
    """`evaluation_json` without its last key, "units"."""
    org = ev.scorecards.organization
    return {
        "format": FORMAT,
        "organization": {"name": org.name, "vision": org.vision, "mission": org.mission, "strategy": org.strategy,
                         "fiscal_year_start": org.fiscal_year_start, "review_cadence": org.review_cadence.value},
        "period": ev.period.label,
        "review_periods": [p.label for p in ev.review_periods],
        "perspectives": [{"id": p.id, "name": p.name, "question": p.question, "weight": p.weight}
                         for p in org.perspectives],
        "themes": [{"id": t.id, "name": t.name, "description": t.description} for t in org.themes],
    }


def dumps(data: Any, compact: bool = False) -> str:
    """JSON text with keys in the order built above and a final newline.

    `compact` output goes through the json module's C encoder (indentation forces its
    pure-Python one, which costs half a minute for a 1,000-unit site's data files).
    """
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def units_frame(header: dict[str, Any]) -> tuple[bytes, bytes]:
    """The bytes of `dumps({**header, "units": [...]}, compact=True)` before the units and
    after them: between them go the units, each `dumps(unit, compact=True)` without its
    newline, in UTF-8, joined by commas (so a unit encoded once serves the organisation file
    and the unit's own)."""
    head = dumps(header, compact=True)[:-2].encode("utf-8")  # without the closing brace and newline
    return head + (b',"units":[' if header else b'"units":['), b"]}\n"


CSV_COLUMNS = ("unit", "objective", "kpi", "name", "period", "actual", "target", "red_flag", "variance", "score",
               "status", "trend", "unit_of_measure", "direction", "basis")


def _csv_target(value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return f"{value[0]:g}..{value[1]:g}"
    return f"{value:g}"


def kpi_rows(ev: Evaluation, unit_ids: list[str] | None = None) -> list[list[str]]:
    """One row per KPI of the given units (default: all), in hierarchy order."""
    units = [ev.scorecards.unit(u) for u in unit_ids] if unit_ids is not None else list(ev.scorecards.units)
    rows = []
    for unit in units:
        if unit is None:
            continue
        u = ev.units[unit.id]
        for p in u.perspectives:
            for o in p.objectives:
                for k in o.kpis:
                    v = k.current
                    rows.append([
                        unit.id, o.objective.id, k.kpi.id, k.kpi.name, v.period.label,
                        "" if v.actual is None else f"{v.actual:g}", _csv_target(v.target), _csv_target(v.red_flag),
                        "" if v.variance is None else f"{v.variance:g}",
                        "" if v.score is None else f"{v.score:.2f}", v.status.value,
                        k.trend.value if k.trend else "", k.kpi.unit, k.kpi.direction.value, v.basis,
                    ])
    return rows


def _cell(text: str) -> str:
    """Defuse spreadsheet formulas: a text cell starting with = + - @ is shown, not run."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def to_csv(ev: Evaluation, unit_ids: list[str] | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_cell(c) for c in row] for row in kpi_rows(ev, unit_ids))
    return buffer.getvalue()
