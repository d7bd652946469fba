"""Read actuals (KPI values per period) from CSV or YAML files.

Spreadsheet exports are accepted as they come: UTF-8 with or without BOM, UTF-16,
Windows line endings, comma, semicolon or tab separators, decimal commas, thousands
separators, a trailing per cent sign, and N/A or empty cells for "not reported".
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
import sys
from pathlib import Path

from ..model import Actual
from ..periods import FiscalCalendar, Period, PeriodError
from ..problems import Location, Problems, did_you_mean, one_of, shown
from .fields import ACTUAL
from .reader import MAX_MAGNITUDE, Reader, describe, is_number
from .text import display_path, read_text, unshowable
from .yaml_source import MAX_FILE_BYTES, read_yaml

COLUMNS = tuple(f.name for f in ACTUAL.fields)
REQUIRED = tuple(f.name for f in ACTUAL.fields if f.required) + ("value",)
NOT_REPORTED = {"", "n/a", "na", "-", "—", "null", "none", "#n/a"}

_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")  # with fullmatch: nothing around it
# Grouped thousands never start with a zero group: "0,125" and "0.125" are decimals written
# with the other mark, never 125.
_THOUSANDS_COMMA = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")
# With ';' as separator, "4.567" is 4567 (a thousands dot), or 4.567 in a file that writes
# decimal points elsewhere: see _dot_decimal.
_ONE_THOUSANDS_DOT = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_SEP_LINE = re.compile(r"sep=([^\"\n])", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_number(text: str, decimal_comma: bool) -> float | None:
    """A cell as a number; None for 'not reported'; ValueError with the reason otherwise."""
    if _PLAIN_NUMBER.fullmatch(text) and not (decimal_comma and "." in text):  # most cells: 42.5
        value = float(text)
        if abs(value) <= MAX_MAGNITUDE:
            return value
    cell = text.strip()
    if cell.lower() in NOT_REPORTED:
        return None
    if cell.endswith("%"):
        cell = cell[:-1].strip()
    cell = _SPACES.sub("", cell)  # 1 234 567 and 1'234'567
    if cell.lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        raise ValueError(f"'{shown(text)}' is not a finite number")
    if _PLAIN.match(cell) and not (decimal_comma and "." in cell and _THOUSANDS_DOT.match(cell)):
        value = float(cell)
    elif _THOUSANDS_COMMA.match(cell) and not decimal_comma:
        value = float(cell.replace(",", ""))
    elif _THOUSANDS_DOT.match(cell) and decimal_comma:
        value = float(cell.replace(".", "").replace(",", "."))
    elif _DECIMAL_COMMA.match(cell) and decimal_comma:
        value = float(cell.replace(",", "."))
    else:
        hint = " (with ';' as separator, write decimals with a comma)" if decimal_comma else ""
        raise ValueError(f"'{shown(text)}' is not a number{hint}")
    if not math.isfinite(value):
        raise ValueError(f"'{shown(text)}' is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"'{shown(text)}' is out of range: numbers are limited to ±1e100")
    return value


def _number_cell(text: str) -> str:
    """A value cell as parse_number reads its digits: no spaces, no per cent sign."""
    cell = text.strip()
    if cell.endswith("%"):
        cell = cell[:-1].strip()
    return _SPACES.sub("", cell)


def _dot_decimal(rows: list[tuple[int, list[str]]], value_cell: int) -> tuple[int, str] | None:
    """In a file with ';' as separator: the first value written with a decimal point that can
    be nothing else ("4.5", "0.125"), as (line, text); None if there is none (the usual case).

    Such a file makes "4.567" ambiguous: a thousands dot, as ';' implies (4567), or a decimal
    point like the other one (4.567). It is then reported, not guessed."""
    for line, row in rows:
        if value_cell < len(row) and "." in row[value_cell]:
            cell = _number_cell(row[value_cell])
            if _PLAIN.match(cell) and not _THOUSANDS_DOT.match(cell):
                return line, row[value_cell].strip()
    return None


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _cell_columns(line: str, delimiter: str) -> list[int]:
    """The character column (from 1) at which each cell of a CSV line starts, quotes respected."""
    columns, quoted = [1], False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            columns.append(i + 2)
    return columns


def read_csv(path: Path, calendar: FiscalCalendar, problems: Problems,
             numbers: dict[bool, dict[str, float | None]] | None = None) -> list[Actual]:
    """The actuals of one CSV file. `numbers`: the values read so far by their text, for
    decimal points (False) and decimal commas (True) apart ('1.234' is 1.234 in one and
    1234 in the other), shared by the files read together (an organisation's files repeat
    the same few thousand values)."""
    text = read_text(path, problems, MAX_FILE_BYTES)
    if text is None:
        return []
    name = display_path(path)
    if not text.strip():
        problems.error(Location(name), "empty-file", "the file is empty: expected a header row "
                       "'unit,kpi,period,value,note' and one row per value")
        return []
    first, _, rest = text.partition("\n")
    sep = _SEP_LINE.fullmatch(first.strip())
    if sep:  # Excel's "sep=;" line names the separator; the header follows it
        delimiter, body, header_line = sep[1], rest, 2
    else:
        delimiter, body, header_line = _delimiter(first), text, 1
    decimal_comma = delimiter == ";"
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = header_line
    try:
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + header_line
    except csv.Error as exc:
        problems.error(Location(name, line, 1), "csv-syntax", f"CSV syntax error: {exc}",
                       hint="check for an unclosed quote")
        return []
    lines: list[str] = []

    def at(line: int, cell: int) -> Location:
        """Where a cell starts, as a character column of its (first) line."""
        if not lines:
            lines.extend(text.split("\n"))
        starts = _cell_columns(lines[line - 1], delimiter) if line <= len(lines) else [1]
        return Location(name, line, starts[cell] if cell < len(starts) else 1)

    if not rows:
        problems.error(Location(name, 1, 1), "csv-header", "the file has a 'sep=' line but no header row",
                       hint="add the header row unit,kpi,period,value,note")
        return []
    # a second byte-order mark (two exports glued together) is not part of a column name
    header = [h.replace("\ufeff", "").strip().lower() for h in rows[0][1]]
    if not set(header) & set(COLUMNS):  # data in the first row: one error, not one per cell
        problems.error(Location(name, header_line, 1), "csv-header", "the first row is not a header: it names none of "
                       f"the columns {one_of(COLUMNS)}", hint="add the header row unit,kpi,period,value,note")
        return []
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in COLUMNS:
            if h in columns:
                problems.error(at(header_line, i), "csv-header", f"column '{h}' appears twice in the header")
            columns[h] = i
        elif h:
            problems.error(at(header_line, i), "csv-header", f"unknown column '{shown(h)}'",
                           hint=did_you_mean(h, COLUMNS) or f"the columns are {one_of(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.error(Location(name, header_line, 1), "csv-header", f"the header has no column {one_of(missing)}",
                       hint="the first row must name the columns: unit,kpi,period,value,note")
        return []
    out = []
    width = len(header)
    unit_cell, kpi_cell, period_cell, value_cell = (columns[c] for c in ("unit", "kpi", "period", "value"))
    note_cell = columns.get("note")
    periods: dict[str, Period] = {}  # a file repeats a few dozen labels, ids and many values: each is kept once
    numbers = ({} if numbers is None else numbers).setdefault(decimal_comma, {})
    ids: dict[str, str] = {}
    point = _dot_decimal(rows[1:], value_cell) if decimal_comma else None

    def ambiguous(cell: str) -> bool:
        """'4.567' in a file that writes a decimal point elsewhere (see _dot_decimal)."""
        return point is not None and _ONE_THOUSANDS_DOT.fullmatch(_number_cell(cell)) is not None

    for line, row in rows[1:]:
        if len(row) == width:  # the common row, read straight; one with anything to report is read below
            unit, kpi, period_text = row[unit_cell].strip(), row[kpi_cell].strip(), row[period_cell].strip()
            note = sys.intern(row[note_cell].strip()) if note_cell is not None else ""  # notes repeat too
            if unit and kpi and period_text and not (note and unshowable(note)) and \
                    not ambiguous(row[value_cell]):
                value_text = row[value_cell].strip()
                try:
                    if value_text in numbers:
                        value = numbers[value_text]
                    else:
                        value = numbers[value_text] = parse_number(value_text, decimal_comma)
                    period = periods.get(period_text)
                    if period is None:
                        period = periods[period_text] = calendar.parse(period_text)
                except ValueError:  # not a number, or no period (a PeriodError)
                    pass
                else:
                    out.append(Actual(ids.setdefault(unit, unit), ids.setdefault(kpi, kpi), period, value, note,
                                      name, line, 1))
                    continue
        if not any(cell.strip() for cell in row):
            continue
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):  # empty extras: fine
            problems.error(Location(name, line, 1), "csv-row",
                           f"row has {len(row)} cells but the header has {len(header)}",
                           hint="quote text containing the separator" +
                                (" (decimal commas need ';' as separator)" if delimiter == "," else ""))
            continue
        if ambiguous(cells["value"]):
            written = cells["value"]
            problems.error(at(line, columns["value"]), "ambiguous-number",
                           f"row {line}: '{shown(written)}' is ambiguous: with ';' as separator a dot groups "
                           f"thousands ({parse_number(written, True):g}), but line {point[0]} writes a decimal "
                           f"point ('{shown(point[1])}'), so it may mean {parse_number(written, False):g}",
                           field="value", hint=f"write {parse_number(written, True):g} for the thousands, or "
                                               f"{written.replace('.', ',')} for the decimal")
            continue
        try:
            value = parse_number(cells["value"], decimal_comma)
        except ValueError as exc:
            problems.error(at(line, columns["value"]), "not-a-number", f"row {line}: {exc}", field="value",
                           hint="write a plain number such as 42.5, or leave the cell empty if not reported")
            continue
        problem = unshowable(cells.get("note", ""))
        if problem:
            problems.error(at(line, columns["note"]), "control-character", f"row {line}: {problem}", field="note",
                           hint="delete it")
        actual = _actual(cells, value, calendar, Location(name, line, 1),
                         lambda column, line=line: at(line, columns[column]), problems)
        if actual:
            out.append(actual)
    return out


def _actual(cells: dict, value, calendar: FiscalCalendar, loc: Location, cell_at, problems: Problems) -> Actual | None:
    """One actual; `loc` is the row, `cell_at(column)` where a cell is."""
    ok = True
    for column in ("unit", "kpi", "period"):
        if not cells.get(column):
            problems.error(cell_at(column), "missing-field", f"the '{column}' cell is empty", field=column)
            ok = False
    if not ok:
        return None
    try:
        period = calendar.parse(cells["period"])
    except PeriodError as exc:
        problems.error(cell_at("period"), "bad-period", str(exc), field="period")
        return None
    return Actual(cells["unit"], cells["kpi"], period, value, cells.get("note", ""), *loc)


def read_yaml_actuals(path: Path, calendar: FiscalCalendar, problems: Problems) -> list[Actual]:
    text = read_text(path, problems, MAX_FILE_BYTES)
    if text is None:
        return []
    node = read_yaml(text, display_path(path), problems)
    if node is None:
        return []
    if not isinstance(node.value, list):
        problems.error(node.location, "wrong-type", f"expected a list of actuals, got {describe(node.plain)}",
                       hint="each entry: - {unit: ..., kpi: ..., period: ..., value: ...}")
        return []
    reader = Reader(problems)
    out = []
    for i, item in enumerate(node.value):
        if isinstance(item.value, dict) and isinstance(item.value.get("value"), type(item)):
            raw = item.value["value"].value
            if isinstance(raw, str):  # "N/A" and friends
                try:
                    parsed = parse_number(raw, decimal_comma=False)
                except ValueError as exc:
                    problems.error(item.value["value"].location, "not-a-number", str(exc), field="value")
                    continue
                item = type(item)({**item.value, "value": type(item)(parsed, item.value["value"].location)},
                                  item.location, item.key_locations)
        rec = reader.record(item, ACTUAL, f"[{i + 1}]")
        if rec is None or not {"unit", "kpi", "period"} <= rec.values.keys():
            continue
        value = rec.get("value")
        if value is not None and not is_number(value):
            continue
        actual = _actual({"unit": rec["unit"], "kpi": rec["kpi"], "period": rec["period"],
                          "note": rec.get("note", "")}, value, calendar, rec.location, rec.where, problems)
        if actual:
            out.append(actual)
    return out


def read_actual_file(path: Path, calendar: FiscalCalendar, problems: Problems,
                     numbers: dict[bool, dict[str, float | None]] | None = None) -> list[Actual]:
    """The actuals of one file, CSV or YAML; `numbers` as for `read_csv`."""
    if path.suffix.lower() == ".csv":
        return read_csv(path, calendar, problems, numbers)
    return read_yaml_actuals(path, calendar, problems)


_ACTUAL_FIELDS = tuple(f.name for f in dataclasses.fields(Actual))  # in the order Actual() takes them


def as_columns(actuals: list[Actual]) -> tuple[list, ...]:
    """A file's actuals as one list per field: pickled and unpickled several times faster
    than the objects (for the load cache)."""
    return tuple([getattr(a, name) for a in actuals] for name in _ACTUAL_FIELDS)


def from_columns(columns: tuple[list, ...]) -> list[Actual]:
    """The actuals `as_columns` was given, equal and in order."""
    return list(map(Actual, *columns))
