"""Problems found in scorecard files: located, collected, reported together."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, field
from typing import Iterable, NamedTuple


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Location(NamedTuple):
    """A place in an input file; line and column count from 1 (0 = unknown).

    A named tuple rather than a frozen dataclass: the loader makes one per YAML value,
    hundreds of thousands for a large organisation, and tuples are several times cheaper.
    """

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and how to fix it."""

    location: Location
    severity: Severity
    code: str
    message: str
    field: str = ""
    hint: str = ""

    def format(self) -> str:
        """The `file:line:col: error: message` form used by the CLI and the plugin."""
        text = f"{self.location}: {self.severity.value}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text + f" [{self.code}]"

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.column, self.code, self.message)


@dataclass
class UnitFindings:
    """What a check found unit by unit (for `bsc_site.ledger`): each unit's own problems by
    `id(unit)`, [its references' problems, its design findings (None when the design checks
    did not run: the folder has errors)]; and whether some KPI's actuals had to be gone
    through row by row (a row for no such KPI, a period twice or of another frequency)."""

    by_unit: dict[int, list] = field(default_factory=dict)
    suspect_actuals: bool = False

    def add(self, unit, slot: int, own: Problems, problems: Problems) -> None:
        """A unit's own problems (`slot` 0: its references', 1: its design findings), which
        go to `problems` too."""
        problems.extend(own.items)
        self.by_unit.setdefault(id(unit), [[], None])[slot] = own.items


@dataclass
class Problems:
    """A collector handed to every stage; stages add, nobody raises for bad input."""

    items: list[Problem] = field(default_factory=list)

    def error(self, location: Location, code: str, message: str, *, field: str = "", hint: str = "") -> None:
        self.items.append(Problem(location, Severity.ERROR, code, message, field, hint))

    def warning(self, location: Location, code: str, message: str, *, field: str = "", hint: str = "") -> None:
        self.items.append(Problem(location, Severity.WARNING, code, message, field, hint))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.WARNING]

    def sorted(self) -> list[Problem]:
        """Problems in file and line order, each reported once."""
        unique = dict.fromkeys(self.items)
        return sorted(unique, key=Problem.sort_key)


def with_article(word: str) -> str:
    """'a monthly', 'an annual'."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known spelling, or an empty string."""
    close = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def shown(text: str, limit: int = 80) -> str:
    """Text as quoted in a message: on one line, invisible characters made visible (a line
    break as \\n, a right-to-left override as \\u202e), and a value of a megabyte not
    repeated in full."""
    visible = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return visible if len(visible) <= limit and len(text) <= limit else visible[: limit - 1] + "…"


def one_of(choices: Iterable[str]) -> str:
    """'a', 'b' or 'c' — for messages that list what was expected."""
    quoted = [f"'{c}'" for c in choices]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
