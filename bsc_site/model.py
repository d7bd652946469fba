"""The scorecard model: what the files declare, immutable once loaded."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .periods import FiscalCalendar, Frequency, Period
from .problems import Location
from .status.scoring import Aggregation, Direction, Target


@dataclass(frozen=True)
class Perspective:
    id: str
    name: str
    question: str = ""
    weight: float = 1.0
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    description: str = ""
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class PeriodSeries:
    """A value that may differ per period: exact period, then fiscal year, then the default."""

    default: Target | None = None
    by_period: tuple[tuple[Period, Target], ...] = ()

    @cached_property
    def _exact(self) -> dict[Period, Target]:
        return dict(self.by_period)

    def at(self, period: Period, calendar: FiscalCalendar) -> Target | None:
        if not self.by_period:
            return self.default
        exact = self._exact
        if period in exact:
            return exact[period]
        year = calendar.year(period.fiscal_year)
        if year in exact:
            return exact[year]
        return self.default

    @property
    def is_empty(self) -> bool:
        return self.default is None and not self.by_period


@dataclass(frozen=True)
class Kpi:
    id: str
    name: str
    unit_id: str
    objective_id: str
    description: str = ""
    unit: str = ""
    decimals: int = 0
    direction: Direction = Direction.HIGHER
    frequency: Frequency = Frequency.QUARTERLY
    aggregation: Aggregation = Aggregation.LAST
    baseline: float | None = None
    target: PeriodSeries = PeriodSeries()
    red_flag: PeriodSeries = PeriodSeries()
    weight: float = 1.0
    owner: str = ""
    data_source: str = ""
    indicator: str = "lagging"
    definition: str | None = None
    location: Location = field(default=Location(""), compare=False)
    # the frequency is a default standing in for one nobody wrote right (its library definition
    # is missing, or the value is wrong: reported where it is): its rows are not held to it
    frequency_stands_in: bool = field(default=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.unit_id, self.id)


@dataclass(frozen=True)
class KpiDefinition:
    """A library entry: one definition, one meaning, across units."""

    id: str
    name: str
    description: str = ""
    unit: str = ""
    decimals: int = 0
    direction: Direction = Direction.HIGHER
    frequency: Frequency = Frequency.QUARTERLY
    aggregation: Aggregation = Aggregation.LAST
    owner: str = ""
    data_source: str = ""
    indicator: str = "lagging"
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Link:
    """A reference to an objective, with where it was written."""

    target: str
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Objective:
    id: str
    name: str
    perspective: str
    unit_id: str
    theme: str | None = None
    owner: str = ""
    description: str = ""
    weight: float = 1.0
    drives: tuple[Link, ...] = ()
    supports: tuple[Link, ...] = ()
    kpis: tuple[Kpi, ...] = ()
    location: Location = field(default=Location(""), compare=False)
    # where the perspective and theme are written, for the errors about them (None: at `location`)
    perspective_location: Location | None = field(default=None, compare=False)
    theme_location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    unit_id: str
    owner: str = ""
    description: str = ""
    objectives: tuple[Link, ...] = ()
    start: datetime.date | None = None
    end: datetime.date | None = None
    budget: float | None = None
    currency: str = ""
    status: str = "not-started"
    progress: float = 0.0
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class ExtraPerspective:
    perspective: Perspective
    after: str | None = None


@dataclass(frozen=True)
class OmittedPerspective:
    perspective: str
    reason: str
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    parent: str | None = None
    owner: str = ""
    description: str = ""
    strategy: str = ""
    extra_perspectives: tuple[ExtraPerspective, ...] = ()
    omitted_perspectives: tuple[OmittedPerspective, ...] = ()
    objectives: tuple[Objective, ...] = ()
    initiatives: tuple[Initiative, ...] = ()
    location: Location = field(default=Location(""), compare=False)
    parent_location: Location | None = field(default=None, compare=False)  # where `parent` is written

    @property
    def kpis(self) -> tuple[Kpi, ...]:
        return tuple(k for o in self.objectives for k in o.kpis)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)


# slots: a large organisation has millions of them; not frozen (though never changed once
# read), as a frozen dataclass sets each field through object.__setattr__; unsafe_hash keeps
# the frozen one's hash and equality
@dataclass(slots=True, unsafe_hash=True)
class Actual:
    unit_id: str
    kpi_id: str
    period: Period
    value: float | None
    note: str = ""
    # where it is written, kept as its parts: a Location per value would be a tuple each,
    # and only the checks that report one ask for it
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)

    @property
    def location(self) -> Location:
        return Location(self.file, self.line, self.column)


@dataclass(frozen=True)
class Subject:
    """What a review entry is about: a unit, one of its objectives, or one of its KPIs."""

    unit_id: str
    objective_id: str | None = None
    kpi_id: str | None = None
    where: tuple[tuple[str, Location], ...] = field(default=(), compare=False)  # field -> where it is written

    def location_of(self, name: str, fallback: Location) -> Location:
        return dict(self.where).get(name, fallback)

    @property
    def kind(self) -> str:
        return "kpi" if self.kpi_id else "objective" if self.objective_id else "unit"

    @property
    def item_id(self) -> str:
        return self.kpi_id or self.objective_id or self.unit_id


@dataclass(frozen=True)
class Commentary:
    subject: Subject
    analysis: str = ""
    recommendation: str = ""
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class StatusOverride:
    subject: Subject
    status: str  # on-track | at-risk | off-track
    reason: str
    period: Period | None = None
    location: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True)
class Action:
    id: str
    unit_id: str
    what: str
    owner: str
    objective_id: str | None = None
    due: datetime.date | None = None
    status: str = "open"
    completed: datetime.date | None = None
    location: Location = field(default=Location(""), compare=False)
    where: tuple[tuple[str, Location], ...] = field(default=(), compare=False)  # field -> where it is written

    def status_on(self, day: datetime.date | None) -> str:
        """The action's status as it stood on a day: done or dropped only from its completion date."""
        if self.status != "open" and day is not None and self.completed is not None and self.completed > day:
            return "open"
        return self.status


