"""The batch engine (sim.model.batch, issue 17) gives every replication the RunRecord the
one-replication engine gives: every array, every market series, every total, equal to
1e-9 relative, or 1e-9 absolute where a zero comes out as 1e-15 of rounding dust (the batch
sums a row's stock cell after cell, the single engine by a dot product).

Checked on every shipped scenario (a few replications each, with their uncertain inputs
resolved per replication), on the hand-worked networks (each hand-worked test runs again
with every `simulate` call also run by the batch engine, two replications at once; the market
tests among them cover idle mines' restarts and stockpile price rules), and on
random small networks with random events (hypothesis); each with the batch's compiled
loops (where numba is installed) and with its NumPy code. On each, the replications reduced
in stacks (`iter_stacked`, as Monte Carlo and sizing reduce them: KPIs and main series for
several at once) give every replication's KPIs, main series and mass-balance error as its
own RunRecord does. Then the experiments layer: both engines give the same ensembles and
sweep rows, on a process pool and on Dask.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import test_export_controls
import test_future_suppliers
import test_hand_worked
import test_market
import test_origin_rules
import test_priority_reoffer
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_builder import (
    build,
    consumer,
    export_control,
    mine,
    processor,
    scenario,
    stockpile,
    supplier,
    write_yaml,
)

import sim.model
from sim.experiments import run_replications
from sim.experiments.batches import (
    BATCH_BYTES,
    BatchTask,
    bytes_per_replication,
    chunk_size,
    run_batch_task,
)
from sim.experiments.design import parse_param
from sim.experiments.executor import DaskRunner, Runner
from sim.experiments.sweep import SweepDefinition, execute, finish, prepare, start
from sim.model import simulate
from sim.model.batch import UnlikeReplications, iter_stacked, jit, simulate_batch
from sim.records import RunRecord
from sim.results.ensemble import Replicate
from sim.scenario import load_scenario
from sim.scenario.uncertain import resolve

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
RTOL = 1e-9


def assert_same(a: RunRecord, b: RunRecord) -> None:
    """Two records of one replication agree in every array, series and total."""
    assert a.replication == b.replication
    assert [n.id for n in a.nodes] == [n.id for n in b.nodes]
    for name in a.arrays:
        np.testing.assert_allclose(b.arrays[name], a.arrays[name], rtol=RTOL, atol=1e-9,
                                   err_msg=name)
    for name in ("delivered_by_origin", "produced_by_origin", "shipped_by_edge",
                 "delivered_by_processed"):
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=RTOL, atol=1e-9,
                                   err_msg=name)
    assert a.market.keys() == b.market.keys()
    for name in a.market:
        np.testing.assert_allclose(b.market[name], a.market[name], rtol=RTOL, atol=1e-9,
                                   err_msg=name)  # atol: a cover of 5e-16 days is dust
    for name, value in a.totals.items():
        assert b.totals[name] == pytest.approx(value, rel=RTOL, abs=1e-9), name
    assert (a.origins, a.processed_in, a.edges) == (b.origins, b.processed_in, b.edges)


def assert_same_replicates(single: list[Replicate], batch: list[Replicate]) -> None:
    """Replicates of the same replications agree: KPIs, main series, mass-balance error."""
    for a, b in zip(single, batch, strict=True):
        assert (a.replication, a.kpi_keys, a.n_steps) == (b.replication, b.kpi_keys, b.n_steps)
        np.testing.assert_allclose(b.kpi_values, a.kpi_values, rtol=RTOL, atol=1e-9,
                                   equal_nan=True)
        np.testing.assert_allclose(b.series, a.series, rtol=RTOL, atol=1e-9, equal_nan=True)
        assert b.balance_error == pytest.approx(a.balance_error, abs=1e-12)


def run_stacked(scenario, reps: list[int], seed: int) -> tuple[list[RunRecord], list[Replicate]]:
    """The replications run together, every RunRecord kept, and reduced in stacks."""
    records: list[RunRecord] = []
    replicates: list[Replicate] = []
    for stack, errors, kept in iter_stacked(scenario, reps, seed, keep=[True] * len(reps)):
        at = len(replicates)
        replicates += Replicate.stack(stack, reps[at:at + stack.reps], errors, kept,
                                      [{}] * stack.reps)
        records += kept
    return records, replicates


def assert_batch_as_single(scenario, reps: list[int], seed: int, singles: list[RunRecord]
                           ) -> None:
    """The batch's records and its stacked reductions against one-at-a-time runs."""
    records, replicates = run_stacked(scenario, reps, seed)
    for one, batch in zip(singles, records, strict=True):
        assert_same(one, batch)
    assert_same_replicates([Replicate.of(one) for one in singles], replicates)


