"""The `bsc` command as a user runs it: a subprocess, its exit code, stdout and stderr.

Exit codes: 0 success, 1 the input has errors (or the output cannot be written), 2 a
usage error. No input, however broken, produces a Python traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ACME, ACTUALS, ORGANIZATION, SALES, edit


def bsc(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "bsc_site.cli", *args], cwd=cwd, capture_output=True,
                            text=True, encoding="utf-8", timeout=60, env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


# -- validate -------------------------------------------------------------------------------


def test_validate_a_clean_project(make_project):
    result = bsc("validate", ".", cwd=make_project())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ".: 2 units, 4 KPIs, 4 actuals: valid"


def test_validate_defaults_to_the_scorecards_folder(make_project, tmp_path):
    folder = make_project()
    folder.rename(tmp_path / "scorecards")
    result = bsc("validate", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip().endswith("valid")


def test_validate_reports_errors_as_file_line_col(make_project):
    sales = edit(SALES, "perspective: customer", "perspective: customers")
    sales = edit(sales, "        target: 10\n", "        target: 10\n        weight: heavy\n")
    actuals = ACTUALS + "acme,revenue,2026-Q2,lots,\n"
    result = bsc("validate", ".", cwd=make_project({"units/sales.yml": sales, "actuals/2026.csv": actuals}))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines == [
        "actuals/2026.csv:6:22: error: value: row 6: 'lots' is not a number "
        "(write a plain number such as 42.5, or leave the cell empty if not reported) [not-a-number]",
        "units/sales.yml:14:17: error: objectives[1].kpis[1].weight: expected a number, got 'heavy' [wrong-type]",
        "units/sales.yml:20:18: error: perspective: objective 'keep-customers' names perspective 'customers', "
        "which is not defined (did you mean 'customer'?) [unknown-perspective]",
        "3 errors, 0 warnings",
    ]
    assert not any(line.endswith("valid") for line in lines)


def test_validate_warnings_pass_unless_strict(make_project):
    folder = make_project({"units/acme.yml": edit(ACME, "        owner: CFO\n", "")})
    result = bsc("validate", ".", cwd=folder)
    assert result.returncode == 0
    assert re.search(r"^units/acme\.yml:10:9: warning: owner: KPI 'revenue' has no owner", result.stdout, re.M)
    assert "0 errors, 1 warning" in result.stdout
    assert result.stdout.rstrip().endswith("valid, with warnings")

    strict = bsc("validate", "--strict", ".", cwd=folder)
    assert strict.returncode == 1
    assert re.search(r"^units/acme\.yml:10:9: error: owner: KPI 'revenue' has no owner", strict.stdout, re.M)
    assert "1 error, 0 warnings" in strict.stdout


def test_validate_period_option_picks_the_review_period(make_project):
    actuals = ACTUALS + "acme,revenue,2026-Q2,95,\nacme,nps,2026-Q2,45,\nsales,deals,2026-Q2,11,\n" \
                        "acme,revenue,2026-Q3,95,\nacme,nps,2026-Q3,45,\nsales,deals,2026-Q3,11,\n"
    folder = make_project({"actuals/2026.csv": actuals})
    assert "stale-actuals" in bsc("validate", ".", cwd=folder).stdout  # churn is two quarters behind Q3
    assert "stale-actuals" not in bsc("validate", ".", "--period", "2026-Q2", cwd=folder).stdout


@pytest.mark.parametrize("args, message", [
    (["validate", "--bogus", "."], "unrecognized arguments: --bogus"),
    (["validate", "--period", "2026-Q5", "."], "argument --period: expected a period like 2026, 2026-Q3 or 2026-09"),
    (["status", "--period", "Q3", "."], "argument --period"),
    (["export", "--format", "xml", "."], "argument --format: invalid choice: 'xml'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_usage_errors_exit_2(make_project, args, message):
    result = bsc(*args, cwd=make_project())
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.startswith("usage: bsc")
    assert result.stdout == ""


def test_missing_folder(tmp_path):
    result = bsc("validate", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == "nowhere: error: no such folder " \
        "(give the folder holding organization.yml, units/ and actuals/) [no-folder]"


def test_folder_without_organization(tmp_path):
    (tmp_path / "units").mkdir()
    result = bsc("validate", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "organization.yml: error: organization.yml is missing (run 'bsc init' to start a scorecard project)" \
        in result.stdout


@pytest.mark.parametrize("kind", ["a folder", "a broken link"])
def test_an_organisation_file_that_is_no_file_is_named_as_such(make_project, kind):
    folder = make_project()
    org = folder / "organization.yml"
    org.unlink()
    if kind == "a folder":
        org.mkdir()
    else:
        org.symlink_to(folder / "nowhere.yml")
    result = bsc("validate", ".", "--no-cache", cwd=folder)
    assert result.returncode == 1
    assert result.stdout.startswith(f"organization.yml: error: organization.yml is not a regular file ({kind})")


def test_validate_a_file_instead_of_a_folder(make_project):
    result = bsc("validate", "organization.yml", cwd=make_project())
    assert result.returncode == 1
    assert "organization.yml: error: this is a file, not a folder" in result.stdout


# -- status -------------------------------------------------------------------------------------

# Scores by the documented formula, score = 6.67 + (actual - target) / (target - red_flag) * 3.33,
# clamped to 0..10; on track >= 6.67, at risk >= 3.33, below that off track:
#   acme  revenue  actual 100, target 100, red flag 80: 6.67                       on track
#   acme  nps      actual  20, target  50, red flag 30: 6.67 - 30/20 * 3.33 = 1.67  off track
#   sales deals    not reported                                                     no data
#   sales churn    actual   4, target   5, red flag  8: 6.67 + -1/-3 * 3.33 = 7.78  on track (lower is better)
# Perspectives hold one objective with one KPI each, so they take its score; a unit averages
# its scored perspectives: Acme (6.67 + 1.67) / 2 = 4.17 at risk; Sales 7.78 (financial has no data).
STATUS_ACTUALS = "unit,kpi,period,value\nacme,revenue,2026-Q1,100\nacme,nps,2026-Q1,20\n" \
                 "sales,deals,2026-Q1,\nsales,churn,2026-Q1,4\n"


def test_status_shows_units_and_status_words(make_project):
    result = bsc("status", ".", cwd=make_project({"actuals/2026.csv": STATUS_ACTUALS}))
    assert result.returncode == 0, result.stderr
    assert "status for 2026-Q1" in result.stdout
    rows = {line.strip().split("  ")[0]: line for line in result.stdout.splitlines()}
    acme, sales = rows["Acme Group"], rows["Sales"]
    # columns: Overall, Financial, Customer
    assert re.search(r"At risk\s+4\.2\s+.*On track\s+6\.7\s+.*Off track\s+1\.7", acme), acme
    assert re.search(r"On track\s+7\.8\s+.*No data\s+.*On track\s+7\.8", sales), sales
    header = next(line for line in result.stdout.splitlines() if line.startswith("Unit"))
    assert header.split() == ["Unit", "Overall", "Financial", "Customer"]


def test_status_of_a_period_without_data(make_project):
    result = bsc("status", ".", "--period", "2027-Q1", cwd=make_project())
    assert result.returncode == 0
    assert "status for 2027-Q1" in result.stdout
    assert result.stdout.count("No data") >= 6


def test_status_refuses_an_invalid_project(make_project):
    sales = edit(SALES, "parent: acme", "parent: acmee")
    result = bsc("status", ".", cwd=make_project({"units/sales.yml": sales}))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "units/sales.yml:3:9: error: parent: unit 'sales' names parent 'acmee'" in result.stderr


# -- export ---------------------------------------------------------------------------------------


def test_export_json_is_valid_and_byte_stable(make_project):
    folder = make_project({"actuals/2026.csv": STATUS_ACTUALS})
    first = bsc("export", "--format", "json", ".", cwd=folder, env={"PYTHONHASHSEED": "1"})
    second = bsc("export", "--format", "json", ".", cwd=folder, env={"PYTHONHASHSEED": "2"})
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["period"] == "2026-Q1"
    assert [u["id"] for u in data["units"]] == ["acme", "sales"]
    text = json.dumps(data, ensure_ascii=False)
    assert '"on-track"' in text and '"off-track"' in text and '"no-data"' in text
    assert first.stdout.endswith("}\n")


def test_export_csv_has_the_header_and_one_row_per_kpi(make_project):
    result = bsc("export", "--format", "csv", ".", cwd=make_project({"actuals/2026.csv": STATUS_ACTUALS}))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    header = result.stdout.splitlines()[0].split(",")
    assert {"unit", "kpi", "period", "actual", "target", "status"} <= set(header)
    assert header[:3] == ["unit", "objective", "kpi"]
    by_kpi = {(r["unit"], r["kpi"]): r for r in rows}
    assert sorted(by_kpi) == [("acme", "nps"), ("acme", "revenue"), ("sales", "churn"), ("sales", "deals")]
    assert [by_kpi[k]["status"] for k in [("acme", "revenue"), ("acme", "nps"), ("sales", "deals"), ("sales", "churn")]] \
        == ["on-track", "off-track", "no-data", "on-track"]
    assert by_kpi[("sales", "churn")]["actual"] == "4"


def test_export_to_a_file_refuses_to_overwrite(make_project):
    folder = make_project()
    out = folder / "out.json"
    out.write_text("keep me", encoding="utf-8")
    refused = bsc("export", ".", "-o", "out.json", cwd=folder)
    assert refused.returncode == 1
    assert "out.json exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me"

    forced = bsc("export", ".", "-o", "out.json", "--force", cwd=folder)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["period"] == "2026-Q1"


def test_export_to_a_new_file(make_project):
    folder = make_project()
    result = bsc("export", ".", "--format", "csv", "-o", "out.csv", cwd=folder)
    assert result.returncode == 0
    assert (folder / "out.csv").read_text(encoding="utf-8").startswith("unit,objective,kpi,")


def test_export_into_a_missing_folder_is_an_error_not_a_traceback(make_project):
    result = bsc("export", ".", "-o", "no/such/dir/out.json", cwd=make_project())
    assert result.returncode == 1
    assert "bsc: cannot write no/such/dir/out.json" in result.stderr


def _files(folder: Path) -> dict[str, bytes]:
    """The project's files, by path (the load cache the commands keep in .cache/ left out)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(".cache/")}


