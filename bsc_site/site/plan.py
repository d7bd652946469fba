"""The site plan: every generated page as Markdown, plus HTML fragments placed after conversion.

Heavy HTML (charts, maps, history tables) is not given to the Markdown converter or the
search index: the Markdown holds a marker comment and the fragment replaces it in the
finished page (`fill`). A generator without that hook can inline them (`inline=True`).
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from markupsafe import Markup

from ..maps import LayoutStats, StrategyMap, line_of_sight_map, render_maps, theme_map, unit_map
from ..maps.graphviz import Graphviz
from ..model import Kpi, Objective, Unit
from .. import export
from ..schema import all_schemas, dumps as schema_dumps
from ..status.changes import changes, review_day
from ..status.evaluate import Evaluation, UnitResult, evaluate
from .feed import review_feed
from .charts import history_chart, sparkline
from .links import Links
from .render import environment

# Review periods the pages covering the whole organisation show: the period and the one
# before (statuses then, what changed since). Their evaluations hold these two, not the
# eight of a unit page's histories (`status.evaluate.HISTORY`).
ORGANISATION_HISTORY = 2

MARKER = "<!--bsc:{}-->"
_MARKER = re.compile(r"<!--bsc:(\d+)-->")
# A marker with its search stand-in, as it reaches the finished page (see `with_search`)
_FILLED = re.compile(r"<!--bsc:(\d+)-->(?:<!--bsc-search-->.*?<!--/bsc-search-->)?", re.DOTALL)


@dataclass
class GeneratedPage:
    """One page: its docs-relative path, Markdown, and fragments keyed by marker number.

    `search` holds, for some fragments, the plain text the site's search should know them
    by (KPI names for a KPI table, say): the search index reads the converted page before
    the fragments are in, so a short stand-in is indexed instead of a large table.
    """

    path: str
    title: str
    markdown: str
    fragments: dict[str, str] = field(default_factory=dict)
    search: dict[str, str] = field(default_factory=dict)

    def with_search(self, html: str) -> str:
        """The converted page with each marker's search stand-in after it."""
        if not self.search:
            return html

        def stand_in(m: re.Match) -> str:
            text = self.search.get(m.group(1))
            if not text:
                return m.group(0)
            return f"{m.group(0)}<!--bsc-search--><p>{text}</p><!--/bsc-search-->"

        return _MARKER.sub(stand_in, html)

    def fill(self, html: str, fragments: dict[str, str] | None = None) -> str:
        """Put the fragments (by default the page's own) in place of their markers and stand-ins."""
        fragments = self.fragments if fragments is None else fragments
        if not fragments:
            return html
        return _FILLED.sub(lambda m: fragments.get(m.group(1)) or "", html)

    def inlined(self) -> str:
        """The Markdown with every fragment in place, for generators without a post-page hook."""
        return _MARKER.sub(lambda m: self.fragments.get(m.group(1), ""), self.markdown)


@dataclass(frozen=True)
class SiteOptions:
    links: Links = Links()
    templates: Path | None = None  # the site author's template overrides
    maps: bool = True  # draw strategy maps (needs Graphviz)
    cache_dir: Path | None = None  # where laid-out maps are cached
    graphviz: Graphviz | None = None


class _MapRequest:
    """A map a page asks for: built (pydot) and laid out (dot) with all the others, later."""

    def __init__(self, key: str, src: str, evaluation: Callable[[], Evaluation],
                 build: Callable[..., StrategyMap | None], args: tuple):
        self.key, self.src, self.evaluation, self.build, self.args = key, src, evaluation, build, args


class _Slots:
    """Collects a page's fragments; each becomes a marker in the Markdown.

    `slot(html)` or, for a block of template, `{% call slot(search="...") %}...{% endcall %}`.
    A slot inside a slot's block is written in place: the outer fragment holds it.
    `search` is the plain text the search index gets for the fragment (escaped here).
    """

    def __init__(self, defer: bool = False) -> None:
        self.fragments: dict[str, object] = {}
        self.search: dict[str, str] = {}
        self.defer = defer  # markers only: blocks are not rendered (see SitePlanner.skeletons)
        self._depth = 0

    def __call__(self, content: object = None, search: str = "", caller=None) -> Markup:
        if caller is None:
            if self._depth:
                return Markup(content or "")
            if not content:
                return Markup("")
        elif self._depth:
            return caller()
        elif not self.defer:  # deferred, a block is not rendered (content stays None)
            self._depth += 1
            try:
                content = caller()
            finally:
                self._depth -= 1
        # A block always takes a number, empty or not, so that the markers of a skeleton
        # and the fragments rendered later for it agree.
        key = str(len(self.fragments))
        self.fragments[key] = content if content is None or isinstance(content, _MapRequest) else str(content)
        if search:
            self.search[key] = html.escape(" ".join(str(search).split()))
        return Markup(MARKER.format(key))


