"""Review files (reviews/<period>.yml): validated like every other file, and applied by the evaluation.

Validation: each test breaks one valid review of the base project (tests/conftest.py) and
asserts what the user is told: file, line, field, message, hint and rule id.

Evaluation: status overrides replace the computed status, keep it beside, and roll up with
their band's middle score (BAND_SCORES): on track 8.33, at risk 5.0, off track 1.67.
The expected scores below are computed by hand from the base project's 2026-Q1 actuals,
score = 6.67 + (actual - target) / (target - red_flag) * 3.33:

    unit   objective          kpi      actual  target  red flag  score  status
    acme   grow-revenue       revenue  90      100     80        5.00   at risk
    acme   delight-customers  nps      40      50      30        5.00   at risk
    sales  win-deals          deals    12      10      5         8.00   on track
    sales  keep-customers     churn    6.5     5       8 (lower) 5.00   at risk
"""

from __future__ import annotations

import datetime

import pytest

from bsc_site import export
from bsc_site.model import Action
from bsc_site.problems import Location, Severity
from bsc_site.status.changes import changes
from bsc_site.status.evaluate import evaluate
from bsc_site.status.scoring import BAND_SCORES, Status
from conftest import ACME, ACTUALS, ORGANIZATION, SALES, check, codes, edit, only, report, where

R = "reviews/2026-Q1.yml"

ON_TRACK, AT_RISK, OFF_TRACK = 25 / 3, 5.0, 5 / 3  # the band middles, by hand: (6.67+10)/2, (3.33+6.67)/2, 3.33/2

REVIEW = """\
period: 2026-Q1
date: 2026-04-15
forum: Quarterly review
summary: A fair start to the year.
commentary:
  - unit: acme
    analysis: A fair start.
  - unit: sales
    objective: win-deals
    analysis: Deals ahead of plan.
    recommendation: Keep going.
  - unit: sales
    kpi: churn
    analysis: Churn up after the migration.
overrides:
  - unit: sales
    kpi: churn
    status: on-track
    reason: A one-off from the billing migration.
actions:
  - id: call-leavers
    unit: sales
    objective: keep-customers
    what: Call every customer who left
    owner: Head of Sales
    due: 2026-05-31
"""


def reviewed(make_project, review: str = REVIEW, name: str = R, **files: str | None):
    """The base project with one review file (and any other files changed), validated."""
    return check(make_project({name: review, **files}))


# -- the valid review -------------------------------------------------------------------------


def test_a_valid_review_loads_without_problems(make_project):
    project = reviewed(make_project)
    assert project.ok
    assert project.problems.items == [], report(project)
    (review,) = project.scorecards.reviews
    assert review.period.label == "2026-Q1"
    assert review.date == datetime.date(2026, 4, 15)
    assert review.forum == "Quarterly review"
    assert [(c.subject.kind, c.subject.item_id) for c in review.commentary] == [
        ("unit", "acme"), ("objective", "win-deals"), ("kpi", "churn")]
    assert [(o.subject.item_id, o.status, o.reason) for o in review.overrides] == [
        ("churn", "on-track", "A one-off from the billing migration.")]
    (action,) = review.actions
    assert (action.id, action.unit_id, action.objective_id, action.owner, action.due, action.status) == (
        "call-leavers", "sales", "keep-customers", "Head of Sales", datetime.date(2026, 5, 31), "open")


# -- unknown ids in commentary, overrides and actions -------------------------------------------
#
# (what, old, new, code, the entry's first line, the offending field, message, hint)

