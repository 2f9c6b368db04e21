"""Safe YAML reading that remembers where every value came from.

PyYAML's safe composer builds a node graph; we turn it into plain dicts and lists ourselves
so that we can reject duplicate keys and non-standard tags, bound alias expansion (an
"alias bomb" is a small file that expands to billions of nodes), and keep the file, line and
column of every key and value for error messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.errors import Problem, ScenarioError

MAX_NODES = 200_000
"""Upper bound on nodes produced while expanding aliases."""

_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}

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
    if not path.exists():
        raise ScenarioError([Problem(name, 0, 0, "", "file not found")])
    if path.is_dir():
        raise ScenarioError([Problem(name, 0, 0, "", "is a directory, not a scenario file")])
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, 0, 0, "", "is a binary file, not YAML text")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        msg = f"is not UTF-8 text (byte {err.start})"
        raise ScenarioError([Problem(name, 0, 0, "", msg)]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.context_mark or err.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        msg = f"YAML syntax error: {err.problem}"
        end = err.problem_mark
        if err.context and end and err.context_mark and (end.line, end.column) != (
                err.context_mark.line, err.context_mark.column):
            msg += f" ({err.context} here; the problem is at {end.line + 1}:{end.column + 1})"
        raise ScenarioError([Problem(name, line, col, "", msg)]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Problem(name, 0, 0, "", f"YAML error: {err}")]) from None
    if root is None:
        raise ScenarioError([Problem(name, 0, 0, "", "file is empty")])
    builder = _Builder(name)
    data = builder.build(root, ())
    if builder.problems:
        raise ScenarioError(builder.problems)
    if not isinstance(data, LocDict):
        line, col = _mark(root)
        msg = "a scenario file must be a mapping of keys (format, name, mines, ...)"
        raise ScenarioError([Problem(name, line, col, "", msg)])
    return data


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns a composed node graph into LocDict/LocList/scalars, collecting problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def pos(self, node: Node) -> Pos:
        return (self.file, *_mark(node))

    def fail(self, node: Node, path: tuple, message: str) -> None:
        line, col = _mark(node)
        self.problems.append(Problem(self.file, line, col, _dotted(path), message))

    def build(self, node: Node, path: tuple) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                msg = f"alias expansion exceeds {MAX_NODES} nodes (an alias bomb?)"
                self.fail(node, path, msg)
            return None
        if node.tag not in _STANDARD_TAGS:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.fail(node, path, f"tag {tag} is not allowed (plain YAML values only)")
            return None
        if isinstance(node, MappingNode):
            return self.build_mapping(node, path)
        if isinstance(node, SequenceNode):
            out = LocList(pos=self.pos(node))
            for i, item in enumerate(node.value):
                out.append(self.build(item, (*path, i)))
                out.item_pos.append(self.pos(item))
            return out
        assert isinstance(node, ScalarNode)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as err:
            kind = "date" if node.tag.endswith("timestamp") else "value"
            self.fail(node, path, f"'{node.value}' is not a valid {kind} ({err})")
            return None

    def build_mapping(self, node: MappingNode, path: tuple) -> LocDict:
        out = LocDict(pos=self.pos(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, path, "YAML merge keys (<<) are not supported; use extends:")
                continue
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, path, "keys must be plain strings")
                continue
            key = key_node.value
            if key in out:
                first = out.key_pos[key]
                msg = f"duplicate key '{key}' (first given on line {first[1]})"
                self.fail(key_node, (*path, key), msg)
                continue
            out.key_pos[key] = self.pos(key_node)
            out.value_pos[key] = self.pos(value_node)
            out[key] = self.build(value_node, (*path, key))
        return out


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)
