"""`bsc validate` keeps its verdict (bsc_site/load/cache.py: Verdicts): run again on a folder
none of whose files changed, with the same options, it reports the same thing without
loading anything; any change of a file, of the set of files or of the options, and it
checks the folder again."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import bsc_site.load.cache as cache_module
import bsc_site.cli as cli_module
import bsc_site.ledger as ledger_module
import bsc_site.project as project_module
from bsc_site.cli import main
from bsc_site.project import check_folder

EXAMPLE = Path(__file__).resolve().parent.parent / "scorecards"
AN_HOUR_AGO = time.time() - 3600


def _age(folder: Path, when: float = AN_HOUR_AGO) -> None:
    """Date every file of the folder back (a file written moments ago keeps no verdict)."""
    for path in folder.rglob("*"):
        os.utime(path, (when, when))


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """The example, its files dated back. Setting a time stamp sets the change time to now,
    which the rule against files written moments before also looks at: the rule's window
    is closed here, but for the tests of the rule itself."""
    target = tmp_path / "scorecards"
    shutil.copytree(EXAMPLE, target)
    _age(target)
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    return target


@pytest.fixture
def loads(monkeypatch) -> list[Path]:
    """The folders checked: loaded by `open_project`, or checked again with the last
    check's ledger (tests/test_ledger.py); not those answered with a kept verdict."""
    loaded: list[Path] = []
    open_project, recheck = project_module.open_project, ledger_module.recheck

    def counting(path, **options):
        loaded.append(Path(path))
        return open_project(path, **options)

    def rechecking(root, *args):
        again = recheck(root, *args)
        if again is not None:
            loaded.append(Path(root))
        return again

    monkeypatch.setattr(project_module, "open_project", counting)
    monkeypatch.setattr(ledger_module, "recheck", rechecking)
    return loaded


def _validate(folder: Path, cache: Path, *options: str, capsys) -> tuple[int, str]:
    code = main(["validate", str(folder), "--cache-dir", str(cache), *options])
    return code, capsys.readouterr().out


def _edit(path: Path, old: str, new: str, when: float = AN_HOUR_AGO - 60) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, (when, when))


def test_an_unchanged_folder_is_reported_the_same_without_being_loaded(folder, tmp_path, loads, capsys):
    unit = folder / "units" / "northwind.yml"
    _edit(unit, "        owner: Henrik Dahl, Chief Financial Officer\n", "")  # a warning: kpi-without-owner
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert "kpi-without-owner" in first[1] and "valid, with warnings" in first[1]
    assert len(loads) == 1
    second = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert second == first
    assert len(loads) == 1  # nothing loaded the second time
    assert len(cli_module._KEPT) == 1  # kept to the command's end: the last call's only
    assert _validate(folder, tmp_path / "elsewhere", "--no-cache", capsys=capsys) == first
    verdict = check_folder(folder, cache_dir=tmp_path / "cache")
    assert verdict.project is None and verdict.units == 13 and verdict.kpis == 114


def test_errors_are_kept_and_reported_again_too(folder, tmp_path, loads, capsys):
    _edit(folder / "units" / "northwind.yml", "direction: higher", "direction: upwards")
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert first[0] == 1 and "northwind.yml" in first[1] and "direction" in first[1]
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first
    assert len(loads) == 1


def test_a_changed_file_is_checked_again(folder, tmp_path, loads, capsys):
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert first[0] == 0
    _edit(folder / "units" / "northwind.yml", "direction: higher", "direction: upwards")
    second = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert second[0] == 1 and "direction" in second[1]
    assert len(loads) == 2
    _edit(folder / "units" / "northwind.yml", "direction: upwards", "direction: higher")
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first