class SitePlanner:
    """Renders the pages of one evaluation."""

    def __init__(self, ev: Evaluation, options: SiteOptions = SiteOptions()):
        self.ev = ev
        self.sc = ev.scorecards
        self.options = options
        self.map_requests: dict[str, _MapRequest] = {}
        self.layout_stats = LayoutStats()
        self._defer = False
        # by review period: older evaluations of the root unit only (for the review pages' maps)
        self._root_evaluations: dict[object, Evaluation] = {}
        self.links = options.links
        self.env = environment(options.templates)
        org = self.sc.organization
        self._themes = {t.id: t.name for t in org.themes}
        self._perspective_names = {p.id: p.name for p in org.perspectives}
        for u in self.sc.units:
            for extra in u.extra_perspectives:
                self._perspective_names.setdefault(extra.perspective.id, extra.perspective.name)
        self.heat_columns = list(org.perspectives) + [
            e.perspective for u in self.sc.units for e in u.extra_perspectives
        ]
        seen = set()
        self.heat_columns = [p for p in self.heat_columns if not (p.id in seen or seen.add(p.id))]

    # A review page's planner (as of an earlier period) needs neither of these: made when asked.
    @functools.cached_property
    def _supported_by(self) -> dict[tuple[str, str], list[tuple[Unit, Objective]]]:
        """The child objectives supporting each (unit, objective)."""
        supported_by: dict[tuple[str, str], list[tuple[Unit, Objective]]] = {}
        for u in self.sc.units:
            for o in u.objectives:
                for link in o.supports:
                    supported_by.setdefault((u.parent, link.target), []).append((u, o))
        return supported_by

    # A page per unit must not scan every review entry of the organisation: by unit, once.
    @functools.cached_property
    def _commentary(self) -> dict[tuple[int, str], list]:
        """Each review's commentary by (id of the review, unit), in file order."""
        found: dict[tuple[int, str], list] = {}
        for r in self.sc.reviews:
            for c in r.commentary:
                found.setdefault((id(r), c.subject.unit_id), []).append(c)
        return found

    @functools.cached_property
    def _actions(self) -> dict[str, list]:
        """(review, action) of the reviews up to the evaluation's period, by unit, in review order."""
        found: dict[str, list] = {}
        for r in self.sc.reviews:
            if r.period <= self.ev.period:
                for a in r.actions:
                    found.setdefault(a.unit_id, []).append((r, a))
        return found

    @functools.cached_property
    def _latest(self) -> dict[str, object]:
        """Each unit's latest period with a reported value, up to the evaluation's period."""
        latest: dict[str, object] = {}
        end = self.ev.period.end
        for a in self.sc.actuals:
            if a.value is not None and a.period.end <= end:
                if a.unit_id not in latest or latest[a.unit_id] < a.period:
                    latest[a.unit_id] = a.period
        return latest

    # -- shared template helpers ---------------------------------------------------------
    def _globals(self, src: str, slots: _Slots, period) -> dict:
        sc = self.sc
        links = self.links

        def unit_href(unit_id: str, anchor: str = "") -> str:
            return links.href(src, links.unit(unit_id), anchor)

        def objective_name(unit_id: str, objective_id: str) -> str:
            unit = sc.unit(unit_id)
            obj = unit.objective(objective_id) if unit else None
            return obj.name if obj else objective_id

        return {
            "slot": slots,
            "unit_href": unit_href,
            "catalogue_href": lambda anchor="": links.href(src, links.catalogue(), anchor),
            "unit_name": lambda unit_id: sc.unit(unit_id).name if sc.unit(unit_id) else unit_id,
            "objective_name": objective_name,
            "theme_name": lambda theme_id: self._themes.get(theme_id, theme_id),
            "perspective_name": lambda pid: self._perspective_names.get(pid, pid),
            "perspective_rollup": _perspective_rollup,
            "sparkline": sparkline,
            "history_chart": history_chart,
            "period": period or self.ev.period,
            "org": sc.organization,
            "review_href": lambda label: links.href(src, links.review(label)),
            "commentary_text": _commentary_text,
        }

    def _render(self, template: str, src: str, title: str, period=None, **context) -> GeneratedPage:
        slots = _Slots(self._defer)
        markdown = self.env.get_template(template).render(**self._globals(src, slots, period), **context)
        return GeneratedPage(src, title, _front_matter(title) + markdown, slots.fragments, slots.search)

    def _map(self, src: str, build: Callable[..., StrategyMap | None], *args,
             evaluation: Callable[[], Evaluation] | None = None) -> _MapRequest | None:
        """Ask for a map on page `src` (of `evaluation()`, by default this planner's evaluation);
        it is built and laid out with all the others later."""
        if not self.options.maps:
            return None
        key = f"{src}|{build.__name__}|{'|'.join(map(str, args))}"
        request = self.map_requests.get(key)
        if request is None:
            request = self.map_requests[key] = _MapRequest(key, src, evaluation or (lambda: self.ev), build, args)
        return request

    def _strategy_map(self, request: _MapRequest) -> StrategyMap | None:
        def href(unit_id: str, anchor: str) -> str:
            return self.links.href(request.src, self.links.unit(unit_id), anchor)

        return request.build(request.evaluation(), *request.args, href)

    def map_figures(self, keys: list[str] | None = None) -> dict[str, str]:
        """The maps asked for so far (or those of `keys`), laid out (batched, cached): figure HTML
        by request key."""
        requests = list(self.map_requests.values()) if keys is None else [self.map_requests[k] for k in keys]
        built = [(r.key, self._strategy_map(r)) for r in requests]
        built = [(key, m) for key, m in built if m is not None]
        figures = render_maps([m for _, m in built], self.options.cache_dir, self.options.graphviz,
                              self.layout_stats) if built else []
        return {key: figure for (key, _), figure in zip(built, figures)}

    def _heat_rows(self) -> list[tuple[int, UnitResult]]:
        depth: dict[str, int] = {}
        rows = []
        for u in self.sc.units:
            depth[u.id] = depth[u.parent] + 1 if u.parent in depth else 0
            rows.append((depth[u.id], self.ev.units[u.id]))
        return rows

    # -- pages ---------------------------------------------------------------------------
    def unit_page(self, unit: Unit) -> GeneratedPage:
        result = self.ev.units[unit.id]
        children = [self.ev.units[c.id] for c in self.sc.children.get(unit.id, ())]
        drives = {o.id: [unit.objective(l.target) for l in o.drives if unit.objective(l.target)]
                  for o in unit.objectives}
        latest = self._latest.get(unit.id)
        src = self.links.unit(unit.id)
        review = self.sc.review(self.ev.period)
        commentary = self._commentary.get((id(review), unit.id), []) if review else []
        kpi_names = {k.id: k.name for k in unit.kpis}
        kpi_objective = {k.id: k.objective_id for k in unit.kpis}

        def objective_commentary(objective_id: str) -> list:
            out = [("", c) for c in commentary if c.subject.objective_id == objective_id]
            out += [(kpi_names.get(c.subject.kpi_id, c.subject.kpi_id), c) for c in commentary
                    if c.subject.kpi_id and kpi_objective.get(c.subject.kpi_id) == objective_id]
            return out

        actions = self._actions.get(unit.id, [])
        return self._render(
            "unit.md.j2", src, unit.name, review=review,
            unit_commentary=[c for c in commentary if c.subject.kind == "unit"],
            objective_commentary=objective_commentary, actions=actions,
            review_day=review_day(self.sc, self.ev.period), history_periods=self.ev.review_periods,
            json_href=self.links.file_href(src, self.links.data("units", f"{unit.id}.json")),
            csv_href=self.links.file_href(src, self.links.data("units", f"{unit.id}.csv")),
            schema_href=self.links.file_href(src, self.links.data("evaluation.schema.json")),
            unit=unit, result=result, ancestors=self.sc.ancestors(unit.id),
            children=children, children_rows=[(0, c) for c in children], heat_columns=self.heat_columns,
            supported_by={o.id: self._supported_by.get((unit.id, o.id), []) for o in unit.objectives},
            drives=drives, last_update=latest.label if latest else None,
            map_html=self._map(src, unit_map, unit.id),
            line_of_sight=self._map(src, line_of_sight_map, unit.id) if unit.parent else None,
        )

    def home_page(self) -> GeneratedPage:
        root = self.sc.root_unit
        latest = max(self._latest.values(), default=None)
        return self._render(
            "home.md.j2", self.links.home(), self.sc.organization.name,
            units=self.sc.units, root=self.ev.units[root.id] if root else None,
            heat_rows=self._heat_rows(), heat_columns=self.heat_columns, themes=self.sc.organization.themes,
            last_update=latest.label if latest else None,
            map_html=self._map(self.links.home(), unit_map, root.id) if root else None,
            catalogue_src=_rel_md(self.links.home(), self.links.catalogue()),
            initiatives_src=_rel_md(self.links.home(), self.links.initiatives()),
            owners_src=_rel_md(self.links.home(), self.links.owners()),
            theme_src=lambda theme_id: _rel_md(self.links.home(), self.links.theme(theme_id)),
            reviews_src=_rel_md(self.links.home(), self.links.reviews()),
            changes_src=_rel_md(self.links.home(), self.links.changes()),
            org_json_href=self.links.file_href(self.links.home(), self.links.data("organization.json")),
            schema_href=self.links.file_href(self.links.home(), self.links.data("evaluation.schema.json")),
            feed_href=self.links.file_href(self.links.home(), self.links.feed()),
        )

    def catalogue_page(self) -> GeneratedPage:
        kpis = [k for u in self.sc.units for k in u.kpis]
        users: dict[str, list[Kpi]] = {}
        for k in kpis:
            if k.definition:
                users.setdefault(k.definition, []).append(k)
        definitions = [(d, users.get(d.id, [])) for d in self.sc.organization.kpi_library]
        return self._render("kpis.md.j2", self.links.catalogue(), "KPI catalogue",
                            definitions=definitions, kpis=kpis)

    def initiatives_page(self) -> GeneratedPage:
        initiatives = [i for u in self.sc.units for i in u.initiatives]
        return self._render("initiatives.md.j2", self.links.initiatives(), "Initiatives", initiatives=initiatives)

    def owners_page(self) -> GeneratedPage:
        owners: dict[str, dict[str, list]] = {}

        def add(owner: str, kind: str, item) -> None:
            if owner:
                owners.setdefault(owner, {"objectives": [], "kpis": [], "initiatives": []})[kind].append(item)

        for u in self.sc.units:
            for o in u.objectives:
                add(o.owner, "objectives", o)
                for k in o.kpis:
                    add(k.owner, "kpis", k)
            for i in u.initiatives:
                add(i.owner, "initiatives", i)
        ordered = sorted(owners.items(), key=lambda kv: kv[0].casefold())
        return self._render("owners.md.j2", self.links.owners(), "Owners", owners=ordered)

    def theme_page(self, theme) -> GeneratedPage:
        members = [(u, self.ev.units[u.id].objectives[o.id]) for u in self.sc.units for o in u.objectives
                   if o.theme == theme.id]
        src = self.links.theme(theme.id)
        return self._render("theme.md.j2", src, theme.name, theme=theme, members=members,
                            unit_count=len({u.id for u, _ in members}),
                            map_html=self._map(src, theme_map, theme.id))

    def _previous_snapshot(self, ev: Evaluation) -> dict | None:
        if len(ev.review_periods) < 2:
            return None
        return self.sc.snapshots.get(ev.review_periods[-2].label)

    def changes_page(self) -> GeneratedPage:
        return self._render("changes.md.j2", self.links.changes(), "What changed",
                            changes=changes(self.ev, self._previous_snapshot(self.ev)))

    def reviews_page(self) -> GeneratedPage:
        src = self.links.reviews()
        return self._render("reviews.md.j2", src, "Reviews",
                            reviews=sorted(self.sc.reviews, key=lambda r: r.period, reverse=True),
                            feed_href=self.links.file_href(src, self.links.feed()))

    def review_page(self, review) -> GeneratedPage:
        """A review's own page, as of its period: it does not change when later reviews are added."""
        period = review.period
        src = self.links.review(period.label)
        root = self.sc.root_unit
        snapshot = period.label in self.sc.snapshots
        context = dict(
            review=review, heat_columns=self.heat_columns, actions=[(review, a) for a in review.actions],
            day=review_day(self.sc, period),
            map_html=self._map(src, unit_map, root.id, evaluation=lambda: self._root_evaluation(period))
            if root else None,
            snapshot_href=self.links.file_href(src, self.links.data("snapshots", f"{period.label}.json"))
            if snapshot else None,
            reviews_href=self.links.href(src, self.links.reviews()),
        )
        if self._defer:
            # The skeleton needs only the review's own entries: the evaluation as of its
            # period is made where the fragments are rendered.
            context.update(changes=None, heat_rows=None, overrides=None,
                           commentary=self._review_commentary(review, None))
        else:
            # the values judged for this page alone (periods before the current evaluation's)
            # are not kept for the rest of the build
            with self.ev.evaluator.forgetting() if self.ev.evaluator else contextlib.nullcontext():
                planner = self._planner_for(period)
                ev = planner.ev
                context.update(changes=changes(ev, self._previous_snapshot(ev)), heat_rows=planner._heat_rows(),
                               overrides=self._review_overrides(review, ev),
                               commentary=self._review_commentary(review, ev))
        return self._render("review.md.j2", src, f"{period.label} review", period=period, **context)

    def _review_overrides(self, review, ev: Evaluation) -> list:
        overrides = []
        for o in review.overrides:
            unit = ev.units.get(o.subject.unit_id)
            if unit is None:
                continue
            if o.subject.kind == "kpi":
                value = next((k.current for obj in unit.objectives.values() for k in obj.kpis
                              if k.kpi.id == o.subject.kpi_id), None)
                name = next((k.name for k in unit.unit.kpis if k.id == o.subject.kpi_id), o.subject.item_id)
            else:
                obj = unit.objectives.get(o.subject.objective_id)
                value, name = (obj.rollup, obj.objective.name) if obj else (None, o.subject.item_id)
            if value is not None:
                overrides.append((o, _Named(name, value.status, value.computed or value.status)))
        return overrides

    def _review_commentary(self, review, ev: Evaluation | None) -> list:
        """Commentary by unit, in unit order: (commentary, what it is about, its status); without
        an evaluation only the commentary (enough for a skeleton's headings and search text)."""
        commentary = []
        for unit in self.sc.units:
            entries = []
            for c in self._commentary.get((id(review), unit.id), ()):
                if ev is None:
                    entries.append((c, None, None))
                    continue
                label, status = unit.name, ev.units[unit.id].rollup.status
                if c.subject.kind == "objective" and c.subject.objective_id in ev.units[unit.id].objectives:
                    o = ev.units[unit.id].objectives[c.subject.objective_id]
                    label, status = o.objective.name, o.rollup.status
                elif c.subject.kind == "kpi":
                    for o in ev.units[unit.id].objectives.values():
                        for k in o.kpis:
                            if k.kpi.id == c.subject.kpi_id:
                                label, status = k.kpi.name, k.current.status
                entries.append((c, label, status))
            if entries:
                commentary.append((unit, entries))
        return commentary

    def _root_evaluation(self, period) -> Evaluation:
        """The evaluation as of a review period, of the root unit at least (for its map)."""
        if period == self.ev.period:
            return self.ev
        if period not in self._root_evaluations:
            self._root_evaluations[period] = evaluate(self.sc, period, like=self.ev, units={self.sc.root_unit.id})
        return self._root_evaluations[period]

    def _planner_for(self, period) -> "SitePlanner":
        """The planner of the evaluation as of a review period (this one for the current period).

        Not kept: only that review's page asks, once, and the whole organisation evaluated as
        of an earlier period is as large as the current evaluation's new objects; kept, three
        reviews' evaluations would wait in memory to the end of the build.

        Its history is two review periods, the review's and the one before: all the page
        shows (the status then, what changed since). Eight, as elsewhere, would make every
        roll-up four times over (a review page's evaluation was most of its time).
        """
        if period == self.ev.period:
            return self
        planner = SitePlanner(evaluate(self.sc, period, history=ORGANISATION_HISTORY, like=self.ev), self.options)
        planner.env = self.env
        return planner

    @functools.cached_property
    def _recipes(self) -> list[tuple[Callable[..., GeneratedPage], tuple]]:
        """How to render each generated page, in a stable order."""
        return ([(self.home_page, ())] + [(self.unit_page, (u,)) for u in self.sc.units]
                + [(self.theme_page, (t,)) for t in self.sc.organization.themes]
                + [(self.catalogue_page, ()), (self.initiatives_page, ()), (self.owners_page, ()),
                   (self.changes_page, ()), (self.reviews_page, ())]
                + [(self.review_page, (r,)) for r in self.sc.reviews])

    def page_count(self) -> int:
        """How many pages `skeletons` and `pages` make."""
        return len(self._recipes)

    def unit_pages(self) -> range:
        """The indexes of the unit pages, in the units' order (`unit_at` tells whose)."""
        return range(1, 1 + len(self.sc.units))

    def unit_at(self, index: int) -> str | None:
        """The id of the unit whose page is page `index`; None for the other pages."""
        return self.sc.units[index - 1].id if 1 <= index <= len(self.sc.units) else None

    def pages(self) -> list[GeneratedPage]:
        """Every generated page, in a stable order, with its fragments and maps in place."""
        self._defer = False
        out = [render(*args) for render, args in self._recipes]
        figures = self.map_figures()
        for page in out:
            for marker, content in page.fragments.items():
                if isinstance(content, _MapRequest):
                    page.fragments[marker] = figures.get(content.key, "")
        return out

    def skeletons(self) -> list[GeneratedPage]:
        """Every page's Markdown and search stand-ins, without rendering its fragments.

        The fragments come later, page by page, from `fragments(index)` (maps from
        `map_figures`): the site generator converts the Markdown meanwhile.
        """
        self._defer = True
        try:
            pages = [render(*args) for render, args in self._recipes]
        finally:
            self._defer = False
        for page in pages:  # only place holders: the fragments are rendered again, page by page
            page.fragments = {}
        return pages

    def fragments(self, index: int) -> dict[str, object]:
        """The fragments of page `index` (in `skeletons` order); maps as their request keys."""
        self._defer = False
        render, args = self._recipes[index]
        return {marker: MapKey(content.key) if isinstance(content, _MapRequest) else content
                for marker, content in render(*args).fragments.items()}


