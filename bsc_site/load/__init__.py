"""Load a scorecard folder into the model, collecting every problem on the way."""

from __future__ import annotations

import gc
from pathlib import Path

from .. import model as m
from ..collector import paused
from ..forked import Forked, can_fork
from ..problems import Location, Problems
from . import fields
from .actuals import read_actuals
from .reviews import read_reviews, read_snapshots
from .scorecard import UnitBuilder, build_organization, read_record_file
from .text import ACTUALS_SUFFIXES, YAML_SUFFIXES, display_path, find_files

ORGANIZATION_FILES = ("organization.yml", "organization.yaml", "organisation.yml", "organisation.yaml")
_LARGE_LOAD = 200_000  # objects left to the garbage collector: some 200 units with their actuals


def input_files(root: Path) -> list[Path]:
    """Every file the loader reads, for watching and hashing."""
    org = [root / n for n in ORGANIZATION_FILES if (root / n).is_file()]
    return (org + find_files(root / "units", YAML_SUFFIXES) + find_files(root / "actuals", ACTUALS_SUFFIXES)
            + find_files(root / "reviews", YAML_SUFFIXES + (".snapshot.json",)))


# Below this many unit files a second process is not worth its start (a few milliseconds).
PARALLEL_UNITS = 200


def load(root: Path | str, problems: Problems, parallel: bool = False, freeze: bool = False) -> m.Scorecards | None:
    """Read a scorecard folder; None when it cannot be read at all (problems say why).

    `parallel`: a forked process reads the later part of a large organisation's unit files
    while this one reads the first part and the actuals (the caller says whether it may
    fork: no other thread may be running). The result, problems included, is the same
    either way.

    Loading makes millions of objects, most of which outlive it, and hardly a
    reference cycle: the cyclic garbage collector would only traverse the growing heap
    again and again (half the loading time of a large organisation), so it waits. After
    a large load it runs once, in one pass over everything, where it would otherwise
    pass over the new objects three times (once per generation) in the next steps.
    `freeze`: the caller keeps the model to its end (a command, a site build): instead of
    that pass (seconds for a large organisation), what was loaded is moved out of the
    collector's way for good (`gc.freeze`); the caller may `gc.unfreeze` when done.
    """
    try:
        with paused():
            return _load(Path(root), problems, parallel and can_fork())
    finally:
        if gc.isenabled() and gc.get_count()[0] > _LARGE_LOAD:  # on again (it was on before)
            gc.freeze() if freeze else gc.collect()


def _load(root: Path, problems: Problems, parallel: bool) -> m.Scorecards | None:
    if not root.is_dir():
        problems.error(Location(display_path(root)), "no-folder",
                       "this is a file, not a folder" if root.exists() else "no such folder",
                       hint="give the folder holding organization.yml, units/ and actuals/")
        return None
    org_path = next((root / n for n in ORGANIZATION_FILES if (root / n).is_file()), None)
    if org_path is None:
        problems.error(Location(display_path(root / "organization.yml")), "no-organization",
                       "organization.yml is missing", hint="run 'bsc init' to start a scorecard project")
        return None
    org_rec = read_record_file(org_path, fields.ORGANIZATION, problems)
    if org_rec is None:
        return None
    organization = build_organization(org_rec, problems)
    calendar = organization.calendar  # one calendar: equal periods are then the same objects
    library = {d["id"]: d for d in org_rec.get("kpis", ()) if "id" in d.values and "name" in d.values}

    unit_files = find_files(root / "units", YAML_SUFFIXES)
    if not unit_files:
        problems.error(Location(display_path(root / "units")), "no-units", "no unit files found",
                       hint="add one YAML file per unit under units/")
    actual_files = find_files(root / "actuals", ACTUALS_SUFFIXES)
    split = _split(unit_files, actual_files) if parallel and len(unit_files) >= PARALLEL_UNITS else len(unit_files)
    later = Forked(_read_units_apart, unit_files[split:], calendar, library) if split < len(unit_files) else None
    units = _read_units(unit_files[:split], calendar, library, problems)
    if later is None:
        actuals = read_actuals(actual_files, calendar, problems)
    else:  # the actuals are read here while the helper reads its units; problems keep the one-process order
        actual_problems = Problems()
        actuals = read_actuals(actual_files, calendar, actual_problems)
        later_units, later_problems = later.result()
        units += later_units
        problems.extend(later_problems)
        problems.extend(actual_problems.items)
    reviews = read_reviews(find_files(root / "reviews", YAML_SUFFIXES), calendar, problems)
    snapshots = read_snapshots(find_files(root / "reviews", (".snapshot.json",)), calendar, problems)
    return m.Scorecards(root=root, organization=organization, units=hierarchy_order(units), actuals=tuple(actuals),
                        reviews=reviews, snapshots=snapshots)


# Reading a byte of CSV actuals costs about a quarter of reading a byte of a unit file, and
# the helper spends about a seventh more on each of its units to send it back (measured on
# the synthetic organisations of benchmarks/synth.py at 1,000 and 10,000 units).
CSV_COST = 0.25
SENDING_COST = 0.15


def _split(unit_files: list[Path], actual_files: list[Path]) -> int:
    """How many unit files this process reads before the actuals, so that it and the helper
    (reading the rest, then sending them) take about as long."""
    sizes = [path.stat().st_size for path in unit_files]
    actuals = sum(path.stat().st_size for path in actual_files)
    here = (sum(sizes) * (1 + SENDING_COST) - CSV_COST * actuals) / (2 + SENDING_COST)
    taken = 0
    for index, size in enumerate(sizes[:-1]):  # the helper reads one file at least
        if taken + size > here:
            return index
        taken += size
    return len(sizes) - 1


def _read_units(paths: list[Path], calendar, library: dict, problems: Problems) -> list[m.Unit]:
    """The units of these files, in file order."""
    builder = UnitBuilder(calendar, library, problems)
    units = []
    for path in paths:
        rec = read_record_file(path, fields.UNIT, problems)
        if rec is not None and "id" in rec.values:  # a missing name is reported; the unit stays, so nothing cascades
            units.append(builder.unit(rec))
    return units


def _read_units_apart(paths: list[Path], calendar, library: dict) -> tuple[list[m.Unit], list]:
    """`_read_units` in the loading helper: the units and the problems found, to be sent back."""
    problems = Problems()
    return _read_units(paths, calendar, library, problems), problems.items


def hierarchy_order(units: list[m.Unit]) -> tuple[m.Unit, ...]:
    """Parents before children, siblings in file order; units outside the tree keep file order at the end."""
    children: dict[str | None, list[m.Unit]] = {}
    ids = {u.id for u in units}
    for u in units:
        children.setdefault(u.parent if u.parent in ids else None, []).append(u)
    ordered: list[m.Unit] = []
    seen: set[int] = set()
    stack = list(reversed(children.get(None, [])))
    while stack:
        u = stack.pop()
        if id(u) in seen:
            continue
        seen.add(id(u))
        ordered.append(u)
        stack.extend(reversed(children.get(u.id, [])))
    ordered.extend(u for u in units if id(u) not in seen)  # cycles: reported by the checks
    return tuple(ordered)