def test_a_file_changed_without_a_new_size_or_time_is_still_noticed_when_its_bytes_are_read(
        folder, tmp_path, loads, capsys):
    """The verdict's key is made of the files' bytes, not their time stamps."""
    actuals = sorted((folder / "actuals").rglob("*.csv"))[0]
    before = actuals.stat()
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    text = actuals.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line[:1].isalnum() and i > 0)
    changed = lines[row].replace(lines[row].split(",")[0], "x" * len(lines[row].split(",")[0]), 1)
    actuals.write_text(text.replace(lines[row], changed, 1), encoding="utf-8")
    os.utime(actuals, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert actuals.stat().st_size == before.st_size
    second = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert second != first and second[0] == 1
    assert len(loads) == 2


def test_an_added_or_removed_file_is_noticed(folder, tmp_path, loads, capsys):
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    extra = folder / "units" / "extra.yml"
    extra.write_text("id: extra\nname: Extra\nparent: northwind\nobjectives: []\n", encoding="utf-8")
    _age(folder)
    second = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert "14 units" in second[1] and len(loads) == 2
    extra.unlink()
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first
    assert len(loads) == 3


@pytest.mark.parametrize("options", [("--strict",), ("--period", "2027-Q4")])
def test_the_options_are_part_of_the_verdict(folder, tmp_path, loads, capsys, options):
    _edit(folder / "units" / "northwind.yml", "        owner: Henrik Dahl, Chief Financial Officer\n", "")
    plain = _validate(folder, tmp_path / "cache", capsys=capsys)
    other = _validate(folder, tmp_path / "cache", *options, capsys=capsys)
    assert other == _validate(folder, tmp_path / "fresh", *options, "--no-cache", capsys=capsys)
    assert other != plain
    assert len(loads) == 3  # the two with the cache, and the one without
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == plain  # one verdict kept: the last
    assert len(loads) == 4


@pytest.mark.parametrize("when", [None, AN_HOUR_AGO])
def test_a_file_written_moments_ago_keeps_no_verdict(folder, tmp_path, loads, capsys, monkeypatch, when):
    """Written now, or now given an old time stamp (cp -p, tar): its change time is recent."""
    monkeypatch.setattr(cache_module, "RACY_NS", 2_000_000_000)
    unit = folder / "units" / "northwind.yml"
    os.utime(unit, None if when is None else (when, when))
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first
    assert len(loads) == 2
    assert not list((tmp_path / "cache" / "load").glob("*.verdict"))


def _change(folder: Path) -> Path:
    unit = folder / "units" / "northwind.yml"
    _edit(unit, "direction: higher", "direction: upwards")  # other bytes and size, an old time stamp
    return unit


def _add(folder: Path) -> Path:
    extra = folder / "units" / "extra.yml"
    extra.write_text("id: extra\nname: Extra\nparent: nowhere\nobjectives: []\n", encoding="utf-8")
    os.utime(extra, (AN_HOUR_AGO, AN_HOUR_AGO))  # the other files' status unchanged
    return extra


@pytest.mark.parametrize("change", [_change, _add])
def test_a_file_changed_or_added_while_the_folder_is_checked_keeps_no_verdict(folder, tmp_path, capsys,
                                                                              monkeypatch, change):
    """Changed after the files' digest is taken and before they are read, the verdict made
    of the new files would answer for the old ones: it is not kept."""
    original = (folder / "units" / "northwind.yml").read_bytes()
    open_project = project_module.open_project
    changed: list[Path] = []

    def meanwhile(path, **options):
        changed.append(change(folder))
        return open_project(path, **options)

    monkeypatch.setattr(project_module, "open_project", meanwhile)
    during = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert during[0] == 1  # the new files were read
    monkeypatch.setattr(project_module, "open_project", open_project)
    if change is _change:
        changed[0].write_bytes(original)
    else:
        changed[0].unlink()
    _age(folder)
    after = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert after == _validate(folder, tmp_path / "fresh", "--no-cache", capsys=capsys)
    assert after[0] == 0


@pytest.mark.parametrize("where", ["units", "units/retail"])
def test_a_file_there_only_while_the_folder_is_loaded_keeps_no_verdict(folder, tmp_path, capsys, monkeypatch, where):
    """Made after the files' digest and gone before the verdict is kept: in neither list of
    files, but read, and its folder's status tells."""
    extra = folder / where / "zz-extra.yml"
    open_project = project_module.open_project

    def meanwhile(path, **options):
        extra.write_text("id: zz\nname: ZZ\nparent: nowhere\nobjectives: []\n", encoding="utf-8")
        os.utime(extra, (AN_HOUR_AGO, AN_HOUR_AGO))
        try:
            return open_project(path, **options)
        finally:
            extra.unlink()

    monkeypatch.setattr(project_module, "open_project", meanwhile)
    during = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert during[0] == 1 and "zz-extra.yml" in during[1]
    monkeypatch.setattr(project_module, "open_project", open_project)
    after = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert after == _validate(folder, tmp_path / "fresh", "--no-cache", capsys=capsys)
    assert after[0] == 0


def test_a_cache_folder_that_cannot_be_made_is_no_error(folder, tmp_path, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    plain = _validate(folder, tmp_path / "fresh", "--no-cache", capsys=capsys)
    assert _validate(folder, blocked, capsys=capsys) == plain
    assert _validate(folder, blocked / "cache", capsys=capsys) == plain
    assert blocked.read_text(encoding="utf-8") == "not a folder"


def test_a_damaged_verdict_is_ignored(folder, tmp_path, loads, capsys):
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    (kept,) = (tmp_path / "cache" / "load").glob("*.verdict")
    kept.write_bytes(kept.read_bytes()[:-10])
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first
    assert len(loads) == 2
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first  # written afresh
    assert len(loads) == 2


def test_a_verdict_needs_the_whole_folder_readable(folder, tmp_path, loads, capsys, monkeypatch):
    """A file that cannot be keyed (here: too large to read) means no verdict: each run checks."""
    monkeypatch.setattr("bsc_site.load.cache.MAX_FILE_BYTES", 100)
    first = _validate(folder, tmp_path / "cache", capsys=capsys)
    assert _validate(folder, tmp_path / "cache", capsys=capsys) == first
    assert len(loads) == 2
