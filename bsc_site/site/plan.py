"""The site plan: every generated page as Markdown, plus HTML fragments placed after conversion.

Heavy HTML (charts, maps, history tables) is not given to the Markdown converter or the
search index: the Markdown holds a marker comment and the fragment replaces it in the
finished page (`fill`). A generator without that hook can inline them (`inline=True`).
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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

MARKER = "<!--bsc:{}-->"
_MARKER = re.compile(r"<!--bsc:(\d+)-->")


@dataclass
class GeneratedPage:
    """One page: its docs-relative path, Markdown, and fragments keyed by marker number."""

    path: str
    title: str
    markdown: str
    fragments: dict[str, str] = field(default_factory=dict)

    def fill(self, html: str) -> str:
        """Put the fragments in place of their markers in the converted page."""
        if not self.fragments:
            return html
        return _MARKER.sub(lambda m: self.fragments.get(m.group(1), ""), html)


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


@dataclass(frozen=True)
class _MapRequest:
    key: str


class _Slots:
    """Collects a page's fragments; each becomes a marker in the Markdown."""

    def __init__(self) -> None:
        self.fragments: dict[str, object] = {}

    def __call__(self, content: object) -> Markup:
        if not content:
            return Markup("")
        key = str(len(self.fragments))
        self.fragments[key] = content if isinstance(content, _MapRequest) else str(content)
        return Markup(MARKER.format(key))


class SitePlanner:
    """Renders the pages of one evaluation."""

    def __init__(self, ev: Evaluation, options: SiteOptions = SiteOptions()):
        self.ev = ev
        self.sc = ev.scorecards
        self.options = options
        self.map_requests: dict[str, StrategyMap] = {}
        self.layout_stats = LayoutStats()
        self.links = options.links
        self.env = environment(options.templates)
        org = self.sc.organization
        self._themes = {t.id: t.name for t in org.themes}
        self._perspective_names = {p.id: p.name for p in org.perspectives}
        for u in self.sc.units:
            for extra in u.extra_perspectives:
                self._perspective_names.setdefault(extra.perspective.id, extra.perspective.name)
        self._supported_by: dict[tuple[str, str], list[tuple[Unit, Objective]]] = {}
        for u in self.sc.units:
            for o in u.objectives:
                for link in o.supports:
                    self._supported_by.setdefault((u.parent, link.target), []).append((u, o))
        self._last_update: dict[str, str | None] = {}
        latest: dict[str, object] = {}
        for a in self.sc.actuals:
            if a.value is not None and a.period.end <= ev.period.end:
                if a.unit_id not in latest or latest[a.unit_id] < a.period:
                    latest[a.unit_id] = a.period
        self._latest = latest
        self.heat_columns = list(org.perspectives) + [
            e.perspective for u in self.sc.units for e in u.extra_perspectives
        ]
        seen = set()
        self.heat_columns = [p for p in self.heat_columns if not (p.id in seen or seen.add(p.id))]

    # -- shared template helpers ---------------------------------------------------------
    def _globals(self, src: str, slots: _Slots) -> dict:
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
            "period": self.ev.period,
            "org": sc.organization,
            "review_href": lambda label: links.href(src, links.review(label)),
        }

    def _render(self, template: str, src: str, title: str, **context) -> GeneratedPage:
        slots = _Slots()
        markdown = self.env.get_template(template).render(**self._globals(src, slots), **context)
        return GeneratedPage(src, title, _front_matter(title) + markdown, slots.fragments)

    def _map(self, src: str, build: Callable[..., StrategyMap | None], *args) -> _MapRequest | None:
        """Ask for a map on page `src`; it is laid out with all the others after rendering."""
        if not self.options.maps:
            return None

        def href(unit_id: str, anchor: str) -> str:
            return self.links.href(src, self.links.unit(unit_id), anchor)

        strategy_map = build(self.ev, *args, href)
        if strategy_map is None:
            return None
        key = f"{src}|{strategy_map.key}"
        self.map_requests[key] = strategy_map
        return _MapRequest(key)

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
        commentary = [c for c in review.commentary if c.subject.unit_id == unit.id] if review else []
        kpi_names = {k.id: k.name for k in unit.kpis}
        kpi_objective = {k.id: k.objective_id for k in unit.kpis}

        def objective_commentary(objective_id: str) -> list:
            out = [("", c) for c in commentary if c.subject.objective_id == objective_id]
            out += [(kpi_names.get(c.subject.kpi_id, c.subject.kpi_id), c) for c in commentary
                    if c.subject.kpi_id and kpi_objective.get(c.subject.kpi_id) == objective_id]
            return out

        actions = [(r, a) for r in self.sc.reviews if r.period <= self.ev.period for a in r.actions
                   if a.unit_id == unit.id]
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
            line_of_sight=self._map(src, line_of_sight_map, unit.id),
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
        ev = self.ev if review.period == self.ev.period else evaluate(self.sc, review.period)
        src = self.links.review(review.period.label)
        planner = self if ev is self.ev else SitePlanner(ev, self.options)
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
        commentary = []
        for unit in self.sc.units:
            entries = []
            for c in review.commentary:
                if c.subject.unit_id != unit.id:
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
        root = self.sc.root_unit
        snapshot = review.period.label in self.sc.snapshots
        return planner._render(
            "review.md.j2", src, f"{review.period.label} review", review=review,
            changes=changes(ev, self._previous_snapshot(ev)), heat_rows=planner._heat_rows(),
            heat_columns=self.heat_columns, overrides=overrides, commentary=commentary,
            actions=[(review, a) for a in review.actions], day=review_day(self.sc, review.period),
            map_html=self._map_for(planner, src, root.id) if root else None,
            snapshot_href=self.links.file_href(src, self.links.data("snapshots", f"{review.period.label}.json"))
            if snapshot else None,
            reviews_href=self.links.href(src, self.links.reviews()),
        )

    def _map_for(self, planner: "SitePlanner", src: str, unit_id: str):
        request = planner._map(src, unit_map, unit_id)
        if request is not None and planner is not self:
            self.map_requests[request.key] = planner.map_requests.pop(request.key)
        return request

    def pages(self) -> list[GeneratedPage]:
        """Every generated page, in a stable order, with its maps laid out."""
        out = [self.home_page()]
        out += [self.unit_page(u) for u in self.sc.units]
        out += [self.theme_page(t) for t in self.sc.organization.themes]
        out += [self.catalogue_page(), self.initiatives_page(), self.owners_page()]
        out += [self.changes_page(), self.reviews_page()]
        out += [self.review_page(r) for r in self.sc.reviews]
        figures = render_maps(list(self.map_requests.values()), self.options.cache_dir, self.options.graphviz,
                              self.layout_stats) if self.map_requests else []
        by_request = dict(zip(self.map_requests, figures))
        for page in out:
            for marker, content in page.fragments.items():
                if isinstance(content, _MapRequest):
                    page.fragments[marker] = by_request[content.key]
        return out


