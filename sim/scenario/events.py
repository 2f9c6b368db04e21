"""Scenario events: export controls, capacity changes, outages, demand changes, route events
and one-off stockpile releases, each in force from `at` (and, where it has one, until
`until`)."""

from __future__ import annotations

import itertools
from typing import Annotated, Literal, Protocol, Union

from pydantic import BaseModel, Field, field_validator, model_validator

from sim.scenario.bounds import Days, Factor, Tonnes
from sim.scenario.distributions import NumberOrDist
from sim.scenario.fields import FROZEN, Country, Date, Entry, Fraction, Id, Text


class Consumer(Protocol):
    """What a demand event reads of a consumer (schema.Consumer has it)."""

    id: str
    group: str | None
    country: str


class _Event(Entry):
    """What all events share: when they start and an optional id for parameter paths."""

    id: Id | None = None
    description: Text = None
    at: Date


class ApprovalStep(BaseModel):
    """From `from` on, a licence is granted with probability `approval`."""

    model_config = FROZEN
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


class _ForConsumers(_Event):
    """An event that names consumers: by ids (`nodes`), `group` or `country`, exactly one."""

    nodes: list[Id] | None = None
    group: Text = None
    country: Country | None = None

    @model_validator(mode="after")
    def _one_target(self) -> _ForConsumers:
        given = [x for x in (self.nodes, self.group, self.country) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of nodes, group or country")
        return self

    def applies_to(self, consumer: Consumer) -> bool:
        """True when the event names this consumer (by id, group or country)."""
        if self.nodes is not None:
            return consumer.id in self.nodes
        if self.group is not None:
            return consumer.group == self.group
        return consumer.country == self.country


class DemandChange(_ForConsumers):
    """Demand of some consumers multiplied by `factor` (a surge, a collapse)."""

    kind: Literal["demand"]
    until: Date | None = None
    factor: Factor


class Edge(BaseModel):
    """One supplier → buyer edge."""

    model_config = FROZEN
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


class OriginRule(_ForConsumers):
    """From `at`, the consumers it names (by group, ids or country) take no tungsten mined in
    `exclude_origins` or last processed in `exclude_processed` (a DFARS-style rule)."""

    kind: Literal["origin_rule"]
    exclude_origins: list[Country] = Field([], description="mining countries excluded")
    exclude_processed: list[Country] = Field([], description="processing countries excluded")

    @model_validator(mode="after")
    def _some_exclusion(self) -> OriginRule:
        if not self.exclude_origins and not self.exclude_processed:
            raise ValueError("give exclude_origins, exclude_processed or both")
        return self


Event = Annotated[
    Union[  # noqa: UP007
        ExportControl, CapacityChange, ScheduledOutage, DemandChange, TransitChange,
        StockpileRelease, OriginRule,
    ],
    Field(discriminator="kind"),
]
