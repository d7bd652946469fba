"""Layout in a real browser: phones, print, and screenshots for a person to look at.

Screenshots go to test-artifacts/screenshots/ and the printed unit page to
test-artifacts/unit-retail.pdf (BSC_TEST_ARTIFACTS moves the folder)."""

from __future__ import annotations

import pytest

from .browserkit import ARTIFACTS, HOME, PHONE, REVIEW, SCREENSHOTS, UNIT, artifact, slug, wait_for_palette

# What sticks out past the right edge of the viewport, for the failure message: elements
# outside any container that scrolls on its own (tables, maps may be wider than the screen
# inside theirs), and positioned elements, which escape a scroll box that is not positioned.
OVERFLOW = """() => {
  const doc = document.documentElement, width = doc.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const culprits = [...document.body.querySelectorAll('*')].filter(el => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > width + 1 && (!scrolls(el) || getComputedStyle(el).position !== 'static'); })
    .slice(0, 8).map(el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} right=${Math.round(el.getBoundingClientRect().right)}`);
  return {scrollWidth: doc.scrollWidth, clientWidth: width, culprits};
}"""


@pytest.mark.parametrize("path", [HOME, UNIT, REVIEW], ids=["home", "unit", "review"])
def test_nothing_overflows_a_phone_screen(pages, path):
    page = pages.open(path, viewport=PHONE)
    found = page.evaluate(OVERFLOW)
    page.screenshot(path=artifact("screenshots", f"phone-{slug(path)}-light.png"), full_page=True)
    assert found["scrollWidth"] <= found["clientWidth"], \
        f"{path or '/'} is {found['scrollWidth']}px wide on a {found['clientWidth']}px screen; sticking out: {found['culprits']}"
    # The wide content scrolls inside its own box instead.
    for box in page.locator(".bsc-table-wrap, .bsc-map__scroll").all()[:5]:
        assert box.evaluate("el => el.getBoundingClientRect().right") <= found["clientWidth"] + 1


# The size strategy-map node text is drawn at, in CSS pixels, per map on the page.
MAP_TEXT = """() => [...document.querySelectorAll('figure.bsc-map svg')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const sizes = [...svg.querySelectorAll('.bsc-node text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
  const box = svg.closest('.bsc-map__scroll');
  return {map: svg.closest('figure').dataset.map, smallest: Math.min(...sizes),
          scrolls: box.scrollWidth > box.clientWidth};
})"""


def test_strategy_maps_stay_legible_on_a_phone_and_fit_on_a_desktop(pages):
    phone = pages.open(UNIT, viewport=PHONE).evaluate(MAP_TEXT)
    assert len(phone) >= 2, phone
    small = [m for m in phone if m["smallest"] < 9]
    assert not small, f"map text below 9px on a phone: {small}"
    desktop = pages.open(UNIT).evaluate(MAP_TEXT)
    unit_map = next(m for m in desktop if m["map"].startswith("unit:"))
    assert not unit_map["scrolls"], f"the unit's strategy map does not fit a desktop column: {unit_map}"


def test_a_unit_page_prints_without_the_navigation(pages):
    page = pages.open(UNIT)
    page.emulate_media(media="print")
    shown = page.evaluate("""() => {
      const seen = sel => [...document.querySelectorAll(sel)].some(el => {
        const r = el.getBoundingClientRect(), s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; });
      return {header: seen('.md-header'), nav: seen('.md-sidebar--primary .md-nav'), toc: seen('.md-sidebar--secondary .md-nav'),
              footer: seen('.md-footer'), search: seen('.md-search'), tabs: seen('.md-tabs'),
              h1: seen('article h1'), map: seen('figure.bsc-map svg'), kpis: seen('table.bsc-kpis'), badges: seen('.bsc-status')};
    }""")
    hidden = {k: v for k, v in shown.items() if k in ("header", "nav", "toc", "footer", "search", "tabs") and v}
    assert not hidden, f"printed page still shows navigation: {hidden}"
    missing = [k for k in ("h1", "map", "kpis", "badges") if not shown[k]]
    assert not missing, f"printed page lacks {missing}"
    pdf = page.pdf(format="A4", print_background=True, margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    artifact("unit-retail.pdf").write_bytes(pdf)
    pages_printed = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 < pages_printed < 60, pages_printed


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_screenshots_of_home_unit_and_review(pages, dark):
    context = pages.context(dark=dark)
    page = context.new_page()
    scheme = "dark" if dark else "light"
    for path in (HOME, UNIT, REVIEW):
        page.goto(pages.url(path))
        wait_for_palette(page, "slate" if dark else "default")
        target = SCREENSHOTS / f"{slug(path)}-{scheme}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=target, full_page=True)
        assert target.stat().st_size > 10_000
    print(f"screenshots in {ARTIFACTS}")
