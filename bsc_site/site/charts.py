"""Small static SVG charts: a sparkline per KPI row and a history chart per KPI.

Coordinates are printed with fixed decimals so the same values give the same bytes.
Colours come from CSS classes (see assets/bsc.css), so palettes and print restyle them.
"""

from __future__ import annotations

import functools
from html import escape

from ..model import Kpi
from ..status.evaluate import KpiValue
from ..status.scoring import Status
from .render import kpi_value

# a status's class name and escaped word (Enum properties cost a call each)
_VALUE = {s: s.value for s in Status}
_LABEL = {s: escape(s.label) for s in Status}


def _f(x: float) -> str:
    return f"{x:.1f}"


def _mid(target) -> float | None:
    if target is None:
        return None
    return (target[0] + target[1]) / 2 if isinstance(target, tuple) else target


def _scale(values: list[float], low: float, high: float):
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad
    return lambda v: high - (v - lo) / (hi - lo) * (high - low)


def _segments(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split a line at missing values: a gap is drawn as a gap, never bridged."""
    out, current = [], []
    for p in points:
        if p is None:
            if current:
                out.append(current)
            current = []
        else:
            current.append(p)
    if current:
        out.append(current)
    return out


def _path(points: list[tuple[float, float]]) -> str:
    return " ".join([f"{x:.1f},{y:.1f}" for x, y in points])


def _describe(kpi: Kpi, values: list[KpiValue], shown: list[str] | None = None) -> str:
    """The KPI and each period's value, in words; `shown`: the values as `kpi_value` prints them."""
    if shown is None:
        shown = [kpi_value(v.actual, kpi) for v in values]
    return f"{kpi.name}, " + "; ".join([f"{v.period.label}: {text}" for v, text in zip(values, shown)])


@functools.lru_cache(maxsize=1024)
def _escaped(text: str) -> str:
    """escape() of the short texts a page repeats hundreds of times (period labels, status words)."""
    return escape(text)


def sparkline(kpi: Kpi, values: list[KpiValue], width: int = 96, height: int = 24) -> str:
    """Recent actuals (solid) against their targets (dashed)."""
    numbers = [v.actual for v in values if v.actual is not None] + [
        m for m in (_mid(v.target) for v in values) if m is not None]
    label = escape(_describe(kpi, values) + ". Dashed line: target.")
    if not numbers or len(values) < 2:
        return f'<svg class="bsc-spark" width="{width}" height="{height}" role="img" aria-label="{label}"></svg>'
    y = _scale(numbers, 3, height - 3)
    step = (width - 6) / (len(values) - 1)
    xs = [3 + i * step for i in range(len(values))]
    target_pts = [(x, y(_mid(v.target))) if v.target is not None else None for x, v in zip(xs, values)]
    actual_pts = [(x, y(v.actual)) if v.actual is not None else None for x, v in zip(xs, values)]
    parts = [f'<svg class="bsc-spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{label}">']
    for seg in _segments(target_pts):
        if len(seg) > 1:
            parts.append(f'<polyline class="bsc-spark__target" points="{_path(seg)}"/>')
    for seg in _segments(actual_pts):
        if len(seg) > 1:
            parts.append(f'<polyline class="bsc-spark__actual" points="{_path(seg)}"/>')
    last = values[-1]
    if actual_pts[-1] is not None:
        x, yy = actual_pts[-1]
        parts.append(f'<circle class="bsc-dot bsc-dot--{_VALUE[last.status]}" cx="{_f(x)}" cy="{_f(yy)}" r="2.5"/>')
    parts.append("</svg>")
    return "".join(parts)


def history_chart(kpi: Kpi, values: list[KpiValue], width: int = 560, height: int = 180) -> str:
    """Every reported period: actual line, target line, and the band between target and red flag."""
    left, right, top, bottom = 56, 12, 12, 28
    numbers = [v.actual for v in values if v.actual is not None]
    for v in values:
        for t in (v.target, v.red_flag):
            if t is not None:
                numbers.extend(t if isinstance(t, tuple) else (t,))
    shown = [kpi_value(v.actual, kpi) for v in values]
    label = escape(f"History of {_describe(kpi, values, shown)}. Dashed line: target; shaded band: between target "
                   "and red flag.")
    if not numbers:
        return ""
    y = _scale(numbers, top, height - bottom)
    n = len(values)
    step = (width - left - right) / max(n - 1, 1)
    xs = [left + (i * step if n > 1 else (width - left - right) / 2) for i in range(n)]
    parts = [f'<svg class="bsc-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">',
             f"<title>{escape(kpi.name)}: history</title>"]
    lo_val, hi_val = min(numbers), max(numbers)
    for value in (lo_val, hi_val):
        yy = y(value)
        parts.append(f'<line class="bsc-chart__grid" x1="{left}" y1="{_f(yy)}" x2="{width - right}" y2="{_f(yy)}"/>')
        parts.append(f'<text class="bsc-chart__axis" x="{left - 6}" y="{_f(yy + 4)}" text-anchor="end">'
                     f"{escape(kpi_value(value, kpi, show_unit=False))}</text>")
    # Each coordinate is printed once (the band, the lines and the dots share them): a
    # unit page has dozens of these charts.
    x_text = [f"{x:.1f}" for x in xs]
    y_text: dict[float, str] = {}

    def at(i: int, value: float) -> tuple[str, str]:
        text = y_text.get(value)
        if text is None:
            text = y_text[value] = f"{y(value):.1f}"
        return x_text[i], text

    def joined(points: list[tuple[str, str]]) -> str:
        return " ".join([f"{x},{yy}" for x, yy in points])

    # the band between target and red flag, per period (both sides for a range)
    sides = (0, 1) if kpi.direction.value == "range" else (None,)
    for side in sides:
        upper, lower = [], []
        for i, v in enumerate(values):
            if v.target is None or v.red_flag is None:
                continue
            t = v.target[side] if side is not None else v.target
            r = v.red_flag[side] if side is not None else v.red_flag
            upper.append(at(i, t))
            lower.append(at(i, r))
        if len(upper) > 1:
            parts.append(f'<polygon class="bsc-chart__band" points="{joined(upper + lower[::-1])}"/>')
    for side in sides:
        pts = [at(i, v.target[side] if side is not None else v.target) if v.target is not None else None
               for i, v in enumerate(values)]
        for seg in _segments(pts):
            if len(seg) > 1:
                parts.append(f'<polyline class="bsc-chart__target" points="{joined(seg)}"/>')
    actual_pts = [at(i, v.actual) if v.actual is not None else None for i, v in enumerate(values)]
    for seg in _segments(actual_pts):
        if len(seg) > 1:
            parts.append(f'<polyline class="bsc-chart__actual" points="{joined(seg)}"/>')
    for v, point, text in zip(values, actual_pts, shown):
        if point is not None:
            cx, cy = point
            status = v.status
            parts.append(f'<circle class="bsc-dot bsc-dot--{_VALUE[status]}" cx="{cx}" cy="{cy}" r="3">'
                         f"<title>{_escaped(v.period.label)}: {escape(text)} "
                         f"({_LABEL[status]})</title></circle>")
    ticks = {0, n - 1} | ({n // 2} if n > 4 else set())
    for i in sorted(ticks):
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(f'<text class="bsc-chart__axis" x="{_f(xs[i])}" y="{height - 8}" text-anchor="{anchor}">'
                     f"{_escaped(values[i].period.label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
