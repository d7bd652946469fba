"""The status engine over real scorecard folders: aggregation, targets, roll-ups, missing data."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from bsc_site.project import open_project
from bsc_site.status.evaluate import evaluate
from bsc_site.status.scoring import Status, Trend

GOAL, RED = 20 / 3, 10 / 3


def project(tmp_path: Path, kpis: str, actuals: str, org_extra: str = "", objectives_extra: str = "") -> Path:
    root = tmp_path / "sc"
    (root / "units").mkdir(parents=True)
    (root / "actuals").mkdir()
    (root / "organization.yml").write_text("name: Org\n" + textwrap.dedent(org_extra), encoding="utf-8")
    unit = textwrap.dedent("""\
        id: hq
        name: HQ
        objectives:
          - id: grow
            name: Grow
            perspective: financial
            kpis:
        """) + textwrap.indent(textwrap.dedent(kpis), "      ") + textwrap.dedent(objectives_extra)
    (root / "units" / "hq.yml").write_text(unit, encoding="utf-8")
    (root / "actuals" / "a.csv").write_text("unit,kpi,period,value,note\n" + textwrap.dedent(actuals),
                                            encoding="utf-8")
    return root


def evaluated(root: Path, period: str | None = None):
    p = open_project(root, period=period)
    assert p.ok, [x.format() for x in p.problems.errors]
    return evaluate(p.scorecards, p.period)


def kpi(ev, kpi_id: str, unit: str = "hq"):
    for o in ev.units[unit].objectives.values():
        for k in o.kpis:
            if k.kpi.id == kpi_id:
                return k
    raise KeyError(kpi_id)


def test_monthly_sum_kpi_compares_reported_months_with_their_targets(tmp_path):
    root = project(tmp_path, """\
        - id: sales
          name: Sales
          frequency: monthly
          aggregation: sum
          target: 100
          red_flag: 80
        """, """\
        hq,sales,2026-07,110,
        hq,sales,2026-08,90,
        """)
    ev = evaluated(root)
    assert ev.period.label == "2026-Q3"
    v = kpi(ev, "sales").current
    assert v.actual == 200 and v.target == 200 and v.red_flag == 160  # two reported months, two months of target
    assert v.score == pytest.approx(GOAL) and v.status is Status.ON_TRACK
    assert "2 of 3 months" in v.basis and "2026-09 not reported" in v.basis


def test_average_and_last_aggregation(tmp_path):
    root = project(tmp_path, """\
        - id: csat
          name: CSAT
          frequency: monthly
          aggregation: average
          target: 80
        - id: heads
          name: Headcount
          frequency: monthly
          aggregation: last
          target: 50
        """, """\
        hq,csat,2026-07,70,
        hq,csat,2026-08,90,
        hq,csat,2026-09,80,
        hq,heads,2026-07,40,
        hq,heads,2026-09,55,
        """)
    ev = evaluated(root)
    assert kpi(ev, "csat").current.actual == 80
    assert kpi(ev, "heads").current.actual == 55


def test_targets_per_period_then_fiscal_year_then_default(tmp_path):
    root = project(tmp_path, """\
        - id: margin
          name: Margin
          target: {2026: 22, 2026-Q3: 25}
          red_flag: 15
        - id: plain
          name: Plain
          target: 10
        """, """\
        hq,margin,2026-Q2,22,
        hq,margin,2026-Q3,25,
        hq,margin,2025-Q4,20,
        hq,plain,2026-Q3,9,
        """)
    ev = evaluated(root)
    history = {v.period.label: v.target for v in kpi(ev, "margin").native_history}
    assert history["2026-Q3"] == 25 and history["2026-Q2"] == 22 and history["2025-Q4"] is None
    plain = kpi(ev, "plain").current
    assert plain.red_flag == 9 and plain.red_flag_defaulted  # target - 10 %
    assert plain.score == pytest.approx(RED) and plain.status is Status.AT_RISK
    assert "target − 10 %" in plain.explanation


def test_fiscal_year_start_decides_the_quarter(tmp_path):
    root = project(tmp_path, """\
        - id: sales
          name: Sales
          frequency: monthly
          aggregation: sum
          target: {2027: 10}
        """, """\
        hq,sales,2026-04,5,
        hq,sales,2026-05,6,
        hq,sales,2026-06,7,
        """, org_extra="fiscal_year_start: 4\n")
    ev = evaluated(root)
    assert ev.period.label == "2027-Q1"  # April to June 2026 opens fiscal year 2027
    v = kpi(ev, "sales").current
    assert v.actual == 18 and v.target == 30


def test_year_to_date(tmp_path):
    root = project(tmp_path, """\
        - id: sales
          name: Sales
          frequency: quarterly
          aggregation: sum
          target: 100
        """, """\
        hq,sales,2026-Q1,90,
        hq,sales,2026-Q2,120,
        hq,sales,2026-Q3,100,
        hq,sales,2025-Q4,1000,
        """)
    ytd = kpi(evaluated(root), "sales").year_to_date
    assert ytd.actual == 310 and ytd.target == 300  # last year's Q4 is not in this year


def test_annual_kpi_in_a_quarterly_review_shows_the_latest_complete_year(tmp_path):
    root = project(tmp_path, """\
        - id: saidi
          name: SAIDI
          frequency: annual
          direction: lower
          target: 60
          red_flag: 80
        - id: q
          name: Quarterly
          target: 1
        """, """\
        hq,saidi,2025,70,
        hq,q,2026-Q3,1,
        """)
    v = kpi(evaluated(root), "saidi").current
    assert v.actual == 70 and v.score == pytest.approx(5.0) and v.status is Status.AT_RISK
    assert "2025" in v.basis and "latest completed annual period" in v.basis


def test_missing_data_is_left_out_of_rollups_and_counted(tmp_path):
    root = project(tmp_path, """\
        - id: a
          name: A
          target: 100
          red_flag: 50
          weight: 3
        - id: b
          name: B
          target: 100
          red_flag: 50
        - id: c
          name: C
          target: 100
        - id: d
          name: D
        """, """\
        hq,a,2026-Q3,100,
        hq,b,2026-Q3,50,
        hq,d,2026-Q3,5,
        """)
    ev = evaluated(root)
    assert kpi(ev, "c").current.status is Status.NO_DATA and kpi(ev, "c").current.score is None
    assert kpi(ev, "d").current.status is Status.NO_TARGET
    objective = ev.units["hq"].objectives["grow"].rollup
    assert objective.score == pytest.approx((3 * GOAL + RED) / 4)  # weighted; c and d not counted as zero
    assert (objective.counted, objective.total) == (2, 4)
    assert "2 of 4 KPIs" in objective.explanation and "not counted as zero" in objective.explanation
    unit = ev.units["hq"]
    financial = unit.perspectives[0].rollup
    assert financial.score == pytest.approx(objective.score)
    assert unit.rollup.score == pytest.approx(objective.score)  # other perspectives have no objectives


def test_nothing_reported_means_no_data_all_the_way_up(tmp_path):
    root = project(tmp_path, """\
        - id: a
          name: A
          target: 1
        """, """\
        hq,a,2026-Q2,1,
        """)
    ev = evaluated(root, period="2026-Q3")
    assert kpi(ev, "a").current.status is Status.NO_DATA
    assert ev.units["hq"].rollup.status is Status.NO_DATA and ev.units["hq"].rollup.score is None


def test_trend_is_direction_aware(tmp_path):
    root = project(tmp_path, """\
        - id: up
          name: Up
          target: 10
        - id: cost
          name: Cost
          direction: lower
          target: 10
        """, """\
        hq,up,2026-Q2,8,
        hq,up,2026-Q3,9,
        hq,cost,2026-Q2,8,
        hq,cost,2026-Q3,9,
        """)
    ev = evaluated(root)
    assert kpi(ev, "up").trend is Trend.IMPROVING
    assert kpi(ev, "cost").trend is Trend.WORSENING


def test_range_kpi(tmp_path):
    root = project(tmp_path, """\
        - id: occ
          name: Occupancy
          direction: range
          target: [75, 85]
          red_flag: [70, 90]
        """, """\
        hq,occ,2026-Q2,80,
        hq,occ,2026-Q3,92,
        """)
    k = kpi(evaluated(root), "occ")
    assert k.current.status is Status.OFF_TRACK and k.current.variance == 7
    assert k.history[-2].score == pytest.approx(10.0)  # the middle of the range scores best
    assert k.trend is Trend.WORSENING


def test_every_status_carries_its_explanation(tmp_path):
    root = project(tmp_path, """\
        - id: a
          name: A
          target: 100
          red_flag: 80
        """, """\
        hq,a,2026-Q3,90,
        """)
    v = kpi(evaluated(root), "a").current
    assert v.score == pytest.approx(5.0) and v.status is Status.AT_RISK
    for fragment in ("Higher is better", "90", "100", "80", "5", "at risk"):
        assert fragment in v.explanation


def test_the_example_shows_every_status_band():
    ev = evaluated(Path(__file__).resolve().parent.parent / "scorecards")
    statuses = {k.current.status for u in ev.units.values() for o in u.objectives.values() for k in o.kpis}
    assert {Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA} <= statuses
    directions = {k.kpi.direction.value for u in ev.units.values() for o in u.objectives.values() for k in o.kpis}
    assert directions == {"higher", "lower", "range"}


def _everything(ev) -> list:
    """Every value a page can show of an evaluation, as plain data."""
    from bsc_site.export import evaluation_json

    out: list = [evaluation_json(ev)]
    for result in ev.units.values():
        out.append((result.rollup.explanation, [(p.rollup.explanation, [
            (o.rollup.explanation, [r.status for r in o.history], [
                (k.current.explanation, k.current.basis, k.trend, k.movement,
                 [(v.period, v.actual, v.status, v.basis) for v in k.history + k.native_history],
                 k.year_to_date and (k.year_to_date.actual, k.year_to_date.status, k.year_to_date.basis))
                for k in o.kpis]) for o in p.objectives]) for p in result.perspectives]))
    return out


def test_evaluating_another_period_like_an_earlier_evaluation_changes_nothing():
    """A review page as of an earlier period reuses the current evaluation's KPI values:
    the result must be exactly that of evaluating the period on its own."""
    p = open_project(Path(__file__).resolve().parent.parent / "scorecards")
    latest = evaluate(p.scorecards, p.period)
    periods = [r.period for r in p.scorecards.reviews]
    assert len(periods) >= 2 and any(r.overrides for r in p.scorecards.reviews)
    for period in periods:
        assert _everything(evaluate(p.scorecards, period, like=latest)) == \
            _everything(evaluate(p.scorecards, period)), period


def test_evaluating_some_units_gives_them_the_same_results():
    """The review pages' enterprise map needs the root unit as of an earlier period, nothing else."""
    from bsc_site.export import unit_json

    p = open_project(Path(__file__).resolve().parent.parent / "scorecards")
    latest = evaluate(p.scorecards, p.period)
    root = p.scorecards.root_unit.id
    for period in [r.period for r in p.scorecards.reviews]:
        whole = evaluate(p.scorecards, period)
        some = evaluate(p.scorecards, period, like=latest, units={root})
        assert list(some.units) == [root]
        assert unit_json(some, some.units[root]) == unit_json(whole, whole.units[root])


