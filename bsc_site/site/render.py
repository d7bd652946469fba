"""The Jinja environment for generated pages: autoescaped, overridable, with domain filters."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from ..model import Kpi
from ..status.scoring import Status, Target

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
# A link or image to a script URL, and a reference definition of one: matched just before
# the "(" / "[" that makes them Markdown, which md_block escapes so they stay plain text. A
# reference definition is matched wherever it stands, not only at the start of a line:
# Python-Markdown also reads one after list markers ("- ", "1. "). A scheme may be broken
# by whitespace ("java\nscript:"): browsers drop line breaks and tabs from URLs.
_SCHEME = (r"\s*(?:<|&lt;)?\s*(?:" + "|".join(r"\s*".join(name) for name in ("javascript", "vbscript", "data", "file"))
           + r")\s*:")
_UNSAFE_LINK = re.compile(r"\](?=\(" + _SCHEME + ")", re.IGNORECASE)
_UNSAFE_REF = re.compile(r"(?=\[[^\]]*\]:" + _SCHEME + ")", re.IGNORECASE)
# attr_list syntax ({: onclick="..." } after a paragraph, heading, link or emphasis): the
# extension is on (the plugin adds it), so user Markdown could set any attribute, onclick
# included. The brace becomes an entity, which attr_list does not read.
_ATTR_LIST = re.compile(r"\{(?=[^}\n]*\})")


def md_text(text: object) -> Markup:
    """User text placed in Markdown (e.g. a heading): no HTML, no Markdown syntax."""
    escaped = html.escape(str(text), quote=True)
    return Markup(_MD_SPECIAL.sub(r"\\\1", escaped).replace("\n", " "))


def md_block(text: object) -> Markup:
    """User Markdown (descriptions, strategy): Markdown kept; raw HTML, script links and
    attribute lists defused.

    A link to a script URL is shown as the text it was written as, not made a link: a
    link to a made-up anchor instead would fail strict builds with a warning about a link
    in a generated page the author never wrote.
    """
    escaped = html.escape(str(text), quote=False)
    escaped = _UNSAFE_LINK.sub("]\\\\", escaped)
    escaped = _UNSAFE_REF.sub(r"\\", escaped)
    # An entity, which a backslash before it cannot undo. Inside a code span it shows as
    # "&#123;": telling code spans apart as Markdown does is not worth the risk of erring.
    escaped = _ATTR_LIST.sub("&#123;", escaped)
    return Markup(escaped)


_MARKDOWN = None


def md_html(text: object, lead: str = "") -> Markup:
    """User Markdown rendered to HTML, for places inside generated HTML (commentary in tables and notes).

    The text is defused exactly as `md_block` does (no raw HTML, no script links, no
    attribute lists) before Python-Markdown renders it.
    """
    global _MARKDOWN
    if _MARKDOWN is None:
        import markdown

        _MARKDOWN = markdown.Markdown(extensions=[], output_format="html")
    html_text = _MARKDOWN.reset().convert(str(md_block(text)))
    if lead:  # "Analysis: ..." reads as one sentence: the lead opens the first paragraph
        strong = f"<strong>{html.escape(lead)}</strong> "
        html_text = html_text.replace("<p>", "<p>" + strong, 1) if html_text.startswith("<p>") \
            else f"<p>{strong}</p>{html_text}"
    return Markup(html_text)


@functools.lru_cache(maxsize=4096)  # a page shows each value in a table, a chart and its text
def number(value: float | None, decimals: int = 0) -> str:
    """1234.5 -> '1,234.5'; None -> '–'."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if not text.lstrip("-").strip("0.,"):
        text = text.lstrip("-")  # -0.0 rounds to zero: no sign
    return text.replace("-", "−")


def with_unit(text: str, unit: str) -> str:
    if not unit or text == "–":
        return text
    return f"{text}{unit}" if unit in ("%", "‰") else f"{text} {unit}"


def _number_text(value: Target, kpi: Kpi) -> str:
    """A value or range in the KPI's number format, without its unit."""
    if isinstance(value, tuple):
        return f"{number(value[0], kpi.decimals)}–{number(value[1], kpi.decimals)}"
    return number(value, kpi.decimals)


def kpi_value(value: Target | None, kpi: Kpi, show_unit: bool = True) -> str:
    """A value or range in the KPI's number format and unit."""
    if value is None:
        return "–"
    text = _number_text(value, kpi)
    return with_unit(text, kpi.unit) if show_unit else text


