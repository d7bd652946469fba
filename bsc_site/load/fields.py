"""The file formats, declared once: the loader reads by these and the JSON Schemas are made from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..periods import Frequency
from ..status.scoring import Aggregation, Direction

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"

INITIATIVE_STATUSES = ("not-started", "on-track", "at-risk", "delayed", "completed", "cancelled")
INDICATORS = ("leading", "lagging")


@dataclass(frozen=True)
class Field:
    """One key of a record: its kind, whether it is required, and what it means."""

    name: str
    kind: str  # text | id | ids | number | integer | enum | date | series | records | record
    description: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    record: "Record | None" = None


@dataclass(frozen=True)
class Record:
    """A mapping in a file: the fields it may hold."""

    name: str
    description: str
    fields: tuple[Field, ...] = field(default=())

    def get(self, name: str) -> Field | None:
        return self.by_name.get(name)

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in reversed(self.fields)}  # the first of a name, as a search would find


def _enum(name: str, values, description: str, **kw) -> Field:
    return Field(name, "enum", description, choices=tuple(v.value if hasattr(v, "value") else v for v in values), **kw)


PERSPECTIVE = Record("perspective", "A perspective: one horizontal band of the strategy map.", (
    Field("id", "id", "Identifier (slug).", required=True),
    Field("name", "text", "Display name.", required=True),
    Field("question", "text", "The question this perspective answers."),
    Field("weight", "number", "Weight of this perspective in the unit roll-up.", default=1.0, minimum=0),
))

EXTRA_PERSPECTIVE = Record("extra perspective", "A perspective used by this unit only.", PERSPECTIVE.fields + (
    Field("after", "id", "Place it below this perspective (default: last)."),
))

OMITTED_PERSPECTIVE = Record("omitted perspective", "A perspective this unit does not use, and why.", (
    Field("perspective", "id", "The perspective left out.", required=True),
    Field("reason", "text", "Why this unit leaves it out.", required=True),
))

THEME = Record("theme", "A strategic theme (focus area): a vertical slice across perspectives.", (
    Field("id", "id", "Identifier (slug).", required=True),
    Field("name", "text", "Display name.", required=True),
    Field("description", "text", "What the theme is about (Markdown)."),
))

STATUS_SETTINGS = Record("status", "Status scheme defaults.", (
    Field("tolerance", "number", "Default red-flag distance as a fraction of the target.", default=0.1, minimum=0),
    Field("on_track", "number", "Score (0-10) at or above which a KPI is on track.", default=20 / 3, minimum=0, maximum=10),
    Field("at_risk", "number", "Score (0-10) at or above which a KPI is at risk.", default=10 / 3, minimum=0, maximum=10),
))

SILENCE = Record("silenced check", "A design check switched off, with the reason.", (
    Field("check", "id", "The check id, e.g. objective-without-kpi.", required=True),
    Field("unit", "id", "Only for this unit (default: every unit)."),
    Field("reason", "text", "Why the check does not apply.", required=True),
))

CHECK_SETTINGS = Record("checks", "Design-check settings.", (
    Field("max_objectives", "integer", "Most objectives a unit should have.", default=15, minimum=1),
    Field("max_kpis_per_objective", "integer", "Most KPIs an objective should have.", default=4, minimum=1),
    Field("stale_after", "integer", "Review periods without data before a KPI counts as stale.", default=1, minimum=0),
    Field("max_financial_share", "number", "Largest share of a unit's objectives in the first perspective.",
          default=0.5, minimum=0, maximum=1),
    Field("silence", "records", "Checks switched off, each with a reason.", record=SILENCE),
))

_KPI_FIELDS = (
    Field("id", "id", "Identifier (slug), unique within the unit.", required=True),
    Field("name", "text", "Display name."),
    Field("description", "text", "What is measured, or the formula."),
    Field("unit", "text", "Unit of measure shown after values, e.g. %, EUR, days.", default=""),
    Field("decimals", "integer", "Digits after the decimal point when shown.", default=0, minimum=0, maximum=6),
    _enum("direction", Direction, "higher, lower or range: which values are better.", default="higher"),
    _enum("frequency", Frequency, "How often values are reported.", default="quarterly"),
    _enum("aggregation", Aggregation, "How values of several periods combine.", default="last"),
    Field("baseline", "number", "Value before the strategy started."),
    Field("target", "series", "Target: one value, or a mapping period -> value; [low, high] for a range."),
    Field("red_flag", "series", "Value at which the KPI is off track: one value or a mapping period -> value."),
    Field("weight", "number", "Relative weight in the objective's roll-up.", default=1.0, minimum=0),
    Field("owner", "text", "Who answers for this KPI."),
    Field("data_source", "text", "Where the values come from."),
    _enum("indicator", INDICATORS, "leading (a driver) or lagging (an outcome).", default="lagging"),
)

KPI_DEFINITION = Record("KPI definition", "A shared KPI definition that units reference.",
                        tuple(f if f.name != "name" else Field("name", "text", "Display name.", required=True)
                              for f in _KPI_FIELDS))

KPI = Record("KPI", "A key performance indicator of an objective.", _KPI_FIELDS + (
    Field("definition", "id", "Use this KPI library definition; fields given here override it."),
))

OBJECTIVE = Record("objective", "A strategic objective.", (
    Field("id", "id", "Identifier (slug), unique within the unit.", required=True),
    Field("name", "text", "Display name, starting with an action verb.", required=True),
    Field("perspective", "id", "The perspective it belongs to.", required=True),
    Field("theme", "id", "The strategic theme it belongs to."),
    Field("owner", "text", "Who answers for this objective."),
    Field("description", "text", "What it means (Markdown)."),
    Field("weight", "number", "Relative weight in the perspective roll-up.", default=1.0, minimum=0),
    Field("drives", "ids", "Objectives of this unit this one drives (cause -> effect)."),
    Field("supports", "ids", "Objectives of the parent unit this one contributes to."),
    Field("kpis", "records", "The KPIs that measure it.", record=KPI),
))

INITIATIVE = Record("initiative", "A project that moves objectives.", (
    Field("id", "id", "Identifier (slug), unique within the unit.", required=True),
    Field("name", "text", "Display name.", required=True),
    Field("owner", "text", "Who leads it."),
    Field("description", "text", "What it delivers (Markdown)."),
    Field("objectives", "ids", "Objectives of this unit it serves."),
    Field("start", "date", "Start date, YYYY-MM-DD."),
    Field("end", "date", "End date, YYYY-MM-DD."),
    Field("budget", "number", "Budget.", minimum=0),
    Field("currency", "text", "Currency of the budget, e.g. EUR.", default=""),
    _enum("status", INITIATIVE_STATUSES, "Delivery status.", default="not-started"),
    Field("progress", "number", "Per cent complete.", default=0.0, minimum=0, maximum=100),
))

UNIT = Record("unit", "One organisational unit's scorecard.", (
    Field("id", "id", "Identifier (slug), unique in the organisation.", required=True),
    Field("name", "text", "Display name.", required=True),
    Field("parent", "id", "The unit above this one; omitted for the root (the enterprise)."),
    Field("owner", "text", "Who leads the unit."),
    Field("description", "text", "What the unit does (Markdown)."),
    Field("strategy", "text", "The unit's strategy statement (Markdown)."),
    Field("extra_perspectives", "records", "Perspectives this unit adds.", record=EXTRA_PERSPECTIVE),
    Field("omitted_perspectives", "records", "Perspectives this unit leaves out, with reasons.",
          record=OMITTED_PERSPECTIVE),
    Field("objectives", "records", "The unit's strategic objectives.", record=OBJECTIVE),
    Field("initiatives", "records", "The unit's initiatives.", record=INITIATIVE),
))

ORGANIZATION = Record("organization", "The organisation: strategy, perspectives, themes, KPI library, settings.", (
    Field("name", "text", "The organisation's name.", required=True),
    Field("vision", "text", "Vision statement."),
    Field("mission", "text", "Mission statement."),
    Field("strategy", "text", "Strategy statement (Markdown)."),
    Field("fiscal_year_start", "integer", "Month (1-12) in which the fiscal year starts.", default=1,
          minimum=1, maximum=12),
    _enum("review_cadence", Frequency, "How often the scorecard is reviewed.", default="quarterly"),
    Field("perspectives", "records", "Perspectives, top (outcomes) to bottom (enablers).", record=PERSPECTIVE),
    Field("themes", "records", "Strategic themes in display order.", record=THEME),
    Field("status", "record", "Status scheme defaults.", record=STATUS_SETTINGS),
    Field("checks", "record", "Design-check settings.", record=CHECK_SETTINGS),
    Field("kpis", "records", "The shared KPI definition library.", record=KPI_DEFINITION),
))

ACTUAL = Record("actual", "One KPI value for one period.", (
    Field("unit", "id", "The unit id.", required=True),
    Field("kpi", "id", "The KPI id within the unit.", required=True),
    Field("period", "text", "The period: 2026, 2026-Q3 or 2026-09.", required=True),
    Field("value", "number", "The value; empty means not reported."),
    Field("note", "text", "A remark shown beside the value."),
))

OVERRIDE_STATUSES = ("on-track", "at-risk", "off-track")
ACTION_STATUSES = ("open", "done", "dropped")

_SUBJECT = (
    Field("unit", "id", "The unit the entry is about.", required=True),
    Field("objective", "id", "The objective (of that unit) it is about."),
    Field("kpi", "id", "The KPI (of that unit) it is about; give objective or kpi, not both."),
)

COMMENTARY = Record("commentary", "The review's analysis and recommendation for a unit, objective or KPI.", _SUBJECT + (
    Field("analysis", "text", "What the numbers say and why (Markdown)."),
    Field("recommendation", "text", "What the forum recommends (Markdown)."),
))

OVERRIDE = Record("override", "A status set by the review instead of the computed one, with the reason.", _SUBJECT + (
    _enum("status", OVERRIDE_STATUSES, "The status the review decided.", required=True),
    Field("reason", "text", "Why the computed status does not tell the truth.", required=True),
))

ACTION = Record("action", "A decision of the review: what, who, by when.", (
    Field("id", "id", "Identifier (slug), unique within the review.", required=True),
    Field("unit", "id", "The unit it concerns.", required=True),
    Field("objective", "id", "The objective it serves."),
    Field("what", "text", "What is to be done.", required=True),
    Field("owner", "text", "Who does it.", required=True),
    Field("due", "date", "Due date, YYYY-MM-DD."),
    _enum("status", ACTION_STATUSES, "open, done or dropped.", default="open"),
    Field("completed", "date", "When it was done or dropped, YYYY-MM-DD."),
))

REVIEW = Record("review", "A review meeting: one period, its commentary, decisions and overrides.", (
    Field("period", "text", "The review period, e.g. 2026-Q3.", required=True),
    Field("date", "date", "The meeting date, YYYY-MM-DD."),
    Field("forum", "text", "Who met, e.g. Executive strategy review."),
    Field("summary", "text", "The review's summary (Markdown)."),
    Field("commentary", "records", "Analysis and recommendations.", record=COMMENTARY),
    Field("overrides", "records", "Statuses set by the review.", record=OVERRIDE),
    Field("actions", "records", "Decisions and actions.", record=ACTION),
))

DEFAULT_PERSPECTIVES = (
    ("financial", "Financial", "To succeed financially, how should we appear to our shareholders?"),
    ("customer", "Customer", "To achieve our vision, how should we appear to our customers?"),
    ("internal-process", "Internal Process", "To satisfy our customers, which processes must we excel at?"),
    ("learning-growth", "Learning & Growth", "To achieve our vision, how will we sustain our ability to change and improve?"),
)
