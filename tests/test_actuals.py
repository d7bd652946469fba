"""Actuals files: what spreadsheets export is read as meant; what is wrong is located.

CSV locations are `file:line:column` with the column of the cell's first character, so an
editor jumps to the cell; messages about a value also say the row's line number.
"""

from __future__ import annotations

import pytest

from bsc_site.problems import Location
from conftest import ORGANIZATION, SALES, check, codes, edit, only, report, where

F = "actuals/2026.csv"
HEADER = "unit,kpi,period,value,note\n"


def values(project) -> dict[tuple[str, str, str], float | None]:
    return {(a.unit_id, a.kpi_id, a.period.label): a.value for a in project.scorecards.actuals}


def load(make_project, text, name: str = F):
    """The base project with its actuals replaced by one file."""
    return check(make_project({"actuals/2026.csv": None, name: text}))


# -- references --------------------------------------------------------------------------


def test_unknown_unit(make_project):
    project = load(make_project, HEADER + "acme,revenue,2026-Q1,90,\nsals,deals,2026-Q1,1,\n")
    p = only(project, "unknown-unit")
    assert p.location == Location(F, 3, 1)
    assert p.field == "unit"
    assert p.message == "no unit 'sals'"
    assert p.hint == "did you mean 'sales'?"


def test_unknown_kpi_suggests_the_closest(make_project):
    p = only(load(make_project, HEADER + "acme,revenu,2026-Q1,90,\n"), "unknown-kpi")
    assert p.location == Location(F, 2, 1)
    assert p.field == "kpi"
    assert p.message == "unit 'acme' has no KPI 'revenu'"
    assert p.hint == "did you mean 'revenue'?"


def test_kpi_of_another_unit_is_unknown_here(make_project):
    p = only(load(make_project, HEADER + "acme,deals,2026-Q1,9,\n"), "unknown-kpi")
    assert p.message == "unit 'acme' has no KPI 'deals'"


def test_duplicate_row_in_one_file(make_project):
    project = load(make_project, HEADER + "acme,revenue,2026-Q1,90,\nacme,nps,2026-Q1,40,\nacme,revenue,2026-Q1,91,\n")
    p = only(project, "duplicate-actual")
    assert p.location == Location(F, 4, 1)
    assert p.message == "a second value for acme/revenue in 2026-Q1"
    assert p.hint == "the first is at actuals/2026.csv:2:1; keep one"


def test_duplicate_rows_across_two_files(make_project):
    project = check(make_project({"actuals/zz-late.csv": HEADER + "sales,churn,2026-Q1,6.4,corrected\n"}))
    p = only(project, "duplicate-actual")  # files are read in name order
    assert p.location == Location("actuals/zz-late.csv", 2, 1)
    assert p.message == "a second value for sales/churn in 2026-Q1"
    assert p.hint == "the first is at actuals/2026.csv:5:1; keep one"


def test_duplicate_row_across_csv_and_yaml(make_project):
    project = check(make_project({"actuals/zz.yml": "- {unit: acme, kpi: nps, period: 2026-Q1, value: 41}\n"}))
    p = only(project, "duplicate-actual")
    assert p.location == Location("actuals/zz.yml", 1, 3)
    assert p.hint == "the first is at actuals/2026.csv:3:1; keep one"


# -- values ---------------------------------------------------------------------------------


def test_value_that_is_not_a_number_names_the_row(make_project):
    text = HEADER + "acme,revenue,2026-Q1,90,\nacme,nps,2026-Q1,lots,\n"
    project = load(make_project, text)
    p = only(project, "not-a-number")
    assert p.location == where(text, "lots", F)  # line 3, the value cell's column
    assert p.location == Location(F, 3, 18)
    assert p.field == "value"
    assert p.message == "row 3: 'lots' is not a number"
    assert "leave the cell empty if not reported" in p.hint
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0}  # the good row is kept


@pytest.mark.parametrize("cell", ["NaN", "nan", "inf", "-inf", "Infinity"])
def test_nan_and_infinity_are_rejected(make_project, cell):
    text = HEADER + f"acme,revenue,2026-Q1,{cell},\n"
    p = only(load(make_project, text), "not-a-number")
    assert p.location == where(text, cell + ",", F)
    assert p.message == f"row 2: '{cell}' is not a finite number"


