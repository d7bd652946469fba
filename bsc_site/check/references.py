"""Errors: identities that clash and references that do not resolve."""

from __future__ import annotations

import collections
import operator

from ..model import Actual, Kpi, Scorecards, Unit
from ..problems import Location, Problems, UnitFindings, did_you_mean


def check_references(sc: Scorecards, problems: Problems, findings: UnitFindings | None = None) -> None:
    """`findings`: each unit's own problems (`unit_references`) are kept there too."""
    unit_tree(sc.units, problems)
    organization_references(sc.organization, problems)
    org_perspectives = {p.id for p in sc.organization.perspectives}
    theme_ids = {t.id for t in sc.organization.themes}
    for unit in sc.units:
        own = problems if findings is None else Problems()
        unit_references(sc, unit, org_perspectives, theme_ids, own)
        if findings is not None:
            findings.add(unit, 0, own, problems)
    _actuals(sc, problems, findings)


def organization_references(org, problems: Problems) -> None:
    _duplicates([(p.id, p.location) for p in org.perspectives], "perspective", problems)
    _duplicates([(t.id, t.location) for t in org.themes], "theme", problems)
    _duplicates([(d.id, d.location) for d in org.kpi_library], "KPI definition", problems)


def _duplicates(items: list[tuple[str, Location]], what: str, problems: Problems, scope: str = "") -> None:
    first: dict[str, Location] = {}
    for ident, loc in items:
        if ident in first:
            problems.error(loc, "duplicate-id", f"{what} id '{ident}' is used twice{scope}",
                           field="id", hint=f"the first is at {first[ident]}")
        else:
            first[ident] = loc


def unit_tree(units, problems: Problems) -> None:
    """The hierarchy: unique ids, known parents, one root, no cycle (of units in hierarchy
    order: anything with `id`, `parent`, `location` and `parent_location`)."""
    _duplicates([(u.id, u.location) for u in units], "unit", problems)
    ids = {u.id for u in units}
    roots = [u for u in units if u.parent is None]
    for u in units:
        if u.parent is not None and u.parent not in ids:
            problems.error(u.parent_location or u.location, "unknown-parent", f"unit '{u.id}' names parent '{u.parent}', "
                           "which is no unit's id", field="parent", hint=did_you_mean(u.parent, ids))
        if u.parent == u.id:
            problems.error(u.parent_location or u.location, "unit-cycle", f"unit '{u.id}' is its own parent",
                           field="parent")
    if len(roots) > 1:
        names = ", ".join(f"'{u.id}' ({u.location})" for u in roots)
        for u in roots[1:]:
            problems.error(u.location, "many-roots", f"more than one unit has no parent: {names}",
                           field="parent", hint="exactly one unit, the enterprise, has no parent")
    if units and not roots:
        problems.error(units[0].location, "no-root", "every unit has a parent, so there is no enterprise unit",
                       field="parent", hint="remove 'parent:' from the top unit")
    by_id = {u.id: u for u in units}
    reported: set[str] = set()
    for u in units:
        chain = [u.id]
        current = u
        while current.parent in by_id and current.parent != current.id:
            if current.parent in chain:
                cycle = chain[chain.index(current.parent):]
                if not reported & set(cycle):
                    problems.error(u.parent_location or u.location, "unit-cycle",
                                   "units form a cycle of parents: " + " -> ".join(cycle + [current.parent]),
                                   field="parent")
                    reported.update(cycle)
                break
            chain.append(current.parent)
            current = by_id[current.parent]


def unit_references(sc: Scorecards, unit: Unit, org_perspectives: set[str], theme_ids: set[str], problems: Problems) -> None:
    scope = f" in unit '{unit.id}'"
    for extra in unit.extra_perspectives:
        p = extra.perspective
        if p.id in org_perspectives:
            problems.error(p.location, "duplicate-id", f"perspective '{p.id}' is already an organisation "
                           "perspective", field="extra_perspectives.id", hint="choose another id")
        if extra.after is not None and extra.after not in org_perspectives | {e.perspective.id for e in unit.extra_perspectives}:
            problems.error(p.location, "unknown-perspective", f"'after: {extra.after}' names no perspective",
                           field="extra_perspectives.after", hint=did_you_mean(extra.after, org_perspectives))
    for omitted in unit.omitted_perspectives:
        if omitted.perspective not in org_perspectives:
            problems.error(omitted.location, "unknown-perspective",
                           f"omitted perspective '{omitted.perspective}' is not an organisation perspective",
                           field="omitted_perspectives.perspective",
                           hint=did_you_mean(omitted.perspective, org_perspectives))
    usable = {p.id for p in sc.perspectives(unit)}
    omitted_ids = {o.perspective for o in unit.omitted_perspectives}
    _duplicates([(o.id, o.location) for o in unit.objectives], "objective", problems, scope)
    _duplicates([(k.id, k.location) for k in unit.kpis], "KPI", problems, scope)
    _duplicates([(i.id, i.location) for i in unit.initiatives], "initiative", problems, scope)
    objective_ids = {o.id for o in unit.objectives}
    parent = sc.unit(unit.parent) if unit.parent and unit.parent != unit.id else None
    parent_ids = {o.id for o in parent.objectives} if parent else set()
    for o in unit.objectives:
        if o.perspective in omitted_ids:
            problems.error(o.perspective_location or o.location, "omitted-perspective",
                           f"objective '{o.id}' is in perspective "
                           f"'{o.perspective}', which this unit omits", field="perspective")
        elif o.perspective and o.perspective not in usable:  # '': missing, reported by the loader
            problems.error(o.perspective_location or o.location, "unknown-perspective",
                           f"objective '{o.id}' names perspective "
                           f"'{o.perspective}', which is not defined", field="perspective",
                           hint=did_you_mean(o.perspective, usable) or f"perspectives are {', '.join(sorted(usable))}")
        if o.theme is not None and o.theme not in theme_ids:
            problems.error(o.theme_location or o.location, "unknown-theme",
                           f"objective '{o.id}' names theme '{o.theme}', "
                           "which organization.yml does not declare", field="theme",
                           hint=did_you_mean(o.theme, theme_ids))
        for link in o.drives:
            if link.target == o.id:
                problems.error(link.location, "self-link", f"objective '{o.id}' drives itself", field="drives")
            elif link.target not in objective_ids:
                problems.error(link.location, "unknown-objective", f"'drives' names '{link.target}', "
                               f"which is no objective of unit '{unit.id}'", field="drives",
                               hint=did_you_mean(link.target, objective_ids))
        for link in o.supports:
            if parent is None and unit.parent is not None:
                continue  # the unknown parent is reported once, above
            if parent is None:
                problems.error(link.location, "unknown-objective", f"unit '{unit.id}' has no parent, so "
                               f"objective '{o.id}' cannot support '{link.target}'", field="supports")
            elif link.target not in parent_ids:
                problems.error(link.location, "unknown-objective", f"'supports' names '{link.target}', "
                               f"which is no objective of the parent unit '{parent.id}'", field="supports",
                               hint=did_you_mean(link.target, parent_ids))
    for i in unit.initiatives:
        for link in i.objectives:
            if link.target not in objective_ids:
                problems.error(link.location, "unknown-objective", f"initiative '{i.id}' serves '{link.target}', "
                               f"which is no objective of unit '{unit.id}'", field="objectives",
                               hint=did_you_mean(link.target, objective_ids))


