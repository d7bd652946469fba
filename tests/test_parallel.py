"""Fragments rendered by helper processes: the same site as rendering everything in-process,
and failures in a helper reported as clearly as failures anywhere else.

The plugin hands MkDocs Markdown skeletons and fills each finished page with its
fragments (tables, charts, maps), which helper processes render meanwhile (see
bsc_site/mkdocs_plugin/fragments.py). These tests build real sites both ways.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import re
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
import yaml

from sitebuild import build, copy_example, snapshot

from bsc_site.collector import paused
from bsc_site.mkdocs_plugin.fragments import Fragments, can_fork
from bsc_site.project import open_project
from bsc_site.site.links import Links
from bsc_site.site.plan import MapKey, SiteOptions, SitePlanner, data_bytes, data_plan
from bsc_site.status.evaluate import evaluate, evaluate_when_asked

pytestmark = pytest.mark.skipif(not can_fork(), reason="helper processes need fork (Linux)")

DATED = {"sitemap.xml", "sitemap.xml.gz"}  # MkDocs writes the build day into these


def _set_plugin_option(root: Path, **options) -> None:
    path = root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for i, plugin in enumerate(config["plugins"]):
        if isinstance(plugin, dict) and "bsc" in plugin:
            config["plugins"][i] = {"bsc": {**(plugin["bsc"] or {}), **options}}
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module")
def example_sites(tmp_path_factory):
    """The example built with helper processes (the default) and entirely in-process."""
    parallel = copy_example(tmp_path_factory.mktemp("parallel"))
    serial = copy_example(tmp_path_factory.mktemp("serial"))
    _set_plugin_option(serial, parallel=False)
    logger = logging.getLogger("mkdocs.plugins.bsc")
    level = logger.level
    logger.setLevel(logging.DEBUG)  # the plugin says at debug level how it made the fragments
    try:
        first, second = build(parallel, strict=True), build(serial, strict=True)
    finally:
        logger.setLevel(level)
    assert first.ok, first.text()
    assert second.ok, second.text()
    return first, second


def test_helper_processes_build_the_same_site_byte_for_byte(example_sites):
    parallel, serial = (snapshot(b.site) for b in example_sites)
    assert sorted(parallel) == sorted(serial)
    assert "data/organization.json" in parallel and "units/retail/index.html" in parallel
    assert [name for name in parallel if name not in DATED and parallel[name] != serial[name]] == []


def test_the_build_says_how_the_fragments_were_made(example_sites):
    parallel, serial = example_sites
    assert any("with helper processes" in m for _, m in parallel.messages)
    assert any("in this process" in m for _, m in serial.messages)


def test_one_helper_renders_the_unit_pages_with_their_maps_and_data_files(example_sites):
    parallel = example_sites[0]
    summary = next(m for _, m in parallel.messages if "with helper processes" in m)
    # "... N rendered here, ..., N data files written here, ...; page process: N pages in ... s CPU
    # with their N maps (...), N data files in ..."
    here = int(re.search(r"(\d+) data files written here", summary).group(1))
    page = re.search(r"page process: (\d+) pages in [^;]*? with their (\d+) maps [^;]*?(\d+) data files in", summary)
    assert page and "map process" not in summary, summary  # one helper: no second copy of the evaluation
    loaded = open_project(parallel.root / "scorecards")
    units = len(loaded.scorecards.units)
    pages, maps, written = (int(g) for g in page.groups())
    rendered_here = int(re.search(r"(\d+) rendered here", summary).group(1))
    count = int(re.search(r"fragments of (\d+) pages", summary).group(1))
    assert 0 < pages <= units and pages + rendered_here == count
    # pages are filed together (the page process's a batch per file), not a file per page
    assert 1 < int(re.search(r"filed in (\d+) files", summary).group(1)) < count / 2, summary
    assert maps >= pages  # each unit page has its strategy map (and its line of sight, below the root)
    assert written == 2 * pages  # each unit's JSON and CSV, with its page
    planned = data_plan(evaluate(loaded.scorecards, loaded.period), Links())
    paths = [path for job in planned for path in job.paths]
    assert here + written == len(paths) > 20  # each file once
    for path in paths:
        assert (parallel.site / path).stat().st_size > 0, path


def test_no_marker_or_search_stand_in_is_left_in_any_page(example_sites):
    site = example_sites[0].site
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<!--bsc" not in text and "<!--/bsc" not in text, page


@pytest.fixture
def planned(tmp_path):
    project = copy_example(tmp_path / "project")
    loaded = open_project(project / "scorecards")
    planner = SitePlanner(evaluate(loaded.scorecards, loaded.period), SiteOptions(cache_dir=tmp_path / "cache"))
    skeletons = planner.skeletons()
    expected = [planner.fragments(i) for i in range(len(skeletons))]
    figures = planner.map_figures()
    expected = [{k: figures[f] if isinstance(f, MapKey) else f for k, f in page.items()} for page in expected]
    return planner, skeletons, expected, loaded


@pytest.mark.parametrize("helper", ["evaluating when asked", "sharing the evaluation"])
@pytest.mark.parametrize("order", ["forward", "backward"])
def test_every_page_gets_its_own_fragments_whoever_renders_them(planned, order, helper, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    planner, skeletons, expected, loaded = planned
    data = data_plan(planner.ev, planner.links)
    if helper == "evaluating when asked":  # as the plugin starts it: the model only, before the evaluation
        helper_planner = SitePlanner(evaluate_when_asked(loaded.scorecards, loaded.period), planner.options)
        fragments = Fragments(None, len(skeletons), parallel=True, helper=helper_planner)
        fragments.attach(planner, data)
    else:
        fragments = Fragments(planner, len(skeletons), parallel=True, data=data)
    assert fragments.parallel
    indexes = list(range(len(skeletons)))
    site = tmp_path / "site"
    try:
        got = {i: fragments.page(i) for i in (indexes if order == "forward" else reversed(indexes))}
        # each page's fragments are read from their file once and the file removed then (by a
        # thread of its own), not at the end
        fragments.removed()
        assert [p.name for p in (tmp_path / "tmp").glob("bsc-fragments-*/*") if p.name != "files"] == []
        assert 0 < fragments.files < len(indexes) / 2  # filed together, not a file per page
        fragments.install_data(str(site))
    finally:
        fragments.close()
    assert [got[i] for i in indexes] == expected
    assert sum(1 for f in expected for v in f.values() if '<figure class="bsc-map"' in v) > 10
    assert list((tmp_path / "tmp").iterdir()) == [], "the helpers' files are removed"
    # the data files, whoever wrote each unit's, are those of the whole evaluation made in one process
    written = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert written == data_bytes(data_plan(planner.ev, planner.links)) and len(written) > 20


def test_the_page_process_is_forked_before_this_process_has_threads_of_its_own(planned, monkeypatch, tmp_path):
    # forking a process with threads running may deadlock the child (and Python 3.12 warns)
    import multiprocessing.popen_fork as popen_fork
    import threading

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    ours = {"bsc-pages-listener", "bsc-remover"}  # the threads Fragments starts (the tests may run others)
    before = set(threading.enumerate())
    at_fork = []
    real = popen_fork.Popen._launch
    monkeypatch.setattr(popen_fork.Popen, "_launch", lambda self, process: at_fork.append(
        sorted(t.name for t in set(threading.enumerate()) - before)) or real(self, process))
    planner, skeletons, _, _ = planned
    fragments = Fragments(planner, len(skeletons), parallel=True, data=data_plan(planner.ev, planner.links))
    try:
        assert fragments.parallel
        started = {t.name for t in set(threading.enumerate()) - before}
    finally:
        fragments.close()
    assert at_fork == [[]] and started == ours
    assert not [t for t in threading.enumerate() if t.name == "bsc-remover"]  # stopped with the rest


def test_the_pages_covering_the_whole_organisation_let_their_garbage_go_page_by_page(planned, monkeypatch, tmp_path):
    # A review's page as of an earlier period leaves that period's evaluation of the whole
    # organisation in a reference cycle (the template's context): collected as soon as the
    # page is filed, not when the collector next comes round (a few at once at 10,000 units
    # would be gigabytes).
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    planner, skeletons, expected, _ = planned
    assert planner.sc.reviews[0].period != planner.ev.period, "the example has a review of an earlier period"
    fragments = Fragments(planner, len(skeletons), parallel=True, data=data_plan(planner.ev, planner.links))
    try:
        gc.collect()
        with paused():  # no collection but the ones the pages make
            fragments.render_organisation_pages()
            assert gc.collect() == 0, "nothing was left for the collector"
        units = planner.unit_pages()
        assert [fragments.page(i) for i in range(len(skeletons)) if i not in units] == \
            [page for i, page in enumerate(expected) if i not in units]
    finally:
        fragments.close()


def _failing_dot(folder: Path) -> str:
    """A `dot` that answers `dot -V` (so the build starts) and fails to lay anything out."""
    real = shutil.which("dot")
    script = folder / "dot"
    script.write_text(f'#!/bin/sh\nif [ "$1" = "-V" ]; then exec {real} -V; fi\n'
                      'echo "Error: syntax error in line 1" >&2\nexit 1\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def _fails_and_leaves_nothing(root: Path, before: dict, tmp_path: Path, monkeypatch) -> str:
    """Build, expecting a clear failure that keeps the last site and leaves no helper
    process, staging folder or temporary file behind; the build's messages."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    result = build(root, strict=True)
    assert not result.ok
    assert "Traceback" not in result.text()
    assert snapshot(root / "site") == before
    assert not (root / "site.bsc-new").exists()
    assert multiprocessing.active_children() == []
    assert list((tmp_path / "tmp").iterdir()) == []
    return result.text()


