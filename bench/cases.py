"""The scenarios and runners the benchmarks time, shared by run.py, memory.py and profiling.py."""

from __future__ import annotations

from pathlib import Path

from sim.model import simulate
from sim.model.world import World
from sim.scenario import Scenario, load_scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SEED = 1
DAILY = [("step_days", 1), ("record_days", 1)]


def toy_scenario(daily: bool) -> Scenario:
    """The reference toy network as a tungsten-sim scenario (bench/toy*.yaml)."""
    return load_scenario(HERE / ("toy-daily.yaml" if daily else "toy.yaml"))


def baseline_scenario(daily: bool) -> Scenario:
    """scenarios/baseline.yaml over 20 years, weekly or daily steps."""
    return load_scenario(BASELINE, [("horizon_years", 20), *(DAILY if daily else [])])


def scenario(name: str) -> Scenario:
    """`toy-weekly`, `toy-daily`, `baseline-weekly` or `baseline-daily`."""
    kind, _, steps = name.partition("-")
    daily = {"weekly": False, "daily": True}[steps]
    return {"toy": toy_scenario, "baseline": baseline_scenario}[kind](daily)


def run_once(s: Scenario):
    """One replication as a user pays for it: World, run, mass balance, RunRecord."""
    return simulate(s, 0, SEED)


def count_events(s: Scenario) -> tuple[int, int]:
    """(SimPy events, steps) of one run, counted as the reference does: next(env._eid)."""
    world = World(s, 0, SEED).run()
    return next(world.env._eid), world.clock.n_steps


def consumer_totals(record) -> dict[str, float]:
    """Demand, delivered and shortfall summed over every consumer and step (t)."""
    cons = [i for i, n in enumerate(record.nodes) if n.kind == "consumer"]
    a = record.arrays
    return {v: float(a[f"{v}_t"][:, cons].sum()) for v in ("demand", "delivered", "shortfall")}