def signed(value: float | None, kpi: Kpi) -> str:
    if value is None:
        return "–"
    text = number(abs(value), kpi.decimals)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return with_unit(sign + text, kpi.unit)


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@functools.cache
def status_badge(status: Status, overridden: bool = False) -> Markup:
    """Icon + word + colour class: status never depends on colour alone."""
    return Markup(
        f'<span class="bsc-status bsc-status--{status.value}">'
        f'<span class="bsc-status__icon" aria-hidden="true">{html.escape(status.icon)}</span> '
        f"{html.escape(status.label)}</span>"
    )


def mini_status(status: Status, override: object = None) -> Markup:
    """A compact badge for history tables: icon shown, word for screen readers and tooltip."""
    return _mini_status(status, bool(override))


@functools.cache
def _mini_status(status: Status, override: bool) -> Markup:
    label = status.label + (" (overridden)" if override else "")
    mark = '<sup class="bsc-override-mark" aria-hidden="true">*</sup>' if override else ""
    return Markup(
        f'<span class="bsc-status bsc-status--{status.value} bsc-status--mini" title="{label}">'
        f'<span aria-hidden="true">{html.escape(status.icon)}</span><span class="bsc-sr">{label}</span></span>{mark}'
    )


@functools.lru_cache(maxsize=1024)
def _escaped(text: str) -> str:
    """`escape(text)` as text, for the few strings a page repeats hundreds of times (period
    labels, units of measure)."""
    return str(escape(text))


def kpi_value_html(value: Target | None, kpi: Kpi) -> str:
    """`escape(kpi_value(value, kpi))`, escaping only the unit (a number's text never needs it)."""
    if value is None:
        return "–"
    text = _number_text(value, kpi)
    return with_unit(text, _escaped(kpi.unit)) if kpi.unit else text


def history_rows(kpi: Kpi, values) -> Markup:
    """The rows of a KPI's history table, newest first: period, actual, target, status, note.

    Written out here rather than in a template loop: a unit page has hundreds of them.
    """
    if not values:
        return Markup('<tr><td colspan="5">No value reported yet.</td></tr>\n')
    rows = []
    for v in reversed(values):
        rows.append(f'<tr><th scope="row">{_escaped(v.period.label)}</th>'
                    f'<td class="bsc-num">{kpi_value_html(v.actual, kpi)}</td>'
                    f'<td class="bsc-num">{kpi_value_html(v.target, kpi)}</td>'
                    f"<td>{status_badge(v.status)}</td><td>{escape(v.note) if v.note else ''}</td></tr>\n")
    return Markup("".join(rows))


def kpi_row(k, sparkline: str, override_note) -> Markup:
    """A KPI's row in its objective's KPI table (`_macros.j2` kpi_table): name, actual,
    target, variance, status, trend, the recent periods' sparkline, frequency, owner.

    Written out here rather than in a template loop: a unit page has dozens of them.
    `override_note` is the template macro of that name (an author's override of it counts).
    """
    kpi, v = k.kpi, k.current
    leading = " · leading" if kpi.indicator == "leading" else ""
    note = f" {override_note(v)}" if v.override else ""
    if k.trend:
        trend = (f'<span class="bsc-trend bsc-trend--{escape(k.trend.value)}" title="{escape(k.trend.label)} since '
                 f'{_escaped(k.previous.period.label)}"><span aria-hidden="true">{escape(k.movement)}</span> '
                 f"{escape(k.trend.label)}</span>")
    else:
        trend = '<span class="bsc-muted">–</span>'
    return Markup(
        f'<tr>\n<th scope="row"><a href="#kpi-{escape(kpi.id)}">{escape(kpi.name)}</a>'
        f'<span class="bsc-direction">{escape(kpi.direction.label)}{leading}</span></th>\n'
        f'<td class="bsc-num">{kpi_value_html(v.actual, kpi)}</td>\n'
        f'<td class="bsc-num">{kpi_value_html(v.target, kpi)}</td>\n'
        f'<td class="bsc-num">{escape(signed(v.variance, kpi))}</td>\n'
        f"<td>{status_badge(v.status)}{note}</td>\n"
        f"<td>{trend}</td>\n"
        f"<td>{escape(sparkline)}</td>\n"
        f"<td>{escape(kpi.frequency.value.capitalize())}</td>\n"
        f"<td>{escape(kpi.owner or '–')}</td>\n"
        "</tr>"
    )


