"""The scenario format (version 1) as typed, frozen pydantic models.

These classes are the single definition of the format: loading validates into them and
`tungsten-sim schema` prints the JSON Schema generated from them. Field names carry units
(`capacity_tpa` per year, `*_days` in days, stocks in tonnes of contained tungsten). Every
number is finite and bounded by its kind (`bounds.py`). Cross-references between nodes (ids,
products) and what numbers reach together (capacity and demand after events, the horizon's
end date) are checked in `checks.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator

from sim.scenario.bounds import (
    MAX_DAYS,
    MAX_GROWTH,
    MAX_OUTAGES_PER_YEAR,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_SHARE,
    Days,
    Factor,
    Tonnes,
)
from sim.scenario.distributions import NumberOrDist
from sim.scenario.events import (  # noqa: F401  (re-exported: the format's one namespace)
    ApprovalStep,
    CapacityChange,
    DemandChange,
    Edge,
    Event,
    ExportControl,
    OriginRule,
    ScheduledOutage,
    StockpileRelease,
    TransitChange,
)
from sim.scenario.fields import (
    FROZEN,
    Country,
    Date,
    Entry,
    Fraction,
    Id,
    Priority,
    Slug,
    Text,
)
from sim.scenario.market import MarketOrOff


class Supplier(Entry):
    """An edge of the network: the buyer orders `share` of its needs from `from`."""

    from_: Id = Field(alias="from")
    share: float = Field(gt=0, le=MAX_SHARE, strict=True,
                         description="relative share of orders (normalised over the list)")
    transit_days: NumberOrDist = Field(0.0, description="days from departure to arrival")

    @field_validator("transit_days")
    @classmethod
    def _transit_not_negative(cls, value: object) -> object:
        if isinstance(value, float) and value < 0:
            raise ValueError(f"{value:g} must be >= 0")
        return value


class Outages(BaseModel):
    """Random outages: a Poisson process of stoppages with random durations."""

    model_config = FROZEN
    rate_per_year: float = Field(ge=0, le=MAX_OUTAGES_PER_YEAR, strict=True)
    duration_days: NumberOrDist
    capacity_left: Fraction = 0.0


class Node(Entry):
    """What all nodes share."""

    id: Id
    country: Country
    initial_origin: Country | dict[Country, Factor] | None = Field(
        None, description="mining country of the initial stock, or a mix {country: share}; "
                          "default: the mix the node's sourcing brings (processing country "
                          "always from sourcing)")


class Mine(Node):
    """Produces `product` at capacity × utilization, whether or not anyone buys."""

    product: Id
    capacity_tpa: Tonnes
    utilization: Fraction = 1.0
    initial_stock: Tonnes = 0.0
    online: Date | None = Field(None, description="produces nothing before this date")
    ramp_days: Days = Field(0.0, description="linear ramp from 0 to capacity after `online`")
    outages: Outages | None = None


class Processor(Node):
    """Turns its one input product into its output with a yield and a processing delay."""

    inputs: list[Id] = Field(min_length=1, max_length=1)
    output: Id
    capacity_tpa: Tonnes
    yield_: float = Field(1.0, alias="yield", gt=0, le=1, strict=True)
    process_days: Days = Field(
        0.0, description="days from starting a batch to its output; the output is usable from "
        "the first step starting on or after that (0: in the same step)")
    cover_days: Days = Field(0.0, description="input stock held on top of lead-time use")
    priority: Priority = 5
    initial_stock: Tonnes | dict[Id, Tonnes] = Field(
        0.0, description="a number (of the output) or a mapping by product"
    )
    suppliers: list[Supplier] = Field([])


class Release(BaseModel):
    """Who a stockpile may release to, and how fast."""

    model_config = FROZEN
    to: list[Id] = Field(min_length=1)
    max_tpa: Tonnes


class Stockpile(Node):
    """Holds a product; releases only to cover named consumers' shortfall."""

    product: Id
    initial_stock: Tonnes = 0.0
    target_stock: Tonnes | None = Field(None, description="acquire up to this (default: never)")
    release: Release | None = None
    priority: Priority = Field(10, description="when it buys: after everyone else by default")
    suppliers: list[Supplier] = Field([])


class Consumer(Node):
    """A demand sector: consumes its product; what it cannot get is shortfall."""

    group: Text = Field(None, description="free label; KPIs are also reported per group")
    product: Id
    demand_tpa: Tonnes
    growth: float = Field(0.0, gt=-1, le=MAX_GROWTH, strict=True,
                          description="per year, compounded")
    noise: NumberOrDist = Field(1.0, description="multiplies each step's demand")
    priority: Priority = 5
    cover_days: Days = 0.0
    backlog: bool = Field(False, strict=True)
    scrap_rate: Fraction = 0.0
    scrap_days: Days = 0.0
    scrap_to: Id | None = None
    initial_stock: Tonnes = 0.0
    suppliers: list[Supplier] = Field([])
    exclude_origins: list[Country] = Field(
        [], description="takes no tungsten mined in, nor bought from suppliers located in, "
                        "these countries (e.g. DFARS 225.7018)")
    exclude_processed: list[Country] = Field(
        [], description="takes no tungsten last refined or converted in, nor bought from "
                        "suppliers located in, these countries (DFARS: 'melted or produced')")
    exclude_from: Date | None = Field(
        None, description="the exclusion applies from this date (default: the start)")


TimeseriesChoice = Literal["standard", "all"]
"""What timeseries.csv holds: design.md's standard variables, or all of them."""


class Scenario(BaseModel):
    """A complete, validated scenario: everything the model reads, with defaults filled in."""

    model_config = FROZEN
    format: Literal[1]
    name: Slug
    description: str = ""
    start: Date
    horizon_years: float = Field(gt=0, le=200, strict=True)
    step_days: int = Field(7, ge=1, le=MAX_DAYS, strict=True)
    record_days: int = Field(7, ge=1, le=MAX_DAYS, strict=True)
    timeseries: TimeseriesChoice = Field(
        "standard", description="what timeseries.csv holds: the standard variables, or all "
                                "(flows in between and deliveries by mining country too)")
    seed: int = Field(0, ge=0, le=MAX_SEED, strict=True)
    replications: int = Field(1, ge=1, le=MAX_REPLICATIONS, strict=True)
    products: list[Id] = Field(min_length=1)
    mines: list[Mine] = []
    processors: list[Processor] = []
    stockpiles: list[Stockpile] = []
    consumers: list[Consumer] = []
    events: list[Event] = []
    market: MarketOrOff = Field(None, description="prices and the responses to them; "
                                                  "absent or `off`: fixed demand, no prices")
    _uncertain: tuple = PrivateAttr(default=())
    """Values drawn per replication (`sim.scenario.uncertain`); the fields hold their centres."""

    @property
    def horizon_days(self) -> float:
        """Length of the run in days."""
        return self.horizon_years * 365.0

    @property
    def end(self) -> dt.date:
        """The first day after the run."""
        return self.start + dt.timedelta(days=round(self.horizon_days))

    def day(self, date: dt.date) -> float:
        """Days from `start` to `date`."""
        return float((date - self.start).days)
