"""benchmarks/floor.py: MkDocs alone on the plugin's page skeletons builds the same pages as
the plugin, with the same navigation and headings, and none of the generated HTML."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import bench  # noqa: E402
import floor  # noqa: E402

MKDOCS = str(Path(sys.executable).parent / "mkdocs")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A 12-unit synthetic organisation built by the plugin, and its floor built by plain MkDocs."""
    work = tmp_path_factory.mktemp("floor")
    org = work / "org-12"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "--units", "12", "--seed", "3",
                    "--out", str(org)], check=True, capture_output=True)
    pages = floor.make_floor(org, work / "floor-12", bench.Trash(work))
    assert pages > 12
    for project in (org, work / "floor-12"):
        done = subprocess.run([MKDOCS, "build", "-q"], cwd=project, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    return org / "site", work / "floor-12" / "site"


def _pages(site: Path) -> set[str]:
    return {str(p.relative_to(site)) for p in site.rglob("*.html")}


def test_the_floor_builds_the_plugins_pages_with_its_navigation(built):
    plugin, plain = built
    assert _pages(plain) == _pages(plugin)
    page = "units/" + sorted(p.name for p in (plugin / "units").iterdir())[0] + "/index.html"
    nav = re.compile(r'<nav class="md-nav md-nav--primary".*?</nav>\s*</div>\s*</div>\s*</div>', re.S)
    assert nav.search((plain / page).read_text()).group() == nav.search((plugin / page).read_text()).group()


def test_a_floor_page_has_the_headings_but_no_generated_html(built):
    plugin, plain = built
    page = sorted((plugin / "units").iterdir())[0].name
    ours, theirs = (site / "units" / page / "index.html" for site in (plain, plugin))
    ids = re.compile(r'<h[1-6] id="([^"]+)"')
    assert ids.findall(ours.read_text()) == ids.findall(theirs.read_text())
    assert 'class="bsc-tiles"' in theirs.read_text()
    assert 'class="bsc-tiles"' not in ours.read_text() and "<!--bsc:1-->" in ours.read_text()