@dataclass(frozen=True)
class Review:
    """One review meeting, frozen at its period."""

    period: Period
    date: datetime.date | None = None
    forum: str = ""
    summary: str = ""
    commentary: tuple[Commentary, ...] = ()
    overrides: tuple[StatusOverride, ...] = ()
    actions: tuple[Action, ...] = ()
    location: Location = field(default=Location(""), compare=False)
    # entries left out for a problem already reported (a wrong status, a missing field):
    # (subject, location, "override" or "action"), so that what they name is checked too
    unbuilt: tuple[tuple[Subject, Location, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Silence:
    check: str
    reason: str
    unit: str | None = None


@dataclass(frozen=True)
class StatusSettings:
    tolerance: float = 0.1
    on_track: float = 20 / 3
    at_risk: float = 10 / 3


@dataclass(frozen=True)
class CheckSettings:
    max_objectives: int = 15
    max_kpis_per_objective: int = 4
    stale_after: int = 1
    max_financial_share: float = 0.5
    silence: tuple[Silence, ...] = ()

    def silenced(self, check: str, unit: str | None) -> bool:
        return any(s.check == check and (s.unit is None or s.unit == unit) for s in self.silence)


@dataclass(frozen=True)
class Organization:
    name: str
    vision: str = ""
    mission: str = ""
    strategy: str = ""
    fiscal_year_start: int = 1
    review_cadence: Frequency = Frequency.QUARTERLY
    perspectives: tuple[Perspective, ...] = ()
    themes: tuple[Theme, ...] = ()
    status: StatusSettings = StatusSettings()
    checks: CheckSettings = CheckSettings()
    kpi_library: tuple[KpiDefinition, ...] = ()
    location: Location = field(default=Location(""), compare=False)

    @cached_property
    def calendar(self) -> FiscalCalendar:
        return FiscalCalendar(self.fiscal_year_start)


@dataclass(frozen=True)
class Scorecards:
    """Everything a scorecard folder declares; units in hierarchy order (parents first)."""

    root: Path
    organization: Organization
    units: tuple[Unit, ...]
    actuals: tuple[Actual, ...] = ()
    reviews: tuple[Review, ...] = ()  # oldest first
    snapshots: dict[str, dict] = field(default_factory=dict, compare=False)  # period label -> exported evaluation

    def review(self, period: Period) -> Review | None:
        return next((r for r in self.reviews if r.period == period), None)

    @cached_property
    def units_by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    def unit(self, unit_id: str) -> Unit | None:
        return self.units_by_id.get(unit_id)

    @cached_property
    def root_unit(self) -> Unit | None:
        return next((u for u in self.units if u.parent is None), None)

    @cached_property
    def children(self) -> dict[str, tuple[Unit, ...]]:
        out: dict[str, list[Unit]] = {u.id: [] for u in self.units}
        for u in self.units:
            if u.parent in out:
                out[u.parent].append(u)
        return {k: tuple(v) for k, v in out.items()}

    def ancestors(self, unit_id: str) -> tuple[Unit, ...]:
        """The chain from the root down to the unit's parent."""
        chain = []
        unit = self.unit(unit_id)
        seen = {unit_id}
        while unit is not None and unit.parent and unit.parent not in seen:
            seen.add(unit.parent)
            unit = self.unit(unit.parent)
            if unit is not None:
                chain.append(unit)
        return tuple(reversed(chain))

    def perspectives(self, unit: Unit) -> tuple[Perspective, ...]:
        """The unit's perspectives in map order: the organisation's, less omitted, plus its own."""
        omitted = {o.perspective for o in unit.omitted_perspectives}
        order = [p for p in self.organization.perspectives if p.id not in omitted]
        for extra in unit.extra_perspectives:
            ids = [p.id for p in order]
            at = ids.index(extra.after) + 1 if extra.after in ids else len(order)
            order.insert(at, extra.perspective)
        return tuple(order)

    @cached_property
    def actuals_by_kpi(self) -> dict[tuple[str, str], dict[Period, Actual]]:
        out: dict[tuple[str, str], dict[Period, Actual]] = {}
        for a in self.actuals:
            out.setdefault((a.unit_id, a.kpi_id), {})[a.period] = a
        return out

    @cached_property
    def periods_with_data(self) -> tuple[Period, ...]:
        return tuple(sorted({a.period for a in self.actuals if a.value is not None}))

    @property
    def calendar(self) -> FiscalCalendar:
        return self.organization.calendar

    def latest_review_period(self) -> Period | None:
        """The latest review period (at the review cadence) holding any reported value."""
        return latest_review_period(self.organization, self.periods_with_data)


def latest_review_period(organization: Organization, periods_with_data) -> Period | None:
    """`Scorecards.latest_review_period` of these periods with data."""
    cadence = organization.review_cadence
    latest = None
    for period in periods_with_data:
        if period.frequency.rank <= cadence.rank:
            review = organization.calendar.containing(period, cadence)
            latest = review if latest is None or latest < review else latest
    return latest