UNKNOWN = {
    "commentary-unit": ("  - unit: acme\n", "  - unit: acmee\n", "unknown-unit", "unit: acmee", "unit: acmee",
                        "commentary names unit 'acmee', which does not exist", "did you mean 'acme'?"),
    "commentary-objective": ("    objective: win-deals\n", "    objective: win-deal\n", "unknown-objective",
                             "unit: sales\n    objective: win-deal\n", "objective: win-deal\n",
                             "commentary names objective 'win-deal', which is no objective of unit 'sales'",
                             "did you mean 'win-deals'?"),
    "commentary-kpi": ("    kpi: churn\n    analysis", "    kpi: chrun\n    analysis", "unknown-kpi",
                       "unit: sales\n    kpi: chrun", "kpi: chrun",
                       "commentary names KPI 'chrun', which is no KPI of unit 'sales'", "did you mean 'churn'?"),
    "override-unit": ("  - unit: sales\n    kpi: churn\n    status", "  - unit: sails\n    kpi: churn\n    status",
                      "unknown-unit", "unit: sails", "unit: sails",
                      "override names unit 'sails', which does not exist", "did you mean 'sales'?"),
    "override-kpi": ("    kpi: churn\n    status", "    kpi: churns\n    status", "unknown-kpi",
                     "unit: sales\n    kpi: churns", "kpi: churns",
                     "override names KPI 'churns', which is no KPI of unit 'sales'", "did you mean 'churn'?"),
    "override-objective": ("    kpi: churn\n    status", "    objective: keep-customer\n    status",
                           "unknown-objective", "unit: sales\n    objective: keep-customer\n",
                           "objective: keep-customer\n",
                           "override names objective 'keep-customer', which is no objective of unit 'sales'",
                           "did you mean 'keep-customers'?"),
    "action-unit": ("    unit: sales\n    objective: keep-customers", "    unit: sails\n    objective: keep-customers",
                    "unknown-unit", "id: call-leavers", "unit: sails",
                    "action names unit 'sails', which does not exist", "did you mean 'sales'?"),
    "action-objective": ("    objective: keep-customers\n", "    objective: keep-customer\n", "unknown-objective",
                         "id: call-leavers", "objective: keep-customer\n",
                         "action names objective 'keep-customer', which is no objective of unit 'sales'",
                         "did you mean 'keep-customers'?"),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN))
def test_unknown_ids_in_a_review_are_located_errors(make_project, case):
    old, new, code, entry, offending, message, hint = UNKNOWN[case]
    text = edit(REVIEW, old, new)
    project = reviewed(make_project, text)
    p = only(project, code)
    assert not project.ok
    assert p.severity is Severity.ERROR
    assert p.message == message
    assert p.hint == hint
    # file:line, pointing into the entry that names the unknown id
    assert p.location.file == R
    assert where(text, entry, R).line <= p.location.line <= where(text, offending, R).line
    assert p.format().startswith(f"{R}:{p.location.line}:")
    assert p.format().endswith(f"[{code}]")


@pytest.mark.parametrize("case", [
    "commentary-unit", "override-unit",  # the field is the entry's first line: already exact
    "commentary-objective",
    "commentary-kpi",
    "override-kpi",
    "override-objective",
    "action-unit",
    "action-objective",
])
def test_unknown_id_error_is_on_the_line_of_the_field_naming_it(make_project, case):
    old, new, code, _, offending, _, _ = UNKNOWN[case]
    text = edit(REVIEW, old, new)
    p = only(reviewed(make_project, text), code)
    assert p.location.line == where(text, offending, R).line, p.format()


def test_every_unknown_id_is_reported_at_once(make_project):
    text = REVIEW
    for case in ("commentary-unit", "commentary-objective", "override-kpi", "action-objective"):
        old, new, *_ = UNKNOWN[case]
        text = edit(text, old, new)
    project = reviewed(make_project, text)
    assert sorted(codes(project)) == ["unknown-kpi", "unknown-objective", "unknown-objective", "unknown-unit"]
    assert {p.location.file for p in project.problems.items} == {R}


def test_a_kpi_of_another_unit_is_unknown_in_this_one(make_project):
    text = edit(REVIEW, "    kpi: churn\n    status", "    kpi: revenue\n    status")  # revenue is acme's
    p = only(reviewed(make_project, text), "unknown-kpi")
    assert p.message == "override names KPI 'revenue', which is no KPI of unit 'sales'"


# -- incomplete entries -----------------------------------------------------------------------


def test_override_without_reason_is_an_error(make_project):
    text = edit(REVIEW, "    reason: A one-off from the billing migration.\n", "")
    project = reviewed(make_project, text)
    p = only(project, "missing-field")
    assert not project.ok
    assert p.field == "overrides[1].reason"
    assert p.location == where(text, "unit: sales\n    kpi: churn\n    status", R)
    assert "reason" in p.message
    # an override the loader could not read is not applied either
    assert project.scorecards.reviews[0].overrides == ()


