"""Strategy maps as Graphviz graphs: horizontal bands, objectives as nodes, links as arrows.

Every map is a stack of bands (perspectives, or units for a line-of-sight map), top band
first. Graphviz ranks each band as one row (`rank=same`), a plaintext label node opens
each row, and invisible edges fix the order of rows and, where strategic themes exist,
of theme columns within each row. Band stripes and theme columns are painted behind the
nodes afterwards (`decorate`), from the positions Graphviz chose.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import pydot

from ..status.evaluate import Evaluation, ObjectiveResult
from ..status.scoring import Status

Href = Callable[[str, str], str]  # (unit id, anchor) -> URL relative to the page showing the map


@dataclass
class MapNode:
    name: str
    title: str
    status: Status
    score: float | None
    href: str
    tooltip: str
    subtitle: str = ""
    theme: str | None = None
    overridden: bool = False


@dataclass
class Band:
    id: str
    label: str
    nodes: list[MapNode] = field(default_factory=list)


@dataclass(frozen=True)
class MapEdge:
    tail: str
    head: str
    kind: str  # drives | supports
    tooltip: str
    upward: bool = True


class StrategyMap:
    """A map ready for layout: DOT source plus what is needed to finish and describe it.

    The DOT source (pydot) is made when first asked for: a map whose finished figure is
    cached by its `fingerprint` never needs it.
    """

    def __init__(self, key: str, label: str, description: str, bands: list[Band], edges: list[MapEdge],
                 themes: list[tuple[str, str]] | None):
        self.key, self.label, self.description = key, label, description
        self._inputs = (bands, edges, themes)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of everything the map is drawn from."""
        return hashlib.sha256(repr((self.key, self.label, self.description, self._inputs)).encode()).hexdigest()

    @functools.cached_property
    def _graph(self) -> tuple[str, dict[str, str], list, list]:
        return _make(*self._inputs)

    @property
    def dot(self) -> str:
        return self._graph[0]

    @property
    def titles(self) -> dict[str, str]:
        return self._graph[1]

    @property
    def bands(self) -> list[tuple[str, list[str]]]:
        """Band label node and node names, per band: for painting stripes."""
        return self._graph[2]

    @property
    def themes(self) -> list[tuple[str, str, list[str]]]:
        """Header node, theme name and node names, per theme column."""
        return self._graph[3]

    @property
    def text_html(self) -> str:
        return _text_alternative(*self._inputs[:2])


def _label(node: MapNode) -> str:
    lines = textwrap.wrap(node.title, 22, break_long_words=True) or [""]
    rows = "".join(f'<TR><TD><B>{html.escape(line)}</B></TD></TR>' for line in lines)
    if node.subtitle:
        rows += f'<TR><TD><FONT POINT-SIZE="9">{html.escape(node.subtitle)}</FONT></TD></TR>'
    score = f" · {node.score:.1f}" if node.score is not None else " (set by review)" if node.overridden else ""
    rows += f'<TR><TD><FONT POINT-SIZE="10">{html.escape(node.status.icon)} {html.escape(node.status.label)}{score}</FONT></TD></TR>'
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>'


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quote_label(text: str) -> str:
    """A plain label: Graphviz reads character references in it ('&amp;' would show as '&'),
    so each '&' is written as one, and the text shows as written."""
    return _quote(text.replace("&", "&amp;"))


