"""A deterministic synthetic organisation for benchmarks: scorecards, mkdocs.yml and docs/.

    python benchmarks/synth.py --units 1000 --seed 1 --out /tmp/org-1000 [--force]

Four levels (enterprise -> business units -> departments -> teams), exactly --units units.
Each unit has 12 objectives (3 per perspective), about 2 KPIs per objective (monthly and
quarterly, some from the shared KPI library), 2-3 initiatives, `drives` links that run up
the perspective order (no cycles, every objective linked) and `supports` links to the
parent unit's objectives; 24 monthly periods (2024-07 .. 2026-06) of actuals with gaps,
one CSV per department (with its teams), per business unit and for the enterprise; three
strategic themes; a quarterly review cadence with reviews of the last three quarters
(commentary, overrides with reasons, actions).

The output passes `bsc validate` with no errors and no design-check warnings, so
`mkdocs build --strict` passes. The same --units and --seed give byte-identical files:
every unit draws from its own random stream seeded by (seed, unit id), and the files are
written as text directly (no YAML library), in a fixed order.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

# -- the calendar of the actuals: 24 months, quarterly review ----------------------------
MONTHS = [f"{2024 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}" for i in range(24)]  # 2024-07 .. 2026-06
QUARTERS = [f"{2024 + (2 + i) // 4}-Q{(2 + i) % 4 + 1}" for i in range(8)]  # 2024-Q3 .. 2026-Q2

PERSPECTIVES = [
    ("financial", "Financial", "To succeed financially, how should we appear to our owners?"),
    ("customer", "Customer", "To achieve our vision, how should we appear to our customers?"),
    ("internal-process", "Internal Process", "To satisfy our customers and owners, which processes must we excel at?"),
    ("learning-growth", "Learning & Growth", "How will our people, systems and culture sustain our ability to improve?"),
]

THEMES = [
    ("customer-first", "Customer first", "Simple, fair and digital service at every touchpoint."),
    ("operational-excellence", "Operational excellence", "Right first time, at the lowest sustainable cost."),
    ("growth-innovation", "Growth & innovation", "New products, new markets and the skills to build them."),
]

# the shared KPI library: (id, name, description, unit, decimals, direction, frequency, aggregation, indicator)
LIBRARY = [
    ("employee-engagement", "Employee engagement index", "Gallup Q12 grand mean on a 1-5 scale.", "pts", 2,
     "higher", "quarterly", "average", "leading", (3.6, 4.1, 3.5)),
    ("training-hours", "Training hours per FTE", "Formal and on-the-job training hours in the quarter per FTE.",
     "h/FTE", 1, "higher", "quarterly", "sum", "leading", (5.0, 6.0, 4.5)),
    ("customer-satisfaction", "Customer satisfaction (CSAT)", "Share of surveyed customers rating us 4 or 5 of 5.",
     "%", 1, "higher", "monthly", "average", "lagging", (76.0, 80.0, 75.0)),
    ("budget-adherence", "Budget adherence", "Actual spend year to date over budget year to date; keep within the band.",
     "%", 1, "range", "quarterly", "last", "lagging", None),
    ("lost-time-injury-rate", "Lost-time injury frequency rate", "Lost-time injuries per million hours worked.",
     "per 1M h", 2, "lower", "quarterly", "average", "lagging", (1.8, 1.4, 1.7)),
    ("enps", "Employee Net Promoter Score", "Promoters minus detractors, -100 to 100.", "pts", 0,
     "higher", "quarterly", "average", "leading", (8.0, 15.0, 5.0)),
]

# objective phrases per perspective: (verb, noun); nouns are distinct across perspectives so ids are unique
OBJECTIVES = {
    "financial": ["Grow|revenue", "Grow|gross margin", "Lower|cost to serve", "Reduce|operating cost",
                  "Improve|cash conversion", "Raise|return on capital", "Keep|spend within budget",
                  "Cut|bad debt", "Increase|recurring revenue", "Reduce|energy cost"],
    "customer": ["Win|new customers", "Retain|key accounts", "Delight|customers", "Improve|service quality",
                 "Shorten|delivery lead time", "Grow|share of wallet", "Strengthen|brand trust",
                 "Resolve|complaints first time", "Expand|digital channels", "Improve|partner satisfaction"],
    "internal-process": ["Bill|right first time", "Automate|routine work", "Shorten|cycle time",
                         "Improve|forecast accuracy", "Standardise|core processes", "Reduce|rework",
                         "Secure|critical systems", "Improve|supplier quality", "Digitise|field operations",
                         "Cut|unplanned downtime"],
    "learning-growth": ["Develop|talent", "Engage|our people", "Build|digital skills", "Keep|people safe",
                        "Grow|future leaders", "Share|knowledge", "Modernise|tools and data",
                        "Foster|a culture of improvement", "Attract|scarce skills", "Improve|wellbeing"],
}

# KPI templates per perspective:
# (name, description, unit, decimals, direction, frequency, aggregation, indicator, magnitude)
KPIS = {
    "financial": [
        ("Revenue growth", "Revenue against the same period last year.", "%", 1, "higher", "quarterly", "average", "lagging", 6),
        ("Gross margin", "Revenue minus direct cost, over revenue.", "%", 1, "higher", "quarterly", "average", "lagging", 24),
        ("Operating cost", "Operating expenditure in the month.", "kEUR", 0, "lower", "monthly", "sum", "lagging", 420),
        ("Cost per transaction", "Operating cost divided by transactions handled.", "EUR", 2, "lower", "quarterly", "average", "lagging", 3.4),
        ("Days sales outstanding", "Receivables over average daily revenue.", "days", 0, "lower", "monthly", "average", "lagging", 42),
        ("Bad debt ratio", "Write-offs and provisions as a share of billed revenue.", "%", 2, "lower", "quarterly", "average", "lagging", 1.4),
        ("Recurring revenue", "Contracted recurring revenue in the month.", "kEUR", 0, "higher", "monthly", "sum", "lagging", 880),
    ],
    "customer": [
        ("Net promoter score", "Promoters minus detractors among surveyed customers.", "pts", 0, "higher", "quarterly", "average", "lagging", 32),
        ("Customer churn", "Customers lost in the month over customers at its start.", "%", 2, "lower", "monthly", "average", "lagging", 1.2),
        ("New customers", "Accounts opened in the month.", "accounts", 0, "higher", "monthly", "sum", "lagging", 350),
        ("Complaints per 10k", "Formal complaints per 10,000 active accounts.", "per 10k", 1, "lower", "quarterly", "sum", "lagging", 20),
        ("On-time delivery", "Orders delivered on or before the promised date.", "%", 1, "higher", "monthly", "average", "lagging", 93),
        ("Digital share of contacts", "Contacts handled in self-service channels.", "%", 1, "higher", "quarterly", "last", "leading", 41),
    ],
    "internal-process": [
        ("First-time-right rate", "Work items completed without rework.", "%", 1, "higher", "monthly", "average", "leading", 95),
        ("Cycle time", "Median days from request to completion.", "days", 1, "lower", "monthly", "average", "leading", 6.5),
        ("Automation rate", "Routine transactions processed without manual touch.", "%", 1, "higher", "quarterly", "last", "leading", 55),
        ("Forecast accuracy", "One minus mean absolute percentage error of the demand forecast.", "%", 1, "higher", "quarterly", "average", "leading", 82),
        ("Unplanned downtime", "Hours of unplanned outage of critical systems.", "h", 1, "lower", "monthly", "sum", "leading", 14),
        ("Supplier defect rate", "Incoming lots rejected at inspection.", "%", 2, "lower", "quarterly", "average", "leading", 2.1),
    ],
    "learning-growth": [
        ("Voluntary attrition", "Leavers of their own accord, annualised.", "%", 1, "lower", "quarterly", "average", "lagging", 9),
        ("Internal promotions", "Vacancies filled from inside.", "%", 0, "higher", "quarterly", "average", "leading", 45),
        ("Digital skills certified", "Staff holding a current digital skills certificate.", "%", 0, "higher", "quarterly", "last", "leading", 38),
        ("Improvement ideas implemented", "Staff suggestions put into practice in the month.", "ideas", 0, "higher", "monthly", "sum", "leading", 12),
    ],
}

BU_WORDS = ["retail", "wholesale", "manufacturing", "logistics", "networks", "generation", "services", "digital",
            "healthcare", "insurance", "banking", "telecom", "media", "energy", "water", "transport", "property",
            "agriculture", "chemicals", "mining", "aviation", "shipping", "education", "tourism", "security",
            "pharma", "foods", "textiles", "construction", "software"]
DEPT_WORDS = ["finance", "sales", "marketing", "operations", "engineering", "procurement", "it", "hr", "legal",
              "quality", "logistics", "customer-service", "research", "planning", "facilities", "risk", "audit",
              "strategy", "data", "product", "safety", "maintenance", "training", "communications", "treasury"]
FIRST = ["Maria", "José", "Niamh", "Kwame", "Zoë", "Hannah", "Henrik", "Oluwaseun", "Rui", "Aiko", "Chen", "Priya",
         "Lars", "Fatima", "Mateo", "Ingrid", "Tomasz", "Amara", "Dmitri", "Elif", "Sven", "Lucía", "Kenji", "Noor",
         "Pieter", "Camille", "Jonas", "Ayesha", "Giulia", "Tariq", "Mei", "Olga", "Emeka", "Sofia", "Ravi", "Anna"]
LAST = ["Lopez", "Müller", "O'Sullivan", "Mensah", "Ångström", "Schäfer", "Dahl", "Adeyemi", "Tavares", "Tanaka",
        "Wei", "Sharma", "Nilsson", "Haddad", "García", "Berg", "Kowalski", "Okafor", "Ivanov", "Yılmaz", "Larsen",
        "Fernández", "Sato", "Rahman", "de Vries", "Martin", "Weber", "Khan", "Rossi", "Aziz", "Lin", "Petrova"]
INITIATIVES = ["Digital self-service programme", "Lean process review", "New planning system", "Leadership academy",
               "Customer journey redesign", "Data platform migration", "Supplier consolidation",
               "Safety culture campaign", "Pricing excellence project", "Shared service centre",
               "Predictive maintenance pilot", "Workplace modernisation"]
NOTES = ["Estimated; final figure next month", "System migration affected the count", "Restated after audit",
         "Seasonal peak", "One-off effect of a large order"]
STATUSES = ["not-started", "on-track", "on-track", "at-risk", "delayed", "completed", "cancelled"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def num(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text


# -- the hierarchy ------------------------------------------------------------------------
class UnitSpec:
    __slots__ = ("bu", "id", "level", "name", "parent", "path")

    def __init__(self, uid: str, name: str, parent: UnitSpec | None, level: int, bu: str, path: str):
        self.id, self.name, self.parent, self.level, self.bu, self.path = uid, name, parent, level, bu, path


def hierarchy(n: int) -> list[UnitSpec]:
    """Exactly n units on four levels; fan-out f is the least with 1 + f + f^2 + f^3 >= n."""
    f = 1
    while 1 + f + f * f + f ** 3 < n:
        f += 1
    root = UnitSpec("enterprise", "Synthetic Group", None, 0, "enterprise", "units/enterprise.yml")
    left = n - 1
    bus = []
    for i in range(min(f, left)):
        word = BU_WORDS[i % len(BU_WORDS)] + (f"-{i // len(BU_WORDS) + 1}" if i >= len(BU_WORDS) else "")
        u = UnitSpec(word, f"{word.replace('-', ' ').title()} Division", root, 1, word, f"units/{word}/{word}.yml")
        bus.append(u)
    left -= len(bus)
    depts = []
    counts: dict[str, int] = {}
    for i in range(min(len(bus) * f, left)):
        bu = bus[i % len(bus)]
        k = counts[bu.id] = counts.get(bu.id, 0) + 1
        word = DEPT_WORDS[(k - 1) % len(DEPT_WORDS)] + (f"-{(k - 1) // len(DEPT_WORDS) + 1}" if k > len(DEPT_WORDS) else "")
        uid = f"{bu.id}-{word}"
        title = word.replace("-", " ").title() if word not in ("it", "hr") else word.upper()
        depts.append(UnitSpec(uid, f"{title} ({bu.name.replace(' Division', '')})", bu, 2, bu.id,
                              f"units/{bu.id}/{uid}/{uid}.yml"))
    left -= len(depts)
    teams = []
    counts = {}
    for i in range(left):
        d = depts[i % len(depts)]
        k = counts[d.id] = counts.get(d.id, 0) + 1
        uid = f"{d.id}-team-{k}"
        teams.append(UnitSpec(uid, f"{d.name.split(' (')[0]} Team {k} ({d.parent.name.replace(' Division', '')})", d, 3,
                              d.bu, f"units/{d.bu}/{d.id}/{uid}.yml"))
    # file order: parents before children, grouped by business unit
    children: dict[str, list[UnitSpec]] = {}
    for u in bus + depts + teams:
        children.setdefault(u.parent.id, []).append(u)
    ordered = []
    stack = [root]
    while stack:
        u = stack.pop()
        ordered.append(u)
        stack.extend(reversed(children.get(u.id, [])))
    assert len(ordered) == n and len({u.id for u in ordered}) == n and all(len(u.id) <= 64 for u in ordered)
    return ordered


# -- one unit ---------------------------------------------------------------------------
class Kpi:
    __slots__ = (
        "decimals",
        "direction",
        "drift",
        "frequency",
        "id",
        "level",
        "red_flag",
        "spread",
        "target",
        "years",
    )


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def unit_text(u: UnitSpec, seed: int, parent_objectives: dict[str, list[str]]) -> tuple[str, dict, list[Kpi]]:
    """The unit's YAML, its objective ids by perspective (for its children), and its KPIs (for actuals)."""
    rng = random.Random(f"{seed}:{u.id}")
    head = person(rng)
    staff = [person(rng) for _ in range(4)]
    kind = ["enterprise", "business unit", "department", "team"][u.level]
    depth = "../" * (u.path.count("/") + 1)
    out = [f"# yaml-language-server: $schema={depth}schemas/unit.schema.json\n",
           f"id: {u.id}\n", f"name: {q(u.name)}\n"]
    if u.parent:
        out.append(f"parent: {u.parent.id}\n")
    out.append(f"owner: {q(head + ', Head of ' + u.name)}\n")
    out.append(f"description: {q(f'The {kind} {u.name}: synthetic scorecard number {rng.randrange(10**6)}.')}\n")
    if u.level <= 1:
        out.append(f"strategy: {q('Grow profitably, serve customers well, run lean processes and develop our people.')}\n")
    out.append("objectives:\n")
    by_perspective: dict[str, list[str]] = {}
    kpis: list[Kpi] = []
    kpi_ids: set[str] = set()
    objectives = []  # (perspective index, id, name)
    for pi, (pid, _, _) in enumerate(PERSPECTIVES):
        for phrase in rng.sample(OBJECTIVES[pid], 3):
            verb, noun = phrase.split("|")
            name = f"{verb} {noun}"
            objectives.append((pi, slug(name), name))
            by_perspective.setdefault(pid, []).append(slug(name))
    for index, (pi, oid, name) in enumerate(objectives):
        pid = PERSPECTIVES[pi][0]
        j = index % 3
        out.append(f"  - id: {oid}\n    name: {q(name)}\n    perspective: {pid}\n")
        if rng.random() < 0.7:
            out.append(f"    theme: {THEMES[(pi + j) % len(THEMES)][0]}\n")
        out.append(f"    owner: {q(rng.choice(staff))}\n")
        out.append(f"    description: {q(f'{name} in {u.name}, measured by the KPIs below.')}\n")
        if pi > 0:  # cause and effect run upward: each objective drives one or two in the band above
            above = by_perspective[PERSPECTIVES[pi - 1][0]]
            targets = [above[j]] + ([above[(j + 1) % 3]] if rng.random() < 0.3 else [])
            out.append(f"    drives: [{', '.join(targets)}]\n")
        if u.parent:
            out.append(f"    supports: [{rng.choice(parent_objectives[pid])}]\n")
        out.append("    kpis:\n")
        count = rng.choices([1, 2, 3], [0.15, 0.7, 0.15])[0]
        if pid == "learning-growth" and j == 0:
            count = max(count, 2)
        for n in range(count):
            out.append(kpi_text(rng, pid, j, n, staff, kpi_ids, kpis))
    out.append("initiatives:\n")
    all_ids = [oid for _, oid, _ in objectives]
    for n, title in enumerate(rng.sample(INITIATIVES, rng.choice([2, 2, 3]))):
        status = rng.choice(STATUSES)
        progress = {"not-started": 0, "completed": 100}.get(status, rng.randrange(5, 95))
        start_year, start_month = rng.choice([2024, 2025, 2026]), rng.randrange(1, 13)
        end_year = start_year + rng.choice([1, 1, 2])
        serves = rng.sample(all_ids, rng.choice([1, 2]))
        out.append(f"  - id: {slug(title)}\n    name: {q(title)}\n    owner: {q(rng.choice(staff))}\n"
                   f"    description: {q(f'{title} for {u.name}.')}\n"
                   f"    objectives: [{', '.join(serves)}]\n"
                   f"    start: {start_year}-{start_month:02d}-01\n    end: {end_year}-{start_month:02d}-15\n"
                   f"    budget: {rng.randrange(5, 500) * 10000}\n    currency: EUR\n"
                   f"    status: {status}\n    progress: {progress}\n")
    return "".join(out), by_perspective, kpis


