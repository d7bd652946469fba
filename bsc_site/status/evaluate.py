"""Evaluate a validated scorecard model for one review period.

Missing-data policy, applied everywhere: a KPI with no reported value for the period is
"no data"; it gets no score and is left out of every roll-up, where it is counted ("2 of 3
KPIs reported"). It is never treated as zero. A KPI reported more often than the review
period combines the periods that were reported (by its aggregation) and compares them to
the same periods' targets. A KPI reported less often than the review period shows its
latest completed period, labelled as such.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
from dataclasses import dataclass, field
from functools import cached_property

from ..collector import paused
from ..model import Kpi, Objective, Perspective, Scorecards, StatusOverride, Subject, Unit
from ..periods import FiscalCalendar, Frequency, Period
from .scoring import (
    BAND_SCORES, SCORE_DECIMALS, Direction, Status, Target, Thresholds, Trend, aggregate, band, band_checked,
    default_red_flag, explain, score, score_checked, trend, variance, variance_ratio,
)

# Review periods an evaluation holds, the last one's included: the histories unit pages
# show. The pages covering the whole organisation show two (see site.plan.ORGANISATION_HISTORY).
HISTORY = 8


# Not frozen, though never changed once made: a frozen dataclass sets each field through
# object.__setattr__, and the evaluation makes hundreds of thousands of these (a quarter of
# its time went into their fields). unsafe_hash keeps the frozen one's hash and equality.
@dataclass(slots=True, unsafe_hash=True)
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


_UNSET = object()


@dataclass(frozen=True, slots=True)
class KpiResult:
    """A KPI as of a review period: its value, the review periods' history and, made when
    first asked (only unit pages and exports of the current period show them), its year to
    date and every reporting period's value."""

    kpi: Kpi
    current: KpiValue
    previous: KpiValue | None
    history: tuple[KpiValue, ...]  # one per review period, oldest first, ending with current
    _values: "_KpiValues" = field(compare=False, repr=False)
    _period: Period = field(compare=False, repr=False)  # the review period
    _ytd: object = field(default=_UNSET, compare=False, repr=False)
    _native: object = field(default=_UNSET, compare=False, repr=False)

    @property
    def year_to_date(self) -> KpiValue | None:
        if self._ytd is _UNSET:
            object.__setattr__(self, "_ytd", self._values.year_to_date(self._period))
        return self._ytd

    @property
    def native_history(self) -> tuple[KpiValue, ...]:
        """One value per reporting period of the KPI, from its first report to the review period."""
        if self._native is _UNSET:
            object.__setattr__(self, "_native", self._values.native_history(self._period))
        return self._native

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


@dataclass(slots=True, unsafe_hash=True)  # not frozen, as KpiValue
class Rollup:
    """A weighted average of children's scores, with how many children counted."""

    score: float | None
    status: Status
    counted: int
    total: int
    what: str  # what the children are, e.g. "KPIs"
    weighted: bool = False  # whether the children counted have different weights
    overridden: int = 0  # children counted with the middle score of a status a review set
    below: int = 0  # children with a status a review set further down
    override: StatusOverride | None = None
    computed: Status | None = None  # the status before a review overrode it

    @property
    def rollup_score(self) -> float | None:
        return BAND_SCORES[self.status] if self.override else self.score

    @property
    def explanation(self) -> str:
        """How the score and status were reached, in words (built when asked: most are never shown)."""
        total, what = self.total, self.what
        if self.score is None:
            text = f"None of {total} {what} has a score yet, so there is no status." if total else f"No {what}."
        else:
            how = "weighted average" if self.weighted else "average"
            text = f"The {how} of {self.counted} of {total} {what} scores is {round(self.score, SCORE_DECIMALS):.2f} " \
                   f"of 10, so {(self.computed or self.status).label.lower()}."
            left_out = total - self.counted
            if left_out:
                text += f" {left_out} without a score (no data, no target or weight 0) " \
                        f"{'is' if left_out == 1 else 'are'} left out, not counted as zero."
            overridden, below = self.overridden, self.below
            if overridden:
                text += (f" {overridden} of them {'has its' if overridden == 1 else 'have their'} status set by the "
                         f"review and count{'s' if overridden == 1 else ''} with the middle score of that status.")
            if below:
                text += (f" {below} of them {'includes' if below == 1 else 'include'} a status set by the review.")
        if self.override:
            text = (f"Overridden to {self.status.label.lower()} by the {self.override.period.label} review: "
                    f"{self.override.reason} (computed: {self.computed.label.lower()}). {text}")
        return text


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    objective: Objective
    rollup: Rollup
    kpis: tuple[KpiResult, ...]
    history: tuple[Rollup, ...] = ()  # one per review period, oldest first, ending with rollup


