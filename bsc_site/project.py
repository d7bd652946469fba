"""Open a scorecard folder: load it, validate it, and pick the review period."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .check import validate
from .collector import paused
from .load import input_files, input_folders, load, open_cache
from .load.cache import LoadCache, Verdicts
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


@dataclass
class Verdict:
    """What checking a folder found (`bsc validate`): its problems and what it holds."""

    problems: Problems
    ok: bool
    units: int = 0
    kpis: int = 0
    actuals: int = 0
    project: Project | None = dataclasses.field(default=None, compare=False)  # None when kept from before


def check_folder(path: Path | str, *, period: str | None = None, strict: bool = False, parallel: bool = False,
                 cache_dir: Path | None = None) -> Verdict:
    """`open_project`'s problems and counts (the model loaded to be kept to the caller's
    end: `freeze`). With `cache_dir`, the verdict is kept there, and given again, without
    loading anything, while no input file (nor the options, nor bsc-site) changed (see
    `load.cache.Verdicts`); the project is then None."""
    root = Path(path)
    cache = open_cache(cache_dir, root)
    verdicts = None
    if isinstance(cache, LoadCache):
        verdicts = Verdicts(cache, input_files(root), input_folders(root), f"strict={strict}\0period={period}")
        kept = verdicts.get()
        if isinstance(kept, Verdict):
            cache.close()
            return kept
    project = open_project(root, period=period, strict=strict, parallel=parallel, freeze=True,
                           cache_dir=cache_dir, cache=cache if verdicts is not None else None)
    sc = project.scorecards
    verdict = Verdict(project.problems, project.ok) if sc is None else Verdict(
        project.problems, project.ok, len(sc.units), sum(len(u.kpis) for u in sc.units), len(sc.actuals))
    if verdicts is not None:
        verdicts.put(verdict, input_files(root), input_folders(root))
    verdict.project = project
    return verdict


def open_project(path: Path | str, *, period: str | None = None, strict: bool = False,
                 period_source: str = "--period", parallel: bool = False, freeze: bool = False,
                 cache_dir: Path | None = None, cache: LoadCache | None = None,
                 loaded: Callable[[Scorecards, Period | None], None] | None = None) -> Project:
    """Load and validate; `period` is a label such as 2026-Q3 (default: the latest with data).

    `parallel`: loading may fork a helper process (see `load`); only where no other thread
    runs. `freeze`: the model is kept to the caller's end, out of the garbage collector's way.
    `cache_dir`: unit files read before are taken from the load cache there (see `load`);
    `cache`: that cache, opened already (`load.open_cache`).
    `loaded(scorecards, period)` is called once the files are read without error, before
    the checks (which may still find errors): a site build starts its page process there.
    """
    problems = Problems()
    sc = load(Path(path), problems, parallel, freeze, cache_dir, cache)
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
