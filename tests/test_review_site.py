"""The review cycle in the published site: real MkDocs builds of the tiny project with reviews,
checked by what a reader (or a program reading the data files) sees.

The tiny project (tests/sitebuild.py) has actuals for 2026-Q1 and 2026-Q2; here it gains a
review of each, a 2026-Q1 value for Referrals (so it is newly without data in 2026-Q2), and,
for the archive tests, a third quarter. Builds are shared per module:

- `reviewed`       the project with the 2026-Q1 and 2026-Q2 reviews
- `twin`           the same input built in another folder (determinism)
- `next_quarter`   `reviewed` plus 2026-Q3 actuals and review, and a 2026-Q2 action since done
- `snapshotted`    `reviewed`, `bsc snapshot --period 2026-Q1`, then one KPI added and one removed

Hand-computed statuses (score = 6.67 + (actual - target) / (target - red_flag) * 3.33):

    kpi           2026-Q1                    2026-Q2
    revenue       95 -> 5.83 at risk         90 -> 5.00 at risk   (objective overridden: on track)
    nps           45 -> 5.83 at risk         60 -> 8.33 on track
    deals         10 -> 6.67 on track        8  -> 0    off track  (worsens)
    churn (lower) 5.5 -> 6.11 at risk        6.5 -> 5.00 at risk   (overridden: on track)
    new-accounts  18 -> 3.33 at risk         22 -> 10   on track
    visits        -  no data                 12 no target
    referrals     5  -> 6.67 on track        -  no data            (newly without data)

Overrides count with their band's middle score (on track 8.33): in 2026-Q2 Sales is
(0 + 8.33) / 2 = 4.17, at risk (without the override (0 + 5) / 2 = 2.5, off track), and
Tiny Co Group (8.33 + 8.33) / 2 = 8.33, on track.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import jsonschema
import pytest

import sitebuild as sb
from bsc_site.export import CSV_COLUMNS
from sitebuild import (Build, Node, article_html, bsc_cli, build, content, internal_broken_links, make_site,
                       primary_nav_links, resolve, snapshot)

ATOM = "http://www.w3.org/2005/Atom"


def edit(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


REVIEW_Q1 = """\
period: 2026-Q1
date: 2026-04-15
forum: Quarterly business review
summary: First review of the year.
commentary:
  - unit: sales
    objective: win-deals
    analysis: Deals are on plan after the new pricing.
actions:
  - id: pricing-study
    unit: sales
    objective: win-deals
    what: Study competitor pricing
    owner: Head of Sales
    due: 2026-05-31
    status: done
    completed: 2026-06-20
  - id: hire-rep
    unit: sales
    what: Hire a sales representative
    owner: Head of Sales
    due: 2026-06-30
  - id: visit-report
    unit: north
    what: Send the overdue visit report
    owner: Regional Lead North
    due: 2026-04-01
"""

FORUM_Q2 = 'Board <script>alert("forum")</script>'
SUMMARY_Q2 = 'A mixed quarter. <script>alert("summary")</script>'
CHURN_REASON = "The churn spike is a one-off from the billing migration."
REVENUE_REASON = "Revenue includes a one-off write-down."

REVIEW_Q2 = f"""\
period: 2026-Q2
date: 2026-07-15
forum: '{FORUM_Q2}'
summary: |
  {SUMMARY_Q2}
commentary:
  - unit: sales
    analysis: Sales had a weak quarter.
    recommendation: Rebuild the pipeline before chasing new regions.
  - unit: sales
    objective: keep-customers
    analysis: Churn rose after the billing migration.
    recommendation: Call every customer whose contract ends in Q3.
  - unit: sales
    kpi: deals
    analysis: Two deals slipped into July.
    recommendation: Close them in Q3.
overrides:
  - unit: sales
    kpi: churn
    status: on-track
    reason: {CHURN_REASON}
  - unit: tiny
    objective: grow-revenue
    status: on-track
    reason: {REVENUE_REASON}
actions:
  - id: close-slipped
    unit: sales
    objective: win-deals
    what: Close the two slipped deals
    owner: Head of Sales
    due: 2026-08-31
"""

ACTUALS = sb.ACTUALS + "north,referrals,2026-Q1,5,\n"

REVIEWED = {"reviews/2026-Q1.yml": REVIEW_Q1, "reviews/2026-Q2.yml": REVIEW_Q2, "actuals/2026.csv": ACTUALS}

REVIEW_Q3 = """\
period: 2026-Q3
date: 2026-10-14
forum: Quarterly business review
summary: Back on plan.
actions:
  - id: more-visits
    unit: north
    what: Visit every key account once a quarter
    owner: Regional Lead North
    due: 2026-12-31
