"""Safe YAML reading that remembers where every value came from.

We read PyYAML's event stream (libyaml's fast parser when it is installed) and build plain
dicts and lists ourselves, so that we can reject duplicate keys and non-standard tags, keep
the file, line and column of every key and value for error messages, and bound what a hostile
file can cost: its size (`MAX_BYTES`, checked before parsing), its nesting (`MAX_DEPTH`; the
loop below keeps its own stack, so depth never reaches Python's recursion limit) and what its
aliases expand to (`MAX_NODES` nodes produced by aliases: the "billion laughs" alias bomb
is a small file that expands to billions of nodes). A 50 MB file of ordinary entries is
refused by its size at once, not by the alias bound after minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from sim.errors import Problem, ScenarioError

MAX_BYTES = 20_000_000
"""Largest scenario file read (20 MB; the calibrated baseline is 29 kB)."""

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings (a scenario needs about 6 levels)."""

MAX_NODES = 200_000
"""Upper bound on nodes produced while expanding aliases."""

_FAST_ABOVE = 1_000_000
"""Texts longer than this are parsed by libyaml, when installed (20 times faster); shorter
ones, every hand-written scenario, by PyYAML's own parser, whose messages the tests pin."""

_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_FAST_PARSER = getattr(yaml, "CSafeLoader", None)

Pos = tuple[str, int, int]


class LocDict(dict):
    """A dict that knows where it and each of its values were written (file, line, col)."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]

    def __init__(self, *args: Any, pos: Pos = ("", 0, 0), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pos = pos
        self.key_pos = {}
        self.value_pos = {}


class LocList(list):
    """A list that knows where it and each of its items were written."""

    pos: Pos
    item_pos: list[Pos]

    def __init__(self, *args: Any, pos: Pos = ("", 0, 0)):
        super().__init__(*args)
        self.pos = pos
        self.item_pos = []


def read_yaml(path: Path) -> LocDict:
    """Read one YAML file into located dicts/lists; raise ScenarioError on any problem."""
    name = str(path)
    text = _read_text(path, name)
    reader = _Reader(name)
    try:
        data = reader.read(_events(text))
    except yaml.MarkedYAMLError as err:
        raise ScenarioError([_syntax_problem(name, err)]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Problem(name, 0, 0, "", f"YAML error: {err}")]) from None
    except _Refused as refused:
        raise ScenarioError([*reader.problems, refused.problem]) from None
    if reader.root_pos is None:
        raise ScenarioError([Problem(name, 0, 0, "", "file is empty")])
    if reader.problems:
        raise ScenarioError(reader.problems)
    if not isinstance(data, LocDict):
        msg = "a scenario file must be a mapping of keys (format, name, mines, ...)"
        raise ScenarioError([Problem(*reader.root_pos, "", msg)])
    return data


def read_value(text: str, path: str, option: str = "--set") -> Any:
    """A `--set` (or `--param`) value read as YAML with the same bounds as a file (raw text if
    it is not YAML).

    Too deep or an alias bomb raises ScenarioError naming `option` and `path`; any other
    problem (a syntax error, a refused tag, an impossible date) leaves the text as a string
    for validation to judge, as before.
    """
    reader = _Reader(option, located=False)
    try:
        value = reader.read(_events(text))
    except yaml.YAMLError:
        return text
    except _Refused as refused:
        raise ScenarioError([Problem(option, 0, 0, path, refused.problem.message)]) from None
    return text if reader.problems else value


def _read_text(path: Path, name: str) -> str:
    """The file's text, refused before parsing when it is missing, too big, binary or not UTF-8."""
    if not path.exists():
        raise ScenarioError([Problem(name, 0, 0, "", "file not found")])
    if path.is_dir():
        raise ScenarioError([Problem(name, 0, 0, "", "is a directory, not a scenario file")])
    try:
        size, raw = path.stat().st_size, b""
        if size <= MAX_BYTES:
            with path.open("rb") as file:
                raw = file.read(MAX_BYTES + 1)  # a device or a pipe may not know its size
    except OSError as err:
        msg = f"cannot be read ({err.strerror or err})"
        raise ScenarioError([Problem(name, 0, 0, "", msg)]) from None
    if size > MAX_BYTES or len(raw) > MAX_BYTES:
        shown = f"is {size:,} bytes, over" if size > MAX_BYTES else "is over"
        msg = f"{shown} the {MAX_BYTES:,}-byte ({MAX_BYTES // 10**6} MB) limit for a scenario file"
        raise ScenarioError([Problem(name, 0, 0, "", msg)])
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, 0, 0, "", "is a binary file, not YAML text")])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        msg = f"is not UTF-8 text (byte {err.start})"
        raise ScenarioError([Problem(name, 0, 0, "", msg)]) from None


