"""Small real sites for the site tests: scorecards + mkdocs.yml + docs/ in a folder, built for real.

`make_site(root, ...)` writes the tiny project below (three units, hand-checkable actuals)
with any file replaced or removed, and an mkdocs.yml using the `bsc` plugin.
`build(root)` runs a real MkDocs build in this process and returns what it produced and
logged; `mkdocs_cli(root, ...)` runs the `mkdocs` command in a subprocess, for what a user
sees on the terminal (exit code, messages, no traceback).
`parse_html(text)` is a forgiving tree over html.parser, enough to query the built pages.

Importable from tests as `from sitebuild import ...` (tests/ is on sys.path: pytest's
default import mode puts the folder of a test module without __init__.py there).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from posixpath import normpath
from urllib.parse import unquote, urlsplit

import yaml

REPO = Path(__file__).resolve().parent.parent
MKDOCS = [sys.executable, "-m", "mkdocs"]

# -- the tiny project ------------------------------------------------------------------
#
# Review period 2026-Q2 (the latest with data). Expected values, by the documented formula
# score = 6.67 + (actual - target) / (target - red_flag) * 3.33, clamped to 0..10:
#
#   unit   kpi           actual  target  red flag         score  status
#   tiny   revenue       90      100     80               5.00   At risk
#   tiny   nps           60      50      30               8.33   On track
#   sales  deals         8       10      9 (10 % default) 0.00   Off track  (clamped from -3.33)
#   sales  churn (lower) 6.5     5       8                5.00   At risk
#   north  new-accounts  22      20      18 (default)     10.00  On track
#   north  visits        12      -       -                -      No target
#   north  referrals     -       5       4.5              -      No data
#
# In 2026-Q1: deals 10 = target (6.67, On track), new-accounts 18 = red flag (3.33, At risk).

ORGANIZATION = """\
name: Tiny Co
vision: Small and steady.
mission: Sell useful things.
fiscal_year_start: 1
review_cadence: quarterly
perspectives:
  - id: financial
    name: Financial
    question: How do we look to our owners?
  - id: customer
    name: Customer
    question: How do customers see us?
themes:
  - id: growth
    name: Growth
    description: Grow where we already are.
checks:
  silence:
    - check: only-lagging
      reason: The fixture is too small for a balanced indicator mix.
    - check: kpi-without-target
      unit: north
      reason: Visits are counted, not targeted, this year.
    - check: stale-actuals
      unit: north
      reason: Referrals start being reported next year.
kpis:
  - id: nps
    name: Net promoter score
    description: Promoters minus detractors.
    unit: pts
    direction: higher
    frequency: quarterly
    indicator: leading
    owner: Head of CX
    data_source: Survey tool
"""

TINY = """\
id: tiny
name: Tiny Co Group
owner: Chief Executive
description: The whole company.
objectives:
  - id: grow-revenue
    name: Grow revenue
    perspective: financial
    theme: growth
    owner: Chief Financial Officer
    description: Sell more to the customers we have.
    kpis:
      - id: revenue
        name: Revenue
        unit: EUR
        target: 100
        red_flag: 80
        owner: Chief Financial Officer
  - id: delight-customers
    name: Delight customers
    perspective: customer
    drives: [grow-revenue]
    kpis:
      - id: nps
        definition: nps
        target: 50
        red_flag: 30
initiatives:
  - id: crm-rollout
    name: CRM roll-out
    owner: Head of CX
    description: One view of every customer.
    objectives: [delight-customers]
    start: 2026-01-01
    end: 2026-06-30
    budget: 250000
    currency: EUR
    status: on-track
    progress: 40
"""

SALES = """\
id: sales
name: Sales
parent: tiny
owner: Head of Sales
objectives:
  - id: win-deals
    name: Win deals
    perspective: financial
    supports: [grow-revenue]
    kpis:
      - id: deals
        name: Deals won
        target: 10
        owner: Head of Sales
        indicator: leading
  - id: keep-customers
    name: Keep customers
    perspective: customer
    supports: [delight-customers]
    drives: [win-deals]
    kpis:
      - id: churn
        name: Churn rate
        unit: "%"
        decimals: 1
        direction: lower
        target: 5
        red_flag: 8
        owner: Head of Sales
initiatives:
  - id: key-accounts
    name: Key account programme
    owner: Head of Sales
    objectives: [keep-customers]
    status: not-started
    progress: 0
"""

NORTH = """\
id: north
name: Sales North
parent: sales
owner: Regional Lead North
omitted_perspectives:
  - perspective: financial
    reason: Revenue is booked by Sales.
objectives:
  - id: open-accounts
    name: Open new accounts
    perspective: customer
    supports: [keep-customers]
    kpis:
      - id: new-accounts
        name: New accounts
        target: 20
        owner: Regional Lead North
        indicator: leading
      - id: visits
        name: Customer visits
        owner: Regional Lead North
      - id: referrals
        name: Referrals
        target: 5
        owner: Regional Lead North
