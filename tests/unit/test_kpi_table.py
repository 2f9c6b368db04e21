"""The KPIs of all scopes at once (`kpi_table`, what Monte Carlo keeps) are those of each
scope on its own (`scope_kpis`, the plain definition), bit for bit: on generated records
with any mix of node kinds, countries and groups, one origin or several, with or without
processing countries and a market, from one step to hundreds, zeros and shortfalls. A stack
of replications (`kpi_tables`, the batch engine's) gives each one's values to rounding."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.records import NODE_VARIABLES, NodeRow, RunRecord, StackedRuns
from sim.results.catalogue import scopes
from sim.results.consumer_kpis import first_reached
from sim.results.ensemble import Replicate
from sim.results.kpi_table import kpi_table, kpi_tables
from sim.results.kpis import kpi_rows, scope_kpis
from sim.results.node_sets import NodeSets
from sim.results.series import main_series, stacked_series

KINDS = ("mine", "processor", "stockpile", "consumer")


def flows(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Non-negative tonnes of many sizes, a third of them exactly zero."""
    values = rng.random(shape) * 10.0 ** rng.integers(-3, 4, size=shape) * scale
    return np.where(rng.random(shape) < 0.3, 0.0, values)


def random_run(seed: int) -> RunRecord:
    """A record of random nodes and numbers (not a run the model could make: every KPI is
    still defined on it)."""
    rng = np.random.default_rng(seed)
    n_nodes, n_steps = int(rng.integers(1, 22)), int(rng.choice([1, 2, 9, 40, 300]))
    kinds = [str(k) for k in rng.choice(KINDS, n_nodes)]
    nodes = [NodeRow(f"n{i}", kind, str(rng.choice(["US", "CN", "DE"])),
                     str(rng.choice(["defense", "carbide"])) if rng.random() < 0.7 else None)
             for i, kind in enumerate(kinds)]
    a = {name: flows(rng, (n_steps, n_nodes), 1.0) for name in NODE_VARIABLES}
    a["delivered_t"] = np.minimum(a["delivered_t"], a["demand_t"])
    served = rng.random(n_nodes) < 0.3  # consumers never short
    a["delivered_t"][:, served] = a["demand_t"][:, served]
    origins = ["CN", "KZ", "VN", "ROW"][: int(rng.integers(1, 5))]
    by_origin = flows(rng, (n_steps, n_nodes, len(origins)), 0.05)
    processed: list[str] = []
    by_processed = None
    if rng.random() < 0.7:
        processed = ["US", "none", "CN"][: int(rng.integers(1, 4))]
        by_processed = flows(rng, (n_steps, n_nodes, len(processed)), 1.0)
    market = {}
    if rng.random() < 0.5:
        market = {m: 200.0 + 800.0 * rng.random(n_steps) for m in ("ex_china", "china")}
    return RunRecord(seed, dt.date(2026, 3, 1), 7, 7, nodes, origins, a, by_origin,
                     np.zeros((n_steps, len(origins))), {}, 0.0, processed_in=processed,
                     delivered_by_processed=by_processed, market=market)


