"""Probability KPIs over replications, with Wilson score intervals.

Two events per consumer scope (a consumer, a country, a group, `world`):
- `fill_rate>=T`: the scope's fill rate over the run is at least T;
- `no_shortfall_by=D`: the scope has no short step starting before date D (D defaults to the
  end of the run: never short);
- `first_tonne_from_XX_by=D` (only when asked for): the scope's first tonne mined in XX
  (`first_tonne_day_from_XX`) arrives on a step starting before date D (default: the end of
  the run), the same clock as `no_shortfall_by`.

Example: `P(country:US fill_rate >= 0.95) = 0.80 [0.49, 0.94]` from 8 of 10 replications.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.results.catalogue import FIRST_TONNE
from sim.results.stats import LEVEL, wilson

DEFAULT_FILL_RATE = 0.95


@dataclass(frozen=True)
class ProbabilitySpec:
    """Which probabilities to report: fill-rate thresholds, no-shortfall dates and
    (origin, date) pairs of first tonnes.

    A date of None stands for the end of the run; `resolve` replaces it.
    """

    fill_rates: tuple[float, ...] = (DEFAULT_FILL_RATE,)
    no_shortfall_by: tuple[dt.date | None, ...] = (None,)
    first_tonne_by: tuple[tuple[str, dt.date | None], ...] = ()

    def __post_init__(self) -> None:
        for threshold in self.fill_rates:
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"fill-rate threshold (={threshold}) must be in (0, 1]")

    def resolve(self, start: dt.date, end: dt.date) -> ProbabilitySpec:
        """The spec with None dates replaced by `end`, checked to fall in (start, end]."""
        dates = tuple(end if d is None else d for d in self.no_shortfall_by)
        firsts = tuple((origin, end if d is None else d) for origin, d in self.first_tonne_by)
        for what, date in (*(("no-shortfall", d) for d in dates),
                           *((f"first-tonne ({origin})", d) for origin, d in firsts)):
            if not start < date <= end:
                raise ValueError(f"{what} date {date} must be after the start ({start}) "
                                 f"and no later than the end of the run ({end})")
        return ProbabilitySpec(self.fill_rates, dates, firsts)


def parse_first_tonne(text: str) -> tuple[str, dt.date | None]:
    """`KZ` or `KZ@2030-06-30` (an origin, optionally by a date) to (origin, date or None);
    ValueError if it is neither."""
    origin, at, date = text.strip().partition("@")
    if not origin or not origin.replace("_", "").isalnum():
        raise ValueError(f"'{text}' is not ORIGIN[@DATE] (for example KZ@2030-06-30)")
    if not at:
        return origin, None
    try:
        return origin, dt.date.fromisoformat(date)
    except ValueError:
        raise ValueError(f"'{date}' in '{text}' is not a date (YYYY-MM-DD)") from None


def origin_problems(spec: ProbabilitySpec, scenario) -> list[str]:
    """A message for each first-tonne origin of `spec` that is not a mining country of
    `scenario` (so has no `first_tonne_day_from_XX`)."""
    from sim.scenario.origin_names import origin_names

    mined = origin_names(scenario)[0]
    return [f"{origin} is not a mining country of this scenario (those are: "
            f"{', '.join(mined)})" for origin in dict.fromkeys(o for o, _ in spec.first_tonne_by)
            if origin not in mined]


@dataclass(frozen=True)
class Probability:
    """One probability KPI of one scope: successes of n replications, with its interval."""

    scope: str
    event: str
    threshold: str
    successes: int
    n: int

    @property
    def p(self) -> float:
        """The estimated probability (NaN when n is 0)."""
        return self.successes / self.n if self.n else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson score interval at the 95% level."""
        return wilson(self.successes, self.n, LEVEL)

    @property
    def key(self) -> str:
        """Its name in summary.json: `prob_fill_rate_ge_0.95`, `prob_no_shortfall_by_2028-01-01`,
        `prob_first_tonne_from_KZ_by_2030-06-30`."""
        if self.event == "fill_rate>=":
            return f"prob_fill_rate_ge_{self.threshold}"
        return f"prob_{self.event}_{self.threshold}"

    def stats(self) -> dict[str, float | int]:
        """The entry written under `summary[scope][key]`."""
        low, high = self.interval
        return {"p": self.p, "ci_low": low, "ci_high": high, "successes": self.successes,
                "n": self.n}


def probabilities(keys: Sequence[tuple[str, str]], values: np.ndarray, spec: ProbabilitySpec,
                  start: dt.date) -> list[Probability]:
    """Every probability of `spec` for every scope with a fill rate, from KPI values [key, rep].

    `spec` must be resolved (no None dates). The successes of every scope are counted at once,
    a few numpy calls per threshold or date.
    """
    wanted = ("fill_rate", "first_shortfall_day",
              *(FIRST_TONNE + origin for origin, _ in spec.first_tonne_by))
    index = {key: j for j, key in enumerate(keys) if key[1] in wanted}
    scopes = list(dict.fromkeys(scope for scope, kpi in index if kpi == "fill_rate"))
    fill = values[[index[(scope, "fill_rate")] for scope in scopes]]  # [scope, rep]
    first = values[[index[(scope, "first_shortfall_day")] for scope in scopes]]
    n = values.shape[1]
    events = [("fill_rate>=", f"{threshold:g}", fill >= threshold)
              for threshold in spec.fill_rates]
    events += [("no_shortfall_by", date.isoformat(),
                np.isnan(first) | (first >= float((date - start).days)))
               for date in spec.no_shortfall_by]
    for origin, date in spec.first_tonne_by:
        rows = [index.get((scope, FIRST_TONNE + origin)) for scope in scopes]
        if None in rows:
            raise ValueError(f"no KPI {FIRST_TONNE}{origin}: {origin} is not a mining country "
                             "of this run")
        days = values[rows]  # NaN (never) compares False
        events.append((f"first_tonne_from_{origin}_by", date.isoformat(),
                       days < float((date - start).days)))
    counts = [(event, threshold, np.count_nonzero(ok, axis=1).tolist())
              for event, threshold, ok in events]
    return [Probability(scope, event, threshold, successes[s], n)
            for s, scope in enumerate(scopes) for event, threshold, successes in counts]


HEADER = ("scope", "event", "threshold", "successes", "n", "p", "ci_low", "ci_high")


def probability_rows(items: Sequence[Probability]) -> list[tuple]:
    """Rows of probabilities.csv, in the order of HEADER."""
    rows = []
    for item in items:
        low, high = item.interval
        rows.append((item.scope, item.event, item.threshold, item.successes, item.n,
                     repr(item.p), repr(low), repr(high)))
    return rows