def _unit_everything(ev, result) -> tuple:
    """Every value a unit page and the unit's data files show of one unit, as plain data."""
    from bsc_site.export import to_csv, unit_json

    return (unit_json(ev, result), to_csv(ev, [result.unit.id]), result.rollup.explanation, [
        (o.rollup.explanation, [r.status for r in o.history], [
            (k.current.explanation, k.trend, k.movement,
             [(v.period, v.actual, v.status, v.basis, v.explanation) for v in k.history + k.native_history],
             k.year_to_date and (k.year_to_date.actual, k.year_to_date.status, k.year_to_date.basis))
            for k in o.kpis]) for p in result.perspectives for o in p.objectives])


def test_units_evaluated_when_asked_get_the_same_results_and_can_be_let_go():
    """The page process of a site build evaluates each unit when its page asks, and lets it
    go after: every unit, in any order, asked again after being let go, as of any review
    period, gets exactly the results of the whole organisation evaluated at once."""
    from bsc_site.status.evaluate import evaluate_when_asked

    p = open_project(Path(__file__).resolve().parent.parent / "scorecards")
    sc = p.scorecards
    for period in [p.period, *(r.period for r in sc.reviews)]:
        whole = evaluate(sc, period)
        asked = evaluate_when_asked(sc, period)
        assert (asked.period, asked.review_periods) == (whole.period, whole.review_periods)
        for unit in reversed(sc.units):
            assert _unit_everything(asked, asked.units[unit.id]) == _unit_everything(whole, whole.units[unit.id])
        unit = sc.units[2]
        before = asked.units[unit.id]
        asked.units.forget(unit.id)
        assert unit.id not in dict.keys(asked.units)
        assert not any(k.key in asked.evaluator._values for k in unit.kpis), "its KPI values are let go too"
        again = asked.units[unit.id]
        assert again is not before and _unit_everything(asked, again) == _unit_everything(whole, whole.units[unit.id])
        assert asked.units.get("no-such-unit") is None and "no-such-unit" not in asked.units
        assert asked.units.get(unit.id) is again and unit.id in asked.units
        asked.units.forget_all()  # the build process, after each group of unit pages it renders
        assert not dict.keys(asked.units) and not asked.evaluator._values
        # nor a table of the numbers judged, to share equal ones: it would grow to the end
        # of the build (387,000 entries at 10,000 units)
        assert not asked.evaluator._shared
        assert _unit_everything(asked, asked.units[unit.id]) == _unit_everything(whole, whole.units[unit.id])
    # what needs every unit is refused, not answered from the units asked so far
    for listing in (list, len, lambda units: units.values(), lambda units: units.items()):
        with pytest.raises(TypeError, match="cannot be listed"):
            listing(asked.units)