@dataclass(frozen=True, slots=True)
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
    # what made it: evaluating another period of the same model with it reuses every KPI
    # value already judged (see `evaluate`)
    evaluator: "Evaluator | None" = field(default=None, compare=False, repr=False)

    def unit(self, unit_id: str) -> UnitResult:
        return self.units[unit_id]


def _combine(values: list[Target], aggregation) -> Target:
    if isinstance(values[0], tuple):
        return (aggregate([v[0] for v in values], aggregation), aggregate([v[1] for v in values], aggregation))
    return aggregate(values, aggregation)


class Evaluator:
    """Computes KPI values and roll-ups; one instance per scorecard model."""

    def __init__(self, sc: Scorecards, share: bool = True):
        self.sc = sc
        self.calendar: FiscalCalendar = sc.calendar
        settings = sc.organization.status
        self.tolerance = settings.tolerance
        self.thresholds = Thresholds(settings.on_track, settings.at_risk)
        self.overrides: dict[Subject, dict[Period, StatusOverride]] = {}
        for r in sc.reviews:
            for o in r.overrides:
                self.overrides.setdefault(o.subject, {})[o.period] = o
        self._agreeing: set[tuple[Direction, Target, Target]] = set()  # thresholds score() found consistent
        self._default_red_flags: dict[tuple[Target, Direction], Target] = {}  # by target and direction
        self._values: dict[object, _KpiValues] = {}  # by KPI key: each KPI's values, kept for other periods
        # Equal texts, period tuples and numbers that values repeat ("average of 3 of 3
        # months", the periods reported, default red flags, scores), one object each: a value
        # per KPI and period would otherwise carry its own copies (a fifth of the evaluation's
        # objects at 1,000 units). The table is dropped once an evaluation is made
        # (`release_shared`). `share=False` where values are let go soon after they are made
        # (`evaluate_when_asked`): sharing would save little memory there, for a fifth of the
        # time, and the table would grow to the end.
        self._shared: dict[object, object] = {}
        self._sharing = share
        if not share:
            self.shared = self._number = _same
        self._new: list | None = None  # while `forgetting`: the values judged since, where they are kept

    def shared(self, value):
        """One object for equal values (texts and tuples of periods: equal means the same)."""
        return self._shared.setdefault(value, value)

    @contextlib.contextmanager
    def forgetting(self):
        """Values judged inside (say, for an evaluation as of an earlier period, made once for
        one page) are not kept once it ends; those judged before are. A value asked for again
        is judged again, the same."""
        self._new = new = []
        try:
            yield
        finally:
            self._new = None
            for table, key in new:
                table.pop(key, None)

    def _keep(self, table: dict, key, value):
        table[key] = value
        if self._new is not None:
            self._new.append((table, key))
        return value

    def forget_values(self) -> None:
        """Let every KPI's values go (judged again, the same, if asked for again). They refer
        back to this evaluator: clearing them also breaks that cycle."""
        self._values.clear()

    def release_shared(self) -> None:
        """Forget the table `shared` looks values up in; what it shared stays shared."""
        self._shared = {}

    def _number(self, value):
        """`shared` for a number or a pair of them: floats only (3 == 3.0, but they print
        differently), and not zero (0.0 == -0.0, but the sign shows)."""
        if type(value) is float and value or type(value) is tuple and all(type(x) is float and x for x in value):
            return self.shared(value)
        return value

    @staticmethod
    def overridden(value: KpiValue | Rollup, override: StatusOverride | None) -> KpiValue | Rollup:
        """The value with the review's override applied, the computed status kept beside it."""
        if override is None:
            return value
        # The explanation is built from these fields when shown.
        return dataclasses.replace(value, status=Status(override.status), override=override, computed=value.status)

    # -- one KPI ---------------------------------------------------------------------

    def kpi_result(self, kpi: Kpi, periods: tuple[Period, ...]) -> KpiResult:
        values = self._values.get(kpi.key)
        if values is None:
            values = self._keep(self._values, kpi.key, _KpiValues(self, kpi))
        history = tuple(map(values.review, periods))
        current = history[-1]
        previous = history[-2] if len(history) > 1 else None
        return KpiResult(kpi, current, previous, history, values, periods[-1])

    def judge(self, kpi: Kpi, period: Period, actual, target, red_flag, basis, reported, note) -> KpiValue:
        defaulted = False
        direction = kpi.direction
        if target is not None and red_flag is None:
            if type(target) is float and target:  # kept by target (3 == 3.0 and 0.0 == -0.0, but they differ)
                key = (target, direction)
                red_flag = self._default_red_flags.get(key)
                if red_flag is None:
                    red_flag = self._default_red_flags[key] = default_red_flag(target, direction, self.tolerance)
            else:
                red_flag = default_red_flag(target, direction, self.tolerance)
            defaulted = True
        if actual is None:
            status, value_score = Status.NO_DATA, None
        elif target is None:
            status, value_score = Status.NO_TARGET, None
        else:
            value_score = self._score(actual, target, red_flag, direction)
            status = band_checked(value_score, self.thresholds)  # score() gives a finite number
        if target is None:
            red_flag = None
        if self._sharing:
            # `_number` of each, its usual cases decided here (hundreds of thousands of values)
            share = self._shared.setdefault
            if type(actual) is float:
                if actual:
                    actual = share(actual, actual)
            elif actual is not None:
                actual = self._number(actual)
            if target is not None:
                target = share(target, target) if type(target) is float and target else self._number(target)
                red_flag = share(red_flag, red_flag) if type(red_flag) is float and red_flag else self._number(red_flag)
            if type(value_score) is float and value_score:  # 0.0 and None as they are
                value_score = share(value_score, value_score)
        return KpiValue(period, direction, actual, target, red_flag, defaulted, value_score, status, basis,
                        reported, note, tolerance=self.tolerance)

    def _score(self, actual, target: Target, red_flag: Target, direction: Direction) -> float:
        """score(), checking thresholds once rather than in every period they recur in."""
        thresholds = (direction, target, red_flag)
        if thresholds in self._agreeing and type(actual) is float and math.isfinite(actual):
            return score_checked(actual, target, red_flag, direction)
        value = score(actual, target, red_flag, direction)
        self._agreeing.add(thresholds)
        return value

    # -- roll-ups ----------------------------------------------------------------------

    def rollup(self, parts: list[tuple[float | None, float]], what: str, overridden: int = 0,
               below: int = 0) -> Rollup:
        """Weighted average over the parts that have a score; the rest are counted, not zeroed."""
        scored = [(s, w) for s, w in parts if s is not None and w > 0]
        total = len(parts)
        weight = sum(w for _, w in scored)
        if not scored or weight == 0:
            return Rollup(None, Status.NO_DATA, 0, total, what)
        value = sum(s * w for s, w in scored) / weight
        weighted = len({w for _, w in scored}) > 1
        return Rollup(value, band(value, self.thresholds), len(scored), total, what, weighted, overridden, below)

    def objective(self, objective: Objective, periods: tuple[Period, ...]) -> ObjectiveResult:
        kpis = tuple(self.kpi_result(k, periods) for k in objective.kpis)
        overrides = self.overrides.get(Subject(objective.unit_id, objective_id=objective.id), {})
        history = []
        for i, period in enumerate(periods):
            values = [k.history[i] for k in kpis]
            rollup = self.rollup([(v.rollup_score, k.kpi.weight) for v, k in zip(values, kpis)], "KPIs",
                                 overridden=sum(1 for v in values if v.override))
            history.append(self.overridden(rollup, overrides.get(period)))
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