def _events(text: str) -> Iterator[Event]:
    fast = _FAST_PARSER is not None and len(text) > _FAST_ABOVE
    return yaml.parse(text, Loader=_FAST_PARSER if fast else yaml.SafeLoader)


def _syntax_problem(name: str, err: yaml.MarkedYAMLError) -> Problem:
    mark = err.context_mark or err.problem_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    msg = f"YAML syntax error: {err.problem}"
    end = err.problem_mark
    if err.context and end and err.context_mark and (end.line, end.column) != (
            err.context_mark.line, err.context_mark.column):
        msg += f" ({err.context} here; the problem is at {end.line + 1}:{end.column + 1})"
    return Problem(name, line, col, "", msg)


class _Refused(Exception):
    """Reading stops: the file is too deep or its aliases expand too far."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


_KEY, _DROP, _DROP_KEY = object(), object(), object()
"""Mapping states: waiting for a key; dropping the next value; dropping a key (a list or a
mapping used as a key), then its value. A string state is the key of the next value."""


@dataclass
class _Open:
    """A list or mapping being read; `value` is None when its content is dropped."""

    value: LocDict | LocList | None
    path: tuple
    pos: Pos
    state: object = _KEY


class _Reader:
    """Builds LocDict/LocList/scalars from parse events, collecting problems.

    An alias replays the events recorded for its anchor, so what it expands to is built (and
    counted) like any other value; only nodes reached through aliases count toward
    `MAX_NODES`, so a big file without aliases is never mistaken for an alias bomb.
    """

    def __init__(self, file: str, located: bool = True):
        self.file, self.located = file, located
        self.problems: list[Problem] = []
        self.stack: list[_Open] = []
        self.sources: list[Iterator[Event]] = []
        self.anchors: dict[str, list[Event]] = {}
        self.anchor_marks: dict[str, yaml.Mark] = {}
        self.recording: list[tuple[str, list[Event], int]] = []
        self.expanded = 0
        self.alias_mark: yaml.Mark | None = None
        self.root: Any = None
        self.root_pos: Pos | None = None
        self.constructor = yaml.SafeLoader("")

    def read(self, events: Iterator[Event]) -> Any:
        """Consume the events (and, for each alias, its anchor's events again)."""
        self.sources = [events]
        while self.sources:
            event = next(self.sources[-1], None)
            if event is None:
                self.sources.pop()
                continue
            if len(self.sources) == 1:
                self.record(event)
            if isinstance(event, AliasEvent):
                self.alias(event)
            elif isinstance(event, ScalarEvent):
                self.scalar(event)
            elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                self.open(event)
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                done = self.stack.pop()
                self.deliver(done.value, done.pos)
            elif isinstance(event, DocumentStartEvent) and self.root_pos is not None:
                first = yaml.Mark(self.file, 0, self.root_pos[1] - 1, self.root_pos[2] - 1,
                                  None, None)
                raise yaml.composer.ComposerError(
                    "expected a single document in the stream", first,
                    "but found another document", event.start_mark)
        return self.root

    def record(self, event: Event) -> None:
        """Keep the events of each anchored node, to replay where an alias names it."""
        for _, events, _ in self.recording:
            events.append(event)
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, AliasEvent):
            if anchor in self.anchor_marks:
                raise yaml.composer.ComposerError(
                    f"found duplicate anchor {anchor!r}; first occurrence",
                    self.anchor_marks[anchor], "second occurrence", event.start_mark)
            self.anchor_marks[anchor] = event.start_mark
            if isinstance(event, ScalarEvent):
                self.anchors[anchor] = [event]
            else:
                self.recording.append((anchor, [event], len(self.stack)))
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)) and self.recording \
                and self.recording[-1][2] == len(self.stack) - 1:
            name, events, _ = self.recording.pop()
            self.anchors[name] = events

    def alias(self, event: AliasEvent) -> None:
        name = event.anchor
        if name not in self.anchors:
            problem = f"alias {name!r} is used inside the value it names" \
                if name in self.anchor_marks else f"found undefined alias {name!r}"
            raise yaml.composer.ComposerError(None, None, problem, event.start_mark)
        if len(self.sources) == 1:
            self.alias_mark = event.start_mark
        self.sources.append(iter(self.anchors[name]))

    def open(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        """Start a list or a mapping (dropped when its parent drops it or its tag is refused)."""
        path = self.child_path()
        if len(self.stack) >= MAX_DEPTH:
            self.refuse(event, path, f"nested more than {MAX_DEPTH} levels deep")
        self.count(event, path)
        pos = self.pos(event.start_mark)
        top = self.stack[-1] if self.stack else None
        value: LocDict | LocList | None = \
            LocDict(pos=pos) if isinstance(event, MappingStartEvent) else LocList(pos=pos)
        if self.dropping():
            value = None
        elif top is not None and isinstance(top.value, LocDict) and top.state is _KEY:
            self.fail(event.start_mark, top.path, "keys must be plain strings")
            top.state, value = _DROP_KEY, None
        elif event.tag not in (None, "!") and event.tag not in _STANDARD_TAGS:
            self.fail_tag(event, path)
            value = None
        self.stack.append(_Open(value, path, pos))

    def scalar(self, event: ScalarEvent) -> None:
        top = self.stack[-1] if self.stack else None
        path = self.child_path()
        self.count(event, path)
        if top is not None and isinstance(top.value, LocDict) and top.state is _KEY:
            self.key(top, top.value, event)
        else:
            value = None if self.dropping() else self.construct(event, path)
            self.deliver(value, self.pos(event.start_mark))

    def key(self, top: _Open, mapping: LocDict, event: ScalarEvent) -> None:
        key = event.value
        if self.tag(event) == _MERGE:
            self.fail(event.start_mark, top.path,
                      "YAML merge keys (<<) are not supported; use extends:")
            top.state = _DROP
        elif key in mapping:
            msg = f"duplicate key '{key}' (first given on line {mapping.key_pos[key][1]})"
            self.fail(event.start_mark, (*top.path, key), msg)
            top.state = _DROP
        else:
            mapping.key_pos[key] = self.pos(event.start_mark)
            top.state = key

    def construct(self, event: ScalarEvent, path: tuple) -> Any:
        tag = self.tag(event)
        if tag == _STR:
            return event.value
        if tag not in _STANDARD_TAGS:
            self.fail_tag(event, path)
            return None
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as err:
            kind = "date" if tag.endswith("timestamp") else "value"
            shown = event.value if len(event.value) <= 40 else event.value[:37] + "..."
            self.fail(event.start_mark, path, f"'{shown}' is not a valid {kind} ({err})")
            return None
        finally:
            self.constructor.constructed_objects.pop(node, None)

    def deliver(self, value: Any, pos: Pos) -> None:
        """Put a finished value where it belongs: an item, a key's value, or the root."""
        if not self.stack:
            self.root, self.root_pos = value, pos
            return
        top = self.stack[-1]
        if isinstance(top.value, LocList):
            top.value.append(value)
            top.value.item_pos.append(pos)
        elif isinstance(top.value, LocDict) and isinstance(top.state, str):
            top.value[top.state] = value
            top.value.value_pos[top.state] = pos
        top.state = _DROP if top.state is _DROP_KEY else _KEY

    def child_path(self) -> tuple:
        """The path of the value that starts now."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.value, LocList):
            return (*top.path, len(top.value))
        return (*top.path, top.state) if isinstance(top.state, str) else top.path

    def dropping(self) -> bool:
        """True when the value that starts now is not kept."""
        return bool(self.stack) and (self.stack[-1].value is None
                                     or self.stack[-1].state is _DROP)

    def count(self, event: Event, path: tuple) -> None:
        if len(self.sources) > 1:
            self.expanded += 1
            if self.expanded > MAX_NODES:
                self.refuse(event, path, f"alias expansion exceeds {MAX_NODES} nodes "
                                         "(an alias bomb?)")

    def refuse(self, event: Event, path: tuple, message: str) -> None:
        """Stop reading; located at the alias being expanded, if any, and under the top key."""
        mark = self.alias_mark if len(self.sources) > 1 else event.start_mark
        raise _Refused(Problem(self.file, *self.pos(mark)[1:], _dotted(path[:1]), message))

    def tag(self, event: ScalarEvent) -> str:
        if event.tag in (None, "!"):
            return self.constructor.resolve(ScalarNode, event.value, event.implicit)
        return event.tag

    def fail_tag(self, event: Event, path: tuple) -> None:
        tag = event.tag.replace("tag:yaml.org,2002:", "!!")
        self.fail(event.start_mark, path, f"tag {tag} is not allowed (plain YAML values only)")

    def fail(self, mark: yaml.Mark, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.file, *self.pos(mark)[1:], _dotted(path), message))

    def pos(self, mark: yaml.Mark) -> Pos:
        return (self.file, mark.line + 1, mark.column + 1) if self.located else (self.file, 0, 0)


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)
