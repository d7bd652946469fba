"""Design checks: warnings about scorecard design, each switchable off with a reason.

Every check in CHECKS has a crafted project below on which it fires, at a known place,
and the clean base project (tests/conftest.py) raises no warning at all.
"""

from __future__ import annotations

import pytest

from bsc_site.check import CHECK_IDS
from bsc_site.problems import Location, Severity
from conftest import ACME, ORGANIZATION, SALES, ACTUALS, check, edit, report, where

ORG, A, S, F = "organization.yml", "units/acme.yml", "units/sales.yml", "actuals/2026.csv"
MORE_KPIS = "".join(f"      - id: extra-{i}\n        name: Extra {i}\n        target: 1\n        owner: X\n"
                    "        indicator: leading\n" for i in range(4))
NEXT_QUARTERS = "acme,revenue,2026-Q2,95,\nacme,nps,2026-Q2,45,\nsales,deals,2026-Q2,11,\n" \
                "acme,revenue,2026-Q3,95,\nacme,nps,2026-Q3,45,\nsales,deals,2026-Q3,11,\n"


def crafted(check_id: str) -> tuple[dict, list[tuple[Location, str]]]:
    """Files that make `check_id` fire, and where and what each warning says."""
    if check_id == "too-many-objectives":
        org = ORGANIZATION + "checks:\n  max_objectives: 1\n"
        return {ORG: org}, [(Location(A, 1, 1), "unit 'acme' has 2 objectives, more than 1"),
                            (Location(S, 1, 1), "unit 'sales' has 2 objectives, more than 1")]
    if check_id == "too-many-kpis":
        sales = edit(SALES, "        indicator: leading\n", "        indicator: leading\n" + MORE_KPIS)
        actuals = ACTUALS + "".join(f"sales,extra-{i},2026-Q1,1,\n" for i in range(4))
        return {S: sales, F: actuals}, [(where(sales, "id: win-deals", S), "objective 'win-deals' has 5 KPIs, more than 4")]
    if check_id == "empty-perspective":
        org = edit(ORGANIZATION, "themes:", "  - id: learning\n    name: Learning\nthemes:")
        return {ORG: org}, [(Location(A, 1, 1), "unit 'acme' has no objective in perspective 'Learning'"),
                            (Location(S, 1, 1), "unit 'sales' has no objective in perspective 'Learning'")]
    if check_id == "objective-without-kpi":
        sales = SALES[: SALES.index("    kpis:\n      - id: churn")]
        return {S: sales, F: ACTUALS.replace("sales,churn,2026-Q1,6.5,\n", "")}, [
            (where(sales, "id: keep-customers", S), "objective 'keep-customers' has no KPI, so its progress cannot be measured")]
    if check_id == "kpi-without-target":
        sales = edit(SALES, "        target: 5\n        red_flag: 8\n", "")
        return {S: sales}, [(where(sales, "id: churn", S), "KPI 'churn' has no target, so its status cannot be computed")]
    if check_id == "kpi-without-owner":
        acme = edit(ACME, "        owner: CFO\n", "")
        return {A: acme}, [(where(acme, "id: revenue", A), "KPI 'revenue' has no owner")]
    if check_id == "only-lagging":
        sales = edit(SALES, "        indicator: leading\n", "")
        return {S: sales}, [(Location(S, 1, 1), "all 2 KPIs of unit 'sales' are lagging indicators")]
    if check_id == "downward-link":
        sales = edit(SALES, "    supports: [grow-revenue]\n", "    supports: [grow-revenue]\n    drives: [keep-customers]\n")
        sales = edit(sales, "    drives: [win-deals]\n", "")
        return {S: sales}, [(where(sales, "keep-customers]", S),
                             "'win-deals' (financial) drives 'keep-customers' (customer), a perspective below it")]
    if check_id == "drives-cycle":
        acme = edit(ACME, "    theme: growth\n", "    theme: growth\n    drives: [delight-customers]\n")
        return {A: acme}, [(where(acme, "id: grow-revenue", A),
                            "cause-and-effect links form a cycle: grow-revenue -> delight-customers -> grow-revenue")]
    if check_id == "unlinked-objective":
        sales = edit(SALES, "    drives: [win-deals]\n", "")
        return {S: sales}, [(where(sales, "id: keep-customers", S), "objective 'keep-customers' has no link on the strategy map")]
    if check_id == "stale-actuals":
        # revenue, nps and deals are reported up to 2026-Q3; churn stopped after 2026-Q1.
        return {F: ACTUALS + NEXT_QUARTERS}, [
            (where(SALES, "id: churn", S),
             "KPI 'churn' was last reported for 2026-Q1, more than 1 review period(s) before 2026-Q3")]
    if check_id == "financial-dominated":
        org = ORGANIZATION + "checks:\n  max_financial_share: 0.4\n"
        return {ORG: org}, [(Location(A, 1, 1), "50% of unit 'acme' objectives are in 'Financial' (more than 40%)"),
                            (Location(S, 1, 1), "50% of unit 'sales' objectives are in 'Financial' (more than 40%)")]
    raise AssertionError(f"no crafted project for design check '{check_id}': add one")


