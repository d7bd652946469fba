"""Build the organisation and the units from their files."""

from __future__ import annotations

from pathlib import Path

from .. import model as m
from ..periods import FiscalCalendar, Frequency, PeriodError
from ..problems import Location, Problems, did_you_mean
from ..status.scoring import Aggregation, Direction
from . import fields as f
from .reader import Fields, Reader, Series
from .text import display_path, read_text
from .yaml_source import read_yaml


def read_record_file(path: Path, record: f.Record, problems: Problems) -> Fields | None:
    """A YAML file holding one record."""
    text = read_text(path, problems)
    if text is None:
        return None
    before = len(problems.items)
    node = read_yaml(text, display_path(path), problems)
    if node is None:
        if len(problems.items) == before:
            problems.error(Location(display_path(path)), "empty-file", f"the file is empty: expected a {record.name}")
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


class UnitBuilder:
    """Turns unit records into Units, resolving KPI library references."""

    def __init__(self, calendar: FiscalCalendar, library: dict[str, Fields], problems: Problems):
        self.calendar = calendar
        self.library = library
        self.problems = problems

    def unit(self, rec: Fields) -> m.Unit:
        uid = rec["id"]
        objectives = tuple(self.objective(o, uid) for o in rec.get("objectives", ())
                           if {"id", "name", "perspective"} <= o.values.keys())
        initiatives = tuple(
            m.Initiative(
                id=i["id"], name=i["name"], unit_id=uid, owner=i.get("owner", ""),
                description=i.get("description", ""), objectives=_links(i.get("objectives")),
                start=i.get("start"), end=i.get("end"), budget=i.get("budget"), currency=i["currency"],
                status=i["status"], progress=i["progress"], location=i.location,
            )
            for i in rec.get("initiatives", ()) if {"id", "name"} <= i.values.keys()
        )
        for i in initiatives:
            if i.start and i.end and i.end < i.start:
                self.problems.error(i.location, "initiative-dates",
                                    f"initiative '{i.id}' ends ({i.end}) before it starts ({i.start})",
                                    field="end")
        extra = tuple(
            m.ExtraPerspective(m.Perspective(p["id"], p["name"], p.get("question", ""), p["weight"], p.location),
                               p.get("after"))
            for p in rec.get("extra_perspectives", ()) if {"id", "name"} <= p.values.keys()
        )
        omitted = tuple(m.OmittedPerspective(p["perspective"], p["reason"], p.location)
                        for p in rec.get("omitted_perspectives", ()) if {"perspective", "reason"} <= p.values.keys())
        return m.Unit(
            id=uid, name=rec["name"], parent=rec.get("parent"), owner=rec.get("owner", ""),
            description=rec.get("description", ""), strategy=rec.get("strategy", ""),
            extra_perspectives=extra, omitted_perspectives=omitted, objectives=objectives,
            initiatives=initiatives, location=rec.location,
        )

    def objective(self, rec: Fields, unit_id: str) -> m.Objective:
        kpis = tuple(k for k in (self.kpi(k, unit_id, rec["id"]) for k in rec.get("kpis", ())) if k)
        return m.Objective(
            id=rec["id"], name=rec["name"], perspective=rec["perspective"], unit_id=unit_id,
            theme=rec.get("theme"), owner=rec.get("owner", ""), description=rec.get("description", ""),
            weight=rec["weight"], drives=_links(rec.get("drives")), supports=_links(rec.get("supports")),
            kpis=kpis, location=rec.location,
        )

    def kpi(self, rec: Fields, unit_id: str, objective_id: str) -> m.Kpi | None:
        if "id" not in rec.values:
            return None
        values = dict(rec.values)
        definition = rec.get("definition")
        if definition is not None:
            library = self.library.get(definition)
            if library is None:
                self.problems.error(rec.where("definition"), "unknown-definition",
                                    f"no KPI definition '{definition}' in the library (organization.yml, kpis:)",
                                    field="definition", hint=did_you_mean(definition, self.library))
            else:
                for key, value in library.values.items():
                    if key not in rec.key_locations and key != "id":
                        values[key] = value
        if "name" not in values:
            self.problems.error(rec.location, "missing-field", f"KPI '{rec['id']}' has no 'name'", field="name",
                                hint="give a name, or 'definition:' to use a library definition")
            return None
        direction = Direction(values["direction"])
        return m.Kpi(
            id=values["id"], name=values["name"], unit_id=unit_id, objective_id=objective_id,
            description=values.get("description", ""), unit=values["unit"], decimals=values["decimals"],
            direction=direction, frequency=Frequency(values["frequency"]),
            aggregation=Aggregation(values["aggregation"]), baseline=values.get("baseline"),
            target=self.series(values.get("target"), direction, "target", rec.where("target")),
            red_flag=self.series(values.get("red_flag"), direction, "red_flag", rec.where("red_flag")),
            weight=values["weight"], owner=values.get("owner", ""), data_source=values.get("data_source", ""),
            indicator=values["indicator"], definition=definition, location=rec.location,
        )

    def series(self, series: Series | None, direction: Direction, name: str, where: Location) -> m.PeriodSeries:
        if series is None:
            return m.PeriodSeries()
        for value, loc in [(series.default, where)] + [(e.value, e.location) for e in series.entries]:
            if value is None:
                continue
            is_pair = isinstance(value, tuple)
            if is_pair != (direction is Direction.RANGE):
                expected = "a pair [low, high]" if direction is Direction.RANGE else "one number"
                self.problems.error(loc, "wrong-type",
                                    f"a {direction.value} KPI needs {expected} as its {name}", field=name)
        by_period = []
        for entry in series.entries:
            try:
                period = self.calendar.parse(entry.period_text)
            except PeriodError as exc:
                self.problems.error(entry.location, "bad-period", str(exc), field=f"{name}.{entry.period_text}")
                continue
            by_period.append((period, entry.value))
        return m.PeriodSeries(series.default, tuple(by_period))
