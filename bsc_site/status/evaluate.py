"""Evaluate a validated scorecard model for one review period.

Missing-data policy, applied everywhere: a KPI with no reported value for the period is
"no data"; it gets no score and is left out of every roll-up, where it is counted ("2 of 3
KPIs reported"). It is never treated as zero. A KPI reported more often than the review
period combines the periods that were reported (by its aggregation) and compares them to
the same periods' targets. A KPI reported less often than the review period shows its
latest completed period, labelled as such.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from functools import cached_property

from ..model import Kpi, Objective, Perspective, Scorecards, StatusOverride, Subject, Unit
from ..periods import FiscalCalendar, Period
from .scoring import (
    BAND_SCORES, SCORE_DECIMALS, Direction, Status, Target, Thresholds, Trend, aggregate, band, default_red_flag, explain, score,
    trend, variance, variance_ratio,
)


@dataclass(frozen=True)
class KpiValue:
    """A KPI in one period: what was reported, what was expected, and the verdict."""

    period: Period
    direction: Direction
    actual: float | None
    target: Target | None
    red_flag: Target | None
    red_flag_defaulted: bool
    score: float | None
    status: Status
    basis: str  # how the actual was obtained, e.g. "sum of 2 of 3 months reported"
    reported: tuple[Period, ...] = ()
    note: str = ""
    override: StatusOverride | None = None
    computed: Status | None = None  # the status before a review overrode it
    tolerance: float = 0.1  # the default red-flag tolerance in force, for the explanation

    @property
    def rollup_score(self) -> float | None:
        """The score roll-ups use: an overridden status counts with its band's middle score."""
        return BAND_SCORES[self.status] if self.override else self.score

    @property
    def explanation(self) -> str:
        """How the status was reached, in words (built when asked: most values are never shown)."""
        status = self.computed or self.status
        if self.actual is None:
            text = f"No value was reported for {self.period.label} ({self.basis}); the KPI is left out of roll-ups."
        elif self.target is None:
            text = (f"Actual {self.actual:g} but no target is set for {self.period.label}, so there is nothing to "
                    "judge it by; the KPI is left out of roll-ups.")
        else:
            text = explain(self.actual, self.target, self.red_flag, self.direction, self.score, status,
                           red_flag_defaulted=self.red_flag_defaulted, tolerance=self.tolerance)
        if self.override:
            text = (f"Overridden to {self.status.label.lower()} by the {self.period.label} review: "
                    f"{self.override.reason} (computed: {status.label.lower()}). {text}")
        return text

    @property
    def variance(self) -> float | None:
        if self.actual is None or self.target is None:
            return None
        return variance(self.actual, self.target, self.direction)

    @property
    def variance_ratio(self) -> float | None:
        if self.actual is None or self.target is None:
            return None
        return variance_ratio(self.actual, self.target, self.direction)


@dataclass(frozen=True)
class KpiResult:
    kpi: Kpi
    current: KpiValue
    previous: KpiValue | None
    year_to_date: KpiValue | None
    history: tuple[KpiValue, ...]  # one per review period, oldest first, ending with current
    native_history: tuple[KpiValue, ...] = ()  # one per reporting period of the KPI, first report to now

    @property
    def trend(self) -> Trend | None:
        if self.previous is None:
            return None
        return trend(self.previous.actual, self.current.actual, self.kpi.direction, self.current.target)

    @property
    def movement(self) -> str:
        """Which way the value itself moved ("↑", "↓", "→"), apart from whether that is good."""
        t = self.trend
        if t is None or t is Trend.STEADY:
            return "→"
        return "↑" if self.current.actual > self.previous.actual else "↓"


@dataclass(frozen=True)
class Rollup:
    """A weighted average of children's scores, with how many children counted."""

    score: float | None
    status: Status
    counted: int
    total: int
    explanation: str
    override: StatusOverride | None = None
    computed: Status | None = None  # the status before a review overrode it

    @property
    def rollup_score(self) -> float | None:
        return BAND_SCORES[self.status] if self.override else self.score


