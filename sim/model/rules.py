"""What the rules in force allow, as the allocation reads it (built by controls.py).

Kept apart from controls.py (which decides what is in force and when) and allocation.py
(which serves orders under it), so that neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model.clock import Clock
from sim.model.edges import EdgeTables
from sim.model.licences import Licence, ReexportCheck
from sim.scenario.schema import ExportControl


@dataclass
class Quota:
    """One quota event: the base volume it watches, and the allowance left on this step."""

    event: ExportControl
    watched_t: float = 0.0  # tonnes shipped on matching edges in the year before `at`
    watching: bool = False
    in_force: bool = False
    per_step_t: float = 0.0
    left_t: float = 0.0

    def come_into_force(self, clock: Clock, watched_days: float) -> None:
        """Fix the allowance per step from base_tpa or from the volume watched."""
        if self.event.base_tpa is not None:
            base_tpa = self.event.base_tpa
        else:
            base_tpa = self.watched_t * 365.0 / watched_days if watched_days > 0 else 0.0
        self.per_step_t = self.event.allowed_fraction * base_tpa * clock.per_step
        self.in_force = True


@dataclass
class Level:
    """The edges of one priority level's buyers, as the allocation reads them: all (rows
    None) or `rows`, their suppliers and holding rows; and the edges the level may re-offer
    to (`asks`, in each buyer's list order, buyer by buyer), their suppliers, holding rows,
    and each quota in force as a mask over them."""

    rows: np.ndarray | None
    suppliers: np.ndarray
    holding: np.ndarray
    asks: np.ndarray
    ask_suppliers: np.ndarray
    ask_holding: np.ndarray
    ask_quotas: list[tuple[Quota, np.ndarray]]

    @classmethod
    def of(cls, edges: EdgeTables, rows: np.ndarray, reoffered: np.ndarray,
           quota_edges: list[tuple[Quota, np.ndarray]]) -> Level:
        """The level of the edges `rows`, with the edges re-offers may go to in force."""
        in_level = np.zeros(reoffered.size, dtype=bool)
        in_level[rows] = True
        asks = edges.preference[(reoffered & in_level)[edges.preference]]
        return cls(rows=None if rows.size == reoffered.size else rows,
                   suppliers=edges.supplier[rows], holding=edges.holding_row[rows], asks=asks,
                   ask_suppliers=edges.supplier[asks], ask_holding=edges.holding_row[asks],
                   ask_quotas=[(quota, on_quota[asks]) for quota, on_quota in quota_edges])


@dataclass
class StepRules:
    """What the rules allow on one step, where border draws make it vary: refused edges
    (licences), delays per edge, and the share of each origin each edge may carry."""

    refused: np.ndarray | None  # edges refused a licence this step (None: no licence)
    delays: np.ndarray | None  # extra days per edge (None: none)
    edge_mask: np.ndarray  # [edge, origin]
    masked_edges: np.ndarray  # edges with edge_mask < 1 somewhere
    is_masked_edge: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.is_masked_edge = np.zeros(self.edge_mask.shape[0], dtype=bool)
        self.is_masked_edge[self.masked_edges] = True


@dataclass
class RulesInForce:
    """What the rules in force allow: per edge (open, extra days, quota, the share of each
    origin it may carry), per holding row (the origins a buyer may use), the border draws
    of each step (licences, re-export checks), and the allocation's priority levels."""

    open: np.ndarray
    extra_days: np.ndarray  # transit events' extra days, per edge
    planned_days: np.ndarray  # extra_days plus licences' expected delays: what buyers plan
    quota_edges: list[tuple[Quota, np.ndarray]]  # each quota's edges, as a mask
    quota_of: dict[int, Quota]
    reoffered: np.ndarray  # edges a re-offer may go to (allocation.py)
    mask_now: np.ndarray  # [row, origin] 1 where the row may use that origin
    masked: np.ndarray  # rows with an origin rule in force
    edge_mask: np.ndarray  # [edge, origin]: share of each origin the edge may carry
    licences: list[Licence] = field(default_factory=list)
    reexports: list[ReexportCheck] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)
    any_blocked: bool = False  # some edge is closed
    fixed: StepRules | None = None  # the step rules when no border draws are in force

    def __post_init__(self) -> None:
        self.any_blocked = not self.open.all()
        self.fixed = StepRules(None, self.extra_days if self.extra_days.any() else None,
                               self.edge_mask, _masked(self.edge_mask))

    def on_step(self, k: int) -> StepRules:
        """Step k's rules: the fixed ones, with the border draws of step k where in force."""
        if not self.licences and not self.reexports:
            return self.fixed
        refused, delays, edge_mask = None, self.fixed.delays, self.edge_mask
        if self.licences:
            refused = np.zeros(self.open.size, dtype=bool)
            delays = self.extra_days.copy()
            for licence in self.licences:
                licence.apply(k, refused, delays)
        if self.reexports:
            edge_mask = self.edge_mask.copy()
            for check in self.reexports:
                check.apply(k, edge_mask)
        return StepRules(refused, delays, edge_mask, _masked(edge_mask))


def _masked(edge_mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero((edge_mask < 1.0).any(axis=1))