@pytest.fixture(params=["compiled", "numpy"])
def loops(request, monkeypatch) -> str:
    """The batch engine's compiled loops (where numba is installed), then its NumPy code."""
    if request.param == "compiled" and not jit.enabled():
        pytest.skip("numba is not installed: the NumPy code runs")
    if request.param == "numpy":
        monkeypatch.setenv("TUNGSTEN_SIM_COMPILED", "0")
    return request.param


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario(path, loops):
    """Three replications of each shipped scenario (their uncertain inputs drawn per
    replication), together, against one at a time; with the compiled loops and without."""
    base = load_scenario(path)
    seed, reps = 11, [0, 1, 2]
    resolved = [resolve(base, r, seed)[0] for r in reps]
    assert_batch_as_single(resolved, reps, seed, [simulate(resolved[r], r, seed) for r in reps])


def _cases() -> list:
    """Every hand-worked test (and each of its parameter sets), except hypothesis tests."""
    cases = []
    for module in (test_hand_worked, test_export_controls, test_origin_rules,
                   test_future_suppliers, test_priority_reoffer, test_market):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_") or hasattr(fn, "hypothesis") or \
                    fn.__module__ != module.__name__:
                continue
            marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
            if not marks:
                cases.append(pytest.param(fn, (), id=f"{module.__name__}.{name}"))
                continue
            names, values = marks[0].args[0], marks[0].args[1]
            several = len(names.split(",") if isinstance(names, str) else names) > 1
            for i, value in enumerate(values):
                if type(value).__name__ == "ParameterSet":  # a pytest.param
                    args = value.values
                else:
                    args = tuple(value) if several else (value,)
                cases.append(pytest.param(fn, tuple(args), id=f"{module.__name__}.{name}[{i}]"))
    return cases


@pytest.fixture
def both_engines(monkeypatch):
    """`sim.model.simulate` that also runs the replication and the next one with the batch
    engine and checks both against the one-replication engine."""
    calls = []

    def simulate_both(scenario, replication=0, seed=None):
        one = simulate(scenario, replication, seed)
        assert_batch_as_single(scenario, [replication, replication + 1], seed,
                               [one, simulate(scenario, replication + 1, seed)])
        calls.append(replication)
        return one

    monkeypatch.setattr(sim.model, "simulate", simulate_both)
    return calls


@pytest.mark.parametrize("case, args", _cases())
def test_hand_worked_networks(case, args, loops, both_engines, tmp_path):
    """Each hand-worked test passes, and every run in it is the same in both engines (the
    batch with its compiled loops and without)."""
    if "tmp_path" in inspect.signature(case).parameters:
        args = (*args, tmp_path)
    case(*args)
    assert both_engines, "the test ran no replication through simulate"


@st.composite
def small_networks(draw):
    """Two mines (one Chinese), two refiners, a stockpile and two or three consumers of
    random priority and noise, random transits, and random controls and outages."""
    transit = st.sampled_from([7, 14, {"dist": "uniform", "low": 3, "high": 30}])
    mines = [mine("cn", draw(st.sampled_from([500, 2000])), country="CN", product="ore",
                  outages={"rate_per_year": 2, "duration_days": 20, "capacity_left": 0.2}),
             mine("ca", draw(st.sampled_from([200, 1000])), country="CA", product="ore")]
    refiner = processor("ref", 3000, [supplier("cn", 0.7, draw(transit)),
                                      supplier("ca", 0.3, draw(transit))],
                        country=draw(st.sampled_from(["US", "VN"])), yield_=0.9,
                        process_days=draw(st.sampled_from([0, 10])))
    refiner["yield"] = refiner.pop("yield_")
    other = processor("ref2", 800, [supplier("ca", 1.0, draw(transit))], country="CA")
    consumers = [consumer(f"c{j}", draw(st.sampled_from([300, 900, 1500])),
                          [supplier("ref", 0.8, draw(transit)), supplier("ref2", 0.2, 7)]
                          if j == 0 else [supplier("ref", 1.0, draw(transit))],
                          country=draw(st.sampled_from(["US", "JP"])),
                          priority=draw(st.integers(1, 3)),
                          noise=draw(st.sampled_from([None, {"dist": "normal", "mean": 1,
                                                             "sd": 0.2}])),
                          cover_days=draw(st.sampled_from([0, 14])),
                          backlog=draw(st.booleans()))
                 for j in range(draw(st.integers(2, 3)))]
    for c in consumers:
        if c["noise"] is None:
            del c["noise"]
    pile = stockpile("nds", initial_stock=100, release={"to": ["c1"], "max_tpa": 500})
    events = [export_control(draw(st.sampled_from([70, 140])), mode, country="CN",
                             until_day=300, **extra)
              for mode, extra in draw(st.lists(st.sampled_from([
                  ("ban", {}), ("quota", {"allowed_fraction": 0.5}),
                  ("licence", {"approval": 0.6, "delay_days": 20})]), max_size=1))]
    return scenario(mines=mines, processors=[refiner, other], stockpiles=[pile],
                    consumers=consumers, events=events, horizon_years=1,
                    products=["ore", "metal"])


