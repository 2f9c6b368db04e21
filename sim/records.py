"""The record contract: what one replication hands from the model to results and plots.

The model writes a RunRecord and nothing else leaves it; results, plots and experiments
read only this module's types, so they never import the model. Every array is in tonnes of
contained tungsten (t W) per step, or a level at the end of the step (see FLOW_VARIABLES).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

NODE_VARIABLES = (
    "stock_t", "in_transit_t", "capacity_tpa", "produced_t", "processed_t", "output_t",
    "lost_t", "demand_t", "delivered_t", "shortfall_t", "expected_use_t", "received_t",
    "released_t", "recycled_t", "shipped_t", "backlog_t", "demand_destroyed_t",
    "scrap_added_t", "supply_added_t",
)
"""Variables recorded for every node on every step (zero where they do not apply)."""

REDUCED_AWAY = ("in_transit_t", "capacity_tpa", "shipped_t")
"""Node variables that neither the KPIs, the main series nor the mass balance read: a run
reduced to those (`StackedRuns`) is not given them."""

FLOW_VARIABLES = frozenset(NODE_VARIABLES) - {"stock_t", "in_transit_t", "capacity_tpa",
                                              "backlog_t"}
"""Variables that are flows per step (summed over a record interval); the rest are levels."""

ROUNDING = 1e-12
"""A stock's origin parts sum to its total only to rounding (1e-16 of it), so a consumer that
takes all of a stock that was exactly its demand may get 1e-16 less: shortfalls within this
share of demand are rounding, and recorded as 0."""


@dataclass(frozen=True)
class NodeRow:
    """Who a node is, for results: id, kind, country, group."""

    id: str
    kind: str
    country: str
    group: str | None
    product: str | None = None  # what it makes, holds or uses (a processor: its output)


@dataclass
class RunRecord:
    """Everything one replication produced; results and plots read only this.

    `arrays` maps each variable of `NODE_VARIABLES` to an array [step, node];
    `delivered_by_origin` is [step, node, origin] by the mining countries `origins`,
    `produced_by_origin` [step, origin], `delivered_by_processed` [step, node, country] by
    the countries `processed_in` where it was last refined or converted ("none": never), and
    `shipped_by_edge` [step, edge] the tonnes departing on each (supplier, buyer) of `edges`.
    """

    replication: int
    start: dt.date
    step_days: int
    record_days: int
    nodes: list[NodeRow]
    origins: list[str]
    arrays: dict[str, np.ndarray]
    delivered_by_origin: np.ndarray
    produced_by_origin: np.ndarray
    totals: dict[str, float]
    balance_error: float
    edges: list[tuple[int, int]] = field(default_factory=list)
    shipped_by_edge: np.ndarray | None = None
    processed_in: list[str] = field(default_factory=list)
    delivered_by_processed: np.ndarray | None = None
    market: dict[str, np.ndarray] = field(default_factory=dict)
    """With a market, series per step by name: each market's APT price in $/mtu WO3
    ("ex_china", "china"), each product's price in it ("ex_china:powder"), each market's
    cover in days ("cover_days:ex_china") and China's export openness ("openness", 0-1),
    all at the end of the step; empty without a market."""

    @property
    def n_steps(self) -> int:
        """Number of steps in the run."""
        return self.arrays["stock_t"].shape[0]

    @property
    def days(self) -> np.ndarray:
        """Start day of each step."""
        return np.arange(self.n_steps) * float(self.step_days)


@dataclass(frozen=True)
class StackedRuns:
    """Replications of one scenario, stacked: what the KPI table and the main series read, for
    every replication at once (the batch engine's arrays as they are; a single run is a stack
    of one, `of`, as views).

    `arrays` maps variables of `NODE_VARIABLES` to [step, rep, node] (the batch engine's
    stacks leave out those of REDUCED_AWAY); deliveries by mining
    country and by processing country are [step, rep, consumer, country] over the nodes
    `consumers` only (the only nodes that receive deliveries); `market` maps each RunRecord
    market series to [rep, step]. `alone`: a single run's stack, whose sets of consumers are
    summed each as it would be alone (bit for bit as the plain KPI definitions); the batch
    engine's stacks sum them from each consumer's run totals, so that a replication's values
    never depend on which others share its stack (how many workers ran the chunks).
    """

    start: dt.date
    step_days: int
    record_days: int
    nodes: tuple[NodeRow, ...]
    origins: tuple[str, ...]
    processed_in: tuple[str, ...]
    arrays: dict[str, np.ndarray]
    consumers: slice
    delivered_by_origin: np.ndarray
    delivered_by_processed: np.ndarray | None
    market: dict[str, np.ndarray]
    alone: bool = False

    @classmethod
    def of(cls, run: RunRecord) -> StackedRuns:
        """One run as a stack of one (views of its arrays)."""
        by_processed = run.delivered_by_processed
        return cls(run.start, run.step_days, run.record_days, tuple(run.nodes),
                   tuple(run.origins), tuple(run.processed_in),
                   {name: a[:, None] for name, a in run.arrays.items()},
                   slice(0, len(run.nodes)), run.delivered_by_origin[:, None],
                   None if by_processed is None else by_processed[:, None],
                   {name: series[None] for name, series in run.market.items()}, alone=True)

    @property
    def reps(self) -> int:
        """Replications in the stack."""
        return self.delivered_by_origin.shape[1]

    @property
    def n_steps(self) -> int:
        """Steps of each run."""
        return self.delivered_by_origin.shape[0]