"""

ACTUALS = """\
unit,kpi,period,value,note
tiny,revenue,2026-Q1,95,
tiny,revenue,2026-Q2,90,Price war
tiny,nps,2026-Q1,45,
tiny,nps,2026-Q2,60,
sales,deals,2026-Q1,10,
sales,deals,2026-Q2,8,
sales,churn,2026-Q1,5.5,
sales,churn,2026-Q2,6.5,
north,new-accounts,2026-Q1,18,
north,new-accounts,2026-Q2,22,
north,visits,2026-Q2,12,
"""

SCORECARDS: dict[str, str] = {
    "organization.yml": ORGANIZATION,
    "units/tiny.yml": TINY,
    "units/sales.yml": SALES,
    "units/north.yml": NORTH,
    "actuals/2026.csv": ACTUALS,
}

ABOUT = """\
# About this site

Start at the [Sales scorecard](units/sales/index.md), or go straight to
[opening accounts](units/north/index.md#objective-open-accounts).
"""

DOCS: dict[str, str] = {"about.md": ABOUT}


def mkdocs_config(**overrides) -> dict:
    """The fixture's mkdocs.yml as a dict; `bsc={...}` sets plugin options, others are top-level keys."""
    bsc = {"scorecards": "scorecards", **overrides.pop("bsc", {})}
    config = {
        "site_name": "Tiny Co strategy",
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"name": "material", "custom_dir": "overrides", "font": False,
                  "features": ["navigation.indexes"]},
        "plugins": ["search", {"bsc": bsc}],
        "markdown_extensions": ["attr_list", {"toc": {"permalink": True}}],
        "validation": {"omitted_files": "warn", "absolute_links": "warn",
                       "unrecognized_links": "warn", "anchors": "warn"},
    }
    config.update(overrides)
    return config


def write_tree(root: Path, files: dict[str, str | bytes | None]) -> None:
    """Write each file below root (text as UTF-8 with LF); None deletes it."""
    for name, data in files.items():
        path = root / name
        if data is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8", newline="\n")


