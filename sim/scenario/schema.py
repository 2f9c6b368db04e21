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
import itertools
import re
from typing import Annotated, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

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
from sim.scenario.countries import known_country
from sim.scenario.distributions import NumberOrDist

_FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="lower_snake_case node id")]
Country = Annotated[
    str, Field(pattern=r"^([A-Z]{2}|ROW)$", description="ISO 3166-1 alpha-2 code, or ROW"),
    AfterValidator(known_country),
]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=100)]
Fraction = Annotated[float, Field(ge=0, le=1, strict=True)]
Priority = Annotated[int, Field(ge=1, le=10, strict=True)]


def _iso_date(value: object) -> dt.date:
    """Accept a YAML date or an ISO `YYYY-MM-DD` string, nothing else (no timestamps)."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{value} is a timestamp; give a date (YYYY-MM-DD)")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"'{value}' is not a date (YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as err:
            raise ValueError(f"'{value}' is not a valid date ({err})") from None
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Union[str, None]  # noqa: UP007


class _Entry(BaseModel):
    """Fields every node, supplier and event may carry for provenance."""

    model_config = _FROZEN
    source: Text = Field(None, description="where the numbers come from (free text)")
    assumption: Text = Field(None, description="an unsourced choice and the reasoning for it")


class Supplier(_Entry):
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

    model_config = _FROZEN
    rate_per_year: float = Field(ge=0, le=MAX_OUTAGES_PER_YEAR, strict=True)
    duration_days: NumberOrDist
    capacity_left: Fraction = 0.0


class Node(_Entry):
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
    suppliers: list[Supplier] = []


class Release(BaseModel):
    """Who a stockpile may release to, and how fast."""

    model_config = _FROZEN
    to: list[Id] = Field(min_length=1)
    max_tpa: Tonnes


class Stockpile(Node):
    """Holds a product; releases only to cover named consumers' shortfall."""

    product: Id
    initial_stock: Tonnes = 0.0
    target_stock: Tonnes | None = Field(None, description="acquire up to this (default: never)")
    release: Release | None = None
    priority: Priority = Field(10, description="when it buys: after everyone else by default")
    suppliers: list[Supplier] = []


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
    suppliers: list[Supplier] = []
    exclude_origins: list[Country] = Field(
        [], description="takes no tungsten mined in, nor bought from suppliers located in, "
                        "these countries (e.g. DFARS 225.7018)")
    exclude_processed: list[Country] = Field(
        [], description="takes no tungsten last refined or converted in, nor bought from "
                        "suppliers located in, these countries (DFARS: 'melted or produced')")
    exclude_from: Date | None = Field(
        None, description="the exclusion applies from this date (default: the start)")


class _Event(_Entry):
    """What all events share: when they start and an optional id for parameter paths."""

    id: Id | None = None
    description: Text = None
    at: Date


class ApprovalStep(BaseModel):
    """From `from` on, a licence is granted with probability `approval`."""

    model_config = _FROZEN
    from_: Date = Field(alias="from")
    approval: Fraction


