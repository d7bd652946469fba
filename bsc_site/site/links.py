"""Where each generated page lives, and relative URLs between them.

Links inside generated HTML are not rewritten by MkDocs (only Markdown links are), so
the site plan computes final relative URLs itself, for either URL style.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass


def prefix_problem(prefix: str) -> str | None:
    """Why `prefix` cannot be the folder of the generated pages inside the site (None if it
    can). Slashes around it are dropped ('/strategy/' is 'strategy'); it must stay inside the
    site: no '..' (nor '.' or an empty folder), no backslash or drive letter."""
    text = prefix.strip("/")
    if any(ord(ch) < 32 for ch in text):
        return f"{prefix!r} holds a control character: expected a folder name such as 'strategy'"
    if "\\" in text or (len(text) > 1 and text[1] == ":"):
        return f"'{prefix}' is not a folder inside the site: separate folders with '/', such as 'strategy/units'"
    if any(part in ("", ".", "..") for part in (text.split("/") if text else [])):
        return (f"'{prefix}' leaves the site or names no folder ('..', '.' or '//'): expected a folder "
                "inside the site, such as 'strategy' or 'strategy/scorecards'")
    return None


@dataclass(frozen=True)
class Links:
    """Page paths under `prefix`, and the URL style of the generator."""

    prefix: str = ""  # folder of the generated pages inside the docs, '' for the top
    directory_urls: bool = True

    def _path(self, *parts: str) -> str:
        return posixpath.join(self.prefix, *parts) if self.prefix else posixpath.join(*parts)

    # -- source paths (Markdown files) --------------------------------------------------
    def home(self) -> str:
        return self._path("index.md")

    def unit(self, unit_id: str) -> str:
        return self._path("units", unit_id, "index.md")

    def catalogue(self) -> str:
        return self._path("kpis.md")

    def initiatives(self) -> str:
        return self._path("initiatives.md")

    def owners(self) -> str:
        return self._path("owners.md")

    def theme(self, theme_id: str) -> str:
        return self._path("themes", f"{theme_id}.md")

    def reviews(self) -> str:
        return self._path("reviews", "index.md")

    def review(self, period_label: str) -> str:
        return self._path("reviews", period_label, "index.md")

    def changes(self) -> str:
        return self._path("changes.md")

    # -- data files (served as they are) --------------------------------------------------
    def data(self, *parts: str) -> str:
        return self._path("data", *parts)

    def feed(self) -> str:
        return self._path("reviews", "feed.xml")

    def file_href(self, from_src: str, to_path: str) -> str:
        """A relative link from a page to a data file."""
        return self.asset(from_src, to_path)

    # -- URLs ---------------------------------------------------------------------------
    def url_of(self, src: str) -> str:
        """The page's URL path from the site root, as the generator serves it."""
        if not self.directory_urls:
            return src[:-3] + ".html"
        if src == "index.md" or src.endswith("/index.md"):
            return src[: -len("index.md")]
        return src[:-3] + "/"

    def href(self, from_src: str, to_src: str, anchor: str = "") -> str:
        """A relative link from one generated page to another (or to an anchor on itself)."""
        if anchor and from_src == to_src:
            return f"#{anchor}"
        rel = self._relative(from_src, to_src)
        return rel + (f"#{anchor}" if anchor else "")

    @functools.lru_cache(maxsize=16384)  # a page links to the same few pages many times
    def _relative(self, from_src: str, to_src: str) -> str:
        target = self.url_of(to_src)
        here = self.url_of(from_src)
        base = here if here.endswith("/") or here == "" else posixpath.dirname(here) + "/"
        rel = posixpath.relpath(target or ".", base.rstrip("/") or ".")
        if target == "" or target.endswith("/"):
            rel = "./" if rel == "." else rel + "/"
        return rel

    def asset(self, from_src: str, path: str) -> str:
        """A relative URL to a file at `path` from the site root."""
        here = self.url_of(from_src)
        base = here if here.endswith("/") or here == "" else posixpath.dirname(here) + "/"
        rel = posixpath.relpath(path or ".", base.rstrip("/") or ".")
        return rel + "/" if path.endswith("/") and rel != "." else "./" if rel == "." else rel
