"""The generated pages' markers are passed over by Python-Markdown's inline patterns
(bsc_site/mkdocs_plugin/placeholders.py): the site comes out byte for byte as without it,
and the site author's own pages are converted as MkDocs alone would."""

from __future__ import annotations

from pathlib import Path

from markdown import util

from sitebuild import build, copy_example, snapshot

from bsc_site.mkdocs_plugin import placeholders

AUTHOR_PAGE = """# Notes

<div class="note">A raw HTML block on the author's own page.</div>

<!--bsc:0-->

Some *text* after it.
"""


def _site(root: Path) -> dict[str, bytes]:
    result = build(root, strict=True)
    assert result.ok, result.text()
    return {name: data for name, data in snapshot(result.site).items() if not name.startswith("sitemap.xml")}


def test_the_site_is_the_same_with_the_markers_passed_over(tmp_path, monkeypatch):
    passed_over: dict[bool, int] = {True: 0, False: 0}
    conversions: list[bool] = []  # whether each page converted was a generated one
    real = placeholders._AtomicPlaceholders.run

    def counting(self, root):
        real(self, root)
        atomic = sum(1 for e in root if e.tag == "p" and isinstance(e.text, util.AtomicString))
        passed_over[placeholders.state.generated] += atomic
        conversions.append(placeholders.state.generated)

    monkeypatch.setattr(placeholders._AtomicPlaceholders, "run", counting)
    fast = copy_example(tmp_path / "fast")
    (fast / "docs" / "notes.md").write_text(AUTHOR_PAGE, encoding="utf-8")
    with_it = _site(fast)
    assert passed_over[True] > 100 and passed_over[False] == 0  # the generated pages' markers only
    assert conversions.count(False) == 2  # the author's pages: docs/how-to-read.md and notes.md

    monkeypatch.setattr(placeholders._AtomicPlaceholders, "run", lambda self, root: None)
    plain = copy_example(tmp_path / "plain")
    (plain / "docs" / "notes.md").write_text(AUTHOR_PAGE, encoding="utf-8")
    without = _site(plain)
    assert "units/retail/index.html" in without and "notes/index.html" in without
    assert sorted(with_it) == sorted(without)
    assert [name for name in without if with_it[name] != without[name]] == []
    assert b'<div class="note">A raw HTML block' in with_it["notes/index.html"]