def plain_kpis(run: RunRecord) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Every KPI of a run, scope by scope with `scope_kpis`."""
    pairs = [((scope, kpi), value) for scope, members in scopes(run.nodes)
             for kpi, value in scope_kpis(run, members, {run.nodes[i].kind for i in members})]
    return [key for key, _ in pairs], np.array([value for _, value in pairs])


def assert_same_bits(got: np.ndarray, expected: np.ndarray) -> None:
    """Equal bit for bit, any NaN equal to any NaN (0.0 and -0.0 told apart)."""
    both_nan = np.isnan(got) & np.isnan(expected)
    differ = (got.view(np.int64) != expected.view(np.int64)) & ~both_nan
    assert not differ.any(), f"{differ.sum()} values differ, first at {np.flatnonzero(differ)[:5]}"


@pytest.mark.parametrize("seed", range(60))
def test_kpi_table_gives_each_scope_what_scope_kpis_gives_it(seed: int) -> None:
    run = random_run(seed)
    keys, values = kpi_table(run)
    plain_keys, plain_values = plain_kpis(run)
    assert list(keys) == plain_keys
    assert_same_bits(values, plain_values)


def test_kpi_rows_and_replicates_carry_the_table() -> None:
    run = random_run(7)
    keys, values = plain_kpis(run)
    rows = list(kpi_rows(run))
    assert [(scope, kpi) for _, scope, kpi, _ in rows] == keys
    assert all(type(value) is float for *_, value in rows)
    assert_same_bits(np.array([value for *_, value in rows]), values)
    rep = Replicate.of(run)
    assert list(rep.kpi_keys) == keys
    assert_same_bits(rep.kpi_values, values)


def test_runs_of_the_same_nodes_share_their_keys_but_not_their_values() -> None:
    first, second = random_run(3), random_run(3)
    second.arrays["produced_t"] = second.arrays["produced_t"] * 2.0
    (keys, values), (again, other) = kpi_table(first), kpi_table(second)
    assert keys is again
    assert values is not other and not np.array_equal(values, other)


@pytest.mark.parametrize("n_steps", [1, 3, 50])
def test_node_sets_sum_as_each_set_alone(n_steps: int) -> None:
    rng = np.random.default_rng(n_steps)
    values = flows(rng, (2, n_steps, 30), 1.0)  # two variables [variable, step, node]
    sets = NodeSets([(0,), (3, 1), tuple(range(30)), tuple(range(2, 14)), (5,), (29, 0)])
    rows = values[:, -1, :]
    by_node = np.ascontiguousarray(values.transpose(0, 2, 1))  # [variable, node, step]
    row_sums, series_sums = sets.row_sums(rows), sets.series_sums(by_node)
    for k, members in enumerate(sets.sets):
        for v in range(2):
            assert_same_bits(row_sums[v, k], rows[v][list(members)].sum())
            assert_same_bits(series_sums[v, k], values[v][:, list(members)].sum(axis=1))


def test_first_reached_is_where_the_running_total_first_reaches() -> None:
    rng = np.random.default_rng(5)
    flow = flows(rng, (400, 6, 5), 0.01)
    flow[:, 0, 0] = 0.0  # never
    flow[0, 1, 1] = 2.0  # at once
    reached = flow.cumsum(axis=0) >= 1.0
    expected = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    np.testing.assert_array_equal(first_reached(flow, 1.0), expected)
    assert first_reached(flow, 1.0)[0, 0] == -1 and first_reached(flow, 1.0)[1, 1] == 0


def variant(run: RunRecord, seed: int) -> RunRecord:
    """Another replication of the same nodes: its numbers scaled at random (a quarter of
    them to zero), deliveries never above demand."""
    rng = np.random.default_rng(seed)

    def scaled(a: np.ndarray) -> np.ndarray:
        return a * rng.random(a.shape) * 2.0 * (rng.random(a.shape) > 0.25)

    arrays = {name: scaled(a) for name, a in run.arrays.items()}
    arrays["delivered_t"] = np.minimum(arrays["delivered_t"], arrays["demand_t"])
    by_processed = run.delivered_by_processed
    market = {name: series * (0.5 + rng.random(series.shape))
              for name, series in run.market.items()}
    return dataclasses.replace(run, replication=seed, arrays=arrays,
                               delivered_by_origin=scaled(run.delivered_by_origin),
                               delivered_by_processed=None if by_processed is None
                               else scaled(by_processed), market=market)


def stack_of(runs: list[RunRecord]) -> StackedRuns:
    """Runs of the same nodes stacked as the batch engine stacks them, [step, rep, ...]."""
    first = runs[0]
    processed = [r.delivered_by_processed for r in runs]
    return StackedRuns(first.start, first.step_days, first.record_days, tuple(first.nodes),
                       tuple(first.origins), tuple(first.processed_in),
                       {name: np.stack([r.arrays[name] for r in runs], axis=1)
                        for name in first.arrays},
                       slice(0, len(first.nodes)),
                       np.stack([r.delivered_by_origin for r in runs], axis=1),
                       None if processed[0] is None else np.stack(processed, axis=1),
                       {name: np.stack([r.market[name] for r in runs]) for name in first.market})


@pytest.mark.parametrize("seed", range(40))
def test_a_stack_gives_each_replication_its_own_values(seed: int) -> None:
    """Deliveries by origin are summed in another order for a stack (each consumer's run
    total first): equal to rounding; first-tonne days (running totals), counts and every
    other value exactly."""
    first = random_run(seed)
    runs = [first, *(variant(first, seed * 10 + k) for k in range(1, 5))]
    keys, values = kpi_tables(stack_of(runs))
    series = stacked_series(stack_of(runs))
    for j, run in enumerate(runs):
        alone_keys, alone = kpi_table(run)
        assert keys == alone_keys
        np.testing.assert_allclose(values[j], alone, rtol=1e-12, atol=1e-12, equal_nan=True)
        day = [k for k, (_, kpi) in enumerate(keys) if kpi.startswith("first_tonne")]
        assert_same_bits(values[j][day], alone[day])
        np.testing.assert_allclose(series[j], main_series(run), rtol=1e-12, atol=1e-12,
                                   equal_nan=True)


def test_a_stack_finds_first_tonnes_after_the_head_and_never_one_short_of_it() -> None:
    """A consumer whose first tonne from an origin comes on step 40 (after the running
    totals every set gets), one that gets 1e-6 t short of a tonne over the run, and one
    whose running total reaches the tonne on the last step (its run total at it, to
    rounding: the total alone must not rule it out)."""
    base = random_run(1)
    nodes = [NodeRow(f"c{i}", "consumer", "US", None) for i in range(3)]
    n_steps = 60
    by_origin = np.zeros((n_steps, 3, 1))
    by_origin[40, 0, 0] = 1.0
    by_origin[:, 1, 0] = (1.0 - 1e-6) / n_steps
    by_origin[20:, 2, 0] = 1.0 / 40
    arrays = {name: np.zeros((n_steps, 3)) for name in NODE_VARIABLES}
    arrays["demand_t"][:] = arrays["delivered_t"][:] = 1.0
    run = dataclasses.replace(base, nodes=nodes, origins=["KZ"], arrays=arrays,
                              delivered_by_origin=by_origin, processed_in=[],
                              delivered_by_processed=None, market={})
    keys, values = kpi_tables(stack_of([run, run]))
    day = dict(zip(keys, values[1], strict=True))
    assert day[("c0", "first_tonne_day_from_KZ")] == 40 * 7
    assert np.isnan(day[("c1", "first_tonne_day_from_KZ")])
    assert day[("c2", "first_tonne_day_from_KZ")] == 59 * 7
