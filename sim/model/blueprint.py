"""What every replication of a scenario builds alike, built once and shared by its Worlds.

The network, the step grid, the origin pairs and initial stocks, the edges, the market as
it starts, and the tables before any event (capacity; mines' output; processors' capacity;
expected demand; targets, lead times and their cover; fixed transits) depend on the
scenario alone. A `Blueprint`
builds each part once with no random streams; a World (world.py) then takes a `replica` of
every part, which shares what nobody changes and copies what its events rewrite, and draws
its own randomness (outages, demand noise, random transits; licence and re-export draws in
controls.py). So building a replication costs its draws and copies, not the whole World:
`simulate` builds one Blueprint per run, the batch engine one per Scenario object.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass

import numpy as np

from sim.model.capacity import Capacity
from sim.model.clock import Clock
from sim.model.consumers import Consumers
from sim.model.controls import Controls
from sim.model.edges import edge_tables
from sim.model.market import Market, hold_idle
from sim.model.mines import Mines
from sim.model.network import Network
from sim.model.orders import producing
from sim.model.origins import Origins
from sim.model.planning import Targets, existing, planning_clock, plans
from sim.model.processors import Processors
from sim.model.state import State
from sim.model.stockpiles import Stockpiles
from sim.scenario.distributions import is_random
from sim.scenario.schema import Scenario


@dataclass
class Tables:
    """A replication's tables by step: what the step reads, and events rewrite from their
    step on."""

    output_t: np.ndarray  # [step, mine]
    capacity_t: np.ndarray  # [step, processor]: input per step
    wanted_t: np.ndarray  # [step, holding row]: what each row draws
    demand_t: np.ndarray  # [step, consumer]
    expected_t: np.ndarray  # [step, consumer]: with mean noise (the market reads it)
    target: np.ndarray  # [step, holding row]
    cover: np.ndarray | None  # [step, holding row]: the cover_days part, with a market
    transit_days: np.ndarray  # [step, edge]

    def copy(self) -> Tables:
        """Copies of every table, each in its memory order."""
        return Tables(**{name: None if a is None else a.copy(order="K")
                         for name, a in self._arrays()})

    def stacked(self, reps: int) -> Tables:
        """Empty tables [rep, step, …] for `reps` replications (see `fill`, `of`), in one
        block of memory: the system maps a large block in huge pages, so it is filled more
        than twice as fast as the same tables apart (4.4 against 10 ms for 32 replications
        of the baseline, measured)."""
        arrays = [(name, a) for name, a in self._arrays() if a is not None]
        block = np.empty(reps * sum(a.size for _, a in arrays))  # every table is float64
        out, at = {}, 0
        for name, a in arrays:
            out[name] = block[at: at + reps * a.size].reshape(reps, *a.shape)
            at += reps * a.size
        return Tables(**{name: out.get(name) for name, _ in self._arrays()})

    def fill(self, stacked: Tables, reps: list[int] | slice) -> None:
        """Copy these tables into replications `reps` of `stacked`."""
        for (_, a), (_, out) in zip(self._arrays(), stacked._arrays(), strict=True):
            if a is not None:
                out[reps] = a

    def of(self, r: int) -> Tables:
        """Replication r's tables of stacked tables (views: writes land in the stacks)."""
        return Tables(**{name: None if a is None else a[r] for name, a in self._arrays()})

    def _arrays(self) -> list[tuple[str, np.ndarray | None]]:
        return [(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)]


BLUEPRINTS_KEPT = 2
"""Blueprints kept by `blueprint_of` (the least recently used goes first): a scenario being
run, and one compared with it."""
_KEPT: dict[int, Blueprint] = {}
_LOCK = threading.Lock()


class Blueprint:
    """The parts of a World that do not depend on its replication, and its tables before
    any event; Worlds take replicas of them (read them, never change them)."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.net = net = Network(scenario)
        self.clock = clock = Clock(scenario)
        self.origins = origins = Origins(net)
        self.random_sources = random_sources(net)
        self.edges = edge_tables(net, clock)
        # with no rule in force yet, the rules in force are the same in every replication
        self.rules_at_start = Controls(net, clock, self.edges, origins, (0, 0)).now
        self.capacity = capacity = Capacity(net, clock, {})
        hold_idle(capacity, net)
        self.mines = mines = Mines(net, clock, capacity, origins)
        self.processors = processors = Processors(net, clock, capacity, origins)
        self.consumers = consumers = Consumers(net, clock, planning_clock(net, clock), {})
        self.stockpiles = Stockpiles(net, clock)
        self.targets = Targets(net, clock, plans(
            net, clock, consumers.base_t, consumers.factor, consumers.mean_noise,
            processors.capacity_t), existing(net, producing(mines, processors, len(net.nodes), 0)),
            with_cover=scenario.market is not None)
        self.state = State(net, origins, None, None)
        self.market = None if scenario.market is None else Market(
            net, clock, capacity, consumers.scrap.to_processor, None)
        wanted_t = np.zeros((clock.n_steps, net.n_holding_rows))
        wanted_t[:, processors.input_rows] = processors.capacity_t
        wanted_t[:, consumers.rows] = consumers.demand_t
        self.tables = Tables(mines.output_t, processors.capacity_t, wanted_t, consumers.demand_t,
                             consumers.expected_t, self.targets.target, self.targets.cover,
                             self.edges.transit_days)
        for a in (*(a for _, a in self.tables._arrays()), capacity.nameplate_tpa,
                  capacity.online, capacity.available, consumers.base_t, self.state.held):
            if a is not None:  # shared by every replica: a write would be a bug
                a.flags.writeable = False


def blueprint_of(scenario: Scenario) -> Blueprint:
    """The Blueprint of a Scenario object: built once, kept for the last BLUEPRINTS_KEPT
    objects (a scenario's replications run one after another share it). A Scenario is
    frozen, and a kept Blueprint keeps its scenario alive, so its id names it."""
    key = id(scenario)
    with _LOCK:  # worlds may be built on threads (a threaded Dask worker)
        blueprint = _KEPT.pop(key, None)
    if blueprint is None:
        blueprint = Blueprint(scenario)
    with _LOCK:
        _KEPT[key] = blueprint  # the most recently used last
        while len(_KEPT) > BLUEPRINTS_KEPT:
            _KEPT.pop(next(iter(_KEPT)))
    return blueprint


def random_sources(net: Network) -> list[str]:
    """Keys of the scenario's random streams: mines with outages, consumers with random
    noise, routes with random transit."""
    s = net.scenario
    keys = [m.id for m in s.mines if m.outages is not None]
    keys += [c.id for c in s.consumers if is_random(c.noise)]
    keys += [e.key for e in net.edges if is_random(e.transit)]
    return keys
