"""Following the links a reader follows: strategy-map nodes, breadcrumbs, supports / supported by."""

from __future__ import annotations

import re

from .browserkit import UNIT, where_is


def hash_of(url: str) -> str:
    return url.partition("#")[2]


def assert_landed(pages, page, path: str, anchor: str) -> None:
    """The page shows `path` scrolled to the element with id `anchor`, below the sticky header."""
    page.wait_for_url(pages.url(f"{path}#{anchor}"))  # same page: the hash; another: its load
    place = where_is(page, anchor)
    assert place["exists"], f"{page.url}: no element with id {anchor!r}"
    # Material scrolls smoothly unless motion is reduced (it is, in these contexts); allow it to finish.
    page.wait_for_function(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                   const h = document.querySelector('.md-header').getBoundingClientRect().bottom;
                   return r.top >= h - 1 && r.top < innerHeight; }""", arg=anchor, timeout=5000)
    place = where_is(page, anchor)
    assert place["inView"], f"{page.url}: #{anchor} is not in view: {place}"


def map_links(page, figure: str = "figure.bsc-map") -> list[str]:
    return page.eval_on_selector_all(
        f"{figure} svg a", "els => els.map(a => a.getAttribute('href') || a.getAttribute('xlink:href'))")


def test_clicking_each_node_of_a_unit_map_lands_on_its_objective(pages):
    page = pages.open(UNIT)
    unit_map = 'figure.bsc-map[data-map="unit:retail"]'
    links = map_links(page, unit_map)
    assert len(links) >= 5 and all(link.startswith("#objective-") for link in links), links
    for index, link in enumerate(links):
        page.locator(f"{unit_map} svg a").nth(index).click()
        assert_landed(pages, page, UNIT, link[1:])


def test_clicking_a_node_of_the_enterprise_map_opens_the_unit_at_the_objective(pages):
    page = pages.open("")
    node = page.locator("figure.bsc-map svg a").first
    href = node.get_attribute("xlink:href") or node.get_attribute("href")
    path, _, anchor = href.partition("#")
    assert path.startswith("units/") and anchor.startswith("objective-"), href
    node.click()
    assert_landed(pages, page, path, anchor)


def test_line_of_sight_map_leads_up_to_the_parent_objective(pages):
    page = pages.open(UNIT)
    los = 'figure.bsc-map[data-map="los:retail"]'
    links = [link for link in map_links(page, los) if link.startswith("../")]
    assert links, "the line-of-sight map links to objectives above the unit"
    page.locator(f'{los} svg a[*|href="{links[0]}"]').first.click()
    path, _, anchor = links[0].partition("#")
    assert_landed(pages, page, "units/" + path.removeprefix("../"), anchor)


def test_breadcrumb_leads_up_the_hierarchy(pages):
    page = pages.open("units/wind-operations/")
    crumbs = page.locator("nav.bsc-breadcrumb")
    assert crumbs.get_attribute("aria-label")
    assert crumbs.locator('[aria-current="page"]').inner_text() == "Wind Operations"
    names = crumbs.locator("a").all_inner_texts()
    assert names == ["Northwind Energy", "Renewable Generation"], names
    crumbs.get_by_role("link", name="Renewable Generation").click()
    page.wait_for_url(pages.url("units/generation/"))
    assert page.locator("article h1").inner_text().startswith("Renewable Generation")
    page.locator("nav.bsc-breadcrumb").get_by_role("link", name="Northwind Energy").click()
    page.wait_for_url(pages.url("units/northwind/"))
    assert page.locator('nav.bsc-breadcrumb [aria-current="page"]').inner_text() == "Northwind Energy"


def test_supports_link_lands_on_the_parent_objective_and_supported_by_comes_back(pages):
    page = pages.open(UNIT)
    supports = page.locator("#objective-grow-retail-margin ~ .bsc-objective p.bsc-links", has_text="Supports:").first
    link = supports.locator("a").first
    href = link.get_attribute("href")
    assert re.fullmatch(r"\.\./northwind/#objective-[a-z0-9-]+", href), href
    link.click()
    anchor = hash_of(href)
    assert_landed(pages, page, "units/northwind/", anchor)
    # The parent objective lists Retail's objective among those supporting it: back down.
    back = page.locator(f"#{anchor} ~ .bsc-objective").first.locator("p.bsc-links", has_text="Supported by:")
    retail = back.locator('a[href^="../retail/"]').first
    target = retail.get_attribute("href")
    retail.click()
    assert_landed(pages, page, UNIT, hash_of(target))
    assert hash_of(target) == "objective-grow-retail-margin"


def test_supported_by_link_lands_on_the_child_objective(pages):
    page = pages.open(UNIT)
    line = page.locator("p.bsc-links", has_text="Supported by:").first
    link = line.locator("a").first
    href = link.get_attribute("href")
    path, _, anchor = href.partition("#")
    assert path.startswith("../") and anchor.startswith("objective-"), href
    link.click()
    assert_landed(pages, page, "units/" + path.removeprefix("../"), anchor)
