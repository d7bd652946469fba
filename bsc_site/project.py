"""Open a scorecard folder: load it, validate it, and pick the review period."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import ledger
from .check import validate
from .collector import paused
from .load import FilesRead, input_files, input_folders, load, open_cache, organization_file, unread_files
from .load.cache import Ledgers, LoadCache, Verdicts
from .model import Scorecards
from .periods import Period, PeriodError
from .problems import Location, Problems, UnitFindings, with_article


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
    # units checked again with the last check's ledger (None: the whole folder checked, or a kept verdict)
    checked: int | None = dataclasses.field(default=None, compare=False)


def check_folder(path: Path | str, *, period: str | None = None, strict: bool = False, parallel: bool = False,
                 cache_dir: Path | None = None) -> Verdict:
    """`open_project`'s problems and counts (the model loaded to be kept to the caller's
    end: `freeze`). With `cache_dir`, the verdict is kept there, and given again, without
    loading anything, while no input file (nor the options, nor bsc-site) changed (see
    `load.cache.Verdicts`); the project is then None. Once files changed, only the units
    a change can reach are checked again (see `ledger`): the project is None then too."""
    root = Path(path)
    cache = open_cache(cache_dir, root)
    if not isinstance(cache, LoadCache):
        project = open_project(root, period=period, strict=strict, parallel=parallel, freeze=True,
                               cache_dir=cache_dir)
        return dataclasses.replace(_checked(project), project=project)
    options = f"strict={strict}\0period={period}"
    verdicts = Verdicts(cache, input_files(root), input_folders(root), options)
    kept = verdicts.get()
    if isinstance(kept, Verdict):
        cache.close()
        return kept
    kept_ledger = Ledgers(cache, options)
    last = kept_ledger.get()
    if isinstance(last, ledger.Ledger) and organization_file(root) == cache.organization:
        again = ledger.recheck(root, cache.organization, cache, last, period, strict)
        if again is not None:
            unread_files(root, again.problems)  # of the folder, not of a file the ledger keeps
            cache.close()
            verdict = Verdict(again.problems, not again.problems.errors, again.units, again.kpis, again.actuals)
            kept_ledger.put(again.ledger if cache.organization_unchanged() else None)
            verdicts.put(verdict, input_files(root), input_folders(root))
            verdict.checked = again.checked  # not kept with the verdict
            return verdict
    files, findings = FilesRead(), UnitFindings()
    project = open_project(root, period=period, strict=strict, parallel=parallel, freeze=True, cache_dir=cache_dir,
                           cache=cache, record=files, findings=findings)
    verdict = _checked(project)
    kept_ledger.put(ledger.make(files, findings, project.period)
                    if project.scorecards is not None and cache.organization_unchanged() else None)
    verdicts.put(verdict, input_files(root), input_folders(root))
    verdict.project = project  # not kept with the verdict
    return verdict


def _checked(project: Project) -> Verdict:
    sc = project.scorecards
    return Verdict(project.problems, project.ok) if sc is None else Verdict(
        project.problems, project.ok, len(sc.units), sum(len(u.kpis) for u in sc.units), len(sc.actuals))


def open_project(path: Path | str, *, period: str | None = None, strict: bool = False,
                 period_source: str = "--period", parallel: bool = False, freeze: bool = False,
                 cache_dir: Path | None = None, cache: LoadCache | None = None,
                 loaded: Callable[[Scorecards, Period | None], None] | None = None,
                 record: FilesRead | None = None, findings: UnitFindings | None = None) -> Project:
    """Load and validate; `period` is a label such as 2026-Q3 (default: the latest with data).

    `parallel`: loading may fork a helper process (see `load`); only where no other thread
    runs. `freeze`: the model is kept to the caller's end, out of the garbage collector's way.
    `cache_dir`: unit files read before are taken from the load cache there (see `load`);
    `cache`: that cache, opened already (`load.open_cache`).
    `loaded(scorecards, period)` is called once the files are read without error, before
    the checks (which may still find errors): a site build starts its page process there.
    `record`, `findings`: filled with what each file was read into (`load`) and what each
    unit's checks found (`check.validate`), for `ledger.make`.
    """
    problems = Problems()
    sc = load(Path(path), problems, parallel, freeze, cache_dir, cache, record)
    if sc is None:
        return Project(None, problems, None)
    chosen = None
    if period is not None:
        try:
            chosen = sc.calendar.parse(period)
        except PeriodError as exc:
            problems.error(Location(period_source), "bad-period", str(exc))
        else:
            cadence = sc.organization.review_cadence
            if chosen.frequency is not cadence:  # what reviews, snapshots and the site are made of
                problems.error(Location(period_source), "bad-period",
                               f"{chosen.label} is {with_article(chosen.frequency.value)} period, but the review cadence is "
                               f"{cadence.value}", hint="name a review period, such as "
                               f"{sc.calendar.containing(chosen, cadence).label}"
                               if chosen.frequency.rank < cadence.rank else "name a review period")
                chosen = None
    shown = chosen or sc.latest_review_period()
    if loaded is not None and not problems.errors:
        loaded(sc, shown)
    # The checks make indexes (millions of entries for a large organisation) and no reference
    # cycles: the collector would walk them, and the loaded model's own indexes, again and again.
    with paused():
        validate(sc, problems, chosen, strict, findings)
    return Project(sc, problems, shown)
