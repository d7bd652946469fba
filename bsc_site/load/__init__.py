"""Load a scorecard folder into the model, collecting every problem on the way."""

from __future__ import annotations

import gc
import os
import pickle
from pathlib import Path

from .. import model as m
from ..collector import paused
from ..forked import Forked, can_fork
from ..problems import Location, Problem, Problems
from . import fields
from .actuals import as_columns, from_columns, read_actual_file
from .cache import LoadCache, NoCache
from .reviews import read_reviews, read_snapshots
from .scorecard import Library, UnitBuilder, build_organization, read_record_file
from .text import ACTUALS_SUFFIXES, YAML_SUFFIXES, display_path, find_files

ORGANIZATION_FILES = ("organization.yml", "organization.yaml", "organisation.yml", "organisation.yaml")
# spreadsheets put among the actuals, which are not read: each is named in a warning (not text
# files: a README.txt there is no one's values)
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers", ".tsv")
_LARGE_LOAD = 200_000  # objects left to the garbage collector: some 200 units with their actuals


def input_files(root: Path) -> list[Path]:
    """Every file the loader reads, for watching and hashing."""
    org = [root / n for n in ORGANIZATION_FILES if (root / n).is_file()]
    return (org + find_files(root / "units", YAML_SUFFIXES) + find_files(root / "actuals", ACTUALS_SUFFIXES)
            + find_files(root / "reviews", YAML_SUFFIXES + (".snapshot.json",)))


def unread_files(root: Path, problems: Problems) -> None:
    """A warning for each spreadsheet among the actuals: values the user means to be read."""
    for path in find_files(root / "actuals", SPREADSHEET_SUFFIXES):
        problems.warning(Location(display_path(path)), "unread-file",
                         f"{path.name} is not read: actuals are read from CSV or YAML files only",
                         hint="save it as CSV UTF-8 from the spreadsheet; a tab-separated file is read if named .csv")


def is_input(root: Path, path: Path) -> bool:
    """Whether the loader reads `path` (or would, were it there) when it reads the folder
    `root`: the organisation file, a unit, actuals or review file, a snapshot."""
    try:
        root, path = root.resolve(), path.resolve()
        below = path.relative_to(root).parts
    except (OSError, RuntimeError, ValueError):
        return False
    name = path.name.lower()
    if len(below) == 1:
        return below[0] in ORGANIZATION_FILES
    if len(below) < 2 or any(part.startswith(".") for part in below):
        return False
    suffixes = {"units": YAML_SUFFIXES, "actuals": ACTUALS_SUFFIXES,
                "reviews": YAML_SUFFIXES + (".snapshot.json",)}.get(below[0], ())
    return bool(suffixes) and name.endswith(suffixes)


def input_folders(root: Path) -> list[Path]:
    """The folder and every folder the loader looks for files in: a file made or removed
    changes its folder's status (see `cache.Verdicts`)."""
    found = [root]
    for name in ("units", "actuals", "reviews"):
        for dirpath, dirnames, _ in os.walk(root / name):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            found.append(Path(dirpath))
    return found


# Below this many unit files a second process is not worth its start (a few milliseconds).
PARALLEL_UNITS = 200


class FilesRead:
    """What each unit and actuals file was read into, in file order (for `bsc_site.ledger`):
    `units`: (path, key, unit or None, its problems); `actuals`: (path, key, actuals, problems).
    The key is None unless what was read is known to be of the bytes it digests (taken from
    the load cache, or put there: see `LoadCache.verified`)."""

    def __init__(self) -> None:
        self.units: list[tuple[Path, bytes | None, m.Unit | None, list[Problem]]] = []
        self.actuals: list[tuple[Path, bytes | None, list[m.Actual], list[Problem]]] = []