class _Dot:
    """An attribute value already written as DOT.

    pydot writes a value that is not a string as it is, and scans a string character by
    character to decide whether to quote it: most of the time of building a map went into
    that scan. Quoted texts and HTML labels, as `_quote` and `_label` write them, it leaves as
    they are, and the short values that repeat are quoted by pydot itself, once (`_attr`):
    the DOT is the same.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


@functools.lru_cache(maxsize=4096)
def _attr(value: str) -> _Dot:
    """A repeated attribute value (a class, a weight) as pydot quotes it."""
    return _Dot(pydot.quote_attr_if_necessary(value))


def _attrs(**values: str) -> dict[str, _Dot]:
    return {name: value if isinstance(value, _Dot) else _attr(value) for name, value in values.items()}


def _make(bands: list[Band], edges: list[MapEdge], themes: list[tuple[str, str]] | None):
    """The DOT source, the titles of nodes and edges, band rows and theme columns."""
    graph = pydot.Dot(graph_type="digraph", graph_name="map", rankdir="BT", bgcolor="transparent",
                      newrank="true", nodesep="0.25", ranksep="0.5", fontname="Helvetica", splines="true")
    graph.set_node_defaults(shape="box", style="filled", fontname="Helvetica", fontsize="11", margin="0.12,0.06",
                            fillcolor="white", color="#57606a", penwidth="1.2")
    graph.set_edge_defaults(color="#57606a", arrowsize="0.7", penwidth="1.1")
    titles: dict[str, str] = {}
    theme_order = {t: i for i, (t, _) in enumerate(themes or [])}
    band_nodes: list[tuple[str, list[str]]] = []
    for i, band in enumerate(bands):
        label_node = f"b{i}"
        row = pydot.Subgraph(f"row{i}", rank="same")
        row.add_node(pydot.Node(label_node, **_attrs(label=_Dot(_quote_label(band.label)), shape="plaintext", style="solid",
                                                     fontsize="12", fontname="Helvetica-Bold",
                                                     **{"class": "bsc-band-label"})))
        ordered = sorted(band.nodes, key=lambda n: theme_order.get(n.theme, len(theme_order))) if themes else band.nodes
        for node in ordered:
            attrs = {"label": _Dot(_label(node)), "class": _attr(f"bsc-node bsc-node--{node.status.value}")}
            if node.href:
                attrs["URL"] = _Dot(_quote(node.href))
            if node.theme and themes:
                attrs["group"] = _attr(f"t{theme_order.get(node.theme, 0)}")
            row.add_node(pydot.Node(node.name, **attrs))
            titles[node.name] = node.tooltip
        graph.add_subgraph(row)
        chain = [label_node] + [n.name for n in ordered]
        for a, b in zip(chain, chain[1:]):
            graph.add_edge(pydot.Edge(a, b, **_attrs(style="invis", weight="2")))
        band_nodes.append((label_node, [n.name for n in ordered]))
    for upper, lower in zip(band_nodes, band_nodes[1:]):
        graph.add_edge(pydot.Edge(lower[0], upper[0], **_attrs(style="invis", weight="10")))
    theme_headers: list[tuple[str, str, list[str]]] = []
    if themes:
        header_row = pydot.Subgraph("themes", rank="same")
        used = [(t, name) for t, name in themes if any(n.theme == t for b in bands for n in b.nodes)]
        header_row.add_node(pydot.Node("h_", label='""', shape="plaintext", style="solid", width="0"))
        for t, name in used:
            members = [n.name for b in bands for n in b.nodes if n.theme == t]
            header = f"h{theme_order[t]}"
            header_row.add_node(pydot.Node(header, label=_quote_label("\n".join(textwrap.wrap(name, 22))),
                                           shape="plaintext", style="solid", fontname="Helvetica-Bold",
                                           fontsize="11", group=f"t{theme_order[t]}",
                                           **{"class": "bsc-theme-label"}))
            theme_headers.append((header, name, members))
            # one invisible chain per theme from the bottom band to its header keeps the column straight
            column = [n.name for b in reversed(bands) for n in b.nodes if n.theme == t] + [header]
            for lower, upper in zip(column, column[1:]):
                graph.add_edge(pydot.Edge(lower, upper, **_attrs(style="invis", weight="8")))
        graph.add_subgraph(header_row)
        chain = ["h_"] + [h for h, _, _ in theme_headers]
        for a, b in zip(chain, chain[1:]):
            graph.add_edge(pydot.Edge(a, b, style="invis"))
        if band_nodes:
            graph.add_edge(pydot.Edge(band_nodes[0][0], "h_", style="invis"))
    for edge in edges:
        attrs = {"class": _attr(f"bsc-edge bsc-edge--{edge.kind}")}
        if not edge.upward:
            attrs["constraint"] = _attr("false")
        graph.add_edge(pydot.Edge(edge.tail, edge.head, **attrs))
        titles[f"{edge.tail}->{edge.head}"] = edge.tooltip
    return graph.to_string(), titles, band_nodes, theme_headers


def _text_alternative(bands: list[Band], edges: list[MapEdge]) -> str:
    by_name = {n.name: n for b in bands for n in b.nodes}
    out = ['<details class="bsc-map__text"><summary>The map as text</summary><ul>']
    for band in bands:
        out.append(f"<li><strong>{html.escape(band.label)}</strong>")
        if band.nodes:
            out.append("<ul>")
            for n in band.nodes:
                links = [by_name[e.head] for e in edges if e.tail == n.name and e.head in by_name]
                verb = {"drives": "drives", "supports": "supports"}
                kinds = {e.head: e.kind for e in edges if e.tail == n.name}
                text = (f'<a href="{html.escape(n.href)}">{html.escape(n.title)}</a>'
                        f"{' (' + html.escape(n.subtitle) + ')' if n.subtitle else ''}: "
                        f"{html.escape(n.status.label)}")
                if links:
                    text += "; " + "; ".join(f"{verb[kinds[l.name]]} {html.escape(l.title)}" for l in links)
                out.append(f"<li>{text}</li>")
            out.append("</ul>")
        else:
            out.append(" (no objectives)")
        out.append("</li>")
    out.append("</ul></details>")
    return "".join(out)


def _node(name: str, o: ObjectiveResult, href: str, subtitle: str = "") -> MapNode:
    r = o.rollup
    tooltip = f"{o.objective.name}: {r.status.label}. {r.explanation}"
    score = None if r.override else r.score  # the score belongs to the computed status, not the review's
    return MapNode(name, o.objective.name, r.status, score, href, tooltip, subtitle, o.objective.theme,
                   overridden=r.override is not None)


def unit_map(ev: Evaluation, unit_id: str, href: Href, key: str | None = None) -> StrategyMap:
    """The unit's objectives in its perspective bands, with its cause-and-effect links."""
    sc = ev.scorecards
    result = ev.units[unit_id]
    unit = result.unit
    names = {o.id: f"n{i}" for i, o in enumerate(unit.objectives)}
    bands = []
    order = {}
    for i, p in enumerate(result.perspectives):
        order[p.perspective.id] = i
        bands.append(Band(p.perspective.id, p.perspective.name,
                          [_node(names[o.objective.id], o, href(unit_id, f"objective-{o.objective.id}"))
                           for o in p.objectives]))
    edges = []
    for o in unit.objectives:
        for link in o.drives:
            target = unit.objective(link.target)
            if target is None or o.perspective not in order or target.perspective not in order:
                continue
            edges.append(MapEdge(names[o.id], names[target.id], "drives", f"{o.name} drives {target.name}",
                                 upward=order[target.perspective] < order[o.perspective]))
    themes = [(t.id, t.name) for t in sc.organization.themes]
    uses_themes = any(o.theme for o in unit.objectives)
    count = len(unit.objectives)
    label = f"Strategy map of {unit.name}: {count} objective{'s' * (count != 1)} in {len(bands)} perspectives"
    description = (f"Objectives of {unit.name} in bands from {bands[0].label if bands else ''} at the top to "
                   f"{bands[-1].label if bands else ''} at the bottom; arrows run from cause to effect."
                   + (" Columns group the objectives by strategic theme." if uses_themes else ""))
    return StrategyMap(key or f"unit:{unit_id}", label, description, bands, edges, themes if uses_themes else None)


