"""Material's search, offline, finds a KPI by its name and leads to its unit."""

from __future__ import annotations

import re

from .browserkit import UNIT


def test_search_finds_a_kpi_by_name(pages):
    page = pages.open(UNIT)
    # A KPI of the unit, by the name its table shows (the data decides, not the test).
    link = page.locator("table.bsc-kpis tbody th[scope=row] a").nth(2)
    name, href = link.inner_text().strip(), link.get_attribute("href")
    assert name and href.startswith("#kpi-"), (name, href)

    page.goto(pages.url(""))
    box = page.locator("input.md-search__input")  # in the header at desktop width
    box.click()
    box.press_sequentially(name.lower(), delay=20)
    mentions = page.locator(".md-search-result__item", has_text=re.compile(re.escape(name), re.I))
    mentions.first.wait_for(state="visible")
    meta = page.locator(".md-search-result__meta").inner_text()
    assert re.search(r"\d+ matching document", meta), meta

    # One of the results is the unit's page, and it opens there.
    result = page.locator(f'.md-search-result__item a[href*="{UNIT}"]', has_text=re.compile(re.escape(name), re.I)).first
    result.click()
    page.wait_for_url(re.compile(re.escape(pages.url(UNIT))))
    assert page.locator("article h1").inner_text().startswith("Retail Energy")