def load(root: Path | str, problems: Problems, parallel: bool = False, freeze: bool = False,
         cache_dir: Path | None = None, cache: LoadCache | None = None,
         record: FilesRead | None = None) -> m.Scorecards | None:
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
    `cache_dir`: what each unit file was read into is kept there (see `cache`), and an
    unchanged file is taken from it instead of being parsed again; `cache`: that cache,
    opened already (`open_cache`), closed when the files are read. `record`: filled with
    what each file was read into.
    """
    collect = gc.isenabled() and not freeze
    with paused(keep=freeze):
        try:
            return _load(Path(root), problems, parallel and can_fork(), cache_dir, cache, record)
        finally:
            if collect and gc.get_count()[0] > _LARGE_LOAD:
                gc.collect()


def _load(root: Path, problems: Problems, parallel: bool, cache_dir: Path | None,
          cache: LoadCache | None, record: FilesRead | None = None) -> m.Scorecards | None:
    org_path = organization_file(root) if root.is_dir() else None
    if cache is not None and cache.organization != org_path:  # the folder changed since it was opened
        cache.close()
        cache = None
    if not root.is_dir():
        problems.error(Location(display_path(root)), "no-folder",
                       "this is a file, not a folder" if root.exists() else "no such folder",
                       hint="give the folder holding organization.yml, units/ and actuals/")
        return None
    if org_path is None:
        odd = next((root / n for n in ORGANIZATION_FILES if os.path.lexists(root / n)), None)
        if odd is not None:  # a folder, a broken link, a device by that name
            kind = "a folder" if odd.is_dir() else "a broken link" if not odd.exists() else "a device or a pipe"
            problems.error(Location(display_path(odd)), "no-organization", f"{odd.name} is not a regular file ({kind})",
                           hint="the organisation file must be a YAML file")
        else:
            problems.error(Location(display_path(root / "organization.yml")), "no-organization",
                           "organization.yml is missing", hint="run 'bsc init' to start a scorecard project")
        return None
    # Its bytes are taken before it is read: they key the cache, which is not saved if
    # they change while the files are read.
    if cache is None:
        cache = _open_cache(cache_dir, root, org_path)
    try:
        return _load_from(root, org_path, problems, parallel, cache, record)
    finally:
        cache.close()  # the new pack left unsaved if anything failed


def read_organization(org_path: Path, problems: Problems) -> tuple[m.Organization, dict] | None:
    """The organisation, and its KPI library's entries by id (what unit files may name)."""
    org_rec = read_record_file(org_path, fields.ORGANIZATION, problems)
    if org_rec is None:
        return None
    organization = build_organization(org_rec, problems)
    library = Library({d["id"]: d for d in org_rec.get("kpis", ()) if "id" in d.values and "name" in d.values})
    library.perspectives = frozenset(p.id for p in organization.perspectives)
    library.themes = frozenset(t.id for t in organization.themes)
    return organization, library


def _load_from(root: Path, org_path: Path, problems: Problems, parallel: bool,
               cache: LoadCache | NoCache, record: FilesRead | None = None) -> m.Scorecards | None:
    read_org = read_organization(org_path, problems)
    if read_org is None:
        return None
    organization, library = read_org
    calendar = organization.calendar  # one calendar: equal periods are then the same objects

    unit_files = find_files(root / "units", YAML_SUFFIXES)
    if not unit_files:
        problems.error(Location(display_path(root / "units")), "no-units", "no unit files found",
                       hint="add one YAML file per unit under units/")
    actual_files = find_files(root / "actuals", ACTUALS_SUFFIXES)
    unread_files(root, problems)
    units, actuals, found = _read(unit_files, actual_files, calendar, library, parallel, cache, record)
    problems.extend(found)
    reviews = read_reviews(find_files(root / "reviews", YAML_SUFFIXES), calendar, problems)
    snapshots = read_snapshots(find_files(root / "reviews", (".snapshot.json",)), calendar, problems)
    return m.Scorecards(root=root, organization=organization, units=hierarchy_order(units), actuals=tuple(actuals),
                        reviews=reviews, snapshots=snapshots)


def _read(unit_files: list[Path], actual_files: list[Path], calendar, library: dict, parallel: bool,
          cache: LoadCache | NoCache, record: FilesRead | None = None) -> tuple[list[m.Unit], list[m.Actual], list[Problem]]:
    """The units and actuals of these files, with the problems found in them in file order
    (unit files, then actuals files), however each file was read."""
    keys = [cache.key(path) for path in unit_files]
    read: list[tuple[m.Unit | None, list[Problem]] | None] = [cache.get(key) for key in keys]
    todo = [i for i, done in enumerate(read) if done is None]
    files = [unit_files[i] for i in todo]
    split = _split(files, actual_files, cache.writes) if parallel and len(files) >= PARALLEL_UNITS else len(files)
    later = Forked(_read_units_apart, files[split:], calendar, library) if split < len(files) else None
    for i, result in zip(todo, _read_units(files[:split], calendar, library)):
        read[i] = result
        if keys[i] is not None:
            cache.put(unit_files[i], keys[i], _pickled(result))
    # the actuals are read here while the helper (if any) reads its units
    actual_problems = Problems()
    actuals = _read_actuals(actual_files, calendar, actual_problems, cache, record)
    if later is not None:
        for i, data in zip(todo[split:], later.result()):
            read[i] = pickle.loads(data)
            cache.put(unit_files[i], keys[i], data)
    cache.save()
    if record is not None:
        record.units = [(path, key if key in cache.verified else None, unit, found)
                        for path, key, (unit, found) in zip(unit_files, keys, read)]
    units, problems = [], []
    for unit, found in read:
        problems += found
        if unit is not None:
            units.append(unit)
    return units, actuals, problems + actual_problems.items