"""

NEXT_QUARTER = {
    **REVIEWED,
    "actuals/2026.csv": ACTUALS + "tiny,revenue,2026-Q3,99,\ntiny,nps,2026-Q3,52,\nsales,deals,2026-Q3,11,\n"
                                  "sales,churn,2026-Q3,5,\nnorth,new-accounts,2026-Q3,21,\nnorth,visits,2026-Q3,14,\n",
    "reviews/2026-Q3.yml": REVIEW_Q3,
    # between the reviews, the 2026-Q2 action is done: its own review page must still show it open
    "reviews/2026-Q2.yml": edit(REVIEW_Q2, "    due: 2026-08-31\n",
                                "    due: 2026-08-31\n    status: done\n    completed: 2026-08-20\n"),
}


def _built(root, scorecards) -> Build:
    result = build(make_site(root, scorecards=scorecards), strict=True)
    assert result.ok, result.text()
    return result


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory) -> Build:
    return _built(tmp_path_factory.mktemp("reviewed"), REVIEWED)


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> Build:
    return _built(tmp_path_factory.mktemp("twin"), REVIEWED)


@pytest.fixture(scope="module")
def next_quarter(tmp_path_factory) -> Build:
    return _built(tmp_path_factory.mktemp("next-quarter"), NEXT_QUARTER)


PIPELINE = """\
      - id: pipeline
        name: Pipeline value
        target: 100
        red_flag: 80
        owner: Head of Sales
        indicator: leading
"""
VISITS = """\
      - id: visits
        name: Customer visits
        owner: Regional Lead North