def test_override_with_an_empty_reason_is_an_error(make_project):
    text = edit(REVIEW, "    reason: A one-off from the billing migration.\n", '    reason: "  "\n')
    project = reviewed(make_project, text)
    p = only(project, "override-reason")
    assert not project.ok
    assert p.message == "an override needs a reason"
    assert p.location == where(text, "unit: sales\n    kpi: churn\n    status", R)


def test_override_of_a_whole_unit_is_an_error(make_project):
    text = edit(REVIEW, "    kpi: churn\n    status", "    status")
    p = only(reviewed(make_project, text), "override-subject")
    assert p.message == "an override needs an objective or a KPI"
    assert "a unit's status follows from its objectives" in p.hint


def test_override_with_a_status_outside_the_three_is_an_error(make_project):
    text = edit(REVIEW, "    status: on-track\n", "    status: no-data\n")
    p = only(reviewed(make_project, text), "wrong-value")
    assert p.location == where(text, "no-data", R)
    assert "'on-track', 'at-risk' or 'off-track'" in p.message


def test_an_entry_with_a_wrong_status_or_a_missing_field_still_has_what_it_names_checked(make_project):
    """All the errors of a run together: an override with a wrong status and an unknown KPI,
    an action without an owner naming an unknown objective, each report both."""
    text = edit(REVIEW, "    kpi: churn\n    status: on-track\n", "    kpi: chrun\n    status: at risk\n")
    text = edit(text, "    objective: keep-customers\n    what: Call every customer who left\n    owner: Head of Sales\n",
                "    objective: keep-custmers\n    what: Call every customer who left\n")
    project = reviewed(make_project, text)
    found = sorted((p.location.line, p.code) for p in project.problems.errors)
    assert found == sorted([(where(text, "chrun", R).line, "unknown-kpi"), (where(text, "at risk", R).line, "wrong-value"),
                            (where(text, "keep-custmers", R).line, "unknown-objective"),
                            (where(text, "  - id: call-leavers", R).line, "missing-field")]), report(project)
    kpi = next(p for p in project.problems.errors if p.code == "unknown-kpi")
    assert kpi.location == where(text, "chrun", R)
    assert kpi.hint == "did you mean 'churn'?"


def test_the_same_item_overridden_twice_is_an_error(make_project):
    second = "  - unit: sales\n    kpi: churn\n    status: off-track\n    reason: Second thoughts.\n"
    text = edit(REVIEW, "actions:\n", second + "actions:\n")
    p = only(reviewed(make_project, text), "duplicate-override")
    assert p.message == "kpi 'churn' is overridden twice in this review"
    assert p.location == where(text, "unit: sales\n    kpi: churn\n    status: off-track", R)
    first = where(text, "unit: sales\n    kpi: churn\n    status: on-track", R)
    assert p.hint == f"the first is at {first}"


def test_action_without_owner_is_an_error(make_project):
    text = edit(REVIEW, "    owner: Head of Sales\n", "")
    project = reviewed(make_project, text)
    p = only(project, "missing-field")
    assert not project.ok
    assert p.field == "actions[1].owner"
    assert p.location == where(text, "id: call-leavers", R)


def test_action_with_a_blank_owner_is_an_error(make_project):
    text = edit(REVIEW, "    owner: Head of Sales\n", '    owner: " "\n')
    p = only(reviewed(make_project, text), "action-owner")
    assert p.message == "action 'call-leavers' has no owner"
    assert p.location == where(text, "id: call-leavers", R)


def test_objective_and_kpi_both_given_is_an_error(make_project):
    text = edit(REVIEW, "    kpi: churn\n    analysis", "    objective: keep-customers\n    kpi: churn\n    analysis")
    project = reviewed(make_project, text)
    p = only(project, "review-subject")
    assert not project.ok
    assert p.message == "a commentary names both an objective and a KPI"
    assert p.hint == "give one of them: objective or kpi"
    assert p.location == where(text, "churn\n    analysis", R)  # at the kpi given in addition


def test_objective_and_kpi_both_given_in_an_override_is_an_error(make_project):
    text = edit(REVIEW, "    kpi: churn\n    status", "    objective: keep-customers\n    kpi: churn\n    status")
    p = only(reviewed(make_project, text), "review-subject")
    assert p.message == "an override names both an objective and a KPI"
    assert p.location == where(text, "churn\n    status", R)


