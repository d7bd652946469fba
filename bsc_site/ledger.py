"""What the last `bsc validate` of a folder found, file by file and unit by unit: the next
one checks again only the units a change can reach.

A check of a folder makes the same problems whether or not it had one before; the ledger
only spares work. It holds, for the last check with the same organisation file, code and
options (see `load.cache.Ledgers`):

- for each unit file, its key (its bytes: `LoadCache.key`), the problems found in reading
  it, and its unit's sketch: what the whole-folder checks and the other units' checks read
  of it (id, parent, objective ids, the parent objectives it supports, how many KPIs);
- for each actuals file, its key, the problems found in reading it, the units its rows
  are for, how many rows, and the periods they report a value for;
- for each unit, the problems its own checks found (its references, its design checks) and
  a digest of everything those checks read: its file, its parent's objective ids, the
  parent objectives its children support, its actuals file.

A unit whose digest is unchanged keeps its problems; the others are checked again, with the
units and actuals their checks read, taken from the load cache (or read). The checks of the
whole folder (the hierarchy, the organisation's ids, the reviews) run every time, on the
sketches. Whatever this cannot redo exactly, the whole folder is checked instead: a unit id
twice, a unit's actuals in two files, actuals of a unit that does not exist or that must be
gone through row by row, a review naming a unit that does not exist, another review period
than the last check's (the design checks depend on it), a last check whose errors stopped
the design checks, a file that cannot be read, or one that changes while it is read.
"""

from __future__ import annotations

import collections
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .check import silences
from .check.design import unit_design
from .check.references import organization_references, suspect_actuals, unit_references, unit_tree
from .check.reviews import check_reviews
from .load import FilesRead, hierarchy_order, read_organization, read_unit_file
from .load.actuals import from_columns, read_actual_file
from .load.cache import LoadCache
from .load.reviews import read_reviews, read_snapshots
from .load.text import ACTUALS_SUFFIXES, YAML_SUFFIXES, find_files
from .model import Actual, Scorecards, Unit, latest_review_period
from .periods import Period, PeriodError
from .problems import Problem, Problems, UnitFindings


@dataclass(frozen=True, slots=True, eq=False)
class UnitSketch:
    """What the whole-folder checks and the other units' checks read of a unit."""

    id: str
    parent: str | None
    location: object
    objectives: tuple[str, ...]  # ids, sorted
    supports: tuple[str, ...]  # the parent's objectives its objectives support, sorted
    kpis: int
    parent_location: object = None  # where `parent` is written (the unit tree's errors point there)


def sketch(unit: Unit) -> UnitSketch:
    return UnitSketch(unit.id, unit.parent, unit.location, tuple(sorted({o.id for o in unit.objectives})),
                      tuple(sorted({link.target for o in unit.objectives for link in o.supports})),
                      sum(len(o.kpis) for o in unit.objectives), unit.parent_location)


@dataclass(frozen=True, slots=True)
class UnitFile:
    key: bytes
    sketch: UnitSketch | None  # None: the file holds no unit (its problems say why)
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ActualsFile:
    key: bytes
    units: tuple[str, ...]  # the units its rows are for, sorted
    rows: int
    with_data: frozenset[Period]  # the periods its rows report a value for
    problems: tuple[Problem, ...]


def actuals_file(key: bytes, rows: list[Actual], problems) -> ActualsFile:
    return ActualsFile(key, tuple(sorted({a.unit_id for a in rows})), len(rows),
                       frozenset(a.period for a in rows if a.value is not None), tuple(problems))


@dataclass(frozen=True, slots=True)
class UnitChecks:
    inputs: bytes  # digest of what the unit's checks read (`_inputs`)
    references: tuple[Problem, ...]
    design: tuple[Problem, ...] | None  # None: not run (the folder had errors)


@dataclass(frozen=True, slots=True)
class Ledger:
    period: Period | None  # the review period the design checks ran for
    units: dict[str, UnitFile]  # by file, in file order
    actuals: dict[str, ActualsFile]  # by file, in file order
    checks: dict[str, UnitChecks]  # by unit file