_PLURALS = {Frequency.MONTHLY: "months", Frequency.QUARTERLY: "quarters", Frequency.ANNUAL: "years"}


class _KpiValues:
    """One KPI's values in an evaluation; each of its own periods is judged once, however often
    the review periods, the year to date and the history ask for it."""

    def __init__(self, evaluator: Evaluator, kpi: Kpi):
        self.evaluator = evaluator
        self.calendar = evaluator.calendar
        self.kpi = kpi
        self.actuals = evaluator.sc.actuals_by_kpi.get(kpi.key, {})
        self.natives: dict[Period, KpiValue] = {}
        self.reviews: dict[Period, KpiValue] = {}
        self.overrides = evaluator.overrides.get(Subject(kpi.unit_id, kpi_id=kpi.id), {})

    def review(self, period: Period) -> KpiValue:
        """The value, target and status for a review period, as the review decided."""
        value = self.reviews.get(period)
        if value is None:
            value = self.evaluator._keep(self.reviews, period, self._review(period))
        if not self.overrides:  # the usual case: no review set this KPI's status
            return value
        return self.evaluator.overridden(value, self.overrides.get(period))

    def _review(self, period: Period) -> KpiValue:
        kpi = self.kpi
        if kpi.frequency.rank > period.frequency.rank:
            native = self.calendar.latest_ended(period, kpi.frequency)
            basis = f"{kpi.frequency.value} value for {native.label}, the latest completed {kpi.frequency.value} period"
            return dataclasses.replace(self.native(native), period=period, basis=self.evaluator.shared(basis))
        periods = self.calendar.subperiods(period, kpi.frequency)
        if len(periods) == 1:
            return self.native(periods[0])
        return self._combined(period, periods, "")

    def year_to_date(self, period: Period) -> KpiValue | None:
        if self.kpi.frequency.rank > period.frequency.rank:
            return None
        return self._combined(period, self.calendar.year_to_date(period, self.kpi.frequency), "year to date: ")

    def native(self, period: Period) -> KpiValue:
        """The value of one of the KPI's own reporting periods."""
        value = self.natives.get(period)
        if value is None:
            value = self.evaluator._keep(self.natives, period, self._native(period))
        return value

    def _native(self, period: Period) -> KpiValue:
        kpi, calendar = self.kpi, self.calendar
        actual = self.actuals.get(period)
        value = actual.value if actual else None
        target = kpi.target.at(period, calendar)
        red_flag = kpi.red_flag.at(period, calendar)
        basis = "reported" if value is not None else "not reported"
        return self.evaluator.judge(kpi, period, value, target, red_flag, basis,
                                    self.evaluator.shared((period,)) if value is not None else (),
                                    actual.note if actual else "")

    def _combined(self, period: Period, periods: list[Period], prefix: str) -> KpiValue:
        kpi = self.kpi
        known = self.natives.get
        natives = [known(p) or self.native(p) for p in periods]
        reported = [v for v in natives if v.actual is not None]
        unit_word = _PLURALS[kpi.frequency]
        shared = self.evaluator.shared
        if not reported:
            return self.evaluator.judge(kpi, period, None, kpi.target.at(period, self.calendar), None,
                                        shared(f"{prefix}none of {len(periods)} {unit_word} reported"), (), "")
        values = [v.actual for v in reported]
        targets = [v.target for v in reported]
        # A native value holds the red flag it was judged by: None when it was not set, but defaulted.
        red_flags = [None if v.red_flag_defaulted else v.red_flag for v in reported]
        agg = kpi.aggregation
        target = _combine(targets, agg) if None not in targets else None
        red_flag = _combine(red_flags, agg) if target is not None and None not in red_flags else None
        missing = [v.period.label for v in natives if v.actual is None]
        basis = f"{prefix}{agg.value} of {len(reported)} of {len(periods)} {unit_word}"
        basis += f" ({', '.join(missing)} not reported)" if missing else ""
        notes = "; ".join([f"{v.period.label}: {v.note}" for v in reported if v.note])
        return self.evaluator.judge(kpi, period, aggregate(values, agg), target, red_flag, shared(basis),
                                    shared(tuple([v.period for v in reported])), notes)

    def native_history(self, until: Period) -> tuple[KpiValue, ...]:
        """Every reporting period of the KPI from its first report up to `until`."""
        reported = [p for p, a in self.actuals.items() if a.value is not None and p.end <= until.end]
        if not reported:
            return ()
        last = self.calendar.latest_ended(until, self.kpi.frequency)
        return tuple(self.native(p) for p in self.calendar.range(min(reported), last))


