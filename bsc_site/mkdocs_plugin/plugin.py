"""The `bsc` MkDocs plugin: scorecard files in, generated pages out."""

from __future__ import annotations

import gc
import logging
import os
import posixpath
import shutil
import time
from importlib import resources
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import CountHandler

from ..collector import Settler
from ..forked import ForkError
from ..maps import Graphviz, GraphvizError
from ..maps.cache import Sweep
from ..project import open_project
from ..site.links import Links
from ..site.plan import (ORGANISATION_HISTORY, GeneratedPage, SiteOptions, SitePlanner, data_bytes, data_paths,
                         data_plan, nav_tree)
from ..status.evaluate import HISTORY, evaluate, evaluate_when_asked
from . import placeholders
from .config import ScorecardConfig
from .fragments import FragmentError, Fragments
from .navigation import PrunedNavigation

log = logging.getLogger("mkdocs.plugins.bsc")

CSS = "assets/bsc/bsc.css"
TEMPLATES = ScorecardConfig.templates.default  # "overrides/bsc"
# Pages (converted, then written) between two settlings of the garbage collector: each
# then walks what the last hundred pages left, not everything MkDocs has kept so far.
SETTLE_EVERY = 100


class ScorecardPlugin(BasePlugin[ScorecardConfig]):
    """Reads the scorecard folder, validates it, and adds one page per unit and the overview pages."""

    def __init__(self) -> None:
        self.pages: dict[str, GeneratedPage] = {}
        self.index: dict[str, int] = {}  # page path -> its number for `self.fragments`
        self.fragments: Fragments | None = None
        self.data: list = []  # data files, in jobs (`data_plan`)
        self.evaluation = None
        self.navigation: PrunedNavigation | None = None  # each page's view of the navigation
        self.command = "build"
        self.staging: Path | None = None
        self.final_site: str | None = None
        # counts warnings as MkDocs' strict mode does, to know at the end whether it will abort
        self.warnings = CountHandler(level=logging.WARNING)
        self.dirty = False
        self.settler = Settler(SETTLE_EVERY)
        self.sweep: Sweep | None = None  # the map cache's, from on_pre_build to a completed build
        self.clock: _Stopwatch | None = None  # the build's stages, for --verbose
        self._last_page = 0.0  # when MkDocs handed over the last page (time.perf_counter)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        self.dirty = dirty

    # -- a build that fails leaves the last site as it was -----------------------------------
    # MkDocs empties the site folder first and aborts on a strict-mode warning only after
    # writing every page. So the build goes to a sibling folder, swapped in at the very end
    # only when nothing failed; `mkdocs serve` (its own temporary folder) and dirty builds
    # write in place as usual.
    def _stage(self, config: MkDocsConfig) -> None:
        if self.command == "serve" or self.dirty or not config.site_dir:
            return
        self.final_site = config.site_dir
        self.staging = Path(config.site_dir.rstrip("/\\") + ".bsc-new")
        if self.staging.exists():
            shutil.rmtree(self.staging)  # ours, left by a build that was killed
        config.site_dir = str(self.staging)
        self.warnings.counts.clear()
        logging.getLogger("mkdocs").addHandler(self.warnings)

    def _unstage(self, config: MkDocsConfig) -> Path | None:
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        staging, self.staging = self.staging, None
        if staging is not None:
            config.site_dir = self.final_site
        return staging

    @event_priority(-100)  # last: after the search plugin and others have written their files
    def on_post_build(self, config: MkDocsConfig) -> None:
        clock = self.clock or _Stopwatch()
        clock.lap("MkDocs' pages", at=self._last_page or None)
        clock.lap("MkDocs' last files (sitemap, search index)")
        if self.fragments is not None and self.fragments.parallel:
            try:
                self.fragments.install_data(config.site_dir)
            except FragmentError as exc:
                raise PluginError(f"bsc: {exc}") from None
            clock.lap("data files installed")
            log.debug(f"bsc: {self.fragments.timing(clock.began)}")
        self._stop_fragments()
        strict_abort = config.strict and bool(self.warnings.counts)  # counted only while staging
        staging = self._unstage(config)
        if not strict_abort and self._sweep_maps():
            clock.lap("map cache swept")
        log.debug(f"bsc: after the page skeletons: {clock.take()}")
        if staging is None:
            return
        if strict_abort:
            shutil.rmtree(staging, ignore_errors=True)  # MkDocs aborts next; the last site stays
            return
        final = Path(self.final_site)
        old = final.with_name(final.name + ".bsc-old")
        if old.exists():
            shutil.rmtree(old)
        if final.exists():
            os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)

    def _sweep_maps(self) -> bool:
        """The build completed: map cache entries it did not use go (see `maps.cache`). True if
        the cache was swept."""
        sweep, self.sweep = self.sweep, None
        if sweep is None or self.dirty or sweep.started is None:  # a dirty build may not draw every map
            return False
        sweep.end()
        log.debug(f"bsc: {sweep.summary()}")
        return True

    def on_build_error(self, error: Exception) -> None:
        self.sweep = None
        self._stop_fragments()
        staging = self.staging
        logging.getLogger("mkdocs").removeHandler(self.warnings)
        self.staging = None
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

    def _resolve(self, config: MkDocsConfig, path: str) -> Path:
        base = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        return (base / path).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self.root = self._resolve(config, self.config.scorecards)
        self.templates = self._resolve(config, self.config.templates)
        if self.config.templates != TEMPLATES and not self.templates.is_dir():  # the default may well not exist
            log.warning(f"bsc: the templates folder {self.config.templates!r} (mkdocs.yml: plugins.bsc.templates) "
                        f"{'is not a folder' if self.templates.exists() else 'does not exist'}: "
                        "the built-in templates are used")
        if "attr_list" not in config.markdown_extensions:
            config.markdown_extensions.append("attr_list")  # headings carry stable anchors: {#objective-id}
        if placeholders.NAME not in config.markdown_extensions:
            config.markdown_extensions.append(placeholders.NAME)  # markers converted faster (generated pages only)
        if CSS not in config.extra_css:
            config.extra_css.insert(0, CSS)
        prefix = self.config.path.strip("/")
        self.links = Links(prefix, config.use_directory_urls)
        self._stage(config)
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        # Everything that can fail runs here, before MkDocs empties the site folder, so a
        # failed build leaves the last good site in place.
        clock = self.clock = _Stopwatch()
        self._last_page = 0.0
        # `mkdocs serve` runs the live-reload server's threads: no fork there
        parallel = self.config.parallel and self.command == "build"
        cache_dir = self._resolve(config, self.config.cache_dir)
        options = SiteOptions(links=self.links, templates=self.templates, cache_dir=cache_dir)
        self._stop_fragments()
        self.sweep = Sweep(cache_dir)
        self.sweep.begin()  # before any map is drawn or read
        try:
            Graphviz().version()
            graphviz_missing = None
        except GraphvizError as exc:  # reported after the scorecards' own problems
            graphviz_missing = exc
        helper: SitePlanner | None = None

        def loaded(scorecards, period) -> None:
            # The page process (if any) starts as soon as the files are read, with the model
            # only, while this process checks it (a problem found stops the build, and the
            # page process with it), then evaluates the whole organisation (for the
            # skeletons, the maps and the pages that cover it all). It evaluates each unit as
            # it renders the unit's page, and lets it go.
            nonlocal helper
            if parallel and graphviz_missing is None:
                # the model's indexes, made once for both processes (and the checks)
                scorecards.units_by_id, scorecards.children, scorecards.actuals_by_kpi
                helper = SitePlanner(evaluate_when_asked(scorecards, period), options)
                self.fragments = Fragments(None, helper.page_count(), parallel, helper=helper)

        try:
            project = open_project(self.root, period=self.config.period, strict=self.config.strict,
                                   period_source="mkdocs.yml: plugins.bsc.period", parallel=parallel, freeze=True,
                                   cache_dir=cache_dir, loaded=loaded)
        except ForkError as exc:  # the loading helper was killed (out of memory, most likely)
            raise PluginError(f"bsc: {exc}; build with the plugin option parallel: false") from None
        for problem in project.problems.sorted():
            (log.error if problem.severity.value == "error" else log.warning)(problem.format())
        errors, warnings = project.problems.errors, project.problems.warnings
        if errors:
            raise PluginError(f"bsc: {len(errors)} error(s) in {self.root}; nothing was built (see above)")
        if warnings and config.strict:
            raise PluginError(f"bsc: {len(warnings)} warning(s) in strict mode (see above); nothing was built")
        clock.lap("load and check")
        if graphviz_missing is not None:  # it stops the build here, before anything is written
            raise PluginError(f"bsc: {graphviz_missing}")
        # The model and its evaluation are millions of long-lived objects without reference
        # cycles: out of the collector's way (else every full collection walks them all,
        # again and again, while the pages are made), and out of the helper processes' way
        # (a collection there would copy their shared memory). `mkdocs build` ends with the
        # build, so they stay frozen (the collection at exit skips them); `mkdocs serve`
        # thaws them when a build ends.
        # With the page process, this evaluation makes the pages covering the whole
        # organisation, which show the review period and the one before (what changed), and
        # the pages' skeletons, which ask of the history only whether it has more than one
        # period; the unit pages, with their whole histories, are rendered from evaluations
        # made unit by unit (the page process's, and this process's once this one is let go).
        # So two review periods, not eight: a quarter of the KPI values to judge (the review
        # pages evaluate the earlier periods they show themselves). The example is built
        # both ways in the tests, and compared.
        history = ORGANISATION_HISTORY if helper is not None and self.fragments.parallel else HISTORY
        self.evaluation = evaluate(project.scorecards, project.period, history=history, keep=True)
        clock.lap("evaluate")
        planner = SitePlanner(self.evaluation, options)
        self.data = data_plan(self.evaluation, self.links)
        if helper is not None:
            planner.env = helper.env  # the templates compiled once
        else:  # no page process: everything is rendered here
            self.fragments = Fragments(None, planner.page_count(), False)
        self.fragments.attach(planner, self.data)
        skeletons = planner.skeletons()
        clock.lap("page skeletons")
        self.pages = {p.path: p for p in skeletons}
        self.index = {p.path: i for i, p in enumerate(skeletons)}
        clashes = [p for p in [*self.pages, *data_paths(self.data)] if (Path(config.docs_dir) / p).exists()]
        if clashes:
            docs = Path(config.docs_dir).name
            raise PluginError(
                "bsc: generated pages would replace your own files: "
                + ", ".join(posixpath.join(docs, c) for c in clashes)
                + ". Rename yours, or set the plugin's 'path' option to put the generated pages in a folder."
            )
        if helper is not None and self.fragments.parallel:
            # The pages covering the whole organisation are rendered now (filed until MkDocs
            # comes to them, last), and this process lets its evaluation go: the unit pages it
            # renders itself, it evaluates as the page process does, unit by unit. At 10,000
            # units the build process then stays at ≈ 2.3 GB instead of growing to 2.7-3.0 GB.
            try:
                self.fragments.render_organisation_pages()
            except FragmentError as exc:
                raise PluginError(f"bsc: {exc}") from None
            self._let_evaluation_go(helper)
            # The planner of that evaluation refers to itself (its map requests, its page
            # recipes): gone once collected, now, before what is left is frozen.
            del planner
            gc.collect()
            clock.lap("pages covering the whole organisation")
        gc.freeze()  # and what the pages' skeletons hold
        log.info(f"bsc: {len(self.pages)} pages")
        log.debug(f"bsc: {clock.take()}")

    def _let_evaluation_go(self, helper: SitePlanner) -> None:
        """Work on with `helper`'s evaluation (made unit by unit when asked) instead of the
        whole organisation's, which nothing refers to any more."""
        evaluator = self.evaluation.evaluator
        self.evaluation = helper.ev
        self.data = data_plan(helper.ev, self.links)  # the same files, each made from one unit's results
        self.fragments.attach(helper, self.data)
        if evaluator is not None:
            # its KPI values refer back to it: the one cycle, which the collector (for which
            # they are frozen) would never break
            evaluator.forget_values()

    def _stop_fragments(self) -> None:
        if self.fragments is not None:
            log.debug(f"bsc: {self.fragments.summary()}")
            self.fragments.close()
            self.fragments = None
        if self.command != "build":  # `mkdocs serve` builds again: let the last build's objects go
            gc.unfreeze()

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        for file in list(files):
            if file.abs_src_path and Path(file.abs_src_path).is_relative_to(self.templates):
                files.remove(file)  # template overrides are inputs, not site files
        for page in self.pages.values():
            files.append(File.generated(config, page.path, content=page.markdown))
        if not self.fragments.parallel:  # else the helper processes write them (on_post_build)
            for path, content in data_bytes(self.data).items():
                files.append(File.generated(config, path, content=content))
        css = resources.files("bsc_site").joinpath("assets", "bsc.css").read_bytes()
        files.append(File.generated(config, CSS, content=css))
        if self.config.nav and config.nav is None:
            config.nav = nav_tree(self.evaluation, self.links) + _own_pages(files, self.pages)
        return files

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        self.navigation = PrunedNavigation(nav, config.theme["features"]) if PrunedNavigation.applies(config) else None
        return nav

    def on_env(self, env, config: MkDocsConfig, files: Files):
        if self.navigation is not None and not self.navigation.install(env):
            log.debug("bsc: Material's navigation entry template is not as expected: entries are not reused")
        return env

    def on_page_context(self, context, page: Page, config: MkDocsConfig, nav: Navigation):
        if self.navigation is not None:
            context["nav"] = self.navigation.for_page()
        return context

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        placeholders.state.generated = page.file.src_uri in self.pages  # converted next
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        placeholders.state.generated = False
        self.settler.step()
        generated = self.pages.get(page.file.src_uri)
        return generated.with_search(html) if generated else html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        self.settler.step()
        self._last_page = time.perf_counter()
        generated = self.pages.get(page.file.src_uri)
        if generated is None:
            return output
        try:
            fragments = self.fragments.page(self.index[page.file.src_uri])
        except FragmentError as exc:
            raise PluginError(f"bsc: {exc}") from None
        return generated.fill(output, fragments)

    def on_serve(self, server, config: MkDocsConfig, builder):
        server.watch(str(self.root))
        if self.templates.is_dir():
            server.watch(str(self.templates))
        return server


class _Stopwatch:
    """Seconds per stage, for `mkdocs build --verbose`."""

    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self.began = self._last = time.perf_counter()

    def lap(self, name: str, at: float | None = None) -> None:
        """The stage `name` ended now (or at `at`, a `time.perf_counter()` reading)."""
        now = time.perf_counter() if at is None else at
        self.laps.append((name, now - self._last))
        self._last = now

    def take(self) -> str:
        """The stages so far, in words; the next `take` starts from here."""
        laps, self.laps = self.laps, []
        return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in laps)


def _own_pages(files: Files, generated: dict[str, GeneratedPage]) -> list:
    """The site author's Markdown pages, after the generated ones, in path order."""
    return sorted(f.src_uri for f in files.documentation_pages() if f.src_uri not in generated)
