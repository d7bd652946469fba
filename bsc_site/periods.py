"""The fiscal calendar: reporting periods (years, quarters, months) and how they nest.

A fiscal year is named by the calendar year in which it ends. With a fiscal year
starting in April, fiscal year 2026 runs from 1 April 2025 to 31 March 2026, its first
quarter ``2026-Q1`` is April to June 2025, and month ``2025-04`` is its first month.
Month labels are always calendar ``YYYY-MM``; year and quarter labels are fiscal.
"""

from __future__ import annotations

import datetime
import enum
import operator
import re
from dataclasses import dataclass

__all__ = ["FiscalCalendar", "Frequency", "Period", "PeriodError"]

MIN_YEAR = 1900
MAX_YEAR = 2200

_EXPECTED = "expected a period like 2026, 2026-Q3 or 2026-09"
_YEAR = re.compile(r"\d{4}")
_QUARTER = re.compile(r"(\d{4})-[Qq](\d{1,3})")  # a few digits: int() of thousands fails
_MONTH = re.compile(r"(\d{4})-(\d{1,3})")


class Frequency(str, enum.Enum):
    """How often a KPI is measured or a scorecard reviewed."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        """Coarseness: monthly 0 < quarterly 1 < annual 2."""
        return _RANKS[self]

    @property
    def months(self) -> int:
        """Calendar months in one period of this frequency."""
        return _MONTHS[self]


_RANKS = {Frequency.MONTHLY: 0, Frequency.QUARTERLY: 1, Frequency.ANNUAL: 2}
_MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}


class PeriodError(ValueError):
    """A period label that cannot be read, or a period that cannot exist."""


@dataclass(frozen=True, order=False)
class Period:
    """One reporting period of a fiscal calendar; build them with FiscalCalendar."""

    frequency: Frequency
    fiscal_year: int
    index: int  # 1 for a year; fiscal quarter 1-4; fiscal month 1-12 (1 = first month of the year)
    label: str  # canonical text: '2026', '2026-Q3', '2026-09'
    start: datetime.date  # first day
    end: datetime.date  # last day

    def __post_init__(self) -> None:
        # Periods key the dicts of actuals, targets and values, and are looked up and
        # compared millions of times: hash once, to the value the dataclass would compute on
        # each call, and keep the sort key.
        fields = (self.frequency, self.fiscal_year, self.index, self.label, self.start, self.end)
        object.__setattr__(self, "_hash", hash(fields))
        # Chronological by last day; of periods ending together, the finer first. start and
        # label only break ties between periods of different calendars, so that sorting any
        # mix is deterministic.
        object.__setattr__(self, "_key", (self.end, self.frequency.rank, self.start, self.label))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self):
        # Unpickled (units sent back by the loading helper) as this process's own period
        # object, not an equal copy: lookups then match by identity, without comparing fields.
        return _period, (self.frequency, self.fiscal_year, self.index, self.label, self.start, self.end)

    def __str__(self) -> str:
        return self.label

    @property
    def sort_key(self) -> tuple:
        """Chronological by last day; of periods ending together, the finer first."""
        return self._key

    # The four comparisons written out (not functools.total_ordering, whose derived ones
    # cost a Python call each): checks and evaluation compare periods millions of times.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key < other._key

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key <= other._key

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key > other._key

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._key >= other._key

    def contains(self, day: datetime.date) -> bool:
        """Whether the day falls inside this period."""
        return self.start <= day <= self.end


# A period's sort key (`Period.sort_key`) without a Python call: for sorted(), min() and max()
# over many periods, where the comparisons above would each be one.
chronological = operator.attrgetter("_key")

_PERIODS: dict[tuple, Period] = {}  # every period made in this process, by its fields


def _period(*fields) -> Period:
    """The one period of these fields in this process (calendars and unpickling make them here)."""
    found = _PERIODS.get(fields)
    if found is None:
        found = _PERIODS[fields] = Period(*fields)
    return found


class FiscalCalendar:
    """Periods of a fiscal year that starts in a given calendar month."""

    def __init__(self, start_month: int = 1) -> None:
        is_month = isinstance(start_month, int) and not isinstance(start_month, bool)
        if not is_month or not 1 <= start_month <= 12:
            raise ValueError(f"the fiscal year start must be a month 1 to 12, got {start_month!r}")
        self.start_month = start_month
        self._made: dict[tuple[Frequency, int, int], Period] = {}
        self._parsed: dict[str, Period] = {}
        self._subperiods: dict[tuple[Period, Frequency], tuple[Period, ...]] = {}

    def __repr__(self) -> str:
        return f"FiscalCalendar(start_month={self.start_month})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FiscalCalendar):
            return NotImplemented
        return self.start_month == other.start_month

    def __hash__(self) -> int:
        return hash(self.start_month)

    # -- reading labels ------------------------------------------------------------

    def parse(self, text: str | int) -> Period:
        """Read '2026', 2026, '2026-Q3' or '2026-09' (spaces around it ignored)."""
        # Actuals repeat the same few dozen labels hundreds of thousands of times.
        if type(text) is str:
            found = self._parsed.get(text)
            if found is None:
                found = self._parsed[text] = self._parse(text)
            return found
        return self._parse(text)

    def _parse(self, text: str | int) -> Period:
        # YAML reads an unquoted 2026 as an int, so ints are years too.
        if isinstance(text, int) and not isinstance(text, bool):
            return self.year(_checked_year(text, repr(text)))
        if not isinstance(text, str):
            raise PeriodError(f"{_EXPECTED}, got {text!r} ({type(text).__name__})")
        shown = repr(text)
        text = text.strip()
        if _YEAR.fullmatch(text):
            return self.year(_checked_year(int(text), shown))
        if match := _QUARTER.fullmatch(text):
            fiscal_year = _checked_year(int(match[1]), shown)
            quarter = int(match[2])
            if not 1 <= quarter <= 4:
                raise PeriodError(f"{_EXPECTED}, got {shown} (quarters are Q1 to Q4)")
            return self.quarter(fiscal_year, quarter)
        if match := _MONTH.fullmatch(text):
            year = _checked_year(int(match[1]), shown)
            month = int(match[2])
            if not 1 <= month <= 12:
                raise PeriodError(f"{_EXPECTED}, got {shown} (months are 01 to 12)")
            # Two digits only: '2026-1' is as likely a truncated '2026-10' as January.
            if len(match[2]) != 2:
                raise PeriodError(f"{_EXPECTED}, got {shown} (write the month with two digits)")
            return self.month(year, month)
        raise PeriodError(f"{_EXPECTED}, got {shown}")

    # -- building periods ----------------------------------------------------------

    def year(self, fy: int) -> Period:
        """Fiscal year ``fy`` (named by the calendar year in which it ends)."""
        return self._period(Frequency.ANNUAL, fy, 1)

    def quarter(self, fy: int, q: int) -> Period:
        """Quarter ``q`` (1-4) of fiscal year ``fy``."""
        if not 1 <= q <= 4:
            raise PeriodError(f"a quarter is 1 to 4, got {q!r}")
        return self._period(Frequency.QUARTERLY, fy, q)

    def month(self, calendar_year: int, month: int) -> Period:
        """Calendar month ``month`` (1-12) of ``calendar_year``."""
        if not 1 <= month <= 12:
            raise PeriodError(f"a month is 1 to 12, got {month!r}")
        fiscal_index = (month - self.start_month) % 12 + 1
        fiscal_year = self._fiscal_year_of(calendar_year, month)
        return self._period(Frequency.MONTHLY, fiscal_year, fiscal_index)

    def period_at(self, day: datetime.date, frequency: Frequency) -> Period:
        """The period of ``frequency`` that contains ``day``."""
        return self.containing(self.month(day.year, day.month), frequency)

    # -- relations -----------------------------------------------------------------

    def containing(self, p: Period, frequency: Frequency) -> Period:
        """The period of a coarser-or-equal ``frequency`` that contains ``p``."""
        self._check_own(p)
        frequency = Frequency(frequency)
        if frequency.rank < p.frequency.rank:
            raise ValueError(
                f"a {frequency.value} period cannot contain the {p.frequency.value} period {p}"
            )
        if frequency is p.frequency:
            return p
        months_per = frequency.months // p.frequency.months
        return self._period(frequency, p.fiscal_year, (p.index - 1) // months_per + 1)

    def subperiods(self, p: Period, frequency: Frequency) -> list[Period]:
        """The periods of a finer-or-equal ``frequency`` inside ``p``, in order."""
        # Evaluation asks this for every KPI and review period: work each answer out once.
        key = (p, frequency)
        found = self._subperiods.get(key)
        if found is None:
            found = self._subperiods[key] = tuple(self._subperiods_of(p, frequency))
        return list(found)

    def _subperiods_of(self, p: Period, frequency: Frequency) -> list[Period]:
        self._check_own(p)
        frequency = Frequency(frequency)
        if frequency.rank > p.frequency.rank:
            raise ValueError(
                f"a {p.frequency.value} period like {p} has no {frequency.value} periods inside"
            )
        per = p.frequency.months // frequency.months
        first = (p.index - 1) * per + 1
        return [self._period(frequency, p.fiscal_year, i) for i in range(first, first + per)]

    def previous(self, p: Period) -> Period:
        """The period of the same frequency just before ``p``."""
        return self._shift(p, -1)

    def next(self, p: Period) -> Period:
        """The period of the same frequency just after ``p``."""
        return self._shift(p, +1)

    def year_to_date(self, p: Period, frequency: Frequency) -> list[Period]:
        """Periods of ``frequency`` from the start of p's fiscal year through the end of p."""
        last = self.subperiods(p, frequency)[-1]
        return [self._period(last.frequency, p.fiscal_year, i) for i in range(1, last.index + 1)]

    def latest_ended(self, p: Period, frequency: Frequency) -> Period:
        """The most recent period of ``frequency`` that has ended by the end of ``p``."""
        frequency = Frequency(frequency)
        if frequency.rank <= p.frequency.rank:
            # p ends exactly where its last finer subperiod ends.
            return self.subperiods(p, frequency)[-1]
        enclosing = self.containing(p, frequency)
        return enclosing if enclosing.end <= p.end else self.previous(enclosing)

    def fits(self, p: Period, frequency: Frequency) -> bool:
        """Whether ``p`` is a period of ``frequency`` (a quarterly KPI takes '2026-Q3')."""
        return p.frequency is Frequency(frequency)

    def range(self, first: Period, last: Period) -> list[Period]:
        """The periods from ``first`` to ``last`` inclusive; empty when last is before first."""
        if first.frequency is not last.frequency:
            raise ValueError(
                f"a range needs periods of one frequency, got {first} ({first.frequency.value}) "
                f"and {last} ({last.frequency.value})"
            )
        self._check_own(first)
        self._check_own(last)
        first_ordinal, last_ordinal = _ordinal(first), _ordinal(last)
        ordinals = range(first_ordinal, last_ordinal + 1)
        return [self._from_ordinal(first.frequency, n) for n in ordinals]

    # -- internals -----------------------------------------------------------------

    def _check_own(self, p: Period) -> None:
        # Relations work on fiscal_year and index, which mean other months in another
        # calendar; a period from another calendar would give silently wrong answers.
        first_month = self._calendar_month(p.fiscal_year, (p.index - 1) * p.frequency.months + 1)
        if (p.start.year, p.start.month) != first_month:
            raise ValueError(f"period {p} belongs to a fiscal calendar other than {self!r}")

    def _fiscal_year_of(self, calendar_year: int, month: int) -> int:
        # Months from the start month onwards belong to the fiscal year ending next calendar year.
        if self.start_month == 1 or month < self.start_month:
            return calendar_year
        return calendar_year + 1

    def _calendar_month(self, fy: int, fiscal_index: int) -> tuple[int, int]:
        """Calendar (year, month) of fiscal month ``fiscal_index`` of fiscal year ``fy``."""
        first_year = fy if self.start_month == 1 else fy - 1
        offset = self.start_month - 1 + fiscal_index - 1
        return first_year + offset // 12, offset % 12 + 1

    def _period(self, frequency: Frequency, fy: int, index: int) -> Period:
        # Evaluation asks for the same periods hundreds of thousands of times: build each once.
        key = (frequency, fy, index)
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = self._make_period(frequency, fy, index)
        return found

    def _make_period(self, frequency: Frequency, fy: int, index: int) -> Period:
        months = frequency.months
        first_index = (index - 1) * months + 1
        try:
            start = datetime.date(*self._calendar_month(fy, first_index), 1)
            end_year, end_month = self._calendar_month(fy, first_index + months - 1)
            end = _last_day(end_year, end_month)
        except (ValueError, OverflowError) as error:
            raise PeriodError(f"fiscal year {fy} is outside the supported calendar") from error
        if frequency is Frequency.ANNUAL:
            label = f"{fy:04d}"
        elif frequency is Frequency.QUARTERLY:
            label = f"{fy:04d}-Q{index}"
        else:
            label = f"{start.year:04d}-{start.month:02d}"
        return _period(frequency, fy, index, label, start, end)

    def _shift(self, p: Period, steps: int) -> Period:
        self._check_own(p)
        return self._from_ordinal(p.frequency, _ordinal(p) + steps)

    def _from_ordinal(self, frequency: Frequency, ordinal: int) -> Period:
        per_year = 12 // frequency.months
        fy, zero_index = divmod(ordinal, per_year)
        return self._period(frequency, fy, zero_index + 1)


def _ordinal(p: Period) -> int:
    """A count of periods since fiscal year 0, so neighbours differ by one."""
    return p.fiscal_year * (12 // p.frequency.months) + p.index - 1


def _last_day(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def _checked_year(year: int, shown: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"{_EXPECTED}, got {shown} (years are {MIN_YEAR} to {MAX_YEAR})")
    return year
