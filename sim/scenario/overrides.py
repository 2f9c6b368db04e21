"""`--set PATH=VALUE` overrides, applied to the merged tree before validation."""

from __future__ import annotations

import difflib
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.scenario.tree import find_index, item_key
from sim.scenario.yamlread import LocDict, LocList, read_value

_LISTS = {"mines", "processors", "stockpiles", "consumers", "events", "suppliers", "products",
          "inputs"}
"""Keys holding lists: a path cannot create them, only address their items."""


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split `PATH=VALUE`; the value is read as YAML (numbers, dates, lists, mappings) with a
    file's bounds on nesting and aliases; text that is not YAML stays a string."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError([Problem("--set", 0, 0, text, "expected PATH=VALUE")])
    return path.strip(), read_value(raw, path.strip()) if raw.strip() else ""


def apply_overrides(data: LocDict, assignments: list[tuple[str, Any]]) -> list[Problem]:
    """Set each path to its value in place; return a problem for every path that is wrong."""
    problems = []
    for path, value in assignments:
        try:
            _set(data, path, value)
        except KeyError as err:
            problems.append(Problem("--set", 0, 0, path, str(err.args[0])))
    return problems


def _set(data: LocDict, path: str, value: Any) -> None:
    segments = path.split(".")
    node: Any = data
    parent_name: Any = None
    where = ("--set", 0, 0)
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        if isinstance(node, dict):
            if last:
                node[segment] = value
                if isinstance(node, LocDict):
                    node.value_pos[segment] = node.key_pos[segment] = where
                return
            if segment not in node and segment in _LISTS:
                raise KeyError(f"the scenario has no {segment} to set (add them in the file)")
            if segment not in node:  # a key the file leaves out: create it, validation judges
                node[segment] = LocDict(pos=where)
                if isinstance(node, LocDict):
                    node.value_pos[segment] = node.key_pos[segment] = where
            parent_name, node = segment, node[segment]
        elif isinstance(node, list):
            index = find_index(node, parent_name, segment)
            if index is None:
                names = [item_key(parent_name, x) or str(i) for i, x in enumerate(node)]
                raise KeyError(_missing(segment, names, ".".join(segments[:depth])))
            if last:
                node[index] = value
                if isinstance(node, LocList):
                    node.item_pos[index] = where
                return
            node = node[index]
        else:
            raise KeyError(f"'{'.'.join(segments[:depth])}' is a value, not a mapping or list")


def _missing(segment: str, names: list[str], parent: str) -> str:
    where = f" in '{parent}'" if parent else ""
    close = difflib.get_close_matches(segment, names, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"no '{segment}'{where}{hint}"