def _has_override(o: ObjectiveResult) -> bool:
    """Whether a review set the status of one of the objective's KPIs."""
    return any(k.current.override for k in o.kpis)


def review_periods(sc: Scorecards, period: Period, count: int = HISTORY) -> tuple[Period, ...]:
    """The review periods shown in histories: up to `count`, ending with `period`."""
    periods = [period]
    first = sc.periods_with_data[0] if sc.periods_with_data else period
    while len(periods) < count and periods[0].start > first.start:
        periods.insert(0, sc.calendar.previous(periods[0]))
    return tuple(periods)


def evaluate(sc: Scorecards, period: Period | None = None, history: int = HISTORY,
             like: Evaluation | None = None, units: set[str] | None = None, keep: bool = False) -> Evaluation:
    """Evaluate every unit for `period` (default: the latest review period with data).

    `like`: an evaluation of the same model for another period, whose KPI values are reused
    (a review page as of an earlier period shares all but one of its history's periods).
    `units`: evaluate only these units (each unit's results depend on its own files only).

    Evaluation makes a value for every KPI and period, nearly all of which outlive it, and no
    reference cycle: the cyclic garbage collector would only traverse the growing heap again
    and again, so it waits, as it does while loading. `keep`: the caller keeps the
    evaluation to its end: it is moved out of the collector's way for good (`gc.freeze`,
    with everything older), before the collector is back on.
    """
    with paused(keep=keep):
        return _evaluate(sc, period, history, like.evaluator if like is not None else None, units)