class MapKey(str):
    """A fragment that is a map: its request key, for `SitePlanner.map_figures`."""


@dataclass(frozen=True)
class _Named:
    name: str
    status: object
    computed: object


# A data job writes its files through `write(path, chunks)`, each file once, in the order
# of its `paths`: to disk piece by piece in a build, or joined in memory (`data_files`).
# `read(path)` gives back a file an earlier job of the plan wrote.
Write = Callable[[str, Iterable[bytes]], None]
Read = Callable[[str], bytes]


@dataclass(frozen=True)
class DataJob:
    """One or more data files made together: `paths`, and `run(write, read)` that writes them;
    `unit`: the unit whose own files they are (written with the unit's page in a build)."""

    paths: tuple[str, ...]
    run: Callable[[Write, Read], None]
    unit: str | None = None

    @classmethod
    def single(cls, path: str, make: Callable[[], bytes]) -> "DataJob":
        return cls((path,), lambda write, read: write(path, (make(),)))


def data_paths(plan: list[DataJob]) -> list[str]:
    """Every file the jobs write, in order."""
    return [path for job in plan for path in job.paths]


def data_bytes(plan: list[DataJob]) -> dict[str, bytes]:
    """The jobs run in memory, in order: each file's bytes, by path."""
    files: dict[str, bytes] = {}

    def write(path: str, chunks: Iterable[bytes]) -> None:
        files[path] = b"".join(chunks)

    for job in plan:
        job.run(write, files.__getitem__)
    return files


