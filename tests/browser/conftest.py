"""Real-browser tests of the example site: Debian's Chromium driven by Playwright.

The example project (mkdocs.yml, docs/, scorecards/, overrides/) is copied to a temporary
folder and built there once per session, so nothing is written into the repository except
the artifacts (screenshots, PDF) under test-artifacts/. An http.server thread serves the
site on 127.0.0.1; every request the browser makes passes a Guard (browserkit.py), which
lets requests to that server through and blocks and records any other: the site must work
on an offline intranet. One Chromium runs for the session; each test opens fresh contexts
(viewport, colour scheme, media) in it.

When Chromium or the `playwright` package is missing the tests are skipped, unless the
environment variable CI is set: then they fail (browserkit.require).
"""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .browserkit import AXE, CHROMIUM, LAUNCH_ARGS, REPO, Pages, missing_axe, missing_browser_tools, require


@pytest.fixture(scope="session")
def axe() -> Path:
    """axe-core's script (node_modules/axe-core/axe.min.js); requested first, so a machine
    without it skips before starting a browser."""
    require(missing_axe())
    return AXE


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    require(missing_browser_tools())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def copy_example(dest: Path) -> Path:
    """The repository's example project (mkdocs.yml, docs/, scorecards/, overrides/) in dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "docs", "scorecards", "overrides"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.is_file():
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="session")
def site_dir(browser, tmp_path_factory) -> Path:
    """The example, built with --strict in a temporary copy. Depends on `browser` so that a
    machine without the tools skips before spending time on the build."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    project = copy_example(tmp_path_factory.mktemp("example"))
    config = load_config(config_file=str(project / "mkdocs.yml"), strict=True)
    mkdocs_build(config)
    site = Path(config.site_dir)
    assert (site / "index.html").is_file(), f"the build wrote no {site / 'index.html'}"
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        pass


@pytest.fixture(scope="session")
def base_url(site_dir) -> str:
    """The built site served on 127.0.0.1 (a free port) for the session."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site_dir)))
    thread = threading.Thread(target=server.serve_forever, name="bsc-site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site_pages(site_dir) -> list[str]:
    """Every generated page as a path relative to the site root ('' is the home page):
    each index.html except the search and assets folders'."""
    found = []
    for index in sorted(site_dir.rglob("index.html")):
        rel = index.parent.relative_to(site_dir).as_posix()
        if rel.split("/")[0] in ("search", "assets"):
            continue
        found.append("" if rel == "." else rel + "/")
    return found


@pytest.fixture
def pages(browser, base_url):
    """Opens pages in fresh contexts; closes them after the test and fails it if any page
    tried to reach beyond 127.0.0.1."""
    opened = Pages(browser, base_url)
    yield opened
    external = [url for guard in opened.guards for url in guard.external]
    opened.close()
    assert not external, "requests tried to leave localhost:\n" + "\n".join(external)
