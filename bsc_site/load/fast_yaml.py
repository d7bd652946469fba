"""Read the plain shape of a scorecard file without libyaml's node tree.

Composing nodes with libyaml and then converting each node into a `Located` value costs
most of a cold load. Scorecard files keep to a small part of YAML: block mappings and
sequences, one-line scalars and flow lists, and a few literal or folded paragraphs. This
module reads exactly that part, line by line, into the very `Located` tree the libyaml
path makes (values, types, locations, key order).

It is only a shortcut: it never reports a problem. Whatever it does not read with
certainty (tabs, anchors, tags, flow mappings, escapes, multi-line plain scalars,
duplicate keys, anything libyaml might reject, files near the size limits) makes
`read_fast` return None, and the caller reads the file the usual way, with the usual
problems. Scalars are typed by PyYAML's own resolver and constructors, so `yes`, `010`,
`1_000`, `12:30`, `.inf` and dates mean what they mean on the libyaml path.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from .yaml_source import _SCALAR_CONSTRUCTORS, _STR_TAG, MAX_DEPTH, MAX_VALUES, Located, _Loader, new_location

# Characters the shortcut leaves to libyaml wherever they appear: anything but a line feed
# and the printable characters that are neither a line break to YAML 1.1 (NEL, LS, PS)
# nor a byte order mark; a tab or carriage return changes how lines are measured.
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")

# A key as most files write it (plain, one word, then ':' and a space or the end of the
# line) and, in the same match, the most common value: one space, then a plain or
# double-quoted scalar (without escapes) that ends the line, with no comment or trailing
# space. Groups: the key, the quoted text, the plain text; without such a value (nothing,
# or anything else) the last two are None, and the general path reads on after the ':'.
_ENTRY = re.compile(
    r"""([A-Za-z0-9_][A-Za-z0-9_./-]{0,200}):"""
    r"""(?: (?:"([^"\\]*+)"|([^ \-?:,\[\]{}#&*!|>'"%@`][^:#]*+))(?<! )$)?(?= |$)""")

# A plain item of a one-line flow list ([a, b c, 1.5]); anything else there falls back.
_FLOW_PLAIN = re.compile(r"(?:[A-Za-z0-9_.+/~]|-(?=[A-Za-z0-9_.]))[A-Za-z0-9_.+/~ -]*")

# First characters that do not begin a plain scalar in a block ('-' does, before a non-space).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_TIMESTAMP_CONSTRUCTOR = yaml.constructor.SafeConstructor.yaml_constructors.get(_TIMESTAMP_TAG)
_BLOCK_HEADERS = {"|": ("|", True), "|-": ("|", False), ">": (">", True), ">-": (">", False)}


class _Fallback(Exception):
    """The text leaves the shape this module reads with certainty."""


# Plain scalars are resolved with the very table the libyaml path's loader uses, and
# dates built by the constructor it uses; should a program change either (add to the
# table, replace a pattern in it, give that loader a table of its own, construct dates
# another way), the shortcut stands aside (see _usable) rather than type a scalar another
# way or from a stale cache.
_IMPLICIT = _Loader.yaml_implicit_resolvers


def _resolvers() -> dict:
    return {first: tuple(resolvers) for first, resolvers in _IMPLICIT.items()}


_RESOLVERS = _resolvers()
_CONSTRUCTORS = yaml.constructor.SafeConstructor.yaml_constructors
_resolver = yaml.resolver.Resolver()
_resolver.yaml_implicit_resolvers = _IMPLICIT
_RESOLVED_FIRST = frozenset(k for k in _IMPLICIT if k is not None)
_MISS = object()
_FALL_BACK = object()
_plain_values: dict[str, Any] = {}
_PLAIN_CACHE_SIZE = 100_000


def _construct_plain(text: str) -> Any:
    """A plain scalar's value as the libyaml path makes it, or _FALL_BACK where it reports a problem."""
    tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR_TAG:
        return sys.intern(text)
    node = yaml.ScalarNode(tag, text)
    construct = _SCALAR_CONSTRUCTORS.get(tag)
    if construct is not None:
        try:
            return construct(yaml.constructor.SafeConstructor(), node)
        except Exception:  # the libyaml path reports it (or fails the same way)
            return _FALL_BACK
    if tag != _TIMESTAMP_TAG:
        return _FALL_BACK  # '=' and '<<' as values: the libyaml path reports them
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return text  # a date-like text that is no date (2026-13-01) stays text, unreported
    except Exception:
        return _FALL_BACK


def _plain_value(text: str) -> Any:
    """Typed once per distinct text: files repeat numbers, booleans and names throughout.

    Only texts whose first character some implicit resolver looks at can be anything but
    text; the rest skip the resolver entirely.
    """
    if text[0] not in _RESOLVED_FIRST:
        return sys.intern(text)
    value = _plain_values.get(text, _MISS)
    if value is _MISS:
        value = _construct_plain(text)
        if len(_plain_values) < _PLAIN_CACHE_SIZE:
            _plain_values[text] = value
    if value is _FALL_BACK:
        raise _Fallback
    return value


def _usable() -> bool:
    """Whether the libyaml path's loader resolves and constructs dates as when this module
    was loaded: the same implicit resolvers, none for every first character, no path
    resolvers, the same date constructor. (Null, booleans and numbers are constructed by
    the constructors both paths took when `yaml_source` was loaded.)"""
    return (_Loader.yaml_implicit_resolvers is _IMPLICIT and not _Loader.yaml_path_resolvers
            and None not in _IMPLICIT and _resolvers() == _RESOLVERS
            and yaml.constructor.SafeConstructor.yaml_constructors is _CONSTRUCTORS
            and _CONSTRUCTORS.get(_TIMESTAMP_TAG) is _TIMESTAMP_CONSTRUCTOR)


class _Reader:
    """One file's content lines, read from the top; `i` is the next unread content line."""

    def __init__(self, text: str, file: str):
        self.file = file
        self.raw = text.split("\n")
        self.ends_with_break = text.endswith("\n")
        # (line index, indentation, line) of each line with content: comments and blanks left out
        self.lines = [(n, len(line) - len(stripped), line) for n, line in enumerate(self.raw)
                      if (stripped := line.lstrip(" ")) and stripped[0] != "#"]
        self.i = 0
        self.count = 0

    def at(self, n: int, column: int):
        return new_location((self.file, n + 1, column + 1))

    def nested(self, depth: int, values: int) -> None:
        """The libyaml path refuses files past these limits: leave such files to it.

        A collection at `depth` counts its `values`; its scalars sit one level deeper.
        """
        self.count += values
        if self.count > MAX_VALUES or depth >= MAX_DEPTH - 1:
            raise _Fallback

    def document(self) -> Located | None:
        if not self.lines:
            return None  # empty, or only comments: the libyaml path decides
        n, indent, line = self.lines[0]
        if indent:
            raise _Fallback
        root = self.collection(n, line, 0, 0)
        self.nested(0, 1)  # the root itself
        if self.i != len(self.lines):
            raise _Fallback  # something after the root collection ended: libyaml rejects it
        return root

    def collection(self, n: int, line: str, column: int, depth: int) -> Located:
        """The block mapping or sequence that starts at this column of this line."""
        if _is_entry(line, column):
            return self.sequence(n, line, column, depth)
        key = _ENTRY.match(line, column)
        if key is None:
            raise _Fallback
        return self.mapping(n, line, column, depth, key)

    def sequence(self, n: int, line: str, column: int, depth: int) -> Located:
        self.nested(depth, 0)
        location = self.at(n, column)
        items = []
        while True:
            items.append(self.value(n, line, column + 1, column, depth + 1, in_mapping=False))
            if self.i == len(self.lines):
                break
            n, indent, line = self.lines[self.i]
            if indent != column or not _is_entry(line, column):
                if indent > column:
                    raise _Fallback  # a continuation or a misplaced line
                break  # the parent goes on, or rejects the line
        self.nested(depth, len(items))
        return Located(items, location)

    def mapping(self, n: int, line: str, column: int, depth: int, entry: re.Match) -> Located:
        """A block mapping from its first key on. Most lines in a file are entries of one, so
        this loop keeps what it uses in local names and reads the common entries itself."""
        self.nested(depth, 0)
        file, lines, i = self.file, self.lines, self.i
        count = len(lines)
        intern, located, location_of, resolved_first = sys.intern, Located, new_location, _RESOLVED_FIRST
        location = location_of((file, n + 1, column + 1))
        values: dict[str, Located] = {}
        keys: dict[str, Any] = {}
        while True:
            name, quoted, plain = entry.group(1, 2, 3)
            if name in keys:
                raise _Fallback  # the libyaml path reports the duplicate
            keys[name] = location_of((file, n + 1, column + 1))
            if plain is not None:
                value = intern(plain) if plain[0] not in resolved_first else _plain_value(plain)
                values[name] = located(value, location_of((file, n + 1, entry.start(3) + 1)))
                i += 1
            elif quoted is not None:
                values[name] = located(intern(quoted), location_of((file, n + 1, entry.start(2))))
                i += 1
            else:
                self.i = i
                values[name] = self.value(n, line, entry.end(1) + 1, column, depth + 1, in_mapping=True)
                i = self.i
            if i == count:
                break
            n, indent, line = lines[i]
            if indent != column:
                if indent > column:
                    raise _Fallback
                break
            entry = _ENTRY.match(line, column)
            if entry is None:
                break
        self.i = i
        self.nested(depth, len(values))
        return located(values, location, keys)

    def value(self, n: int, line: str, after: int, parent: int, depth: int, in_mapping: bool) -> Located:
        """The value after a key's ':' or an entry's '-' (at index `after`), in a collection at column `parent`."""
        start = _skip_spaces(line, after)
        end = len(line)
        if start == end or line[start] == "#":  # nothing more on the line (a comment follows a space)
            self.i += 1
            if self.i < len(self.lines):
                n2, indent, line2 = self.lines[self.i]
                if indent > parent or (in_mapping and indent == parent and _is_entry(line2, indent)):
                    return self.collection(n2, line2, indent, depth)  # nested, or a sequence at the key's indentation
            return Located(None, self.at(n, after))  # libyaml puts the null just after the indicator
        if not in_mapping:  # compact nesting: "- - a" and "- key: value"
            if _is_entry(line, start):
                return self.sequence(n, line, start, depth)
            key = _ENTRY.match(line, start)
            if key is not None:
                return self.mapping(n, line, start, depth, key)
        return self.inline(n, line, start, parent, depth)

    def inline(self, n: int, line: str, start: int, parent: int, depth: int) -> Located:
        """A scalar or flow list that starts on this line (a block scalar runs on below it)."""
        first = line[start]
        if first == '"' or first == "'":
            value, end = _quoted(line, start)
            value = sys.intern(value)
        elif first == "[":
            return self.flow(n, line, start, depth)
        elif first == "|" or first == ">":
            return self.block_scalar(n, line, start, parent)
        elif first in _INDICATORS and not (first == "-" and start + 1 < len(line) and line[start + 1] != " "):
            raise _Fallback
        else:
            end = line.find(" #", start)
            if end < 0:
                end = len(line)
            text = line[start:end].rstrip(" ")
            if ": " in text or text[-1] == ":":
                raise _Fallback  # libyaml reads a mapping there, or rejects the line
            value = _plain_value(text)
        _line_ends(line, end)
        self.i += 1
        return Located(value, self.at(n, start))

    def flow(self, n: int, line: str, start: int, depth: int) -> Located:
        """A flow list of plain and quoted scalars, on one line."""
        items = []
        end = len(line)
        i = _skip_spaces(line, start + 1)
        if i < end and line[i] == "]":
            i += 1
        else:
            while True:
                if i >= end:
                    raise _Fallback
                first = line[i]
                if first == '"' or first == "'":
                    text, after = _quoted(line, i)
                    items.append(Located(sys.intern(text), self.at(n, i)))
                else:
                    plain = _FLOW_PLAIN.match(line, i)
                    if plain is None:
                        raise _Fallback
                    after = plain.end()
                    items.append(Located(_plain_value(plain.group().rstrip(" ")), self.at(n, i)))
                i = _skip_spaces(line, after)
                if i < end and line[i] == ",":
                    i = _skip_spaces(line, i + 1)
                    if i < end and line[i] == "]":
                        raise _Fallback  # a trailing comma
                    continue
                if i < end and line[i] == "]":
                    i += 1
                    break
                raise _Fallback
        _line_ends(line, i)
        self.i += 1
        self.nested(depth, len(items))
        return Located(items, self.at(n, start))

    def block_scalar(self, n: int, line: str, start: int, parent: int) -> Located:
        """A literal (|) or folded (>) paragraph, clipped or stripped, in its simplest form.

        Its lines all start at one indentation, deeper than the collection's (literal
        lines may go deeper); no line holds only spaces; no empty line comes first; a
        folded paragraph has no line ending in a space and none indented deeper.
        """
        header = _BLOCK_HEADERS.get(line[start:].rstrip(" "))
        if header is None:
            raise _Fallback  # indentation indicators, keep chomping, comments after the header
        style, clip = header
        raw = self.raw
        r = n + 1
        indent = -1
        empty = 0
        parts: list[str] = []
        last = -1
        while r < len(raw):
            text = raw[r]
            if not text:
                empty += 1
                r += 1
                continue
            stripped = text.lstrip(" ")
            width = len(text) - len(stripped)
            if not stripped:
                raise _Fallback
            if indent < 0:
                if empty or width <= parent:
                    raise _Fallback
                indent = width
            elif width < indent:
                break
            if style == ">":
                if width > indent or text[-1] == " ":
                    raise _Fallback
                if parts:
                    parts.append("\n" * empty if empty else " ")
            elif parts:
                parts.append("\n" * (empty + 1))
            parts.append(text[indent:])
            empty = 0
            last = r
            r += 1
        if indent < 0 or (last == len(raw) - 1 and not self.ends_with_break):
            raise _Fallback  # an empty paragraph, or one ending without a line break
        if clip:
            parts.append("\n")
        while self.i < len(self.lines) and self.lines[self.i][0] < r:
            self.i += 1
        return Located(sys.intern("".join(parts)), self.at(n, start))


def _is_entry(line: str, column: int) -> bool:
    """Whether a sequence entry ('-' then a space or the end of the line) starts at this column."""
    return line.startswith("-", column) and (column + 1 == len(line) or line[column + 1] == " ")


def _skip_spaces(line: str, i: int) -> int:
    end = len(line)
    while i < end and line[i] == " ":
        i += 1
    return i


def _quoted(line: str, start: int) -> tuple[str, int]:
    """A quoted scalar closed on its own line, and the index after its closing quote."""
    quote = line[start]
    if quote == '"':
        close = line.find('"', start + 1)
        if close < 0 or "\\" in line[start + 1:close]:
            raise _Fallback  # continued on the next line, or escapes
        return line[start + 1:close], close + 1
    i = start + 1
    while True:
        close = line.find("'", i)
        if close < 0:
            raise _Fallback
        if line.startswith("'", close + 1):
            i = close + 2  # '' is one quote
            continue
        return line[start + 1:close].replace("''", "'"), close + 1


def _line_ends(line: str, i: int) -> None:
    """Only spaces, then perhaps a comment after a space, may follow a value on its line."""
    rest = line[i:]
    stripped = rest.lstrip(" ")
    if stripped and not (stripped[0] == "#" and len(stripped) < len(rest)):
        raise _Fallback


def read_fast(text: str, file: str) -> Located | None:
    """The file's `Located` tree as the libyaml path reads it, or None to read it that way."""
    if not _usable() or _UNUSUAL.search(text):
        return None
    reader = _Reader(text, file)
    try:
        return reader.document()
    except (_Fallback, RecursionError):
        return None
