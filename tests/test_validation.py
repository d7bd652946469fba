"""Validation of organization.yml and the unit files: every problem, located, with a hint.

Each test breaks the valid base project (tests/conftest.py) in one way and asserts what
the user is told: the file, line and column, the field, the message and the hint.
"""

from __future__ import annotations

import time

import pytest

from bsc_site.problems import Location, Severity
from conftest import ACME, ORGANIZATION, SALES, check, codes, edit, only, report, where

ORG, A, S = "organization.yml", "units/acme.yml", "units/sales.yml"


def test_the_base_project_is_valid_without_warnings(make_project):
    project = check(make_project())
    assert project.ok
    assert project.problems.items == [], report(project)
    assert [u.id for u in project.scorecards.units] == ["acme", "sales"]


# -- YAML itself ------------------------------------------------------------------------


def test_yaml_syntax_error_is_located(make_project):
    sales = edit(SALES, "name: Sales\n", "name: Sales: Team\n")
    p = only(check(make_project({S: sales})), "yaml-syntax")
    assert p.severity is Severity.ERROR
    assert p.location == where(sales, ": Team", S)  # the second colon, line 2 column 12
    assert p.location == Location(S, 2, 12)
    assert "YAML syntax error" in p.message and "mapping values are not allowed" in p.message
    assert "quote text containing ': '" in p.hint
    assert p.format().startswith("units/sales.yml:2:12: error: YAML syntax error")


def test_yaml_syntax_error_in_organization_stops_with_that_error_alone(make_project):
    org = edit(ORGANIZATION, "  - id: customer\n", "  - id: customer\n   bad: [\n")
    project = check(make_project({ORG: org}))
    assert not project.ok
    assert codes(project) == ["yaml-syntax"]
    assert project.problems.items[0].location.file == ORG