def test_duplicate_action_ids_are_an_error(make_project):
    text = REVIEW + ("  - id: call-leavers\n"
                     "    unit: acme\n"
                     "    what: Call the leavers again\n"
                     "    owner: CEO\n")
    project = reviewed(make_project, text)
    p = only(project, "duplicate-id")
    assert not project.ok
    assert p.message == "action id 'call-leavers' is used twice in this review"
    second = text.rindex("id: call-leavers")
    assert p.location.line == text[:second].count("\n") + 1
    assert p.hint == f"the first is at {where(text, 'id: call-leavers' + chr(10) + '    unit: sales', R)}"


# -- periods ----------------------------------------------------------------------------------


def test_review_for_a_period_without_data_is_a_warning(make_project):
    project = reviewed(make_project, REVIEW.replace("2026-Q1", "2026-Q3"), "reviews/2026-Q3.yml")
    p = only(project, "review-without-data")
    assert project.ok  # a warning, not an error: the data may come later
    assert p.severity is Severity.WARNING
    assert p.location == Location("reviews/2026-Q3.yml", 1, 1)
    assert p.message == "review 2026-Q3 is for a period with no reported values"


@pytest.mark.parametrize("period, cadence", [("2026-02", "quarterly"), ("2026", "quarterly"),
                                             ("2026-Q1", "monthly"), ("2026-Q1", "annual")])
def test_review_period_off_the_review_cadence_is_an_error(make_project, period, cadence):
    org = ORGANIZATION + f"review_cadence: {cadence}\n"
    text = edit(REVIEW, "period: 2026-Q1\n", f"period: {period}\n")
    project = reviewed(make_project, text, f"reviews/{period}.yml", **{"organization.yml": org})
    p = only(project, "review-period")
    assert not project.ok
    assert p.location == Location(f"reviews/{period}.yml", 1, 1)
    assert p.message == (f"review period {period} is not a {cadence} period, but the review cadence is {cadence}")
    assert "review_cadence" in p.hint


def test_two_reviews_for_one_period_are_an_error(make_project):
    project = reviewed(make_project, **{"reviews/q1-again.yml": "period: 2026-Q1\nforum: The same quarter again\n"})
    p = only(project, "duplicate-review")
    assert not project.ok
    assert p.message == "a second review for 2026-Q1"
    assert p.location.file == "reviews/q1-again.yml"
    assert p.hint == "the first is at reviews/2026-Q1.yml:1:1; keep one file per period"


def test_review_period_that_is_no_period_is_an_error(make_project):
    text = edit(REVIEW, "period: 2026-Q1\n", "period: 2026-Q5\n")
    p = only(reviewed(make_project, text), "bad-period")
    assert p.location.file == R and p.location.line == 1


# -- overrides in the evaluation ---------------------------------------------------------------


def evaluated(make_project, review: str = REVIEW, **files):
    project = reviewed(make_project, review, **files)
    assert project.ok, report(project)
    return evaluate(project.scorecards, project.period)


def kpi(ev, unit_id: str, kpi_id: str):
    return next(k for o in ev.units[unit_id].objectives.values() for k in o.kpis if k.kpi.id == kpi_id)


def perspective(ev, unit_id: str, perspective_id: str):
    return next(p for p in ev.units[unit_id].perspectives if p.perspective.id == perspective_id)


def test_band_scores_are_the_middles_of_the_bands():
    assert BAND_SCORES[Status.ON_TRACK] == pytest.approx(ON_TRACK)
    assert BAND_SCORES[Status.AT_RISK] == pytest.approx(AT_RISK)
    assert BAND_SCORES[Status.OFF_TRACK] == pytest.approx(OFF_TRACK)


def test_kpi_override_sets_the_status_and_keeps_the_computed_one(make_project):
    churn = kpi(evaluated(make_project), "sales", "churn").current
    assert churn.status is Status.ON_TRACK
    assert churn.computed is Status.AT_RISK
    assert churn.override.reason == "A one-off from the billing migration."
    assert churn.score == pytest.approx(5.0)  # the computed score stays, for the explanation
    assert churn.rollup_score == pytest.approx(ON_TRACK)
    assert churn.explanation.startswith(
        "Overridden to on track by the 2026-Q1 review: A one-off from the billing migration. (computed: at risk). ")
    assert "Actual 6.5 against target 5" in churn.explanation  # the calculation is still shown