def _actuals(sc: Scorecards, problems: Problems, findings: UnitFindings | None = None) -> None:
    kpis = {u.id: {k.id: k for k in u.kpis} for u in sc.units}
    # Each KPI's actuals are checked together first: a KPI with known names, a row per
    # period and periods of its frequency has nothing to report (millions of rows for a
    # large organisation, so this costs set operations, not a Python step per row). The
    # rows of any other KPI are gone through one by one, in file order.
    by_kpi = sc.actuals_by_kpi
    # As many periods as rows: no row repeats another's KPI and period (else count them)
    repeated = sum(map(len, by_kpi.values())) != len(sc.actuals)
    rows = collections.Counter(map(operator.attrgetter("unit_id", "kpi_id"), sc.actuals)) if repeated else None
    suspect = {key for key, by_period in by_kpi.items()
               if suspect_actuals(kpis.get(key[0], {}).get(key[1]), by_period, rows[key] if repeated else None)}
    if findings is not None:
        findings.suspect_actuals = bool(suspect)
    if suspect:
        _actual_rows([a for a in sc.actuals if (a.unit_id, a.kpi_id) in suspect], kpis, problems)


def suspect_actuals(kpi: Kpi | None, by_period: dict, rows: int | None) -> bool:
    """Whether a KPI's actuals (`by_period`, from `rows` rows: None when as many as periods)
    must be gone through row by row: no such KPI, a period twice, or a period of another
    frequency than the KPI's."""
    return kpi is None or rows is not None and rows != len(by_period) \
        or {p.frequency for p in by_period} != {kpi.frequency}


def _actual_rows(actuals: list[Actual], kpis: dict[str, dict[str, Kpi]], problems: Problems) -> None:
    """Each suspect row's problem. A KPI whose frequency stands in for one written wrong (or
    for its missing library definition's: reported where it is) has its rows not held to it."""
    seen: dict[tuple[str, str, str], Location] = {}
    # One error per file and unknown name, however many rows repeat it: a unit file that
    # failed to load must not bury its own error under a row-by-row echo.
    unknown: dict[tuple[str, str, str], list[Location]] = {}
    for a in actuals:
        unit_kpis = kpis.get(a.unit_id)
        if unit_kpis is None:
            unknown.setdefault((a.location.file, a.unit_id, ""), []).append(a.location)
            continue
        kpi = unit_kpis.get(a.kpi_id)
        if kpi is None:
            unknown.setdefault((a.location.file, a.unit_id, a.kpi_id), []).append(a.location)
            continue
        if a.period.frequency is not kpi.frequency:
            if kpi.frequency_stands_in:
                continue
            problems.error(a.location, "period-frequency",
                           f"KPI '{a.kpi_id}' is reported {kpi.frequency.value}, but this row is for "
                           f"{a.period.frequency.value} period {a.period.label}", field="period",
                           hint={"monthly": "write months as 2026-09", "quarterly": "write quarters as 2026-Q3",
                                 "annual": "write fiscal years as 2026"}[kpi.frequency.value])
            continue
        key = (a.unit_id, a.kpi_id, a.period.label)
        if key in seen:
            problems.error(a.location, "duplicate-actual",
                           f"a second value for {a.unit_id}/{a.kpi_id} in {a.period.label}", field="period",
                           hint=f"the first is at {seen[key]}; keep one")
        else:
            seen[key] = a.location
    for (_, unit_id, kpi_id), where in unknown.items():
        more = f" ({len(where)} rows; the first is shown)" if len(where) > 1 else ""
        if not kpi_id:
            problems.error(where[0], "unknown-unit", f"no unit '{unit_id}'{more}", field="unit",
                           hint=did_you_mean(unit_id, kpis) or "is its unit file missing, or did it fail to load?")
        else:
            problems.error(where[0], "unknown-kpi", f"unit '{unit_id}' has no KPI '{kpi_id}'{more}", field="kpi",
                           hint=did_you_mean(kpi_id, kpis[unit_id]))