def kpi_text(rng: random.Random, pid: str, j: int, n: int, staff: list[str], kpi_ids: set, kpis: list) -> str:
    k = Kpi()
    owner = q(rng.choice(staff))
    library = None
    if pid == "learning-growth" and j == 0:
        library = LIBRARY[n % 2]  # engagement and training hours
    elif pid == "financial" and j == 2 and n == 0:
        library = LIBRARY[3]  # budget adherence
    elif pid == "customer" and j == 1 and n == 0 and rng.random() < 0.5:
        library = LIBRARY[2]  # CSAT
    if library is not None:
        lid, _, _, _, decimals, direction, frequency, _, _, values = library
        kid = {"employee-engagement": "engagement", "customer-satisfaction": "csat"}.get(lid, lid)
        kid = _unique(kid, kpi_ids)
        k.id, k.frequency, k.direction, k.decimals = kid, frequency, direction, decimals
        text = f"      - id: {kid}\n        definition: {lid}\n"
        if direction == "range":
            k.target, k.red_flag = (97.0, 103.0), (94.0, 106.0)
            text += "        target: [97, 103]\n        red_flag: [94, 106]\n"
            k.level, k.spread = 100.0, 2.0
        else:
            _, target, red = values
            target = round(target * rng.uniform(0.97, 1.03), decimals)
            red = round(red * (target / values[1]), decimals)
            k.target, k.red_flag = target, red
            text += f"        target: {num(target, decimals)}\n        red_flag: {num(red, decimals)}\n"
            k.level, k.spread = target, abs(target - red)
        text += f"        owner: {owner}\n"
        k.drift, k.years = rng.gauss(0, 0.7), None
        kpis.append(k)
        return text
    name, desc, unit, decimals, direction, frequency, aggregation, indicator, magnitude = rng.choice(KPIS[pid])
    kid = _unique(slug(name), kpi_ids)
    scale = magnitude * rng.uniform(0.6, 1.6)
    sign = 1 if direction == "higher" else -1
    target = round(scale, decimals) or 10 ** -decimals
    tolerance = rng.uniform(0.08, 0.2)
    red = round(target * (1 - sign * tolerance), decimals)
    if red == target:
        red = target - sign * 10 ** -decimals
    baseline = round(target * (1 - sign * rng.uniform(0.05, 0.25)), decimals)
    k.id, k.frequency, k.direction, k.decimals = kid, frequency, direction, decimals
    text = (f"      - id: {kid}\n        name: {q(name)}\n        description: {q(desc)}\n"
            f"        unit: {q(unit)}\n        decimals: {decimals}\n        direction: {direction}\n"
            f"        frequency: {frequency}\n        aggregation: {aggregation}\n"
            f"        baseline: {num(baseline, decimals)}\n")
    if rng.random() < 0.3:  # targets stepping up by fiscal year
        steps = {2024: 0.96, 2025: 1.0, 2026: 1.04} if sign > 0 else {2024: 1.04, 2025: 1.0, 2026: 0.96}
        k.years = {y: round(target * f, decimals) for y, f in steps.items()}
        text += "        target:\n" + "".join(f"          {y}: {num(v, decimals)}\n" for y, v in k.years.items())
        if rng.random() < 0.5:
            k.red_flag = None  # defaulted from the tolerance
        else:
            reds = {y: round(v * (1 - sign * tolerance), decimals) for y, v in k.years.items()}
            reds = {y: (r if r != k.years[y] else k.years[y] - sign * 10 ** -decimals) for y, r in reds.items()}
            text += "        red_flag:\n" + "".join(f"          {y}: {num(v, decimals)}\n" for y, v in reds.items())
            k.red_flag = reds
    else:
        k.years = None
        text += f"        target: {num(target, decimals)}\n"
        if rng.random() < 0.7:
            text += f"        red_flag: {num(red, decimals)}\n"
    text += (f"        owner: {owner}\n        data_source: {q(rng.choice(['ERP', 'CRM', 'Data warehouse', 'Survey', 'HR system']))}\n"
             f"        indicator: {indicator}\n")
    k.target = target
    k.level, k.spread = target, abs(target - red) or abs(target) * 0.1 or 1.0
    k.drift = rng.gauss(0, 0.7)
    kpis.append(k)
    return text