def test_an_evaluation_as_of_an_earlier_period_made_while_forgetting_leaves_nothing_behind():
    """A review page's evaluation as of its period reuses the current evaluation's values;
    what it judges anew (earlier periods) is let go after the page, not kept to the end of
    the build, and is the same when judged again."""
    p = open_project(Path(__file__).resolve().parent.parent / "scorecards")
    sc = p.scorecards
    latest = evaluate(sc, p.period)
    evaluator = latest.evaluator

    def cached():
        return {key: (set(v.natives), set(v.reviews)) for key, v in evaluator._values.items()}

    before = cached()
    earliest = min(r.period for r in sc.reviews)
    with evaluator.forgetting():
        forgotten = _everything(evaluate(sc, earliest, like=latest))
        assert cached() != before, "the earlier period needed values of its own"
    assert cached() == before
    assert _everything(evaluate(sc, earliest, like=latest)) == forgotten == _everything(evaluate(sc, earliest))
    assert cached() != before, "outside it, values are kept as before"


def test_equal_values_are_kept_once_and_a_negative_zero_stays_negative(tmp_path):
    # A value per KPI and period: equal texts, period tuples and numbers are one object each
    # (memory at scale), but never where equal values print differently (0.0 and -0.0).
    twin = """\
        - id: {0}
          name: {0}
          frequency: monthly
          aggregation: sum
          target: 100"""
    root = project(tmp_path, twin.format("a") + "\n" + twin.format("b") + """
        - id: zero
          name: Zero
          frequency: monthly
          target: 5
        - id: minus-zero
          name: Minus zero
          frequency: monthly
          target: 5
        """, """\
        hq,a,2026-07,110,
        hq,a,2026-08,90,
        hq,b,2026-07,110,
        hq,b,2026-08,90,
        hq,zero,2026-07,0,
        hq,minus-zero,2026-07,-0,
        """)
    ev = evaluated(root)
    a, b = kpi(ev, "a").current, kpi(ev, "b").current
    assert a.basis == b.basis == "sum of 2 of 3 months (2026-09 not reported)"
    assert a.basis is b.basis and a.reported is b.reported
    assert a.actual == 200 and a.actual is b.actual and a.red_flag is b.red_flag and a.score is b.score
    zero, minus_zero = (kpi(ev, k).native_history[0].actual for k in ("zero", "minus-zero"))
    assert (math.copysign(1, zero), math.copysign(1, minus_zero)) == (1, -1)


def test_default_red_flags_of_equal_targets_keep_each_targets_own_sign(tmp_path):
    """A target of -0.0 and one of 0.0 compare equal, but with a tolerance of 0 their default
    red flags are -0.0 and 0.0, as each is shown: the red flag kept for one is not the other's."""
    root = project(tmp_path, """\
        - id: a
          name: A
          target: 0.0
        - id: b
          name: B
          target: -0.0
        """, """\
        hq,a,2026-Q1,1,
        hq,b,2026-Q1,1,
        """, org_extra="status:\n  tolerance: 0\n")
    ev = evaluated(root)
    for kpi_id, sign in (("a", 1.0), ("b", -1.0)):
        value = kpi(ev, kpi_id).current
        assert value.red_flag == 0 and math.copysign(1.0, value.red_flag) == sign, (kpi_id, value.red_flag)