@pytest.mark.parametrize("cell", ["", "N/A", "n/a", "NA", "-", "#N/A", "  "])
def test_empty_and_na_cells_mean_not_reported(make_project, cell):
    project = load(make_project, HEADER + f"acme,revenue,2026-Q1,{cell},\nacme,nps,2026-Q1,40,\n")
    assert project.problems.errors == [], report(project)
    assert values(project)[("acme", "revenue", "2026-Q1")] is None
    assert values(project)[("acme", "nps", "2026-Q1")] == 40.0


def test_percent_sign_is_dropped(make_project):
    project = load(make_project, HEADER + "sales,churn,2026-Q1,6.5%,\nsales,deals,2026-Q1, 12 % ,\n")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("sales", "churn", "2026-Q1"): 6.5, ("sales", "deals", "2026-Q1"): 12.0}


def test_thousands_separators_in_a_comma_csv(make_project):
    project = load(make_project, HEADER + 'acme,revenue,2026-Q1,"1,234.5",\nacme,nps,2026-Q1,"12,345",\n'
                                          "sales,deals,2026-Q1,-0.5e1,\n")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 1234.5, ("acme", "nps", "2026-Q1"): 12345.0,
                               ("sales", "deals", "2026-Q1"): -5.0}


def test_decimal_comma_in_a_comma_csv_is_an_error_not_a_guess(make_project):
    text = HEADER + 'acme,revenue,2026-Q1,"90,5",\n'
    p = only(load(make_project, text), "not-a-number")
    assert p.location == where(text, '"90,5"', F)
    assert p.message == "row 2: '90,5' is not a number"


def test_semicolon_csv_with_decimal_commas_and_thousands_dots(make_project):
    text = ("unit;kpi;period;value;note\n"
            "acme;revenue;2026-Q1;1.234,5;\n"
            "acme;nps;2026-Q1;40,5;Mit Komma, bitte\n"
            "sales;deals;2026-Q1;12;\n"
            "sales;churn;2026-Q1;6,5 %;\n")
    project = load(make_project, text)
    assert project.problems.items == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 1234.5, ("acme", "nps", "2026-Q1"): 40.5,
                               ("sales", "deals", "2026-Q1"): 12.0, ("sales", "churn", "2026-Q1"): 6.5}
    assert project.scorecards.actuals[1].note == "Mit Komma, bitte"


def test_the_same_text_in_files_of_either_separator_is_read_as_each_file_means_it(make_project):
    """'1.234' is 1.234 in a comma file and 1234 (a thousands dot) in a semicolon file,
    whichever file comes first."""
    comma = HEADER + "acme,revenue,2026-Q1,1.234,\n"
    semicolon = "unit;kpi;period;value;note\nacme;revenue;2026-Q2;1.234;\n"
    for first, second in ((comma, semicolon), (semicolon, comma)):
        project = check(make_project({"actuals/2026.csv": None, "actuals/a.csv": first, "actuals/b.csv": second}))
        assert project.problems.errors == [], report(project)
        assert values(project) == {("acme", "revenue", "2026-Q1"): 1.234, ("acme", "revenue", "2026-Q2"): 1234.0}


def test_a_thousands_dot_in_a_semicolon_file_that_writes_decimal_points_is_reported_not_guessed(make_project):
    """With ';' as separator '4.567' is 4567, unless the file writes decimal points elsewhere
    ('4.5'): then it may as well mean 4.567, and reading it either way could be 1000 times off."""
    text = ("unit;kpi;period;value;note\n"
            "acme;revenue;2026-Q1;4.5;\n"
            "acme;revenue;2026-Q2;4.567;\n"
            "acme;nps;2026-Q1; 1.234 %;\n")
    project = load(make_project, text)
    problems = [p for p in project.problems.errors if p.code == "ambiguous-number"]
    assert [p.location for p in problems] == [where(text, "4.567", F), where(text, " 1.234 %", F)]
    assert problems[0].message == ("row 3: '4.567' is ambiguous: with ';' as separator a dot groups thousands (4567), "
                                   "but line 2 writes a decimal point ('4.5'), so it may mean 4.567")
    assert problems[0].hint == "write 4567 for the thousands, or 4,567 for the decimal"
    assert [p.code for p in project.problems.errors] == ["ambiguous-number"] * 2
    assert values(project) == {("acme", "revenue", "2026-Q1"): 4.5}