def test_every_design_check_has_a_crafted_project():
    for check_id in CHECK_IDS:
        crafted(check_id)


def test_the_clean_project_raises_no_design_warning(make_project):
    project = check(make_project())
    assert project.problems.warnings == [], report(project)


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_design_check_fires_as_a_located_warning(make_project, check_id):
    files, expected = crafted(check_id)
    project = check(make_project(files))
    assert project.problems.errors == [], report(project)
    assert project.ok  # warnings do not fail validation
    found = [p for p in project.problems.sorted() if p.code == check_id]
    assert [(p.location, p.message) for p in found] == expected, report(project)
    assert all(p.severity is Severity.WARNING and p.hint for p in found)


def test_stale_actuals_no_values_at_all(make_project):
    project = check(make_project({F: ACTUALS.replace("acme,nps,2026-Q1,40,\n", "")}))
    found = [p for p in project.problems.sorted() if p.code == "stale-actuals"]
    assert [(p.location, p.message) for p in found] == [
        (where(ACME, "id: nps", A), "KPI 'nps' has no actuals at all")], report(project)
    assert found[0].severity is Severity.WARNING
    assert found[0].hint == "add its values under actuals/"


def test_stale_actuals_one_period_behind_is_allowed_by_default(make_project):
    actuals = ACTUALS + "acme,revenue,2026-Q2,95,\nacme,nps,2026-Q2,45,\nsales,deals,2026-Q2,11,\n"
    project = check(make_project({F: actuals}))
    assert project.problems.items == [], report(project)


def test_stale_after_is_configurable(make_project):
    org = ORGANIZATION + "checks:\n  stale_after: 2\n"
    project = check(make_project({ORG: org, F: ACTUALS + NEXT_QUARTERS}))
    assert project.problems.items == [], report(project)
    org = ORGANIZATION + "checks:\n  stale_after: 0\n"
    actuals = ACTUALS + "acme,revenue,2026-Q2,95,\n"
    project = check(make_project({ORG: org, F: actuals}))
    assert sorted(p.message.split("'")[1] for p in project.problems.warnings) == ["churn", "deals", "nps"]


def test_stale_actuals_follow_the_review_period_chosen(make_project):
    project = check(make_project({F: ACTUALS + NEXT_QUARTERS}), period="2026-Q2")
    assert project.problems.items == [], report(project)


def test_a_latest_period_not_reported_does_not_count_as_reported(make_project):
    """churn's rows for 2026-Q2 and Q3 say N/A (written before its Q1 row, too): it was last
    reported for 2026-Q1, two quarters before Q3."""
    actuals = ACTUALS.replace("sales,churn,2026-Q1,6.5,\n", "sales,churn,2026-Q3,N/A,\nsales,churn,2026-Q2,N/A,\n"
                              "sales,churn,2026-Q1,6.5,\n")
    project = check(make_project({F: actuals + NEXT_QUARTERS}))
    assert [p.message for p in project.problems.warnings] == [
        "KPI 'churn' was last reported for 2026-Q1, more than 1 review period(s) before 2026-Q3"], report(project)


def test_not_reported_values_do_not_count_as_reported(make_project):
    actuals = ACTUALS.replace("acme,nps,2026-Q1,40,", "acme,nps,2026-Q1,N/A,")
    project = check(make_project({F: actuals}))
    assert [p.message for p in project.problems.warnings] == ["KPI 'nps' has no actuals at all"]


# -- configurable limits -----------------------------------------------------------------------


@pytest.mark.parametrize("setting, check_id", [("max_objectives: 2", "too-many-objectives"),
                                               ("max_financial_share: 0.5", "financial-dominated")])
def test_limits_at_the_boundary_do_not_fire(make_project, setting, check_id):
    project = check(make_project({ORG: ORGANIZATION + f"checks:\n  {setting}\n"}))
    assert project.problems.items == [], report(project)


