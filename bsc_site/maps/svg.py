"""Turn Graphviz's SVG into an inline, accessible, palette-aware figure."""

from __future__ import annotations

import html
import re

_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)
_ID = re.compile(r' id="[^"]*"')
_LINK_TITLE = re.compile(r' xlink:title="[^"]*"')
_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_TITLE = re.compile(r"<title>(.*?)</title>\n?", re.DOTALL)


def finish_svg(svg: str, *, label: str, description: str, titles: dict[str, str]) -> str:
    """Strip Graphviz's scaffolding and name the figure for assistive technology.

    `titles` maps Graphviz's element names (node and edge ids as written in the DOT
    source) to the tooltip each element should carry; other titles are dropped.
    """
    svg = _PROLOG.sub("", svg, count=1)
    svg = _COMMENT.sub("", svg)
    svg = _ID.sub("", svg)
    svg = _LINK_TITLE.sub("", svg)
    svg = svg.replace("&#45;", "-")

    def title(match: re.Match) -> str:
        name = html.unescape(match.group(1))
        text = titles.get(name)
        return f"<title>{html.escape(text, quote=False)}</title>\n" if text else ""

    svg = _TITLE.sub(title, svg)
    size = _SIZE.search(svg)
    width, height = (float(size.group(1)), float(size.group(2))) if size else (0.0, 0.0)
    # A wide map may shrink to fit the column, but not below 60 % (about 9 px text); past
    # that its box scrolls sideways instead.
    head = (f'<svg class="bsc-map__svg" width="{width * 4 / 3:.0f}" height="{height * 4 / 3:.0f}" '
            f'style="min-width:{min(width * 4 / 3, 720) * 0.6:.0f}px" role="img" aria-label="{html.escape(label)}"')
    svg = _SIZE.sub(lambda _: head, svg, count=1)  # a function: a '\\N' or '\\1' in a name is no group reference
    open_end = svg.index(">", svg.index("<svg")) + 1
    svg = (svg[:open_end] + f"\n<title>{html.escape(label, quote=False)}</title>"
           f"\n<desc>{html.escape(description, quote=False)}</desc>" + svg[open_end:])
    return svg.strip() + "\n"
