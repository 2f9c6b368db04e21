"""Checks of what licence regimes and origin rules name: groups and consumers that exist.

A rule naming a group or consumer the scenario does not have does nothing, which is almost
always a typo (country codes are checked against ISO 3166 where they are read, countries.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sim.scenario.schema import ExportControl, OriginRule, Scenario

Finding = tuple[tuple, str]


def check_rules(s: Scenario) -> Iterator[Finding]:
    """Problems with the end-use groups that licence regimes name, and with the consumers
    origin rules name."""
    groups = sorted({c.group for c in s.consumers if c.group is not None})
    ids = [c.id for c in s.consumers]
    for i, e in enumerate(s.events):
        if isinstance(e, OriginRule):
            if e.group is not None and e.group not in groups:
                yield ("events", i, "group"), _unknown_group(e.group, groups)
            for j, node in enumerate(e.nodes or []):
                if node not in ids:
                    close = difflib.get_close_matches(node, ids, n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    yield ("events", i, "nodes", j), f"no consumer '{node}'{hint}"
        if isinstance(e, ExportControl):
            for j, group in enumerate(e.refuse_groups):
                if group not in groups:
                    yield ("events", i, "refuse_groups", j), _unknown_group(group, groups)


def _unknown_group(group: str, groups: list[str]) -> str:
    close = difflib.get_close_matches(group, groups, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"no consumer has group '{group}'{hint}; groups: {', '.join(groups) or 'none'}"
