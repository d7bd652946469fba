"""The fiscal calendar: reading period labels and relating periods to one another."""

from __future__ import annotations

import datetime
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bsc_site.periods import FiscalCalendar, Frequency, Period, PeriodError

D = datetime.date
M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL
CALENDAR = FiscalCalendar()
APRIL = FiscalCalendar(4)


def labels(periods: list[Period]) -> list[str]:
    return [p.label for p in periods]


# -- Frequency ---------------------------------------------------------------------


def test_frequency_rank_orders_by_coarseness():
    assert M.rank < Q.rank < A.rank
    assert sorted([A, M, Q], key=lambda f: f.rank) == [M, Q, A]


def test_frequency_reads_the_words_used_in_files():
    assert Frequency("quarterly") is Q
    assert str(Frequency.ANNUAL) == "annual"


# -- parsing -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, frequency, label, start, end",
    [
        ("2026", A, "2026", D(2026, 1, 1), D(2026, 12, 31)),
        (2026, A, "2026", D(2026, 1, 1), D(2026, 12, 31)),
        ("2026-Q3", Q, "2026-Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("2026-q3", Q, "2026-Q3", D(2026, 7, 1), D(2026, 9, 30)),
        ("  2026-Q1 \n", Q, "2026-Q1", D(2026, 1, 1), D(2026, 3, 31)),
        ("2026-09", M, "2026-09", D(2026, 9, 1), D(2026, 9, 30)),
        ("2024-02", M, "2024-02", D(2024, 2, 1), D(2024, 2, 29)),
        ("2026-02", M, "2026-02", D(2026, 2, 1), D(2026, 2, 28)),
    ],
)
def test_parse_each_form(text, frequency, label, start, end):
    period = CALENDAR.parse(text)
    assert (period.frequency, period.label, period.start, period.end) == (frequency, label, start, end)
    assert str(period) == label


@pytest.mark.parametrize(
    "text, why",
    [
        ("2026-13", "months are 01 to 12"),
        ("2026-00", "months are 01 to 12"),
        ("2026-Q5", "quarters are Q1 to Q4"),
        ("2026-Q0", "quarters are Q1 to Q4"),
        ("1899", "years are 1900 to 2200"),
        ("2201-Q1", "years are 1900 to 2200"),
        (2201, "years are 1900 to 2200"),
        ("2026-1", "two digits"),
        ("", ""),
        ("26", ""),
        ("2026-H1", ""),
        ("2026-W05", ""),
        ("2026-09-01", ""),
        ("FY2026", ""),
        ("2026 Q3", ""),
    ],
)
def test_parse_rejects_what_is_not_a_period_and_says_what_was_expected(text, why):
    with pytest.raises(PeriodError) as caught:
        CALENDAR.parse(text)
    message = str(caught.value)
    assert "expected a period like 2026, 2026-Q3 or 2026-09" in message
    assert repr(text) in message
    assert why in message


@pytest.mark.parametrize("value", [2026.0, True, None, D(2026, 9, 1), ["2026"]])
def test_parse_rejects_other_types(value):
    with pytest.raises(PeriodError):
        CALENDAR.parse(value)


def test_period_error_is_a_value_error():
    with pytest.raises(ValueError):
        CALENDAR.parse("2026-13")


@pytest.mark.parametrize("start_month", [0, 13, -1, True, "4", 4.0])
def test_calendar_rejects_a_start_that_is_not_a_month(start_month):
    with pytest.raises(ValueError, match="1 to 12"):
        FiscalCalendar(start_month)


def test_constructors_reject_impossible_indexes():
    with pytest.raises(PeriodError):
        CALENDAR.quarter(2026, 5)
    with pytest.raises(PeriodError):
        CALENDAR.month(2026, 0)


# -- fiscal years that do not start in January ---------------------------------------


def test_april_fiscal_year_is_named_by_the_year_it_ends():
    fy = APRIL.parse("2026")
    assert (fy.start, fy.end) == (D(2025, 4, 1), D(2026, 3, 31))
    q1 = APRIL.parse("2026-Q1")
    assert (q1.start, q1.end) == (D(2025, 4, 1), D(2025, 6, 30))
    q4 = APRIL.parse("2026-Q4")
    assert (q4.start, q4.end) == (D(2026, 1, 1), D(2026, 3, 31))


