"""`bsc validate` after a change checks again only the units the change can reach
(bsc_site/ledger.py): what it reports must be what a check of the whole folder reports.

Each test changes the example's files the way a user would, then compares `check_folder`
with the cache (the ledger of the last check) to a check without any cache."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bsc_site.load.cache as cache_module
from bsc_site.cli import main
from bsc_site.project import check_folder

EXAMPLE = Path(__file__).resolve().parent.parent / "scorecards"
SYNTH = Path(__file__).resolve().parent.parent / "benchmarks" / "synth.py"
AN_HOUR_AGO = time.time() - 3600
STEPS = int(os.environ.get("BSC_LEDGER_STEPS", "30"))


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "scorecards"
    shutil.copytree(EXAMPLE, target)
    for path in target.rglob("*"):
        os.utime(path, (AN_HOUR_AGO, AN_HOUR_AGO))
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    return target


def _report(verdict) -> tuple:
    return (sorted(p.format() for p in verdict.problems.items), verdict.ok, verdict.units, verdict.kpis,
            verdict.actuals)


def _compare(folder: Path, cache: Path, **options):
    """The check with the ledger, after asserting it reports what a whole check reports."""
    again = check_folder(folder, cache_dir=cache, **options)
    whole = check_folder(folder, **options)
    assert whole.checked is None
    assert _report(again) == _report(whole)
    return again


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_a_leaf_unit_changed_is_the_only_unit_checked_again(folder, tmp_path):
    cache = tmp_path / "cache"
    assert _compare(folder, cache).checked is None  # the first check: the whole folder
    leaf = folder / "units" / "retail" / "customer-service.yml"
    _edit(leaf, "name:", "# a comment\nname:")
    again = _compare(folder, cache)
    assert again.checked == 1 and again.project is None
    assert again.ok and not again.problems.items


def test_a_warning_and_an_error_made_and_mended(folder, tmp_path):
    cache = tmp_path / "cache"
    _compare(folder, cache)
    unit = folder / "units" / "retail" / "sales-marketing.yml"
    original = unit.read_text(encoding="utf-8")
    owner = re.search(r"\n        owner: [^\n]*", original).group(0)
    _edit(unit, owner, "")  # a KPI without an owner: a warning
    again = _compare(folder, cache)
    assert again.checked == 1 and [p.code for p in again.problems.items] == ["kpi-without-owner"]
    _edit(unit, "supports: [", "supports: [no-such-objective, ")  # an error: the design checks stop
    again = _compare(folder, cache)  # and what it supports changed: its parent is checked again too
    assert again.checked == 2 and [p.code for p in again.problems.items] == ["unknown-objective"]
    unit.write_text(original, encoding="utf-8")
    again = _compare(folder, cache)
    assert again.checked == 2 and again.ok and not again.problems.items


def test_an_objective_renamed_in_a_parent_reaches_its_children_and_reviews(folder, tmp_path):
    cache = tmp_path / "cache"
    _compare(folder, cache)
    retail = folder / "units" / "retail" / "retail.yml"
    text = retail.read_text(encoding="utf-8")
    retail.write_text(text.replace("win-retain-households", "keep-households"), encoding="utf-8")
    again = _compare(folder, cache)
    codes = {p.code for p in again.problems.items}
    assert "unknown-objective" in codes and again.checked is not None and again.checked > 1


def test_the_last_check_with_errors_leaves_a_ledger_that_still_finds_them(folder, tmp_path):
    cache = tmp_path / "cache"
    retail = folder / "units" / "retail" / "retail.yml"
    _edit(retail, "supports: [", "supports: [no-such-objective, ")
    first = _compare(folder, cache)
    assert not first.ok
    _edit(folder / "units" / "retail" / "customer-service.yml", "name:", "# a comment\nname:")
    again = _compare(folder, cache)
    assert again.checked == 1 and not again.ok
    retail.write_text(retail.read_text(encoding="utf-8").replace("no-such-objective, ", ""), encoding="utf-8")
    # the design checks did not run last time (errors): the whole folder is checked
    assert _compare(folder, cache).checked is None


@pytest.mark.parametrize("case", ["spreadsheet among the actuals", "unknown parent", "action left out"])
def test_what_a_whole_check_reports_beyond_single_files_is_reported_again(folder, tmp_path, case):
    """A spreadsheet among the actuals (a warning about the folder), an unknown parent (at the
    line of 'parent:'), an action left out for a missing owner (whose unit is still checked):
    after another unit changes, the check with the ledger reports them as a whole check does."""
    cache = tmp_path / "cache"
    leaf = folder / "units" / "retail" / "customer-service.yml"
    if case == "spreadsheet among the actuals":
        _compare(folder, cache)
        (folder / "actuals" / "retail.xlsx").write_bytes(b"PK\x03\x04 a workbook")
    elif case == "unknown parent":
        _edit(leaf, "parent: retail", "parent: retial")
        _compare(folder, cache)
    else:
        # an action for a unit no other entry of the review names, left out for its missing owner
        _edit(folder / "reviews" / "2026-Q3.yml", "    unit: retail\n    objective: win-retain-households\n"
              "    what: Extend the retention offer to single-fuel customers\n"
              "    owner: Maria Lopez, Managing Director Retail\n",
              "    unit: people-culture\n    what: Extend the retention offer to single-fuel customers\n")
        _compare(folder, cache)
        leaf = folder / "units" / "generation" / "wind-operations.yml"
    _edit(leaf, "name:", "# a comment\nname:")
    again = _compare(folder, cache)
    assert again.checked is not None  # the ledger, not a whole check
    codes = [p.code for p in again.problems.items]
    assert {"spreadsheet among the actuals": "unread-file", "unknown parent": "unknown-parent",
            "action left out": "missing-field"}[case] in codes, codes


def test_changed_actuals_check_their_units_again(folder, tmp_path):
    cache = tmp_path / "cache"
    _compare(folder, cache)
    actuals = folder / "actuals" / "retail.csv"
    lines = actuals.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("sales-marketing,")]
    actuals.write_text("".join(kept), encoding="utf-8")  # a unit's actuals gone: stale-actuals warnings
    again = _compare(folder, cache)
    assert again.checked is not None and {p.code for p in again.problems.items} == {"stale-actuals"}


@pytest.mark.parametrize("change", ["duplicate row", "unknown KPI", "unit removed", "unit id twice",
                                    "review names no unit"])
def test_what_the_ledger_cannot_redo_is_checked_whole(folder, tmp_path, change):
    cache = tmp_path / "cache"
    _compare(folder, cache)
    actuals = folder / "actuals" / "retail.csv"
    if change == "duplicate row":
        lines = actuals.read_text(encoding="utf-8").splitlines(keepends=True)
        actuals.write_text("".join(lines + [lines[1]]), encoding="utf-8")
    elif change == "unknown KPI":
        with actuals.open("a", encoding="utf-8") as fh:
            fh.write("retail,no-such-kpi,2026-Q3,1,\n")
    elif change == "unit removed":
        (folder / "units" / "retail" / "sales-marketing.yml").unlink()
    elif change == "unit id twice":
        shutil.copy(folder / "units" / "retail" / "sales-marketing.yml", folder / "units" / "retail" / "copy.yml")
    else:
        _edit(folder / "reviews" / "2026-Q3.yml", "- unit: retail", "- unit: retail-energy")
    again = _compare(folder, cache)
    assert again.checked is None and not again.ok


def test_the_command_reports_the_same(folder, tmp_path, capsys):
    cache = tmp_path / "cache"

    def validate(*options):
        code = main(["validate", str(folder), *options])
        return code, capsys.readouterr().out

    assert validate("--cache-dir", str(cache)) == validate("--no-cache")
    _edit(folder / "units" / "networks" / "grid-operations.yml", "name:", "# a comment\nname:")
    assert validate("--cache-dir", str(cache)) == validate("--no-cache")


# -- many changes, one after another, each checked with the ledger and whole ---------------

def _units(folder: Path) -> list[Path]:
    return sorted((folder / "units").rglob("*.yml"))


def _ids(path: Path) -> list[str]:
    return re.findall(r"^  - id: (\S+)", path.read_text(encoding="utf-8"), re.M)


def _change(folder: Path, rng: random.Random) -> str:
    units = _units(folder)
    unit = rng.choice(units)
    text = unit.read_text(encoding="utf-8")
    kind = rng.choice(["comment", "owner", "supports", "rename", "parent", "add", "remove", "value", "drop rows",
                       "drives", "perspective", "organisation", "review", "frequency"])
    if kind == "comment":
        unit.write_text(text + f"# note {rng.random()}\n", encoding="utf-8")
    elif kind == "owner" and "\n        owner:" in text:
        unit.write_text(re.sub(r"\n        owner: [^\n]*", "", text, count=1), encoding="utf-8")
    elif kind == "supports" and "supports: [" in text:
        target = rng.choice(["no-such-objective"] + [i for u in units for i in _ids(u)])
        unit.write_text(text.replace("supports: [", f"supports: [{target}, ", 1), encoding="utf-8")
    elif kind == "rename" and _ids(unit):
        old = rng.choice(_ids(unit))
        unit.write_text(text.replace(old, old + "-x"), encoding="utf-8")
    elif kind == "parent" and "\nparent: " in text:
        other = rng.choice(units).stem
        unit.write_text(re.sub(r"\nparent: \S+", f"\nparent: {other}", text, count=1), encoding="utf-8")
    elif kind == "add":
        new = unit.with_name(f"{unit.stem}-{rng.randrange(1000)}.yml")
        if not new.exists():
            new.write_text(re.sub(r"^id: (\S+)", rf"id: \1-copy-{new.stem}", text, count=1, flags=re.M),
                           encoding="utf-8")
    elif kind == "remove" and len(units) > 3:
        unit.unlink()
    elif kind in ("value", "drop rows"):
        actuals = rng.choice(sorted((folder / "actuals").rglob("*.csv")))
        lines = actuals.read_text(encoding="utf-8").splitlines(keepends=True)
        if len(lines) > 2:
            i = rng.randrange(1, len(lines))
            if kind == "value":
                parts = lines[i].split(",")
                parts[3] = str(rng.randrange(100))
                lines[i] = ",".join(parts)
            else:
                del lines[i:i + rng.randrange(1, 30)]
            actuals.write_text("".join(lines), encoding="utf-8")
    elif kind == "drives" and "drives: [" in text and _ids(unit):
        unit.write_text(text.replace("drives: [", f"drives: [{rng.choice(_ids(unit))}, ", 1), encoding="utf-8")
    elif kind == "perspective" and "perspective: customer" in text:
        unit.write_text(text.replace("perspective: customer", "perspective: financial", 1), encoding="utf-8")
    elif kind == "organisation":
        org = folder / "organization.yml"
        org.write_text(org.read_text(encoding="utf-8") + f"# note {rng.random()}\n", encoding="utf-8")
    elif kind == "review":
        review = rng.choice(sorted((folder / "reviews").glob("*.yml")))
        ids = [i for u in _units(folder) for i in _ids(u)]
        if ids and "    objective: " in review.read_text(encoding="utf-8"):
            _edit(review, "    objective: ", f"    objective: {rng.choice(ids)}\n    # was: ")
    elif kind == "frequency" and "frequency: quarterly" in text:
        unit.write_text(text.replace("frequency: quarterly", "frequency: monthly", 1), encoding="utf-8")
    return kind


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A generated organisation of 60 units (benchmarks/synth.py): four levels, actuals in a
    file per department, reviews."""
    out = tmp_path_factory.mktemp("synthetic")
    subprocess.run([sys.executable, str(SYNTH), "--units", "60", "--seed", "3", "--out", str(out)], check=True,
                   capture_output=True)
    return out / "scorecards"


