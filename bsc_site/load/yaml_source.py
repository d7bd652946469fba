"""Read YAML into values that remember where they came from.

PyYAML's own constructor forgets line numbers and silently keeps the last of two equal
keys; we compose the node tree ourselves so every value carries its location and a
duplicate key is an error instead of lost data.

Most files are read without the node tree: `fast_yaml` reads the common shape of a
scorecard file straight into the same located values, and leaves anything else, and
every problem, to the path here.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import sys
import types
from typing import Any

import yaml

from ..problems import Location, Problems, shown

try:  # libyaml is several times faster and gives the same marks
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):
    """Resolves each distinct plain scalar once per file: keys and values repeat throughout.

    The safe resolver has no path resolvers, so the tag of a plain scalar depends on its
    text alone, and any other node gets its kind's default tag: remembering the one and
    naming the other changes nothing but the time taken.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.plain_tags: dict[str, str] = {}
        self.default_tags = {yaml.ScalarNode: self.DEFAULT_SCALAR_TAG, yaml.SequenceNode: self.DEFAULT_SEQUENCE_TAG,
                             yaml.MappingNode: self.DEFAULT_MAPPING_TAG}

    def resolve(self, kind, value, implicit):
        if self.yaml_path_resolvers:  # pragma: no cover - only if a program adds them to PyYAML's SafeLoader
            return super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self.plain_tags.get(value)
            if tag is None:
                tag = self.plain_tags[value] = super().resolve(kind, value, implicit)
            return tag
        return self.default_tags[kind]


MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_VALUES = 200_000  # bounds alias expansion ("billion laughs") per file
MAX_DEPTH = 40

_intern = sys.intern
_NO_KEYS: types.MappingProxyType = types.MappingProxyType({})
new_location = functools.partial(tuple.__new__, Location)  # Location(file, line, column) without a Python call

_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_CONSTRUCTORS = {tag: yaml.constructor.SafeConstructor.yaml_constructors[tag]
                        for tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:bool",
                                    "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")}


class Located:
    """A YAML value and where it starts; mappings also know where each key is."""

    __slots__ = ("value", "location", "key_locations")  # one per YAML value: kept small and quick to make

    def __init__(self, value: Any, location: Location, key_locations: dict[str, Location] | None = None):
        self.value = value  # dict[str, Located] | list[Located] | scalar
        self.location = location
        self.key_locations = _NO_KEYS if key_locations is None else key_locations

    @property
    def plain(self) -> Any:
        """The value with locations stripped, recursively."""
        if isinstance(self.value, dict):
            return {k: v.plain for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain for v in self.value]
        return self.value


class _TooLarge(Exception):
    pass


class _Lines:
    """Turns libyaml's marks into the line and column (from 1) an editor shows.

    libyaml reads YAML 1.1, which also breaks lines at NEL, LS and PS (U+0085, U+2028,
    U+2029): editors show those inside a line, so after one every line number would be
    off. And a stream that does not end in a line break ends on a line past the last.
    Marks carry the character index, so those cases are counted from the text itself.
    """

    def __init__(self, file: str, text: str):
        self.file = file
        self.text = text
        self.last_line = text.count("\n") + 1
        self.unusual = any(ch in text for ch in "\x85\u2028\u2029")
        self.starts: list[int] | None = None

    def unusual_break(self) -> tuple[int, str] | None:
        """The first line holding a NEL, LS or PS, and that character's name."""
        if not self.unusual:
            return None
        index = min(i for i in (self.text.find(ch) for ch in "\x85\u2028\u2029") if i >= 0)
        name = {"\x85": "a NEL (U+0085)", "\u2028": "a line separator (U+2028)",
                "\u2029": "a paragraph separator (U+2029)"}[self.text[index]]
        return self.text.count("\n", 0, index) + 1, name

    def at(self, mark: yaml.Mark) -> Location:
        if not self.unusual and mark.line + 1 <= self.last_line:
            return Location(self.file, mark.line + 1, mark.column + 1)
        if self.starts is None:
            self.starts = [0, *itertools.accumulate(len(line) + 1 for line in self.text.split("\n")[:-1])]
        index = min(mark.index, len(self.text))
        line = bisect.bisect_right(self.starts, index)
        return Location(self.file, line, index - self.starts[line - 1] + 1)


