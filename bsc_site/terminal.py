"""The status summary for a terminal: units x perspectives, in words as well as symbols."""

from __future__ import annotations

from .status.evaluate import Evaluation, Rollup


def _cell(r: Rollup | None) -> str:
    if r is None:
        return "n/a"
    score = f" {r.score:4.1f}" if r.score is not None else ""
    return f"{r.status.icon} {r.status.label}{score}"


def status_table(ev: Evaluation, width: int = 120) -> str:
    """A plain-text table; status is spelled out so it reads without colour."""
    sc = ev.scorecards
    columns: list[tuple[str, str]] = [(p.id, p.name) for p in sc.organization.perspectives]
    for u in sc.units:
        for extra in u.extra_perspectives:
            if extra.perspective.id not in {c[0] for c in columns}:
                columns.append((extra.perspective.id, extra.perspective.name))
    depth = {}
    rows = []
    for unit in sc.units:
        depth[unit.id] = depth.get(unit.parent, -1) + 1 if unit.parent in depth else 0
        result = ev.units[unit.id]
        by_perspective = {p.perspective.id: p.rollup for p in result.perspectives if p.objectives}
        rows.append(["  " * depth[unit.id] + unit.name, _cell(result.rollup)]
                    + [_cell(by_perspective.get(c[0])) for c in columns])
    header = ["Unit", "Overall"] + [name for _, name in columns]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = [f"{sc.organization.name} — status for {ev.period.label}", ""]
    for row in [header, ["-" * w for w in widths]] + rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    lines += ["", "Scores run 0-10: on track >= "
              f"{sc.organization.status.on_track:.2f}, at risk >= {sc.organization.status.at_risk:.2f}. "
              "n/a: the unit does not use that perspective; No data: nothing reported for the period."]
    return "\n".join(lines)
