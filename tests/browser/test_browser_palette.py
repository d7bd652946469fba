"""Both palettes keep status and strategy maps legible: WCAG AA contrast (4.5:1) measured on
the colours the browser computes, and the palette toggle switches and remembers."""

from __future__ import annotations

import pytest

from .browserkit import HOME, REVIEW, UNIT, contrast, flatten, parse_color, wait_for_palette

AA = 4.5

# Colours as the browser computes them. For HTML text: its colour and the background colours
# of the element and its ancestors (top first). For text in a strategy map: its fill, the
# shapes painted before it whose box holds the text's centre (node boxes, perspective bands;
# top first, with their opacity), then the backgrounds of the SVG's ancestors.
SAMPLES = """() => {
  const cs = el => getComputedStyle(el);
  const backgrounds = el => { const out = []; for (; el; el = el.parentElement) out.push(cs(el).backgroundColor); return out; };
  const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const html = [...document.querySelectorAll(
      '.md-typeset .bsc-status, .md-typeset .bsc-trend--improving, .md-typeset .bsc-trend--worsening, .md-typeset .bsc-overdue')]
    .filter(visible)
    .map(el => ({kind: 'html', what: el.className + ': ' + el.textContent.trim(), color: cs(el).color,
                 layers: backgrounds(el).map(c => ({fill: c, opacity: 1}))}));
  const svg = [];
  for (const map of document.querySelectorAll('figure.bsc-map svg')) {
    const shapes = [...map.querySelectorAll('rect, polygon')].filter(s => !s.closest('.edge'));
    const page = backgrounds(map).map(c => ({fill: c, opacity: 1}));
    for (const text of map.querySelectorAll('.bsc-node text, .bsc-band-label text, .bsc-theme-label text')) {
      const t = text.getBoundingClientRect(); const x = t.left + t.width / 2, y = t.top + t.height / 2;
      const below = shapes.filter(s => s.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING)
        .filter(s => { const r = s.getBoundingClientRect(); return r.left <= x && x <= r.right && r.top <= y && y <= r.bottom; })
        .reverse()
        .map(s => { const st = cs(s); let o = parseFloat(st.opacity) * parseFloat(st.fillOpacity);
                    return {fill: st.fill, opacity: o}; });
      const ts = cs(text);
      svg.push({kind: 'map', what: map.closest('figure').dataset.map + ': ' + text.textContent.trim(),
                color: ts.fill, opacity: parseFloat(ts.opacity) * parseFloat(ts.fillOpacity),
                layers: below.concat(page)});
    }
  }
  return html.concat(svg);
}"""


def measure(sample: dict) -> float:
    layers = []
    for layer in sample["layers"]:
        r, g, b, a = parse_color(layer["fill"])
        layers.append((r, g, b, a * layer["opacity"]))
    background = flatten(layers)
    r, g, b, a = parse_color(sample["color"])
    return contrast((r, g, b, a * sample.get("opacity", 1.0)), background)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_status_badges_and_map_text_have_aa_contrast(pages, dark):
    context = pages.context(dark=dark)
    page = context.new_page()
    poor, counted = [], {"html": 0, "map": 0}
    for path in (HOME, UNIT, REVIEW):
        page.goto(pages.url(path))
        wait_for_palette(page, "slate" if dark else "default")
        for sample in page.evaluate(SAMPLES):
            counted[sample["kind"]] += 1
            ratio = measure(sample)
            if ratio < AA:
                poor.append(f"{path or '/'} {sample['what']!r}: {ratio:.2f}:1 "
                            f"({sample['color']} on {[layer['fill'] for layer in sample['layers'][:3]]})")
    assert counted["html"] > 100 and counted["map"] > 50, counted
    assert not poor, f"{len(poor)} text sample(s) below {AA}:1 in the {'dark' if dark else 'light'} palette:\n" + "\n".join(poor)


def test_dark_palette_follows_the_system_and_is_what_the_checks_measured(pages):
    page = pages.open(UNIT, dark=True)
    bg = parse_color(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert sum(bg[:3]) < 150, f"the dark palette's page background is not dark: {bg}"
    node = page.locator("figure.bsc-map svg .bsc-node polygon").first
    assert sum(parse_color(node.evaluate("el => getComputedStyle(el).fill"))[:3]) < 300


def test_palette_toggle_switches_to_dark_and_remembers(pages):
    context = pages.context(dark=False)
    page = context.new_page()
    page.goto(pages.url(UNIT))
    wait_for_palette(page, "default")
    page.locator('label[for="__palette_1"]').click()
    wait_for_palette(page, "slate")
    page.goto(pages.url(REVIEW))
    wait_for_palette(page, "slate")  # remembered across pages
    page.locator('label[for="__palette_0"]').click()
    wait_for_palette(page, "default")
