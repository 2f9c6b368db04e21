"""One replication: the parts of the model, and the SimPy process that runs the steps.

World takes each concept's part (mines, processors, consumers, stockpiles, export controls,
targets, orders; capacity and transit) as a replica of its scenario's Blueprint
(blueprint.py) with its own draws, starts the SimPy processes of the scenario's events, and
drives the steps. Each step runs design.md's "One step, in order" on arrays over all nodes
and edges; an event's process changes the state at the start of its step, before the
step's flows (clock.StepStart).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import simpy

from sim.model.blueprint import Blueprint, Tables, blueprint_of
from sim.model.clock import StepStart
from sim.model.controls import Controls
from sim.model.network import CONSUMER, MINE
from sim.model.orders import Orders, producing
from sim.model.planning import plans
from sim.model.recorder import Recorder
from sim.model.state import State
from sim.model.streams import streams
from sim.model.tolerances import EPS, TINY
from sim.model.transit import Pipeline, Transit
from sim.scenario.schema import Scenario


class World:
    """One replication of a scenario: its parts, its state, and the run."""

    def __init__(self, scenario: Scenario, replication: int = 0, seed: int | None = None,
                 *, blueprint: Blueprint | None = None, batch: Tables | None = None):
        """`blueprint`: what every replication of `scenario` builds alike (by default the
        one `blueprint_of` keeps for it). `batch`: this replication's slice of a batch's
        stacked tables, filled from the blueprint; the World then keeps no records, goods
        on the way or orders (the batch keeps its own)."""
        bp = blueprint_of(scenario) if blueprint is None else blueprint
        if bp.scenario is not scenario:
            raise ValueError("a World's blueprint must be built from its own scenario")
        self.scenario, self.net, self.clock, self.origins = scenario, bp.net, bp.clock, \
            bp.origins
        net, clock = self.net, self.clock
        seed = scenario.seed if seed is None else seed
        rng = dict(zip(bp.random_sources, streams(seed, replication, bp.random_sources),
                       strict=True))
        tables = bp.tables.copy() if batch is None else batch
        self.edges = edges = bp.edges.replica(net, rng, tables.transit_days)
        self.controls = Controls(net, clock, edges, self.origins, (seed, replication),
                                 bp.rules_at_start)
        self.capacity = capacity = bp.capacity.replica(rng)
        self.mines = bp.mines.replica(capacity, tables.output_t)
        self.processors = bp.processors.replica(capacity, tables.capacity_t)
        self.consumers = bp.consumers.replica(rng, tables.demand_t, tables.expected_t)
        self.wanted_t = tables.wanted_t  # what each row draws; consumers: their own demand
        self.wanted_t[:, self.consumers.rows] = self.consumers.demand_t
        self.stockpiles = bp.stockpiles.replica()
        self.targets = bp.targets.replica(plans(
            net, clock, self.consumers.base_t, self.consumers.factor,
            self.consumers.mean_noise, self.processors.capacity_t), tables.target, tables.cover)
        self.state, self.orders = self._state_and_orders(bp, batch is None)
        self.market = None if bp.market is None \
            else bp.market.replica(capacity, self._capacity_changed)
        if self.market is not None:  # targets read the market's factors (updated in place)
            self.targets.adjustable(self.market.row_factor, self.market.cover_factor)
        self.env = simpy.Environment()
        capacity.start(self.env, self._capacity_changed)
        self.consumers.start(self.env, self._demand_changed)
        self.stockpiles.start(self.env)
        self.controls.start(self.env)

    def _state_and_orders(self, bp: Blueprint, own: bool) -> tuple[State, Orders | None]:
        """The state from the blueprint's initial stocks; with its `own` goods on the way,
        records and orders unless it is part of a batch."""
        if not own:
            return bp.state.replica(None, None), None
        net, clock, edges = self.net, self.clock, self.edges
        goods = Pipeline(edges.holding_row, net.n_holding_rows, self._ring_size(),
                         len(self.origins.pairs))
        state = bp.state.replica(goods, Recorder(
            clock.n_steps, len(net.nodes), len(self.origins.pairs), len(net.edges),
            len(net.of_kind(CONSUMER)), net.n_holding_rows))
        orders = Orders(edges, state, self.controls, self.targets,
                        Transit(clock, edges.transit_days, goods), (self.mines, self.processors),
                        self.consumers.any_backlog)
        return state, orders

    def _ring_size(self) -> int:
        """Slots enough for the longest transit with every delay in force."""
        longest = float(self.edges.transit_days.max()) if self.net.edges else 0.0
        return self.clock.steps(longest + self.controls.longest_delay_days()) + 3

    def _producing(self, k: int) -> np.ndarray:
        return producing(self.mines, self.processors, len(self.net.nodes), k)

    def _capacity_changed(self, node: int, first: int) -> None:
        """A mine's output, or a processor's capacity per step and target, from `first` on;
        a supplier that did not exist gets its buyers' plans from its first step with
        capacity."""
        if self.net.nodes[node].kind == MINE:
            self.mines.refresh(node, first)
            rate = self.mines.output_t[first:, node - self.mines.rows.start]
        else:
            self.processors.refresh(node, first)
            j = node - self.processors.rows.start
            rate = self.processors.capacity_t[first:, j]
            self.wanted_t[first:, self.processors.input_rows.start + j] = rate
            self.targets.refresh(node, first)
        if not self.targets.live[node] and (rate > 0).any():
            self.env.process(self._comes_into_being(node, first + int(np.argmax(rate > 0))))

    def _comes_into_being(self, node: int, k: int) -> Iterator[simpy.Event]:
        """At step k the supplier exists: its buyers replan with it."""
        yield StepStart(self.env, self.clock, k)
        self.targets.supplier_exists(node, k, self._producing(k))

    def _demand_changed(self, node: int, first: int) -> None:
        """A consumer's demand drawn and its target, from `first` on."""
        j = node - self.consumers.rows.start
        self.wanted_t[first:, node] = self.consumers.demand_t[first:, j]
        self.targets.refresh(node, first)

    # ----- the run ----------------------------------------------------------------------

    def run(self) -> World:
        """Run every step (once); the records are then complete."""
        self.env.run(until=self.env.process(self._drive()))
        rec = self.state.rec
        self.mines.record(rec, None if self.market is None
                          else (self.market.mine_factor_t, self.market.is_idle))
        self.processors.record(rec)
        self.consumers.record(rec, None if self.market is None
                              else self.market.demand_factor_t)
        if self.market is not None:
            rec.market = self.market.record()
        rec.derive(self.edges.supplier, self.edges.buyer, self.processors.rows,
                   self.processors.yields, self.processors.delay_steps, self.consumers.rows)
        return self

    def _drive(self) -> Iterator[simpy.Event]:
        """Wake at the start of every step, after the events of that step, and run it."""
        yield self.env.timeout(0)  # events in force from the first step come first
        for k in range(self.clock.n_steps):
            self._step(k)
            if k + 1 < self.clock.n_steps:
                yield self.env.timeout(self.clock.step_days)

    def _step(self, k: int) -> None:
        """design.md's "One step, in order" (the events of step 2 have already happened)."""
        state = self.state
        state.arrive(k)
        market = self.market
        self.consumers.scrap.return_scrap(state, k, market and market.scrap_factor)
        if self.stockpiles.due:
            self.stockpiles.release_due(state, k)
        if self.controls.start_step(k):
            self.targets.replan(k, self.controls.now.planned_days)
        self.mines.produce(state, k, market and market.mine_factor)
        taken, drawn = self._draw(k)
        self.processors.process(state, k, taken, drawn)
        self._consume(k, taken, drawn)
        self.orders.place(k)
        state.held.dot(state.ones, out=state.rec.held_t[k])
        if market is not None:
            market.update(k, state, self.controls.now, self._use_per_day(k), self.env)

    def _draw(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Steps 4 and 5 draw on different rows of `held`, so one set of array operations
        does both: processors take up to capacity from their input rows, consumers their
        demand (and backlog) from their stock rows, of the origins they may use. Returns
        tonnes taken per row and what was taken, by row and origin."""
        state, rules = self.state, self.controls.now
        wanted = self.wanted_t[k]
        if self.market is not None:  # consumers place the demand the price leaves
            wanted = wanted * self.market.row_factor
        if self.consumers.any_backlog:
            wanted = wanted + state.backlog
        source = state.held * rules.mask_now if rules.masked.size else state.held
        have = source.dot(state.ones)
        taken = np.minimum(wanted, have)
        taken *= taken > EPS
        drawn = state.by_row(source, taken / np.maximum(have, TINY))
        state.held -= drawn
        return taken, drawn

    def _consume(self, k: int, taken: np.ndarray, drawn: np.ndarray) -> None:
        """Step 5: what consumers took, what stockpiles cover, the records."""
        rows, market = self.consumers.rows, self.market
        taken, took = taken[rows], drawn[rows]
        placed = self.consumers.demand_t[k] if market is None \
            else self.consumers.demand_t[k] * market.demand_factor
        if self.stockpiles.cover_order:
            missing = placed + self.state.backlog[rows] - taken
            self.stockpiles.cover(self.state, k, missing, taken, took,
                                  self.controls.now.mask_now, market and market.may_sell)
        self.consumers.consume(self.state, k, taken, took, placed)

    def _use_per_day(self, k: int) -> np.ndarray:
        """Each market's consumers' expected use per day on step k, after price."""
        return self.market.consumers_in.dot(self.consumers.expected_t[k]
                                            * self.market.demand_factor)

    def totals(self) -> dict[str, float]:
        """The terms of the mass balance (balance.py), from the records and the final state."""
        arrays = self.state.rec.arrays
        return {"initial": self.state.initial_t,
                "mined": float(arrays["produced_t"].sum()),
                "recycled": float(arrays["recycled_t"].sum()),
                "consumed": float(arrays["delivered_t"].sum()),
                "lost": float(arrays["lost_t"].sum()),
                "final_stock": float(self.state.held.sum()),
                "in_transit": self.state.goods.total(),
                "in_process": self.processors.in_process_t()}