@dataclass
class Rechecked:
    """A check made with the ledger: what a check of the whole folder would have found."""

    problems: Problems
    units: int
    kpis: int
    actuals: int
    ledger: Ledger
    checked: int  # units checked again


def _inputs(key: bytes, unit: UnitSketch, by_id: dict[str, UnitSketch], children: dict[str, list[UnitSketch]],
            actuals_key: bytes | None) -> bytes:
    """A digest of what a unit's own checks read: its file, its parent's objective ids, the
    parent objectives its children support, its actuals file."""
    parent = by_id.get(unit.parent) if unit.parent and unit.parent != unit.id else None
    supported = sorted({t for child in children.get(unit.id, ()) for t in child.supports})
    text = repr((parent.objectives if parent is not None else None, supported))
    return hashlib.blake2b(key + (actuals_key or b"-") + text.encode("utf-8", "surrogateescape"),
                           digest_size=16).digest()


def _homes(actuals: dict[str, ActualsFile], by_id: dict) -> dict[str, str] | None:
    """Each unit's actuals file; None if a unit's actuals are in two files, or a file has
    actuals of a unit that does not exist (the whole folder is checked then)."""
    home: dict[str, str] = {}
    for name, entry in actuals.items():
        for unit_id in entry.units:
            if unit_id not in by_id or unit_id in home:
                return None
            home[unit_id] = name
    return home


def _index(units: dict[str, UnitFile]) -> tuple[dict[str, UnitSketch], dict[str, str]] | None:
    """The units' sketches by id, and each unit's file; None if an id is used twice."""
    by_id: dict[str, UnitSketch] = {}
    named: dict[str, str] = {}
    for name, entry in units.items():
        if entry.sketch is not None:
            if entry.sketch.id in by_id:
                return None
            by_id[entry.sketch.id] = entry.sketch
            named[entry.sketch.id] = name
    return by_id, named


def _digests(units: dict[str, UnitFile], actuals: dict[str, ActualsFile], by_id: dict[str, UnitSketch],
             named: dict[str, str], homes: dict[str, str], children: dict[str, list[UnitSketch]]) -> dict[str, bytes]:
    """`_inputs` of each unit, by its file; not of a unit whose file or actuals file has no key."""
    out = {}
    for unit_id, s in by_id.items():
        name, home = named[unit_id], homes.get(unit_id)
        actuals_key = actuals[home].key if home is not None else None
        if units[name].key is not None and (home is None or actuals_key is not None):
            out[name] = _inputs(units[name].key, s, by_id, children, actuals_key)
    return out


def _children(sketches) -> dict[str, list[UnitSketch]]:
    ids = {s.id for s in sketches}
    out: dict[str, list[UnitSketch]] = {}
    for s in sketches:
        if s.parent in ids:
            out.setdefault(s.parent, []).append(s)
    return out


def make(files: FilesRead, findings: UnitFindings, period: Period | None) -> Ledger | None:
    """The ledger of a check of the whole folder (`validate` with `findings`); None where a
    recheck could not use it (see the module). A file without a key (not known to have been
    read as it was keyed: `FilesRead`) is left out, with the checks of the units it holds or
    has the actuals of: the next check reads it, and checks them, again."""
    if findings.suspect_actuals:
        return None
    units = {os.fspath(path): UnitFile(key, sketch(unit) if unit is not None else None, tuple(found))
             for path, key, unit, found in files.units}
    actuals = {os.fspath(path): actuals_file(key, rows, found) for path, key, rows, found in files.actuals}
    index = _index(units)
    homes = _homes(actuals, index[0]) if index is not None else None
    if homes is None:
        return None
    by_id, named = index
    digests = _digests(units, actuals, by_id, named, homes, _children(by_id.values()))
    checks = {}
    for path, _, unit, _ in files.units:
        if unit is not None and os.fspath(path) in digests:
            references, design = findings.by_unit[id(unit)]
            checks[os.fspath(path)] = UnitChecks(digests[os.fspath(path)], tuple(references),
                                                 tuple(design) if design is not None else None)
    return Ledger(period, {name: entry for name, entry in units.items() if entry.key is not None},
                  {name: entry for name, entry in actuals.items() if entry.key is not None}, checks)


