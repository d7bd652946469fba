"""Build the organisation and the units from their files."""

from __future__ import annotations

from pathlib import Path

from .. import model as m
from ..periods import FiscalCalendar, Frequency, PeriodError
from ..problems import Location, Problems, did_you_mean
from ..check.design import CHECK_IDS
from ..status.scoring import Aggregation, Direction, threshold_conflict
from . import fields as f
from .reader import Fields, Reader, Series
from .text import display_path, read_text
from .yaml_source import MAX_FILE_BYTES, read_yaml


def read_record_file(path: Path, record: f.Record, problems: Problems) -> Fields | None:
    """A YAML file holding one record."""
    text = read_text(path, problems, MAX_FILE_BYTES)
    if text is None:
        return None
    before = len(problems.items)
    node = read_yaml(text, display_path(path), problems)
    if node is None:
        if len(problems.items) == before:
            article = "an" if record.name[:1] in "aeio" else "a"  # a unit, an organization
            problems.error(Location(display_path(path)), "empty-file",
                           f"the file is empty: expected {article} {record.name}")
        return None
    return Reader(problems).record(node, record)


def _links(values) -> tuple[m.Link, ...]:
    return tuple(m.Link(ident, loc) for ident, loc in (values or ()))


def build_organization(rec: Fields, problems: Problems) -> m.Organization:
    perspectives = tuple(
        m.Perspective(p["id"], p["name"], p.get("question", ""), p["weight"], p.location)
        for p in rec.get("perspectives", ()) if "id" in p.values and "name" in p.values
    ) or tuple(m.Perspective(i, n, q) for i, n, q in f.DEFAULT_PERSPECTIVES)
    themes = tuple(m.Theme(t["id"], t["name"], t.get("description", ""), t.location)
                   for t in rec.get("themes", ()) if "id" in t.values and "name" in t.values)
    status = rec.get("status")
    checks = rec.get("checks")
    for s in checks.get("silence", ()) if checks else ():
        if "check" in s.values and s["check"] not in CHECK_IDS:
            problems.error(s.where("check"), "unknown-check",
                           f"checks.silence names '{s['check']}', which is no design check",
                           field="checks.silence.check",
                           hint=did_you_mean(s["check"], CHECK_IDS) or f"the checks are {', '.join(CHECK_IDS)}")
    status_settings = m.StatusSettings(status["tolerance"], status["on_track"], status["at_risk"]) \
        if status else m.StatusSettings()
    if status_settings.at_risk > status_settings.on_track:
        problems.error(status.where("at_risk"), "status-scheme",
                       "at_risk must not be above on_track", field="status.at_risk")
    check_settings = m.CheckSettings(
        checks["max_objectives"], checks["max_kpis_per_objective"], checks["stale_after"],
        checks["max_financial_share"],
        tuple(m.Silence(s["check"], s["reason"], s.get("unit")) for s in checks.get("silence", ())
              if "check" in s.values and "reason" in s.values),
    ) if checks else m.CheckSettings()
    org = m.Organization(
        name=rec.get("name", ""), vision=rec.get("vision", ""), mission=rec.get("mission", ""),
        strategy=rec.get("strategy", ""), fiscal_year_start=rec.get("fiscal_year_start", 1),
        review_cadence=Frequency(rec.get("review_cadence", "quarterly")),
        perspectives=perspectives, themes=themes, status=status_settings, checks=check_settings,
        location=rec.location,
    )
    library = tuple(_definition(d) for d in rec.get("kpis", ()) if "id" in d.values and "name" in d.values)
    return m.Organization(**{**org.__dict__, "kpi_library": library}) if library else org


def _definition(d: Fields) -> m.KpiDefinition:
    return m.KpiDefinition(
        id=d["id"], name=d["name"], description=d.get("description", ""), unit=d["unit"], decimals=d["decimals"],
        direction=Direction(d["direction"]), frequency=Frequency(d["frequency"]),
        aggregation=Aggregation(d["aggregation"]), owner=d.get("owner", ""), data_source=d.get("data_source", ""),
        indicator=d["indicator"], location=d.location,
    )


class Library(dict):
    """The KPI library's definitions by id, with the organisation's perspective and theme ids
    (None: not known): a unit's objectives keep where a perspective or theme is written only
    when the checks will report it (see `UnitBuilder.objective`)."""

    perspectives: frozenset[str] | None = None
    themes: frozenset[str] | None = None


