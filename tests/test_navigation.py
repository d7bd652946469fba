"""Each page's navigation with collapsed sections' unread children stood in for
(bsc_site/mkdocs_plugin/navigation.py): the pages Material writes must be byte for byte the
ones it writes from MkDocs' own navigation, whichever features decide what is collapsed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sitebuild import build, copy_example, snapshot

from bsc_site.mkdocs_plugin import navigation
from bsc_site.mkdocs_plugin.navigation import PrunedNavigation

DATED = {"sitemap.xml", "sitemap.xml.gz"}


def _features(root: Path, extra: list[str]) -> None:
    path = root / "mkdocs.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["theme"]["features"] = [*config["theme"]["features"], *extra]
    for i, plugin in enumerate(config["plugins"]):  # one process: the two builds differ only in the navigation
        if isinstance(plugin, dict) and "bsc" in plugin:
            config["plugins"][i] = {"bsc": {**(plugin["bsc"] or {}), "parallel": False}}
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _pages(root: Path) -> dict[str, bytes]:
    result = build(root, strict=True)
    assert result.ok, result.text()
    return {name: data for name, data in snapshot(result.site).items() if name.endswith(".html")}


@pytest.mark.parametrize("extra", [[], ["navigation.sections"], ["navigation.tabs"],
                                   ["navigation.tabs", "navigation.sections"]],
                         ids=["prune", "sections", "tabs", "tabs+sections"])
def test_pages_are_the_same_as_with_mkdocs_own_navigation(extra, tmp_path, monkeypatch):
    used, made, asked = [], [], []
    real, keep, key = PrunedNavigation.for_page, PrunedNavigation.keep, PrunedNavigation.entry_key
    monkeypatch.setattr(PrunedNavigation, "for_page", lambda self: used.append(1) or real(self))
    monkeypatch.setattr(PrunedNavigation, "keep", lambda self, k, html: made.append(k) or keep(self, k, html))
    monkeypatch.setattr(PrunedNavigation, "entry_key", lambda self, *a: asked.append(key(self, *a)) or asked[-1])
    fast = copy_example(tmp_path / "fast")
    _features(fast, extra)
    with_views = _pages(fast)
    assert len(used) == len(with_views) - 1  # every page got its own view (404.html is a theme template)
    reused = [k for k in asked if k is not None]
    # entries off each page's way were taken from those made once, not rendered again
    assert len(made) == len(set(made)) and len(reused) > 5 * len(made) > 0

    monkeypatch.setattr(PrunedNavigation, "applies", staticmethod(lambda config: False))
    plain = copy_example(tmp_path / "plain")
    _features(plain, extra)
    with_nav = _pages(plain)
    assert sorted(with_views) == sorted(with_nav)
    assert "units/retail/index.html" in with_nav
    assert [name for name in with_nav if with_views[name] != with_nav[name]] == []


def test_pages_are_the_same_with_an_index_page_after_a_collapsed_sections_first_child(tmp_path, monkeypatch):
    # Material's loop looking for a collapsed section's index page writes whitespace where it
    # finds one: a stand-in must say so too (a hand-written nav need not put it first)
    def nav(root: Path) -> None:
        _features(root, [])
        config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
        config["nav"] = ["index.md", {"Guide": ["how-to-read.md", "units/retail/index.md", "units/grid-operations/index.md"]},
                         "owners.md"]
        (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")

    fast = copy_example(tmp_path / "fast")
    nav(fast)
    with_views = _pages(fast)
    monkeypatch.setattr(PrunedNavigation, "applies", staticmethod(lambda config: False))
    plain = copy_example(tmp_path / "plain")
    nav(plain)
    with_nav = _pages(plain)
    assert sorted(with_views) == sorted(with_nav) and "owners/index.html" in with_nav
    assert [name for name in with_nav if with_views[name] != with_nav[name]] == []


def test_entries_are_rendered_as_usual_with_another_url_filter(tmp_path, monkeypatch):
    # the entries' key holds the link as MkDocs' own `url` filter makes it
    from mkdocs.utils import templates

    asked = []
    monkeypatch.setattr(PrunedNavigation, "entry_key", lambda self, *a: asked.append(a))
    real = templates.url_filter
    monkeypatch.setattr(templates, "url_filter", templates.contextfilter(lambda context, value: real(context, value)))
    root = copy_example(tmp_path)
    _features(root, [])
    assert "units/retail/index.html" in _pages(root) and asked == []


def test_a_collapsed_section_keeps_only_its_first_child_for_the_template(tmp_path):
    from mkdocs.config import load_config
    from mkdocs.structure.files import File
    from mkdocs.structure.nav import Navigation, Section
    from mkdocs.structure.pages import Page

    config = load_config(str(copy_example(tmp_path) / "mkdocs.yml"))
    current, *others = [Page(f"Page {i}", File(f"p{i}.md", str(tmp_path), str(tmp_path / "site"), True), config) for i in range(4)]
    inner = Section("Inner", others[:])
    outer = Section("Outer", [current, inner])
    for page in others:
        page.parent = inner
    current.parent = inner.parent = outer
    current.active = True  # the page being built: its section is expanded, the other collapsed

    view = PrunedNavigation(Navigation([outer], [current, *others]), ["navigation.prune"]).for_page()
    shown = view.items[0]
    assert shown is not outer and shown.active and shown.children[0] is current
    collapsed = shown.children[1]
    assert collapsed is not inner and not collapsed.active
    assert collapsed.children[0] is others[0]  # what the template links a collapsed section to
    assert collapsed.children[1:] == [navigation._UNREAD] * 2 and not navigation._UNREAD.is_index
    assert len(collapsed.children) == len(inner.children)  # one loop pass per child: the same whitespace
    assert inner.children == others and outer.children == [current, inner]  # the site's navigation is untouched


def test_only_for_material_own_navigation_templates(tmp_path):
    from mkdocs.config import load_config

    root = copy_example(tmp_path)
    assert PrunedNavigation.applies(load_config(str(root / "mkdocs.yml")))
    override = root / "overrides" / "partials" / "nav-item.html"
    override.write_text("{% macro render(nav_item, path, level, parent) %}{% endmacro %}\n", encoding="utf-8")
    assert not PrunedNavigation.applies(load_config(str(root / "mkdocs.yml")))
    override.unlink()
    _features(root, [])
    config = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))
    config["theme"]["features"].remove("navigation.prune")
    (root / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    assert not PrunedNavigation.applies(load_config(str(root / "mkdocs.yml")))


def test_entries_are_rendered_as_usual_when_material_macro_is_not_as_expected(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(navigation, "_MATERIAL_MACRO", "{% macro render(nav_item, path, level) %}")
    monkeypatch.setattr(PrunedNavigation, "entry_key", lambda self, *a: asked.append(a))
    root = copy_example(tmp_path)
    _features(root, [])
    pages = _pages(root)
    assert "units/retail/index.html" in pages and asked == []