@pytest.mark.parametrize(
    "start_month, first_month, last_month",
    [
        (1, "2026-01", "2026-12"),
        (4, "2025-04", "2026-03"),
        (7, "2025-07", "2026-06"),
        (10, "2025-10", "2026-09"),
    ],
)
def test_boundary_months_of_fiscal_year_2026(start_month, first_month, last_month):
    calendar = FiscalCalendar(start_month)
    first, last = calendar.parse(first_month), calendar.parse(last_month)
    assert (first.fiscal_year, first.index) == (2026, 1)
    assert (last.fiscal_year, last.index) == (2026, 12)
    before, after = calendar.previous(first), calendar.next(last)
    assert (before.fiscal_year, before.index) == (2025, 12)
    assert (after.fiscal_year, after.index) == (2027, 1)
    year = calendar.year(2026)
    assert (year.start, year.end) == (first.start, last.end)


@pytest.mark.parametrize(
    "start_month, q1_start, q1_end",
    [
        (1, D(2026, 1, 1), D(2026, 3, 31)),
        (4, D(2025, 4, 1), D(2025, 6, 30)),
        (7, D(2025, 7, 1), D(2025, 9, 30)),
        (10, D(2025, 10, 1), D(2025, 12, 31)),
    ],
)
def test_first_quarter_lies_in_the_calendar_year_before_for_late_starts(start_month, q1_start, q1_end):
    q1 = FiscalCalendar(start_month).parse("2026-Q1")
    assert (q1.start, q1.end) == (q1_start, q1_end)


def test_month_labels_stay_calendar_months_in_any_fiscal_calendar():
    for start_month in range(1, 13):
        september = FiscalCalendar(start_month).parse("2026-09")
        assert september.label == "2026-09"
        assert (september.start, september.end) == (D(2026, 9, 1), D(2026, 9, 30))


def test_fiscal_month_index_counts_from_the_start_month():
    assert APRIL.parse("2025-04").index == 1
    assert APRIL.parse("2025-12").index == 9
    assert APRIL.parse("2026-01").fiscal_year == 2026
    assert APRIL.parse("2026-03").index == 12
    assert APRIL.parse("2026-04").fiscal_year == 2027


def test_every_day_of_a_fiscal_year_is_in_exactly_one_of_its_months():
    for start_month in (1, 4, 7, 10):
        calendar = FiscalCalendar(start_month)
        months = calendar.subperiods(calendar.year(2024), M)
        assert months[0].start == calendar.year(2024).start
        assert months[-1].end == calendar.year(2024).end
        for earlier, later in zip(months, months[1:]):
            assert later.start - earlier.end == datetime.timedelta(days=1)


# -- round trip --------------------------------------------------------------------


@given(
    start_month=st.integers(1, 12),
    frequency=st.sampled_from(list(Frequency)),
    year=st.integers(1901, 2199),
    index=st.integers(1, 12),
)
def test_label_parses_back_to_the_same_period(start_month, frequency, year, index):
    calendar = FiscalCalendar(start_month)
    if frequency is A:
        period = calendar.year(year)
    elif frequency is Q:
        period = calendar.quarter(year, (index - 1) % 4 + 1)
    else:
        period = calendar.month(year, index)
    assert calendar.parse(period.label) == period
    assert calendar.parse(str(period)) == period


# -- containing and subperiods ---------------------------------------------------------


def test_containing_month_quarter_year_in_april_calendar():
    march = APRIL.parse("2026-03")
    assert APRIL.containing(march, Q).label == "2026-Q4"
    assert APRIL.containing(march, A).label == "2026"
    april = APRIL.parse("2026-04")
    assert APRIL.containing(april, Q).label == "2027-Q1"
    assert APRIL.containing(april, A).label == "2027"
    assert APRIL.containing(APRIL.parse("2026-Q2"), A).label == "2026"


def test_containing_the_same_frequency_is_the_period_itself():
    q = CALENDAR.parse("2026-Q2")
    assert CALENDAR.containing(q, Q) == q


def test_containing_refuses_a_finer_frequency():
    with pytest.raises(ValueError):
        CALENDAR.containing(CALENDAR.parse("2026-Q2"), M)


