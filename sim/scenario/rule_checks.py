"""Checks of what licence regimes name: end-use groups that exist.

A licence rule refusing a group no consumer has does nothing, which is almost always a typo
(country codes are checked against ISO 3166 where they are read, countries.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from sim.scenario.schema import ExportControl, Scenario

Finding = tuple[tuple, str]


def check_rules(s: Scenario) -> Iterator[Finding]:
    """Problems with the end-use groups that licence regimes name."""
    groups = sorted({c.group for c in s.consumers if c.group is not None})
    for i, e in enumerate(s.events):
        if isinstance(e, ExportControl):
            for j, group in enumerate(e.refuse_groups):
                if group not in groups:
                    close = difflib.get_close_matches(group, groups, n=1, cutoff=0.5)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    yield ("events", i, "refuse_groups", j), \
                        f"no consumer has group '{group}'{hint}; groups: " \
                        f"{', '.join(groups) or 'none'}"
