"""Find the input files and decode them, whatever a spreadsheet or editor saved them as."""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from ..problems import Location, Problems

YAML_SUFFIXES = (".yml", ".yaml")
ACTUALS_SUFFIXES = (".csv", ".yml", ".yaml")


# Characters XML 1.0 cannot hold: a name with one would break the strategy maps (SVG) and
# the review feed (Atom). Raw ones are refused by YAML already; escapes ("\\e") are not.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def unshowable(text: str) -> str | None:
    """A message naming the first control character in the text that no page can show, if any."""
    found = _UNSHOWABLE.search(text)
    if found is None:
        return None
    return f"the text holds the control character {ascii(found.group())[1:-1]} (U+{ord(found.group()):04X}), " \
           "which cannot be shown"


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
    found: list[tuple[str, Path]] = []  # (the path below the folder, with '/', to sort by; the path)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        below = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if below == "." else below + "/"
        here = Path(dirpath)
        found += [(prefix + name, here / name) for name in filenames
                  if not name.startswith(".") and name.lower().endswith(suffixes)]
    found.sort(key=lambda item: item[0])
    return [path for _, path in found]


def _utf16_without_bom(data: bytes) -> bool:
    """Text such as 'u\\0n\\0i\\0t\\0': every other byte of the first line is NUL."""
    head = data[:200]
    if len(head) < 4 or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    even, odd = head[0::2], head[1::2]
    return even.count(0) == 0 and odd.count(0) == len(odd) or odd.count(0) == 0 and even.count(0) == len(even)


def _read_at_most(fh, count: int) -> bytes:
    """What fh.read(count) gives, without asking for a buffer of `count` bytes.

    A read asks the allocator for all it may return: for the 8 MiB limit and a file of a
    few KiB, a large block taken and given back per file, a tenth of a cold load's time.
    The file's size bounds the first read; one byte more sees a file that grew since, and
    the rest of the `count` is then read as before.
    """
    first = min(os.fstat(fh.fileno()).st_size + 1, count)
    data = fh.read(first)
    if len(data) == first < count:
        data += fh.read(count - first)
    return data


def read_text(path: Path, problems: Problems, limit: int | None = None) -> str | None:
    """Decode UTF-8 (with or without BOM) or UTF-16 (with BOM); report anything else.

    With a `limit`, a file of more bytes is reported, not read: memory stays bounded
    whatever is put in the folder. A device or a pipe (a symbolic link to /dev/zero, say)
    is never read, as it could be endless.
    """
    name = display_path(path)
    try:
        if not path.is_file():
            problems.error(Location(name), "unreadable", "not a regular file (a device, a pipe or a broken link?)")
            return None
        with path.open("rb") as fh:
            data = fh.read() if limit is None else _read_at_most(fh, limit + 1)
    except OSError as exc:
        problems.error(Location(name), "unreadable", f"cannot read the file: {exc.strerror or exc}")
        return None
    if limit is not None and len(data) > limit:
        problems.error(Location(name), "file-too-large", f"the file is larger than {limit // (1024 * 1024)} MiB",
                       hint="split it into several files")
        return None
    hint = "save it as UTF-8 (in Excel: 'CSV UTF-8')" if path.suffix.lower() == ".csv" else "save it as UTF-8"
    if _utf16_without_bom(data):
        problems.error(Location(name, 1, 1), "encoding", "the file looks like UTF-16 text without a byte-order mark",
                       hint=hint)
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # utf-8-sig counts from after the byte-order mark it strips; utf-16 from the start
        start = exc.start + (len(codecs.BOM_UTF8) if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0)
        line_start = data.rfind(b"\n", 0, start) + 1
        before = data[line_start:start]
        if line_start == 0 and encoding == "utf-8-sig":
            before = before.removeprefix(codecs.BOM_UTF8)
        column = len(before.decode(encoding.replace("-sig", ""), errors="replace")) + 1 if encoding != "utf-16" else 1
        problems.error(Location(name, data[:start].count(b"\n") + 1, column), "encoding",
                       f"the file is not {encoding.replace('-sig', '')} text (byte 0x{data[start]:02x})", hint=hint)
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        problems.error(Location(name, line, 1), "encoding", "the file contains a NUL character: is it binary?")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")
