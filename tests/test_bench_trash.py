"""benchmarks/bench.py's Trash: a timed build's predecessors are set aside, not removed, and a
run waits a minute after removing files (so the kernel's inode allocation is not charged to
the builds that follow; see its docstring)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import bench  # noqa: E402


def _site(root: Path) -> Path:
    site = root / "org" / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("page")
    return site


def test_put_sets_aside_the_same_files_without_removing_them(tmp_path):
    site = _site(tmp_path)
    inode = (site / "a" / "index.html").stat().st_ino
    trash = bench.Trash(tmp_path)
    trash.put(site)
    trash.put(tmp_path / "org" / "never-made")  # nothing there: nothing to do
    assert not site.exists()
    [kept] = list(trash.folder.iterdir())
    assert (kept / "a" / "index.html").stat().st_ino == inode  # renamed: no inode freed
    assert not trash.stamp.exists()  # nothing removed, so nothing to wait for


def test_empty_removes_what_was_set_aside_and_notes_when(tmp_path):
    trash = bench.Trash(tmp_path)
    trash.put(_site(tmp_path))
    before = time.time()
    trash.empty()
    assert not trash.folder.exists()
    assert trash.stamp.stat().st_mtime >= before - 2


def test_settle_waits_only_after_a_recent_removal(tmp_path, monkeypatch):
    slept = []
    monkeypatch.setattr(bench.time, "sleep", slept.append)
    trash = bench.Trash(tmp_path)
    trash.settle()  # no removal on record
    trash.removed()
    old = time.time() - 2 * bench.Trash.QUIET
    os.utime(trash.stamp, (old, old))
    trash.settle()  # a removal long ago
    assert slept == []
    trash.put(_site(tmp_path))  # left by an earlier run: emptied, then waited for
    trash.settle()
    assert not trash.folder.exists()
    assert len(slept) == 1 and bench.Trash.QUIET - 5 < slept[0] <= bench.Trash.QUIET


def test_before_build_sets_aside_the_site_and_only_a_cold_builds_cache(tmp_path):
    org = tmp_path / "org"
    for path in (org / "site", org / ".cache" / "bsc"):
        path.mkdir(parents=True)
    trash = bench.Trash(tmp_path)
    trash.before_build(org, cold=False)  # a warm build keeps the plugin's cache
    assert not (org / "site").exists() and (org / ".cache" / "bsc").exists()
    (org / "site").mkdir()
    trash.before_build(org)
    assert not (org / "site").exists() and not (org / ".cache" / "bsc").exists()
    assert len(list(trash.folder.iterdir())) == 3 and not trash.stamp.exists()  # set aside, nothing removed
