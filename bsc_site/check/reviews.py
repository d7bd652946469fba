"""Review files: every entry names a real unit, objective or KPI; overrides and actions are complete."""

from __future__ import annotations

from ..model import Review, Scorecards, Subject
from ..periods import Period
from ..problems import Location, Problems, did_you_mean


def _subject(sc: Scorecards, subject: Subject, where: Location, problems: Problems, what: str) -> None:
    unit = sc.unit(subject.unit_id)
    if unit is None:
        problems.error(subject.location_of("unit", where), "unknown-unit", f"{what} names unit '{subject.unit_id}', which does not exist",
                       field="unit", hint=did_you_mean(subject.unit_id, sc.units_by_id))
        return
    if subject.objective_id and unit.objective(subject.objective_id) is None:
        problems.error(subject.location_of("objective", where), "unknown-objective", f"{what} names objective '{subject.objective_id}', which is "
                       f"no objective of unit '{unit.id}'", field="objective",
                       hint=did_you_mean(subject.objective_id, [o.id for o in unit.objectives]))
    if subject.kpi_id and subject.kpi_id not in {k.id for k in unit.kpis}:
        problems.error(subject.location_of("kpi", where), "unknown-kpi", f"{what} names KPI '{subject.kpi_id}', which is no KPI of unit "
                       f"'{unit.id}'", field="kpi", hint=did_you_mean(subject.kpi_id, [k.id for k in unit.kpis]))


def check_reviews(sc: Scorecards, problems: Problems, periods_with_data: tuple[Period, ...] | None = None) -> None:
    """`periods_with_data`: the folder's (default: those of `sc`'s actuals)."""
    seen: dict[str, Location] = {}
    cadence = sc.organization.review_cadence
    if periods_with_data is None:
        periods_with_data = sc.periods_with_data
    with_data = {sc.calendar.containing(p, cadence) for p in periods_with_data if p.frequency.rank <= cadence.rank}
    for review in sc.reviews:
        label = review.period.label
        if label in seen:
            problems.error(review.location, "duplicate-review", f"a second review for {label}", field="period",
                           hint=f"the first is at {seen[label]}; keep one file per period")
            continue
        seen[label] = review.location
        if review.period.frequency is not cadence:
            problems.error(review.location, "review-period",
                           f"review period {label} is not a {cadence.value} period, but the review cadence is "
                           f"{cadence.value}", field="period", hint="set review_cadence in organization.yml, "
                           "or name the period in its form (e.g. 2026-Q3)")
        elif review.period not in with_data:
            problems.warning(review.location, "review-without-data",
                             f"review {label} is for a period with no reported values", field="period",
                             hint="add the period's actuals, or check the period")
        _review_entries(sc, review, problems)


def _review_entries(sc: Scorecards, review: Review, problems: Problems) -> None:
    for c in review.commentary:
        _subject(sc, c.subject, c.location, problems, "commentary")
    overridden: dict[Subject, Location] = {}
    for o in review.overrides:
        _subject(sc, o.subject, o.location, problems, "override")
        if o.subject in overridden:
            problems.error(o.location, "duplicate-override", f"{o.subject.kind} '{o.subject.item_id}' is "
                           "overridden twice in this review", hint=f"the first is at {overridden[o.subject]}")
        overridden[o.subject] = o.location
        if o.subject.kind == "unit":
            problems.error(o.location, "override-subject", "an override needs an objective or a KPI",
                           field="objective", hint="a unit's status follows from its objectives")
        if not o.reason.strip():
            problems.error(o.location, "override-reason", "an override needs a reason", field="reason")
    for subject, location, what in review.unbuilt:
        _subject(sc, subject, location, problems, what)
    ids: dict[str, Location] = {}
    for a in review.actions:
        _subject(sc, Subject(a.unit_id, a.objective_id, where=a.where), a.location, problems, "action")
        if a.id in ids:
            problems.error(a.location, "duplicate-id", f"action id '{a.id}' is used twice in this review",
                           field="id", hint=f"the first is at {ids[a.id]}")
        ids[a.id] = a.location
        if not a.owner.strip():
            problems.error(a.location, "action-owner", f"action '{a.id}' has no owner", field="owner")