def test_kpi_override_rolls_up_to_objective_perspective_and_unit(make_project):
    ev = evaluated(make_project)
    sales = ev.units["sales"]
    keep = sales.objectives["keep-customers"].rollup
    assert keep.score == pytest.approx(ON_TRACK) and keep.status is Status.ON_TRACK
    assert keep.override is None  # the objective itself was not overridden
    assert "1 of them has its status set by the review and counts with the middle score of that status" \
        in keep.explanation
    customer = perspective(ev, "sales", "customer").rollup
    assert customer.score == pytest.approx(ON_TRACK) and customer.status is Status.ON_TRACK
    # unit: financial 8.0 (deals) and customer 8.33 (the override) -> 8.17, on track
    assert sales.rollup.score == pytest.approx((8.0 + ON_TRACK) / 2)
    assert sales.rollup.status is Status.ON_TRACK


def test_without_the_override_the_same_unit_is_at_risk(make_project):
    ev = evaluated(make_project, edit(REVIEW, REVIEW[REVIEW.index("overrides:"):REVIEW.index("actions:")],
                                      "overrides: []\n"))
    sales = ev.units["sales"]
    assert sales.objectives["keep-customers"].rollup.score == pytest.approx(5.0)
    assert sales.rollup.score == pytest.approx((8.0 + 5.0) / 2)  # 6.5
    assert sales.rollup.status is Status.AT_RISK
    assert kpi(ev, "sales", "churn").current.override is None


OBJECTIVE_OVERRIDE = edit(REVIEW, "  - unit: sales\n    kpi: churn\n    status: on-track\n",
                          "  - unit: acme\n    objective: delight-customers\n    status: on-track\n")
# revenue 95 instead of 90: 6.67 - 5/20 * 3.33 = 5.83, so no unit average falls on a threshold
ACTUALS_95 = edit(ACTUALS, "acme,revenue,2026-Q1,90,", "acme,revenue,2026-Q1,95,")


def test_objective_override_changes_the_objective_and_the_perspective(make_project):
    ev = evaluated(make_project, OBJECTIVE_OVERRIDE, **{"actuals/2026.csv": ACTUALS_95})
    acme = ev.units["acme"]
    delight = acme.objectives["delight-customers"].rollup
    assert delight.status is Status.ON_TRACK
    assert delight.computed is Status.AT_RISK
    assert delight.override.reason == "A one-off from the billing migration."
    assert delight.rollup_score == pytest.approx(ON_TRACK)
    assert delight.explanation.startswith("Overridden to on track by the 2026-Q1 review: ")
    assert "(computed: at risk)" in delight.explanation
    # the KPI below keeps its computed status
    assert kpi(ev, "acme", "nps").current.status is Status.AT_RISK
    assert kpi(ev, "acme", "nps").current.override is None
    customer = perspective(ev, "acme", "customer").rollup
    assert customer.score == pytest.approx(ON_TRACK) and customer.status is Status.ON_TRACK
    assert "1 of them has its status set by the review" in customer.explanation
    financial = perspective(ev, "acme", "financial").rollup
    assert financial.score == pytest.approx(6.67 - 5 / 20 * 3.33, abs=0.01)
    # unit: (5.83 + 8.33) / 2 = 7.08, on track; computed it would be (5.83 + 5.0) / 2 = 5.42, at risk
    assert acme.rollup.score == pytest.approx((financial.score + ON_TRACK) / 2)
    assert acme.rollup.score == pytest.approx(7.08, abs=0.01)
    assert acme.rollup.status is Status.ON_TRACK


@pytest.mark.parametrize("status, band", [("on-track", ON_TRACK), ("at-risk", AT_RISK), ("off-track", OFF_TRACK)])
def test_each_override_status_counts_with_its_band_middle(make_project, status, band):
    text = edit(OBJECTIVE_OVERRIDE, "    status: on-track\n", f"    status: {status}\n")
    ev = evaluated(make_project, text, **{"actuals/2026.csv": ACTUALS_95})
    assert perspective(ev, "acme", "customer").rollup.score == pytest.approx(band)
    assert ev.units["acme"].rollup.score == pytest.approx((6.67 - 5 / 20 * 3.33 + band) / 2, abs=0.01)