# Reading a byte of CSV actuals costs about a quarter of reading a byte of a unit file, and
# the helper spends about a seventh more on each of its units to send it back (measured on
# the synthetic organisations of benchmarks/synth.py at 1,000 and 10,000 units).
CSV_COST = 0.25
SENDING_COST = 0.15


def _split(unit_files: list[Path], actual_files: list[Path], caching: bool = False) -> int:
    """How many unit files this process reads before the actuals, so that it and the helper
    (reading the rest, then sending them) take about as long. `caching`: this process
    pickles what it reads too, for the cache, at the cost of sending it."""
    sizes = [path.stat().st_size for path in unit_files]
    actuals = sum(path.stat().st_size for path in actual_files)
    cost_here = 1 + SENDING_COST if caching else 1
    here = (sum(sizes) * (1 + SENDING_COST) - CSV_COST * actuals) / (cost_here + 1 + SENDING_COST)
    taken = 0
    for index, size in enumerate(sizes[:-1]):  # the helper reads one file at least
        if taken + size > here:
            return index
        taken += size
    return len(sizes) - 1


def _read_units(paths: list[Path], calendar, library: dict) -> list[tuple[m.Unit | None, list[Problem]]]:
    """Each file's unit (None if it has no id: a missing name is reported, the unit stays,
    so nothing cascades) and the problems found in it, in file order."""
    problems = Problems()
    builder = UnitBuilder(calendar, library, problems)
    read = []
    for path in paths:
        before = len(problems.items)
        rec = read_record_file(path, fields.UNIT, problems)
        unit = builder.unit(rec) if rec is not None and "id" in rec.values else None
        read.append((unit, problems.items[before:]))
    return read


def read_unit_file(path: Path, calendar, library: dict) -> tuple[m.Unit | None, list[Problem]]:
    """One unit file's unit and problems, as `load` reads it."""
    return _read_units([path], calendar, library)[0]


def _read_units_apart(paths: list[Path], calendar, library: dict) -> list[bytes]:
    """`_read_units` in the loading helper: each file's result pickled on its own, to be
    sent back and kept in the cache as it is."""
    return [_pickled(result) for result in _read_units(paths, calendar, library)]


def _pickled(value) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _read_actuals(paths: list[Path], calendar, problems: Problems, cache: LoadCache | NoCache,
                  record: FilesRead | None = None) -> list[m.Actual]:
    """All actuals, in file and row order; each file taken from the cache if it is there,
    and put there if not."""
    actuals: list[m.Actual] = []
    numbers: dict[bool, dict[str, float | None]] = {}  # the values read so far by their text: files repeat them
    for path in paths:
        key = cache.key(path)
        cached = cache.get(key)
        before = len(problems.items)
        if cached is None:
            found = read_actual_file(path, calendar, problems, numbers)
            if key is not None:
                cache.put(path, key, _pickled((as_columns(found), problems.items[before:])))
        else:
            columns, found_problems = cached
            found = from_columns(columns)
            problems.extend(found_problems)
        if record is not None:
            record.actuals.append((path, key if key in cache.verified else None, found, problems.items[before:]))
        actuals += found
    return actuals


def organization_file(root: Path) -> Path | None:
    """The folder's organisation file (the first of `ORGANIZATION_FILES` there), or None."""
    return next((root / n for n in ORGANIZATION_FILES if (root / n).is_file()), None)


def open_cache(cache_dir: Path | None, root: Path) -> LoadCache | NoCache:
    """The folder's load cache, if there is a cache folder and the organisation file, part
    of every key, can be read."""
    return _open_cache(cache_dir, root, organization_file(root))


def _open_cache(cache_dir: Path | None, root: Path, org_path: Path | None) -> LoadCache | NoCache:
    if cache_dir is None or org_path is None:
        return NoCache()
    try:
        return LoadCache(cache_dir, root, org_path)
    except OSError:
        return NoCache()


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
