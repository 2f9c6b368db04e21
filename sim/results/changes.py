"""What changed between two resolved scenarios, as a list of parameter paths and values.

Both scenarios are flattened to parameter paths, the same paths `--set` takes: node lists by
id, suppliers by `from`, events by `id` (or index), distributions as one value
(`triangular(low=35, mode=45, high=70)`). Provenance and prose (`source`, `assumption`,
`description`, `name`) are not parameters and are left out. A node, supplier or event that only
one scenario has is one row, not one row per field.

Example: `mines.kz_upper_kairakty.capacity_tpa: 2000 -> 6000`,
`events.cn_ban_us: (none) -> added {kind: export_control, at: '2026-01-01', ...}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from sim.scenario import uncertain
from sim.scenario.schema import Scenario
from sim.scenario.tree import NODE_LISTS, item_key

NOT_PARAMETERS = frozenset({"source", "assumption", "description", "name", "timeseries"})
"""Keys that change no result: provenance, names, and which series timeseries.csv holds."""
KEYED_LISTS = frozenset({*NODE_LISTS, "events", "suppliers"})
ABSENT = "(none)"


@dataclass(frozen=True)
class Change:
    """One parameter whose value differs from the reference scenario's."""

    parameter: str
    reference: str
    value: str


def flatten(scenario: Scenario) -> tuple[dict[str, Any], dict[str, str]]:
    """(parameter path -> value, path of each keyed list item -> its text) of a scenario."""
    data = uncertain.dump(scenario)  # an uncertain input as its distribution, not its centre
    leaves: dict[str, Any] = {}
    items: dict[str, str] = {}
    _walk(data, "", None, leaves, items)
    return leaves, items


def _walk(data: Any, path: str, parent: str | None, leaves: dict, items: dict) -> None:
    if isinstance(data, dict) and "dist" not in data:
        for key, value in data.items():
            if key not in NOT_PARAMETERS:
                _walk(value, _join(path, key), key, leaves, items)
    elif isinstance(data, list) and parent in KEYED_LISTS and all(
            isinstance(x, dict) for x in data):
        for i, item in enumerate(data):
            item_path = _join(path, item_key(parent, item) or str(i))
            items[item_path] = _item_text(item)
            _walk(item, item_path, None, leaves, items)
    else:
        leaves[path] = data


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item_text(item: dict) -> str:
    kept = {k: v for k, v in item.items() if k not in NOT_PARAMETERS}
    return yaml.safe_dump(kept, default_flow_style=True, sort_keys=False, width=10**6).strip()


def value_text(value: Any) -> str:
    """A parameter value as a short, exact text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dict) and "dist" in value:
        args = ", ".join(f"{k}={value_text(v)}" for k, v in value.items() if k != "dist")
        return f"{value['dist']}({args})"
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)


def changes(reference: Scenario, other: Scenario) -> list[Change]:
    """Every parameter of `other` that differs from `reference`, in document order."""
    ref_leaves, ref_items = flatten(reference)
    leaves, items = flatten(other)
    added = [p for p in items if p not in ref_items]
    removed = [p for p in ref_items if p not in items]
    whole = _outermost(added + removed)
    out = []
    for path in dict.fromkeys([*ref_leaves, *leaves]):
        if any(path == w or path.startswith(w + ".") for w in whole):
            continue
        old, new = ref_leaves.get(path, ABSENT), leaves.get(path, ABSENT)
        if old != new:
            out.append(Change(path, value_text(old), value_text(new)))
    out += [Change(p, ABSENT, f"added {items[p]}") for p in added if p in whole]
    out += [Change(p, f"{ref_items[p]}", "removed") for p in removed if p in whole]
    return out


def _outermost(paths: list[str]) -> list[str]:
    """Paths not nested in another of the list (an added node's suppliers are part of it)."""
    return [p for p in paths if not any(p.startswith(q + ".") for q in paths if q != p)]