@dataclass(frozen=True)
class ObjectiveResult:
    objective: Objective
    rollup: Rollup
    kpis: tuple[KpiResult, ...]
    history: tuple[Rollup, ...] = ()  # one per review period, oldest first, ending with rollup


@dataclass(frozen=True)
class PerspectiveResult:
    perspective: Perspective
    rollup: Rollup
    objectives: tuple[ObjectiveResult, ...]


@dataclass(frozen=True)
class UnitResult:
    unit: Unit
    rollup: Rollup
    perspectives: tuple[PerspectiveResult, ...]

    @cached_property
    def objectives(self) -> dict[str, ObjectiveResult]:
        return {o.objective.id: o for p in self.perspectives for o in p.objectives}


@dataclass(frozen=True)
class Evaluation:
    """The whole organisation evaluated for one review period."""

    scorecards: Scorecards
    period: Period | None
    review_periods: tuple[Period, ...]  # oldest first, ending with `period`
    units: dict[str, UnitResult]

    def unit(self, unit_id: str) -> UnitResult:
        return self.units[unit_id]


def _combine(values: list[Target], aggregation) -> Target:
    if isinstance(values[0], tuple):
        return (aggregate([v[0] for v in values], aggregation), aggregate([v[1] for v in values], aggregation))
    return aggregate(values, aggregation)


