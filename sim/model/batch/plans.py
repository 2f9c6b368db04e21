"""Each replication's own World (draws, tables, rules, event processes), its tables held in
stacks [rep, step, …] for the batch's array operations.

Every replication is the single engine's World (`World(scenario, replication, seed)`), so
each gets exactly its draws, its resolved parameters and its event steps. What does not
depend on the replication is built once per Scenario object (its Blueprint), and the
stacks are filled from it at once; each World's tables are its slices of the stacks, so
what it draws (demand noise, random transits) and what its events rewrite from a step on
(output, capacity, demand, targets) land there directly. Its SimPy environment runs the
events of a step just before the batch's flows of that step, only for the replications
that have one due.
"""

from __future__ import annotations

import numpy as np

from sim.model.blueprint import Blueprint, blueprint_of
from sim.model.transit import due_steps
from sim.model.world import World
from sim.scenario.schema import Scenario


class UnlikeReplications(ValueError):
    """Replications given to one batch do not share nodes, edges and origin pairs."""


class Plans:
    """The worlds of R replications and their per-step tables, [rep, step, …]."""

    def __init__(self, scenarios: list[Scenario], replications: list[int], seed: int):
        blueprints = _blueprints(scenarios)
        bp = blueprints[id(scenarios[0])]
        self.replications = list(replications)
        self.clock, self.net = bp.clock, bp.net
        self.steps, self.step_days = bp.clock.n_steps, float(bp.clock.step_days)
        self.market = bp.scenario.market is not None
        tables = bp.tables.stacked(len(scenarios))
        # [rep, step, edge]: step numbers, in int32 (half of a 10-year baseline chunk's 16 MB)
        self.plain_due = np.empty(tables.transit_days.shape, dtype=np.int32)
        for blueprint, reps in _groups(scenarios, blueprints):
            blueprint.tables.fill(tables, reps)
            self.plain_due[reps] = due_steps(blueprint.clock, blueprint.tables.transit_days)
        self.worlds = [World(s, r, seed, blueprint=blueprints[id(s)], batch=tables.of(i))
                       for i, (s, r) in enumerate(zip(scenarios, replications, strict=True))]
        for i, w in enumerate(self.worlds):  # departures on routes with a random transit
            random = w.edges.random
            if random:
                self.plain_due[i][:, random] = due_steps(w.clock, w.edges.transit_days[:, random])
        self.output_t, self.capacity_t = tables.output_t, tables.capacity_t
        self.wanted_t, self.demand_t = tables.wanted_t, tables.demand_t
        self.expected_t, self.target, self.cover = tables.expected_t, tables.target, tables.cover
        self.transit_days = tables.transit_days
        self.ring_size = max(x._ring_size() for x in self.worlds)
        self.slots = max(x.processors.batches.shape[0] for x in self.worlds)
        self.next_day = np.array([x.env.peek() for x in self.worlds], dtype=float)
        _reuse_step_memory(len(scenarios) * max(len(bp.net.edges), bp.net.n_holding_rows)
                           * len(bp.origins.pairs))

    def due_events(self, k: int) -> list[int]:
        """Replications with an event due at the start of step k."""
        limit = (k + 0.5) * self.step_days
        return np.flatnonzero(self.next_day < limit).tolist()

    def run_events(self, r: int, k: int) -> bool:
        """Replication r's events of step k, its rules rebuilt and its buyers replanned if a
        rule came into force or lapsed (as World._step); what they rewrote is in its slices
        of the stacks already. Whether its rules changed."""
        w = self.worlds[r]
        env, limit = w.env, (k + 0.5) * self.step_days
        while env.peek() < limit:  # as env.run(until=limit), without leaving its stop event
            env.step()
        changed = w.controls.start_step(k)
        if changed:
            w.targets.replan(k, w.controls.now.planned_days)
        self.next_day[r] = env.peek()
        return changed

    def producing(self, k: int) -> np.ndarray:
        """[rep, node]: a mine or processor with capacity on step k, or any other node."""
        w = self.worlds[0]
        live = np.ones((len(self.worlds), len(self.net.nodes)), dtype=bool)
        live[:, w.mines.rows] = self.output_t[:, k] > 0
        live[:, w.processors.rows] = self.capacity_t[:, k] > 0
        return live


def _reuse_step_memory(cells: int) -> None:
    """Let the step's arrays of up to twice `cells` floats be reused, not mapped afresh every
    step (`cells` is the dense [rep, edge or row, origin] size: a bound on the step's arrays,
    which are by stock or ring cell, and on a RunRecord's, which the threshold also keeps off
    fresh mappings: 4.6 against 1.6 ms a baseline record without it, measured). glibc's malloc
    gives each allocation above its mmap threshold (128 kB at first) fresh pages from the system
    and returns them when it is freed, so a step's temporaries that size were faulted in every
    step (280,000 faults in a run of 32 baseline replications, a third of its time); freeing one
    allocation that size raises the threshold to it (mallopt(3)), and such arrays then come from
    the heap. Building the worlds used to free such allocations by chance; now it does not. The
    threshold goes no higher than 32 MiB; other allocators ignore this."""
    np.empty(min(2 * 8 * cells, 32 << 20), dtype=np.uint8)  # freed at once, never touched


def _blueprints(scenarios: list[Scenario]) -> dict[int, Blueprint]:
    """The Blueprint of each Scenario object, by id (`blueprint_of`: the chunks of one
    scenario share it); checked alike before any World is built."""
    blueprints: dict[int, Blueprint] = {}
    for s in scenarios:
        if id(s) not in blueprints:
            blueprints[id(s)] = blueprint_of(s)
    _check_alike(list(blueprints.values()))
    return blueprints


def _groups(scenarios: list[Scenario], blueprints: dict[int, Blueprint]
            ) -> list[tuple[Blueprint, list[int] | slice]]:
    """Each blueprint and the replications (positions) built from it."""
    if len(blueprints) == 1:
        return [(next(iter(blueprints.values())), slice(None))]
    reps: dict[int, list[int]] = {}
    for i, s in enumerate(scenarios):
        reps.setdefault(id(s), []).append(i)
    return [(blueprints[key], positions) for key, positions in reps.items()]


def _check_alike(blueprints: list[Blueprint]) -> None:
    """Replications advanced together must share nodes, edges, origin pairs, the step grid
    (start, step and record days: their stacked results share them) and the delays the step
    reads from the first world (processing, scrap)."""
    first = blueprints[0]
    for b in blueprints[1:]:
        if [n.id for n in b.net.nodes] != [n.id for n in first.net.nodes] or \
                [e.key for e in b.net.edges] != [e.key for e in first.net.edges] or \
                b.origins.pairs != first.origins.pairs or \
                (b.scenario.market is None) != (first.scenario.market is None) or \
                b.clock.n_steps != first.clock.n_steps or \
                (b.scenario.start, b.scenario.step_days, b.scenario.record_days) != \
                (first.scenario.start, first.scenario.step_days, first.scenario.record_days) or \
                not np.array_equal(b.processors.delay_steps, first.processors.delay_steps) or \
                not np.array_equal(b.consumers.scrap.steps, first.consumers.scrap.steps):
            raise UnlikeReplications("replications advanced together must share nodes, "
                                     "edges and origin pairs")