def test_subperiods_in_order():
    assert labels(APRIL.subperiods(APRIL.parse("2026"), Q)) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert labels(APRIL.subperiods(APRIL.parse("2026-Q4"), M)) == ["2026-01", "2026-02", "2026-03"]
    assert labels(FiscalCalendar(10).subperiods(FiscalCalendar(10).parse("2026-Q1"), M)) == [
        "2025-10",
        "2025-11",
        "2025-12",
    ]
    assert len(CALENDAR.subperiods(CALENDAR.parse("2026"), M)) == 12
    assert CALENDAR.subperiods(CALENDAR.parse("2026-05"), M) == [CALENDAR.parse("2026-05")]


def test_subperiods_refuses_a_coarser_frequency():
    with pytest.raises(ValueError):
        CALENDAR.subperiods(CALENDAR.parse("2026-05"), Q)


@given(start_month=st.integers(1, 12), year=st.integers(1901, 2199), month=st.integers(1, 12))
def test_a_month_lies_inside_its_quarter_and_year(start_month, year, month):
    calendar = FiscalCalendar(start_month)
    period = calendar.month(year, month)
    for frequency in (Q, A):
        outer = calendar.containing(period, frequency)
        assert outer.start <= period.start and period.end <= outer.end
        assert period in calendar.subperiods(outer, M)


def test_period_at_a_day():
    assert APRIL.period_at(D(2025, 5, 17), Q).label == "2026-Q1"
    assert APRIL.period_at(D(2025, 5, 17), A).label == "2026"
    assert CALENDAR.period_at(D(2025, 12, 31), M).label == "2025-12"


# -- previous and next -----------------------------------------------------------------


@pytest.mark.parametrize(
    "calendar, label, before, after",
    [
        (CALENDAR, "2026-01", "2025-12", "2026-02"),
        (CALENDAR, "2025-12", "2025-11", "2026-01"),
        (CALENDAR, "2026-Q1", "2025-Q4", "2026-Q2"),
        (CALENDAR, "2025-Q4", "2025-Q3", "2026-Q1"),
        (CALENDAR, "2026", "2025", "2027"),
        (APRIL, "2026-03", "2026-02", "2026-04"),
        (APRIL, "2026-Q4", "2026-Q3", "2027-Q1"),
        (APRIL, "2026-Q1", "2025-Q4", "2026-Q2"),
    ],
)
def test_previous_and_next_cross_year_boundaries(calendar, label, before, after):
    period = calendar.parse(label)
    assert calendar.previous(period).label == before
    assert calendar.next(period).label == after
    assert calendar.next(calendar.previous(period)) == period


def test_next_quarter_follows_on_the_next_day():
    q4 = APRIL.parse("2026-Q4")
    assert APRIL.next(q4).start == q4.end + datetime.timedelta(days=1)


# -- year to date and latest ended -------------------------------------------------------


def test_year_to_date_starts_at_the_fiscal_year():
    assert labels(APRIL.year_to_date(APRIL.parse("2026-Q3"), Q)) == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert labels(APRIL.year_to_date(APRIL.parse("2025-06"), M)) == ["2025-04", "2025-05", "2025-06"]
    assert labels(APRIL.year_to_date(APRIL.parse("2026-Q2"), M)) == [
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
        "2025-09",
    ]
    assert labels(CALENDAR.year_to_date(CALENDAR.parse("2026-Q1"), Q)) == ["2026-Q1"]
    assert labels(CALENDAR.year_to_date(CALENDAR.parse("2026"), A)) == ["2026"]
    assert len(CALENDAR.year_to_date(CALENDAR.parse("2026"), M)) == 12


def test_year_to_date_refuses_a_coarser_frequency():
    with pytest.raises(ValueError):
        CALENDAR.year_to_date(CALENDAR.parse("2026-Q2"), A)


def test_latest_ended_coarser_period_is_the_last_complete_one():
    # An annual KPI shown in the Q2 review: the current year has not ended yet.
    assert CALENDAR.latest_ended(CALENDAR.parse("2026-Q2"), A).label == "2025"
    # ...but in the Q4 review it has.
    assert CALENDAR.latest_ended(CALENDAR.parse("2026-Q4"), A).label == "2026"
    assert CALENDAR.latest_ended(CALENDAR.parse("2026-11"), Q).label == "2026-Q3"
    assert CALENDAR.latest_ended(CALENDAR.parse("2026-12"), Q).label == "2026-Q4"
    assert APRIL.latest_ended(APRIL.parse("2026-Q2"), A).label == "2025"
    assert APRIL.latest_ended(APRIL.parse("2026-03"), A).label == "2026"