def kpi_detail(k, chart: str, history_table: str, catalogue_href) -> Markup:
    """A KPI's folded details on its unit page: definition facts, history chart and table.

    Written out here rather than in the template: a unit page has dozens of them. `chart`
    and `history_table` come rendered (the latter by the `_macros.j2` macro, which an
    author can override); `catalogue_href(anchor)` links the shared KPI library.
    """
    kpi, v, ytd = k.kpi, k.current, k.year_to_date
    parts = [f'<details class="bsc-kpi-detail">\n<summary>{escape(kpi.name)}: definition and full history</summary>\n'
             f'<div id="kpi-{escape(kpi.id)}" class="bsc-kpi-detail__body">\n']
    if kpi.description:
        parts.append(f"<p>{escape(kpi.description)}</p>")
    parts.append(f'<dl class="bsc-facts">\n<dt>Direction</dt><dd>{escape(kpi.direction.label)}</dd>\n'
                 f"<dt>Target</dt><dd>{kpi_value_html(v.target, kpi)}")
    if v.red_flag is not None:
        parts.append(f" (red flag {kpi_value_html(v.red_flag, kpi)}{', default tolerance' if v.red_flag_defaulted else ''})")
    parts.append("</dd>\n")
    if kpi.baseline is not None:
        parts.append(f"<dt>Baseline</dt><dd>{kpi_value_html(kpi.baseline, kpi)}</dd>")
    parts.append(f"<dt>Reported</dt><dd>{escape(kpi.frequency.value.capitalize())}, combined by "
                 f"{escape(kpi.aggregation.value)}</dd>\n<dt>Indicator</dt><dd>{escape(kpi.indicator.capitalize())}</dd>\n"
                 f"<dt>Owner</dt><dd>{escape(kpi.owner or '–')}</dd>\n"
                 f"<dt>Data source</dt><dd>{escape(kpi.data_source or '–')}</dd>\n")
    if kpi.definition:
        parts.append(f'<dt>Definition</dt><dd><a href="{escape(catalogue_href("definition-" + str(kpi.definition)))}">'
                     f"{escape(kpi.definition)}</a> (shared KPI library)</dd>")
    if ytd and ytd.actual is not None:
        parts.append(f"<dt>Year to date</dt><dd>{kpi_value_html(ytd.actual, kpi)} against "
                     f"{kpi_value_html(ytd.target, kpi)}: {status_badge(ytd.status)} "
                     f'<span class="bsc-muted">({escape(ytd.basis)})</span></dd>')
    parts.append(f"</dl>\n{chart}\n{escape(history_table)}\n</div>\n</details>")
    return Markup("".join(parts))


def status_history_rows(result) -> Markup:
    """The rows of a unit's status history: each objective, then its KPIs, a cell per review period.

    Written out here rather than in a template loop: a unit has dozens of rows of periods.
    """
    rows = []
    for perspective in result.perspectives:
        for o in perspective.objectives:
            cells = "".join([f"<td>{_mini_status(r.status, bool(r.override))}</td>" for r in o.history])
            rows.append(f'<tr class="bsc-history-objective"><th scope="row"><a href="#objective-{escape(o.objective.id)}">'
                        f"{escape(o.objective.name)}</a></th>{cells}</tr>\n")
            for k in o.kpis:
                cells = "".join([f"<td>{_mini_status(v.status, bool(v.override))}</td>" for v in k.history])
                rows.append(f'<tr class="bsc-history-kpi"><th scope="row"><a href="#kpi-{escape(k.kpi.id)}">'
                            f"{escape(k.kpi.name)}</a></th>{cells}</tr>\n")
    return Markup("".join(rows))


def environment(override_dir: Path | None = None) -> jinja2.Environment:
    """Templates from `override_dir` first (the site author's), then the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(override_dir)))
    loaders.append(jinja2.PackageLoader("bsc_site", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["mini_status"] = mini_status
    env.globals["history_rows"] = history_rows
    env.globals["status_history_rows"] = status_history_rows
    env.globals["kpi_row"] = kpi_row
    env.globals["kpi_detail"] = kpi_detail
    env.filters.update(md=md_text, markdown=md_block, md_html=md_html, number=number, kpi_value=kpi_value, signed=signed,
                       score=score, badge=status_badge)
    return env
