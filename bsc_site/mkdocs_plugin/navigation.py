"""Material's pruned navigation, handed to each page without every section's children.

With the theme feature `navigation.prune`, Material writes out expanded only the sections
a page needs (those on the way to it, and those the `navigation.sections` and
`navigation.tabs` features always show); every other section becomes one link to its first
page. Yet its template loops over the children of every section it shows, expanded or not,
looking for the section's index page: a page's navigation costs the sizes of all the
sections it shows, so the pages of an organisation with f units under each unit cost f²
each (22 units a unit at 10,000 units: most of the theme's time per page).

`PrunedNavigation.for_page()` gives the page the same navigation with each collapsed
section's children after the first (which is all the template reads of it) replaced by a
stand-in whose `is_index` is a plain False, and each expanded section holding its children
so treated. The loop still runs once per child (its whitespace is in the page), but asks
MkDocs' `Page.is_index` only of the first: the pages come out byte for byte the same
(tested: the example site built both ways). Only for Material's own navigation templates:
a site overriding them may read more of each section.

Even so, a page's navigation lists the siblings of every section on the way to it, which
grows with the organisation's fan-out (38 entries a page at 10,000 units, 19 at 1,000), and
each entry costs the theme ≈ 50 µs. An entry that is not on the way to the page (a collapsed
section, a page or link that is not this one) comes out the same on every page from which
its link is the same relative URL: `install()` has Material's `render` macro
(partials/nav-item.html) take such an entry's HTML from `rendered`, made once, by the
macro itself. Byte for byte the same pages (the same test).
"""

from __future__ import annotations

import copy
from pathlib import Path

import jinja2
import material as material_package
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.utils import normalize_url
from mkdocs.utils.templates import url_filter

# Material's templates that walk the navigation: overriding any of them turns this off
_TEMPLATES = ("partials/nav.html", "partials/nav-item.html", "partials/tabs.html", "partials/tabs-item.html",
              "partials/path.html", "partials/path-item.html")


class _Unread:
    """A collapsed section's child after the first that is not an index page: Material's
    template only asks whether it is the section's index page."""

    is_index = False
    is_section = is_page = is_link = active = False


class _UnreadIndex(_Unread):
    """A collapsed section's child after the first that is an index page: the template's
    loop looking for the section's index page writes its whitespace when it finds one."""

    is_index = True


_UNREAD = _Unread()
_UNREAD_INDEX = _UnreadIndex()

NAV_ITEM = "partials/nav-item.html"
# Material's macro, renamed, and one of the same name in front of it: its recursive calls
# (`render(item, ...)`, the children's entries) come to the front one too
_MATERIAL_MACRO = "{% macro render(nav_item, path, level, parent) %}"
_RENAMED_MACRO = "{% macro _bsc_material_render(nav_item, path, level, parent) %}"
_FRONT_MACRO = """
{%- macro render(nav_item, path, level, parent) -%}
{%- set key = bsc_nav.entry_key(nav_item, path, level, parent, page, base_url) -%}
{%- if key is none -%}
{{- _bsc_material_render(nav_item, path, level, parent) -}}
{%- else -%}
{{- bsc_nav.rendered.get(key) or bsc_nav.keep(key, _bsc_material_render(nav_item, path, level, parent)) -}}
{%- endif -%}
{%- endmacro -%}
"""


