"""The loader's quick paths read exactly what the tolerant ones would, and report the same.

Common input (plain scalars, well-formed CSV rows) is read without the general machinery;
anything unusual takes the general path. These tests pin the seams between the two.
"""

from __future__ import annotations

import gc
import math

import pytest

from bsc_site.load import load
from bsc_site.load.actuals import parse_number, read_csv
from bsc_site.load.yaml_source import read_yaml
from bsc_site.periods import FiscalCalendar
from bsc_site.problems import Location, Problems
from conftest import inside


def yaml_problems(text: str) -> list[tuple[Location, str, str]]:
    problems = Problems()
    read_yaml(text, "f.yml", problems)
    return [(p.location, p.code, p.message) for p in problems.items]


def test_plain_scalars_are_typed_by_their_text_wherever_they_repeat():
    node = read_yaml("yes: yes\nb: 'yes'\nc: [yes, '1', 1, 1.5, ~, null, '', 2026-03-31]\n", "f.yml", Problems())
    assert node.plain == {"yes": True, "b": "yes", "c": [True, "1", 1, 1.5, None, None, "", node.plain["c"][7]]}
    assert str(node.plain["c"][7]) == "2026-03-31"


def test_locations_count_from_one():
    node = read_yaml("a:\n  - b: 1\n", "f.yml", Problems())
    assert node.location == Location("f.yml", 1, 1)
    assert node.key_locations["a"] == Location("f.yml", 1, 1)
    item = node.value["a"].value[0]
    assert item.location == Location("f.yml", 2, 5)
    assert item.key_locations["b"] == Location("f.yml", 2, 5)
    assert item.value["b"].location == Location("f.yml", 2, 8)


def test_a_value_that_cannot_be_read_is_reported_at_each_use_as_pyyaml_sees_it():
    assert yaml_problems("a: &x !!int foo\nb: *x\n") == [
        (Location("f.yml", 1, 4), "yaml-value",
         "cannot read the value 'foo': invalid literal for int() with base 10: 'foo'"),
        (Location("f.yml", 1, 4), "yaml-value", "cannot read the value 'foo': found unconstructable recursive node"),
    ]


def test_explicit_tags_on_quoted_text_are_kept():
    node = read_yaml("a: !!int '12'\nb: !!float '1.5'\nc: !!str 12\nd: !!null x\n", "f.yml", Problems())
    assert node.plain == {"a": 12, "b": 1.5, "c": "12", "d": None}


@pytest.mark.parametrize("indent, deep", [(38, False), (39, False), (40, True)])
def test_nesting_limit_is_checked_exactly_at_the_edge(indent, deep):
    text = "".join(" " * i + f"k{i}:\n" for i in range(indent + 1)) + " " * (indent + 1) + "v\n"
    codes = [code for _, code, _ in yaml_problems(text)]
    assert ("yaml-too-deep" in codes) is deep


@pytest.mark.parametrize("text, decimal_comma, value", [
    ("42.5", False, 42.5), ("-0", False, -0.0), (".5e3", False, 500.0), ("1e100", False, 1e100),
    ("12", True, 12.0), ("1.5", True, 1.5), ("1.234", True, 1234.0), (" 7 ", False, 7.0), ("N/A", False, None),
    ("0.125", True, 0.125), ("-1.234,5", True, -1234.5), ("1,234", False, 1234.0),
])
def test_numbers(text, decimal_comma, value):
    assert parse_number(text, decimal_comma) == value


@pytest.mark.parametrize("text, message", [
    ("1e101", "'1e101' is out of range: numbers are limited to ±1e100"),
    ("1e999", "'1e999' is not a finite number"),
])
def test_numbers_beyond_the_limit(text, message):
    with pytest.raises(ValueError, match=message):
        parse_number(text, False)


def test_common_and_unusual_rows_mixed_keep_their_order_and_problems(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("unit,kpi,period,value,note\n"
                    "a,k,2026-Q1,1,\n"
                    "a,k,2026-Q2, 2 ,  spaced  \n"
                    "a,k,2026-Q3,x,\n"
                    "a,k,2026-Q3,3\n"
                    "a,k,2026-Q5,4,\n"
                    ",k,2026-Q4,5,\n"
                    "a,k,2026-Q4,6,bell\x07\n"
                    " , , , , \n"
                    "a,k,2026-Q4,7,,,\n"
                    "a,k,2026-Q4,8,,x\n"
                    "a,k,2026-Q1,1,\n", encoding="utf-8")
    problems = Problems()
    with inside(tmp_path):
        actuals = read_csv(path.relative_to(tmp_path), FiscalCalendar(), problems)
    assert [(a.period.label, a.value, a.note, a.location.line) for a in actuals] == [
        ("2026-Q1", 1.0, "", 2), ("2026-Q2", 2.0, "spaced", 3), ("2026-Q3", 3.0, "", 5),
        ("2026-Q4", 6.0, "bell\x07", 8), ("2026-Q4", 7.0, "", 10), ("2026-Q1", 1.0, "", 12),
    ]
    assert actuals[0].period is actuals[-1].period
    assert [(p.location.line, p.location.column, p.code) for p in problems.items] == [
        (4, 13, "not-a-number"), (6, 5, "bad-period"), (7, 1, "missing-field"), (8, 15, "control-character"),
        (11, 1, "csv-row"),
    ]


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_found_it(tmp_path, enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        load(tmp_path, Problems())
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_repeated_values_are_read_into_one_object_each(tmp_path):
    # Texts and numbers repeat across an organisation's files: one object each (memory at
    # scale), except where equal numbers print differently ("0" and "-0").
    (tmp_path / "units").mkdir()
    (tmp_path / "actuals").mkdir()
    (tmp_path / "organization.yml").write_text("name: Org\n", encoding="utf-8")
    for unit in ("north", "south"):
        (tmp_path / "units" / f"{unit}.yml").write_text(
            f"id: {unit}\nname: {unit.title()}\nobjectives:\n  - id: grow\n    name: Grow\n    perspective: financial\n"
            "    kpis:\n      - id: sales\n        name: Sales\n        unit: EUR (thousands)\n        target: 5\n",
            encoding="utf-8")
        (tmp_path / "actuals" / f"{unit}.csv").write_text(
            f"unit,kpi,period,value,note\n{unit},sales,2026-Q1,12.5,Seasonal peak\n{unit},sales,2026-Q2,0,\n"
            f"{unit},sales,2026-Q3,-0,\n", encoding="utf-8")
    problems = Problems()
    sc = load(tmp_path, problems)
    assert not problems.items
    north, south = (sc.unit(u).kpis[0] for u in ("north", "south"))
    assert north.unit == "EUR (thousands)" and north.unit is south.unit
    first, second = sc.actuals[0:3], sc.actuals[3:6]
    assert first[0].unit_id == "north" and second[0].unit_id == "south"
    assert first[0].value == 12.5 and first[0].value is second[0].value and first[0].note is second[0].note
    assert [math.copysign(1, a.value) for a in first[1:]] == [1, -1]
    assert second[2].location.file.endswith("south.csv") and second[2].location[1:] == (4, 1)
