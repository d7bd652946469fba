"""Find the input files and decode them, whatever a spreadsheet or editor saved them as."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from ..problems import Location, Problems

YAML_SUFFIXES = (".yml", ".yaml")
ACTUALS_SUFFIXES = (".csv", ".yml", ".yaml")


def display_path(path: Path) -> str:
    """The path as a user should see it: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def find_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files below a folder with one of the suffixes, in a stable order; hidden ones skipped."""
    if not folder.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(suffixes):
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_text(path: Path, problems: Problems) -> str | None:
    """Decode UTF-8 (with or without BOM) or UTF-16 (with BOM); report anything else."""
    name = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(Location(name), "unreadable", f"cannot read the file: {exc.strerror or exc}")
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(Location(name, line, 1), "encoding",
                       f"the file is not {encoding.replace('-sig', '')} text (byte 0x{data[exc.start]:02x})",
                       hint="save it as UTF-8 (in Excel: 'CSV UTF-8')")
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.error(Location(name, line, 1), "encoding", "the file contains a NUL character: is it binary?")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")
