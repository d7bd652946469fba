"""The site plan: every generated page as Markdown, plus HTML fragments placed after conversion.

Heavy HTML (charts, maps, history tables) is not given to the Markdown converter or the
search index: the Markdown holds a marker comment and the fragment replaces it in the
finished page (`fill`). A generator without that hook can inline them (`inline=True`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markupsafe import Markup

from ..maps import LayoutStats, StrategyMap, line_of_sight_map, render_maps, theme_map, unit_map
from ..maps.graphviz import Graphviz
from ..model import Kpi, Objective, Unit
from ..status.evaluate import Evaluation, UnitResult
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
        }

    def _render(self, template: str, src: str, title: str, **context) -> GeneratedPage:
        slots = _Slots()
        markdown = self.env.get_template(template).render(**self._globals(src, slots), **context)
        return GeneratedPage(src, title, markdown, slots.fragments)

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
        return self._render(
            "unit.md.j2", self.links.unit(unit.id), unit.name,
            unit=unit, result=result, ancestors=self.sc.ancestors(unit.id),
            children=children, children_rows=[(0, c) for c in children], heat_columns=self.heat_columns,
            supported_by={o.id: self._supported_by.get((unit.id, o.id), []) for o in unit.objectives},
            drives=drives, last_update=latest.label if latest else None,
            map_html=self._map(self.links.unit(unit.id), unit_map, unit.id),
            line_of_sight=self._map(self.links.unit(unit.id), line_of_sight_map, unit.id),
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

    def pages(self) -> list[GeneratedPage]:
        """Every generated page, in a stable order, with its maps laid out."""
        out = [self.home_page()]
        out += [self.unit_page(u) for u in self.sc.units]
        out += [self.theme_page(t) for t in self.sc.organization.themes]
        out += [self.catalogue_page(), self.initiatives_page(), self.owners_page()]
        figures = render_maps(list(self.map_requests.values()), self.options.cache_dir, self.options.graphviz,
                              self.layout_stats) if self.map_requests else []
        by_request = dict(zip(self.map_requests, figures))
        for page in out:
            for marker, content in page.fragments.items():
                if isinstance(content, _MapRequest):
                    page.fragments[marker] = by_request[content.key]
        return out


def _perspective_rollup(result: UnitResult, perspective_id: str):
    for p in result.perspectives:
        if p.perspective.id == perspective_id and p.objectives:
            return p.rollup
    return None


def _rel_md(from_src: str, to_src: str) -> str:
    """A Markdown link target between two source files (MkDocs rewrites and checks it)."""
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def plan_site(ev: Evaluation, options: SiteOptions = SiteOptions()) -> list[GeneratedPage]:
    return SitePlanner(ev, options).pages()


def nav_tree(ev: Evaluation, links: Links) -> list:
    """MkDocs `nav` entries mirroring the unit hierarchy; each unit a section led by its page."""
    sc = ev.scorecards

    def entry(unit: Unit):
        children = sc.children.get(unit.id, ())
        if not children:
            return {unit.name: links.unit(unit.id)}
        return {unit.name: [links.unit(unit.id)] + [entry(c) for c in children]}

    root = sc.root_unit
    tree = [entry(root)] if root else []
    themes = [{t.name: links.theme(t.id)} for t in sc.organization.themes]
    return [{"Home": links.home()}] + tree + ([{"Strategic themes": themes}] if themes else []) + [
        {"KPI catalogue": links.catalogue()}, {"Initiatives": links.initiatives()}, {"Owners": links.owners()},
    ]