def line_of_sight_map(ev: Evaluation, unit_id: str, href: Href, levels: int = 2) -> StrategyMap | None:
    """This unit's objectives and the parent and grandparent objectives they support."""
    sc = ev.scorecards
    chain = [sc.unit(unit_id)]
    while len(chain) <= levels and chain[-1].parent:
        chain.append(sc.unit(chain[-1].parent))
    if len(chain) < 2:
        return None
    names: dict[tuple[str, str], str] = {}
    keep: dict[str, set[str]] = {chain[0].id: {o.id for o in chain[0].objectives}}
    edges = []
    for child, parent in zip(chain, chain[1:]):
        keep.setdefault(parent.id, set())
        for o in child.objectives:
            if o.id not in keep[child.id]:
                continue
            for link in o.supports:
                if parent.objective(link.target):
                    keep[parent.id].add(link.target)
    for level, unit in enumerate(chain):
        for o in unit.objectives:
            if o.id in keep[unit.id]:
                names[(unit.id, o.id)] = f"n{len(names)}"
    for child, parent in zip(chain, chain[1:]):
        for o in child.objectives:
            for link in o.supports:
                a, b = names.get((child.id, o.id)), names.get((parent.id, link.target))
                if a and b:
                    edges.append(MapEdge(a, b, "supports", f"{o.name} ({child.name}) supports "
                                         f"{parent.objective(link.target).name} ({parent.name})"))
    bands = []
    for unit in reversed(chain):
        result = ev.units[unit.id]
        nodes = [_node(names[(unit.id, o.id)], result.objectives[o.id], href(unit.id, f"objective-{o.id}"))
                 for o in unit.objectives if (unit.id, o.id) in names]
        bands.append(Band(unit.id, unit.name, nodes))
    label = f"Line of sight from {chain[0].name} up to {chain[-1].name}"
    description = (f"How the objectives of {chain[0].name} support the objectives of "
                   + " and ".join(u.name for u in chain[1:]) + "; arrows point to the objective supported.")
    return StrategyMap(f"los:{unit_id}", label, description, bands, edges, None)


