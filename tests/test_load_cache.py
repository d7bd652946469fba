"""The load cache (bsc_site/load/cache.py): a unit or actuals file read before, unchanged,
is not parsed again, and what the loader gives is the same whether each file came from
the cache or not: the model, every location, every problem, in the same order."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import bsc_site.load as load_module
from bsc_site.export import evaluation_json
from bsc_site.forked import can_fork
from bsc_site.load import load
from bsc_site.load.cache import FORMAT
from bsc_site.problems import Problems
from bsc_site.status.evaluate import evaluate

EXAMPLE = Path(__file__).resolve().parent.parent / "scorecards"


@pytest.fixture
def folder(tmp_path) -> Path:
    target = tmp_path / "scorecards"
    shutil.copytree(EXAMPLE, target)
    return target


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The unit and actuals files the loader parses (rather than takes from the cache), by name."""
    names: list[str] = []
    read_unit, read_actual = load_module.read_record_file, load_module.read_actual_file

    def unit(path, *args):
        names.append(path.name)
        return read_unit(path, *args)

    def actual(path, *args):
        names.append(path.name)
        return read_actual(path, *args)

    monkeypatch.setattr(load_module, "read_record_file", unit)
    monkeypatch.setattr(load_module, "read_actual_file", actual)
    return names


def _load(folder: Path, cache: Path | None, parallel: bool = False):
    problems = Problems()
    return load(folder, problems, parallel=parallel, cache_dir=cache), problems


def _same(one, two) -> None:
    (a, pa), (b, pb) = one, two
    assert a.units == b.units
    assert [u.location for u in a.units] == [u.location for u in b.units]
    assert [k.location for u in a.units for k in u.kpis] == [k.location for u in b.units for k in u.kpis]
    assert a.actuals == b.actuals
    assert [x.location for x in a.actuals] == [x.location for x in b.actuals]
    assert [p.format() for p in pa.items] == [p.format() for p in pb.items]


def _pack(cache: Path) -> Path:
    """The one pack file: no other (nor a temporary one) left beside it."""
    files = list((cache / "load").iterdir())
    assert len(files) == 1 and files[0].suffix == ".pack", files
    return files[0]


def test_an_unchanged_folder_is_not_parsed_again_and_loads_the_same(folder, tmp_path, parsed):
    plain = _load(folder, None)
    files = len(parsed)
    assert files > 13  # the organisation file, 13 unit files, the actuals
    cache = tmp_path / "cache"
    first = _load(folder, cache)
    assert len(parsed) == 2 * files  # nothing cached yet
    second = _load(folder, cache)
    assert parsed[2 * files:] == ["organization.yml"]  # every unit and actuals file from the cache
    _same(second, plain)
    _same(first, plain)
    ev_plain, ev_cached = evaluate(plain[0]), evaluate(second[0])
    assert evaluation_json(ev_cached) == evaluation_json(ev_plain)


def test_a_changed_file_is_parsed_again_and_its_change_seen(folder, tmp_path, parsed):
    cache = tmp_path / "cache"
    _load(folder, cache)
    unit_file = folder / "units" / "northwind.yml"
    text = unit_file.read_text("utf-8")
    unit_file.write_text(text.replace("name: Northwind Energy", "name: Northwind Renamed", 1), "utf-8")
    actuals = sorted((folder / "actuals").glob("*.csv"))[0]
    actuals.write_bytes(actuals.read_bytes() + b"\n")  # a blank line: other bytes, the same values
    del parsed[:]
    sc, _ = _load(folder, cache)
    assert sorted(parsed) == sorted(["organization.yml", "northwind.yml", actuals.name])
    assert next(u for u in sc.units if u.id == "northwind").name == "Northwind Renamed"
    _same((sc, _), _load(folder, None))


def test_problems_of_a_cached_file_are_reported_again(folder, tmp_path, parsed):
    broken = folder / "units" / "retail" / "retail.yml"
    broken.write_text(broken.read_text("utf-8") + "\nweight: heavy\n", "utf-8")
    rows = sorted((folder / "actuals").glob("*.csv"))[0]
    rows.write_text(rows.read_text("utf-8") + "retail,nps,2026-Q2,lots,\n", "utf-8")
    cache = tmp_path / "cache"
    first = _load(folder, cache)
    del parsed[:]
    second = _load(folder, cache)
    assert parsed == ["organization.yml"]
    found = [p.format() for p in second[1].items]
    assert any("retail.yml" in f and "weight" in f for f in found), found
    assert any(rows.name in f and "[not-a-number]" in f for f in found), found
    _same(second, first)
    _same(second, _load(folder, None))