def test_a_leading_zero_group_is_a_decimal_never_thousands(make_project):
    """'0.125' in a semicolon file is 0.125 (grouped thousands never start with 0), and
    '0,125' in a comma file is a decimal comma there: an error, not 125."""
    project = load(make_project, "unit;kpi;period;value;note\nacme;revenue;2026-Q1;0.125;\n")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 0.125}
    text = HEADER + 'acme,revenue,2026-Q1,"0,125",\n'
    p = only(load(make_project, text), "not-a-number")
    assert p.location == where(text, '"0,125"', F)
    assert p.message == "row 2: '0,125' is not a number"


def test_semicolon_csv_with_a_bad_number_hints_at_decimal_commas(make_project):
    text = "unit;kpi;period;value\nacme;revenue;2026-Q1;1,2,3\n"
    p = only(load(make_project, text), "not-a-number")
    assert p.location == where(text, "1,2,3", F)
    assert "write decimals with a comma" in p.message


def test_tab_separated(make_project):
    project = load(make_project, "unit\tkpi\tperiod\tvalue\nacme\trevenue\t2026-Q1\t90\n")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0}


# -- encodings and line endings ---------------------------------------------------------------

ROWS = HEADER + "acme,revenue,2026-Q1,90,Prix élevé\nacme,nps,2026-Q1,40,\n"


@pytest.mark.parametrize("data", [
    pytest.param(ROWS.encode("utf-8-sig"), id="utf-8 with BOM (Excel 'CSV UTF-8')"),
    pytest.param(ROWS.encode("utf-16"), id="utf-16 with BOM (Excel 'Unicode text')"),
    pytest.param(ROWS.encode("utf-16-be").join([b"\xfe\xff", b""]), id="utf-16 big-endian"),
    pytest.param(ROWS.replace("\n", "\r\n").encode(), id="CRLF"),
    pytest.param(ROWS.replace("\n", "\r\n").encode("utf-8-sig"), id="BOM and CRLF"),
    pytest.param(ROWS.replace("\n", "\r").encode(), id="old Mac CR"),
])
def test_spreadsheet_encodings_and_line_endings(make_project, data):
    project = load(make_project, data)
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0, ("acme", "nps", "2026-Q1"): 40.0}
    assert project.scorecards.actuals[0].note == "Prix élevé"


def test_header_with_bom_and_crlf_errors_keep_their_lines(make_project):
    data = (HEADER + "acme,revenue,2026-Q1,90,\nacme,nps,2026-Q1,x,\n").replace("\n", "\r\n").encode("utf-8-sig")
    p = only(load(make_project, data), "not-a-number")
    assert p.location == Location(F, 3, 18)


def test_windows_1252_csv_is_reported_with_its_line(make_project):
    data = (HEADER + "acme,revenue,2026-Q1,90,\nacme,nps,2026-Q1,40,Café\n").encode("cp1252")
    p = only(load(make_project, data), "encoding")
    assert p.location == Location(F, 3, len("acme,nps,2026-Q1,40,Caf") + 1)  # at the é
    assert "CSV UTF-8" in p.hint


def test_a_bad_byte_after_a_byte_order_mark_is_located_and_named_exactly(make_project):
    """The mark is not part of the first line's text, nor of the count to the bad byte."""
    data = b"\xef\xbb\xbf" + (HEADER + "acme,revenue,2026-Q1,90,ok\n").encode() + "\u00e9x,nps,2026-Q1,4,\n".encode("cp1252")
    p = only(load(make_project, data), "encoding")
    assert p.location == Location(F, 3, 1)
    assert p.message == "the file is not utf-8 text (byte 0xe9)"
    data = b"\xef\xbb\xbf" + "unit,kpi,période".encode("cp1252")
    p = only(load(make_project, data), "encoding")
    assert p.location == Location(F, 1, len("unit,kpi,p") + 1)
    assert p.message == "the file is not utf-8 text (byte 0xe9)"


# -- periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize("period, kind", [("2026-03", "monthly"), ("2026", "annual")])
def test_period_that_does_not_fit_the_kpi_frequency(make_project, period, kind):
    p = only(load(make_project, HEADER + f"acme,revenue,{period},90,\n"), "period-frequency")
    assert p.location == Location(F, 2, 1)
    assert p.field == "period"
    assert p.message == f"KPI 'revenue' is reported quarterly, but this row is for {kind} period {period}"
    assert p.hint == "write quarters as 2026-Q3"


