"""Each replication's own World (draws, tables, rules, event processes), and its tables
stacked [rep, step, …] for the batch's array operations.

The single engine builds every replication (`World(scenario, replication, seed)`), so each
gets exactly its draws, its resolved parameters and its event steps. Its SimPy environment
runs the events of a step just before the batch's flows of that step, only for the
replications that have one due; whatever they rewrote (output, capacity, demand, targets,
rules in force, quotas) is then copied into that replication's slice from the step on.
"""

from __future__ import annotations

import numpy as np

from sim.model.world import World
from sim.scenario.schema import Scenario


class UnlikeReplications(ValueError):
    """Replications given to one batch do not share nodes, edges and origin pairs."""


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    return np.stack(arrays) if arrays else np.zeros(0)


class Plans:
    """The worlds of R replications and their per-step tables, [rep, step, …]."""

    def __init__(self, scenarios: list[Scenario], replications: list[int], seed: int):
        self.worlds = _worlds(scenarios, replications, seed)
        self.replications = list(replications)
        w = self.worlds[0]
        _check_alike(self.worlds)
        self.clock, self.net = w.clock, w.net
        self.steps, self.step_days = w.clock.n_steps, float(w.clock.step_days)
        self.market = w.market is not None
        worlds = self.worlds
        self.output_t = _stack([x.mines.output_t for x in worlds])
        self.capacity_t = _stack([x.processors.capacity_t for x in worlds])
        self.wanted_t = _stack([x.wanted_t for x in worlds])
        self.demand_t = _stack([x.consumers.demand_t for x in worlds])
        self.expected_t = _stack([x.consumers.expected_t for x in worlds])
        self.target = _stack([x.targets.target for x in worlds])
        self.cover = _stack([x.targets.cover for x in worlds]) if self.market else None
        self.transit_days = _stack([x.edges.transit_days for x in worlds])
        self.plain_due = np.maximum(1, w.clock.steps_of(self.transit_days)) \
            + np.arange(self.steps)[None, :, None]  # [rep, step, edge]
        self.ring_size = max(x._ring_size() for x in worlds)
        self.slots = max(x.processors.batches.shape[0] for x in worlds)
        self.next_day = np.array([x.env.peek() for x in worlds], dtype=float)
        for x in worlds:  # what the batch keeps itself; tables and rules stay
            x.state.rec = None
            x.state.goods = None
            x.orders.transit = None

    def due_events(self, k: int) -> list[int]:
        """Replications with an event due at the start of step k."""
        limit = (k + 0.5) * self.step_days
        return np.flatnonzero(self.next_day < limit).tolist()

    def run_events(self, r: int, k: int) -> bool:
        """Replication r's events of step k, its rules rebuilt and its buyers replanned if a
        rule came into force or lapsed (as World._step); its tables restacked from k on.
        Whether its rules changed."""
        w = self.worlds[r]
        env, limit = w.env, (k + 0.5) * self.step_days
        while env.peek() < limit:  # as env.run(until=limit), without leaving its stop event
            env.step()
        changed = w.controls.start_step(k)
        if changed:
            w.targets.replan(k, w.controls.now.planned_days)
        self.restack(r, k)
        return changed

    def restack(self, r: int, k: int) -> None:
        """Copy replication r's tables from step k on into the stacks."""
        w = self.worlds[r]
        self.output_t[r, k:] = w.mines.output_t[k:]
        self.capacity_t[r, k:] = w.processors.capacity_t[k:]
        self.wanted_t[r, k:] = w.wanted_t[k:]
        self.demand_t[r, k:] = w.consumers.demand_t[k:]
        self.expected_t[r, k:] = w.consumers.expected_t[k:]
        self.target[r, k:] = w.targets.target[k:]
        if self.cover is not None:
            self.cover[r, k:] = w.targets.cover[k:]
        self.next_day[r] = w.env.peek()

    def producing(self, k: int) -> np.ndarray:
        """[rep, node]: a mine or processor with capacity on step k, or any other node."""
        w = self.worlds[0]
        live = np.ones((len(self.worlds), len(self.net.nodes)), dtype=bool)
        live[:, w.mines.rows] = self.output_t[:, k] > 0
        live[:, w.processors.rows] = self.capacity_t[:, k] > 0
        return live


def _worlds(scenarios: list[Scenario], replications: list[int], seed: int) -> list[World]:
    """One World per replication; replications of the same Scenario object share its
    origin pairs (found once: they depend on the scenario alone)."""
    worlds, origins = [], {}
    for scenario, r in zip(scenarios, replications, strict=True):
        world = World(scenario, r, seed, origins=origins.get(id(scenario)), records=False)
        origins[id(scenario)] = world.origins
        worlds.append(world)
    return worlds


def _check_alike(worlds: list[World]) -> None:
    """Replications advanced together must share nodes, edges, origin pairs, the step grid
    and the delays the step reads from the first world (processing, scrap)."""
    first = worlds[0]
    for w in worlds[1:]:
        if [n.id for n in w.net.nodes] != [n.id for n in first.net.nodes] or \
                [e.key for e in w.net.edges] != [e.key for e in first.net.edges] or \
                w.origins.pairs != first.origins.pairs or \
                (w.market is None) != (first.market is None) or \
                w.clock.n_steps != first.clock.n_steps or \
                not np.array_equal(w.processors.delay_steps, first.processors.delay_steps) or \
                not np.array_equal(w.consumers.scrap.steps, first.consumers.scrap.steps):
            raise UnlikeReplications("replications advanced together must share nodes, "
                                     "edges and origin pairs")