@pytest.mark.parametrize("output, force", [("actuals/export.csv", False), ("organization.yml", True),
                                           ("units/new.yml", False), ("units/deep/NEW.YAML", False),
                                           ("reviews/2026-Q1.snapshot.json", False), ("reviews/x.yaml", True)])
def test_export_never_writes_a_file_the_scorecard_folder_reads(make_project, output, force):
    """The tool never writes into its inputs: an export written as an actuals file, over the
    organisation file, or as a review would be read back (or replace what was there)."""
    folder = make_project()
    (folder / "units" / "deep").mkdir()
    before = _files(folder)
    result = bsc("export", ".", "--format", "csv", "-o", output, *(["--force"] if force else []), cwd=folder)
    assert result.returncode == 1
    assert result.stderr == (f"bsc: not writing {output}: the scorecard folder . reads it as input "
                             "(choose a place outside the scorecard files)\n")
    assert _files(folder) == before


@pytest.mark.parametrize("out, prefix", [(".", ""), ("units", ""), ("actuals/site", ""), ("reviews", ""),
                                         ("site", "../actuals"), (".", "reviews/pages"), (".", "strategy")])
def test_pages_never_write_into_the_scorecard_folder_or_its_input_folders(make_project, tmp_path, out, prefix):
    folder = make_project()
    before = _files(folder)
    args = ["--path-prefix", prefix] if prefix else []
    result = bsc("pages", ".", "--out", out, "--no-maps", *args, cwd=folder)
    assert result.returncode in (1, 2)
    where = [Path(out), Path(out) / prefix]  # the style sheet goes to --out, the pages under the prefix
    assert (any(result.stderr.startswith(f"bsc: not writing pages into {w}: it is the scorecard folder . or one of "
                                         "its input") for w in where)
            or "--path-prefix: '../actuals' leaves the site" in result.stderr), result.stderr
    assert _files(folder) == before


