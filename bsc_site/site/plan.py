"""The site plan: every generated page as Markdown, plus HTML fragments placed after conversion.

Heavy HTML (charts, maps, history tables) is not given to the Markdown converter or the
search index: the Markdown holds a marker comment and the fragment replaces it in the
finished page (`fill`). A generator without that hook can inline them (`inline=True`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markupsafe import Markup

from ..model import Initiative, Kpi, Objective, Unit
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


@dataclass(frozen=True)
class SiteOptions:
    links: Links = Links()
    templates: Path | None = None  # the site author's template overrides
    inline: bool = False  # put fragments straight into the Markdown
    maps: Callable[[str, object], str] | None = None  # (kind, subject) -> SVG/HTML, from the maps stage


class _Slots:
    def __init__(self, inline: bool):
        self.inline = inline
        self.fragments: dict[str, str] = {}

    def __call__(self, html: str) -> Markup:
        if not html:
            return Markup("")
        if self.inline:
            return Markup(html)
        key = str(len(self.fragments))
        self.fragments[key] = str(html)
        return Markup(MARKER.format(key))


class SitePlanner:
    """Renders the pages of one evaluation."""

    def __init__(self, ev: Evaluation, options: SiteOptions = SiteOptions()):
        self.ev = ev
        self.sc = ev.scorecards
        self.options = options
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
        slots = _Slots(self.options.inline)
        markdown = self.env.get_template(template).render(**self._globals(src, slots), **context)
        return GeneratedPage(src, title, markdown, slots.fragments)

    def _map(self, kind: str, subject: object) -> str:
        return self.options.maps(kind, subject) if self.options.maps else ""

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
            map_html=self._map("unit", result),
        )

    def home_page(self) -> GeneratedPage:
        root = self.sc.root_unit
        latest = max(self._latest.values(), default=None)
        return self._render(
            "home.md.j2", self.links.home(), self.sc.organization.name,
            units=self.sc.units, root=self.ev.units[root.id] if root else None,
            heat_rows=self._heat_rows(), heat_columns=self.heat_columns, themes=self.sc.organization.themes,
            last_update=latest.label if latest else None, map_html=self._map("enterprise", self.ev),
            catalogue_src=_rel_md(self.links.home(), self.links.catalogue()),
            initiatives_src=_rel_md(self.links.home(), self.links.initiatives()),
            owners_src=_rel_md(self.links.home(), self.links.owners()),
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

    def pages(self) -> list[GeneratedPage]:
        """Every generated page, in a stable order."""
        out = [self.home_page()]
        out += [self.unit_page(u) for u in self.sc.units]
        out += [self.catalogue_page(), self.initiatives_page(), self.owners_page()]
        return out


def _perspective_rollup(result: UnitResult, perspective_id: str):
    for p in result.perspectives:
        if p.perspective.id == perspective_id and p.objectives:
            return p.rollup
    return None


def _rel_md(from_src: str, to_src: str) -> str:
    """A Markdown link target between two source files (MkDocs rewrites and checks it)."""
    import posixpath

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
    return [{"Home": links.home()}] + tree + [
        {"KPI catalogue": links.catalogue()}, {"Initiatives": links.initiatives()}, {"Owners": links.owners()},
    ]