class _Converter:
    def __init__(self, file: str, problems: Problems, lines: _Lines):
        self.file = file
        self.problems = problems
        self.lines = lines
        self.count = 0
        self.scalars = yaml.constructor.SafeConstructor()
        self.last_line = 0 if lines.unusual else lines.last_line  # marks on lines up to this one are as shown

    def convert(self, node: yaml.Node, depth: int = 0) -> Located:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooLarge(f"more than {MAX_VALUES:,} values (an alias expanding into itself?)")
        if depth > MAX_DEPTH:
            raise _TooLarge(f"nested more than {MAX_DEPTH} levels deep")
        mark = node.start_mark  # what _Lines.at makes of it, without the call where it is that simple
        line = mark.line + 1
        loc = new_location((self.file, line, mark.column + 1)) if line <= self.last_line else self.lines.at(mark)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:
                # Scorecards repeat their texts (units of measure, owners, data sources):
                # one object each instead of one per place it is written.
                return Located(_intern(node.value), loc)
            return Located(self.scalar(node, loc), loc)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc, depth)
        return Located([self.convert(item, depth + 1) for item in node.value], loc)

    def scalar(self, node: yaml.ScalarNode, loc: Location) -> Any:
        construct = _SCALAR_CONSTRUCTORS.get(node.tag)
        if construct is not None:
            try:
                return construct(self.scalars, node)
            except (yaml.YAMLError, ValueError, OverflowError):
                pass  # constructed again below: it fails the same way, or as PyYAML does for an alias of it
        try:
            return self.scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            if node.tag != "tag:yaml.org,2002:timestamp":
                # A date-like text that is no date (2026-13-01) stays text: a text field keeps
                # it and a date field reports it, once. Anything else (an unknown tag) is an error.
                reason = getattr(exc, "problem", None) or str(exc)
                self.problems.error(loc, "yaml-value", f"cannot read the value {shown(repr(node.value))}: {reason}")
            return node.value

    def mapping(self, node: yaml.MappingNode, loc: Location, depth: int) -> Located:
        values: dict[str, Located] = {}
        keys: dict[str, Location] = {}
        merged: list[tuple[str, Located, Location]] = []
        for key_node, value_node in node.value:
            mark = key_node.start_mark
            line = mark.line + 1
            key_loc = (new_location((self.file, line, mark.column + 1)) if line <= self.last_line
                       else self.lines.at(mark))
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.error(key_loc, "yaml-key", "a key must be plain text, not a list or mapping")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                for source in self._merge_sources(value_node, depth):
                    for k, v in source.value.items():
                        merged.append((k, v, source.key_locations[k]))
                continue
            key = key_node.value
            if key in keys:
                self.problems.error(
                    key_loc, "duplicate-key", f"'{key}' is given twice in this mapping",
                    field=key, hint=f"the first is on line {keys[key].line}; YAML would silently keep only the last",
                )
                continue
            keys[key] = key_loc
            values[key] = self.convert(value_node, depth + 1)
        for key, value, key_loc in merged:  # explicit keys win over merged ones, as in YAML 1.1
            if key not in values:
                values[key] = value
                keys[key] = key_loc
        return Located(values, loc, keys)

    def _merge_sources(self, node: yaml.Node, depth: int) -> list[Located]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        sources = []
        for item in nodes:
            converted = self.convert(item, depth + 1)
            if isinstance(converted.value, dict):
                sources.append(converted)
            else:
                self.problems.error(converted.location, "yaml-merge", "'<<' merges only mappings")
        return sources


def _too_deep(text: str, lines: _Lines, problems: Problems) -> bool:
    """Whether collections nest deeper than MAX_DEPTH (reported where the limit is passed).

    libyaml's composer recurses in C: some tens of thousands of '[' crash the process
    with a stack overflow, beyond the reach of Python's recursion limit. The parser's
    event stream is flat, so the depth is measured there first, stopping at the limit.
    """
    try:
        mark = _limit_passed(text, _Loader)
    except yaml.YAMLError as exc:
        # Newer libyaml (PyYAML 6.0.4's) refuses deep flow nesting itself, scanning ahead
        # of the first event. That is this limit passed too: where exactly, the Python
        # parser finds in the text up to libyaml's refusal (about a thousand levels).
        refused = getattr(exc, "problem_mark", None)
        if refused is None or "nesting depth" not in str(getattr(exc, "problem", "")):
            return False  # composing reports it, with its location
        try:
            mark = _limit_passed(text[:refused.index], yaml.SafeLoader) or refused  # marks index characters
        except yaml.YAMLError:
            mark = refused
    if mark is None:
        return False
    problems.error(lines.at(mark), "yaml-too-deep", f"the YAML is nested more than {MAX_DEPTH} levels deep",
                   hint="a scorecard file needs a few levels; is a bracket or indentation off?")
    return True