def test_default_limit_of_fifteen_objectives(make_project):
    objectives = "".join(f"  - id: goal-{i}\n    name: Reach goal {i}\n    perspective: customer\n"
                         "    drives: [win-deals]\n    kpis:\n"
                         f"      - id: k-{i}\n        name: K {i}\n        target: 1\n        owner: X\n"
                         for i in range(14))
    sales = SALES + objectives  # 2 + 14 = 16 objectives
    actuals = ACTUALS + "".join(f"sales,k-{i},2026-Q1,1,\n" for i in range(14))
    project = check(make_project({S: sales, F: actuals}))
    found = [p.message for p in project.problems.warnings if p.code == "too-many-objectives"]
    assert found == ["unit 'sales' has 16 objectives, more than 15"], report(project)
    project = check(make_project({S: sales, F: actuals, ORG: ORGANIZATION + "checks:\n  max_objectives: 16\n"}))
    assert "too-many-objectives" not in [p.code for p in project.problems.items]


def test_max_kpis_per_objective_is_configurable(make_project):
    files, _ = crafted("too-many-kpis")
    project = check(make_project({**files, ORG: ORGANIZATION + "checks:\n  max_kpis_per_objective: 5\n"}))
    assert project.problems.items == [], report(project)
    project = check(make_project({ORG: ORGANIZATION + "checks:\n  max_kpis_per_objective: 1\n"}))
    assert project.problems.items == [], report(project)  # one KPI each is within a limit of 1


@pytest.mark.parametrize("setting, message", [("max_objectives: 0", "0 is out of range"),
                                              ("max_financial_share: 1.5", "1.5 is out of range"),
                                              ("max_objectives: many", "expected a whole number"),
                                              ("stale_after: -1", "-1 is out of range")])
def test_bad_limits_are_errors(make_project, setting, message):
    org = ORGANIZATION + f"checks:\n  {setting}\n"
    project = check(make_project({ORG: org}))
    assert len(project.problems.errors) == 1, report(project)
    p = project.problems.errors[0]
    assert p.location == where(org, setting.split(": ")[1] + "\n", ORG)
    assert message in p.message


# -- silencing and strict mode ----------------------------------------------------------------------


def test_silencing_a_check_globally_removes_it(make_project):
    files, _ = crafted("kpi-without-owner")
    org = ORGANIZATION + ("checks:\n  silence:\n    - check: kpi-without-owner\n"
                          "      reason: Owners are assigned in the Q3 review.\n")
    project = check(make_project({**files, ORG: org}))
    assert project.problems.items == [], report(project)


def test_silencing_a_check_for_one_unit_keeps_it_for_the_others(make_project):
    files, _ = crafted("financial-dominated")
    org = files[ORG].replace("checks:\n", "checks:\n  silence:\n    - check: financial-dominated\n      unit: sales\n"
                                          "      reason: Sales is measured on revenue.\n")
    project = check(make_project({ORG: org}))
    assert project.problems.errors == [], report(project)
    assert [(p.code, p.location.file) for p in project.problems.warnings] == [("financial-dominated", A)]


def test_silencing_one_check_leaves_the_others(make_project):
    acme = edit(ACME, "        owner: CFO\n", "")
    sales = edit(SALES, "    drives: [win-deals]\n", "")
    org = ORGANIZATION + "checks:\n  silence:\n    - check: kpi-without-owner\n      reason: Later.\n"
    project = check(make_project({ORG: org, A: acme, S: sales}))
    assert [p.code for p in project.problems.items] == ["unlinked-objective"], report(project)


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_strict_mode_turns_warnings_into_errors(make_project, check_id):
    files, _ = crafted(check_id)
    relaxed = check(make_project(files))
    strict = check(make_project(files), strict=True)
    assert relaxed.ok and not strict.ok
    assert [p.code for p in strict.problems.errors] == [p.code for p in relaxed.problems.warnings]
    assert strict.problems.warnings == []
    assert check_id in [p.code for p in strict.problems.errors]


def test_strict_mode_respects_silencing(make_project):
    files, _ = crafted("kpi-without-owner")
    org = ORGANIZATION + "checks:\n  silence:\n    - check: kpi-without-owner\n      reason: Later.\n"
    project = check(make_project({**files, ORG: org}), strict=True)
    assert project.ok, report(project)


def test_design_checks_wait_for_errors_to_be_fixed(make_project):
    acme = edit(ACME, "        owner: CFO\n", "")  # a warning...
    acme = edit(acme, "theme: growth", "theme: grwth")  # ...and an error
    project = check(make_project({A: acme}))
    assert [p.code for p in project.problems.items] == ["unknown-theme"]