def data_files(ev: Evaluation, links: Links) -> dict[str, bytes]:
    """Machine-readable outputs beside the pages: JSON, CSV, the schema, snapshots and the review feed."""
    return data_bytes(data_plan(ev, links))


def data_plan(ev: Evaluation, links: Links) -> list[DataJob]:
    """The data files, in jobs (paths are known at once, contents made when a job runs):
    first each unit's own files (JSON and CSV), one job per unit in the units' order, then
    the organisation-wide ones; the organisation file last, made of the units' JSON files.

    Each unit is encoded once, for its own file and the organisation file, and never more
    than one unit is held (the organisation file of 10,000 units is half a gigabyte); a
    unit's job needs only that unit's results (a process rendering a unit's page writes
    its files, then may let the unit's results go).
    """
    sc = ev.scorecards
    frame = functools.cache(lambda: export.units_frame(export.evaluation_header(ev)))
    unit_paths = [links.data("units", f"{unit.id}.json") for unit in sc.units]

    def unit_files(unit_id: str, json_path: str, csv_path: str) -> Callable[[Write, Read], None]:
        def run(write: Write, read: Read) -> None:
            head, tail = frame()
            text = export.dumps(export.unit_json(ev, ev.units[unit_id]), compact=True)[:-1].encode("utf-8")
            write(json_path, (head, text, tail))
            write(csv_path, (export.to_csv(ev, [unit_id]).encode("utf-8"),))
        return run

    def organization(write: Write, read: Read) -> None:
        head, tail = frame()  # a unit's file is head, the unit, tail; the organisation's, head, the units, tail

        def chunks():
            yield head
            for index, path in enumerate(unit_paths):
                text = read(path)[len(head):-len(tail)]
                yield b"," + text if index else text
            yield tail

        write(links.data("organization.json"), chunks())

    plan = []
    for unit, json_path in zip(sc.units, unit_paths):
        csv_path = links.data("units", f"{unit.id}.csv")
        plan.append(DataJob((json_path, csv_path), unit_files(unit.id, json_path, csv_path), unit.id))
    plan.append(DataJob.single(links.data("evaluation.schema.json"),
                               lambda: schema_dumps(all_schemas()["evaluation"]).encode("utf-8")))
    for label, snapshot in sorted(sc.snapshots.items()):
        plan.append(DataJob.single(links.data("snapshots", f"{label}.json"),
                                   lambda snapshot=snapshot: export.dumps(snapshot, compact=True).encode("utf-8")))
    feed_src = links.feed()

    def from_feed(label: str) -> str:  # relative to the feed file's own URL, as Atom readers resolve it
        url = links.url_of(links.review(label))
        rel = posixpath.relpath(url or ".", posixpath.dirname(feed_src) or ".")
        return rel + "/" if url.endswith("/") else rel

    plan.append(DataJob.single(feed_src, lambda: review_feed(sc, from_feed, posixpath.basename(feed_src))))
    plan.append(DataJob((links.data("organization.json"),), organization))
    return plan