def make_site(
    root: Path,
    *,
    scorecards: dict[str, str | bytes | None] | None = None,
    docs: dict[str, str | bytes | None] | None = None,
    files: dict[str, str | bytes | None] | None = None,
    config: dict | None = None,
) -> Path:
    """Write the fixture project into `root`: scorecards/ (base + `scorecards` changes),
    docs/ (base + `docs` changes), any other `files` (e.g. overrides/bsc/unit.md.j2) and
    mkdocs.yml from `mkdocs_config(**config)`. Returns root."""
    root.mkdir(parents=True, exist_ok=True)
    write_tree(root / "scorecards", {**SCORECARDS, **(scorecards or {})})
    write_tree(root / "docs", {**DOCS, **(docs or {})})
    (root / "docs").mkdir(exist_ok=True)
    (root / "overrides").mkdir(exist_ok=True)
    write_tree(root, files or {})
    (root / "mkdocs.yml").write_text(
        yaml.safe_dump(mkdocs_config(**(config or {})), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root


def copy_example(dest: Path) -> Path:
    """The repository's example site (mkdocs.yml, docs/, scorecards/, overrides/) copied to dest."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    for folder in ("docs", "scorecards", "overrides"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, dest / folder)
    return dest


# -- building --------------------------------------------------------------------------


@dataclass
class Build:
    """What one build did: whether it succeeded, where the site is, what it logged."""

    root: Path
    site: Path
    ok: bool
    messages: list[tuple[str, str]] = field(default_factory=list)  # (level name, message)
    error: str = ""
    returncode: int = 0  # of the `mkdocs` command, for builds run by mkdocs_cli
    _parsed: dict[str, "Node"] = field(default_factory=dict, repr=False, compare=False)

    def text(self) -> str:
        return "\n".join(f"{level}: {msg}" for level, msg in self.messages) + ("\n" + self.error if self.error else "")

    def warnings(self) -> list[str]:
        return [m for level, m in self.messages if level in ("WARNING", "ERROR")]

    def html(self, rel: str) -> str:
        return (self.site / rel).read_text(encoding="utf-8")

    def page(self, rel: str) -> "Node":
        """The parsed page (parsed once per build; do not change the tree)."""
        if rel not in self._parsed:
            self._parsed[rel] = parse_html(self.html(rel))
        return self._parsed[rel]

    def html_files(self) -> list[str]:
        return sorted(p.relative_to(self.site).as_posix() for p in self.site.rglob("*.html"))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.getMessage()))


def build(root: Path, *, strict: bool = False, config_file: str = "mkdocs.yml") -> Build:
    """A real MkDocs build of root/mkdocs.yml in this process (as `mkdocs build [--strict]`)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    site = root / "site"
    try:
        config = load_config(config_file=str(root / config_file), strict=strict)
        site = Path(config.site_dir)
        mkdocs_build(config)
    except MkDocsException as exc:
        return Build(root, site, False, handler.records, f"{type(exc).__name__}: {exc}")
    finally:
        logger.removeHandler(handler)
    return Build(root, site, True, handler.records)


def mkdocs_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`mkdocs <args>` run from inside root, as a user would; output captured as text."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([*MKDOCS, *args], cwd=root, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- reading the pages -----------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    """An element: tag, attributes, children (Nodes and strings)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: "Node | None" = None):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def iter(self, tag: str | None = None):
        """This element and every element below it, in document order."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter(tag)

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list["Node"]:
        return [n for n in self.iter(tag) if n is not self
                and (cls is None or cls in n.classes)
                and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> "Node | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def children_elements(self, tag: str | None = None) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]

    def by_id(self, ident: str) -> "Node | None":
        return next((n for n in self.iter() if n.attrs.get("id") == ident), None)

    def ids(self) -> set[str]:
        return {n.attrs["id"] for n in self.iter() if n.attrs.get("id")}

    def itertext(self):
        for child in self.children:
            if isinstance(child, Node):
                yield from child.itertext()
            else:
                yield child

    @property
    def text(self) -> str:
        """The visible text, whitespace collapsed, without heading permalinks (¶)."""
        return " ".join("".join(self.itertext()).replace("\u00b6", "").split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def content(page: Node) -> Node:
    """The page's main content (Material's article), without the navigation around it."""
    article = page.find("article")
    assert article is not None, "no <article> in the page"
    return article


def resolve(site: Path, page_rel: str, href: str) -> tuple[str, str] | None:
    """The site file (relative path) an href on the page at page_rel points to, and its
    fragment; a folder means its index.html. None for links leaving the site (a scheme
    such as https: or mailto:, or a host). An absolute path counts from the site root
    (MkDocs' 404 page uses them). A path that climbs out of the site is returned as is
    (starting with '..'), so the caller sees it does not exist."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    fragment = unquote(parts.fragment)
    if not parts.path:
        return page_rel, fragment
    path = unquote(parts.path)
    if path.startswith("/"):  # from the site root (MkDocs' 404 page), as served at the top of a host
        base, path = "", path.lstrip("/") or "."
    else:
        base = page_rel.rsplit("/", 1)[0] + "/" if "/" in page_rel else ""
    target = normpath(base + path)
    if target == ".":
        target = ""
    if target == "" or (site / target).is_dir():
        target = f"{target}/index.html" if target else "index.html"
    return target, fragment


# -- added for the review tests (tests/test_review_site.py) -------------------------------


SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def unsafe_attributes(tag: str, attrs: dict[str, str | None]) -> list[str]:
    """Event handlers and script URLs among an element's attributes (namespaced ones too)."""
    found = []
    for name, value in attrs.items():
        local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
        if local.startswith("on"):
            found.append(f"<{tag} {name}={value!r}>")
        if local in ("href", "src", "action", "formaction", "data") and value and \
                SCRIPT_URL.match(re.sub(r"[\x00-\x20]", "", value)):
            found.append(f"<{tag} {name}={value!r}>")
    return found


def unsafe_html(node: Node) -> list[str]:
    """Script elements of ours, embedded objects, event handlers and script URLs anywhere below node."""
    found = []
    for n in node.iter():
        if n.tag in ("script", "iframe", "object", "embed") and ("alert" in "".join(n.itertext()) or
                                                                  n.tag != "script"):
            found.append(f"<{n.tag}>{''.join(n.itertext())[:60]}")
        found += unsafe_attributes(n.tag, n.attrs)
    return found


def article_html(text: str) -> str:
    """The page's <article>...</article> exactly as written (Material's main content, without
    the navigation around it), for byte-for-byte comparisons of a page across builds."""
    assert text.count("<article") == 1, "expected exactly one <article> in the page"
    start = text.index("<article")
    end = text.index("</article>", start) + len("</article>")
    return text[start:end]


def internal_broken_links(site: Build) -> list[str]:
    """Every <a href> (and SVG xlink:href) of the site's pages whose file, or #fragment on it,
    does not exist (links leaving the site are not followed)."""
    ids: dict[str, set[str]] = {}
    broken = []
    for rel in site.html_files():
        for a in site.page(rel).iter("a"):
            href = a.get("href", a.get("xlink:href"))
            target = resolve(site.site, rel, href) if href is not None else None
            if target is None:
                continue
            path, fragment = target
            if not (site.site / path).is_file():
                broken.append(f"{rel}: {href} -> {path} (no such file)")
            elif fragment and path.endswith(".html"):
                if path not in ids:
                    ids[path] = parse_html((site.site / path).read_text(encoding="utf-8")).ids()
                if fragment not in ids[path]:
                    broken.append(f"{rel}: {href} -> {path}#{fragment} (no such id)")
    return broken


def primary_nav_links(site: Build, page_rel: str) -> list[tuple[str, str]]:
    """(title, target file) of every link in a page's primary navigation, in order, at any depth
    (the table of contents of the page itself included)."""
    nav = site.page(page_rel).find("nav", cls="md-nav--primary")
    assert nav is not None, f"no primary navigation on {page_rel}"
    links = [(a.text, resolve(site.site, page_rel, a.get("href"))) for a in nav.find_all("a") if a.get("href")]
    return [(title, target[0]) for title, target in links if target is not None]


def bsc_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`bsc <args>` run from cwd, as a user would; output captured as text."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "bsc_site.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
