"""The answer a report opens with, and that `show` prints: sentences and labelled numbers.

A page and the terminal show the same `Headline`, so the numbers cannot disagree: the page
renders `sentences` as a paragraph and `facts` as a table, `text()` writes both for a
terminal.

Example::

    Headline("china-ban-us (run)", ("The U.S. is never short.",),
             (("P(no shortfall by 2034-12-30)", "1.000 [0.566, 1.000]"),)).text()
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.results.catalogue import kind
from sim.results.numbers import interval_text
from sim.results.stats import Interval, range_ci

TEXT_WIDTH = 96
"""Width `show` wraps sentences to."""


@dataclass(frozen=True)
class Headline:
    """A result's answer: a title, plain sentences, and (label, value) facts in order."""

    title: str
    sentences: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]

    def text(self) -> str:
        """The headline for a terminal: title, wrapped sentences, then the facts aligned."""
        lines = [self.title, ""]
        for sentence in self.sentences:
            lines += textwrap.wrap(sentence, TEXT_WIDTH)
        if self.facts:
            width = max(len(label) for label, _ in self.facts) + 2
            lines += [""] + [f"{label:{width}s}{value}" for label, value in self.facts]
        return "\n".join(lines)


def kpi_interval(kpi: str, values: Sequence[float] | np.ndarray) -> Interval:
    """The mean of a KPI over replications with its 95% interval, kept in the KPI's range."""
    k = kind(kpi)
    return range_ci(values, k.low, k.high)


def kpi_interval_text(kpi: str, values: Sequence[float] | np.ndarray,
                      start: dt.date | None = None) -> str:
    """`mean [low, high]` of a KPI over replications, as every table writes it."""
    return interval_text(kpi, kpi_interval(kpi, values), start)


def plural(count: int, word: str) -> str:
    """`1 replication`, `5 replications`."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def finite(values: np.ndarray) -> np.ndarray:
    """The finite values of an array."""
    return values[np.isfinite(values)]


def is_nan(value: object) -> bool:
    """Whether a value is a float NaN (None counts too: JSON's null)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