def _review_periods(sc: Scorecards, period: Period | None, history: int) -> tuple[Period, ...]:
    period = period or sc.latest_review_period()
    if period is None:  # no actuals at all yet: the review period of today
        period = sc.calendar.period_at(datetime.date.today(), sc.organization.review_cadence)
    return review_periods(sc, period, history)


def _evaluate(sc: Scorecards, period: Period | None, history: int, evaluator: Evaluator | None,
              only: set[str] | None) -> Evaluation:
    periods = _review_periods(sc, period, history)
    period = periods[-1]
    if evaluator is None or evaluator.sc is not sc:
        evaluator = Evaluator(sc)
    units = {u.id: evaluator.unit(u, periods) for u in sc.units if only is None or u.id in only}
    evaluator.release_shared()
    return Evaluation(sc, period, periods, units, evaluator)


def evaluate_when_asked(sc: Scorecards, period: Period | None = None, history: int = HISTORY) -> Evaluation:
    """`evaluate`, but each unit is evaluated when its result is first asked for
    (`units[unit_id]`), and let go again with `units.forget(unit_id)`.

    For a process that renders the unit pages one by one: it holds the results of the
    units at hand, not the whole organisation's. The results are equal to `evaluate`'s
    (a unit's results depend on its own files only). What needs every unit (iterating
    `units`, counting them) is refused rather than answered from the units asked so far.
    """
    periods = _review_periods(sc, period, history)
    evaluator = Evaluator(sc, share=False)  # the units' values are let go soon after they are made
    return Evaluation(sc, periods[-1], periods, UnitsWhenAsked(evaluator, periods), evaluator)


def _same(value):
    return value


class UnitsWhenAsked(dict):
    """Unit results by unit id, each evaluated when first asked for (see `evaluate_when_asked`)."""

    def __init__(self, evaluator: Evaluator, periods: tuple[Period, ...]) -> None:
        super().__init__()
        self._evaluator = evaluator
        self._periods = periods
        self._units = evaluator.sc.units_by_id

    def __missing__(self, unit_id: str) -> UnitResult:
        unit = self._units[unit_id]
        with paused():
            result = self[unit_id] = self._evaluator.unit(unit, self._periods)
        return result

    def get(self, unit_id, default=None):
        return self[unit_id] if unit_id in self._units else default

    def __contains__(self, unit_id) -> bool:
        return unit_id in self._units

    def forget(self, unit_id: str) -> None:
        """Let a unit's results go (they are evaluated again if asked for again)."""
        self.pop(unit_id, None)
        unit = self._units.get(unit_id)
        for kpi in unit.kpis if unit is not None else ():
            self._evaluator._values.pop(kpi.key, None)

    def forget_all(self) -> None:
        """Let every unit's results go."""
        dict.clear(self)
        self._evaluator.forget_values()

    def _whole(self, *args):
        raise TypeError("the units of an evaluation made when asked cannot be listed: use evaluate()")

    __iter__ = __len__ = keys = values = items = _whole
