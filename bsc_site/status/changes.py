"""What changed between two reviews: statuses that moved, data that stopped, items added or removed, actions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ..model import Action, Scorecards
from ..periods import Period
from .evaluate import Evaluation
from .scoring import Status

_RANK = {Status.OFF_TRACK: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2}


@dataclass(frozen=True)
class Item:
    """An objective or KPI of a unit, as the change lists name it."""

    unit_id: str
    unit_name: str
    kind: str  # objective | kpi
    id: str
    name: str

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass(frozen=True)
class StatusChange:
    item: Item
    before: Status
    after: Status


@dataclass(frozen=True)
class Changes:
    period: Period
    previous: Period | None
    improved: tuple[StatusChange, ...]
    worsened: tuple[StatusChange, ...]
    newly_without_data: tuple[Item, ...]
    added: tuple[Item, ...]
    removed: tuple[Item, ...]
    compared_with_snapshot: bool  # added/removed are known only against a snapshot of the previous review
    overdue: tuple[Action, ...]
    completed: tuple[Action, ...]
    as_of: datetime.date

    @property
    def empty(self) -> bool:
        return not (self.improved or self.worsened or self.newly_without_data or self.added or self.removed
                    or self.overdue or self.completed)


def review_day(sc: Scorecards, period: Period) -> datetime.date:
    """The day a period was reviewed: the meeting date, or the period's last day."""
    review = sc.review(period)
    return review.date if review and review.date else period.end


def _item(unit, kind: str, thing) -> Item:
    return Item(unit.id, unit.name, kind, thing.id, thing.name)


def items_now(ev: Evaluation) -> dict[tuple[str, str, str], tuple]:
    """The model's objectives and KPIs by (unit, kind, id): (unit, kind, objective or KPI),
    made an `Item` only when a change lists it (a large organisation has tens of thousands)."""
    out = {}
    for unit in ev.scorecards.units:
        for o in unit.objectives:
            out[(unit.id, "objective", o.id)] = (unit, "objective", o)
            for k in o.kpis:
                out[(unit.id, "kpi", k.id)] = (unit, "kpi", k)
    return out


def items_in_snapshot(snapshot: dict) -> dict[tuple[str, str, str], Item]:
    """The objectives and KPIs an exported evaluation (`bsc export`, `bsc snapshot`) held."""
    out = {}
    for unit in snapshot.get("units", []):
        for o in unit.get("objectives", []):
            out[(unit["id"], "objective", o["id"])] = Item(unit["id"], unit["name"], "objective", o["id"], o["name"])
            for k in o.get("kpis", []):
                out[(unit["id"], "kpi", k["id"])] = Item(unit["id"], unit["name"], "kpi", k["id"], k["name"])
    return out


def changes(ev: Evaluation, previous_snapshot: dict | None = None) -> Changes:
    """Compare the evaluation's period with the review period before it."""
    sc = ev.scorecards
    period = ev.period
    previous = ev.review_periods[-2] if len(ev.review_periods) > 1 else None
    improved, worsened, stopped = [], [], []
    now = items_now(ev)
    if previous is not None:
        for unit in sc.units:
            result = ev.units[unit.id]
            for o in result.objectives.values():
                if len(o.history) > 1:
                    _compare(now[(unit.id, "objective", o.objective.id)], o.history[-2].status, o.rollup.status,
                             improved, worsened)
                for k in o.kpis:
                    if k.previous is None:
                        continue
                    entry = now[(unit.id, "kpi", k.kpi.id)]
                    _compare(entry, k.previous.status, k.current.status, improved, worsened)
                    if k.previous.actual is not None and k.current.actual is None:
                        stopped.append(_item(*entry))
    added: list[Item] = []
    removed: list[Item] = []
    if previous_snapshot is not None:
        before = items_in_snapshot(previous_snapshot)
        added = [_item(*entry) for key, entry in now.items() if key not in before]
        removed = [item for key, item in before.items() if key not in now]
    today = review_day(sc, period)
    since = review_day(sc, previous) if previous else None
    actions = [a for r in sc.reviews if r.period <= period for a in r.actions]
    overdue = [a for a in actions if a.status_on(today) == "open" and a.due is not None and a.due < today]
    completed = [a for a in actions if a.status_on(today) == "done" and a.completed is not None
                 and (since is None or a.completed > since) and a.completed <= today]
    return Changes(period, previous, tuple(improved), tuple(worsened), tuple(stopped), tuple(added), tuple(removed),
                   previous_snapshot is not None, tuple(overdue), tuple(completed), today)


def _compare(entry: tuple, before: Status, after: Status, improved: list, worsened: list) -> None:
    if before in _RANK and after in _RANK and before is not after:
        (improved if _RANK[after] > _RANK[before] else worsened).append(StatusChange(_item(*entry), before, after))