class Evaluator:
    """Computes KPI values and roll-ups; one instance per scorecard model."""

    def __init__(self, sc: Scorecards):
        self.sc = sc
        self.calendar: FiscalCalendar = sc.calendar
        settings = sc.organization.status
        self.tolerance = settings.tolerance
        self.thresholds = Thresholds(settings.on_track, settings.at_risk)
        self.overrides: dict[tuple[Period, Subject], StatusOverride] = {
            (o.period, o.subject): o for r in sc.reviews for o in r.overrides
        }

    def _overridden(self, value, subject: Subject, period: Period):
        """The value with the review's override applied, the computed status kept beside it."""
        override = self.overrides.get((period, subject))
        if override is None:
            return value
        status = Status(override.status)
        if isinstance(value, KpiValue):  # its explanation is built from these fields when shown
            return dataclasses.replace(value, status=status, override=override, computed=value.status)
        explanation = (f"Overridden to {status.label.lower()} by the {period.label} review: {override.reason} "
                       f"(computed: {value.status.label.lower()}). {value.explanation}")
        return dataclasses.replace(value, status=status, override=override, computed=value.status,
                                   explanation=explanation)

    # -- one KPI ---------------------------------------------------------------------

    def kpi_value(self, kpi: Kpi, period: Period) -> KpiValue:
        """The KPI's value, target and status for a review period, as the review decided."""
        return self._overridden(self._kpi_value(kpi, period), Subject(kpi.unit_id, kpi_id=kpi.id), period)

    def _kpi_value(self, kpi: Kpi, period: Period) -> KpiValue:
        actuals = self.sc.actuals_by_kpi.get(kpi.key, {})
        if kpi.frequency.rank > period.frequency.rank:
            native = self.calendar.latest_ended(period, kpi.frequency)
            value = self._native(kpi, native, actuals)
            basis = f"{kpi.frequency.value} value for {native.label}, the latest completed {kpi.frequency.value} period"
            return dataclasses.replace(value, period=period, basis=basis)
        periods = self.calendar.subperiods(period, kpi.frequency)
        if len(periods) == 1:
            return self._native(kpi, periods[0], actuals)
        return self._combined(kpi, period, periods, actuals, "")

    def year_to_date(self, kpi: Kpi, period: Period) -> KpiValue | None:
        if kpi.frequency.rank > period.frequency.rank:
            return None
        periods = self.calendar.year_to_date(period, kpi.frequency)
        return self._combined(kpi, period, periods, self.sc.actuals_by_kpi.get(kpi.key, {}), "year to date: ")

    def _native(self, kpi: Kpi, period: Period, actuals) -> KpiValue:
        actual = actuals.get(period)
        value = actual.value if actual else None
        target = kpi.target.at(period, self.calendar)
        red_flag = kpi.red_flag.at(period, self.calendar)
        basis = "reported" if value is not None else "not reported"
        return self._judge(kpi, period, value, target, red_flag, basis, (period,) if value is not None else (),
                           actual.note if actual else "")

    def _combined(self, kpi: Kpi, period: Period, periods: list[Period], actuals, prefix: str) -> KpiValue:
        reported = [p for p in periods if actuals.get(p) is not None and actuals[p].value is not None]
        unit_word = {"monthly": "months", "quarterly": "quarters", "annual": "years"}[kpi.frequency.value]
        if not reported:
            return self._judge(kpi, period, None, kpi.target.at(period, self.calendar), None,
                               f"{prefix}none of {len(periods)} {unit_word} reported", (), "")
        values = [actuals[p].value for p in reported]
        targets = [kpi.target.at(p, self.calendar) for p in reported]
        red_flags = [kpi.red_flag.at(p, self.calendar) for p in reported]
        agg = kpi.aggregation
        target = _combine(targets, agg) if all(t is not None for t in targets) else None
        red_flag = _combine(red_flags, agg) if target is not None and all(r is not None for r in red_flags) else None
        missing = [p.label for p in periods if p not in reported]
        basis = f"{prefix}{agg.value} of {len(reported)} of {len(periods)} {unit_word}"
        basis += f" ({', '.join(missing)} not reported)" if missing else ""
        notes = "; ".join(f"{p.label}: {actuals[p].note}" for p in reported if actuals[p].note)
        return self._judge(kpi, period, aggregate(values, agg), target, red_flag, basis, tuple(reported), notes)

    def _judge(self, kpi: Kpi, period: Period, actual, target, red_flag, basis, reported, note) -> KpiValue:
        defaulted = False
        if target is not None and red_flag is None:
            red_flag = default_red_flag(target, kpi.direction, self.tolerance)
            defaulted = True
        if actual is None:
            status, value_score = Status.NO_DATA, None
        elif target is None:
            status, value_score = Status.NO_TARGET, None
        else:
            value_score = score(actual, target, red_flag, kpi.direction)
            status = band(value_score, self.thresholds)
        return KpiValue(period, kpi.direction, actual, target, red_flag if target is not None else None, defaulted,
                        value_score, status, basis, reported, note, tolerance=self.tolerance)

    def kpi_result(self, kpi: Kpi, periods: tuple[Period, ...]) -> KpiResult:
        history = tuple(self.kpi_value(kpi, p) for p in periods)
        current = history[-1]
        previous = history[-2] if len(history) > 1 else None
        return KpiResult(kpi, current, previous, self.year_to_date(kpi, periods[-1]), history,
                         self.native_history(kpi, periods[-1]))

    def native_history(self, kpi: Kpi, until: Period) -> tuple[KpiValue, ...]:
        """Every reporting period of the KPI from its first report up to `until`."""
        actuals = self.sc.actuals_by_kpi.get(kpi.key, {})
        reported = [p for p, a in actuals.items() if a.value is not None and p.end <= until.end]
        if not reported:
            return ()
        last = self.calendar.latest_ended(until, kpi.frequency)
        return tuple(self._native(kpi, p, actuals) for p in self.calendar.range(min(reported), last))

    # -- roll-ups ----------------------------------------------------------------------

    def rollup(self, parts: list[tuple[float | None, float]], what: str, overridden: int = 0,
               below: int = 0) -> Rollup:
        """Weighted average over the parts that have a score; the rest are counted, not zeroed."""
        scored = [(s, w) for s, w in parts if s is not None and w > 0]
        total = len(parts)
        weight = sum(w for _, w in scored)
        if not scored or weight == 0:
            status = Status.NO_DATA
            text = f"None of {total} {what} has a score yet, so there is no status." if total else f"No {what}."
            return Rollup(None, status, 0, total, text)
        value = sum(s * w for s, w in scored) / weight
        status = band(value, self.thresholds)
        left_out = total - len(scored)
        weights = {w for _, w in scored}
        how = "average" if len(weights) == 1 else "weighted average"
        text = f"The {how} of {len(scored)} of {total} {what} scores is {round(value, SCORE_DECIMALS):.2f} of 10, " \
               f"so {status.label.lower()}."
        if left_out:
            text += f" {left_out} without a score (no data, no target or weight 0) {'is' if left_out == 1 else 'are'} " \
                    "left out, not counted as zero."
        if overridden:
            text += (f" {overridden} of them {'has its' if overridden == 1 else 'have their'} status set by the "
                     f"review and count{'s' if overridden == 1 else ''} with the middle score of that status.")
        if below:
            text += (f" {below} of them {'includes' if below == 1 else 'include'} a status set by the review.")
        return Rollup(value, status, len(scored), total, text)

    def objective(self, objective: Objective, periods: tuple[Period, ...]) -> ObjectiveResult:
        kpis = tuple(self.kpi_result(k, periods) for k in objective.kpis)
        subject = Subject(objective.unit_id, objective_id=objective.id)
        history = []
        for i, period in enumerate(periods):
            values = [k.history[i] for k in kpis]
            rollup = self.rollup([(v.rollup_score, k.kpi.weight) for v, k in zip(values, kpis)], "KPIs",
                                 overridden=sum(1 for v in values if v.override))
            history.append(self._overridden(rollup, subject, period))
        return ObjectiveResult(objective, history[-1], kpis, tuple(history))

    def unit(self, unit: Unit, periods: tuple[Period, ...]) -> UnitResult:
        perspectives = []
        for p in self.sc.perspectives(unit):
            objectives = tuple(self.objective(o, periods) for o in unit.objectives if o.perspective == p.id)
            rollup = self.rollup([(o.rollup.rollup_score, o.objective.weight) for o in objectives], "objectives",
                                 overridden=sum(1 for o in objectives if o.rollup.override),
                                 below=sum(1 for o in objectives if not o.rollup.override and _has_override(o)))
            perspectives.append(PerspectiveResult(p, rollup, objectives))
        rollup = self.rollup([(p.rollup.score, p.perspective.weight) for p in perspectives if p.objectives],
                             "perspectives", below=sum(1 for p in perspectives if any(_has_override(o) or
                                                                                       o.rollup.override
                                                                                       for o in p.objectives)))
        return UnitResult(unit, rollup, tuple(perspectives))


def _has_override(o: ObjectiveResult) -> bool:
    """Whether a review set the status of one of the objective's KPIs."""
    return any(k.current.override for k in o.kpis)


def review_periods(sc: Scorecards, period: Period, count: int = 8) -> tuple[Period, ...]:
    """The review periods shown in histories: up to `count`, ending with `period`."""
    periods = [period]
    first = sc.periods_with_data[0] if sc.periods_with_data else period
    while len(periods) < count and periods[0].start > first.start:
        periods.insert(0, sc.calendar.previous(periods[0]))
    return tuple(periods)


def evaluate(sc: Scorecards, period: Period | None = None, history: int = 8) -> Evaluation:
    """Evaluate every unit for `period` (default: the latest review period with data)."""
    period = period or sc.latest_review_period()
    if period is None:  # no actuals at all yet: the review period of today
        period = sc.calendar.period_at(datetime.date.today(), sc.organization.review_cadence)
    periods = review_periods(sc, period, history)
    evaluator = Evaluator(sc)
    units = {u.id: evaluator.unit(u, periods) for u in sc.units}
    return Evaluation(sc, period, periods, units)