def test_monthly_kpi_takes_months(make_project):
    sales = edit(SALES, "        direction: lower\n", "        direction: lower\n        frequency: monthly\n")
    project = check(make_project({"units/sales.yml": sales, "actuals/2026.csv": HEADER +
                                  "sales,churn,2026-01,6,\nsales,churn,2026-Q1,6,\n"}))
    p = only(project, "period-frequency")
    assert p.location == Location(F, 3, 1)
    assert p.hint == "write months as 2026-09"
    assert values(project)[("sales", "churn", "2026-01")] == 6.0


@pytest.mark.parametrize("period, detail", [("2026-Q5", "quarters are Q1 to Q4"), ("Q1 2026", ""),
                                            ("2026-13", "months are 01 to 12"), ("26-Q1", ""),
                                            ("2026-1", "two digits")])
def test_malformed_period(make_project, period, detail):
    text = HEADER + f"acme,revenue,{period},90,\n"
    p = only(load(make_project, text), "bad-period")
    assert p.location == where(text, period, F)  # the period cell
    assert p.field == "period"
    assert p.message.startswith(f"expected a period like 2026, 2026-Q3 or 2026-09, got '{period}'")
    assert detail in p.message


def test_empty_period_cell(make_project):
    text = HEADER + "acme,revenue,,90,\n"
    p = only(load(make_project, text), "missing-field")
    assert p.location == Location(F, 2, 14)
    assert p.message == "the 'period' cell is empty"


def test_fiscal_year_labels_follow_fiscal_year_start(make_project):
    org = ORGANIZATION + "fiscal_year_start: 4\n"
    project = check(make_project({"organization.yml": org, "actuals/2026.csv": HEADER + "acme,revenue,2026-Q1,90,\n"}))
    assert project.problems.errors == [], report(project)
    q1 = project.scorecards.actuals[0].period
    assert (q1.start.isoformat(), q1.end.isoformat()) == ("2025-04-01", "2025-06-30")


# -- the header and the file --------------------------------------------------------------------


def test_unknown_column_suggests_the_spelling(make_project):
    text = "unit,kpi,period,valeu,note\nacme,revenue,2026-Q1,90,\n"
    project = load(make_project, text)
    found = [p for p in project.problems.sorted() if p.code == "csv-header"]
    assert [(p.location, p.message, p.hint) for p in found] == [
        (Location(F, 1, 1), "the header has no column 'value'",
         "the first row must name the columns: unit,kpi,period,value,note"),
        (Location(F, 1, 17), "unknown column 'valeu'", "did you mean 'value'?"),
    ]


def test_extra_unknown_column_is_an_error_but_rows_are_read(make_project):
    text = "unit,kpi,period,value,comment\nacme,revenue,2026-Q1,90,\n"
    project = load(make_project, text)
    p = only(project, "csv-header")
    assert p.location == Location(F, 1, 23)
    assert p.message == "unknown column 'comment'"
    assert "'note'" in p.hint
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0}


def test_missing_column(make_project):
    p = only(load(make_project, "unit,kpi,value\nacme,revenue,90\n"), "csv-header")
    assert p.location == Location(F, 1, 1)
    assert p.message == "the header has no column 'period'"


def test_no_header_row(make_project):
    p = only(load(make_project, "acme,revenue,2026-Q1,90\n"), "csv-header")
    assert p.location == Location(F, 1, 1)
    assert p.message.startswith("the first row is not a header")
    assert p.hint == "add the header row unit,kpi,period,value,note"


def test_header_is_case_and_space_insensitive_and_columns_may_be_reordered(make_project):
    project = load(make_project, " Value , Period ,KPI,Unit\n90,2026-Q1,revenue,acme\n")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0}


def test_row_with_too_many_cells(make_project):
    p = only(load(make_project, HEADER + "acme,revenue,2026-Q1,90,5,extra\n"), "csv-row")
    assert p.location == Location(F, 2, 1)
    assert p.message == "row has 6 cells but the header has 5"
    assert "quote text containing the separator" in p.hint


def test_unclosed_quote(make_project):
    p = only(load(make_project, HEADER + 'acme,revenue,2026-Q1,"90,\n'), "csv-syntax")
    assert p.location == Location(F, 2, 1)
    assert "unclosed quote" in p.hint


def test_empty_csv_file(make_project):
    p = only(load(make_project, ""), "empty-file")
    assert p.location == Location(F)
    assert "expected a header row 'unit,kpi,period,value,note'" in p.message


def test_header_only_and_blank_lines_are_fine(make_project):
    project = load(make_project, HEADER + "\n,,,,\nacme,revenue,2026-Q1,90,\n\n")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0}