def test_objective_override_wins_over_its_kpis(make_project):
    text = edit(REVIEW, "overrides:\n", "overrides:\n  - unit: sales\n    objective: keep-customers\n"
                "    status: off-track\n    reason: Whatever churn says, we are losing customers.\n")
    ev = evaluated(make_project, text)
    keep = ev.units["sales"].objectives["keep-customers"].rollup
    assert kpi(ev, "sales", "churn").current.status is Status.ON_TRACK  # its own override
    assert keep.status is Status.OFF_TRACK
    assert keep.computed is Status.ON_TRACK  # computed from the overridden KPI
    assert perspective(ev, "sales", "customer").rollup.score == pytest.approx(OFF_TRACK)


def test_override_of_a_kpi_without_data_gives_it_a_status(make_project):
    actuals = edit(ACTUALS, "sales,churn,2026-Q1,6.5,\n", "")
    ev = evaluated(make_project, **{"actuals/2026.csv": actuals})
    churn = kpi(ev, "sales", "churn").current
    assert (churn.status, churn.computed, churn.actual) == (Status.ON_TRACK, Status.NO_DATA, None)
    keep = ev.units["sales"].objectives["keep-customers"].rollup
    assert (keep.counted, keep.total) == (1, 1)
    assert keep.score == pytest.approx(ON_TRACK)


def test_every_rollup_an_override_feeds_says_so(make_project):
    ev = evaluated(make_project)
    assert "set by the review" in perspective(ev, "sales", "customer").rollup.explanation
    assert "set by the review" in ev.units["sales"].rollup.explanation


# -- overrides belong to their period; history ------------------------------------------------

ACTUALS_Q2 = ACTUALS + ("acme,revenue,2026-Q2,95,\nacme,nps,2026-Q2,45,\n"
                        "sales,deals,2026-Q2,9,\nsales,churn,2026-Q2,5.5,\n")


def test_override_applies_to_its_own_period_only(make_project):
    ev = evaluated(make_project, **{"actuals/2026.csv": ACTUALS_Q2})
    assert ev.period.label == "2026-Q2"
    churn = kpi(ev, "sales", "churn")
    assert churn.current.override is None
    assert churn.previous.override is not None and churn.previous.status is Status.ON_TRACK


def test_objective_history_has_one_rollup_per_review_period_with_the_overrides(make_project):
    text = edit(OBJECTIVE_OVERRIDE, "  - unit: acme\n    objective: delight-customers\n    status: on-track\n",
                "  - unit: acme\n    objective: delight-customers\n    status: off-track\n")
    ev = evaluated(make_project, text, **{"actuals/2026.csv": ACTUALS_Q2})
    assert [p.label for p in ev.review_periods] == ["2026-Q1", "2026-Q2"]
    delight = ev.units["acme"].objectives["delight-customers"]
    assert len(delight.history) == 2 and delight.history[-1] is delight.rollup
    q1, q2 = delight.history
    assert (q1.status, q1.computed, q1.override is not None) == (Status.OFF_TRACK, Status.AT_RISK, True)
    # 2026-Q2: nps 45 -> 6.67 - 5/20*3.33 = 5.83, at risk, computed, no override
    assert (q2.status, q2.override) == (Status.AT_RISK, None)
    assert q2.score == pytest.approx(6.67 - 5 / 20 * 3.33, abs=0.01)
    # the KPI below keeps its computed history
    assert [(v.status, v.override) for v in kpi(ev, "acme", "nps").history] == [(Status.AT_RISK, None)] * 2


# -- actions over time ---------------------------------------------------------------------------


@pytest.mark.parametrize("status, completed, day, shown", [
    ("done", datetime.date(2026, 6, 20), datetime.date(2026, 4, 15), "open"),  # done after that day
    ("done", datetime.date(2026, 6, 20), datetime.date(2026, 6, 20), "done"),
    ("done", datetime.date(2026, 6, 20), datetime.date(2026, 7, 15), "done"),
    ("dropped", datetime.date(2026, 5, 1), datetime.date(2026, 4, 15), "open"),
    ("dropped", datetime.date(2026, 5, 1), datetime.date(2026, 7, 15), "dropped"),
    ("done", None, datetime.date(2026, 4, 15), "done"),  # no date given: done as far as anyone can tell
    ("open", None, datetime.date(2026, 7, 15), "open"),
])
def test_action_status_as_it_stood_on_a_day(status, completed, day, shown):
    action = Action("a", "sales", "Do it", "Someone", status=status, completed=completed)
    assert action.status_on(day) == shown


