"""axe-core finds no serious or critical accessibility problem on the main kinds of page,
in either palette."""

from __future__ import annotations

import pytest

from .browserkit import HOME, PHONE, REVIEW, UNIT

# "kpi" is the unit page opened at its first KPI's anchor (units/retail/#kpi-…): Material
# opens the folded <details> holding the target, so axe also sees a chart and history table.
PAGES = {"home": HOME, "unit": UNIT, "kpi": UNIT + "#kpi-", "review": REVIEW}

RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations'],
      runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)}))}));
}"""


def report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} node(s)) {v['url']}")
        for node in v["nodes"][:6]:
            lines.append(f"    {node['target']}\n      {node['html']}\n      {node['summary']}")
        if len(v["nodes"]) > 6:
            lines.append(f"    ... and {len(v['nodes']) - 6} more")
    return "\n".join(lines)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_nothing_serious(axe, pages, name, dark):
    path = PAGES[name]
    page = pages.open(path.partition("#")[0], dark=dark)
    if name == "kpi":
        anchor = page.locator("details.bsc-kpi-detail [id^='kpi-']").first.get_attribute("id")
        path = f"{UNIT}#{anchor}"
        page = pages.open(path, dark=dark, context=page.context)
        assert page.locator(f"#{anchor}").is_visible(), f"{path}: the KPI's details did not open"
    check(page, axe, f"{path or '/'} ({'dark' if dark else 'light'} palette)")


# axe 4.14 counts only an <a> with an `href` attribute as focusable content; the map nodes are
# SVG <a xlink:href> links (Graphviz writes them so), which browsers do put in the tab order.
# For a map's scroll box the test checks that itself instead: each box holds links with tab
# index 0, and focusing one scrolls the box to it.
MAP_BOX_LINKS = """sel => [...document.querySelectorAll(sel)].map(box => {
  const links = [...box.querySelectorAll('svg a')];
  const last = links[links.length - 1];
  box.scrollLeft = 0; if (last) last.focus();
  return {links: links.length, tabbable: links.every(a => a.tabIndex === 0),
          focused: document.activeElement === last, scrolled: box.scrollLeft > 0};
})"""


def test_axe_finds_nothing_serious_on_a_phone(axe, pages):
    """On a phone the maps and tables scroll in their own boxes, and Material folds its navigation."""
    page = pages.open(UNIT, viewport=PHONE)
    check(page, axe, f"{UNIT} (phone)", map_boxes_checked_here=True)
    boxes = page.evaluate(MAP_BOX_LINKS, "figure.bsc-map .bsc-map__scroll")
    assert boxes and all(b["links"] and b["tabbable"] and b["focused"] for b in boxes), boxes
    assert any(b["scrolled"] for b in boxes), f"focusing a map's last node did not scroll its box: {boxes}"


def check(page, axe, where: str, *, map_boxes_checked_here: bool = False) -> None:
    page.add_script_tag(path=str(axe))
    violations = page.evaluate(RUN)
    if map_boxes_checked_here:
        for v in violations:
            if v["id"] == "scrollable-region-focusable":
                v["nodes"] = [n for n in v["nodes"] if not n["target"].endswith(".bsc-map__scroll")]
        violations = [v for v in violations if v["nodes"]]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    others = [v for v in violations if v not in serious]
    if others:
        print(f"minor/moderate on {where}:\n{report(others)}")
    assert not serious, f"axe on {where}:\n{report(serious)}"
