"""The rules in force of R replications as arrays, and what they allow on each step.

Each replication's rules in force are its own World's (controls.py decides them, with its
own event steps); this module copies them into arrays [rep, edge] whenever they change, and
applies each step's border draws (licences, re-export checks) per replication, as
RulesInForce.on_step does: per edge whether it is open, refused, its extra days, the share
of each origin it may carry; per quota its edges and its allowance left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.batch.plans import Plans
from sim.model.batch.state import BatchState
from sim.model.rules import RulesInForce


@dataclass
class BorderRules:
    """Each replication's licences and re-export checks in force, which have any, and the
    step's licence draws: `refused` [rep, edge] and `delays` (extra days) [rep, edge]."""

    licences: list[list]
    reexports: list[list]
    licensed: np.ndarray  # [rep]
    checked: np.ndarray  # [rep]
    refused: np.ndarray
    delays: np.ndarray


@dataclass
class Anywhere:
    """Whether some replication has each kind of rule in force: the step skips the work of
    the kinds no replication has (plain bools, set when the arrays change)."""

    masked_rows: bool = False  # a row under an origin rule
    blocked: bool = False  # a closed edge
    licensed: bool = False
    checked: bool = False  # a re-export check
    delayed: bool = False  # a licence or extra transit days
    masked: bool = False  # an edge carrying only some origins this step
    reoffered: bool = False  # an edge a buyer may re-offer its unmet need to


class BatchRules:
    """Rules in force per replication, stacked; `step_arrays(k)` sets the step's arrays."""

    def __init__(self, plans: Plans, state: BatchState):
        self.plans, self.cells, ring = plans, state.cells, state.goods
        self._ring_pairs = ring.route * self.cells.n_origins + self.cells.pair[ring.source]
        w = plans.worlds[0]
        reps, n_edges = len(plans.worlds), len(plans.net.edges)
        n_rows, n_origins = plans.net.n_holding_rows, len(w.origins.pairs)
        self.open = np.ones((reps, n_edges), dtype=bool)
        self.extra_days = np.zeros((reps, n_edges))
        self.mask_now = np.ones((reps, n_rows, n_origins))
        self.mask_cells = np.ones((reps, self.cells.size))  # mask_now by cell
        self.edge_mask_fixed = np.ones((reps, n_edges, n_origins))
        self.is_masked_fixed = np.zeros((reps, n_edges), dtype=bool)
        self.masked_rows = np.zeros((reps, n_rows), dtype=bool)  # rows under an origin rule
        self.reoffered = np.zeros((reps, n_edges), dtype=bool)
        self.border = BorderRules([[] for _ in range(reps)], [[] for _ in range(reps)],
                                  np.zeros(reps, dtype=bool), np.zeros(reps, dtype=bool),
                                  np.zeros((reps, n_edges), dtype=bool), self.extra_days)
        self.anywhere = Anywhere()
        self.now: list[RulesInForce | None] = [None] * reps
        self.quotas = BatchQuotas(plans)
        for r in range(reps):
            self.restack(r)
            self.quotas.update(r)
        self.step_arrays(0)

    def restack(self, r: int) -> None:
        """Copy replication r's rules in force into the arrays."""
        rules = self.now[r] = self.plans.worlds[r].controls.now
        self.open[r] = rules.open
        self.extra_days[r] = rules.extra_days
        self.mask_now[r] = rules.mask_now
        self.mask_cells[r] = rules.mask_now.reshape(-1)[self.cells.flat]
        self.edge_mask_fixed[r] = rules.edge_mask
        self.is_masked_fixed[r] = (rules.edge_mask < 1.0).any(axis=1)
        self.masked_rows[r] = False
        self.masked_rows[r, rules.masked] = True
        self.quotas.restack(r, rules)
        self.reoffered[r] = rules.reoffered
        border = self.border
        border.licences[r], border.reexports[r] = list(rules.licences), list(rules.reexports)
        border.licensed[r], border.checked[r] = bool(rules.licences), bool(rules.reexports)
        self.any_blocked = ~self.open.all(axis=1)
        anywhere = self.anywhere
        anywhere.masked_rows, anywhere.blocked = bool(self.masked_rows.any()), \
            bool(self.any_blocked.any())
        anywhere.licensed, anywhere.checked = bool(border.licensed.any()), \
            bool(border.checked.any())
        anywhere.delayed = bool(self.delayed.any())
        anywhere.reoffered = bool(self.reoffered.any())

    def step_arrays(self, k: int) -> None:
        """Step k's rules per replication (RulesInForce.on_step): `refused` [rep, edge] and
        whether a replication has a licence in force (`licensed`), `delays` [rep, edge] and
        whether it has any (`delayed`), `edge_mask` [rep, edge, origin] (and by ring cell,
        `edge_mask_cells`) and `is_masked`."""
        border, anywhere = self.border, self.anywhere
        if anywhere.licensed:  # else nothing refused, and the delays are the extra days
            border.refused = np.zeros(self.open.shape, dtype=bool)
            border.delays = self.extra_days.copy()
            for r in np.flatnonzero(border.licensed).tolist():
                for licence in border.licences[r]:
                    licence.apply(k, border.refused[r], border.delays[r])
        elif border.delays is not self.extra_days:
            border.refused, border.delays = np.zeros(self.open.shape, dtype=bool), \
                self.extra_days
        self.edge_mask, self.is_masked = self.edge_mask_fixed, self.is_masked_fixed
        if anywhere.checked:  # each replication's checks after its licences, as before
            self.edge_mask = self.edge_mask_fixed.copy()
            for r in np.flatnonzero(border.checked).tolist():
                for check in border.reexports[r]:
                    check.apply(k, self.edge_mask[r])
            self.is_masked = (self.edge_mask < 1.0).any(axis=2)
        anywhere.masked = bool(self.is_masked.any())
        if anywhere.masked:
            reps = self.edge_mask.shape[0]
            self.edge_mask_cells = self.edge_mask.reshape(reps, -1)[:, self._ring_pairs]

    @property
    def refused(self) -> np.ndarray:
        """[rep, edge]: refused a licence this step."""
        return self.border.refused

    @property
    def delays(self) -> np.ndarray:
        """[rep, edge]: extra transit days this step (licences' and rules'). Read only: with
        no licence in force anywhere it is `extra_days` itself."""
        return self.border.delays

    @property
    def licensed(self) -> np.ndarray:
        """[rep]: a licence in force."""
        return self.border.licensed

    @property
    def delayed(self) -> np.ndarray:
        """[rep]: a licence or extra transit days in force (departures' steps computed)."""
        return self.border.licensed | self.extra_days.any(axis=1)

    @property
    def any_masked(self) -> np.ndarray:
        """[rep]: some edge carries only some origins this step."""
        return self.is_masked.any(axis=1)


