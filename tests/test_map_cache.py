"""The map cache holds the maps of the last completed build, and nothing it did not write goes.

Real builds (`mkdocs build` in a subprocess, the real `dot`) of the tiny project. What a
build used is told apart from what it did not by a second, independent build of the same
inputs into an empty cache: the maps a build needs are the ones it lays out from nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from bsc_site.maps import cache
from sitebuild import ACTUALS, MKDOCS, make_site, mkdocs_cli

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")

KEY = re.compile(r"[0-9a-f]{64}")
LONG_AGO = 1_000_000_000  # 2001: older than any build


def entries(cache_dir: Path) -> dict[str, set[str]]:
    """The cache's layouts and figures, by key."""
    return {"layouts": {p.stem for p in cache_dir.glob("??/*.svg")},
            "figures": {p.stem for p in cache_dir.glob("figures/??/*.html")}}


def built(root: Path, *args: str) -> None:
    result = mkdocs_cli(root, "build", *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def age(paths) -> None:
    for path in paths:
        os.utime(path, (LONG_AGO, LONG_AGO))


def built_long_ago(root: Path) -> tuple[Path, Path, dict[str, set[str]]]:
    """The tiny project built, its map cache's entries dated long ago (as if that build were):
    the project, its cache folder and the entries."""
    project = make_site(root)
    built(project)
    cache_dir = project / ".cache" / "bsc"
    first = entries(cache_dir)
    age(cache_dir.glob("??/*.svg"))
    age(cache_dir.glob("figures/??/*.html"))
    return project, cache_dir, first


# North's new accounts fall from 22 (on track) to 18.5 (at risk) in 2026-Q2: its maps, and the
# maps of the units above it that show its objective, change.
CHANGED = ACTUALS.replace("north,new-accounts,2026-Q2,22,", "north,new-accounts,2026-Q2,18.5,")


def test_a_build_keeps_the_maps_it_used_and_removes_the_others(tmp_path):
    project, cache_dir, first = built_long_ago(tmp_path / "project")
    assert first["layouts"] and first["figures"]

    make_site(project, scorecards={"actuals/2026.csv": CHANGED})
    built(project)
    after = entries(cache_dir)
    # an independent build of the changed inputs, from an empty cache: what the build needs
    fresh = make_site(tmp_path / "fresh", scorecards={"actuals/2026.csv": CHANGED})
    built(fresh)
    needed = entries(fresh / ".cache" / "bsc")
    assert after == needed
    gone = first["figures"] - needed["figures"]
    assert gone, "the change made new maps (else this test shows nothing)"
    assert first["figures"] & needed["figures"], "and left some maps as they were, taken from the cache"
    assert not any(cache.figure_file(cache_dir, key).exists() for key in gone)


def test_layouts_behind_cached_figures_are_kept(tmp_path):
    """A map taken whole from the cache never reaches `dot`, but its layout is still in use:
    a new bsc-site (which finishes figures anew) would lay it out again without it."""
    project, cache_dir, first = built_long_ago(tmp_path / "project")
    built(project)  # warm: every figure from the cache
    assert entries(cache_dir) == first


def test_files_the_cache_did_not_write_are_never_removed(tmp_path):
    project = make_site(tmp_path / "project")
    cache_dir = project / ".cache" / "bsc"
    key = "ab" + "0" * 62
    other_key = "cd" + "1" * 62
    strangers = {
        "notes.txt": "mine",
        "ab/readme.svg": "<svg/>",  # not a key
        f"ab/{key}.svg.bak": "<svg/>",  # not an entry's name
        f"cd/{key}.svg": "<svg/>",  # a key in another key's folder
        f"figures/{other_key[:2]}/{other_key}.txt": "x",
        f"figures/{key[:3]}/{key}.html": "x",  # not a two-character folder
        f"drawings/{key[:2]}/{key}.svg": "<svg/>",  # not a folder of the cache
    }
    for name, text in strangers.items():
        (cache_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (cache_dir / name).write_text(text, encoding="utf-8")
    age(cache_dir / name for name in strangers)
    # a link named as an entry (the cache makes none): neither it nor what it points to goes
    elsewhere = tmp_path / "my-drawing.svg"
    elsewhere.write_text("<svg>mine</svg>", encoding="utf-8")
    link = cache.layout_file(cache_dir, "ef" + "2" * 62)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere)
    age([elsewhere])
    os.utime(link, (LONG_AGO, LONG_AGO), follow_symlinks=False)
    built(project)
    for name, text in strangers.items():
        assert (cache_dir / name).read_text(encoding="utf-8") == text, name
    assert link.is_symlink() and elsewhere.read_text(encoding="utf-8") == "<svg>mine</svg>"
    # the load cache beside them is not the map cache's either
    assert list((cache_dir / "load").iterdir())


def test_a_failed_build_removes_nothing(tmp_path):
    project, cache_dir, first = built_long_ago(tmp_path / "project")
    # an unknown KPI in the actuals stops the build before any page is made
    make_site(project, scorecards={"actuals/2026.csv": ACTUALS + "north,no-such-kpi,2026-Q2,1,\n"})
    failed = mkdocs_cli(project, "build")
    assert failed.returncode != 0 and "no-such-kpi" in failed.stderr
    assert entries(cache_dir) == first
    # strict mode's warnings abort the build after every page is written (every map drawn): an
    # entry that build did not use stays too
    make_site(project, docs={"about.md": "# About\n\n[a page that is not there](missing.md)\n"})
    unused = cache.layout_file(cache_dir, "ab" + "0" * 62)
    unused.parent.mkdir(parents=True, exist_ok=True)
    unused.write_text("<svg/>", encoding="utf-8")
    age([unused])
    aborted = mkdocs_cli(project, "build", "--strict")
    assert aborted.returncode != 0 and "missing.md" in aborted.stderr
    assert unused.exists()
    assert entries(cache_dir) == {"layouts": first["layouts"] | {unused.stem}, "figures": first["figures"]}
    # the same build, not strict, completes: the entry goes
    built(project)
    assert not unused.exists()


def test_a_figure_cached_by_an_earlier_bsc_site_is_made_again(tmp_path):
    """An entry without its layout line (or otherwise unreadable) is not used: the map is drawn
    again, and the page is the same as from an empty cache."""
    project = make_site(tmp_path / "project")
    built(project)
    page = (project / "site" / "units" / "north" / "index.html").read_text(encoding="utf-8")
    cache_dir = project / ".cache" / "bsc"
    for figure in cache_dir.glob("figures/??/*.html"):
        text = figure.read_text(encoding="utf-8")
        assert KEY.fullmatch(text.partition("\n")[0])
        figure.write_text(text.partition("\n")[2], encoding="utf-8")  # the layout line dropped
    built(project)
    assert (project / "site" / "units" / "north" / "index.html").read_text(encoding="utf-8") == page
    assert all(KEY.fullmatch(f.read_text(encoding="utf-8").partition("\n")[0])
               for f in cache_dir.glob("figures/??/*.html"))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root to run a build as another user (setpriv)")
def test_another_users_entries_in_a_shared_cache_are_kept():
    """A build cannot mark another user's entry as used (its time is not this user's to set),
    so it leaves it, rather than remove an entry it may well have used."""
    shared = Path(tempfile.mkdtemp(prefix="bsc-shared-"))  # pytest's own folder is root's alone
    try:
        shared.chmod(0o777)
        project, cache_dir, first = built_long_ago(shared / "project")  # as root: root's entries, 0644
        make_site(project, scorecards={"actuals/2026.csv": CHANGED})  # some maps change
        for path in shared.rglob("*"):
            if path.is_dir():
                path.chmod(0o777)  # the folders shared: the other user may write (and remove) in them
            elif cache_dir not in path.parents:
                path.chmod(0o666)
        result = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *MKDOCS,
                                 "build", "--verbose"], cwd=project, capture_output=True, text=True, timeout=300,
                                env={**os.environ, "HOME": str(shared), "NO_MKDOCS_2_WARNING": "1"})
        assert result.returncode == 0, result.stderr
        assert "map cache: " in result.stderr, "the build swept the cache"
        after = entries(cache_dir)
        assert first["layouts"] <= after["layouts"] and first["figures"] <= after["figures"]
        assert after != first, "the build added the changed maps"
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_a_cache_folder_that_is_a_file_is_skipped_and_the_site_still_has_its_maps(tmp_path):
    """cache_dir set to a file by mistake: the maps are laid out afresh, the build completes
    with the same pages, and the file is left as it was."""
    reference = make_site(tmp_path / "reference")
    built(reference)
    project = make_site(tmp_path / "project", config={"bsc": {"cache_dir": "the-cache"}})
    target = project / "the-cache"
    target.write_text("not a folder", encoding="utf-8")
    built(project)
    page = "units/north/index.html"
    assert (project / "site" / page).read_bytes() == (reference / "site" / page).read_bytes()
    assert "<svg" in (project / "site" / page).read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "not a folder"
