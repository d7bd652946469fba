"""The score of one KPI value, its status, variance and trend: pure functions.

The score puts every KPI on one 0-10 scale, whatever its unit, so that objectives,
perspectives and units can average their children. As in Spider Impact (QuickScore),
a KPI has a target (the goal) and a red flag (the value at which it is off track):

    score = GOAL_SCORE + (actual - target) / (target - red_flag) * (GOAL_SCORE - RED_FLAG_SCORE)

clamped to [0, 10]. The target scores GOAL_SCORE (6.67), the red flag RED_FLAG_SCORE
(3.33), and the line runs on beyond both. Lower-is-better needs no special case: its red
flag lies above its target, which turns the slope around.

* Target equal to red flag (a pass/fail KPI, or a tolerance of 0): meeting or beating the
  target scores GOAL_SCORE, missing it scores 0. There is no scale to measure "how far
  beyond" by, so beating the target earns no more than meeting it.
* ``direction: range`` ("keep between"): target (low, high), red flag (low_rf, high_rf).
  Inside the range the score rises linearly from GOAL_SCORE at either edge to 10 at the
  midpoint; a zero-width range scores 10 exactly on it. Below ``low`` the formula above
  runs with target ``low`` and red flag ``low_rf``; above ``high`` with ``high`` and
  ``high_rf``. A red flag equal to its bound is a step down to 0, as above.

A red flag on the wrong side of the target (above it for higher-is-better) contradicts
the direction; ``threshold_conflict`` explains it and ``score`` refuses it, rather than
silently scoring the KPI as if its direction were the other way round.

The status bands the score: at or above ``on_track`` (default GOAL_SCORE) on track, at or
above ``at_risk`` (default RED_FLAG_SCORE) at risk, below that off track. ``band`` judges
the score as displayed, rounded to SCORE_DECIMALS, so a score shown as 6.67 is never
called at risk because its threshold was written as 6.67 rather than 20/3.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

__all__ = [
    "BAND_SCORES",
    "GOAL_SCORE",
    "MAX_SCORE",
    "RED_FLAG_SCORE",
    "SCORE_DECIMALS",
    "Aggregation",
    "Direction",
    "Status",
    "Target",
    "Thresholds",
    "Trend",
    "aggregate",
    "band",
    "band_checked",
    "default_red_flag",
    "explain",
    "score",
    "score_checked",
    "threshold_conflict",
    "trend",
    "variance",
    "variance_ratio",
]

MAX_SCORE = 10.0
GOAL_SCORE = 20 / 3  # 6.67: where the target lies on the 0-10 scale
RED_FLAG_SCORE = 10 / 3  # 3.33: where the red flag lies
SCORE_DECIMALS = 2  # scores are shown, and banded, to this many decimals

Target = float | tuple[float, float]  # one value, or (low, high) for Direction.RANGE


class Direction(str, enum.Enum):
    """Which actuals are better: higher, lower, or inside a range."""

    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _DIRECTION_LABELS[self]


_DIRECTION_LABELS = {
    Direction.HIGHER: "Higher is better",
    Direction.LOWER: "Lower is better",
    Direction.RANGE: "Within the range is better",
}


class Status(str, enum.Enum):
    """The traffic light of a KPI, objective or unit in one period."""

    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OFF_TRACK = "off-track"
    NO_DATA = "no-data"
    NO_TARGET = "no-target"

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def icon(self) -> str:
        """A symbol that tells the status apart without its colour."""
        return _STATUS_ICONS[self]


_STATUS_LABELS = {
    Status.ON_TRACK: "On track",
    Status.AT_RISK: "At risk",
    Status.OFF_TRACK: "Off track",
    Status.NO_DATA: "No data",
    Status.NO_TARGET: "No target",
}
# Check, exclamation, cross: the usual pass / warn / fail shapes. "!" rather than a
# triangle, which beside the trend arrows would read as "up". A dash for "nothing
# reported" and an empty circle for "nothing to measure against" stay visibly empty.
_STATUS_ICONS = {
    Status.ON_TRACK: "✔",
    Status.AT_RISK: "!",
    Status.OFF_TRACK: "✖",
    Status.NO_DATA: "–",
    Status.NO_TARGET: "○",
}


# An overridden status carries no score of its own; roll-ups count it with the middle
# score of its band (ClearPoint likewise gives each status a score for roll-ups).
BAND_SCORES = {
    Status.ON_TRACK: (GOAL_SCORE + MAX_SCORE) / 2,  # 8.33
    Status.AT_RISK: (RED_FLAG_SCORE + GOAL_SCORE) / 2,  # 5.00
    Status.OFF_TRACK: RED_FLAG_SCORE / 2,  # 1.67
}


class Aggregation(str, enum.Enum):
    """How the values of several periods combine into one."""

    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"

    def __str__(self) -> str:
        return self.value


class Trend(str, enum.Enum):
    """Whether a KPI moved the good way since the previous period."""

    IMPROVING = "improving"
    WORSENING = "worsening"
    STEADY = "steady"

    def __str__(self) -> str:
        return self.value

    @property
    def arrow(self) -> str:
        return _TREND_ARROWS[self]

    @property
    def label(self) -> str:
        return self.value.capitalize()


_TREND_ARROWS = {Trend.IMPROVING: "↑", Trend.WORSENING: "↓", Trend.STEADY: "→"}


@dataclass(frozen=True)
class Thresholds:
    """The scores at or above which a KPI is on track, and at risk."""

    on_track: float = GOAL_SCORE
    at_risk: float = RED_FLAG_SCORE

    def __post_init__(self) -> None:
        if not 0 <= self.at_risk <= self.on_track <= MAX_SCORE:
            raise ValueError(
                f"status thresholds need 0 <= at_risk <= on_track <= 10, "
                f"got at_risk {self.at_risk} and on_track {self.on_track}"
            )

    @cached_property
    def shown(self) -> tuple[float, float]:
        """on_track and at_risk as displayed, which scores are compared to."""
        return round(self.on_track, SCORE_DECIMALS), round(self.at_risk, SCORE_DECIMALS)


# -- thresholds --------------------------------------------------------------------


def default_red_flag(target: Target, direction: Direction, tolerance: float) -> Target:
    """The red flag ``tolerance`` (a fraction) away from the target, on the bad side.

    The distance is ``tolerance * |target|``; for a target (or range bound) of 0, where a
    fraction of it would be no distance at all, ``tolerance`` itself is the distance.
    """
    direction = _member(Direction, direction)
    if not math.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a fraction of 0 or more, got {tolerance!r}")
    if direction is Direction.RANGE:
        low, high = _pair(target, "target")
        return (low - _distance(low, tolerance), high + _distance(high, tolerance))
    value = _single(target, "target")
    if direction is Direction.HIGHER:
        return value - _distance(value, tolerance)
    return value + _distance(value, tolerance)


def threshold_conflict(target: Target, red_flag: Target, direction: Direction) -> str | None:
    """A sentence saying how target and red flag contradict the direction, or None."""
    direction = _member(Direction, direction)
    if direction is Direction.RANGE:
        if not _is_pair(target):
            return (
                "direction range needs the target as a pair [low, high] of finite numbers, "
                f"got {_show(target)}"
            )
        if not _is_pair(red_flag):
            return (
                "direction range needs the red flag as a pair [low, high] of finite numbers, "
                f"got {_show(red_flag)}"
            )
        low, high = target
        low_rf, high_rf = red_flag
        if low > high:
            return (
                f"the target range [{_num(low)}, {_num(high)}] is upside down: "
                "its low end is above its high end"
            )
        if low_rf > low:
            return (
                f"the low red flag {_num(low_rf)} must be at or below the low end of the "
                f"target range {_num(low)}"
            )
        if high_rf < high:
            return (
                f"the high red flag {_num(high_rf)} must be at or above the high end of the "
                f"target range {_num(high)}"
            )
        return None
    if not _is_single(target):
        return f"direction {direction.value} needs one finite target value, got {_show(target)}"
    if not _is_single(red_flag):
        return f"direction {direction.value} needs one finite red flag value, got {_show(red_flag)}"
    if direction is Direction.HIGHER and red_flag > target:
        return (
            f"higher is better, so the red flag {_num(red_flag)} must be at or below "
            f"the target {_num(target)}"
        )
    if direction is Direction.LOWER and red_flag < target:
        return (
            f"lower is better, so the red flag {_num(red_flag)} must be at or above "
            f"the target {_num(target)}"
        )
    return None


# -- score and status --------------------------------------------------------------


def score(actual: float, target: Target, red_flag: Target, direction: Direction) -> float:
    """The 0-10 score of ``actual`` (see the module docstring for the formula)."""
    direction = _member(Direction, direction)
    _check_finite(actual, "actual")
    conflict = threshold_conflict(target, red_flag, direction)
    if conflict:
        raise ValueError(conflict)
    return score_checked(actual, target, red_flag, direction)


def score_checked(actual: float, target: Target, red_flag: Target, direction: Direction) -> float:
    """``score`` without its checks, for a caller that has made them: a finite actual, and
    thresholds without a ``threshold_conflict`` for the Direction given."""
    if direction is Direction.RANGE:
        low, high = target
        low_rf, high_rf = red_flag
        if actual < low:
            return _linear(actual, low, low_rf, better=False)
        if actual > high:
            return _linear(actual, high, high_rf, better=False)
        half_width = (high - low) / 2
        if half_width == 0:
            return MAX_SCORE
        off_centre = abs(actual - (low + half_width)) / half_width
        inside = GOAL_SCORE + (MAX_SCORE - GOAL_SCORE) * (1 - off_centre)
        # Rounding in the midpoint must not push an edge value just below the goal.
        return min(MAX_SCORE, max(GOAL_SCORE, inside))
    meets = actual >= target if direction is Direction.HIGHER else actual <= target
    return _linear(actual, target, red_flag, better=meets)


def band(score: float, thresholds: Thresholds = Thresholds()) -> Status:
    """On track, at risk or off track; both thresholds count as reached when met exactly."""
    _check_finite(score, "score")
    return band_checked(score, thresholds)


def band_checked(score: float, thresholds: Thresholds) -> Status:
    """``band`` without its check, for a caller whose score is a finite number (``score``'s)."""
    # Compare as displayed: unrounded, a KPI exactly at its red flag (3.3333...) would
    # fall below a threshold of 3.33 written in the settings, or the reverse.
    shown = round(score, SCORE_DECIMALS)
    on_track, at_risk = thresholds.shown
    if shown >= on_track:
        return Status.ON_TRACK
    if shown >= at_risk:
        return Status.AT_RISK
    return Status.OFF_TRACK


def _linear(actual: float, target: float, red_flag: float, *, better: bool) -> float:
    if target == red_flag:
        # A pass/fail KPI: no distance to scale by, so a step.
        return GOAL_SCORE if better or actual == target else 0.0
    raw = GOAL_SCORE + (actual - target) / (target - red_flag) * (GOAL_SCORE - RED_FLAG_SCORE)
    return min(MAX_SCORE, max(0.0, raw))


# -- variance, aggregation, trend --------------------------------------------------


def variance(actual: float, target: Target, direction: Direction) -> float:
    """How far the actual is from the target: actual - target, or from the range (0 inside)."""
    direction = _member(Direction, direction)
    _check_finite(actual, "actual")
    if direction is Direction.RANGE:
        low, high = _pair(target, "target")
        if actual > high:
            return actual - high
        if actual < low:
            return actual - low
        return 0.0
    return actual - _single(target, "target")


def variance_ratio(actual: float, target: Target, direction: Direction) -> float | None:
    """The variance as a fraction of |target| (or of the bound missed); None when that is 0."""
    direction = _member(Direction, direction)
    difference = variance(actual, target, direction)
    if direction is Direction.RANGE:
        if difference == 0:
            return 0.0
        low, high = _pair(target, "target")
        reference = high if difference > 0 else low
    else:
        reference = _single(target, "target")
    if reference == 0:
        return None
    return difference / abs(reference)


def aggregate(values: Sequence[float], aggregation: Aggregation) -> float:
    """Combine the values of several periods, given in period order, into one."""
    aggregation = _member(Aggregation, aggregation)
    if not values:
        raise ValueError("cannot aggregate no values")
    for value in values:
        _check_finite(value, "value")
    if aggregation is Aggregation.LAST:
        return float(values[-1])
    # fsum: exact, so the total does not depend on the order of the values.
    total = math.fsum(values)
    return total if aggregation is Aggregation.SUM else total / len(values)


def trend(
    previous: float | None,
    current: float | None,
    direction: Direction,
    target: Target | None = None,
    steady_within: float = 0.005,
) -> Trend | None:
    """Whether ``current`` is better than ``previous``; None when either is missing.

    Higher is better: a rise improves. Lower is better: a fall improves. Range: moving
    closer to the midpoint of the target range improves, as the score peaks there; with
    no target range there is no midpoint, so no trend (None). A change of at most ``steady_within`` relative to the previous
    value (for a range: relative to the half-width, or to the midpoint's size when the
    range has no width) is steady, so noise in the last digit does not flip the arrow.
    """
    direction = _member(Direction, direction)
    if previous is None or current is None:
        return None
    _check_finite(previous, "previous")
    _check_finite(current, "current")
    if direction is Direction.RANGE:
        if target is None:
            return None
        low, high = _pair(target, "target")
        half_width = (high - low) / 2
        midpoint = low + half_width
        # Getting further from the midpoint is worse, so negate the change in distance.
        gain = abs(previous - midpoint) - abs(current - midpoint)
        scale = half_width if half_width > 0 else abs(midpoint)
    else:
        gain = current - previous if direction is Direction.HIGHER else previous - current
        scale = abs(previous)
    if abs(gain) <= steady_within * max(scale, 1e-9):
        return Trend.STEADY
    return Trend.IMPROVING if gain > 0 else Trend.WORSENING


# -- explanation -------------------------------------------------------------------


def explain(
    actual: float,
    target: Target,
    red_flag: Target,
    direction: Direction,
    score: float,
    status: Status,
    *,
    red_flag_defaulted: bool,
    tolerance: float,
) -> str:
    """One or two plain sentences showing how the score and status came about."""
    direction = _member(Direction, direction)
    status = Status(status)
    if status in (Status.NO_DATA, Status.NO_TARGET):
        raise ValueError(f"explain covers scored values; {status.label.lower()} has no calculation")
    if direction is Direction.RANGE:
        low, high = _pair(target, "target")
        low_rf, high_rf = _pair(red_flag, "red flag")
        flags = f"red flags {_num(low_rf)} and {_num(high_rf)}"
        if red_flag_defaulted:
            flags += f" = range ± {_percent(tolerance)}"
            if 0 in (low, high):
                flags += f" (± {_num(tolerance)} at a bound of 0)"
        opening = (
            f"{direction.label}, best at its midpoint {_num(low + (high - low) / 2)}. "
            f"Actual {_num(actual)} against the range {_num(low)} to {_num(high)} ({flags})"
        )
        step = "A red flag equals its end of the range, so falling outside there scores 0."
        degenerate = low == low_rf or high == high_rf
    else:
        value = _single(target, "target")
        flag = _single(red_flag, "red flag")
        flags = f"red flag {_num(flag)}"
        if red_flag_defaulted:
            sign = "−" if direction is Direction.HIGHER else "+"
            if value == 0:
                flags += f" = target {sign} {_num(tolerance)}, as the target is 0"
            else:
                flags += f" = target {sign} {_percent(tolerance)}"
        opening = f"{direction.label}. Actual {_num(actual)} against target {_num(value)} ({flags})"
        step = "The red flag equals the target, so missing the target scores 0."
        degenerate = value == flag
    shown = round(score, SCORE_DECIMALS)
    if shown >= round(GOAL_SCORE, SCORE_DECIMALS):
        where = f"at or above the goal ({_score(GOAL_SCORE)})"
    elif shown >= round(RED_FLAG_SCORE, SCORE_DECIMALS):
        where = (
            f"between the red flag ({_score(RED_FLAG_SCORE)}) and the goal ({_score(GOAL_SCORE)})"
        )
    else:
        where = f"below the red flag ({_score(RED_FLAG_SCORE)})"
    word = status.label.lower()
    # With custom thresholds the status need not follow from the position alone.
    if band(score) is status:
        verdict = f"so {word}"
    else:
        verdict = f"which this scorecard's thresholds call {word}"
    text = f"{opening}: score {_score(score)} of 10 — {where}, {verdict}."
    if degenerate:
        text += " " + step
    return text


# -- helpers -----------------------------------------------------------------------


def _distance(value: float, tolerance: float) -> float:
    return tolerance * abs(value) if value != 0 else tolerance


def _member(kind: type[enum.Enum], value):
    """``kind(value)``, at the cost of a type check for a value that is already a member."""
    return value if type(value) is kind else kind(value)


def _check_finite(value: float, name: str) -> None:
    if type(value) is float and math.isfinite(value):  # the usual case, decided at once
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _is_single(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_pair(value: object) -> bool:
    is_sequence = isinstance(value, (tuple, list))
    return is_sequence and len(value) == 2 and all(_is_single(v) for v in value)


def _single(value: Target, name: str) -> float:
    if not _is_single(value):
        raise ValueError(f"the {name} must be one finite number, got {_show(value)}")
    return value  # type: ignore[return-value]


def _pair(value: Target, name: str) -> tuple[float, float]:
    if not _is_pair(value):
        raise ValueError(
            f"the {name} must be a pair [low, high] of finite numbers, got {_show(value)}"
        )
    low, high = value  # type: ignore[misc]
    return low, high


def _show(value: object) -> str:
    if _is_pair(value):
        return f"[{_num(value[0])}, {_num(value[1])}]"  # type: ignore[index]
    if _is_single(value):
        return _num(value)  # type: ignore[arg-type]
    return repr(value)


def _num(value: float) -> str:
    """A number as people write it: no trailing zeros, at most 4 decimals, grouped thousands."""
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _score(value: float) -> str:
    text = f"{value:.{SCORE_DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _percent(fraction: float) -> str:
    return f"{_num(fraction * 100)} %"
