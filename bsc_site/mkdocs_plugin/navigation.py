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
"""

from __future__ import annotations

import copy
from pathlib import Path

import material as material_package
from mkdocs.structure.nav import Navigation

# Material's templates that walk the navigation: overriding any of them turns this off
_TEMPLATES = ("partials/nav.html", "partials/nav-item.html", "partials/tabs.html", "partials/tabs-item.html",
              "partials/path.html", "partials/path-item.html")


class _Unread:
    """A collapsed section's child after the first: Material's template only asks whether it
    is the section's index page."""

    is_index = False
    is_section = is_page = is_link = active = False


_UNREAD = _Unread()


class PrunedNavigation:
    """Per-page views of a site's navigation for Material with `navigation.prune`."""

    def __init__(self, nav: Navigation, features: list[str]) -> None:
        self.nav = nav
        self.tabs = "navigation.tabs" in features
        self.sections = "navigation.sections" in features
        self._collapsed: dict[int, object] = {}  # a section shown as a link, by id(section)

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
            collapsed.children = section.children[:1] + [_UNREAD] * (len(section.children) - 1)
        return collapsed

    def _expanded(self, section, level: int, parent) -> bool:
        """Material's test (partials/nav-item.html): a section is pruned unless it is active
        or shown as a section by `navigation.sections` / `navigation.tabs`."""
        if section.active:
            return True
        if self.tabs:
            return self.sections and level == 2 and parent is not None and parent.active
        return self.sections and level == 1
