"""The largest numbers a scenario may hold, by kind of quantity.

Every number must be finite (YAML's `.inf` and `.nan` are refused) and lie under the ceiling
of its kind. The ceilings are far above any tungsten network (world mine output is about
81,000 t/yr; no delay lasts a century) and far below where the model's sums and products
would overflow a float (1.8e308), or its arrays, sized by the longest delay, could not be
allocated. `sim/scenario/format.md` lists them ("Bounds on numbers").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_TONNES = 1e12
"""Tonnes and tonnes per year: capacities, demand, stocks, release rates and quantities; also
the most a capacity or a demand may reach through growth and events."""

MAX_DAYS = 36_500
"""Days (100 years): transit, process, cover, ramp, scrap and outage times, delays, the step;
also every number in a distribution (and a plain `noise`), and draws are clipped to it."""

MAX_FACTOR = 1e6
"""Factors of `capacity` and `demand` events."""

MAX_SHARE = 1e12
"""A supplier's share (a relative weight: it may be written in t/yr)."""

MAX_GROWTH = 1.0
"""Yearly demand growth (100%: demand doubles every year)."""

MAX_OUTAGES_PER_YEAR = 365.0
"""`rate_per_year` of random outages (one a day on average)."""

MAX_SIGMA = 10.0
"""`sigma` of a lognormal distribution (its mean is median × exp(sigma² / 2))."""

MAX_SEED = 2**63 - 1
MAX_REPLICATIONS = 1_000_000

Tonnes = Annotated[float, Field(ge=0, le=MAX_TONNES, strict=True)]
Days = Annotated[float, Field(ge=0, le=MAX_DAYS, strict=True)]
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR, strict=True)]
DistNumber = Annotated[float, Field(ge=-MAX_DAYS, le=MAX_DAYS, strict=True)]
"""A number inside a distribution, or a plain number where a distribution may stand."""
