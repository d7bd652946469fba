"""What the browser tests share: tool checks, the request guard, opening pages, WCAG contrast.

The tests import it as `from .browserkit import ...` (this folder is a package).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BSC_CHROMIUM", "/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("BSC_TEST_ARTIFACTS", REPO / "test-artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"

# Running as root in a container with the network closed: no sandbox, no GPU, and nothing
# that makes Chromium call home (component updates, sync, background fetches, QUIC probes).
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# The pages the focused tests look at (the page walk covers every page).
HOME = ""
UNIT = "units/retail/"
REVIEW = "reviews/2026-Q3/"


# -- tools -----------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_browser_tools() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package 'playwright' (pip install -e '.[test]')")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return missing


def missing_axe() -> list[str]:
    return [] if AXE.is_file() else [f"axe-core at {AXE.relative_to(REPO)} (npm ci)"]


def require(missing: list[str]) -> None:
    """Skip the test (locally) or fail it (on CI) when a tool it needs is missing."""
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing) + "; scripts/dev test installs them"
    if in_ci():
        pytest.fail(message + " (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(message)


# -- opening pages ---------------------------------------------------------------------


@dataclass
class Guard:
    """What the pages of one browser context did wrong: console errors, uncaught
    exceptions, requests that would leave 127.0.0.1 (blocked) and local requests that failed."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @staticmethod
    def local(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"

    def _external(self, url: str) -> None:
        if url not in self.external:
            self.external.append(url)

    def route(self, route) -> None:
        url = route.request.url
        if self.local(url):
            route.continue_()
        else:
            self._external(url)
            route.abort("blockedbyclient")

    def on_request(self, request) -> None:  # also sees what routing may not (workers)
        if not self.local(request.url):
            self._external(request.url)

    def on_response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"HTTP {response.status} {response.url}")

    def on_request_failed(self, request) -> None:
        if self.local(request.url):
            self.failed.append(f"{request.failure} {request.url}")

    def watch(self, page) -> None:
        def console(msg):
            if msg.type == "error":
                where = msg.location or {}
                self.console_errors.append(f"{page.url}: {msg.text} ({where.get('url')}:{where.get('lineNumber')})")

        page.on("console", console)
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))

    def problems(self) -> list[str]:
        return ([f"console error: {e}" for e in self.console_errors]
                + [f"uncaught exception: {e}" for e in self.page_errors]
                + [f"request leaving localhost (blocked): {u}" for u in self.external]
                + [f"failed request: {f}" for f in self.failed])


class Pages:
    """Opens site pages in fresh browser contexts, each watched by a Guard:
    pages.open("units/retail/", dark=True, viewport=PHONE)."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts: list = []
        self.guards: list[Guard] = []

    def context(self, *, dark: bool = False, viewport: dict | None = None, **options):
        context = self.browser.new_context(
            viewport=viewport or DESKTOP, color_scheme="dark" if dark else "light",
            reduced_motion="reduce", service_workers="block", **options)
        context.set_default_timeout(10_000)
        guard = Guard()
        context.route("**/*", guard.route)
        context.on("request", guard.on_request)
        context.on("response", guard.on_response)
        context.on("requestfailed", guard.on_request_failed)
        context.on("page", guard.watch)
        self.contexts.append(context)
        self.guards.append(guard)
        return context

    def open(self, path: str, *, dark: bool = False, viewport: dict | None = None, context=None, **options):
        """A new page (in a new context unless one is given) showing `path`, palette applied."""
        context = context or self.context(dark=dark, viewport=viewport, **options)
        page = context.new_page()
        page.goto(self.url(path), wait_until="load")
        wait_for_palette(page, "slate" if dark else "default")
        return page

    def url(self, path: str) -> str:
        return self.base_url + path

    def path(self, url: str) -> str:
        assert url.startswith(self.base_url), url
        return url[len(self.base_url):]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def wait_for_palette(page, scheme: str) -> None:
    """Material's inline script sets the palette on <body>; wait for it."""
    page.wait_for_selector(f'body[data-md-color-scheme="{scheme}"]', state="attached")


def where_is(page, element_id: str) -> dict:
    """Where the element with this id is, relative to the viewport and Material's sticky header."""
    return page.evaluate(
        """id => {
            const el = document.getElementById(id);
            if (!el) return {exists: false};
            const r = el.getBoundingClientRect();
            const header = document.querySelector('.md-header');
            const headerBottom = header ? header.getBoundingClientRect().bottom : 0;
            return {exists: true, top: Math.round(r.top), bottom: Math.round(r.bottom),
                    viewport: innerHeight, headerBottom: Math.round(headerBottom),
                    inView: r.width > 0 && r.top >= headerBottom - 1 && r.top < innerHeight};
        }""",
        element_id,
    )


def artifact(*parts: str) -> Path:
    path = ARTIFACTS.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


# -- WCAG 2.x contrast -----------------------------------------------------------------

RGBA = tuple[float, float, float, float]

_COLOR = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")


def parse_color(text: str) -> RGBA:
    """A computed CSS colour ('rgb(1, 2, 3)', 'rgba(1, 2, 3, 0.5)', 'transparent', 'none')."""
    text = text.strip()
    if text in ("transparent", "none", ""):
        return (0.0, 0.0, 0.0, 0.0)
    match = _COLOR.fullmatch(text)
    assert match, f"cannot read the computed colour {text!r}"
    r, g, b, a = match.groups()
    alpha = 1.0 if a is None else (float(a[:-1]) / 100 if a.endswith("%") else float(a))
    return (float(r), float(g), float(b), alpha)


def over(top: RGBA, below: RGBA) -> RGBA:
    """`top` painted over an opaque `below` (source-over compositing)."""
    a = top[3]
    return (top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a),
            top[2] * a + below[2] * (1 - a), 1.0)


def flatten(layers: list[RGBA], base: RGBA = (255.0, 255.0, 255.0, 1.0)) -> RGBA:
    """Layers listed top first, composited onto `base` (the canvas: white)."""
    colour = base
    for layer in reversed(layers):
        colour = over(layer, colour)
    return colour


def luminance(colour: RGBA) -> float:
    """WCAG relative luminance of an opaque sRGB colour."""
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(foreground: RGBA, background: RGBA) -> float:
    """WCAG contrast ratio (1 to 21) of a (possibly translucent) foreground on an opaque background."""
    fg = over(foreground, background)
    lighter, darker = sorted((luminance(fg), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