def _limit_passed(text: str, loader) -> yaml.Mark | None:
    """Where the first collection deeper than MAX_DEPTH starts, if one does."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return event.start_mark
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


_BRACKET = re.compile(r"[\[\]{}]")
_ANCHOR = re.compile(r"&[^\s&]")
_ALIAS = re.compile(r"\*[^\s*]")


@functools.cache
def _indent_of_at_least(width: int) -> re.Pattern:
    """Indentation, with the "- ", "? " and ": " that nest on one line, of `width` characters or more."""
    return re.compile(rf"^[ \t?:-]{{{width}}}", re.MULTILINE)


def _may_nest_deeply(text: str) -> bool:
    """A cheap upper bound on nesting, so the exact (slower) check runs only where it could fire.

    Collections nest no deeper than the open brackets plus the indentation (counting the
    compact "- ", "? " and ": " that open a collection on the same line, as in "? ? ? a")
    plus one for a key's mapping: a file whose brackets and indentation stay within the
    limit together cannot pass it.
    """
    depth = deepest = 0
    for bracket in _BRACKET.findall(text):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return _indent_of_at_least(max(MAX_DEPTH - deepest, 0)).search(text) is not None


def _may_alias(text: str) -> bool:
    """Aliases need an anchor (&name) and a use (*name); most files have neither."""
    return bool(_ANCHOR.search(text) and _ALIAS.search(text))


class _SelfReference(Exception):
    pass


def _expanded_size(node: yaml.Node, sizes: dict[int, int | None], depth: int = 0) -> int:
    """How many values the node holds once every alias is expanded; each node is counted once."""
    if depth > MAX_DEPTH:
        return 1  # aliases nesting deeper than the limit: converting reports it
    key = id(node)
    if key in sizes and sizes[key] is None:
        raise _SelfReference(node)  # an alias inside its own anchor's value
    if key not in sizes:
        sizes[key] = None
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        sizes[key] = min(1 + sum(_expanded_size(child, sizes, depth + 1) for child in children), MAX_VALUES + 1)
    return sizes[key]


def read_yaml(text: str, file: str, problems: Problems) -> Located | None:
    """Parse one YAML document into located values; problems are collected, not raised."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        problems.error(Location(file), "file-too-large",
                       f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                       hint="split it into several files")
        return None
    located = fast_yaml.read_fast(text, file)
    if located is not None:  # the common shape, read without libyaml's node tree
        return located
    lines = _Lines(file, text)
    if _may_nest_deeply(text) and _too_deep(text, lines, problems):
        return None
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = lines.at(mark) if mark else Location(file)
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        hint = "check indentation, and quote text containing ': ' or starting with a special character"
        unusual = lines.unusual_break()
        if unusual:  # most likely the cause: pasted from a word processor or a PDF
            hint = f"line {unusual[0]} holds {unusual[1]}, which YAML reads as a line break: delete it"
        problems.error(loc, "yaml-syntax", f"YAML syntax error: {problem}{context}", hint=hint)
        return None
    except yaml.YAMLError as exc:
        problems.error(Location(file), "yaml-syntax", f"YAML syntax error: {exc}")
        return None
    except RecursionError:
        problems.error(Location(file), "yaml-too-deep", "the YAML is nested too deeply to read")
        return None
    documents = [d for d in documents if d is not None]
    if not documents:
        return None
    if len(documents) > 1:
        problems.error(Location(file, lines.at(documents[1].start_mark).line, 1), "yaml-documents",
                       "the file holds more than one YAML document ('---')", hint="keep one document per file")
    try:
        size = _expanded_size(documents[0], {}) if _may_alias(text) else 0
    except _SelfReference as exc:
        problems.error(lines.at(exc.args[0].start_mark), "yaml-alias",
                       "an alias is used inside the value of its own anchor, so it would repeat forever")
        return None
    if size > MAX_VALUES:  # an alias bomb: refuse before expanding anything
        problems.error(Location(file), "yaml-too-large",
                       f"the YAML is too large to read: more than {MAX_VALUES:,} values (an alias expanding into itself?)",
                       hint="an alias (*name) repeats everything under its anchor (&name); use fewer of them")
        return None
    converter = _Converter(file, problems, lines)
    try:
        return converter.convert(documents[0])
    except _TooLarge as exc:
        problems.error(Location(file), "yaml-too-large", f"the YAML is too large to read: {exc}")
    except RecursionError:
        problems.error(Location(file), "yaml-too-deep", "the YAML is nested too deeply to read")
    return None


from . import fast_yaml  # noqa: E402 - it builds on the names above
