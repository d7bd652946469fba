"""The score of one KPI value, its status band, variance, aggregation, trend and explanation."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bsc_site.status.scoring import (
    GOAL_SCORE,
    RED_FLAG_SCORE,
    Aggregation,
    Direction,
    Status,
    Thresholds,
    Trend,
    aggregate,
    band,
    default_red_flag,
    explain,
    score,
    threshold_conflict,
    trend,
    variance,
    variance_ratio,
)

HIGHER, LOWER, RANGE = Direction.HIGHER, Direction.LOWER, Direction.RANGE

# Magnitudes KPIs have in practice; beyond ~1e12 float rounding, not the formula, decides.
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
gaps = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


# -- the scale -----------------------------------------------------------------------


def test_goal_and_red_flag_scores_are_two_thirds_and_one_third_of_ten():
    assert GOAL_SCORE == pytest.approx(6.67, abs=0.005)
    assert RED_FLAG_SCORE == pytest.approx(3.33, abs=0.005)


@pytest.mark.parametrize(
    "actual, target, red_flag, direction",
    [(22, 22, 19, HIGHER), (5, 5, 8, LOWER), (0, 0, -1, HIGHER), (-3, -3, -2, LOWER)],
)
def test_actual_at_target_scores_the_goal(actual, target, red_flag, direction):
    assert score(actual, target, red_flag, direction) == GOAL_SCORE


@pytest.mark.parametrize(
    "actual, target, red_flag, direction",
    [(19, 22, 19, HIGHER), (8, 5, 8, LOWER), (-1, 0, -1, HIGHER)],
)
def test_actual_at_red_flag_scores_the_red_flag_score(actual, target, red_flag, direction):
    assert score(actual, target, red_flag, direction) == RED_FLAG_SCORE


def test_midway_between_red_flag_and_target_scores_five():
    assert score(20.5, 22, 19, HIGHER) == pytest.approx(5.0)
    assert score(6.5, 5, 8, LOWER) == pytest.approx(5.0)


def test_score_runs_on_linearly_beyond_the_target_and_the_red_flag():
    # One red-flag distance (3) beyond the target adds one third of the scale.
    assert score(25, 22, 19, HIGHER) == pytest.approx(10.0)
    assert score(23.5, 22, 19, HIGHER) == pytest.approx(GOAL_SCORE + 10 / 6)
    assert score(17.5, 22, 19, HIGHER) == pytest.approx(RED_FLAG_SCORE - 10 / 6)


def test_score_is_clamped_to_zero_and_ten():
    assert score(1000, 22, 19, HIGHER) == 10.0
    assert score(-1000, 22, 19, HIGHER) == 0.0
    assert score(16, 22, 19, HIGHER) == 0.0
    assert score(-1000, 5, 8, LOWER) == 10.0
    assert score(1000, 5, 8, LOWER) == 0.0


def test_score_works_with_ints_and_floats_alike():
    assert score(21, 22, 19, "higher") == score(21.0, 22.0, 19.0, HIGHER)


@given(actual=values, target=values, gap=gaps)
def test_lower_is_better_mirrors_higher_is_better(actual, target, gap):
    red_flag = target - gap
    higher = score(actual, target, red_flag, HIGHER)
    lower = score(-actual, -target, -red_flag, LOWER)
    assert math.isclose(higher, lower, abs_tol=1e-9)


@given(worse=values, better=values, target=values, gap=gaps)
def test_a_better_actual_never_lowers_the_score(worse, better, target, gap):
    assume(worse != better)
    worse, better = min(worse, better), max(worse, better)
    assert score(better, target, target - gap, HIGHER) >= score(worse, target, target - gap, HIGHER)
    # For lower-is-better the smaller value is the better one.
    assert score(worse, target, target + gap, LOWER) >= score(better, target, target + gap, LOWER)


@given(actual=values, target=values, red_flag=values, direction=st.sampled_from([HIGHER, LOWER]))
def test_score_stays_on_the_scale(actual, target, red_flag, direction):
    assume(threshold_conflict(target, red_flag, direction) is None)
    assert 0.0 <= score(actual, target, red_flag, direction) <= 10.0


def test_score_is_deterministic():
    results = {score(21.4, 22, 19.8, HIGHER) for _ in range(100)}
    assert len(results) == 1


# -- target equal to red flag: pass or fail --------------------------------------------


@pytest.mark.parametrize(
    "actual, direction, expected",
    [
        (1, HIGHER, GOAL_SCORE),
        (2, HIGHER, GOAL_SCORE),
        (0.99, HIGHER, 0.0),
        (1, LOWER, GOAL_SCORE),
        (0, LOWER, GOAL_SCORE),
        (1.01, LOWER, 0.0),
    ],
)
def test_target_equal_to_red_flag_is_pass_or_fail(actual, direction, expected):
    assert score(actual, 1, 1, direction) == expected


# -- ranges ----------------------------------------------------------------------------

TARGET_RANGE = (20.0, 30.0)
RANGE_FLAGS = (15.0, 40.0)


def test_range_midpoint_scores_ten_and_edges_the_goal():
    assert score(25, TARGET_RANGE, RANGE_FLAGS, RANGE) == 10.0
    assert score(20, TARGET_RANGE, RANGE_FLAGS, RANGE) == pytest.approx(GOAL_SCORE)
    assert score(30, TARGET_RANGE, RANGE_FLAGS, RANGE) == pytest.approx(GOAL_SCORE)
    assert score(22.5, TARGET_RANGE, RANGE_FLAGS, RANGE) == pytest.approx((GOAL_SCORE + 10) / 2)


def test_range_outside_uses_each_sides_own_red_flag():
    assert score(15, TARGET_RANGE, RANGE_FLAGS, RANGE) == pytest.approx(RED_FLAG_SCORE)
    assert score(40, TARGET_RANGE, RANGE_FLAGS, RANGE) == pytest.approx(RED_FLAG_SCORE)
    assert score(35, TARGET_RANGE, RANGE_FLAGS, RANGE) == pytest.approx(5.0)
    assert score(0, TARGET_RANGE, RANGE_FLAGS, RANGE) == 0.0
    assert score(100, TARGET_RANGE, RANGE_FLAGS, RANGE) == 0.0


def test_range_accepts_lists_as_yaml_gives_them():
    assert score(25, [20, 30], [15, 40], "range") == 10.0


@given(low=values, width=gaps, fraction=st.floats(0, 1), flag_gap=gaps)
def test_inside_the_range_scores_at_least_the_goal(low, width, fraction, flag_gap):
    high = low + width
    actual = min(high, low + fraction * width)
    flags = (low - flag_gap, high + flag_gap)
    assert GOAL_SCORE <= score(actual, (low, high), flags, RANGE) <= 10.0


# Multiples of 1/8 keep midpoint ± offset exact, so only the formula is under test.
eighths = st.integers(-8_000_000, 8_000_000).map(lambda n: n / 8)
positive_eighths = st.integers(1, 8_000_000).map(lambda n: n / 8)


@given(low=eighths, width=positive_eighths, offset=positive_eighths, flag_gap=positive_eighths)
def test_range_score_is_symmetric_about_the_midpoint(low, width, offset, flag_gap):
    high = low + 2 * width
    midpoint = low + width
    flags = (low - flag_gap, high + flag_gap)
    above = score(midpoint + offset, (low, high), flags, RANGE)
    below = score(midpoint - offset, (low, high), flags, RANGE)
    assert math.isclose(above, below, abs_tol=1e-9)


@given(near=st.floats(0, 1e6), far=st.floats(0, 1e6), side=st.sampled_from([-1, 1]))
def test_range_score_falls_with_distance_from_the_midpoint(near, far, side):
    near, far = min(near, far), max(near, far)
    assert score(25 + side * near, TARGET_RANGE, RANGE_FLAGS, RANGE) >= score(
        25 + side * far, TARGET_RANGE, RANGE_FLAGS, RANGE
    )


def test_zero_width_range_scores_ten_only_on_it():
    assert score(5, (5, 5), (4, 6), RANGE) == 10.0
    assert score(4.5, (5, 5), (4, 6), RANGE) == pytest.approx(5.0)
    assert score(5.5, (5, 5), (4, 6), RANGE) == pytest.approx(5.0)


def test_range_red_flag_at_the_bound_is_a_step_to_zero():
    assert score(19.9, TARGET_RANGE, (20, 40), RANGE) == 0.0
    assert score(20, TARGET_RANGE, (20, 40), RANGE) == pytest.approx(GOAL_SCORE)


# -- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize("actual", [math.nan, math.inf, -math.inf, "21", None])
def test_score_refuses_what_is_not_a_finite_number(actual):
    with pytest.raises(ValueError, match="finite"):
        score(actual, 22, 19, HIGHER)


def test_score_refuses_a_red_flag_on_the_wrong_side():
    # Scored anyway, a higher-is-better KPI would silently be treated as lower-is-better.
    with pytest.raises(ValueError, match="red flag 25 must be at or below the target 22"):
        score(21, 22, 25, HIGHER)
    with pytest.raises(ValueError):
        score(21, 22, 19, LOWER)
    with pytest.raises(ValueError):
        score(21, (30, 20), (15, 40), RANGE)
    with pytest.raises(ValueError):
        score(21, 22, 19, RANGE)


# -- default red flag ------------------------------------------------------------------


def test_default_red_flag_is_tolerance_times_target_on_the_bad_side():
    assert default_red_flag(22, HIGHER, 0.1) == pytest.approx(19.8)
    assert default_red_flag(50, LOWER, 0.1) == pytest.approx(55)
    assert default_red_flag(-10, HIGHER, 0.1) == pytest.approx(-11)
    assert default_red_flag(-10, LOWER, 0.1) == pytest.approx(-9)
    low, high = default_red_flag((20, 30), RANGE, 0.1)
    assert (low, high) == (pytest.approx(18), pytest.approx(33))


def test_default_red_flag_of_a_zero_target_uses_the_tolerance_as_a_distance():
    assert default_red_flag(0, HIGHER, 0.1) == pytest.approx(-0.1)
    assert default_red_flag(0, LOWER, 0.1) == pytest.approx(0.1)
    assert default_red_flag((0, 5), RANGE, 0.1) == (pytest.approx(-0.1), pytest.approx(5.5))
    assert default_red_flag((-5, 0), RANGE, 0.1) == (pytest.approx(-5.5), pytest.approx(0.1))


@given(target=values, tolerance=st.floats(0, 10), direction=st.sampled_from([HIGHER, LOWER]))
def test_default_red_flag_never_conflicts(target, tolerance, direction):
    assert threshold_conflict(target, default_red_flag(target, direction, tolerance), direction) is None


def test_zero_tolerance_makes_a_pass_fail_kpi():
    red_flag = default_red_flag(22, HIGHER, 0)
    assert red_flag == 22
    assert score(21.9, 22, red_flag, HIGHER) == 0.0


@pytest.mark.parametrize("tolerance", [-0.1, math.nan, math.inf])
def test_default_red_flag_refuses_a_bad_tolerance(tolerance):
    with pytest.raises(ValueError):
        default_red_flag(22, HIGHER, tolerance)


# -- threshold conflicts ---------------------------------------------------------------


def test_consistent_thresholds_have_no_conflict():
    assert threshold_conflict(22, 19, HIGHER) is None
    assert threshold_conflict(5, 8, LOWER) is None
    assert threshold_conflict((20, 30), (15, 40), RANGE) is None
    assert threshold_conflict([20, 30], [15, 40], RANGE) is None
    assert threshold_conflict((5, 5), (4, 6), RANGE) is None


def test_red_flag_equal_to_target_is_allowed():
    assert threshold_conflict(1, 1, HIGHER) is None
    assert threshold_conflict(1, 1, LOWER) is None
    assert threshold_conflict((20, 30), (20, 30), RANGE) is None


@pytest.mark.parametrize(
    "target, red_flag, direction, words",
    [
        (22, 25, HIGHER, ["higher is better", "25", "22"]),
        (5, 3, LOWER, ["lower is better", "3", "5"]),
        ((30, 20), (15, 40), RANGE, ["upside down"]),
        ((20, 30), (21, 40), RANGE, ["low red flag 21"]),
        ((20, 30), (15, 29), RANGE, ["high red flag 29"]),
        (22, (15, 40), RANGE, ["pair", "22"]),
        ((20, 30), 15, RANGE, ["red flag as a pair"]),
        ((20, 30, 40), (15, 40), RANGE, ["pair"]),
        ((20, 30), 19, HIGHER, ["one finite target value"]),
        (22, (15, 40), LOWER, ["one finite red flag value"]),
        (math.nan, 19, HIGHER, ["finite"]),
    ],
)
def test_conflicts_are_explained(target, red_flag, direction, words):
    message = threshold_conflict(target, red_flag, direction)
    assert message is not None
    for word in words:
        assert word in message


# -- bands -----------------------------------------------------------------------------


def test_band_boundaries_are_inclusive():
    assert band(GOAL_SCORE) is Status.ON_TRACK
    assert band(RED_FLAG_SCORE) is Status.AT_RISK
    assert band(10) is Status.ON_TRACK
    assert band(5) is Status.AT_RISK
    assert band(3.3) is Status.OFF_TRACK
    assert band(0) is Status.OFF_TRACK


def test_band_of_actual_at_target_and_at_red_flag():
    assert band(score(22, 22, 19, HIGHER)) is Status.ON_TRACK
    assert band(score(19, 22, 19, HIGHER)) is Status.AT_RISK
    assert band(score(18.99, 22, 19, HIGHER)) is Status.OFF_TRACK


def test_band_with_thresholds_written_to_two_decimals():
    # Settings say 6.67 and 3.33; a KPI exactly at its target or red flag must still reach them.
    written = Thresholds(on_track=6.67, at_risk=3.33)
    assert band(score(22, 22, 19, HIGHER), written) is Status.ON_TRACK
    assert band(score(19, 22, 19, HIGHER), written) is Status.AT_RISK
    assert band(6.66, written) is Status.AT_RISK
    assert band(3.32, written) is Status.OFF_TRACK


def test_band_with_custom_thresholds():
    strict = Thresholds(on_track=8, at_risk=5)
    assert band(8, strict) is Status.ON_TRACK
    assert band(7.99, strict) is Status.AT_RISK
    assert band(5, strict) is Status.AT_RISK
    assert band(4.99, strict) is Status.OFF_TRACK


@pytest.mark.parametrize("on_track, at_risk", [(3, 5), (11, 5), (5, -1)])
def test_thresholds_must_be_ordered_on_the_scale(on_track, at_risk):
    with pytest.raises(ValueError):
        Thresholds(on_track=on_track, at_risk=at_risk)


def test_status_labels_and_icons_tell_statuses_apart_without_colour():
    assert [s.label for s in Status] == ["On track", "At risk", "Off track", "No data", "No target"]
    icons = [s.icon for s in Status]
    assert len(set(icons)) == len(icons)
    assert all(icon.strip() for icon in icons)
    assert Status("on-track") is Status.ON_TRACK
    assert str(Status.AT_RISK) == "at-risk"


# -- variance --------------------------------------------------------------------------


def test_variance_is_actual_minus_target():
    assert variance(21.4, 22, HIGHER) == pytest.approx(-0.6)
    assert variance(6, 5, LOWER) == pytest.approx(1)


def test_variance_of_a_range_is_the_distance_outside_it():
    assert variance(25, TARGET_RANGE, RANGE) == 0
    assert variance(20, TARGET_RANGE, RANGE) == 0
    assert variance(33, TARGET_RANGE, RANGE) == pytest.approx(3)
    assert variance(17, TARGET_RANGE, RANGE) == pytest.approx(-3)


def test_variance_ratio_is_relative_to_the_target_or_missed_bound():
    assert variance_ratio(19.8, 22, HIGHER) == pytest.approx(-0.1)
    assert variance_ratio(-11, -10, HIGHER) == pytest.approx(-0.1)
    assert variance_ratio(33, TARGET_RANGE, RANGE) == pytest.approx(0.1)
    assert variance_ratio(18, TARGET_RANGE, RANGE) == pytest.approx(-0.1)
    assert variance_ratio(25, TARGET_RANGE, RANGE) == 0


def test_variance_ratio_is_none_against_zero():
    assert variance_ratio(3, 0, LOWER) is None
    assert variance_ratio(-1, (0, 5), RANGE) is None


# -- aggregation -----------------------------------------------------------------------


def test_aggregate_sum_average_last():
    monthly = [10.0, 20.0, 60.0]
    assert aggregate(monthly, Aggregation.SUM) == 90
    assert aggregate(monthly, Aggregation.AVERAGE) == 30
    assert aggregate(monthly, Aggregation.LAST) == 60
    assert aggregate([4], "average") == 4


def test_aggregate_sum_is_exact_in_any_order():
    assert aggregate([0.1] * 10, Aggregation.SUM) == 1.0
    assert aggregate([1e16, 1.0, -1e16], Aggregation.SUM) == aggregate([1.0, 1e16, -1e16], Aggregation.SUM)


def test_aggregate_refuses_nothing_and_non_numbers():
    with pytest.raises(ValueError):
        aggregate([], Aggregation.SUM)
    with pytest.raises(ValueError):
        aggregate([1, math.nan], Aggregation.AVERAGE)


# -- trend -----------------------------------------------------------------------------


def test_trend_higher_is_better():
    assert trend(10, 12, HIGHER) is Trend.IMPROVING
    assert trend(12, 10, HIGHER) is Trend.WORSENING


def test_trend_lower_is_better():
    assert trend(12, 10, LOWER) is Trend.IMPROVING
    assert trend(10, 12, LOWER) is Trend.WORSENING


def test_trend_range_compares_the_distance_to_the_midpoint():
    assert trend(33, 28, RANGE, TARGET_RANGE) is Trend.IMPROVING
    assert trend(17, 24, RANGE, TARGET_RANGE) is Trend.IMPROVING
    # Crossing the midpoint to the same distance on the other side is no change.
    assert trend(23, 27, RANGE, TARGET_RANGE) is Trend.STEADY
    assert trend(25, 29, RANGE, TARGET_RANGE) is Trend.WORSENING


def test_trend_of_a_range_without_its_target_is_unknown():
    assert trend(1, 2, RANGE) is None
    with pytest.raises(ValueError):
        trend(1, 2, RANGE, 5)


def test_small_changes_are_steady():
    assert trend(100, 100, HIGHER) is Trend.STEADY
    assert trend(100, 100.4, HIGHER) is Trend.STEADY
    assert trend(100, 99.6, LOWER) is Trend.STEADY
    assert trend(100, 100.6, HIGHER) is Trend.IMPROVING
    assert trend(100, 101, HIGHER, steady_within=0.02) is Trend.STEADY
    # A range measures change against its half-width: 0.5 % of 5 is 0.025.
    assert trend(26, 26.02, RANGE, TARGET_RANGE) is Trend.STEADY
    assert trend(26, 26.03, RANGE, TARGET_RANGE) is Trend.WORSENING


def test_any_change_from_zero_counts():
    assert trend(0, 0.001, HIGHER) is Trend.IMPROVING
    assert trend(0, 0, HIGHER) is Trend.STEADY


def test_trend_needs_both_values():
    assert trend(None, 5, HIGHER) is None
    assert trend(5, None, LOWER) is None


def test_trend_arrows_and_labels():
    assert [t.arrow for t in Trend] == ["↑", "↓", "→"]
    assert [t.label for t in Trend] == ["Improving", "Worsening", "Steady"]


# -- explanation -----------------------------------------------------------------------


def explained(actual, target, red_flag, direction, *, defaulted=False, tolerance=0.1, thresholds=Thresholds()):
    value = score(actual, target, red_flag, direction)
    return explain(
        actual,
        target,
        red_flag,
        direction,
        value,
        band(value, thresholds),
        red_flag_defaulted=defaulted,
        tolerance=tolerance,
    )


def test_explain_shows_the_numbers_and_the_status():
    text = explained(21.4, 22, 19, HIGHER)
    assert text == (
        "Higher is better. Actual 21.4 against target 22 (red flag 19): score 6 of 10 — "
        "between the red flag (3.33) and the goal (6.67), so at risk."
    )


def test_explain_says_when_the_red_flag_came_from_the_tolerance():
    text = explained(23, 22, 19.8, HIGHER, defaulted=True)
    assert "red flag 19.8 = target − 10 %" in text
    assert "on track" in text
    assert "Lower is better" in explained(60, 50, 55, LOWER, defaulted=True)
    assert "red flag 55 = target + 10 %" in explained(60, 50, 55, LOWER, defaulted=True)
    assert "off track" in explained(60, 50, 55, LOWER, defaulted=True)


def test_explain_a_defaulted_red_flag_for_a_zero_target():
    text = explained(-0.05, 0, -0.1, HIGHER, defaulted=True)
    assert "target − 0.1, as the target is 0" in text


def test_explain_a_range():
    text = explained(33, TARGET_RANGE, (18, 33), RANGE, defaulted=True)
    assert "range 20 to 30" in text
    assert "red flags 18 and 33 = range ± 10 %" in text
    assert "midpoint 25" in text
    assert "score 3.33 of 10" in text
    assert "at risk" in text


def test_explain_a_pass_fail_kpi():
    text = explained(0, 1, 1, HIGHER)
    assert "score 0 of 10" in text
    assert "off track" in text
    assert "missing the target scores 0" in text


def test_explain_names_custom_thresholds_when_they_decide():
    text = explained(21.4, 22, 19, HIGHER, thresholds=Thresholds(on_track=5, at_risk=2))
    assert "on track" in text
    assert "thresholds" in text


def test_explain_formats_large_numbers_readably():
    assert "1,200,000" in explained(1_200_000, 1_000_000, 900_000, HIGHER)


def test_explain_is_only_for_scored_values():
    with pytest.raises(ValueError):
        explain(1, 2, 1, HIGHER, 5, Status.NO_DATA, red_flag_defaulted=False, tolerance=0.1)