SEEDS = int(os.environ.get("BSC_LEDGER_SEEDS", "4"))  # more, to look further


@pytest.mark.parametrize("source,seed", [("example", seed) for seed in range(SEEDS)]
                         + [("synthetic", seed) for seed in range((SEEDS + 1) // 2)])
def test_many_changes_one_after_another(folder, tmp_path, seed, source, request):
    """Each check after a random change (a unit file, an actuals file, a review or the
    organisation file edited, a unit added or removed, other options now and then)
    reports what a check of the whole folder reports."""
    origin = EXAMPLE if source == "example" else request.getfixturevalue("synthetic")
    if source != "example":
        shutil.rmtree(folder)
        shutil.copytree(origin, folder)
    rng = random.Random(seed)
    cache = tmp_path / "cache"
    rechecked = 0
    options: dict = {}
    for step in range(STEPS):
        if rng.random() < 0.15:  # a ledger is kept for the last options only
            options = rng.choice([{}, {"strict": True}, {"period": "2026-Q2"}])
        again = _compare(folder, cache, **options)
        rechecked += again.checked is not None
        if not again.ok and rng.random() < 0.6:  # errors pile up (some leave the ledger aside)
            shutil.rmtree(folder)
            shutil.copytree(origin, folder)
        _change(folder, rng)
    assert rechecked >= 6  # the ledger was used, not only whole checks


def test_a_file_changed_while_it_is_checked_again_is_read_again_next_time(folder, tmp_path, monkeypatch):
    """Changed after its key was taken and before it was read, a file's problems would stand
    for bytes it no longer has: the ledger is not kept, and the next check reads it again."""
    import bsc_site.ledger as ledger_module

    cache = tmp_path / "cache"
    _compare(folder, cache)
    unit = folder / "units" / "retail" / "sales-marketing.yml"
    original = unit.read_text(encoding="utf-8")
    _edit(unit, "name:", "# a comment\nname:")
    commented = unit.read_text(encoding="utf-8")
    read = ledger_module.read_unit_file

    def meanwhile(path, *args):
        if path == unit:
            path.write_text(original.replace("supports: [", "supports: [no-such-objective, ", 1), encoding="utf-8")
        return read(path, *args)

    monkeypatch.setattr(ledger_module, "read_unit_file", meanwhile)
    during = check_folder(folder, cache_dir=cache)
    assert not during.ok  # what was read: the error
    monkeypatch.setattr(ledger_module, "read_unit_file", read)
    unit.write_text(commented, encoding="utf-8")  # the bytes keyed before
    assert _compare(folder, cache).ok


@pytest.mark.parametrize("during", ["a whole check", "a check with the ledger"])
def test_an_organisation_file_saved_during_a_check_leaves_no_ledger(folder, tmp_path, monkeypatch, during):
    """The ledger is headed by the organisation file's bytes when the cache was opened: a
    check that read other bytes must not leave its problems under that head."""
    import bsc_site.ledger as ledger_module
    import bsc_site.load as load_module

    cache = tmp_path / "cache"
    org = folder / "organization.yml"
    original = org.read_text(encoding="utf-8")
    module = load_module
    if during == "a check with the ledger":
        _compare(folder, cache)
        _edit(folder / "units" / "retail" / "customer-service.yml", "name:", "# a comment\nname:")
        module = ledger_module
    read = module.read_organization

    def meanwhile(path, problems):
        org.write_text(original.replace("- id: customer-first", "- id: customers-first"), encoding="utf-8")
        return read(path, problems)

    monkeypatch.setattr(module, "read_organization", meanwhile)
    assert not check_folder(folder, cache_dir=cache).ok  # read with the renamed theme
    monkeypatch.setattr(module, "read_organization", read)
    org.write_text(original, encoding="utf-8")
    os.utime(org, (AN_HOUR_AGO, AN_HOUR_AGO))
    assert _compare(folder, cache).ok


def test_a_unit_file_saved_with_another_id_while_it_is_checked_again(folder, tmp_path, monkeypatch):
    """A unit read again by the check with the ledger (not in the pack: changed since the
    last whole check) that changes meanwhile sends the check to the whole folder."""
    import bsc_site.ledger as ledger_module

    cache = tmp_path / "cache"
    leaf = folder / "units" / "retail" / "customer-service.yml"
    retail = folder / "units" / "retail" / "retail.yml"
    _compare(folder, cache)
    _edit(leaf, "name:", "# a comment\nname:")
    assert _compare(folder, cache).checked == 1
    _edit(retail, "win-retain-households", "keep-households", count=-1)  # its children are checked again
    read = ledger_module.read_unit_file

    def meanwhile(path, *args):
        if path == leaf:
            _edit(leaf, "id: customer-service", "id: customer-care")
        return read(path, *args)

    monkeypatch.setattr(ledger_module, "read_unit_file", meanwhile)
    during = check_folder(folder, cache_dir=cache)
    assert during.checked is None  # the whole folder, as it now is
    monkeypatch.setattr(ledger_module, "read_unit_file", read)
    assert _report(during) == _report(check_folder(folder))
    assert _report(_compare(folder, cache)) == _report(during)