"""


@pytest.fixture(scope="module")
def snapshotted(tmp_path_factory):
    """(site, the first `bsc snapshot` run, the snapshot's path): the 2026-Q1 snapshot written
    by the command, then a KPI added to Sales and one removed from Sales North, and rebuilt."""
    root = make_site(tmp_path_factory.mktemp("snapshotted"), scorecards=REVIEWED)
    run = bsc_cli(root, "snapshot", "scorecards", "--period", "2026-Q1")
    assert run.returncode == 0, run.stdout + run.stderr
    sb.write_tree(root / "scorecards", {
        "units/sales.yml": edit(sb.SALES, "        indicator: leading\n", "        indicator: leading\n" + PIPELINE),
        "units/north.yml": edit(sb.NORTH, VISITS, ""),
        "actuals/2026.csv": edit(ACTUALS, "north,visits,2026-Q2,12,\n", "") + "sales,pipeline,2026-Q2,90,\n",
    })
    site = build(root, strict=True)
    assert site.ok, site.text()
    return site, run, root / "scorecards" / "reviews" / "2026-Q1.snapshot.json"


# -- reading the pages -------------------------------------------------------------------------


def unit_page(site: Build, unit_id: str) -> Node:
    return content(site.page(f"units/{unit_id}/index.html"))


def review_page(site: Build, label: str) -> Node:
    return content(site.page(f"reviews/{label}/index.html"))


def own_text(node: Node) -> str:
    """The text directly inside an element, without its child elements' text."""
    return " ".join("".join(c for c in node.children if isinstance(c, str)).split())


def kpi_status_cells(page: Node) -> dict[str, str]:
    """KPI name -> the text of its Status cell in the KPI tables."""
    out = {}
    for table in page.find_all("table", cls="bsc-kpis"):
        for tr in table.find("tbody").children_elements("tr"):
            out[tr.find("th").find("a").text] = tr.children_elements("td")[3].text
    return out


def objective_meta(page: Node, objective_id: str) -> str:
    """The status line under an objective's heading."""
    heading = page.by_id(f"objective-{objective_id}")
    siblings = heading.parent.children_elements()
    block = next(n for n in siblings[siblings.index(heading) + 1:] if "bsc-objective" in n.classes)
    return block.find("p", cls="bsc-meta").text


def tiles(page: Node) -> dict[str, str]:
    """Perspective name -> the status shown on its tile."""
    return {t.find("span", cls="bsc-tile__name").text: t.find("span", cls="bsc-tile__status").text
            for t in page.find_all(cls="bsc-tile")}


def review_notes(page: Node) -> list[tuple[str | None, list[str]]]:
    """(the objective the note is under, or None above the first perspective; the note's paragraphs),
    for each 'From the ... review' note on a unit page, in page order."""
    out = []
    objective = None
    for node in page.iter():
        if node.tag == "h2":
            objective = None
        elif node.tag == "h3" and (node.get("id") or "").startswith("objective-"):
            objective = node.get("id")[len("objective-"):]
        elif "bsc-review-note" in node.classes:
            out.append((objective, [p.text for p in node.find_all("p")]))
    return out


def actions(page: Node) -> dict[str, list[str]]:
    """Action text -> the cells of its row in the decisions table (owner, due, status, decided;
    the review page puts the unit first)."""
    table = page.find("table", cls="bsc-actions")
    assert table is not None, "no decisions table"
    return {own_text(tr.find("th")): [td.text for td in tr.children_elements("td")]
            for tr in table.find("tbody").children_elements("tr")}


def change_lists(page: Node) -> dict[str, list[str]]:
    """Heading of each change list ('Worsened (2)', ...) -> its items' text."""
    out: dict[str, list[str]] = {}
    heading = None
    for node in page.iter():
        if node.tag == "h3" and "bsc-change-heading" in node.classes:
            heading = node.text
        elif node.tag == "ul" and "bsc-changes" in node.classes:
            out[heading] = [li.text for li in node.children_elements("li")]
    return out


def status_history(page: Node) -> tuple[list[str], dict[str, list[str]]]:
    """The status history table: its column headings, and row name -> what a screen reader says per period."""
    table = page.find("table", cls="bsc-status-history")
    assert table is not None, "no status history table"
    columns = [th.text for th in table.find("thead").find_all("th")]
    rows = {}
    for tr in table.find("tbody").children_elements("tr"):
        cells = tr.children_elements("td")
        for td in cells:  # an icon hidden from screen readers, and the word for them
            assert td.find("span", cls="bsc-sr") is not None, td
            assert any(s.get("aria-hidden") == "true" for s in td.find_all("span")), td
        rows[tr.find("th").text] = [td.find("span", cls="bsc-sr").text for td in cells]
    return columns, rows


def feed(site: Build) -> ET.Element:
    return ET.fromstring((site.site / "reviews" / "feed.xml").read_bytes())


# -- reviews are pages, each at its own address --------------------------------------------------


def test_every_review_period_has_its_own_page(reviewed):
    for label in ("2026-Q1", "2026-Q2"):
        page = review_page(reviewed, label)
        assert page.find("h1").text == f"{label} review"
        assert f"Status as of {label}" in page.find("p", cls="bsc-meta").text
    assert (reviewed.site / "reviews" / "index.html").is_file()


def test_reviews_index_lists_every_review_newest_first(reviewed):
    rows = reviewed.page("reviews/index.html").find("table", cls="bsc-reviews").find("tbody").children_elements("tr")
    listed = [(tr.find("th").text, resolve(reviewed.site, "reviews/index.html", tr.find("a").get("href")))
              for tr in rows]
    assert listed == [("2026-Q2", ("reviews/2026-Q2/index.html", "")), ("2026-Q1", ("reviews/2026-Q1/index.html", ""))]
    # met on, forum, actions, overrides
    assert [td.text for td in rows[1].children_elements("td")] == ["2026-04-15", "Quarterly business review", "3", "0"]
    assert [td.text for td in rows[0].children_elements("td")] == ["2026-07-15", FORUM_Q2, "1", "2"]


def test_the_navigation_has_the_reviews_and_what_changed(reviewed):
    links = primary_nav_links(reviewed, "index.html")
    assert ("2026-Q1 review", "reviews/2026-Q1/index.html") in links
    assert ("2026-Q2 review", "reviews/2026-Q2/index.html") in links
    assert ("What changed", "changes/index.html") in links
    assert links.index(("2026-Q2 review", "reviews/2026-Q2/index.html")) < \
        links.index(("2026-Q1 review", "reviews/2026-Q1/index.html"))


@pytest.mark.parametrize("which", ["reviewed", "next_quarter"])
def test_every_link_of_a_reviewed_site_resolves(request, which):
    assert internal_broken_links(request.getfixturevalue(which)) == []


def test_every_link_of_a_site_with_a_snapshot_resolves(snapshotted):
    assert internal_broken_links(snapshotted[0]) == []


# -- the archive: adding a review changes no older one ------------------------------------------


@pytest.mark.parametrize("label", ["2026-Q1", "2026-Q2"])
def test_adding_a_review_leaves_older_review_pages_byte_for_byte(reviewed, next_quarter, label):
    rel = f"reviews/{label}/index.html"
    assert (next_quarter.site / rel).is_file()  # the old address still exists
    before, after = article_html(reviewed.html(rel)), article_html(next_quarter.html(rel))
    assert f"{label} review" in before
    assert after == before


def test_the_new_review_joins_the_archive(next_quarter):
    table = next_quarter.page("reviews/index.html").find("table", cls="bsc-reviews")
    rows = table.find("tbody").children_elements("tr")
    assert [tr.find("th").text for tr in rows] == ["2026-Q3", "2026-Q2", "2026-Q1"]
    links = primary_nav_links(next_quarter, "reviews/2026-Q1/index.html")
    reviews = [(t, f) for t, f in links if re.fullmatch(r"\d{4}-Q\d review", t)]
    assert reviews == [(f"{p} review", f"reviews/{p}/index.html") for p in ("2026-Q3", "2026-Q2", "2026-Q1")]


def test_an_action_done_after_its_review_stays_open_on_that_reviews_page(reviewed, next_quarter):
    # pricing-study: decided 2026-Q1 (met 2026-04-15), done 2026-06-20
    assert actions(review_page(reviewed, "2026-Q1"))["Study competitor pricing"] == [
        "Sales", "Head of Sales", "2026-05-31", "Open", "2026-Q1"]
    assert actions(unit_page(reviewed, "sales"))["Study competitor pricing"] == [
        "Head of Sales", "2026-05-31", "Done 2026-06-20", "2026-Q1"]
    # close-slipped: decided 2026-Q2 (met 2026-07-15), done 2026-08-20, recorded after the 2026-Q2 build
    assert actions(review_page(next_quarter, "2026-Q2"))["Close the two slipped deals"][3] == "Open"
    assert actions(unit_page(next_quarter, "sales"))["Close the two slipped deals"][2] == "Done 2026-08-20"


# -- overrides on the unit pages ------------------------------------------------------------------


def test_overridden_kpi_shows_overridden_with_the_computed_status_and_reason(reviewed):
    cells = kpi_status_cells(unit_page(reviewed, "sales"))
    assert cells["Churn rate"] == f"✔ On track overridden (computed: at risk; reason: {CHURN_REASON})"
    assert cells["Deals won"] == "✖ Off track"  # not overridden: no note


def test_kpi_override_rolls_up_on_the_unit_page_and_says_so(reviewed):
    page = unit_page(reviewed, "sales")
    assert objective_meta(page, "keep-customers") == "✔ On track 8.3"  # the on-track band middle, 8.33
    keep = next(d for d in page.find_all("details", cls="bsc-explain") if "Churn rate" in d.text)
    assert "The average of 1 of 1 KPIs scores is 8.33 of 10, so on track." in keep.text
    assert "1 of them has its status set by the review" in keep.text
    assert f"Overridden to on track by the 2026-Q2 review: {CHURN_REASON} (computed: at risk)." in keep.text
    assert tiles(page) == {"Financial": "✖ Off track 0.0", "Customer": "✔ On track 8.3"}
    # (0 + 8.33) / 2 = 4.17: at risk; computed it would be (0 + 5) / 2 = 2.5, off track
    assert page.find("p", cls="bsc-overall").text == "Overall: ! At risk 4.2"


def test_objective_override_shows_on_the_objective_and_its_perspective(reviewed):
    page = unit_page(reviewed, "tiny")
    assert objective_meta(page, "grow-revenue").startswith(
        f"✔ On track overridden (computed: at risk; reason: {REVENUE_REASON})")
    details = next(d for d in page.find_all("details", cls="bsc-explain") if "Revenue (weight" in d.text)
    assert f"Overridden to on track by the 2026-Q2 review: {REVENUE_REASON} (computed: at risk)." in details.text
    assert kpi_status_cells(page)["Revenue"] == "! At risk"  # the KPI keeps its computed status
    assert tiles(page)["Financial"] == "✔ On track 8.3"  # the perspective rolls up the override: 8.33
    assert page.find("p", cls="bsc-overall").text == "Overall: ✔ On track 8.3"  # (8.33 + 8.33) / 2


def test_review_page_lists_the_overrides(reviewed):
    table = review_page(reviewed, "2026-Q2").find("table", cls="bsc-overrides")
    rows = [[tr.find("th").text] + [td.text for td in tr.children_elements("td")]
            for tr in table.find("tbody").children_elements("tr")]
    assert rows == [["Churn rate", "Sales", "✔ On track", "! At risk", CHURN_REASON],
                    ["Grow revenue", "Tiny Co Group", "✔ On track", "! At risk", REVENUE_REASON]]
    hrefs = [resolve(reviewed.site, "reviews/2026-Q2/index.html", tr.find("a").get("href"))
             for tr in table.find("tbody").children_elements("tr")]
    assert hrefs == [("units/sales/index.html", "kpi-churn"), ("units/tiny/index.html", "objective-grow-revenue")]


# -- status history -------------------------------------------------------------------------------


def test_unit_page_shows_the_status_history_per_review_period(reviewed):
    columns, rows = status_history(unit_page(reviewed, "sales"))
    assert columns == ["Objective / KPI", "2026-Q1", "2026-Q2"]
    assert rows == {
        "Win deals": ["On track", "Off track"],
        "Deals won": ["On track", "Off track"],
        "Keep customers": ["At risk", "On track"],
        "Churn rate": ["At risk", "On track (overridden)"],
    }
    _, rows = status_history(unit_page(reviewed, "north"))
    assert rows == {
        "Open new accounts": ["At risk", "On track"],
        "New accounts": ["At risk", "On track"],
        "Customer visits": ["No data", "No target"],
        "Referrals": ["On track", "No data"],
    }
    _, rows = status_history(unit_page(reviewed, "tiny"))
    assert rows["Grow revenue"] == ["At risk", "On track (overridden)"]
    assert rows["Revenue"] == ["At risk", "At risk"]


def test_status_history_gains_a_column_per_review_period(next_quarter):
    columns, rows = status_history(unit_page(next_quarter, "sales"))
    assert columns == ["Objective / KPI", "2026-Q1", "2026-Q2", "2026-Q3"]
    # 2026-Q3: deals 11 (target 10): on track; churn 5 = target (lower): on track; the Q2 override stays in Q2
    assert rows["Churn rate"] == ["At risk", "On track (overridden)", "On track"]
    assert rows["Deals won"] == ["On track", "Off track", "On track"]


# -- commentary ------------------------------------------------------------------------------------


def test_commentary_appears_on_the_unit_page_under_the_right_objective(reviewed):
    notes = review_notes(unit_page(reviewed, "sales"))
    assert notes == [
        (None, ["From the 2026-Q2 review (2026-07-15)", "Analysis: Sales had a weak quarter.",
                "Recommendation: Rebuild the pipeline before chasing new regions."]),
        ("win-deals", ["From the 2026-Q2 review", "Deals won", "Analysis: Two deals slipped into July.",
                       "Recommendation: Close them in Q3."]),
        ("keep-customers", ["From the 2026-Q2 review", "Analysis: Churn rose after the billing migration.",
                            "Recommendation: Call every customer whose contract ends in Q3."]),
    ]
    assert review_notes(unit_page(reviewed, "north")) == []  # nothing was said about North


def test_unit_page_shows_only_the_current_reviews_commentary(reviewed):
    assert "Deals are on plan" not in unit_page(reviewed, "sales").text  # the 2026-Q1 review's


def test_commentary_appears_on_the_review_page(reviewed):
    page = review_page(reviewed, "2026-Q2")
    section = page.by_id("commentary-sales")
    assert section is not None and section.text == "Sales"
    entries = [(d.find("p").text, [p.text for p in d.find_all("p")[1:]])
               for d in page.find_all("div", cls="bsc-commentary")]
    assert entries == [
        ("Sales ! At risk", ["Analysis: Sales had a weak quarter.",
                             "Recommendation: Rebuild the pipeline before chasing new regions."]),
        ("Keep customers ✔ On track", ["Analysis: Churn rose after the billing migration.",
                                       "Recommendation: Call every customer whose contract ends in Q3."]),
        ("Deals won ✖ Off track", ["Analysis: Two deals slipped into July.", "Recommendation: Close them in Q3."]),
    ]
    hrefs = [resolve(reviewed.site, "reviews/2026-Q2/index.html", a.get("href"))
             for d in page.find_all("div", cls="bsc-commentary") for a in d.find_all("a")]
    assert hrefs == [("units/sales/index.html", "objective-keep-customers"), ("units/sales/index.html", "kpi-deals")]
    # and the earlier review's commentary on its own page, with the status of its period
    q1 = [d.find("p").text for d in review_page(reviewed, "2026-Q1").find_all("div", cls="bsc-commentary")]
    assert q1 == ["Win deals ✔ On track"]


# -- decisions and actions ---------------------------------------------------------------------------


def test_unit_page_lists_actions_with_owner_due_status_and_overdue(reviewed):
    # status as of the 2026-Q2 review, met 2026-07-15
    assert actions(unit_page(reviewed, "sales")) == {
        "Study competitor pricing": ["Head of Sales", "2026-05-31", "Done 2026-06-20", "2026-Q1"],
        "Hire a sales representative": ["Head of Sales", "2026-06-30", "Open overdue", "2026-Q1"],
        "Close the two slipped deals": ["Head of Sales", "2026-08-31", "Open", "2026-Q2"],
    }
    assert actions(unit_page(reviewed, "north")) == {
        "Send the overdue visit report": ["Regional Lead North", "2026-04-01", "Open overdue", "2026-Q1"]}
    assert unit_page(reviewed, "tiny").find("table", cls="bsc-actions") is None


def test_review_page_lists_its_actions_as_they_stood_on_its_date(reviewed):
    assert actions(review_page(reviewed, "2026-Q1")) == {
        "Study competitor pricing": ["Sales", "Head of Sales", "2026-05-31", "Open", "2026-Q1"],
        "Hire a sales representative": ["Sales", "Head of Sales", "2026-06-30", "Open", "2026-Q1"],
        # recorded at the review although due before it: overdue on the day
        "Send the overdue visit report": ["Sales North", "Regional Lead North", "2026-04-01", "Open overdue",
                                          "2026-Q1"],
    }
    assert actions(review_page(reviewed, "2026-Q2")) == {
        "Close the two slipped deals": ["Sales", "Head of Sales", "2026-08-31", "Open", "2026-Q2"]}


def test_action_objective_links_to_the_objective(reviewed):
    table = unit_page(reviewed, "sales").find("table", cls="bsc-actions")
    links = [(a.text, resolve(reviewed.site, "units/sales/index.html", a.get("href"))) for a in table.find_all("a")]
    assert ("Win deals", ("units/sales/index.html", "objective-win-deals")) in links


# -- what changed since the last review ----------------------------------------------------------------


Q2_CHANGES = {
    "Worsened (2)": ["Win deals (objective, Sales): ✔ On track → ✖ Off track",
                     "Deals won (KPI, Sales): ✔ On track → ✖ Off track"],
    "Improved (7)": ["Grow revenue (objective, Tiny Co Group): ! At risk → ✔ On track",
                     "Delight customers (objective, Tiny Co Group): ! At risk → ✔ On track",
                     "Net promoter score (KPI, Tiny Co Group): ! At risk → ✔ On track",
                     "Keep customers (objective, Sales): ! At risk → ✔ On track",
                     "Churn rate (KPI, Sales): ! At risk → ✔ On track",
                     "Open new accounts (objective, Sales North): ! At risk → ✔ On track",
                     "New accounts (KPI, Sales North): ! At risk → ✔ On track"],
    "Newly without data (1)": ["Referrals (Sales North): reported for 2026-Q1, not for 2026-Q2"],
    "Actions overdue (2)": ["Hire a sales representative (Sales; Head of Sales; due 2026-06-30)",
                            "Send the overdue visit report (Sales North; Regional Lead North; due 2026-04-01)"],
    "Actions completed (1)": ["Study competitor pricing (Sales; Head of Sales; done 2026-06-20)"],
}


@pytest.mark.parametrize("rel", ["changes/index.html", "reviews/2026-Q2/index.html"])
def test_what_changed_lists_statuses_data_and_actions(reviewed, rel):
    page = content(reviewed.page(rel))
    assert "2026-Q2 compared with 2026-Q1." in page.text
    assert change_lists(page) == Q2_CHANGES


def test_what_changed_links_each_item_to_its_place(reviewed):
    page = content(reviewed.page("changes/index.html"))
    worsened = page.find_all("ul", cls="bsc-changes")[0]
    assert [resolve(reviewed.site, "changes/index.html", a.get("href")) for a in worsened.find_all("a")] == [
        ("units/sales/index.html", "objective-win-deals"), ("units/sales/index.html", "kpi-deals")]


def test_without_a_snapshot_what_changed_says_how_to_get_one(reviewed):
    text = content(reviewed.page("changes/index.html")).text
    assert "Objectives and KPIs added or removed are listed once the 2026-Q1 review has a snapshot" in text
    assert "bsc snapshot --period 2026-Q1" in text
    assert "Added since" not in text and "Removed since" not in text


def test_the_first_review_has_nothing_to_compare_with(reviewed):
    section = review_page(reviewed, "2026-Q1")
    assert "This is the first review period with data: there is nothing earlier to compare with." in section.text
    assert change_lists(section) == {}


@pytest.mark.parametrize("rel", ["changes/index.html", "reviews/2026-Q2/index.html"])
def test_with_a_snapshot_what_changed_lists_added_and_removed_items(snapshotted, rel):
    site = snapshotted[0]
    page = content(site.page(rel))
    lists = change_lists(page)
    assert lists["Added since 2026-Q1 (1)"] == ["Pipeline value (KPI, Sales)"]
    assert lists["Removed since 2026-Q1 (1)"] == ["Customer visits (KPI, Sales North)"]
    assert "bsc snapshot --period" not in page.text
    added = page.find_all("ul", cls="bsc-changes")[list(lists).index("Added since 2026-Q1 (1)")]
    assert [resolve(site.site, rel, a.get("href")) for a in added.find_all("a")] == [
        ("units/sales/index.html", "kpi-pipeline")]


def test_snapshot_command_writes_the_snapshot_beside_the_review(snapshotted):
    site, run, path = snapshotted
    assert run.stdout.strip().startswith("bsc: wrote scorecards/reviews/2026-Q1.snapshot.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["format"], data["period"]) == ("bsc-site/evaluation/1", "2026-Q1")
    # the snapshot is published, and the review page of that period links to it
    link = review_page(site, "2026-Q1").find("p", cls="bsc-downloads").find("a")
    assert link.text == "snapshot (JSON)"
    target, _ = resolve(site.site, "reviews/2026-Q1/index.html", link.get("href"))
    assert target == "data/snapshots/2026-Q1.json"
    assert json.loads((site.site / target).read_text(encoding="utf-8")) == data


def test_snapshot_command_refuses_to_overwrite_a_snapshot(snapshotted):
    site, _, path = snapshotted
    before = path.read_bytes()
    again = bsc_cli(site.root, "snapshot", "scorecards", "--period", "2026-Q1")  # the scorecards have changed since
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    assert "2026-Q1.snapshot.json exists" in again.stderr
    assert path.read_bytes() == before


def test_snapshot_refusal_suggests_nothing_the_command_rejects(snapshotted):
    site, _, _ = snapshotted
    again = bsc_cli(site.root, "snapshot", "scorecards", "--period", "2026-Q1")
    assert again.returncode == 1
    assert "--force" not in again.stderr


# -- machine-readable data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema_validator(reviewed):
    schema = json.loads((reviewed.site / "data" / "evaluation.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_organization_json_validates_against_the_published_schema(reviewed, schema_validator):
    data = json.loads((reviewed.site / "data" / "organization.json").read_text(encoding="utf-8"))
    schema_validator.validate(data)
    assert data["period"] == "2026-Q2"
    assert [u["id"] for u in data["units"]] == ["tiny", "sales", "north"]


@pytest.mark.parametrize("unit_id", ["tiny", "sales", "north"])
def test_unit_json_validates_and_is_linked_from_the_unit_page(reviewed, schema_validator, unit_id):
    page_rel = f"units/{unit_id}/index.html"
    downloads = content(reviewed.page(page_rel)).find("p", cls="bsc-downloads")
    links = {a.text: resolve(reviewed.site, page_rel, a.get("href"))[0] for a in downloads.find_all("a")}
    assert links == {"JSON": f"data/units/{unit_id}.json", "KPI table (CSV)": f"data/units/{unit_id}.csv",
                     "JSON schema": "data/evaluation.schema.json"}
    for target in links.values():
        assert (reviewed.site / target).is_file(), target
    data = json.loads((reviewed.site / links["JSON"]).read_text(encoding="utf-8"))
    schema_validator.validate(data)
    assert [u["id"] for u in data["units"]] == [unit_id]


def test_data_files_hold_exactly_the_exported_evaluation(reviewed):
    """The organisation file and each unit's file share the units' encoded text: that must
    read back as the evaluation `bsc export` gives, unit for unit, in compact JSON."""
    exported = json.loads(bsc_cli(reviewed.root, "export", "scorecards", "--format", "json").stdout)
    whole = (reviewed.site / "data" / "organization.json").read_text(encoding="utf-8")
    assert json.loads(whole) == exported
    assert whole == json.dumps(exported, ensure_ascii=False, separators=(",", ":")) + "\n"
    for unit in exported["units"]:
        single = (reviewed.site / "data" / "units" / f"{unit['id']}.json").read_text(encoding="utf-8")
        assert single == json.dumps({**{k: v for k, v in exported.items() if k != "units"}, "units": [unit]},
                                    ensure_ascii=False, separators=(",", ":")) + "\n"


def test_unit_json_carries_the_status_the_review_decided(reviewed):
    data = json.loads((reviewed.site / "data" / "units" / "sales.json").read_text(encoding="utf-8"))
    kpis = {k["id"]: k for o in data["units"][0]["objectives"] for k in o["kpis"]}
    assert kpis["churn"]["status"] == "on-track"
    assert [h["status"] for h in kpis["churn"]["history"]] == ["at-risk", "on-track"]


@pytest.mark.parametrize("unit_id, kpis", [("tiny", ["revenue", "nps"]), ("sales", ["deals", "churn"]),
                                           ("north", ["new-accounts", "visits", "referrals"])])
def test_unit_csv_has_one_row_per_kpi(reviewed, unit_id, kpis):
    text = (reviewed.site / "data" / "units" / f"{unit_id}.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    records = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["kpi"] for r in records] == kpis
    assert {r["unit"] for r in records} == {unit_id} and {r["period"] for r in records} == {"2026-Q2"}


def test_feed_is_atom_with_one_entry_per_review_newest_first(reviewed, next_quarter):
    for site, labels in ((reviewed, ["2026-Q2", "2026-Q1"]), (next_quarter, ["2026-Q3", "2026-Q2", "2026-Q1"])):
        root = feed(site)
        assert root.tag == f"{{{ATOM}}}feed"
        assert root.find(f"{{{ATOM}}}title").text == "Tiny Co: strategy reviews"
        entries = root.findall(f"{{{ATOM}}}entry")
        assert [e.find(f"{{{ATOM}}}title").text.split(" review")[0] for e in entries] == labels
        updated = [e.find(f"{{{ATOM}}}updated").text for e in entries]
        assert updated == sorted(updated, reverse=True)
        assert len({e.find(f"{{{ATOM}}}id").text for e in entries}) == len(entries)
        assert root.find(f"{{{ATOM}}}updated").text == updated[0]


def test_reviews_page_links_to_the_feed(reviewed):
    page = content(reviewed.page("reviews/index.html"))
    link = next(a for a in page.find_all("a") if a.text == "Atom feed of reviews")
    assert resolve(reviewed.site, "reviews/index.html", link.get("href"))[0] == "reviews/feed.xml"


def test_feed_entry_links_resolve_to_the_review_pages(reviewed):
    entries = feed(reviewed).findall(f"{{{ATOM}}}entry")
    targets = [resolve(reviewed.site, "reviews/feed.xml", e.find(f"{{{ATOM}}}link").get("href"))[0] for e in entries]
    assert targets == ["reviews/2026-Q2/index.html", "reviews/2026-Q1/index.html"]


def test_feed_keeps_user_markup_as_text(reviewed):
    raw = (reviewed.site / "reviews" / "feed.xml").read_bytes()
    assert b"<script" not in raw
    q2 = feed(reviewed).findall(f"{{{ATOM}}}entry")[0]
    assert q2.find(f"{{{ATOM}}}title").text == f"2026-Q2 review: {FORUM_Q2}"
    summary = q2.find(f"{{{ATOM}}}summary")
    assert summary.get("type") == "text" and summary.text == SUMMARY_Q2


def test_review_pages_keep_user_markup_as_text(reviewed):
    page = review_page(reviewed, "2026-Q2")
    assert page.find_all("script") == []
    assert FORUM_Q2 in page.find("p", cls="bsc-meta").text
    assert SUMMARY_Q2 in page.text
    assert "<script>alert" not in article_html(reviewed.html("reviews/2026-Q2/index.html"))
    assert "<script>alert" not in reviewed.html("reviews/index.html")


# -- determinism -----------------------------------------------------------------------------------------


def test_two_builds_give_byte_identical_reviews_data_and_feed(reviewed, twin):
    first, second = snapshot(reviewed.site), snapshot(twin.site)
    wanted = {"reviews/index.html", "reviews/2026-Q1/index.html", "reviews/2026-Q2/index.html", "reviews/feed.xml",
              "changes/index.html", "data/organization.json", "data/evaluation.schema.json",
              *(f"data/units/{u}.{ext}" for u in ("tiny", "sales", "north") for ext in ("json", "csv"))}
    assert wanted <= set(first)
    assert sorted(first) == sorted(second)
    dated = {"sitemap.xml", "sitemap.xml.gz"}  # MkDocs writes the build day into the sitemap
    assert sorted(name for name in first if name not in dated and first[name] != second[name]) == []