def recheck(root: Path, org_path: Path, cache: LoadCache, ledger: Ledger, period: str | None,
            strict: bool) -> Rechecked | None:
    """Check the folder again with the ledger of the last check; None where the whole folder
    must be checked (see the module), or a file read now changed since its key was taken.
    Reads the files' keys `cache.folder_key` took, and leaves the cache as it was (`peek`)."""
    problems = Problems()
    read_org = read_organization(org_path, problems)
    if read_org is None:
        return None
    organization, library = read_org
    try:
        return _recheck(root, cache, ledger, period, strict, problems, organization, library)
    except _Changed:
        return None


class _Changed(Exception):
    """A file read by the recheck no longer has the key it was taken by: it changed since."""


def _recheck(root: Path, cache: LoadCache, ledger: Ledger, period: str | None, strict: bool, problems: Problems,
             organization, library: dict) -> Rechecked | None:
    calendar = organization.calendar
    keys = cache.known_keys()
    unit_paths = find_files(root / "units", YAML_SUFFIXES)
    actual_paths = find_files(root / "actuals", ACTUALS_SUFFIXES)
    if not unit_paths or any(keys.get(path) is None for path in unit_paths + actual_paths):
        return None

    def read(path: Path, key: bytes, kept, now):
        """What the file, with that key, was read into: `kept(entry)` of the pack's entry,
        else `now(path)`, read now."""
        entry = cache.peek(key)
        if entry is not None:
            return kept(entry)
        entry = now(path)
        if cache.fresh_key(path) != key:
            raise _Changed(path)
        return entry

    def read_unit(path: Path, key: bytes) -> tuple[Unit | None, list[Problem]]:
        return read(path, key, lambda entry: entry, lambda path: read_unit_file(path, calendar, library))

    def read_actuals(path: Path, key: bytes) -> tuple[list[Actual], list[Problem]]:
        def now(path: Path) -> tuple[list[Actual], list[Problem]]:
            found = Problems()
            return read_actual_file(path, calendar, found), found.items
        return read(path, key, lambda entry: (from_columns(entry[0]), entry[1]), now)

    # each file's entry: the ledger's, while the file's key is the same
    units: dict[str, UnitFile] = {}
    full: dict[str, Unit] = {}  # units read now
    paths: dict[str, Path] = {}
    for path in unit_paths:
        name, key = os.fspath(path), keys[path]
        paths[name] = path
        entry = ledger.units.get(name)
        if entry is None or entry.key != key:
            unit, found = read_unit(path, key)
            entry = UnitFile(key, sketch(unit) if unit is not None else None, tuple(found))
            if unit is not None:
                full[name] = unit
        units[name] = entry
        problems.extend(entry.problems)
    actuals: dict[str, ActualsFile] = {}
    rows: dict[str, list[Actual]] = {}  # actuals read now
    for path in actual_paths:
        name, key = os.fspath(path), keys[path]
        paths[name] = path
        entry = ledger.actuals.get(name)
        if entry is None or entry.key != key:
            rows[name], found = read_actuals(path, key)
            entry = actuals_file(key, rows[name], found)
        actuals[name] = entry
        problems.extend(entry.problems)
    review_files = find_files(root / "reviews", YAML_SUFFIXES)
    reviews = read_reviews(review_files, calendar, problems)
    snapshots = read_snapshots(find_files(root / "reviews", (".snapshot.json",)), calendar, problems)

    # what the whole-folder checks need, and the cases they leave to a whole check
    index = _index(units)
    homes = _homes(actuals, index[0]) if index is not None else None
    if homes is None:
        return None
    by_id, named = index
    sketches = list(by_id.values())  # in file order
    if any(unit_id not in by_id for r in reviews for unit_id in _review_units(r)):
        return None
    with_data = tuple(sorted(set().union(*(a.with_data for a in actuals.values()))))
    chosen = None
    if period is not None:
        try:
            chosen = calendar.parse(period)
        except PeriodError:
            return None
    shown = chosen or latest_review_period(organization, with_data)
    if shown != ledger.period:
        return None

    # the units whose checks read something else now
    children = _children(sketches)
    inputs = _digests(units, actuals, by_id, named, homes, children)
    again = [name for name in inputs if name not in ledger.checks or ledger.checks[name].inputs != inputs[name]]
    wanted = set(again)
    for name in again:
        s = units[name].sketch
        parent = by_id.get(s.parent) if s.parent else None
        wanted.update(named[c.id] for c in children.get(s.id, ()))
        if parent is not None:
            wanted.add(named[parent.id])
    wanted.update(named[unit_id] for r in reviews for unit_id in _review_units(r))
    for name in wanted:
        if name not in full:
            unit, _ = read_unit(paths[name], units[name].key)
            if unit is None:
                return None
            full[name] = unit
    again_ids = {units[name].sketch.id for name in again}
    for file in {homes[unit_id] for unit_id in again_ids if unit_id in homes}:
        if file not in rows:
            rows[file], _ = read_actuals(paths[file], actuals[file].key)
    part = Scorecards(root=root, organization=organization,
                      units=hierarchy_order([full[name] for name in units if name in full]),
                      actuals=tuple(a for file in rows for a in rows[file] if a.unit_id in again_ids),
                      reviews=reviews, snapshots=snapshots)

    # the actuals of the units checked again, as `references._actuals` would see them
    counted = collections.Counter((a.unit_id, a.kpi_id) for a in part.actuals)
    kpis = {unit_id: {k.id: k for k in part.unit(unit_id).kpis} for unit_id in again_ids}
    for key, by_period in part.actuals_by_kpi.items():
        if suspect_actuals(kpis[key[0]].get(key[1]), by_period, counted[key]):
            return None

    # the checks, in the order of `check.validate`
    org_perspectives = {p.id for p in organization.perspectives}
    theme_ids = {t.id for t in organization.themes}
    found_now: dict[str, list] = {}
    for name in again:
        own = Problems()
        unit_references(part, full[name], org_perspectives, theme_ids, own)
        found_now[name] = [own.items, None]
    silences(organization, by_id, problems)
    order = hierarchy_order(sketches)
    unit_tree(order, problems)
    organization_references(organization, problems)
    for s in order:
        name = named[s.id]
        problems.extend(found_now[name][0] if name in found_now else ledger.checks[name].references)
    check_reviews(part, problems, with_data)
    if not problems.errors:
        for s in order:
            name = named[s.id]
            if name in found_now:
                own = Problems()
                unit_design(part, full[name], shown, own, strict)
                found_now[name][1] = own.items
                problems.extend(own.items)
            elif ledger.checks[name].design is None:
                return None  # not run last time: the folder had errors then
            else:
                problems.extend(ledger.checks[name].design)
    checks = {name: ledger.checks[name] if name not in found_now else
              UnitChecks(inputs[name], tuple(found_now[name][0]),
                         tuple(found_now[name][1]) if found_now[name][1] is not None else None)
              for name in inputs}
    return Rechecked(problems, len(sketches), sum(s.kpis for s in sketches), sum(a.rows for a in actuals.values()),
                     Ledger(shown, units, actuals, checks), len(again))


def _review_units(review) -> set[str]:
    return ({c.subject.unit_id for c in review.commentary} | {o.subject.unit_id for o in review.overrides}
            | {a.unit_id for a in review.actions} | {subject.unit_id for subject, _, _ in review.unbuilt})