@settings(max_examples=25, deadline=None)
@given(small_networks(), st.integers(0, 1000), st.booleans())
def test_random_small_networks(data, seed, compiled_loops):
    """Six replications of a random small network, together (with the compiled loops, where
    numba is installed, or without; reduced in a stack of four and one of two) and one at a
    time."""
    s = build(data)
    with mock.patch.dict(os.environ, {"TUNGSTEN_SIM_COMPILED": "1" if compiled_loops else "0"}):
        assert_batch_as_single(s, list(range(6)), seed, [simulate(s, r, seed) for r in range(6)])


def test_a_chunk_is_reduced_in_stacks_in_order_keeping_the_records_asked_for(monkeypatch):
    """run_batch_task (a Monte Carlo chunk) over 7 replications: stacks of 4 and 3, each
    replicate in order with its own values, and the full record only where `keep` says."""
    s = load_scenario(SCENARIOS[0].parent / "china-ban-us.yaml", [("horizon_years", 2)])
    reps, keep = (3, 4, 5, 6, 7, 8, 9), (True, False, False, True, False, True, False)
    sizes = []
    stack = Replicate.stack.__func__
    monkeypatch.setattr(Replicate, "stack", classmethod(
        lambda cls, runs, *rest: sizes.append(runs.reps) or stack(cls, runs, *rest)))
    got = run_batch_task(BatchTask(s, reps, 5, keep))
    assert sizes == [4, 3]
    single = [simulate(resolve(s, r, 5)[0], r, 5) for r in reps]
    assert_same_replicates([Replicate.of(one) for one in single], got)
    assert [rep.record is not None for rep in got] == list(keep)
    for one, rep in zip(single, got, strict=True):
        if rep.record is not None:
            assert_same(one, rep.record)


def test_stacks_need_a_keep_flag_per_replication_or_none():
    s = load_scenario(SCENARIOS[0].parent / "baseline.yaml", [("horizon_years", 1)])
    with pytest.raises(ValueError, match="1 keep flags for 2 replications"):
        next(iter_stacked(s, [0, 1], 1, keep=[True]))
    assert run_batch_task(BatchTask(s, (), 1, ())) == []


def test_run_replications_gives_the_same_ensemble_with_either_engine():
    """run_replications with the batch engine (chunks, on 1 and 2 workers) and one
    replication at a time: the same KPIs, bands and kept records."""
    s = load_scenario(SCENARIOS[0].parent / "china-quota-50.yaml", [("horizon_years", 3)])
    single = run_replications(s, 6, 3, engine="single", keep_series=2)
    for workers in (1, 2):
        batch = run_replications(s, 6, 3, engine="batch", keep_series=2, workers=workers)
        np.testing.assert_allclose(batch.ensemble.values, single.ensemble.values, rtol=RTOL,
                                   atol=1e-9, equal_nan=True)
        np.testing.assert_allclose(batch.ensemble.series, single.ensemble.series, rtol=RTOL,
                                   atol=1e-9, equal_nan=True)
        assert [r.replication for r in batch.runs] == [0, 1]
        assert_same(single.runs[1], batch.runs[1])