def test_note_with_quotes_and_separators(make_project):
    project = load(make_project, HEADER + 'acme,revenue,2026-Q1,90,"Price cap, ""temporary"""\n')
    assert project.scorecards.actuals[0].note == 'Price cap, "temporary"'


# -- YAML actuals ---------------------------------------------------------------------------------


YAML_ACTUALS = """\
- {unit: acme, kpi: revenue, period: 2026-Q1, value: 90}
- {unit: acme, kpi: nps, period: 2026-Q1, value: N/A, note: Survey postponed}
- unit: sales
  kpi: deals
  period: 2026-Q1
  value: "1,234"
- {unit: sales, kpi: churn, period: 2026-Q1}
"""


def test_yaml_actuals_are_read(make_project):
    project = load(make_project, YAML_ACTUALS, "actuals/2026.yml")
    assert project.problems.errors == [], report(project)
    assert values(project) == {("acme", "revenue", "2026-Q1"): 90.0, ("acme", "nps", "2026-Q1"): None,
                               ("sales", "deals", "2026-Q1"): 1234.0, ("sales", "churn", "2026-Q1"): None}
    assert project.scorecards.actuals[1].note == "Survey postponed"


def test_yaml_actuals_errors_are_located(make_project):
    text = ("- {unit: acme, kpi: revenue, period: 2026-Q1, value: lots}\n"
            "- {unit: acme, kpi: nps, period: 2026-Q5, value: 1}\n"
            "- {unit: sales, kpi: deals, period: 2026-Q1, value: .nan}\n"
            "- {unit: sales, kpi: churn, period: 2026-Q1, valeu: 3}\n"
            "- {unit: sales, kpi: chrun, period: 2026-Q1, value: 3}\n")
    project = load(make_project, text, "actuals/2026.yml")
    found = [(p.location, p.code) for p in project.problems.sorted()]
    y = "actuals/2026.yml"
    assert found == [(where(text, "lots", y), "not-a-number"), (where(text, "2026-Q5", y), "bad-period"),
                     (where(text, ".nan", y), "wrong-type"), (where(text, "valeu", y), "unknown-field"),
                     (Location(y, 5, 3), "unknown-kpi")], report(project)
    by_code = {p.code: p for p in project.problems.items}
    assert by_code["not-a-number"].message == "'lots' is not a number"
    assert by_code["wrong-type"].message == "expected a finite number, got the number nan"
    assert by_code["unknown-field"].hint == "did you mean 'value'?"
    assert by_code["unknown-kpi"].hint == "did you mean 'churn'?"


def test_yaml_actuals_must_be_a_list(make_project):
    p = only(load(make_project, "unit: acme\nkpi: revenue\n", "actuals/2026.yml"), "wrong-type")
    assert p.location == Location("actuals/2026.yml", 1, 1)
    assert p.message == "expected a list of actuals, got a mapping"


def test_yaml_actuals_syntax_error(make_project):
    p = only(load(make_project, "- {unit: acme, kpi: revenue\n", "actuals/2026.yml"), "yaml-syntax")
    assert p.location.file == "actuals/2026.yml" and p.location.line == 2


def test_hidden_and_other_files_are_ignored(make_project):
    project = check(make_project({"actuals/.~lock.2026.csv#": "garbage", "actuals/.backup.csv": "garbage",
                                  "actuals/readme.txt": "not actuals"}))
    assert project.problems.items == [], report(project)
    assert codes(project) == []


def test_a_spreadsheet_among_the_actuals_is_named_in_a_warning_not_silently_ignored(make_project):
    """A workbook saved in actuals/ is not read: the user is told which, and why. A README is
    no one's values: nothing is said about it."""
    project = check(make_project({"actuals/retail.xlsx": "PK\x03\x04 not a csv", "actuals/q3.tsv": "unit\tkpi\n", "actuals/notes.txt": "How we count.\n",
                                  "actuals/README.md": "How we export the actuals.\n"}))
    unread = [p for p in project.problems.items if p.code == "unread-file"]
    assert [(p.location, p.severity.value, p.message) for p in unread] == [
        (Location("actuals/q3.tsv"), "warning", "q3.tsv is not read: actuals are read from CSV or YAML files only"),
        (Location("actuals/retail.xlsx"), "warning",
         "retail.xlsx is not read: actuals are read from CSV or YAML files only"),
    ]
    assert unread[0].hint == "save it as CSV UTF-8 from the spreadsheet; a tab-separated file is read if named .csv"
    assert project.problems.errors == []