@dataclass(frozen=True)
class _Named:
    name: str
    status: object
    computed: object


def data_files(ev: Evaluation, links: Links) -> dict[str, bytes]:
    """Machine-readable outputs beside the pages: JSON, CSV, the schema, snapshots and the review feed."""
    sc = ev.scorecards
    files: dict[str, bytes] = {}
    whole = export.evaluation_json(ev)
    files[links.data("organization.json")] = export.dumps(whole, compact=True).encode("utf-8")
    for unit_json in whole["units"]:
        single = {k: v for k, v in whole.items() if k != "units"}
        single["units"] = [unit_json]
        files[links.data("units", f"{unit_json['id']}.json")] = export.dumps(single, compact=True).encode("utf-8")
        files[links.data("units", f"{unit_json['id']}.csv")] = export.to_csv(ev, [unit_json["id"]]).encode("utf-8")
    files[links.data("evaluation.schema.json")] = schema_dumps(all_schemas()["evaluation"]).encode("utf-8")
    for label, snapshot in sorted(sc.snapshots.items()):
        files[links.data("snapshots", f"{label}.json")] = export.dumps(snapshot, compact=True).encode("utf-8")
    feed_src = links.feed()
    def from_feed(label: str) -> str:  # relative to the feed file's own URL, as Atom readers resolve it
        url = links.url_of(links.review(label))
        rel = posixpath.relpath(url or ".", posixpath.dirname(feed_src) or ".")
        return rel + "/" if url.endswith("/") else rel

    files[feed_src] = review_feed(sc, from_feed, posixpath.basename(feed_src))
    return files


def _front_matter(title: str) -> str:
    """The page title, HTML-escaped, as MkDocs metadata.

    Material writes page.meta.title into <title> as it is; a title taken from the heading
    would be unescaped (striptags) on the way, so a name such as '</title><script>' would
    become markup. JSON is valid YAML, so json.dumps quotes it safely.
    """
    return f"---\ntitle: {json.dumps(html.escape(' '.join(title.split())))}\n---\n"


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