class ExportControl(_Event):
    """A ban, quota or licence delay on shipments by shipping country, product, destination."""

    kind: Literal["export_control"]
    until: Date | None = None
    country: Country
    products: Literal["all"] | list[Id] = "all"
    to: Literal["all"] | list[Country] = "all"
    except_: list[Country] = Field([], alias="except")
    mode: Literal["ban", "quota", "licence"]
    allowed_fraction: Fraction | None = None
    base_tpa: Tonnes | None = Field(
        None, description="quota base per year; default: volume shipped in the 365 days before"
    )
    delay_days: NumberOrDist | None = Field(
        None, description="licence: days added to each approved shipment (a number or a "
                          "distribution, drawn per shipment)")
    approval: float | list[ApprovalStep] = Field(
        1.0, description="licence: probability that a shipment's licence is granted, or a "
                         "schedule [{from: date, approval: p}, ...] in date order")
    refuse_groups: list[Id] = Field(
        [], description="licence: consumer groups (end uses) whose licences are refused")
    reexport: bool = Field(
        False, strict=True,
        description="ban: also forbid tungsten mined or processed in `country` from reaching "
                    "`to` through any third country")
    enforcement: Fraction = Field(
        1.0, description="re-export: share of the controlled material stopped (0 = leaks "
                         "freely, 1 = none leaks)")

    @model_validator(mode="after")
    def _mode_fields(self) -> ExportControl:
        if self.mode == "quota" and self.allowed_fraction is None:
            raise ValueError("mode quota needs allowed_fraction")
        if self.mode == "licence" and self.delay_days is None:
            raise ValueError("mode licence needs delay_days")
        if self.reexport and self.mode != "ban":
            raise ValueError("reexport applies to mode ban")
        if self.mode != "licence" and (self.approval != 1.0 or self.refuse_groups):
            raise ValueError("approval and refuse_groups apply to mode licence")
        return self

    @field_validator("approval", mode="before")
    @classmethod
    def _probability(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and not 0 <= value <= 1:
            raise ValueError(f"{value:g} must be >= 0" if value < 0 else f"{value:g} must be <= 1")
        return value

    @field_validator("approval")
    @classmethod
    def _in_date_order(cls, value: object) -> object:
        if isinstance(value, list):
            dates = [step.from_ for step in value]
            if not dates:
                raise ValueError("give at least one {from: date, approval: p}")
            if any(b <= a for a, b in itertools.pairwise(dates)):
                raise ValueError("the schedule's dates must increase: "
                                 + ", ".join(str(d) for d in dates))
        return value


class CapacityChange(_Event):
    """New capacity, an expansion or a closure of a mine or processor, with a ramp."""

    kind: Literal["capacity"]
    node: Id
    capacity_tpa: Tonnes | None = None
    factor: Factor | None = None
    ramp_days: Days = 0.0

    @model_validator(mode="after")
    def _one_of(self) -> CapacityChange:
        if (self.capacity_tpa is None) == (self.factor is None):
            raise ValueError("give exactly one of capacity_tpa or factor")
        return self


class ScheduledOutage(_Event):
    """A mine or processor runs at `capacity_left` of capacity for `duration_days`."""

    kind: Literal["outage"]
    node: Id
    duration_days: Days
    capacity_left: Fraction = 0.0


class DemandChange(_Event):
    """Demand of some consumers multiplied by `factor` (a surge, a collapse)."""

    kind: Literal["demand"]
    until: Date | None = None
    nodes: list[Id] | None = None
    group: Text = None
    country: Country | None = None
    factor: Factor

    @model_validator(mode="after")
    def _one_target(self) -> DemandChange:
        given = [x for x in (self.nodes, self.group, self.country) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of nodes, group or country")
        return self

    def applies_to(self, consumer: Consumer) -> bool:
        """True when the event changes this consumer's demand (by id, group or country)."""
        if self.nodes is not None:
            return consumer.id in self.nodes
        if self.group is not None:
            return consumer.group == self.group
        return consumer.country == self.country


class Edge(BaseModel):
    """One supplier → buyer edge."""

    model_config = _FROZEN
    from_: Id = Field(alias="from")
    to: Id


class TransitChange(_Event):
    """A route disruption: extra days, or no new departures while blocked."""

    kind: Literal["transit"]
    until: Date | None = None
    from_country: Country | None = None
    to_country: Country | None = None
    edge: Edge | None = None
    extra_days: Days = 0.0
    blocked: bool = Field(False, strict=True)

    @model_validator(mode="after")
    def _has_target(self) -> TransitChange:
        if self.edge is None and self.from_country is None and self.to_country is None:
            raise ValueError("give from_country, to_country or edge")
        if self.edge is not None and (self.from_country or self.to_country):
            raise ValueError("give either edge or from_country/to_country, not both")
        if not self.blocked and self.extra_days == 0:
            raise ValueError("give extra_days > 0 or blocked: true")
        return self


class StockpileRelease(_Event):
    """A one-off release of `quantity` from a stockpile into consumers' stocks."""

    kind: Literal["release"]
    node: Id
    quantity: Tonnes
    to: list[Id] | None = Field(
        None, description="consumers receiving it, split by demand (default: release.to)"
    )


Event = Annotated[
    Union[  # noqa: UP007
        ExportControl, CapacityChange, ScheduledOutage, DemandChange, TransitChange,
        StockpileRelease,
    ],
    Field(discriminator="kind"),
]


TimeseriesChoice = Literal["standard", "all"]
"""What timeseries.csv holds: design.md's standard variables, or all of them."""


class Scenario(BaseModel):
    """A complete, validated scenario: everything the model reads, with defaults filled in."""

    model_config = _FROZEN
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