def test_pages_and_schemas_into_a_file_or_an_unwritable_place_are_errors_not_tracebacks(make_project, tmp_path):
    folder = make_project()
    (tmp_path / "afile").write_text("keep me", encoding="utf-8")
    for command in (["pages", str(folder), "--no-maps"], ["schema"]):
        result = bsc(*command, "--out", str(tmp_path / "afile"), cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith(f"bsc: cannot write into {tmp_path / 'afile'}"), result.stderr
        assert "it is a file, not a folder" in result.stderr
        result = bsc(*command, "--out", "/proc/no-such-place", cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith("bsc: cannot write"), result.stderr
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("command", ["validate", "status", "export", "snapshot"])
def test_a_period_that_is_not_a_review_period_is_an_error(make_project, command):
    """The fixture reviews quarterly: a month (or a year) is no review period, whatever the
    command; a snapshot of one in particular would never be replaced."""
    folder = make_project()
    before = _files(folder)
    for period, hint in (("2026-02", " (name a review period, such as 2026-Q1)"), ("2026", " (name a review period)")):
        result = bsc(command, ".", "--period", period, cwd=folder)
        assert result.returncode == 1
        kind = "a monthly" if "-" in period else "an annual"
        assert (f"--period: error: {period} is {kind} period, but the review cadence is quarterly{hint} [bad-period]"
                in result.stdout + result.stderr), result.stdout + result.stderr
    assert _files(folder) == before


def test_snapshot_of_a_period_without_data_is_refused(make_project):
    folder = make_project()
    before = _files(folder)
    result = bsc("snapshot", ".", "--period", "2030-Q1", cwd=folder)
    assert result.returncode == 1
    assert result.stderr.startswith("bsc: not writing a snapshot of 2030-Q1: no values are reported for it")
    assert _files(folder) == before
    assert bsc("snapshot", ".", "--period", "2026-Q1", cwd=folder).returncode == 0  # one with data is written
    assert (folder / "reviews" / "2026-Q1.snapshot.json").is_file()


def test_export_refuses_an_invalid_project_and_writes_nothing(make_project):
    folder = make_project({"units/acme.yml": edit(ACME, "theme: growth", "theme: grwth")})
    result = bsc("export", ".", "-o", "out.json", cwd=folder)
    assert result.returncode == 1
    assert "unknown-theme" in result.stderr
    assert not (folder / "out.json").exists()


# -- no traceback, whatever the input ------------------------------------------------------------

BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi"))

BROKEN = {
    "yaml syntax": {"units/sales.yml": "id: sales\nname: [\n"},
    "binary unit file": {"units/sales.yml": bytes(range(256))},
    "alias bomb": {"units/sales.yml": BOMB},
    "deep nesting": {"units/sales.yml": "id: " + "[" * 30_000 + "]" * 30_000 + "\n"},
    "organization is a list": {"organization.yml": "- name: Acme\n"},
    "organization is empty": {"organization.yml": ""},
    "everything null": {"organization.yml": "name: Acme\nperspectives:\nthemes:\nkpis:\nchecks:\nstatus:\n",
                        "units/acme.yml": "id: acme\nname: Acme\nobjectives:\ninitiatives:\n"},
    "null entries": {"units/acme.yml": "id: acme\nname: Acme\nobjectives:\n  -\n  - id: x\n    name: X\n"
                                       "    perspective: financial\n    kpis: [null, 3, {id: k}]\n"},
    "bad thresholds": {"units/sales.yml": SALES.replace("red_flag: 5", "red_flag: 50")},
    "unknown tag": {"units/sales.yml": "id: !!python/object/apply:os.system [echo hi]\nname: x\n"},
    "csv garbage": {"actuals/2026.csv": b"\xff\xfe\x00\x00garbage"},
    "yaml actuals scalar": {"actuals/x.yml": "42\n"},
    "huge period": {"actuals/2026.csv": "unit,kpi,period,value\nacme,revenue,99999-Q1,1\nacme,revenue,2026-Q0,1\n"},
    "status scheme": {"organization.yml": ORGANIZATION + "status:\n  on_track: 2\n  at_risk: 9\n  tolerance: -1\n"},
    "no units": {"units/acme.yml": None, "units/sales.yml": None},
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_input_gives_errors_not_tracebacks(make_project, name):
    folder = make_project(BROKEN[name])
    for command in (["validate", "."], ["status", "."], ["export", "."]):
        result = bsc(*command, cwd=folder)  # asserts there is no traceback
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        output = result.stdout if command[0] == "validate" else result.stderr
        assert re.search(r": error: ", output), output


def test_python_m_and_console_script_agree(make_project):
    folder = make_project()
    script = Path(sys.executable).with_name("bsc")
    if not script.exists():
        pytest.skip("the bsc console script is not installed next to this Python")
    via_script = subprocess.run([str(script), "validate", "."], cwd=folder, capture_output=True, text=True)
    assert via_script.returncode == 0
    assert via_script.stdout == bsc("validate", ".", cwd=folder).stdout
