"""A large organisation's unit files are read by two processes (bsc_site/load: a forked
helper reads the later part while this process reads the first part and the actuals). The model and every problem must be exactly what one
process reading them all gives, in the same order. The threshold is lowered so the
example organisation (13 unit files) takes the two-process path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import bsc_site.load as load_module
from bsc_site.export import evaluation_json
from bsc_site.forked import can_fork
from bsc_site.project import open_project
from bsc_site.status.evaluate import evaluate

pytestmark = pytest.mark.skipif(not can_fork(), reason="a helper process needs fork (Linux)")

EXAMPLE = Path(__file__).resolve().parent.parent / "scorecards"


@pytest.fixture
def two_processes(monkeypatch):
    monkeypatch.setattr(load_module, "PARALLEL_UNITS", 2)
    monkeypatch.setattr(load_module, "CSV_COST", 0)  # the unit files split in halves, whatever the actuals weigh


def _both(folder: Path):
    return open_project(folder, parallel=False), open_project(folder, parallel=True)


def test_the_example_loads_the_same_in_two_processes(two_processes):
    one, two = _both(EXAMPLE)
    assert len(two.scorecards.units) == len(one.scorecards.units) == 13
    assert [u.id for u in two.scorecards.units] == [u.id for u in one.scorecards.units]
    assert two.scorecards.units == one.scorecards.units
    assert [u.location for u in two.scorecards.units] == [u.location for u in one.scorecards.units]
    assert [p.format() for p in two.problems.items] == [p.format() for p in one.problems.items]
    assert evaluation_json(evaluate(two.scorecards, two.period)) == evaluation_json(evaluate(one.scorecards, one.period))


def test_problems_in_both_halves_come_in_the_order_one_process_finds_them(two_processes, tmp_path):
    folder = tmp_path / "scorecards"
    shutil.copytree(EXAMPLE, folder)
    first = folder / "units" / "generation" / "generation.yml"  # read by this process
    last = folder / "units" / "shared-services" / "shared-services.yml"  # read by the helper
    first.write_text(first.read_text("utf-8").replace("objectives:", "objectives: [", 1), "utf-8")
    last.write_text(last.read_text("utf-8") + "\nweight: heavy\nunknown_field: 1\n", "utf-8")
    actuals = next((folder / "actuals").glob("*.csv"))  # read by this process while the helper reads units
    actuals.write_text(actuals.read_text("utf-8") + "retail,nps,2026-Q2,lots,\n", "utf-8")
    one, two = _both(folder)
    found = [p.format() for p in two.problems.items]
    assert found == [p.format() for p in one.problems.items]
    files = [p.location.file for p in two.problems.errors]
    assert any(f.endswith("generation/generation.yml") for f in files), found
    assert any(f.endswith("shared-services/shared-services.yml") for f in files), found
    assert any(f.endswith(f"actuals/{actuals.name}") for f in files), found
    assert not two.ok and not one.ok


def test_a_small_organisation_is_read_in_one_process(monkeypatch):
    started = []
    monkeypatch.setattr(load_module, "Forked", lambda *a: started.append(a))
    project = open_project(EXAMPLE, parallel=True)
    assert project.ok and started == []  # 13 unit files: below the threshold


def test_split_by_weight_loses_no_file(monkeypatch):
    """With the actuals weighed in (this process reads them), the helper takes most unit files."""
    monkeypatch.setattr(load_module, "PARALLEL_UNITS", 2)
    files = load_module.find_files(EXAMPLE / "units", load_module.YAML_SUFFIXES)
    split = load_module._split(files, load_module.find_files(EXAMPLE / "actuals", load_module.ACTUALS_SUFFIXES))
    assert 0 <= split < len(files) / 2
    one, two = _both(EXAMPLE)
    assert two.scorecards.units == one.scorecards.units
    assert [p.format() for p in two.problems.items] == [p.format() for p in one.problems.items]


def test_a_helper_killed_while_loading_is_a_clear_error_not_a_traceback(two_processes, monkeypatch, capsys):
    """Out of memory, the system kills the helper: the user reads one line saying so."""
    import os
    import signal

    from bsc_site import cli

    def killed(paths, calendar, library):  # what the helper runs
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(load_module, "_read_units_apart", killed)
    assert cli.main(["validate", str(EXAMPLE), "--no-cache"]) == 2  # from a cache, no unit file needs the helper
    err = capsys.readouterr().err
    assert err.strip() == "bsc: a helper process of bsc ended without an answer", err


def _periods(value, seen=None):
    """Every Period reachable from a model value (dataclass fields, tuples, lists, dicts)."""
    import dataclasses

    from bsc_site.periods import Period

    seen = set() if seen is None else seen
    if id(value) in seen or isinstance(value, (str, int, float, type(None))):
        return
    seen.add(id(value))
    if isinstance(value, Period):
        yield value
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from _periods(getattr(value, f.name), seen)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _periods(k, seen)
            yield from _periods(v, seen)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for v in value:
            yield from _periods(v, seen)


def test_periods_of_the_helpers_units_are_this_process_own(two_processes):
    # Equal but separate period objects would make every lookup compare fields.
    two = open_project(EXAMPLE, parallel=True)
    calendar = two.scorecards.organization.calendar
    found = list(_periods(two.scorecards.units))
    assert found  # the example's targets and reviews name periods
    assert all(p is calendar.parse(p.label) for p in found)