class BatchQuotas:
    """Each quota of every replication: its edges while in force, its allowance per step,
    and the base volume it watches in the year before (copied to and from the replication's
    own Quota objects around its events)."""

    def __init__(self, plans: Plans):
        self.plans = plans
        w = plans.worlds[0]
        reps, n_edges = len(plans.worlds), len(plans.net.edges)
        self.n_quotas = len(w.controls.quotas)
        self.on_quota = np.zeros((reps, self.n_quotas, n_edges), dtype=bool)
        self.any_quota = np.zeros(reps, dtype=bool)
        self.per_step_t = np.zeros((reps, self.n_quotas))  # a quota's allowance, 0 if not
        self.watching = np.zeros((reps, self.n_quotas), dtype=bool)  # in its base year
        self.watched_t = np.zeros((reps, self.n_quotas))
        self.quota_edges = [rows for _, rows in w.controls.watched]

    def restack(self, r: int, rules: RulesInForce) -> None:
        """Replication r's quotas in force, as masks over edges."""
        self.on_quota[r] = False
        quotas = self.plans.worlds[r].controls.quotas
        for quota, on_quota in rules.quota_edges:
            self.on_quota[r, quotas.index(quota)] = on_quota
        self.any_quota[r] = bool(rules.quota_edges)

    def sync_watched(self, r: int) -> None:
        """Before replication r's events: its quotas' base volume watched so far."""
        for q, quota in enumerate(self.plans.worlds[r].controls.quotas):
            quota.watched_t = float(self.watched_t[r, q])

    def update(self, r: int) -> None:
        """After replication r's events: its quotas' allowance and which are watching."""
        for q, quota in enumerate(self.plans.worlds[r].controls.quotas):
            self.per_step_t[r, q] = quota.per_step_t if quota.in_force else 0.0
            self.watching[r, q] = quota.watching

    def watch(self, shipped: np.ndarray) -> None:
        """Count shipments [rep, edge] on quota edges in each quota's base year."""
        for q, rows in enumerate(self.quota_edges):
            if self.watching[:, q].any():
                self.watched_t[:, q] += np.where(self.watching[:, q],
                                                 shipped[:, rows].sum(axis=1), 0.0)