def _front_matter(title: str) -> str:
    """The page title, HTML-escaped, as MkDocs metadata.

    Material writes page.meta.title into <title> as it is; a title taken from the heading
    would be unescaped (striptags) on the way, so a name such as '</title><script>' would
    become markup. JSON is valid YAML, so json.dumps quotes it safely.
    """
    return f"---\ntitle: {json.dumps(html.escape(' '.join(title.split())))}\n---\n"


def _commentary_text(entries) -> str:
    """Review commentary as plain text, for the search index."""
    return " ".join(part for c in entries for part in (c.analysis, c.recommendation) if part)


def _perspective_rollup(result: UnitResult, perspective_id: str):
    for p in result.perspectives:
        if p.perspective.id == perspective_id and p.objectives:
            return p.rollup
    return None


def _rel_md(from_src: str, to_src: str) -> str:
    """A Markdown link target between two source files (MkDocs rewrites and checks it)."""
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def nav_tree(ev: Evaluation, links: Links) -> list:
    """MkDocs `nav` entries mirroring the unit hierarchy; each unit a section led by its page."""
    sc = ev.scorecards

    # Material prints nav titles as HTML: user text must arrive escaped
    def entry(unit: Unit):
        children = sc.children.get(unit.id, ())
        if not children:
            return {html.escape(unit.name): links.unit(unit.id)}
        return {html.escape(unit.name): [links.unit(unit.id)] + [entry(c) for c in children]}

    root = sc.root_unit
    tree = [entry(root)] if root else []
    themes = [{html.escape(t.name): links.theme(t.id)} for t in sc.organization.themes]
    reviews = [links.reviews(), {"What changed": links.changes()}] + [
        {f"{r.period.label} review": links.review(r.period.label)}
        for r in sorted(sc.reviews, key=lambda r: r.period, reverse=True)]
    return [{"Home": links.home()}] + tree + ([{"Strategic themes": themes}] if themes else []) + [
        {"Reviews": reviews},
        {"KPI catalogue": links.catalogue()}, {"Initiatives": links.initiatives()}, {"Owners": links.owners()},
    ]