# -- what changed (the evaluation behind the changes page) ------------------------------------------

Q2_REVIEW = """\
period: 2026-Q2
date: 2026-07-15
actions:
  - id: follow-up
    unit: acme
    what: Follow up
    owner: CEO
    due: 2026-09-30
"""


def test_changes_list_what_worsened_improved_and_stopped(make_project):
    # deals 12 -> 4 (below the red flag 5: off track); nps 40 -> 60 (on track); revenue not reported in Q2
    actuals = ACTUALS + "acme,nps,2026-Q2,60,\nsales,deals,2026-Q2,4,\nsales,churn,2026-Q2,6.5,\n"
    review = edit(REVIEW, "overrides:\n  - unit: sales\n    kpi: churn\n    status: on-track\n"
                  "    reason: A one-off from the billing migration.\n", "overrides: []\n")
    ev = evaluated(make_project, review, **{"actuals/2026.csv": actuals, "reviews/2026-Q2.yml": Q2_REVIEW})
    ch = changes(ev)
    assert (ch.period.label, ch.previous.label) == ("2026-Q2", "2026-Q1")
    assert [(c.item.kind, c.item.id, c.before, c.after) for c in ch.worsened] == [
        ("objective", "win-deals", Status.ON_TRACK, Status.OFF_TRACK),
        ("kpi", "deals", Status.ON_TRACK, Status.OFF_TRACK)]
    assert [(c.item.kind, c.item.id, c.before, c.after) for c in ch.improved] == [
        ("objective", "delight-customers", Status.AT_RISK, Status.ON_TRACK),
        ("kpi", "nps", Status.AT_RISK, Status.ON_TRACK)]
    assert [(i.unit_id, i.id) for i in ch.newly_without_data] == [("acme", "revenue")]
    assert not ch.compared_with_snapshot and ch.added == () and ch.removed == ()


def test_changes_against_a_snapshot_list_added_and_removed_items(make_project):
    project = reviewed(make_project)
    snap = export.evaluation_json(evaluate(project.scorecards, project.period))
    sales = edit(SALES, "        indicator: leading\n", "        indicator: leading\n"
                 "      - id: pipeline\n        name: Pipeline\n        target: 20\n        owner: Head of Sales\n")
    acme = edit(ACME, "      - id: nps\n        definition: nps\n        target: 50\n        red_flag: 30\n", "")
    actuals = edit(ACTUALS, "acme,nps,2026-Q1,40,\n", "") + "sales,deals,2026-Q2,12,\nsales,pipeline,2026-Q2,20,\n"
    ev = evaluated(make_project, **{"units/sales.yml": sales, "units/acme.yml": acme, "actuals/2026.csv": actuals,
                                    "reviews/2026-Q2.yml": Q2_REVIEW})
    ch = changes(ev, snap)
    assert ch.compared_with_snapshot
    assert [(i.unit_id, i.kind, i.id, i.name) for i in ch.added] == [("sales", "kpi", "pipeline", "Pipeline")]
    assert [(i.unit_id, i.kind, i.id, i.name) for i in ch.removed] == [("acme", "kpi", "nps", "Net promoter score")]


def test_changes_list_actions_overdue_and_completed_since_the_last_review(make_project):
    review = REVIEW + ("  - id: done-between\n    unit: acme\n    what: Done between the reviews\n    owner: CEO\n"
                       "    due: 2026-06-30\n    status: done\n    completed: 2026-06-01\n"
                       "  - id: done-before\n    unit: acme\n    what: Done before the first review\n    owner: CEO\n"
                       "    status: done\n    completed: 2026-04-01\n")
    ev = evaluated(make_project, review, **{"actuals/2026.csv": ACTUALS_Q2, "reviews/2026-Q2.yml": Q2_REVIEW})
    ch = changes(ev)
    assert ch.as_of == datetime.date(2026, 7, 15)
    assert [a.id for a in ch.overdue] == ["call-leavers"]  # due 2026-05-31, still open on 2026-07-15
    assert [a.id for a in ch.completed] == ["done-between"]  # after 2026-04-15, by 2026-07-15
