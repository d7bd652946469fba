"""Strategy maps: Graphviz layout of objectives and their links, as inline SVG figures."""

from __future__ import annotations

import functools
import hashlib
import html
from pathlib import Path

from .build import StrategyMap, decorate, line_of_sight_map, theme_map, unit_map
from . import cache
from .graphviz import Graphviz, GraphvizError, LayoutStats, layout_key
from .svg import finish_svg

__all__ = ["Graphviz", "GraphvizError", "LayoutStats", "StrategyMap", "line_of_sight_map", "render_maps",
           "theme_map", "unit_map"]

LEGEND = (
    '<p class="bsc-map__legend" aria-hidden="true">'
    '<span class="bsc-status bsc-status--on-track">✔ On track</span> '
    '<span class="bsc-status bsc-status--at-risk">! At risk</span> '
    '<span class="bsc-status bsc-status--off-track">✖ Off track</span> '
    '<span class="bsc-status bsc-status--no-data">– No data</span> '
    '<span class="bsc-map__arrow">→ {arrow}</span></p>'
)


def figure(m: StrategyMap, svg: str) -> str:
    """The finished figure: the drawing, a legend and the map as text."""
    arrow = "supports" if m.key.startswith("los:") else "drives (cause → effect)"
    body = finish_svg(decorate(svg, m), label=m.label, description=m.description, titles=m.titles)
    return (f'<figure class="bsc-map" data-map="{html.escape(m.key)}">'
            f'<div class="bsc-map__scroll">{body}</div>'
            f"<figcaption>{html.escape(m.label)}{LEGEND.format(arrow=html.escape(arrow))}</figcaption>"
            f"{m.text_html}</figure>")


def render_maps(maps: list[StrategyMap], cache_dir: Path | None, graphviz: Graphviz | None = None,
                stats: LayoutStats | None = None) -> list[str]:
    """Lay out every map (batched, cached) and return the finished figures, in order.

    A finished figure is cached too, by what the map is drawn from, the Graphviz version
    and this package's code: an unchanged map skips its DOT source, layout and finishing.
    """
    graphviz = graphviz or Graphviz()
    stats = stats if stats is not None else LayoutStats()
    figures: list[str | None] = [None] * len(maps)
    keys = [_figure_key(m, graphviz) for m in maps] if cache_dir is not None else [None] * len(maps)
    todo = []
    for i, key in enumerate(keys):
        cached = cache.read_figure(cache_dir, key)
        if cached is not None:
            figures[i] = cached
            stats.cached += 1
        else:
            todo.append(i)
    sources = [maps[i].dot for i in todo]
    layout_keys = [layout_key(graphviz.version(), source) for source in sources] if sources else []
    svgs = graphviz.layout(sources, cache_dir, stats, layout_keys)
    for i, svg, layout in zip(todo, svgs, layout_keys):
        figures[i] = figure(maps[i], svg)
        if cache_dir is not None:
            cache.store_figure(cache_dir, keys[i], layout, figures[i])
    return figures


@functools.cache
def _code_version() -> str:
    """A digest of the code that turns a map's inputs into a figure."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _figure_key(m: StrategyMap, graphviz: Graphviz) -> str:
    return hashlib.sha256(f"{_code_version()}\n{graphviz.version()}\n{m.fingerprint}".encode()).hexdigest()

