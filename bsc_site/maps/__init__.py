"""Strategy maps: Graphviz layout of objectives and their links, as inline SVG figures."""

from __future__ import annotations

import html
from pathlib import Path

from .build import StrategyMap, decorate, line_of_sight_map, theme_map, unit_map
from .graphviz import Graphviz, GraphvizError, LayoutStats
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
    """Lay out every map (batched, cached) and return the finished figures, in order."""
    graphviz = graphviz or Graphviz()
    svgs = graphviz.layout([m.dot for m in maps], cache_dir, stats)
    return [figure(m, svg) for m, svg in zip(maps, svgs)]