MAX_THEME_NODES = 40  # beyond this a map stops being readable; the theme page's table lists everything


def theme_map(ev: Evaluation, theme_id: str, href: Href, max_nodes: int = MAX_THEME_NODES) -> StrategyMap:
    """One theme's objectives across units, in perspective bands: as many levels of the
    hierarchy as fit in `max_nodes` objectives (always the enterprise)."""
    sc = ev.scorecards
    theme = next(t for t in sc.organization.themes if t.id == theme_id)
    depth: dict[str, int] = {}
    perspectives = list(sc.organization.perspectives)
    by_depth: dict[int, list] = {}
    for unit in sc.units:
        depth[unit.id] = depth[unit.parent] + 1 if unit.parent in depth else 0
        for o in unit.objectives:
            if o.theme == theme_id:
                by_depth.setdefault(depth[unit.id], []).append((unit, o))
    members: list = []
    levels = 0
    for level in sorted(by_depth):
        if members and len(members) + len(by_depth[level]) > max_nodes:
            break
        members += by_depth[level]
        levels = level + 1
    shown = {u.id for u, _ in members}
    for unit in sc.units:
        if unit.id not in shown:
            continue
        for extra in unit.extra_perspectives:
            ids = [p.id for p in perspectives]
            if extra.perspective.id not in ids:
                at = ids.index(extra.after) + 1 if extra.after in ids else len(ids)
                perspectives.insert(at, extra.perspective)
    position = {u.id: i for i, u in enumerate(sc.units)}
    members.sort(key=lambda pair: position[pair[0].id])
    names = {(u.id, o.id): f"n{i}" for i, (u, o) in enumerate(members)}
    bands = [Band(p.id, p.name, [_node(names[(u.id, o.id)], ev.units[u.id].objectives[o.id],
                                       href(u.id, f"objective-{o.id}"), u.name)
                                 for u, o in members if o.perspective == p.id]) for p in perspectives]
    order = {p.id: i for i, p in enumerate(perspectives)}
    edges = []
    for u, o in members:
        for link in o.drives:
            if (u.id, link.target) in names:
                target = u.objective(link.target)
                edges.append(MapEdge(names[(u.id, o.id)], names[(u.id, link.target)], "drives",
                                     f"{o.name} drives {target.name}",
                                     upward=order.get(target.perspective, 0) < order.get(o.perspective, 0)))
        for link in o.supports:
            if (u.parent, link.target) in names:
                parent = sc.unit(u.parent)
                target = parent.objective(link.target)
                edges.append(MapEdge(names[(u.id, o.id)], names[(u.parent, link.target)], "supports",
                                     f"{o.name} ({u.name}) supports {target.name} ({parent.name})",
                                     upward=order.get(target.perspective, 0) < order.get(o.perspective, 0)))
    total = sum(len(v) for v in by_depth.values())
    label = f"Strategic theme {theme.name}: {len(members)} objectives" + (
        f" of {total}, from the top {levels} level{'s' * (levels != 1)} of the organisation" if total > len(members)
        else "")
    description = (f"The objectives of the theme {theme.name} across units, in perspective bands; arrows show "
                   "cause and effect within a unit and support between units.")
    return StrategyMap(f"theme:{theme_id}", label, description, bands, edges, None)


