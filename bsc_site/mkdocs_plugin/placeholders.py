"""A Python-Markdown extension that spares the generated pages' markers the inline patterns.

A generated page's Markdown holds a marker (`<!--bsc:N-->`, an HTML comment) where each
fragment goes: 36 on a unit page. Python-Markdown stashes each raw HTML block and leaves a
placeholder in a paragraph of its own; its inline processor then tries every inline
pattern on each placeholder, for nothing (a placeholder holds no Markdown), before the
raw HTML goes back in place of the paragraph. That is a seventh of the conversion of a
unit page. Marked atomic, a placeholder is passed over; the page comes out the same
(tested), with one exception for the better: a tree processor after the inline one that
skips atomic text (`abbr` with an abbreviation such as "5") no longer breaks a placeholder
apart, which used to leave it in the page and lose the fragment.

Only on the pages the plugin generates (`generated`, set by the plugin before MkDocs
converts each page): the site author's pages are converted as MkDocs alone would.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Markdown, util
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

NAME = "bsc_site.mkdocs_plugin.placeholders"  # as MkDocs' markdown_extensions names it

_PLACEHOLDER = re.compile(re.escape(util.HTML_PLACEHOLDER).replace("%s", r"\d+"))


class _State:
    generated = False  # whether the page being converted is one the plugin generated


state = _State()


class _AtomicPlaceholders(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        if not state.generated:
            return
        for element in root:
            text = element.text
            if element.tag == "p" and text and not len(element) and _PLACEHOLDER.fullmatch(text):
                element.text = util.AtomicString(text)


class PlaceholdersExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # before the inline processor (20), which passes atomic text over
        md.treeprocessors.register(_AtomicPlaceholders(md), "bsc_atomic_placeholders", 25)


def makeExtension(**kwargs) -> PlaceholdersExtension:  # noqa: N802 (Python-Markdown's name)
    return PlaceholdersExtension(**kwargs)