class UnitBuilder:
    """Turns unit records into Units, resolving KPI library references."""

    def __init__(self, calendar: FiscalCalendar, library: dict[str, Fields], problems: Problems):
        self.calendar = calendar
        self.library = library
        self.problems = problems

    def unit(self, rec: Fields) -> m.Unit:
        uid = rec["id"]
        known = getattr(self.library, "perspectives", None)
        usable = None if known is None else known | {p["id"] for p in rec.get("extra_perspectives", ())
                                                      if {"id", "name"} <= p.values.keys()}  # as the model keeps them
        omitted_ids = {p["perspective"] for p in rec.get("omitted_perspectives", ()) if "perspective" in p.values}
        objectives = tuple(self.objective(o, uid, usable, omitted_ids) for o in rec.get("objectives", ())
                           if "id" in o.values)  # missing name or perspective: reported, kept to avoid cascades
        for i in rec.get("initiatives", ()):
            start, end = i.get("start"), i.get("end")
            if start and end and end < start:
                self.problems.error(i.where("end"), "initiative-dates",
                                    f"initiative '{i.get('id', '?')}' ends ({end}) before it starts ({start})",
                                    field="end")
        initiatives = tuple(
            m.Initiative(
                id=i["id"], name=i.get("name", i["id"]), unit_id=uid, owner=i.get("owner", ""),
                description=i.get("description", ""), objectives=_links(i.get("objectives")),
                start=i.get("start"), end=i.get("end"), budget=i.get("budget"), currency=i["currency"],
                status=i["status"], progress=i["progress"], location=i.location,
            )
            for i in rec.get("initiatives", ()) if "id" in i.values
        )
        extra = tuple(
            m.ExtraPerspective(m.Perspective(p["id"], p["name"], p.get("question", ""), p["weight"], p.location),
                               p.get("after"))
            for p in rec.get("extra_perspectives", ()) if {"id", "name"} <= p.values.keys()
        )
        omitted = tuple(m.OmittedPerspective(p["perspective"], p["reason"], p.location)
                        for p in rec.get("omitted_perspectives", ()) if {"perspective", "reason"} <= p.values.keys())
        return m.Unit(
            id=uid, name=rec.get("name", uid), parent=rec.get("parent"), owner=rec.get("owner", ""),
            description=rec.get("description", ""), strategy=rec.get("strategy", ""),
            extra_perspectives=extra, omitted_perspectives=omitted, objectives=objectives,
            initiatives=initiatives, location=rec.location,
            parent_location=rec.where("parent") if "parent" in rec.values else None,
        )

    def objective(self, rec: Fields, unit_id: str, usable: set[str] | None = None,
                  omitted: set[str] = frozenset()) -> m.Objective:
        """`usable`: the perspectives the unit may use (None: not known), `omitted` those it
        omits. Where the perspective and theme are written is kept only for one the checks
        report (a location per objective would make every model a few per cent larger)."""
        kpis = tuple(k for k in (self.kpi(k, unit_id, rec["id"]) for k in rec.get("kpis", ())) if k)
        perspective, theme = rec.get("perspective", ""), rec.get("theme")
        themes = getattr(self.library, "themes", None)
        return m.Objective(
            id=rec["id"], name=rec.get("name", rec["id"]), perspective=perspective, unit_id=unit_id,
            theme=theme, owner=rec.get("owner", ""), description=rec.get("description", ""),
            weight=rec["weight"], drives=_links(rec.get("drives")), supports=_links(rec.get("supports")),
            kpis=kpis, location=rec.location,
            perspective_location=rec.where("perspective") if perspective and (
                usable is None or perspective not in usable or perspective in omitted) else None,
            theme_location=rec.where("theme") if theme is not None and (themes is None or theme not in themes)
            else None,
        )

    def kpi(self, rec: Fields, unit_id: str, objective_id: str) -> m.Kpi | None:
        if "id" not in rec.values:
            return None
        values = dict(rec.values)
        definition = rec.get("definition")
        library = self.library.get(definition) if definition is not None else None
        if definition is not None:
            if library is None:
                self.problems.error(rec.where("definition"), "unknown-definition",
                                    f"no KPI definition '{definition}' in the library (organization.yml, kpis:)",
                                    field="definition", hint=did_you_mean(definition, self.library))
                values.setdefault("name", rec["id"])  # reported above; keep the KPI so nothing else cascades
            else:
                for key, value in library.values.items():  # a key left empty ("frequency:") is not given
                    if not rec.written(key) and key != "id":
                        values[key] = value

        def where(key: str) -> Location:
            """Where a field was written: in the KPI, or in the library definition it inherits from."""
            if key in rec.key_locations or library is None or key not in library.key_locations:
                return rec.where(key)
            return library.where(key)

        if "name" not in values:
            self.problems.error(rec.location, "missing-field", f"KPI '{rec['id']}' has no 'name'", field="name",
                                hint="give a name, or 'definition:' to use a library definition")
            values["name"] = rec["id"]  # reported; the KPI stays so its actuals do not cascade into errors
        direction = Direction(values["direction"])
        frequency = Frequency(values["frequency"])
        def stands_in(key: str) -> bool:
            """Whether the direction or frequency is a default nobody wrote right: written wrong
            here or in the library definition, or inherited from a definition that is missing
            (each reported where it is). Nothing is held to such a value."""
            if rec.written(key):
                return key in rec.failed
            if definition is not None and library is None:
                return True
            return library is not None and key in library.failed

        direction_stands_in, frequency_stands_in = stands_in("direction"), stands_in("frequency")
        target = self.series(rec["id"], values.get("target"), direction, frequency, "target", where("target"),
                             direction_stands_in, frequency_stands_in)
        red_flag = self.series(rec["id"], values.get("red_flag"), direction, frequency, "red_flag",
                               where("red_flag"), direction_stands_in, frequency_stands_in)
        if target is not None and red_flag is not None and not direction_stands_in:
            self.thresholds(rec["id"], direction, values.get("target"), target, values.get("red_flag"), red_flag,
                            where("red_flag"))
        return m.Kpi(
            id=values["id"], name=values["name"], unit_id=unit_id, objective_id=objective_id,
            description=values.get("description", ""), unit=values["unit"], decimals=values["decimals"],
            direction=direction, frequency=frequency,
            aggregation=Aggregation(values["aggregation"]), baseline=values.get("baseline"),
            target=target or m.PeriodSeries(), red_flag=red_flag or m.PeriodSeries(),
            weight=values["weight"], owner=values.get("owner", ""), data_source=values.get("data_source", ""),
            indicator=values["indicator"], definition=definition, location=rec.location,
            frequency_stands_in=frequency_stands_in,
        )

    def series(self, kpi_id: str, series: Series | None, direction: Direction, frequency: Frequency, name: str,
               where: Location, direction_stands_in: bool = False,
               frequency_stands_in: bool = False) -> m.PeriodSeries | None:
        """The series as periods; None when it is given but wrong (the problems say why).
        A direction or frequency that stands in for one written wrong (see `kpi`) is not held
        against the values or the periods."""
        if series is None:
            return m.PeriodSeries()
        ok = True
        for value, loc in [(series.default, where)] + [(e.value, e.location) for e in series.entries]:
            if value is None:
                continue
            is_pair = isinstance(value, tuple)
            if is_pair != (direction is Direction.RANGE) and not direction_stands_in:
                expected = "a pair [low, high]" if direction is Direction.RANGE else "one number"
                self.problems.error(loc, "wrong-type",
                                    f"KPI '{kpi_id}' has direction {direction.value}, so its {name} must be {expected}",
                                    field=name)
                ok = False
        by_period = []
        for entry in series.entries:
            try:
                period = self.calendar.parse(entry.period_text)
            except PeriodError as exc:
                self.problems.error(entry.location, "bad-period", str(exc), field=f"{name}.{entry.period_text}")
                ok = False
                continue
            if period.frequency not in (frequency, Frequency.ANNUAL) and not frequency_stands_in:
                self.problems.error(entry.location, "period-frequency",
                                    f"KPI '{kpi_id}' is reported {frequency.value} but its {name} names "
                                    f"the {period.frequency.value} period {period.label}",
                                    field=f"{name}.{entry.period_text}",
                                    hint=f"use {frequency.value} periods, or a fiscal year for the whole year")
                ok = False
            by_period.append((period, entry.value))
        return m.PeriodSeries(series.default, tuple(by_period)) if ok else None

    def thresholds(self, kpi_id: str, direction: Direction, target_text: Series, target: m.PeriodSeries,
                   red_flag_text: Series, red_flag: m.PeriodSeries, where: Location) -> None:
        """Report a red flag on the wrong side of the target, once per distinct pair, where it is written."""
        if red_flag.is_empty or target.is_empty:
            return
        # where each period's value is written; a red flag given for the period wins over its target
        labels = {self.calendar.parse(e.period_text).label: e.location
                  for e in target_text.entries + red_flag_text.entries}
        periods = [None] + [p for p, _ in target.by_period] + [p for p, _ in red_flag.by_period]
        seen = set()
        for period in periods:
            if period is None:
                pair = (target.default, red_flag.default)
            else:
                pair = (target.at(period, self.calendar), red_flag.at(period, self.calendar))
            if None in pair or pair in seen:
                continue
            seen.add(pair)
            conflict = threshold_conflict(pair[0], pair[1], direction)
            if conflict:
                label = f" for {period.label}" if period else ""
                self.problems.error(labels.get(period.label, where) if period else where, "threshold-direction",
                                    f"KPI '{kpi_id}'{label}: {conflict}", field="red_flag")
