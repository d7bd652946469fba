"""An Atom feed of the reviews, newest first: one entry per review, linking to its archive page."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

from ..model import Scorecards

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(day: datetime.date | None) -> str:
    return f"{(day or datetime.date(1970, 1, 1)).isoformat()}T00:00:00Z"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "organisation"


def review_feed(sc: Scorecards, review_url: callable, feed_url: str) -> bytes:
    """The feed document; `review_url(period_label)` gives each review page's URL."""
    ET.register_namespace("", ATOM)
    org = sc.organization
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"{org.name}: strategy reviews"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"urn:bsc-site:{_slug(org.name)}:reviews"
    reviews = sorted(sc.reviews, key=lambda r: r.period, reverse=True)
    latest = max((r.date or r.period.end for r in reviews), default=None)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _stamp(latest)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = org.name
    for review in reviews:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        title = f"{review.period.label} review" + (f": {review.forum}" if review.forum else "")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"urn:bsc-site:{_slug(org.name)}:review:{review.period.label}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _stamp(review.date or review.period.end)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                      href=review_url(review.period.label))
        summary = review.summary.strip() or f"{len(review.actions)} actions, {len(review.commentary)} comments."
        ET.SubElement(entry, f"{{{ATOM}}}summary", type="text").text = summary
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"
