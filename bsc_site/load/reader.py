"""Check located YAML values against a Record and turn them into plain values.

Every problem is recorded with its location; the reader carries on so one run reports
everything. What comes out is a `Fields` mapping: field name -> Python value, plus the
record's location and each key's location for later checks.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..problems import Location, Problems, did_you_mean, one_of, shown
from .fields import ID_PATTERN, Field, Record
from .text import unshowable
from .yaml_source import Located

_ID = re.compile(ID_PATTERN)

Target = float | tuple[float, float]


@dataclass
class Fields:
    """A record read from a file: its values, where it is, and where each key is."""

    values: dict[str, Any]
    location: Location
    key_locations: dict[str, Location] = field(default_factory=dict)
    value_locations: dict[str, Location] = field(default_factory=dict)
    failed: frozenset[str] = frozenset()  # fields given but wrong (reported): a default stands in
    empty: frozenset[str] = frozenset()  # fields written with no value ("frequency:"): not given

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def written(self, name: str) -> bool:
        """Whether the record gives the field a value (a key left empty gives none)."""
        return name in self.key_locations and name not in self.empty

    def where(self, name: str) -> Location:
        """The location of a field's value (falling back to its key, then the record)."""
        return self.value_locations.get(name) or self.key_locations.get(name) or self.location


@dataclass(frozen=True)
class SeriesEntry:
    period_text: str
    value: Target
    location: Location


@dataclass(frozen=True)
class Series:
    """A target or red flag as written: one value and/or values per period."""

    default: Target | None
    entries: tuple[SeriesEntry, ...] = ()