def _unique(kid: str, used: set) -> str:
    out, n = kid, 1
    while out in used:
        n += 1
        out = f"{kid}-{n}"
    used.add(out)
    return out


def actual_rows(unit_id: str, kpis: list[Kpi], seed: int) -> list[str]:
    """CSV rows with gaps: late starts, missing months, empty values; every KPI reported recently."""
    rng = random.Random(f"{seed}:{unit_id}:actuals")
    rows = []
    for k in kpis:
        periods = MONTHS if k.frequency == "monthly" else QUARTERS
        last = len(periods) - 1
        start = 0 if rng.random() < 0.7 else rng.randrange(1, len(periods) // 2)
        skip_last_quarter = rng.random() < 0.03  # still within one review period: not stale
        keep_from = last - (3 if k.frequency == "monthly" else 1) if skip_last_quarter else last + 1
        mood = rng.gauss(0.2, 0.9)  # where this KPI sits against its target, in red-flag distances
        for i in range(start, len(periods)):
            if i > keep_from:
                break
            forced = i == keep_from if skip_last_quarter else i == last
            if not forced and rng.random() < 0.06:
                if rng.random() < 0.3:
                    rows.append(f"{unit_id},{k.id},{periods[i]},,\n")
                continue
            z = mood + k.drift * (i - last) / len(periods) + rng.gauss(0, 0.35)
            if k.direction == "range":
                value = k.level + k.spread * z * (1 if rng.random() < 0.5 else -1)
            else:
                sign = 1 if k.direction == "higher" else -1
                value = k.level + sign * k.spread * z
                if k.level > 0:
                    value = max(value, 0.0)
            note = rng.choice(NOTES) if rng.random() < 0.01 else ""
            rows.append(f"{unit_id},{k.id},{periods[i]},{num(value, k.decimals)},{note}\n")
    return rows


def actuals_file(u: UnitSpec) -> str:
    """One CSV per department (with its teams), per business unit, and for the enterprise: each well below
    the loader's 8 MiB file limit (a department of 20 teams is about 0.7 MB)."""
    if u.level == 0:
        return "scorecards/actuals/enterprise.csv"
    if u.level == 1:
        return f"scorecards/actuals/{u.id}/{u.id}.csv"
    dept = u if u.level == 2 else u.parent
    return f"scorecards/actuals/{u.bu}/{dept.id}.csv"


# -- the organisation and the site --------------------------------------------------------
def organization_text(n: int, seed: int) -> str:
    out = ["# yaml-language-server: $schema=../schemas/organization.schema.json\n",
           f"name: {q(f'Synthetic Group ({n} units, seed {seed})')}\n",
           f"vision: {q('Useful products, delivered well, by people who grow with us.')}\n",
           f"mission: {q('We serve customers in thirty markets through business units, departments and teams.')}\n",
           ("strategy: |\n  **Synthetic 2030** rests on three strategic themes:\n\n"
           "  1. **Customer first**: simple, fair and digital service.\n"
           "  2. **Operational excellence**: right first time, at the lowest sustainable cost.\n"
           "  3. **Growth & innovation**: new products, new markets, new skills.\n"),
           "fiscal_year_start: 1\nreview_cadence: quarterly\n", "perspectives:\n"]
    for pid, name, question in PERSPECTIVES:
        out.append(f"  - id: {pid}\n    name: {q(name)}\n    question: {q(question)}\n")
    out.append("themes:\n")
    for tid, name, desc in THEMES:
        out.append(f"  - id: {tid}\n    name: {q(name)}\n    description: {q(desc)}\n")
    out.append("status:\n  tolerance: 0.1\n  on_track: 6.67\n  at_risk: 3.33\n")
    out.append("checks:\n  max_objectives: 15\n  max_kpis_per_objective: 4\n  stale_after: 1\n"
               "  max_financial_share: 0.5\n")
    out.append("kpis:\n")
    for lid, name, desc, unit, decimals, direction, frequency, aggregation, indicator, _ in LIBRARY:
        out.append(f"  - id: {lid}\n    name: {q(name)}\n    description: {q(desc)}\n    unit: {q(unit)}\n"
                   f"    decimals: {decimals}\n    direction: {direction}\n    frequency: {frequency}\n"
                   f"    aggregation: {aggregation}\n    indicator: {indicator}\n"
                   f"    data_source: {q('Group data warehouse')}\n    owner: {q('Group Performance Office')}\n")
    return "".join(out)


MKDOCS_YML = """\
# Synthetic benchmark site: {n} units, seed {seed}. Generated by benchmarks/synth.py.
site_name: {site_name}
site_description: A synthetic organisation for benchmarking bsc-site.
docs_dir: docs
site_dir: site

theme:
  name: material
  font: false
  language: en
  features:
    - navigation.indexes
    - navigation.prune
    - navigation.top
    - navigation.tracking
    - search.suggest
    - search.highlight
  palette:
    - media: "(prefers-color-scheme: light)"
      scheme: default
      primary: indigo
      accent: indigo
      toggle: {{ icon: material/weather-night, name: Switch to dark mode }}
    - media: "(prefers-color-scheme: dark)"
      scheme: slate
      primary: indigo
      accent: indigo
      toggle: {{ icon: material/weather-sunny, name: Switch to light mode }}

plugins:
  - search
  - bsc:
      scorecards: scorecards

markdown_extensions:
  - attr_list
  - toc:
      permalink: true

validation:
  omitted_files: info
  absolute_links: warn
  unrecognized_links: warn
  anchors: warn
"""

ABOUT_MD = """\
# About this site

This is a synthetic organisation of {n} units, generated for benchmarks (seed {seed}).
Start with the [overview](index.md), the [enterprise scorecard](units/enterprise/index.md)
or the [KPI catalogue](kpis.md).
"""


REVIEWED = QUARTERS[-3:]  # the last three quarters each have a review


def review_text(period: str, index: int, units: list[UnitSpec], objectives_of: dict[str, dict],
                kpis_of: dict[str, list[Kpi]], seed: int) -> str:
    """A quarterly review: commentary on the enterprise, each business unit and a few others,
    two status overrides with reasons, and actions (the older ones completed)."""
    rng = random.Random(f"{seed}:review:{period}")
    leaders = [u for u in units if u.level <= 1]
    others = rng.sample(units, min(len(units), 8))
    month = {"Q1": "04", "Q2": "07", "Q3": "10", "Q4": "01"}[period[-2:]]
    year = int(period[:4]) + (period.endswith("Q4"))
    out = ["# yaml-language-server: $schema=../../schemas/review.schema.json\n",
           f"period: {period}\n", f"date: {year}-{month}-14\n", "forum: Group strategy review (quarterly)\n",
           f"summary: {q(f'Review number {index + 1}: synthetic summary of {period}.')}\n", "commentary:\n"]
    for u in leaders + [o for o in others if o not in leaders]:
        out.append(f"  - unit: {u.id}\n    analysis: {q(f'{u.name}: results for {period} as reported.')}\n"
                   f"    recommendation: {q('Keep the plan; watch the objectives at risk.')}\n")
        objective = rng.choice(objectives_of[u.id]["customer"])
        out.append(f"  - unit: {u.id}\n    objective: {objective}\n"
                   f"    analysis: {q(f'Progress on {objective} was discussed.')}\n")
    out.append("overrides:\n")
    for u in rng.sample(units, min(len(units), 2)):
        kpi = rng.choice(kpis_of[u.id])
        out.append(f"  - unit: {u.id}\n    kpi: {kpi.id}\n    status: at-risk\n"
                   f"    reason: {q('The figure is late, not bad: the last month is still being booked.')}\n")
    out.append("actions:\n")
    for j, u in enumerate(rng.sample(units, min(len(units), 4))):
        due_month = int(month) % 12 + 1
        out.append(f"  - id: action-{index + 1}-{j + 1}\n    unit: {u.id}\n"
                   f"    what: {q(f'Follow up on the {period} results of {u.name}')}\n"
                   f"    owner: {q(person(rng))}\n    due: {year + (due_month < int(month))}-{due_month:02d}-28\n")
        if index < len(REVIEWED) - 1:
            out.append(f"    completed: {year + (due_month < int(month))}-{due_month:02d}-20\n")
    return "".join(out)


def generate(n: int, seed: int, out: Path) -> dict:
    units = hierarchy(n)
    files: dict[str, str] = {"scorecards/organization.yml": organization_text(n, seed)}
    objectives_of: dict[str, dict] = {}
    actuals: dict[str, list[str]] = {}
    kpis_of: dict[str, list[Kpi]] = {}
    counts = {"units": n, "objectives": 0, "kpis": 0, "actual_rows": 0}
    for u in units:
        text, by_perspective, kpis = unit_text(u, seed, objectives_of.get(u.parent.id) if u.parent else {})
        objectives_of[u.id] = by_perspective
        kpis_of[u.id] = kpis
        files[f"scorecards/{u.path}"] = text
        rows = actual_rows(u.id, kpis, seed)
        actuals.setdefault(actuals_file(u), []).extend(rows)
        counts["objectives"] += 12
        counts["kpis"] += len(kpis)
        counts["actual_rows"] += len(rows)
    for path, rows in actuals.items():
        files[path] = "unit,kpi,period,value,note\n" + "".join(rows)
    for index, period in enumerate(REVIEWED):
        files[f"scorecards/reviews/{period}.yml"] = review_text(period, index, units, objectives_of, kpis_of, seed)
    counts["reviews"] = len(REVIEWED)
    files["mkdocs.yml"] = MKDOCS_YML.format(n=n, seed=seed, site_name=q(f"Synthetic Group ({n} units) — Strategy"))
    files["docs/about.md"] = ABOUT_MD.format(n=n, seed=seed)
    dirs = {str(Path(p).parent) for p in files}
    for d in sorted(dirs):
        (out / d).mkdir(parents=True, exist_ok=True)
    total = 0
    for path in sorted(files):
        data = files[path].encode("utf-8")
        total += len(data)
        (out / path).write_bytes(data)
    counts["files"] = len(files)
    counts["bytes"] = total
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, required=True, help="number of units (at least 1)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="folder to write mkdocs.yml, docs/ and scorecards/ into")
    parser.add_argument("--force", action="store_true", help="replace scorecards/, docs/ and mkdocs.yml if present")
    args = parser.parse_args(argv)
    if args.units < 1:
        parser.error("--units must be at least 1")
    out = Path(args.out)
    existing = [p for p in ("scorecards", "docs", "mkdocs.yml") if (out / p).exists()]
    if existing and not args.force:
        print(f"synth: {out} already holds {', '.join(existing)}; use --force to replace", file=sys.stderr)
        return 1
    for p in existing:
        shutil.rmtree(out / p) if (out / p).is_dir() else (out / p).unlink()
    start = time.perf_counter()
    counts = generate(args.units, args.seed, out)
    elapsed = time.perf_counter() - start
    print(f"synth: {counts['units']} units, {counts['objectives']} objectives, {counts['kpis']} KPIs, "
          f"{counts['actual_rows']} actual rows; {counts['files']} files, {counts['bytes'] / 1e6:.1f} MB "
          f"in {elapsed:.1f} s -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
