"""`extends:` inheritance: load the parent first, then merge the child over it.

Mappings merge key by key; node lists (mines, processors, stockpiles, consumers) merge by
`id` (an entry with an existing id updates that node, `remove: true` deletes it, a new id is
appended); the child's `events` are appended to the parent's (`{id: x, remove: true}` deletes the
inherited event with id x, an addition to format 1); any other list is replaced.
Positions are kept, so an error in an inherited value names the parent file. A parent must be
a scenario mapping (`format:` or `extends:` at its top level): anything else, such as
`extends: /etc/shadow`, is refused without a word of its content in the message.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.scenario.tree import NODE_LISTS
from sim.scenario.yamlread import MAX_BYTES, LocDict, LocList, Pos, read_yaml

_SCENARIO_KEY = re.compile(rb"""(?:^|[{,])[ \t]*["']?(?:format|extends)["']?[ \t]*:""",
                           re.MULTILINE)
"""A `format:` or `extends:` key starting a line (or in a flow mapping, as JSON writes it):
what every scenario file has."""


def read_with_parents(path: Path, _stack: tuple[Path, ...] = (),
                      _via: Pos | None = None) -> LocDict:
    """Read a scenario file and, recursively, the files it extends; return the merged tree.

    `_via` is where a child's `extends:` names this file (None for the file asked for).
    """
    resolved = path.resolve()
    if _via is not None:
        _refuse_unless_scenario(path, None, _via)
    data = read_yaml(path)
    if _via is not None:
        _refuse_unless_scenario(path, data, _via)
    parent_ref = data.get("extends")
    if parent_ref is None:
        return data
    file, line, col = data.value_pos["extends"]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError([Problem(file, line, col, "extends", "must be a file path")])
    parent = (path.parent / parent_ref)
    chain = (*_stack, resolved)
    if parent.resolve() in chain:
        cycle = " -> ".join(p.name for p in (*chain, parent.resolve()))
        raise ScenarioError([Problem(file, line, col, "extends", f"cycle: {cycle}")])
    if not parent.is_file():
        msg = f"parent file '{parent_ref}' not found (looked for {parent})"
        raise ScenarioError([Problem(file, line, col, "extends", msg)])
    base = read_with_parents(parent, chain, (file, line, col))
    child = LocDict(data, pos=data.pos)
    child.key_pos = dict(data.key_pos)
    child.value_pos = dict(data.value_pos)
    del child["extends"]
    del child.key_pos["extends"], child.value_pos["extends"]
    return merge_mapping(base, child)


def _refuse_unless_scenario(path: Path, data: LocDict | None, via: Pos) -> None:
    """Refuse a parent that is not a scenario mapping, checked on its bytes before it is
    parsed and on its keys after, so that no message quotes a key or a value of a file that
    is not a scenario (such as /etc/shadow)."""
    if data is None:
        try:
            with path.open("rb") as file:
                if _SCENARIO_KEY.search(file.read(MAX_BYTES + 1)):
                    return
        except OSError:
            return  # read_yaml says it cannot be read, quoting nothing
    elif "format" in data or "extends" in data:
        return
    msg = f"{path} is not a scenario mapping (no format: or extends: at its top level); " \
          "its content is not shown"
    raise ScenarioError([Problem(*via, "extends", msg)])


def merge_mapping(base: LocDict, over: LocDict, top: bool = True) -> LocDict:
    """Merge `over` onto `base` (neither is changed), keeping each value's position."""
    out = LocDict(base, pos=base.pos)
    out.key_pos, out.value_pos = dict(base.key_pos), dict(base.value_pos)
    for key, value in over.items():
        old = base.get(key)
        if top and key in NODE_LISTS and isinstance(old, list) and isinstance(value, list):
            merged: Any = merge_nodes(old, value)
        elif top and key == "events" and isinstance(old, list) and isinstance(value, list):
            merged = merge_events(old, value)
        elif isinstance(old, LocDict) and isinstance(value, LocDict):
            merged = merge_mapping(old, value, top=False)
        else:
            merged = value
        out[key] = merged
        out.key_pos[key] = over.key_pos.get(key, out.key_pos.get(key))
        out.value_pos[key] = over.value_pos.get(key, out.value_pos.get(key))
    return out


def merge_nodes(base: list, over: list) -> LocList:
    """Merge two node lists by id: update, `remove: true`, or append."""
    out = _concat(base, [])
    for i, item in enumerate(over):
        pos = over.item_pos[i] if isinstance(over, LocList) else ("", 0, 0)
        node_id = item.get("id") if isinstance(item, dict) else None
        index = next((j for j, old in enumerate(out)
                      if isinstance(old, dict) and node_id is not None
                      and old.get("id") == node_id), None)
        removing = isinstance(item, dict) and item.get("remove") is True
        if index is None and removing:
            msg = f"remove: true, but no inherited node has id '{node_id}'"
            raise ScenarioError([Problem(*pos, str(node_id), msg)])
        if index is None:
            out.append(item)
            out.item_pos.append(pos)
        elif removing:
            del out[index]
            del out.item_pos[index]
        elif isinstance(item, LocDict) and isinstance(out[index], LocDict):
            out[index] = merge_mapping(out[index], item, top=False)
        else:
            out[index] = item
            out.item_pos[index] = pos
    return out


def merge_events(base: list, over: list) -> LocList:
    """Append the child's events; `{id: x, remove: true}` deletes the inherited event x."""
    out = _concat(base, [])
    for i, item in enumerate(over):
        pos = over.item_pos[i] if isinstance(over, LocList) else ("", 0, 0)
        if isinstance(item, dict) and item.get("remove") is True:
            index = next((j for j, old in enumerate(out) if isinstance(old, dict)
                          and old.get("id") == item.get("id")), None)
            if index is None:
                msg = f"remove: true, but no inherited event has id '{item.get('id')}'"
                raise ScenarioError([Problem(*pos, "events", msg)])
            del out[index]
            del out.item_pos[index]
        else:
            out.append(item)
            out.item_pos.append(pos)
    return out


def _concat(first: list, second: list) -> LocList:
    out = LocList(list(first) + list(second), pos=getattr(first, "pos", ("", 0, 0)))
    for part in (first, second):
        out.item_pos.extend(getattr(part, "item_pos", [("", 0, 0)] * len(part)))
    return out
