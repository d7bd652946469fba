"""Open a scorecard folder: load it, validate it, and pick the review period."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .check import validate
from .collector import paused
from .load import load
from .model import Scorecards
from .periods import Period, PeriodError
from .problems import Location, Problems


@dataclass
class Project:
    """A loaded scorecard folder with everything found wrong in it."""

    scorecards: Scorecards | None
    problems: Problems
    period: Period | None

    @property
    def ok(self) -> bool:
        return self.scorecards is not None and not self.problems.errors


def open_project(path: Path | str, *, period: str | None = None, strict: bool = False,
                 period_source: str = "--period", parallel: bool = False, freeze: bool = False,
                 cache_dir: Path | None = None, loaded: Callable[[Scorecards, Period | None], None] | None = None) -> Project:
    """Load and validate; `period` is a label such as 2026-Q3 (default: the latest with data).

    `parallel`: loading may fork a helper process (see `load`); only where no other thread
    runs. `freeze`: the model is kept to the caller's end, out of the garbage collector's way.
    `cache_dir`: unit files read before are taken from the load cache there (see `load`).
    `loaded(scorecards, period)` is called once the files are read without error, before
    the checks (which may still find errors): a site build starts its page process there.
    """
    problems = Problems()
    sc = load(Path(path), problems, parallel, freeze, cache_dir)
    if sc is None:
        return Project(None, problems, None)
    chosen = None
    if period is not None:
        try:
            chosen = sc.calendar.parse(period)
        except PeriodError as exc:
            problems.error(Location(period_source), "bad-period", str(exc))
    shown = chosen or sc.latest_review_period()
    if loaded is not None and not problems.errors:
        loaded(sc, shown)
    # The checks make indexes (millions of entries for a large organisation) and no reference
    # cycles: the collector would walk them, and the loaded model's own indexes, again and again.
    with paused():
        validate(sc, problems, chosen, strict)
    return Project(sc, problems, shown)