class PrunedNavigation:
    """Per-page views of a site's navigation for Material with `navigation.prune`."""

    def __init__(self, nav: Navigation, features: list[str]) -> None:
        self.nav = nav
        self.tabs = "navigation.tabs" in features
        self.sections = "navigation.sections" in features
        self._collapsed: dict[int, object] = {}  # a section shown as a link, by id(section)
        self.rendered: dict[tuple, str] = {}  # an entry's HTML by `entry_key`

    @staticmethod
    def applies(config) -> bool:
        """Whether the site is built with Material's own navigation templates and
        `navigation.prune` (else the navigation is walked differently, and left alone)."""
        theme = config.theme
        if theme.name != "material" or "navigation.prune" not in (theme.get("features") or ()):
            return False
        material = Path(material_package.__file__).resolve().parent / "templates"
        for folder in map(Path, theme.dirs):  # the site's overrides come before Material's own folder
            if folder.resolve() == material:
                return True
            if any((folder / name).is_file() for name in _TEMPLATES):
                return False
        return False

    def install(self, env: jinja2.Environment) -> bool:
        """Have Material's navigation template take entries off the page's way from `rendered`
        (see the module's notes); False (and nothing changed) if its macro is not as expected."""
        if env.filters.get("url") is not url_filter:  # the key has MkDocs' relative links
            return False
        loader = _NavItemLoader(env.loader)
        if loader.source(env) is None:
            return False
        env.loader = loader  # a new loader: templates compiled before are not reused
        env.globals["bsc_nav"] = self
        return True

    def keep(self, key: tuple, html: str) -> str:
        self.rendered[key] = html
        return html

    def entry_key(self, item, path, level, parent, page, base_url):
        """What an entry's HTML depends on when it is off the page's way (the entry, its place,
        the relative URL of its link), or None to have Material render it as usual."""
        kind = type(item)
        if item.active or not isinstance(page, Page):  # the page's own way; a theme template (404)
            return None
        if kind is Section:
            if self._expanded(item, level, parent if isinstance(parent, Section) else None):
                return None
            target = item  # Material links a collapsed section to its first page, at any depth
            while type(target) is Section and target.children:
                target = target.children[0]
            if type(target) not in (Page, Link):
                return None
        elif kind is Page or kind is Link:  # not a subclass (a blog's view lists pages of its own)
            target = item
        else:
            return None
        return id(item), path, level, normalize_url(str(target.url), page=page, base=base_url)

    def for_page(self) -> Navigation:
        """The navigation as the page being built sees it (MkDocs has marked its sections active)."""
        view = Navigation.__new__(Navigation)  # not __init__: it scans every page for the homepage
        view.items = self._items(self.nav.items, 1, None)
        view.pages = self.nav.pages
        view.homepage = self.nav.homepage
        return view

    def _items(self, items: list, level: int, parent) -> list:
        return [self._item(item, level, parent) if item.is_section else item for item in items]

    def _item(self, section, level: int, parent):
        if self._expanded(section, level, parent):
            shown = copy.copy(section)  # a copy: the site's navigation is shared by every page
            shown.children = self._items(section.children, level + 1, section)
            return shown
        collapsed = self._collapsed.get(id(section))
        if collapsed is None:  # the same on every page where it is collapsed (inactive)
            collapsed = self._collapsed[id(section)] = copy.copy(section)
            collapsed.children = section.children[:1] + [_UNREAD_INDEX if getattr(c, "is_index", False) else _UNREAD
                                                          for c in section.children[1:]]
        return collapsed

    def _expanded(self, section, level: int, parent) -> bool:
        """Material's test (partials/nav-item.html): a section is pruned unless it is active
        or shown as a section by `navigation.sections` / `navigation.tabs`."""
        if section.active:
            return True
        if self.tabs:
            return self.sections and level == 2 and parent is not None and parent.active
        return self.sections and level == 1


class _NavItemLoader(jinja2.BaseLoader):
    """The theme's templates as they are, but Material's navigation entry macro fronted by
    one that takes an entry's HTML from `bsc_nav.rendered` (a `PrunedNavigation`) when it can."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner

    def source(self, env: jinja2.Environment):
        """Material's navigation entry template, rewritten; None if it is not Material's own
        or its macro is not the one expected (a later Material, say)."""
        try:
            source, filename, _ = self.inner.get_source(env, NAV_ITEM)
        except jinja2.TemplateNotFound:
            return None
        return _rewritten(source, filename)

    def get_source(self, environment, template):
        source, filename, uptodate = self.inner.get_source(environment, template)
        rewritten = _rewritten(source, filename) if template == NAV_ITEM else None
        return (source if rewritten is None else rewritten), filename, uptodate

    def list_templates(self):
        return self.inner.list_templates()


def _rewritten(source: str, filename: str | None) -> str | None:
    """Material's navigation entry template with its macro fronted (see `_FRONT_MACRO`), or
    None if the file is not Material's own or its macro is not the one expected."""
    material = Path(material_package.__file__).resolve().parent / "templates" / NAV_ITEM
    if filename is None or Path(filename).resolve() != material or source.count(_MATERIAL_MACRO) != 1:
        return None
    return source.replace(_MATERIAL_MACRO, _RENAMED_MACRO) + _FRONT_MACRO