@pytest.fixture
def built_example(tmp_path):
    root = copy_example(tmp_path / "project")
    first = build(root, strict=True)
    assert first.ok, first.text()
    return root, snapshot(root / "site")


@pytest.mark.parametrize("parallel", [True, False])
def test_dot_failing_while_laying_out_is_a_clear_error_and_keeps_the_last_site(
        built_example, tmp_path, monkeypatch, parallel):
    root, before = built_example
    shutil.rmtree(root / ".cache")  # every map must be laid out again
    _set_plugin_option(root, parallel=parallel)
    monkeypatch.setenv("BSC_DOT", _failing_dot(tmp_path))
    text = _fails_and_leaves_nothing(root, before, tmp_path, monkeypatch)
    assert "Graphviz failed (exit 1): Error: syntax error in line 1" in text, text


@pytest.mark.parametrize("parallel", [True, False])
def test_an_override_failing_inside_a_fragment_is_a_clear_error_and_keeps_the_last_site(
        built_example, tmp_path, monkeypatch, parallel):
    root, before = built_example
    _set_plugin_option(root, parallel=parallel)
    macros = (Path(__file__).resolve().parent.parent / "bsc_site" / "templates" / "_macros.j2").read_text("utf-8")
    row = '{{ kpi_row(k, '  # inside the KPI table's loop, rendered by the helpers
    assert row in macros
    (root / "overrides" / "bsc").mkdir(parents=True, exist_ok=True)
    (root / "overrides" / "bsc" / "_macros.j2").write_text(
        macros.replace(row, "{{ k.kpi.no_such_field }}" + row, 1), encoding="utf-8")
    text = _fails_and_leaves_nothing(root, before, tmp_path, monkeypatch)
    assert "no_such_field" in text and "_macros.j2" in text, text


def test_a_problem_found_by_the_checks_stops_the_build_and_its_page_process(built_example, tmp_path, monkeypatch):
    """The page process starts as soon as the files are read, while the checks run: an error
    they find (here a loop in the unit tree) still stops the build before anything is written,
    and the page process with it, its files removed."""
    root, before = built_example
    unit = root / "scorecards" / "units" / "generation" / "generation.yml"
    text = unit.read_text(encoding="utf-8")
    assert "parent: northwind" in text
    unit.write_text(text.replace("parent: northwind", "parent: solar-storage"), encoding="utf-8")
    text = _fails_and_leaves_nothing(root, before, tmp_path, monkeypatch)
    assert "units/generation/generation.yml" in text and "units form a cycle of parents" in text, text
    assert "nothing was built" in text
