"""Every generated page loads in a real browser without errors and without the network."""

from __future__ import annotations

TABS = 3  # pages loading at once

# Material fetches the search index and starts the search worker after the page has loaded;
# a page is done when both have arrived (quicker than waiting for an idle network).
SETTLED = """() => document.readyState === 'complete' && ['search_index.json', '/workers/search.']
    .every(part => performance.getEntriesByType('resource').some(e => e.name.includes(part) && e.responseEnd > 0))"""


def test_every_page_loads_cleanly_and_stays_on_localhost(pages, site_pages):
    assert len(site_pages) >= 20, f"the page walk found only {site_pages}"
    assert {"", "units/retail/", "reviews/2026-Q3/"} <= set(site_pages)
    context = pages.context()
    guard = pages.guards[-1]
    tabs = [context.new_page() for _ in range(TABS)]
    broken = []
    for start in range(0, len(site_pages), TABS):
        batch = list(zip(tabs, site_pages[start:start + TABS]))
        responses = [tab.goto(pages.url(path), wait_until="commit") for tab, path in batch]
        for (tab, path), response in zip(batch, responses):
            tab.wait_for_function(SETTLED)
            name = path or "/"
            if response is None or response.status != 200:
                broken.append(f"{name}: HTTP {response and response.status}")
                continue
            shown = tab.evaluate("""() => ({
                h1: (document.querySelector('article h1') || {}).textContent || '',
                title: document.title,
                scheme: document.body.getAttribute('data-md-color-scheme'),
            })""")
            if not shown["h1"].strip() or not shown["title"].strip():
                broken.append(f"{name}: no heading or no title ({shown})")
            if shown["scheme"] != "default":
                broken.append(f"{name}: Material's palette script did not run ({shown['scheme']!r})")
    problems = broken + guard.problems()
    assert not problems, f"{len(problems)} problem(s) over {len(site_pages)} pages:\n" + "\n".join(problems)