def test_latest_ended_finer_or_equal_period_ends_with_it():
    assert CALENDAR.latest_ended(CALENDAR.parse("2026-Q2"), M).label == "2026-06"
    assert APRIL.latest_ended(APRIL.parse("2026"), Q).label == "2026-Q4"
    q = CALENDAR.parse("2026-Q2")
    assert CALENDAR.latest_ended(q, Q) == q


@given(
    start_month=st.integers(1, 12),
    year=st.integers(1901, 2199),
    month=st.integers(1, 12),
    frequency=st.sampled_from(list(Frequency)),
)
def test_latest_ended_has_ended_and_its_successor_has_not(start_month, year, month, frequency):
    calendar = FiscalCalendar(start_month)
    review = calendar.month(year, month)
    found = calendar.latest_ended(review, frequency)
    assert found.frequency is frequency
    assert found.end <= review.end
    assert calendar.next(found).end > review.end


# -- fits and range ------------------------------------------------------------------


def test_fits_checks_the_frequency():
    assert CALENDAR.fits(CALENDAR.parse("2026-Q3"), Q)
    assert not CALENDAR.fits(CALENDAR.parse("2026-09"), Q)
    assert CALENDAR.fits(CALENDAR.parse(2026), "annual")


def test_range_is_inclusive_and_crosses_years():
    assert labels(CALENDAR.range(CALENDAR.parse("2025-11"), CALENDAR.parse("2026-02"))) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert labels(APRIL.range(APRIL.parse("2026-Q3"), APRIL.parse("2027-Q1"))) == [
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
    ]
    one = CALENDAR.parse("2026")
    assert CALENDAR.range(one, one) == [one]


def test_range_backwards_is_empty():
    assert CALENDAR.range(CALENDAR.parse("2026-Q3"), CALENDAR.parse("2026-Q1")) == []


def test_range_refuses_mixed_frequencies():
    with pytest.raises(ValueError, match="one frequency"):
        CALENDAR.range(CALENDAR.parse("2026-Q1"), CALENDAR.parse("2026-12"))


def test_periods_of_another_calendar_are_refused():
    with pytest.raises(ValueError, match="another|other"):
        APRIL.next(CALENDAR.parse("2026-Q1"))
    with pytest.raises(ValueError):
        APRIL.containing(CALENDAR.parse("2026-05"), Q)


# -- ordering and identity -------------------------------------------------------------


def test_periods_sort_chronologically_by_end_finer_first_on_ties():
    mixed = [CALENDAR.parse(t) for t in ["2026", "2026-Q4", "2026-12", "2026-Q1", "2026-01", "2025", "2026-03"]]
    expected = ["2025", "2026-01", "2026-03", "2026-Q1", "2026-12", "2026-Q4", "2026"]
    assert labels(sorted(mixed)) == expected
    for seed in range(20):
        shuffled = mixed[:]
        random.Random(seed).shuffle(shuffled)
        assert labels(sorted(shuffled)) == expected


def test_comparisons_agree_with_one_another():
    q1, q2 = CALENDAR.parse("2026-Q1"), CALENDAR.parse("2026-Q2")
    assert q1 < q2 and q1 <= q2 and q2 > q1 and q2 >= q1 and q1 != q2
    assert q1 <= CALENDAR.parse("2026-Q1") and q1 >= CALENDAR.parse("2026-Q1")
    assert max([q2, q1]) == q2


def test_periods_compare_only_with_periods():
    with pytest.raises(TypeError):
        CALENDAR.parse("2026") < "2027"  # noqa: B015


def test_periods_are_values_usable_as_keys():
    assert CALENDAR.parse("2026-Q3") == CALENDAR.parse(" 2026-q3")
    values = {CALENDAR.parse("2026-Q3"): 21.4}
    assert values[CALENDAR.quarter(2026, 3)] == 21.4
    with pytest.raises(AttributeError):
        CALENDAR.parse("2026").label = "2027"  # type: ignore[misc]


def test_same_label_in_two_calendars_is_two_periods():
    assert CALENDAR.parse("2026") != APRIL.parse("2026")
    assert APRIL.parse("2026") < CALENDAR.parse("2026")
