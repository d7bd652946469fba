"""Design checks: the known pitfalls of scorecard design, reported as warnings.

Each check has an id that `checks.silence` in organization.yml can switch off, with a
reason. Under strict mode they are errors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Iterator

from ..model import Scorecards, Unit
from ..periods import FiscalCalendar, Frequency, Period, chronological
from ..problems import Location, Problems, UnitFindings


@dataclass(frozen=True)
class Finding:
    location: Location
    message: str
    hint: str = ""
    field: str = ""


@dataclass(frozen=True)
class DesignCheck:
    id: str
    summary: str
    run: Callable[[Scorecards, Unit, Period | None], Iterator[Finding]]


def _too_many_objectives(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    limit = sc.organization.checks.max_objectives
    if len(unit.objectives) > limit:
        yield Finding(unit.location, f"unit '{unit.id}' has {len(unit.objectives)} objectives, more than {limit}",
                      "a scorecard that tries to measure everything focuses on nothing; merge or drop some",
                      "objectives")


def _too_many_kpis(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    limit = sc.organization.checks.max_kpis_per_objective
    for o in unit.objectives:
        if len(o.kpis) > limit:
            yield Finding(o.location, f"objective '{o.id}' has {len(o.kpis)} KPIs, more than {limit}",
                          "keep the few measures that tell whether the objective progresses", "kpis")


def _empty_perspective(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    used = {o.perspective for o in unit.objectives}
    for p in sc.perspectives(unit):
        if p.id not in used:
            yield Finding(unit.location, f"unit '{unit.id}' has no objective in perspective '{p.name}'",
                          "add one, or list it under omitted_perspectives with a reason", "objectives")


def _objective_without_kpi(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    for o in unit.objectives:
        if not o.kpis:
            yield Finding(o.location, f"objective '{o.id}' has no KPI, so its progress cannot be measured",
                          "add at least one KPI", "kpis")


def _kpi_without_target(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    for k in unit.kpis:
        if k.target.is_empty:
            yield Finding(k.location, f"KPI '{k.id}' has no target, so its status cannot be computed",
                          "add 'target:'", "target")


def _kpi_without_owner(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    for k in unit.kpis:
        if not k.owner:
            yield Finding(k.location, f"KPI '{k.id}' has no owner", "name who answers for it", "owner")


def _only_lagging(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    kpis = unit.kpis
    if kpis and all(k.indicator == "lagging" for k in kpis):
        yield Finding(unit.location, f"all {len(kpis)} KPIs of unit '{unit.id}' are lagging indicators",
                      "add leading indicators that show the drivers before the outcomes", "indicator")


def _downward_link(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    order = {p.id: i for i, p in enumerate(sc.perspectives(unit))}
    for o in unit.objectives:
        for link in o.drives:
            target = unit.objective(link.target)
            if target and o.perspective in order and target.perspective in order \
                    and order[target.perspective] > order[o.perspective]:
                yield Finding(link.location, f"'{o.id}' ({o.perspective}) drives '{target.id}' "
                              f"({target.perspective}), a perspective below it",
                              "cause and effect run upward: enablers drive processes, processes drive "
                              "customers, customers drive financial results", "drives")


def _drives_cycle(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    graph = {o.id: [l.target for l in o.drives if unit.objective(l.target)] for o in unit.objectives}
    state: dict[str, int] = {}
    reported: set[frozenset] = set()

    def visit(node: str, path: list[str]) -> Iterator[list[str]]:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                yield path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                yield from visit(nxt, path)
        path.pop()
        state[node] = 2

    for start in graph:
        if start not in state:
            for cycle in visit(start, []):
                key = frozenset(cycle)
                if key not in reported and cycle[0] != cycle[1]:
                    reported.add(key)
                    yield Finding(unit.objective(cycle[0]).location,
                                  "cause-and-effect links form a cycle: " + " -> ".join(cycle),
                                  "a strategy map reads bottom to top; remove one link", "drives")


def _unlinked_objective(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    driven = {l.target for o in unit.objectives for l in o.drives}
    supported = {l.target for child in sc.children.get(unit.id, ()) for o in child.objectives for l in o.supports}
    for o in unit.objectives:
        if not (o.drives or o.supports or o.id in driven or o.id in supported):
            yield Finding(o.location, f"objective '{o.id}' has no link on the strategy map",
                          "say what it drives ('drives:') or what it supports in the parent unit ('supports:')",
                          "drives")


def _stale_actuals(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    cadence = sc.organization.review_cadence
    allowed = sc.organization.checks.stale_after
    by_kpi = sc.actuals_by_kpi
    for k in unit.kpis:
        by_period = by_kpi.get(k.key, {})
        latest = max(by_period, key=chronological, default=None)
        if latest is not None and by_period[latest].value is None:  # the latest row has no value
            latest = max((p for p, a in by_period.items() if a.value is not None), key=chronological, default=None)
        if latest is None:
            yield Finding(k.location, f"KPI '{k.id}' has no actuals at all", "add its values under actuals/")
            continue
        if period is None:
            continue
        if k.frequency.rank > cadence.rank:
            continue  # an annual KPI in a quarterly review: its value comes once a year
        if _stale(sc.calendar, latest, cadence, period, allowed):
            yield Finding(k.location, f"KPI '{k.id}' was last reported for {latest.label}, "
                          f"more than {allowed} review period(s) before {period.label}",
                          "add the missing values, or say why in the review")


@functools.lru_cache(maxsize=4096)  # KPIs last reported in the same period share the answer
def _stale(calendar: FiscalCalendar, latest: Period, cadence: Frequency, period: Period, allowed: int) -> bool:
    """Whether more than `allowed` review periods lie between the one holding `latest` and `period`."""
    review = calendar.containing(latest, cadence)
    behind, p = 0, period
    while review < p and behind <= allowed:
        p = calendar.previous(p)
        behind += 1
    return behind > allowed


def _financial_share(sc: Scorecards, unit: Unit, period: Period | None) -> Iterator[Finding]:
    perspectives = sc.perspectives(unit)
    if not unit.objectives or not perspectives or perspectives[0].id != sc.organization.perspectives[0].id:
        return
    top = perspectives[0]
    share = sum(o.perspective == top.id for o in unit.objectives) / len(unit.objectives)
    limit = sc.organization.checks.max_financial_share
    if share > limit:
        yield Finding(unit.location, f"{share:.0%} of unit '{unit.id}' objectives are in '{top.name}' "
                      f"(more than {limit:.0%})",
                      "a balanced scorecard weighs the drivers of results, not only the results", "objectives")


CHECKS: tuple[DesignCheck, ...] = (
    DesignCheck("too-many-objectives", "A unit has more objectives than checks.max_objectives (15).", _too_many_objectives),
    DesignCheck("too-many-kpis", "An objective has more KPIs than checks.max_kpis_per_objective (4).", _too_many_kpis),
    DesignCheck("empty-perspective", "A perspective of the unit has no objective.", _empty_perspective),
    DesignCheck("objective-without-kpi", "An objective has no KPI.", _objective_without_kpi),
    DesignCheck("kpi-without-target", "A KPI has no target.", _kpi_without_target),
    DesignCheck("kpi-without-owner", "A KPI has no owner.", _kpi_without_owner),
    DesignCheck("only-lagging", "Every KPI of the unit is a lagging indicator.", _only_lagging),
    DesignCheck("downward-link", "A cause-and-effect link runs down the perspective order.", _downward_link),
    DesignCheck("drives-cycle", "Cause-and-effect links form a cycle.", _drives_cycle),
    DesignCheck("unlinked-objective", "An objective has no link on the strategy map.", _unlinked_objective),
    DesignCheck("stale-actuals", "A KPI has no value, or none recent enough, for the review period.", _stale_actuals),
    DesignCheck("financial-dominated", "Too large a share of objectives sits in the first (financial) perspective.",
                _financial_share),
)
CHECK_IDS = tuple(c.id for c in CHECKS)


def check_design(sc: Scorecards, period: Period | None, problems: Problems, strict: bool = False,
                 findings: UnitFindings | None = None) -> None:
    """Run every design check on every unit; silenced checks are skipped. `findings`: each
    unit's are kept there too (beside what `check_references` found)."""
    for unit in sc.units:
        own = problems if findings is None else Problems()
        unit_design(sc, unit, period, own, strict)
        if findings is not None:
            findings.add(unit, 1, own, problems)


def unit_design(sc: Scorecards, unit: Unit, period: Period | None, problems: Problems, strict: bool = False) -> None:
    """The design checks of one unit (what they read of others: its parent's and children's
    objectives, its KPIs' actuals)."""
    settings = sc.organization.checks
    add = problems.error if strict else problems.warning
    for check in CHECKS:
        if settings.silenced(check.id, unit.id):
            continue
        for f in check.run(sc, unit, period):
            add(f.location, check.id, f.message, field=f.field, hint=f.hint)
