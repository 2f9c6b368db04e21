"""Stocks by cell (sim/model/batch/cells.py): which origin pairs each holding row can hold,
sums over a row's cells, and that no stock of a run ever holds a pair outside its cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenario_builder import build, consumer, mine, processor, scenario, stockpile, supplier

from sim.model.batch.cells import Cells, segment_sums
from sim.model.world import World
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_segment_sums_by_hand():
    """Segments [0, 2), [2, 2) (empty: 0, not reduceat's next element) and [2, 4)."""
    values = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])
    np.testing.assert_array_equal(segment_sums(values, np.array([0, 2, 2, 4])),
                                  [[3.0, 0.0, 7.0], [30.0, 0.0, 70.0]])
    np.testing.assert_array_equal(segment_sums(values, np.array([0, 1, 3])),
                                  [[1.0, 5.0], [10.0, 50.0]])  # the last column not summed


def chain_world() -> World:
    """A Chinese mine -> a U.S. refiner (stamps US) -> a consumer; an Australian mine whose
    initial stock is said to be Chinese-mined; a stockpile releasing to the consumer."""
    return World(build(scenario(
        mines=[mine("cn", 100.0, product="ore"),
               mine("au", 50.0, country="AU", product="ore", initial_stock=10.0,
                    initial_origin="CN")],
        processors=[processor("p", 200.0, [supplier("cn", 0.5), supplier("au", 0.5)])],
        stockpiles=[stockpile("sp", initial_stock=40.0, initial_origin="BO",
                              release={"to": ["c"], "max_tpa": 100.0})],
        consumers=[consumer("c", 120.0, [supplier("p")])], horizon_years=1)), 0, 1)


def pairs_of(world: World, row: int) -> set[tuple[str, str]]:
    return {world.origins.pairs[i] for i in world.origins.stock_pairs(row)}


def test_each_row_holds_the_pairs_its_flows_bring():
    w = chain_world()
    index = w.net.index
    assert pairs_of(w, index["cn"]) == {("CN", "none")}
    assert pairs_of(w, index["au"]) == {("CN", "none"), ("AU", "none")}  # stock, output
    assert pairs_of(w, w.net.holding_row(index["p"])) == {("CN", "none"), ("AU", "none")}
    assert pairs_of(w, index["p"]) >= {("CN", "US"), ("AU", "US")}
    consumer_pairs = pairs_of(w, index["c"])
    assert consumer_pairs >= pairs_of(w, index["p"]) | pairs_of(w, index["sp"])


def test_row_sums_of_cells_equal_the_dense_sums():
    w = chain_world()
    cells = Cells(w)
    held = cells.cells_of(w.state.held[None])
    np.testing.assert_allclose(cells.row_sums(held)[0], w.state.held.sum(axis=1), rtol=1e-15)
    assert cells.size == sum(w.origins.stock_pairs(r).size for r in range(cells.n_rows))


@pytest.mark.parametrize("name", ["baseline", "nds-release", "dfars-2027", "china-licensing-2025"])
def test_no_stock_ever_holds_a_pair_outside_its_cells(name):
    """Run the single engine and look at every step's stocks: nothing outside the cells."""
    w = World(load_scenario(SCENARIOS / f"{name}.yaml", [("horizon_years", 3)]), 0, 1)
    cells = Cells(w)
    outside = cells.outside.reshape(w.state.held.shape)
    seen = np.zeros_like(outside)
    step = w._step

    def watched(k: int) -> None:
        step(k)
        seen[:] |= (w.state.held != 0) & outside

    w._step = watched
    w.run()
    assert not seen.any()
    assert cells.size < 0.3 * outside.size  # and the cells are far fewer than dense