def describe(value: Any) -> str:
    """How a wrong value is named in a message."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return f"'{shown(str(value))}'"


# Numbers beyond this are refused. No business figure comes near it, and sums, weights and
# scores of larger ones overflow floating point (to inf, then NaN) in the evaluation.
MAX_MAGNITUDE = 1e100
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")  # 1e6: a number, but text to YAML 1.1


def is_number(value: Any) -> bool:
    """A finite int or float, not a bool. (An int of 400 digits is finite, but too large for
    math.isfinite, which converts it to a float.)"""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


class Reader:
    """Reads located values by a Record, collecting problems."""

    def __init__(self, problems: Problems):
        self.problems = problems

    def record(self, node: Located, record: Record, where: str = "") -> Fields | None:
        if not isinstance(node.value, dict):
            self.problems.error(node.location, "wrong-type",
                                f"expected a mapping of {record.name} fields, got {describe(node.plain)}",
                                field=where)
            return None
        out = Fields({}, node.location, dict(node.key_locations))
        for key, value in node.value.items():
            spec = record.get(key)
            path = f"{where}.{key}" if where else key
            if spec is None:
                known = [f.name for f in record.fields]
                hint = did_you_mean(key, known) or f"{record.name} fields are {one_of(known)}"
                self.problems.error(node.key_locations.get(key, node.location), "unknown-field",
                                    f"unknown {record.name} field '{key}'", field=path, hint=hint)
                continue
            out.value_locations[key] = value.location
            if value.value is None and spec.kind not in ("records", "ids"):
                out.empty |= {key}
                continue  # an empty value reads as "not given"
            converted = self.value(value, spec, path)
            if converted is not None:
                out.values[key] = converted
            else:
                out.failed |= {key}
        for spec in record.fields:
            if spec.required and spec.name not in out.values:
                if spec.name not in node.value:
                    self.problems.error(node.location, "missing-field",
                                        f"{record.name} has no '{spec.name}'",
                                        field=f"{where}.{spec.name}" if where else spec.name,
                                        hint=f"add '{spec.name}:' ({spec.description.rstrip('.').lower()})")
                elif node.value[spec.name].value is None:
                    self.problems.error(node.value[spec.name].location, "missing-field",
                                        f"'{spec.name}' is empty", field=f"{where}.{spec.name}" if where else spec.name,
                                        hint=spec.description)
            elif spec.name not in out.values and spec.default is not None:
                out.values[spec.name] = spec.default
        return out

    def value(self, node: Located, spec: Field, path: str) -> Any:
        kind = spec.kind
        v = node.value
        if kind == "text":
            if isinstance(v, str):
                problem = unshowable(v)
                if problem:
                    self.problems.error(node.location, "control-character", problem, field=path,
                                        hint="delete it (in quoted YAML text, a line break is written \\n)")
                return v
            if is_number(v) or isinstance(v, datetime.date):
                return str(v)
            return self._wrong(node, path, "text")
        if kind == "id":
            return self._id(node, path)
        if kind == "ids":
            if v is None:
                return ()
            items = v if isinstance(v, list) else [node]
            out = []
            for item in items:
                ident = self._id(item, path)
                if ident is not None:
                    out.append((ident, item.location))
            return tuple(out)
        if kind in ("number", "integer"):
            if kind == "integer" and not (isinstance(v, int) and not isinstance(v, bool)):
                return self._wrong(node, path, "a whole number")
            if not is_number(v):
                return self._wrong(node, path, "a finite number" if isinstance(v, float) else "a number")
            if self._too_large(node, path, v):
                return None
            if spec.minimum is not None and v < spec.minimum or spec.maximum is not None and v > spec.maximum:
                bounds = f"from {spec.minimum:g}" if spec.minimum is not None else ""
                bounds += f" to {spec.maximum:g}" if spec.maximum is not None else " or more"
                self.problems.error(node.location, "out-of-range", f"{v} is out of range: expected a number {bounds}",
                                    field=path)
                return None
            return v if kind == "integer" else float(v)
        if kind == "enum":
            if isinstance(v, str) and v in spec.choices:
                return v
            hint = did_you_mean(v, spec.choices) if isinstance(v, str) else ""
            self.problems.error(node.location, "wrong-value",
                                f"expected {one_of(spec.choices)}, got {describe(v)}", field=path, hint=hint)
            return None
        if kind == "date":
            if isinstance(v, datetime.datetime):
                return v.date()
            if isinstance(v, datetime.date):
                return v
            if isinstance(v, str):
                try:
                    return datetime.date.fromisoformat(v.strip())
                except ValueError:
                    pass
            return self._wrong(node, path, "a date like 2026-03-31")
        if kind == "series":
            return self._series(node, path)
        if kind == "records":
            if v is None:
                return ()
            if not isinstance(v, list):
                return self._wrong(node, path, f"a list of {spec.record.name} entries (each starting with '- ')")
            out = []
            for i, item in enumerate(v):
                rec = self.record(item, spec.record, f"{path}[{i + 1}]")
                if rec is not None:
                    out.append(rec)
            return tuple(out)
        if kind == "record":
            return self.record(node, spec.record, path)
        raise AssertionError(f"unknown field kind {kind}")  # a bug in fields.py, not bad input

    def _id(self, node: Located, path: str) -> str | None:
        v = node.value
        if is_number(v) and isinstance(v, int):
            v = str(v)
        if not isinstance(v, str):
            return self._wrong(node, path, "an id (lower-case letters, digits and hyphens)")
        if not _ID.fullmatch(v):  # match() would let a final line break through ('$' matches before it)
            suggestion = re.sub(r"[^a-z0-9-]+", "-", v.lower()).strip("-")[:64]
            self.problems.error(node.location, "bad-id",
                                f"'{shown(v)}' is not a valid id: expected lower-case letters, digits and hyphens, "
                                "starting with a letter or digit, at most 64 characters",
                                field=path, hint=f"for example '{suggestion}'" if suggestion else "")
            return None
        return v

    def _target(self, node: Located, path: str) -> Target | None:
        v = node.value
        if is_number(v):
            return None if self._too_large(node, path, v) else float(v)
        if isinstance(v, list) and len(v) == 2 and all(is_number(x.value) for x in v):
            if any([self._too_large(x, path, x.value) for x in v]):
                return None
            return (float(v[0].value), float(v[1].value))
        return self._wrong(node, path, "a number, or a pair [low, high] for a range")

    def _too_large(self, node: Located, path: str, v: int | float) -> bool:
        """Report a number beyond MAX_MAGNITUDE."""
        if abs(v) <= MAX_MAGNITUDE:
            return False
        self.problems.error(node.location, "out-of-range",
                            f"{shown(str(v), 40)} is out of range: numbers are limited to ±1e100", field=path,
                            hint="is a digit or an exponent too many?")
        return True

    def _series(self, node: Located, path: str) -> Series | None:
        if isinstance(node.value, dict):
            entries = []
            for key, value in node.value.items():
                target = self._target(value, f"{path}.{key}")
                if target is not None:
                    entries.append(SeriesEntry(key, target, node.key_locations[key]))
            return Series(None, tuple(entries))
        target = self._target(node, path)
        return None if target is None else Series(target)

    def _wrong(self, node: Located, path: str, expected: str) -> None:
        v = node.value
        hint = ""
        if "number" in expected and isinstance(v, str) and _EXPONENT.fullmatch(v.strip()):
            hint = "YAML reads a number like 1e6 as text: write 1000000, or 1.0e+6"
        self.problems.error(node.location, "wrong-type", f"expected {expected}, got {describe(node.plain)}",
                            field=path, hint=hint)
        return None