# -- painting bands and theme columns behind the nodes ---------------------------------------

_ELEMENT = re.compile(r'(<g [^>]*class="([^"]*)"[^>]*>\s*<title>(.*?)</title>)', re.DOTALL)
_POINTS = re.compile(r'<polygon[^>]*points="([^"]+)"')
_TEXT = re.compile(r'<text[^>]*x="([-\d.]+)" y="([-\d.]+)"')
_BACKGROUND = re.compile(r'(<g [^>]*class="graph"[^>]*>\s*<title>.*?</title>)', re.DOTALL)


def _boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """Each node's bounding box (x0, y0, x1, y1) in the graph's coordinates."""
    boxes = {}
    parts = _ELEMENT.split(svg)
    # split() yields: text, whole header, class, title, body, whole header, class, title, body, ...
    for i in range(1, len(parts) - 3, 4):
        classes, name, body = parts[i + 1], parts[i + 2], parts[i + 3]
        if not classes.startswith("node"):
            continue
        xs: list[float] = []
        ys: list[float] = []
        points = _POINTS.search(body)
        if points:
            for pair in points.group(1).split():
                x, y = pair.split(",")
                xs.append(float(x))
                ys.append(float(y))
        else:  # plaintext nodes: use their text anchor points
            for x, y in _TEXT.findall(body):
                xs.append(float(x))
                ys.append(float(y))
        if xs:
            boxes[html.unescape(name)] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def decorate(svg: str, m: StrategyMap) -> str:
    """Paint a stripe per band and a column per theme beneath the drawing."""
    boxes = _boxes(svg)
    view = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', svg)
    translate = re.search(r'translate\(([-\d.]+) ([-\d.]+)\)', svg)
    if not view or not translate:
        return svg
    width = float(view.group(3))
    tx = float(translate.group(1))
    left, right = -tx + 2, width - tx - 2
    shapes = []
    for i, (label_node, nodes) in enumerate(m.bands):
        members = [boxes[n] for n in nodes + [label_node] if n in boxes]
        if not members:
            continue
        y0 = min(b[1] for b in members) - 8
        y1 = max(b[3] for b in members) + 8
        shapes.append(f'<rect class="bsc-band bsc-band--{i % 2}" x="{left:.1f}" y="{y0:.1f}" '
                      f'width="{right - left:.1f}" height="{y1 - y0:.1f}" rx="4"/>')
    if m.themes and m.bands:
        all_boxes = [boxes[n] for _, nodes in m.bands for n in nodes if n in boxes]
        if all_boxes:
            bottom = max(b[3] for b in all_boxes) + 4
            columns = []
            for header, _, members in m.themes:
                member_boxes = [boxes[n] for n in members if n in boxes]
                if header in boxes:
                    member_boxes.append(boxes[header])
                if member_boxes:
                    columns.append([min(b[0] for b in member_boxes) - 6, max(b[2] for b in member_boxes) + 6,
                                    min(b[1] for b in member_boxes) - 14])
            for a, b in zip(columns, columns[1:]):  # neighbours share a border rather than overlap
                if a[1] > b[0] - 4:
                    middle = (a[1] + b[0]) / 2
                    a[1], b[0] = middle - 2, middle + 2
            for i, (x0, x1, y0) in enumerate(columns):
                if x1 > x0:
                    shapes.append(f'<rect class="bsc-theme bsc-theme--{i % 4}" x="{x0:.1f}" y="{y0:.1f}" '
                                  f'width="{x1 - x0:.1f}" height="{bottom - y0:.1f}" rx="6"/>')
    if not shapes:
        return svg
    return _BACKGROUND.sub(lambda match: match.group(1) + "\n" + "\n".join(shapes), svg, count=1)