def test_a_replications_values_do_not_depend_on_the_workers_or_its_stack():
    """Five replications on one worker (a chunk of 5: stacks of 4 and 1) and on two (chunks
    of 3 and 2, stacks alike): the same KPIs and bands, bit for bit."""
    s = load_scenario(SCENARIOS[0].parent / "china-ban-us.yaml", [("horizon_years", 2)])
    one, two = (run_replications(s, 5, 3, engine="batch", workers=w).ensemble for w in (1, 2))
    np.testing.assert_array_equal(one.values, two.values)
    np.testing.assert_array_equal(one.series, two.series)


def test_chunks_bound_memory_and_leave_every_worker_work():
    s = load_scenario(SCENARIOS[0].parent / "baseline.yaml")
    per = bytes_per_replication(s)
    assert 2e6 < per < 8e6  # the 10-year weekly baseline: about 3.5 MB
    assert chunk_size(s, 1000) * per <= BATCH_BYTES
    assert chunk_size(s, 6, workers=2) == 3
    assert chunk_size(s, 1) == 1


@pytest.mark.parametrize("runner", ["pool", "dask"])
def test_sweep_rows_are_the_same_with_either_engine(tmp_path, monkeypatch, runner):
    """A sweep's runs.csv with the batch engine (chunks of a point's replications as tasks,
    on a process pool or Dask) equals the single engine's."""
    if runner == "dask":
        pytest.importorskip("dask.distributed")
    monkeypatch.chdir(tmp_path)
    tiny = scenario(name="tiny", horizon_years=1, seed=5,
                    mines=[mine("cn_mine", 900, country="CN"), mine("vn_mine", 300,
                                                                    country="VN")],
                    consumers=[consumer("us", 900, [supplier("cn_mine", 0.7, {
                        "dist": "uniform", "low": 5, "high": 30}), supplier("vn_mine", 0.3, 9)],
                        noise={"dist": "normal", "mean": 1.0, "sd": 0.2})])
    write_yaml(tmp_path, tiny, "tiny.yaml")
    param = parse_param("mines.cn_mine.capacity_tpa=300,900")
    plan = prepare(SweepDefinition("tiny.yaml", (param,), replications=5))
    texts = []
    for engine in ("single", "batch"):
        folder = start(plan, tmp_path / engine)
        made = Runner(2) if runner == "pool" else DaskRunner("local", 2, processes=False)
        with made:
            assert execute(plan, folder, made, engine=engine).runs == 10
        finish(plan, folder)
        texts.append((folder / "points.csv").read_text())
    assert texts[0] == texts[1]


def test_replications_that_differ_in_structure_are_not_advanced_together():
    """Scenarios with other nodes cannot share arrays: UnlikeReplications, before any step."""
    one = build(scenario(mines=[mine("m", 100, product="metal")],
                         consumers=[consumer("c", 50, [supplier("m")])]))
    two = build(scenario(mines=[mine("m", 100, product="metal"), mine("n", 5, product="metal")],
                         consumers=[consumer("c", 50, [supplier("m"), supplier("n")])]))
    with pytest.raises(UnlikeReplications):
        simulate_batch([one, two], [0, 1], 1)


def test_scrap_returns_with_different_delays_into_one_processor():
    """Two consumers scrap into one recycler, the later-listed one sooner: the batch adds
    returns grouped by delay (flows.ScrapCells), and must still match one at a time."""
    data = scenario(
        mines=[mine("m_cn", 800.0, country="CN", product="ore"),
               mine("m_vn", 400.0, country="VN", product="ore")],
        processors=[processor("p", 1500.0, [supplier("m_cn", 0.6, 14.0),
                                             supplier("m_vn", 0.4, 21.0)]),
                    processor("recycler", 400.0, [], country="US", input="scrap")],
        consumers=[consumer("c0", 600.0, [supplier("p", 1.0, 7.0)], noise=0.2,
                            scrap_rate=0.3, scrap_days=90.0, scrap_to="recycler"),
                   consumer("c1", 400.0, [supplier("p", 1.0, 7.0)], noise=0.2,
                            scrap_rate=0.2, scrap_days=30.0, scrap_to="recycler")],
        horizon_years=2, products=["ore", "metal", "scrap"])
    s = build(data)
    batch = simulate_batch(s, [0, 1, 2], 5)
    assert len({d for d, *_ in sim.model.batch.run.BatchWorld([s], [0], 5).flows
                .scrap_cells.by_delay}) == 2  # the case this test is for: two delay groups
    for r in range(3):
        assert_same(simulate(s, r, 5), batch[r])
        assert batch[r].totals["recycled"] > 0
