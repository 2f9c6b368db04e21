"""Walking the raw (located) scenario tree: parameter paths, positions and node lists.

A parameter path names one value: `mines.kz_upper_kairakty.capacity_tpa`,
`consumers.us_defense.suppliers.cn_converters.share`, `events.0.allowed_fraction`. Node lists
are addressed by `id`, suppliers by `from`, events by index or by their optional `id`.
"""

from __future__ import annotations

from typing import Any

from sim.scenario.yamlread import LocDict, LocList, Pos

NODE_LISTS = ("mines", "processors", "stockpiles", "consumers")
"""Top-level lists whose entries merge and are addressed by `id`."""


def item_key(list_name: Any, item: Any) -> str | None:
    """The name a list item is addressed by in a path (its id, its supplier), if any."""
    if not isinstance(item, dict):
        return None
    if list_name in NODE_LISTS or list_name == "events":
        key = item.get("id")
    elif list_name == "suppliers":
        key = item.get("from")
    else:
        return None
    return key if isinstance(key, str) else None


def find_index(items: list, list_name: Any, segment: str) -> int | None:
    """Index of the item a path segment names (by id or supplier; or a plain index)."""
    for i, item in enumerate(items):
        if item_key(list_name, item) == segment:
            return i
    if segment.isdigit() and int(segment) < len(items):
        return int(segment)
    return None


def describe(data: Any, loc: tuple) -> tuple[Pos | None, str, bool]:
    """Follow a raw loc (keys and indices) through the tree.

    Returns the position of the deepest value reached, the dotted parameter path (list
    items named by id where they have one), and whether the whole loc exists. Elements that
    are not in the data (pydantic adds union tags to its locs) are skipped.
    """
    node, pos, names, parent_name = data, getattr(data, "pos", None), [], None
    found = True
    for element in loc:
        if isinstance(node, dict) and isinstance(element, str) and element in node:
            if isinstance(node, LocDict):
                pos = node.value_pos.get(element, pos)
            names.append(element)
            parent_name, node = element, node[element]
        elif isinstance(node, list) and isinstance(element, int) and element < len(node):
            if isinstance(node, LocList) and element < len(node.item_pos):
                pos = node.item_pos[element]
            key = item_key(parent_name, node[element])
            names.append(key if key is not None else str(element))
            node = node[element]
        elif isinstance(element, str) and (
                element.startswith(("tagged-union", "function-", "constrained-"))
                or element in ("float", "int", "str", "bool")):
            continue
        elif isinstance(element, str) and not isinstance(node, dict):
            continue
        elif isinstance(node, dict) and element in (node.get("kind"), node.get("dist")):
            continue  # pydantic names the member of a tagged union in its locs
        else:
            names.append(str(element))
            found = False
            break
    return pos, ".".join(names), found


def key_position(data: Any, loc: tuple) -> Pos | None:
    """Position of the key (not the value) at the end of a raw loc, when known."""
    parent_pos, _, _ = describe(data, loc[:-1])
    node = data
    for element in loc[:-1]:
        try:
            node = node[element]
        except (KeyError, IndexError, TypeError):
            return parent_pos
    if isinstance(node, LocDict) and loc and loc[-1] in node.key_pos:
        return node.key_pos[loc[-1]]
    return parent_pos


def value_at(data: Any, loc: tuple) -> Any:
    """The raw value at a loc, or None when it does not exist."""
    node = data
    for element in loc:
        try:
            node = node[element]
        except (KeyError, IndexError, TypeError):
            return None
    return node