def test_duplicate_key_is_reported_at_the_second_key_naming_the_first(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives:", "owner: Head of Sales\nowner: Someone else\nobjectives:")
    p = only(check(make_project({S: sales})), "duplicate-key")
    assert p.location == Location(S, 5, 1)
    assert p.field == "owner"
    assert p.message == "'owner' is given twice in this mapping"
    assert "the first is on line 4" in p.hint


def test_duplicate_key_in_a_nested_mapping(make_project):
    sales = edit(SALES, "        target: 10\n", "        target: 10\n        target: 12\n")
    p = only(check(make_project({S: sales})), "duplicate-key")
    assert p.location == Location(S, 14, 9)
    assert "the first is on line 13" in p.hint


def test_empty_file(make_project):
    p = only(check(make_project({S: ""})), "empty-file")
    assert p.location == Location(S)
    assert p.message == "the file is empty: expected a unit"


def test_file_with_only_comments_is_empty(make_project):
    p = only(check(make_project({S: "# to do\n"})), "empty-file")
    assert p.location.file == S


def test_empty_organization_file(make_project):
    project = check(make_project({ORG: "\n"}))
    assert codes(project) == ["empty-file"]
    assert project.problems.items[0].message == "the file is empty: expected an organization"


def test_non_utf8_file_names_the_line_and_the_byte(make_project):
    latin1 = edit(SALES, "owner: Head of Sales\nobjectives", "owner: José\nobjectives").encode("latin-1")
    p = only(check(make_project({S: latin1})), "encoding")
    assert p.location == Location(S, 4, len("owner: Jos") + 1)  # at the é
    assert "not utf-8" in p.message and "0xe9" in p.message
    assert p.hint == "save it as UTF-8"  # a YAML file: no spreadsheet advice


def test_binary_file_is_reported_not_read(make_project):
    p = only(check(make_project({S: b"id: sales\nname: \x00\x01\x02\n"})), "encoding")
    assert p.location == Location(S, 2, 1)
    assert "NUL" in p.message


def test_alias_bomb_gives_a_clear_error_quickly(make_project):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, name in zip("abcdefgh", "bcdefghi"):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    start = time.perf_counter()
    project = check(make_project({S: bomb}))
    assert time.perf_counter() - start < 2  # refused before expanding: about a millisecond
    p = only(project, "yaml-too-large")
    assert p.location == Location(S)
    assert p.message == "the YAML is too large to read: more than 200,000 values (an alias expanding into itself?)"


def test_alias_inside_its_own_anchor_is_an_error(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives", "owner: &me [Head of Sales, *me]\nobjectives")
    p = only(check(make_project({S: sales})), "yaml-alias")
    assert p.location == Location(S, 4, 8)
    assert p.message == "an alias is used inside the value of its own anchor, so it would repeat forever"


def test_aliases_within_reason_are_expanded(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives", "owner: &boss Head of Sales\nobjectives")
    sales = sales.replace("        owner: Head of Sales\n", "        owner: *boss\n")
    project = check(make_project({S: sales}))
    assert project.problems.items == [], report(project)
    assert project.scorecards.unit("sales").kpis[1].owner == "Head of Sales"


@pytest.mark.parametrize("depth", [41, 30_000, 1_000_000])  # 30 000 crashed libyaml's composer (C stack)
def test_very_deep_nesting_gives_a_clear_error(make_project, depth):
    deep = "id: sales\nname: Sales\nparent: acme\ndescription: " + "[" * depth + "]" * depth + "\n"
    start = time.perf_counter()
    project = check(make_project({S: deep, "actuals/2026.csv": None}))
    assert time.perf_counter() - start < 5
    p = only(project, "yaml-too-deep")
    assert p.location == Location(S, 4, 14 + 39)  # the 40th '[': the file's own mapping is the first level
    assert p.message == "the YAML is nested more than 40 levels deep"


def test_nesting_up_to_the_limit_is_read(make_project):
    deep = "id: sales\nname: Sales\nparent: acme\ndescription: " + "[" * 39 + "]" * 39 + "\n"
    project = check(make_project({S: deep, "actuals/2026.csv": None}))
    assert "yaml-too-deep" not in codes(project)
    assert codes(project) == ["wrong-type"]  # a list is no description, but it was read


def test_unknown_yaml_tag_is_an_error_on_one_line(make_project):
    sales = edit(SALES, "name: Sales\n", "name: !!python/object:os.system rm\n")
    p = only(check(make_project({S: sales})), "yaml-value")
    assert p.location == Location(S, 2, 7)
    assert "\n" not in p.message


def test_two_documents_in_one_file(make_project):
    p = only(check(make_project({S: SALES + "---\nid: other\n"})), "yaml-documents")
    assert p.location == Location(S, 30, 1)  # the "---" line


# -- types, unknown and missing fields ------------------------------------------------------


def test_wrong_type_text_for_a_number(make_project):
    org = edit(ORGANIZATION, "    name: Financial\n", "    name: Financial\n    weight: heavy\n")
    p = only(check(make_project({ORG: org})), "wrong-type")
    assert p.location == where(org, "heavy", ORG)
    assert p.field == "perspectives[1].weight"
    assert p.message == "expected a number, got 'heavy'"


def test_wrong_type_fraction_for_a_whole_number(make_project):
    org = edit(ORGANIZATION, "    unit: pts\n", "    unit: pts\n    decimals: 1.5\n")
    p = only(check(make_project({ORG: org})), "wrong-type")
    assert p.location == where(org, "1.5", ORG)
    assert p.field == "kpis[1].decimals"
    assert p.message == "expected a whole number, got the number 1.5"


def test_wrong_type_objectives_as_a_mapping(make_project):
    sales = "id: sales\nname: Sales\nparent: acme\nobjectives:\n  id: win-deals\n  name: Win deals\n"
    p = only(check(make_project({S: sales, "actuals/2026.csv": None})), "wrong-type")
    assert p.location == Location(S, 5, 3)
    assert p.field == "objectives"
    assert p.message.startswith("expected a list of objective entries (each starting with '- ')")
    assert p.message.endswith("got a mapping")


def test_wrong_type_list_for_text(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives", "owner: [a, b]\nobjectives")
    p = only(check(make_project({S: sales})), "wrong-type")
    assert p.location == Location(S, 4, 8)
    assert p.field == "owner" and p.message == "expected text, got a list"


def test_unknown_choice_suggests_the_closest(make_project):
    sales = edit(SALES, "direction: lower", "direction: lowr")
    p = only(check(make_project({S: sales})), "wrong-value")
    assert p.location == where(sales, "lowr", S)
    assert p.message == "expected 'higher', 'lower' or 'range', got 'lowr'"
    assert p.hint == "did you mean 'lower'?"


def test_number_out_of_range(make_project):
    org = ORGANIZATION + "fiscal_year_start: 13\n"
    p = only(check(make_project({ORG: org})), "out-of-range")
    assert p.location == where(org, "13", ORG)
    assert p.field == "fiscal_year_start"
    assert "expected a number from 1 to 12" in p.message


def test_unknown_field_suggests_the_spelling(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives", "owmer: Head of Sales\nobjectives")
    p = only(check(make_project({S: sales})), "unknown-field")
    assert p.location == Location(S, 4, 1)
    assert p.field == "owmer"
    assert p.message == "unknown unit field 'owmer'"
    assert p.hint == "did you mean 'owner'?"


def test_unknown_field_without_a_close_spelling_lists_the_fields(make_project):
    sales = edit(SALES, "        indicator: leading\n", "        indicator: leading\n        colour: blue\n")
    p = only(check(make_project({S: sales})), "unknown-field")
    assert p.location == where(sales, "colour", S)
    assert p.field == "objectives[1].kpis[1].colour"
    assert "'direction'" in p.hint and "'target'" in p.hint


def test_missing_required_field(make_project):
    sales = edit(SALES, "    perspective: customer\n", "")
    project = check(make_project({S: sales}))
    p = only(project, "missing-field")
    assert p.location == where(sales, "id: keep-customers", S)  # the objective that lacks it
    assert p.field == "objectives[2].perspective"
    assert p.message == "objective has no 'perspective'"
    assert p.hint.startswith("add 'perspective:'")
    assert codes(project) == ["missing-field"], report(project)  # its links and actuals still resolve


def test_required_field_given_empty(make_project):
    sales = edit(SALES, "name: Sales\n", "name:\n")
    project = check(make_project({S: sales}))
    p = only(project, "missing-field")
    assert p.location == Location(S, 2, 6)
    assert p.message == "'name' is empty"
    assert codes(project) == ["missing-field"], report(project)


def test_unit_file_that_is_a_list(make_project):
    p = only(check(make_project({S: "- id: sales\n", "actuals/2026.csv": None})), "wrong-type")
    assert p.location == Location(S, 1, 1)
    assert p.message == "expected a mapping of unit fields, got a list"


# -- identifiers --------------------------------------------------------------------------


@pytest.mark.parametrize("bad, suggestion", [("Grow Revenue", "grow-revenue"), ("../etc", "etc"),
                                             ("-x", "x"), ("a" * 65, "a" * 64)])
def test_id_that_is_not_a_slug(make_project, bad, suggestion):
    acme = edit(ACME, "id: grow-revenue", f'id: "{bad}"')
    p = [p for p in check(make_project({A: acme})).problems.errors if p.code == "bad-id"]
    assert len(p) == 1
    p = p[0]
    assert p.location == where(acme, f'"{bad}"', A)
    assert p.field == "objectives[1].id"
    assert f"'{bad}' is not a valid id" in p.message
    assert "lower-case letters, digits and hyphens" in p.message
    assert p.hint == f"for example '{suggestion}'"


def test_unit_id_that_is_a_path(make_project):
    sales = edit(SALES, "id: sales", "id: ../etc")
    p = only(check(make_project({S: sales, "actuals/2026.csv": None})), "bad-id")
    assert p.location == Location(S, 1, 5)
    assert p.field == "id"


def test_duplicate_unit_id_across_files(make_project):
    other = edit(SALES, "name: Sales", "name: Sales again")
    p = only(check(make_project({"units/sales-copy.yml": other})), "duplicate-id")
    assert p.location == Location("units/sales.yml", 1, 1)  # second in file order: sales-copy sorts first
    assert p.message == "unit id 'sales' is used twice"
    assert p.hint == "the first is at units/sales-copy.yml:1:1"


def test_duplicate_objective_id_in_one_unit(make_project):
    sales = edit(SALES, "  - id: keep-customers\n", "  - id: win-deals\n")
    sales = edit(sales, "    drives: [win-deals]\n", "")
    p = only(check(make_project({S: sales})), "duplicate-id")
    assert p.location == Location(S, 17, 5)
    assert p.message == "objective id 'win-deals' is used twice in unit 'sales'"
    assert p.hint == "the first is at units/sales.yml:6:5"


def test_duplicate_kpi_id_in_one_unit_across_objectives(make_project):
    sales = edit(SALES, "      - id: churn\n", "      - id: deals\n")
    sales_actuals = "unit,kpi,period,value\nacme,revenue,2026-Q1,90\n"
    p = only(check(make_project({S: sales, "actuals/2026.csv": sales_actuals})), "duplicate-id")
    assert p.location == Location(S, 22, 9)
    assert p.message == "KPI id 'deals' is used twice in unit 'sales'"
    assert p.hint == "the first is at units/sales.yml:11:9"


def test_same_kpi_id_in_two_units_is_fine(make_project):
    sales = edit(SALES, "      - id: churn\n", "      - id: revenue\n")
    actuals = "unit,kpi,period,value\nacme,revenue,2026-Q1,90\nsales,revenue,2026-Q1,6\n"
    project = check(make_project({S: sales, "actuals/2026.csv": actuals}))
    assert project.problems.errors == []


def test_duplicate_initiative_id_in_one_unit(make_project):
    acme = ACME + "  - id: crm-rollout\n    name: CRM again\n"
    p = only(check(make_project({A: acme})), "duplicate-id")
    assert p.location == Location(A, 31, 5)
    assert p.message == "initiative id 'crm-rollout' is used twice in unit 'acme'"
    assert p.hint == "the first is at units/acme.yml:26:5"


# -- the unit tree --------------------------------------------------------------------------


def test_unknown_parent_suggests_the_closest_unit(make_project):
    sales = edit(SALES, "parent: acme", "parent: acmee")
    p = only(check(make_project({S: sales})), "unknown-parent")
    assert p.location == where(sales, "acmee", S)  # where the parent is written
    assert p.field == "parent"
    assert p.message == "unit 'sales' names parent 'acmee', which is no unit's id"
    assert p.hint == "did you mean 'acme'?"


def test_cycle_in_the_unit_tree(make_project):
    acme = edit(ACME, "owner: CEO\n", "owner: CEO\nparent: sales\n")
    top = "id: top\nname: Top\n"
    project = check(make_project({A: acme, "units/top.yml": top, S: edit(SALES, "supports: [grow-revenue]", "")}))
    p = only(project, "unit-cycle")
    assert p.location == Location(A, 4, 9)  # acme's "parent: sales", added on line 4
    assert p.message == "units form a cycle of parents: acme -> sales -> acme"
    assert "no-root" not in codes(project)


def test_unit_that_is_its_own_parent(make_project):
    sales = edit(SALES, "parent: acme", "parent: sales")
    project = check(make_project({S: sales}))
    p = only(project, "unit-cycle")
    assert p.location == Location(S, 3, 9)  # "parent: sales"
    assert p.message == "unit 'sales' is its own parent"
    assert codes(project) == ["unit-cycle"], report(project)  # no follow-on 'supports' error


def test_more_than_one_root(make_project):
    project = check(make_project({"units/zeta.yml": "id: zeta\nname: Zeta\n"}))
    p = only(project, "many-roots")
    assert p.location == Location("units/zeta.yml", 1, 1)
    assert "'acme' (units/acme.yml:1:1), 'zeta' (units/zeta.yml:1:1)" in p.message
    assert p.hint == "exactly one unit, the enterprise, has no parent"


def test_no_root(make_project):
    acme = edit(ACME, "owner: CEO\n", "owner: CEO\nparent: sales\n")
    project = check(make_project({A: acme}))
    p = only(project, "no-root")
    assert p.location == Location(A, 1, 1)
    assert p.hint == "remove 'parent:' from the top unit"
    assert "unit-cycle" in codes(project)


def test_no_unit_files(make_project):
    project = check(make_project({A: None, S: None, "actuals/2026.csv": None}))
    p = only(project, "no-units")
    assert p.location == Location("units")


# -- links between objectives --------------------------------------------------------------


def test_drives_an_unknown_objective(make_project):
    acme = edit(ACME, "drives: [grow-revenue]", "drives: [grow-revenu]")
    p = only(check(make_project({A: acme})), "unknown-objective")
    assert p.location == where(acme, "grow-revenu]", A)
    assert p.field == "drives"
    assert p.message == "'drives' names 'grow-revenu', which is no objective of unit 'acme'"
    assert p.hint == "did you mean 'grow-revenue'?"


def test_drives_itself(make_project):
    acme = edit(ACME, "drives: [grow-revenue]", "drives: [grow-revenue, delight-customers]")
    p = only(check(make_project({A: acme})), "self-link")
    assert p.location == where(acme, "delight-customers]\n    kpis", A)
    assert p.message == "objective 'delight-customers' drives itself"


def test_supports_an_objective_not_in_the_parent_unit(make_project):
    sales = edit(SALES, "supports: [grow-revenue]", "supports: [keep-customers]")
    sales = edit(sales, "    drives: [win-deals]\n", "    drives: [win-deals]\n    supports: [grow-revenue]\n")
    p = only(check(make_project({S: sales})), "unknown-objective")
    assert p.location == where(sales, "keep-customers]", S)
    assert p.field == "supports"
    assert p.message == "'supports' names 'keep-customers', which is no objective of the parent unit 'acme'"


def test_supports_with_a_typo_suggests_the_parent_objective(make_project):
    sales = edit(SALES, "supports: [grow-revenue]", "supports: [grow-revenues]")
    p = only(check(make_project({S: sales})), "unknown-objective")
    assert p.hint == "did you mean 'grow-revenue'?"


def test_supports_from_the_root_unit(make_project):
    acme = edit(ACME, "    drives: [grow-revenue]\n", "    drives: [grow-revenue]\n    supports: [grow-revenue]\n")
    p = only(check(make_project({A: acme})), "unknown-objective")
    assert p.location == Location(A, 20, 16)
    assert p.message == "unit 'acme' has no parent, so objective 'delight-customers' cannot support 'grow-revenue'"


# -- perspectives and themes ---------------------------------------------------------------


def test_unknown_perspective(make_project):
    acme = edit(ACME, "perspective: customer", "perspective: customers")
    p = only(check(make_project({A: acme})), "unknown-perspective")
    at = where(acme, "perspective: customers", A)
    assert p.location == Location(A, at.line, at.column + len("perspective: "))  # where it is written
    assert p.field == "perspective"
    assert p.message == "objective 'delight-customers' names perspective 'customers', which is not defined"
    assert p.hint == "did you mean 'customer'?"


def test_objective_in_an_omitted_perspective(make_project):
    acme = edit(ACME, "objectives:\n", "omitted_perspectives:\n  - perspective: customer\n"
                "    reason: Served by the units.\nobjectives:\n")
    p = only(check(make_project({A: acme})), "omitted-perspective")
    assert p.location == where(acme, "customer\n    drives", A)  # the objective's perspective
    assert p.message == "objective 'delight-customers' is in perspective 'customer', which this unit omits"


def test_omitting_an_unknown_perspective(make_project):
    sales = edit(SALES, "objectives:\n", "omitted_perspectives:\n  - perspective: finance\n    reason: x\nobjectives:\n")
    p = only(check(make_project({S: sales})), "unknown-perspective")
    assert p.location == Location(S, 6, 5)
    assert p.hint == "did you mean 'financial'?"


def test_omitted_perspective_needs_a_reason(make_project):
    sales = edit(SALES, "objectives:\n", "omitted_perspectives:\n  - perspective: customer\nobjectives:\n")
    p = only(check(make_project({S: sales})), "missing-field")
    assert p.location == Location(S, 6, 5)
    assert p.field == "omitted_perspectives[1].reason"


def test_extra_perspective_placed_after_an_unknown_one(make_project):
    sales = edit(SALES, "objectives:\n", "extra_perspectives:\n  - id: green\n    name: Green\n"
                 "    after: customr\nobjectives:\n")
    p = only(check(make_project({S: sales})), "unknown-perspective")
    assert p.location == Location(S, 6, 5)
    assert p.hint == "did you mean 'customer'?"


def test_unknown_theme(make_project):
    acme = edit(ACME, "theme: growth", "theme: grwth")
    p = only(check(make_project({A: acme})), "unknown-theme")
    assert p.location == where(acme, "grwth", A)
    assert p.field == "theme"
    assert p.message == "objective 'grow-revenue' names theme 'grwth', which organization.yml does not declare"
    assert p.hint == "did you mean 'growth'?"


# -- KPIs: library definitions, targets and red flags -----------------------------------------


def test_kpi_definition_that_does_not_resolve(make_project):
    acme = edit(ACME, "definition: nps", "definition: npss")
    project = check(make_project({A: acme}))
    p = only(project, "unknown-definition")
    assert p.location == where(acme, "npss", A)
    assert p.field == "definition"
    assert p.message == "no KPI definition 'npss' in the library (organization.yml, kpis:)"
    assert p.hint == "did you mean 'nps'?"
    assert codes(project) == ["unknown-definition"], report(project)  # no follow-on errors


def test_a_missing_definition_is_the_one_error_its_monthly_kpi_brings(make_project):
    """With its definition missing, a KPI's frequency and direction are defaults nobody wrote
    (quarterly, higher): its monthly rows, monthly targets and red flag are not held to them."""
    org = edit(ORGANIZATION, "    frequency: quarterly\n    indicator: leading\n",
               "    frequency: monthly\n    direction: lower\n    indicator: leading\n").replace(
        "    direction: higher\n    frequency: monthly", "    frequency: monthly")
    acme = edit(ACME, "        definition: nps\n        target: 50\n        red_flag: 30\n",
                "        definition: npss\n        target: {2026: 30, 2026-02: 28}\n        red_flag: 40\n")
    actuals = "unit,kpi,period,value,note\nacme,nps,2026-01,31,\nacme,nps,2026-02,29,\nacme,nps,2026-03,27,\n"
    project = check(make_project({ORG: org, A: acme, "actuals/2026.csv": actuals}))
    assert codes(project) == ["unknown-definition"], report(project)
    assert only(project, "unknown-definition").location == where(acme, "npss", A)


def test_an_extra_perspective_without_a_name_leaves_its_objectives_errors_at_the_value(make_project):
    """An extra perspective with no name is left out of the model (reported): an objective in
    it names a perspective that is not defined, reported where 'perspective:' is written."""
    sales = edit(SALES, "objectives:\n", "extra_perspectives:\n  - id: green\nobjectives:\n")
    sales = edit(sales, "perspective: customer", "perspective: green")
    project = check(make_project({S: sales}))
    p = only(project, "unknown-perspective")
    at = where(sales, "perspective: green", S)
    assert p.location == Location(S, at.line, at.column + len("perspective: "))


def test_a_key_left_empty_inherits_the_library_definitions_value(make_project):
    """'frequency:' with no value is not given: a monthly library definition's KPI stays
    monthly, and its monthly rows are its own."""
    org = edit(ORGANIZATION, "    frequency: quarterly\n    indicator: leading\n",
               "    frequency: monthly\n    indicator: leading\n")
    acme = edit(ACME, "        definition: nps\n", "        definition: nps\n        frequency:\n")
    actuals = "unit,kpi,period,value,note\nacme,nps,2026-01,31,\nacme,nps,2026-02,29,\n"
    project = check(make_project({ORG: org, A: acme, "actuals/2026.csv": actuals}))
    assert project.problems.errors == [], report(project)
    kpi = next(k for u in project.scorecards.units for k in u.kpis if k.id == "nps")
    assert kpi.frequency.value == "monthly"


def test_a_missing_definition_does_not_hide_what_the_kpi_wrote_itself(make_project):
    """Only the values nobody wrote stand in: a KPI giving its own frequency and direction is
    still held to them, its missing definition notwithstanding."""
    acme = edit(ACME, "        definition: nps\n        target: 50\n        red_flag: 30\n",
                "        definition: npss\n        direction: higher\n        frequency: quarterly\n"
                "        target: [3, 4]\n")
    actuals = "unit,kpi,period,value,note\nacme,nps,2026-04,31,\n"
    project = check(make_project({A: acme, "actuals/2026.csv": actuals}))
    assert sorted(codes(project)) == ["period-frequency", "unknown-definition", "wrong-type"], report(project)


def test_a_frequency_written_wrong_is_the_one_error_its_kpi_brings(make_project):
    acme = edit(ACME, "        definition: nps\n        target: 50\n",
                "        definition: nps\n        frequency: montly\n        target: {2026-07: 38, 2026-08: 38}\n")
    actuals = "unit,kpi,period,value,note\nacme,nps,2026-04,31,\nacme,nps,2026-05,33,\nacme,nps,2026-06,35,\n"
    project = check(make_project({A: acme, "actuals/2026.csv": actuals}))
    assert codes(project) == ["wrong-value"], report(project)
    assert only(project, "wrong-value").location == where(acme, "montly", A)


def test_a_direction_written_wrong_is_the_one_error_its_kpi_brings(make_project):
    """'direction: down' is reported where it is written; the red flag is not then judged by
    the higher-is-better default standing in for it."""
    acme = edit(ACME, "        target: 100\n        red_flag: 80\n",
                "        direction: down\n        target: 100\n        red_flag: 120\n")
    project = check(make_project({A: acme}))
    assert codes(project) == ["wrong-value"], report(project)
    assert only(project, "wrong-value").location == where(acme, "down", A)


def test_library_definition_fields_are_inherited(make_project):
    project = check(make_project())
    nps = project.scorecards.unit("acme").objective("delight-customers").kpis[0]
    assert (nps.name, nps.unit, nps.indicator, nps.owner, nps.definition) == \
        ("Net promoter score", "pts", "leading", "Head of CX", "nps")
    assert nps.target.default == 50.0


def test_library_definition_fields_can_be_overridden(make_project):
    acme = edit(ACME, "        definition: nps\n",
                "        definition: nps\n        name: Partner NPS\n        unit: points\n        owner: Head of Partners\n")
    project = check(make_project({A: acme}))
    assert project.problems.items == [], report(project)
    nps = project.scorecards.unit("acme").objective("delight-customers").kpis[0]
    assert (nps.name, nps.unit, nps.owner, nps.indicator) == ("Partner NPS", "points", "Head of Partners", "leading")


def test_kpi_without_name_or_definition(make_project):
    sales = edit(SALES, "        name: Deals won\n", "")
    project = check(make_project({S: sales}))
    assert codes(project) == ["missing-field"], report(project)
    p = only(project, "missing-field")
    assert p.location == where(sales, "id: deals", S)
    assert p.message == "KPI 'deals' has no 'name'"
    assert "definition:" in p.hint


def test_range_kpi_needs_a_pair(make_project):
    sales = edit(SALES, "direction: lower", "direction: range")
    project = check(make_project({S: sales}))
    found = [p for p in project.problems.sorted() if p.code == "wrong-type"]
    assert [p.location for p in found] == [where(sales, "5\n        red_flag", S), where(sales, "8\n", S)]
    assert found[0].message == "KPI 'churn' has direction range, so its target must be a pair [low, high]"
    assert found[1].field == "red_flag"
    assert codes(project) == ["wrong-type", "wrong-type"], report(project)


def test_higher_kpi_needs_one_number(make_project):
    sales = edit(SALES, "target: 10", "target: [8, 12]")
    p = only(check(make_project({S: sales})), "wrong-type")
    assert p.location == where(sales, "[8, 12]", S)
    assert p.message == "KPI 'deals' has direction higher, so its target must be one number"


def test_target_that_is_not_a_number(make_project):
    sales = edit(SALES, "target: 10", "target: ten")
    p = only(check(make_project({S: sales})), "wrong-type")
    assert p.location == where(sales, "ten", S)
    assert p.message == "expected a number, or a pair [low, high] for a range, got 'ten'"


def test_higher_kpi_with_red_flag_above_target(make_project):
    sales = edit(SALES, "red_flag: 5", "red_flag: 15")
    p = only(check(make_project({S: sales})), "threshold-direction")
    assert p.location == where(sales, "15", S)
    assert p.field == "red_flag"
    assert p.message == "KPI 'deals': higher is better, so the red flag 15 must be at or below the target 10"


def test_lower_kpi_with_red_flag_below_target(make_project):
    sales = edit(SALES, "red_flag: 8", "red_flag: 3")
    p = only(check(make_project({S: sales})), "threshold-direction")
    assert p.location == where(sales, "3\n", S)
    assert p.message == "KPI 'churn': lower is better, so the red flag 3 must be at or above the target 5"


@pytest.mark.parametrize("red_flag, words", [("[5, 7]", "the low red flag 5 must be at or below the low end"),
                                             ("[3, 5]", "the high red flag 5 must be at or above the high end")])
def test_range_kpi_with_red_flags_inside_the_range(make_project, red_flag, words):
    sales = edit(SALES, "direction: lower\n        target: 5\n        red_flag: 8",
                 f"direction: range\n        target: [4, 6]\n        red_flag: {red_flag}")
    p = only(check(make_project({S: sales})), "threshold-direction")
    assert p.location == where(sales, red_flag, S)
    assert words in p.message


def test_range_kpi_with_sound_thresholds_is_valid(make_project):
    sales = edit(SALES, "direction: lower\n        target: 5\n        red_flag: 8",
                 "direction: range\n        target: [4, 6]\n        red_flag: [3, 7]")
    project = check(make_project({S: sales}))
    assert project.problems.errors == [], report(project)


def test_threshold_conflict_in_one_period_points_at_that_period(make_project):
    sales = edit(SALES, "red_flag: 5", "red_flag: {2026: 5, 2026-Q2: 11}")
    p = only(check(make_project({S: sales})), "threshold-direction")
    assert p.location == where(sales, "2026-Q2", S)
    assert p.message.startswith("KPI 'deals' for 2026-Q2: higher is better")


def test_target_keyed_by_a_period_of_the_wrong_frequency(make_project):
    sales = edit(SALES, "target: 10", "target: {2026: 10, 2026-03: 11}")
    p = only(check(make_project({S: sales})), "period-frequency")
    assert p.location == where(sales, "2026-03", S)
    assert p.message == "KPI 'deals' is reported quarterly but its target names the monthly period 2026-03"
    assert p.hint == "use quarterly periods, or a fiscal year for the whole year"


def test_target_keyed_by_quarter_and_year_is_valid(make_project):
    sales = edit(SALES, "target: 10", "target: {2025: 8, 2026: 10, 2026-Q4: 12}")
    project = check(make_project({S: sales}))
    assert project.problems.items == [], report(project)
    deals = project.scorecards.unit("sales").objective("win-deals").kpis[0]
    cal = project.scorecards.calendar
    assert [deals.target.at(cal.parse(p), cal) for p in ("2025-Q3", "2026-Q1", "2026-Q4")] == [8, 10, 12]


@pytest.mark.parametrize("key, detail", [("2026-Q5", "quarters are Q1 to Q4"), ("next year", ""),
                                         ("2026-3", "two digits"), ("1850", "years are 1900 to 2200")])
def test_bad_period_key_in_target(make_project, key, detail):
    sales = edit(SALES, "        target: 10\n", f"        target:\n          2026: 10\n          {key}: 11\n")
    p = only(check(make_project({S: sales})), "bad-period")
    assert p.location == Location(S, 15, 11)
    assert p.field == f"target.{key}"
    assert p.message.startswith("expected a period like 2026, 2026-Q3 or 2026-09")
    assert detail in p.message


# -- settings -----------------------------------------------------------------------------


def test_unknown_check_id_in_silence(make_project):
    org = ORGANIZATION + "checks:\n  silence:\n    - check: objective-without-kpis\n      reason: Redesign.\n"
    p = only(check(make_project({ORG: org})), "unknown-check")
    assert p.location == where(org, "objective-without-kpis", ORG)
    assert p.message == "checks.silence names 'objective-without-kpis', which is no design check"
    assert p.hint == "did you mean 'objective-without-kpi'?"


def test_silence_needs_a_reason(make_project):
    org = ORGANIZATION + "checks:\n  silence:\n    - check: objective-without-kpi\n"
    p = only(check(make_project({ORG: org})), "missing-field")
    assert p.location == where(org, "check: objective", ORG)
    assert p.field == "checks.silence[1].reason"


def test_silence_for_an_unknown_unit(make_project):
    org = ORGANIZATION + "checks:\n  silence:\n    - check: kpi-without-owner\n      unit: salse\n      reason: x\n"
    p = only(check(make_project({ORG: org})), "unknown-unit")
    assert p.location.file == ORG
    assert p.hint == "did you mean 'sales'?"


def test_at_risk_above_on_track(make_project):
    org = ORGANIZATION + "status:\n  on_track: 5\n  at_risk: 6\n"
    p = only(check(make_project({ORG: org})), "status-scheme")
    assert p.location == where(org, "6\n", ORG)


# -- initiatives --------------------------------------------------------------------------


def test_initiative_ending_before_it_starts(make_project):
    acme = edit(ACME, "end: 2026-06-30", "end: 2025-12-31")
    p = only(check(make_project({A: acme})), "initiative-dates")
    assert p.location == where(acme, "2025-12-31", A)
    assert p.field == "end"
    assert p.message == "initiative 'crm-rollout' ends (2025-12-31) before it starts (2026-01-01)"


def test_initiative_with_an_impossible_date_is_reported_once(make_project):
    acme = edit(ACME, "end: 2026-06-30", "end: 2026-13-01")
    project = check(make_project({A: acme}))
    p = only(project, "wrong-type")
    assert p.location == where(acme, "2026-13-01", A)
    assert p.message == "expected a date like 2026-03-31, got '2026-13-01'"
    assert codes(project) == ["wrong-type"], report(project)


def test_date_like_text_stays_text(make_project):
    sales = edit(SALES, "owner: Head of Sales\nobjectives", "owner: 2026-02-30\nobjectives")
    project = check(make_project({S: sales}))
    assert project.problems.errors == [], report(project)
    assert project.scorecards.unit("sales").owner == "2026-02-30"


def test_initiative_serving_an_unknown_objective(make_project):
    acme = edit(ACME, "objectives: [delight-customers]", "objectives: [delight-customer]")
    p = only(check(make_project({A: acme})), "unknown-objective")
    assert p.location == where(acme, "delight-customer]", A)
    assert p.field == "objectives"
    assert p.message == "initiative 'crm-rollout' serves 'delight-customer', which is no objective of unit 'acme'"
    assert p.hint == "did you mean 'delight-customers'?"


def test_initiative_fields_are_checked(make_project):
    acme = ACME + "    progress: 150\n    status: done\n"
    project = check(make_project({A: acme}))
    assert codes(project) == ["out-of-range", "wrong-value"]
    assert only(project, "wrong-value").location == where(acme, "done", A)


# -- every error at once ------------------------------------------------------------------


def test_five_mistakes_in_three_files_are_all_reported(make_project):
    org = edit(ORGANIZATION, "name: Acme\n", "name: Acme\nvisoin: Energy for all\n")  # 1 unknown field
    acme = edit(ACME, "theme: growth", "theme: grwth")  # 2 unknown theme
    acme = edit(acme, "        target: 100\n", "        target: 100\n        weight: heavy\n")  # 3 wrong type
    sales = edit(SALES, "drives: [win-deals]", "drives: [win-deal]")  # 4 unknown objective
    sales = edit(sales, "        red_flag: 8\n", "        red_flag: 8\n        red_flag: 9\n")  # 5 duplicate key
    project = check(make_project({ORG: org, A: acme, S: sales}))
    assert not project.ok
    found = [(p.location, p.code) for p in project.problems.sorted()]
    assert found == [
        (where(org, "visoin", ORG), "unknown-field"),
        (where(acme, "grwth", A), "unknown-theme"),
        (where(acme, "heavy", A), "wrong-type"),
        (where(sales, "win-deal]", S), "unknown-objective"),
        (where(sales, "red_flag: 9", S), "duplicate-key"),
    ], report(project)
    assert all(p.severity is Severity.ERROR for p in project.problems.items)