def test_a_changed_organisation_file_means_every_file_is_read_again(folder, tmp_path, parsed):
    cache = tmp_path / "cache"
    _load(folder, cache)
    files = len(parsed)
    org = folder / "organization.yml"
    org.write_text(org.read_text("utf-8") + "\n# a comment changes the bytes\n", "utf-8")
    _load(folder, cache)
    assert len(parsed) == 2 * files


def test_the_pack_holds_only_the_files_of_the_last_read(folder, tmp_path):
    cache = tmp_path / "cache"
    _load(folder, cache)
    full = _pack(cache).stat().st_size
    for path in sorted((folder / "units").rglob("*.yml"))[7:]:
        path.unlink()
    _load(folder, cache)
    assert _pack(cache).stat().st_size < full * 0.8  # the removed files' entries are gone
    mtime = _pack(cache).stat().st_mtime_ns
    _load(folder, cache)
    assert _pack(cache).stat().st_mtime_ns == mtime  # nothing changed: not rewritten


@pytest.mark.parametrize("damage", [b"", b"not a pack", None])
def test_a_damaged_pack_is_ignored_and_replaced(folder, tmp_path, parsed, damage):
    cache = tmp_path / "cache"
    plain = _load(folder, None)
    _load(folder, cache)
    pack = _pack(cache)
    data = pack.read_bytes()
    pack.write_bytes(data[: len(data) // 2] if damage is None else damage)  # None: cut short
    del parsed[:]
    _same(_load(folder, cache), plain)
    assert len(parsed) > 13  # read afresh
    del parsed[:]
    _same(_load(folder, cache), plain)
    assert parsed == ["organization.yml"]  # and cached again


def test_a_cache_folder_that_cannot_be_written_is_no_error(folder, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be", "utf-8")
    _same(_load(folder, blocked / "cache"), _load(folder, None))
    assert blocked.read_text("utf-8") == "a file where the cache folder would be"


@pytest.mark.skipif(not can_fork(), reason="a helper process needs fork (Linux)")
def test_files_read_by_the_loading_helper_are_cached_too(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "PARALLEL_UNITS", 2)
    monkeypatch.setattr(load_module, "CSV_COST", 0)
    cache = tmp_path / "cache"
    plain = _load(folder, None)
    _same(_load(folder, cache, parallel=True), plain)  # two processes, nothing cached
    forked = []
    monkeypatch.setattr(load_module, "Forked", lambda *args: forked.append(args))
    _same(_load(folder, cache, parallel=True), plain)
    assert forked == []  # every unit file from the cache: no helper needed


def _bsc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bsc_site.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_the_cli_keeps_its_cache_beside_the_scorecards_unless_told_not_to(folder):
    project = folder.parent
    first = _bsc("validate", "scorecards", cwd=project)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(list((project / ".cache" / "bsc" / "load").glob("*.pack"))) == 1
    second = _bsc("validate", "scorecards", cwd=project)
    assert second.stdout == first.stdout and second.returncode == 0
    shutil.rmtree(project / ".cache")
    third = _bsc("validate", "scorecards", "--no-cache", cwd=project)
    assert third.stdout == first.stdout and third.returncode == 0
    assert not (project / ".cache").exists()
    elsewhere = project / "elsewhere"
    fourth = _bsc("status", "scorecards", "--cache-dir", str(elsewhere), cwd=project)
    assert fourth.returncode == 0, fourth.stderr
    assert len(list((elsewhere / "load").glob("*.pack"))) == 1 and not (project / ".cache").exists()


def test_a_read_that_fails_midway_leaves_the_pack_as_it_was(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _load(folder, cache)
    before = _pack(cache).read_bytes()
    unit_file = folder / "units" / "northwind.yml"
    unit_file.write_bytes(unit_file.read_bytes() + b"\n")  # a new entry is being written when it fails
    actuals = sorted((folder / "actuals").glob("*.csv"))[0]
    actuals.write_bytes(actuals.read_bytes() + b"\n")  # read after the unit files

    def broken(*args):
        raise RuntimeError("a bug while reading the actuals")

    monkeypatch.setattr(load_module, "read_actual_file", broken)
    with pytest.raises(RuntimeError):
        _load(folder, cache)
    assert _pack(cache).read_bytes() == before  # and no temporary file beside it


def test_a_folder_emptied_since_the_last_read_is_reported_not_a_traceback(folder, tmp_path):
    cache = tmp_path / "cache"
    _load(folder, cache)
    shutil.rmtree(folder / "units")
    shutil.rmtree(folder / "actuals")
    cached, fresh = _load(folder, cache), _load(folder, None)
    assert [p.format() for p in cached[1].items] == [p.format() for p in fresh[1].items]
    assert "[no-units]" in " ".join(p.format() for p in cached[1].items)
    _same(_load(folder, cache), fresh)  # and the emptied pack read back


def test_a_folder_whose_path_is_not_utf8_is_cached_too(tmp_path, parsed):
    if sys.platform == "darwin":
        pytest.skip("macOS file names are UTF-8")
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/sc-\xe9"))
    shutil.copytree(EXAMPLE, odd)
    cache = tmp_path / "cache"
    plain = _load(odd, None)
    _same(_load(odd, cache), plain)
    del parsed[:]
    _same(_load(odd, cache), plain)
    assert parsed == ["organization.yml"]


def test_a_file_changed_while_it_is_read_is_not_kept_as_read(folder, tmp_path, monkeypatch):
    """An editor saving during a `mkdocs serve` rebuild, between the file's key being taken
    and the file being parsed: what was parsed must not be kept under the old bytes' key."""
    cache = tmp_path / "cache"
    unit_file = folder / "units" / "northwind.yml"
    original = unit_file.read_text("utf-8")
    read_unit = load_module.read_record_file

    def saved_meanwhile(path, *args):
        if path == unit_file:
            unit_file.write_text(original.replace("name: Northwind Energy", "name: Saved Meanwhile", 1), "utf-8")
        return read_unit(path, *args)

    monkeypatch.setattr(load_module, "read_record_file", saved_meanwhile)
    sc, _ = _load(folder, cache)
    assert next(u for u in sc.units if u.id == "northwind").name == "Saved Meanwhile"
    monkeypatch.setattr(load_module, "read_record_file", read_unit)
    unit_file.write_text(original, "utf-8")  # the bytes its key was taken from
    sc, _ = _load(folder, cache)
    assert next(u for u in sc.units if u.id == "northwind").name == "Northwind Energy"


def test_a_renamed_organisation_file_is_named_in_what_comes_from_the_cache(folder, tmp_path):
    """A unit KPI taking its red flag from the organisation's KPI library reports a problem
    located in the organisation file: from the cache too, under the file's present name."""
    cache = tmp_path / "cache"
    org = folder / "organization.yml"
    text = org.read_text("utf-8")
    bad = "    owner: Hannah Schäfer, Chief People Officer\n    red_flag: [1, 2]\n  - id: enps"
    org.write_text(text.replace("    owner: Hannah Schäfer, Chief People Officer\n  - id: enps", bad, 1), "utf-8")
    first = _load(folder, cache)
    assert any(p.location.file.endswith("organization.yml") for p in first[1].items), first[1].items
    org.rename(folder / "organisation.yml")
    cached, fresh = _load(folder, cache), _load(folder, None)
    _same(cached, fresh)
    assert not any(p.location.file.endswith("organization.yml") for p in cached[1].items)


def test_a_damaged_entry_is_read_afresh(folder, tmp_path, parsed):
    cache = tmp_path / "cache"
    plain = _load(folder, None)
    _load(folder, cache)
    pack = _pack(cache)
    data = bytearray(pack.read_bytes())
    for at in range(len(FORMAT) + 200, len(data) // 2, 997):  # bits flipped inside entries
        data[at] ^= 0x10
    pack.write_bytes(bytes(data))
    del parsed[:]
    _same(_load(folder, cache), plain)
    assert len(parsed) > 1  # the damaged ones parsed again
