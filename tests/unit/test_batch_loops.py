"""The batch engine's compiled loops (sim/model/batch/loops.py) against the NumPy code they
replace beside each caller, restated here on small random inputs (hypothesis), plus a few
cases worked by hand. Every loop claims the NumPy branch's operations in the same order, so
results must agree bit for bit; only Cells.row_sums' reduceat branch adds in another order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

pytest.importorskip("numba")

from sim.model.batch import loops
from sim.model.prices import COVER_FLOOR

EPS, TINY = loops.EPS, loops.TINY
SETTINGS = settings(max_examples=50, deadline=None)
# tonnes: zeros, dust at and below EPS, and ordinary amounts
AMOUNT = st.one_of(st.sampled_from([0.0, 1e-13, EPS, 2e-12]), st.floats(0.0, 100.0))
equal = np.testing.assert_array_equal


def tonnes(data, shape) -> np.ndarray:
    return data.draw(hnp.arrays(np.float64, shape, elements=AMOUNT))


def index(data, size: int, high: int) -> np.ndarray:
    """`size` indices below `high`, int64 (repeats allowed)."""
    if not size:
        return np.zeros(0, np.int64)
    return np.array(data.draw(st.lists(st.integers(0, high - 1), min_size=size,
                                       max_size=size)), dtype=np.int64)


def segments(data, least: int = 1) -> tuple[int, np.ndarray]:
    """A few replications, and rows of 0–4 cells each as `first` (row i: first[i]:first[i+1])."""
    reps = data.draw(st.integers(1, 3))
    sizes = data.draw(st.lists(st.integers(0, 4), min_size=least, max_size=5))
    return reps, np.r_[0, np.cumsum(sizes)].astype(np.int64)


def by_rep_bincount(index_: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """per_rep_bincount: np.bincount (adds in index order) for each replication."""
    sums = [np.bincount(index_, v, minlength=size) for v in values]
    return np.array(sums).reshape(len(values), size)


def rows_of(first: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(first.size - 1), np.diff(first))


@SETTINGS
@given(st.data())
def test_segment_sums_equal_bincount_by_row(data):
    """segment_sums = Cells.row_sums' bincount (exactly) and reduceat (to rounding) branches;
    cells past the last row ignored."""
    reps, first = segments(data, least=0)
    values = tonnes(data, (reps, int(first[-1]) + data.draw(st.integers(0, 2))))
    out = np.full((reps, first.size - 1), np.nan)
    loops.segment_sums(values, first, out)
    equal(out, by_rep_bincount(rows_of(first), values[:, : first[-1]], first.size - 1))
    full, reduceat = np.diff(first) > 0, np.zeros_like(out)
    if full.any():  # reduceat adds a row's first cell to the sum of the rest: not in order
        reduceat[:, full] = np.add.reduceat(values[:, : first[-1]], first[:-1][full], axis=1)
    np.testing.assert_allclose(out, reduceat, rtol=1e-12, atol=1e-15)


@SETTINGS
@given(st.data())
def test_send_adds_each_cell_into_its_routes_slot(data):
    """send = Ring.send's np.add.at at [due % slots, rep, cell], onto what the ring held."""
    reps, first = segments(data)
    route, n_routes = rows_of(first), first.size - 1
    slots = data.draw(st.integers(1, 4))
    ring = tonnes(data, (slots, reps, route.size))
    due = np.array(data.draw(hnp.arrays(np.int64, (reps, n_routes), elements=st.integers(0, 9))))
    sent = tonnes(data, (reps, route.size))
    expected = ring.copy()
    at = (due % slots * reps + np.arange(reps)[:, None])[:, route] * route.size \
        + np.arange(route.size)
    np.add.at(expected.reshape(-1), at.ravel(), sent.ravel())
    loops.send(ring, due, sent, route)
    equal(ring, expected)


@SETTINGS
@given(st.data())
def test_unload_moves_a_slot_into_the_buyers_cells(data):
    """unload = Ring.unload: add.at into held (cell order), bincount by row, slot zeroed."""
    reps, first = segments(data)
    n_ring = data.draw(st.integers(0, 6)) if first[-1] else 0  # a buyer's cell each
    into = index(data, n_ring, int(first[-1]))
    into_row = rows_of(first)[into]
    slot, held = tonnes(data, (reps, n_ring)), tonnes(data, (reps, int(first[-1])))
    expected = held.copy()
    np.add.at(expected.reshape(-1), (np.arange(reps)[:, None] * held.shape[1] + into).ravel(),
              slot.ravel())
    expected_got = by_rep_bincount(into_row, slot, first.size - 1)
    got = np.full((reps, first.size - 1), np.nan)
    loops.unload(slot, held, into, into_row, got)
    equal(held, expected)
    equal(got, expected_got)
    equal(slot, np.zeros_like(slot))


@SETTINGS
@given(st.data())
def test_take_and_send_equals_take_in_proportion_then_send(data):
    """take_and_send = BatchOrders._take_in_proportion, Ring.send and _book (on order by
    buyer's row, shipped by edge)."""
    reps, first = segments(data)  # each node's stock cells
    n_nodes, n_stock = first.size - 1, int(first[-1])
    supplier = index(data, data.draw(st.integers(1, 4)), n_nodes)
    sizes = np.diff(first)[supplier]  # a ring cell per edge and supplier's cell
    route = np.repeat(np.arange(supplier.size), sizes)
    source = first[supplier[route]] + np.arange(route.size) - np.r_[0, np.cumsum(sizes)][route]
    held = tonnes(data, (reps, n_stock + data.draw(st.integers(0, 2))))  # + processors' input
    have = by_rep_bincount(rows_of(first), held[:, :n_stock], n_nodes)
    amount = tonnes(data, (reps, supplier.size))  # above and below what suppliers have
    slots = data.draw(st.integers(1, 3))
    due = np.array(data.draw(hnp.arrays(np.int64, (reps, supplier.size),
                                        elements=st.integers(0, 5))))
    ring = tonnes(data, (slots, reps, route.size))
    buyer = index(data, supplier.size, data.draw(st.integers(1, 3)))  # each edge's buyer row
    on_order, shipped = tonnes(data, (reps, int(buyer.max()) + 1)), np.full(amount.shape, np.nan)
    expected_on_order = on_order + by_rep_bincount(buyer, amount, on_order.shape[1])
    per_tonne = 1.0 / np.maximum(have, TINY)
    share = by_rep_bincount(supplier, amount, n_nodes) * per_tonne
    ratio = amount * per_tonne[:, supplier]
    sent = held[:, source] * ratio[:, route]
    expected_held = held.copy()
    expected_held[:, :n_stock] *= np.maximum(1.0 - share, 0.0)[:, rows_of(first)]
    expected_ring = ring.copy()
    expected_ring[due[:, route] % slots, np.arange(reps)[:, None], np.arange(route.size)] += sent
    inputs = tonnes(data, (reps, data.draw(st.integers(0, 2))))  # other rows' stocks
    before, after = np.hstack([have, inputs]), np.full((reps, n_nodes + inputs.shape[1]), np.nan)
    loops.take_and_send(held, amount, before, first, np.r_[0, np.cumsum(sizes)], ring, due,
                        supplier, buyer, on_order, shipped, after)
    equal(held, expected_held)
    equal(ring, expected_ring)
    equal(on_order, expected_on_order)
    equal(shipped, amount)
    equal(after[:, :n_nodes], by_rep_bincount(rows_of(first), expected_held[:, :n_stock],
                                              n_nodes))
    equal(after[:, n_nodes:], inputs)


def test_take_and_send_by_hand():
    """A node holding [1, 3] ships 2 on one edge: [0.5, 1.5] sent, [0.5, 1.5] left (2 in
    all), 2 booked."""
    held, ring = np.array([[1.0, 3.0]]), np.zeros((2, 1, 2))
    one = np.zeros(1, np.int64)
    on_order, shipped, after = np.array([[1.0]]), np.empty((1, 1)), np.empty((1, 1))
    loops.take_and_send(held, np.array([[2.0]]), np.array([[4.0]]), np.array([0, 2]),
                        np.array([0, 2]), ring, np.array([[3]]), one, one, on_order, shipped,
                        after)
    equal(held, [[0.5, 1.5]])
    equal(after, [[2.0]])
    equal(on_order, [[3.0]])  # 1 on order before
    equal(shipped, [[2.0]])
    equal(ring, [[[0.0, 0.0]], [[0.5, 1.5]]])  # due 3 of 2 slots: slot 1


@SETTINGS
@given(st.data())
def test_draw_equals_world_draw(data):
    """draw = Flows.draw's NumPy branch, masked or not, with some rows' stock all zero."""
    reps, first = segments(data)
    n_rows, n_cells = first.size - 1, int(first[-1])
    held = tonnes(data, (reps, n_cells))
    empty = data.draw(st.integers(0, n_rows - 1))
    held[0, first[empty]: first[empty + 1]] = 0.0
    mask = data.draw(hnp.arrays(np.float64, (reps, n_cells), elements=st.sampled_from([0., 1.])))
    masked = data.draw(st.booleans())
    wanted = tonnes(data, (reps, n_rows))
    source = held * mask if masked else held
    have = by_rep_bincount(rows_of(first), source, n_rows)
    expected_taken = np.minimum(wanted, have)
    expected_taken *= expected_taken > EPS
    expected_drawn = source * (expected_taken / np.maximum(have, TINY))[:, rows_of(first)]
    expected_held = held - expected_drawn
    taken, drawn = np.full((reps, n_rows), np.nan), np.full((reps, n_cells), np.nan)
    loops.draw(held, mask, masked, wanted, first, taken, drawn)
    equal(taken, expected_taken)
    equal(drawn, expected_drawn)
    equal(held, expected_held)


@pytest.mark.parametrize(("wanted", "taken", "drawn"), [
    (4.0, 4.0, [1.0, 3.0]), (20.0, 8.0, [2.0, 6.0]), (1e-13, 0.0, [0.0, 0.0]),
    (EPS, 0.0, [0.0, 0.0])])
def test_draw_by_hand(wanted, taken, drawn):
    """Cells [2, 6]: each gives in proportion, at most what it holds; EPS or less is none."""
    held, got, by_cell = np.array([[2.0, 6.0]]), np.empty((1, 1)), np.empty((1, 2))
    loops.draw(held, np.ones((1, 2)), False, np.array([[wanted]]), np.array([0, 2]), got,
               by_cell)
    equal(got, [[taken]])
    equal(by_cell, [drawn])
    equal(held, [[2.0, 6.0]] - np.array(drawn))


@SETTINGS
@given(st.data())
def test_process_equals_processing_process(data):
    """process = Processing.process's NumPy branches: nothing waits, all waits, or some."""
    reps, n_out = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    n_in, start = data.draw(st.integers(0, 6)), data.draw(st.integers(0, 3))
    drawn = tonnes(data, (reps, start + n_in + data.draw(st.integers(0, 2))))
    yields = data.draw(hnp.arrays(np.float64, n_in, elements=st.floats(0.0, 1.0)))
    into = index(data, n_in, n_out)
    made = by_rep_bincount(into, drawn[:, start: start + n_in] * yields, n_out)
    outputs = data.draw(st.integers(0, 2))
    held, slots = tonnes(data, (reps, outputs + n_out + 1)), data.draw(st.integers(1, 3))
    later = data.draw(hnp.arrays(np.float64, n_out, elements=st.sampled_from([0.0, 1.0])))
    at_once, slot = 1.0 - later, data.draw(st.integers(0, slots - 1))
    done = np.where(later > 0, index(data, n_out, slots), slot)  # done now: slot - delay
    batches = tonnes(data, (slots, reps, n_out)) * later  # nothing waits at once
    expected_held, expected_batches = held.copy(), batches.copy()
    out = expected_held[:, outputs: outputs + n_out]
    if not later.any():
        out += made
    else:
        out += expected_batches[done, :, np.arange(n_out)].T
        expected_batches[slot] = made if later.all() else made * later
        if not later.all():
            out += made * at_once
    loops.process(drawn, start, yields, into, held, outputs, batches, done, slot, later,
                  at_once)
    equal(held, expected_held)
    equal(batches, expected_batches)


@SETTINGS
@given(st.data())
def test_deliver_equals_bincount_by_group(data):
    """deliver = BatchRecords.deliver: bincount by mined and by processed group; a copy."""
    reps, n_cells = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 6))
    n_mined, n_processed = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    mined, processed = index(data, n_cells, n_mined), index(data, n_cells, n_processed)
    took = tonnes(data, (reps, n_cells))
    by_mined, by_processed = np.zeros((reps, n_mined)), np.zeros((reps, n_processed))
    recent = np.full((reps, n_cells), np.nan)
    loops.deliver(took, by_mined, mined, by_processed, processed, recent)
    equal(by_mined, by_rep_bincount(mined, took, n_mined))
    equal(by_processed, by_rep_bincount(processed, took, n_processed))
    equal(recent, took)


@SETTINGS
@given(st.data())
def test_return_scrap_equals_add_at(data):
    """return_scrap = Flows.return_scrap: used[:, source] × came[:, of], add.at into held."""
    reps, n_used, n_held = (data.draw(st.integers(1, 3)) for _ in range(3))
    n_returns, n_cells = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 6))
    source, into = index(data, n_cells, n_used), index(data, n_cells, n_held)
    of = index(data, n_cells, n_returns)
    used, held = tonnes(data, (reps, n_used)), tonnes(data, (reps, n_held))
    came = data.draw(hnp.arrays(np.float64, (data.draw(st.sampled_from([1, reps])), n_returns),
                                elements=st.floats(0.0, 1.0)))
    expected = held.copy()
    np.add.at(expected.reshape(-1), (np.arange(reps)[:, None] * n_held + into).ravel(),
              (used[:, source] * came[:, of]).ravel())
    loops.return_scrap(held, used, source, into, of, came)
    equal(held, expected)


def adjust_by_numpy(stocks, use, openness, reference_cover, log_reference, sensitivity,
                    pull, log_price):
    """BatchPrices._cover_ratio and _adjust (two markets): log price, price and cover."""
    wanted = use * reference_cover
    total = wanted[:, 0] + wanted[:, 1]
    none = total <= 0
    pooled = ((stocks[:, 0] + stocks[:, 1]) / np.where(none, 1.0, total))[:, None]
    own = np.where(wanted > 0, stocks / np.where(wanted > 0, wanted, 1.0), pooled)
    ratio = openness[:, None] * pooled + (1.0 - openness[:, None]) * own
    ratio = np.where(none[:, None], 1.0, ratio)
    logs = np.vectorize(math.log)(np.maximum(ratio, COVER_FLOOR))
    log_price = log_price + (log_reference + sensitivity * logs - log_price) * pull
    cover = np.where(use > 0, stocks / np.where(use > 0, use, 1.0), 0.0)
    return log_price, np.vectorize(math.exp)(log_price), cover


@SETTINGS
@given(st.data())
def test_adjust_prices_equal_numpy_with_libm(data):
    """adjust_prices = BatchPrices._adjust bit for bit, with use of zero and no use at all."""
    reps = data.draw(st.integers(1, 4))

    def draw(elements):
        return data.draw(hnp.arrays(np.float64, (reps, 2), elements=elements))

    stocks = tonnes(data, (reps, 2))
    use = draw(st.one_of(st.just(0.0), st.floats(1e-6, 10.0)))
    use[0] *= data.draw(st.sampled_from([0.0, 1.0]))  # nobody uses anything in rep 0
    openness = data.draw(hnp.arrays(np.float64, reps, elements=st.floats(0.0, 1.0)))
    args = (draw(st.floats(1.0, 100.0)), draw(st.floats(-1.0, 6.0)),  # reference cover, log
            draw(st.floats(-2.0, 0.0)), draw(st.floats(0.0, 1.0)))  # sensitivity, pull
    log_price = draw(st.floats(-1.0, 6.0))
    expected = adjust_by_numpy(stocks, use, openness, *args, log_price)
    price, cover = np.full((reps, 2), np.nan), np.full((reps, 2), np.nan)
    reference_cover, log_reference, sensitivity, pull = args
    loops.adjust_prices(stocks, use, openness, reference_cover, COVER_FLOOR, log_reference,
                        sensitivity, pull, log_price, price, cover)
    equal(log_price, expected[0])
    equal(price, expected[1])
    equal(cover, expected[2])


def test_adjust_prices_by_hand():
    """Cover 2× the reference at sensitivity −1 and pull 1 halves the price; no use: 1×."""
    log_price, price, cover = np.zeros((2, 2)), np.empty((2, 2)), np.empty((2, 2))
    loops.adjust_prices(np.array([[60.0, 0.0], [5.0, 5.0]]), np.array([[1.0, 0.0], [0.0, 0.0]]),
                        np.array([0.0, 0.5]), np.full((2, 2), 30.0), COVER_FLOOR,
                        np.full((2, 2), math.log(4.0)), np.full((2, 2), -1.0), np.ones((2, 2)),
                        log_price, price, cover)
    # rep 0: wanted [30, 0], pooled 60 / 30 = 2, market 1's own (no use) the pooled: ratio 2
    np.testing.assert_allclose(price, [[2.0, 2.0], [4.0, 4.0]], rtol=1e-15)  # exp, log round
    equal(cover, [[60.0, 0.0], [0.0, 0.0]])  # days of use; 0 without use


@SETTINGS
@given(st.data(), st.booleans(), st.booleans(), st.booleans())
def test_needs_equal_place(data, market, backlog, one_share):
    """needs = BatchOrders.place's NumPy branch: targets (with a market's cover and factors,
    or without), less held and on order, plus backlog, cut at EPS; requests by edge."""
    reps, rows = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    table = [tonnes(data, (reps, rows)) for _ in range(7)]
    target, cover, cover_factor, row_factor, held, on_order, owed = table
    holding = index(data, data.draw(st.integers(0, 5)), rows)
    share = data.draw(hnp.arrays(np.float64, (1 if one_share else reps, holding.size),
                                 elements=st.floats(0.0, 1.0)))
    wanted = (target + cover * (cover_factor - 1.0)) * row_factor if market else target
    expected = wanted - held - on_order
    if backlog:
        expected += owed
    expected *= expected > EPS
    none = np.zeros((0, 0))
    need, request = np.full((reps, rows), np.nan), np.full((reps, holding.size), np.nan)
    loops.needs(target, *((cover, cover_factor, row_factor) if market else (none,) * 3),
                held, on_order, owed, backlog, holding, share, need, request)
    equal(need, expected)
    equal(request, expected[:, holding] * share)


@SETTINGS
@given(st.data(), st.booleans())
def test_factor_exponents_equal_factors_update(data, smooth):
    """factor_exponents = BatchFactors.update's NumPy branch before its exp: the smoothed
    logs moved toward today's (or left), each entity's terms summed in term order."""
    reps, n, layers = (data.draw(st.integers(1, 3)) for _ in range(3))
    logs_of = st.floats(-5.0, 5.0)
    stage, reference = (data.draw(hnp.arrays(np.float64, (reps, n), elements=logs_of))
                        for _ in range(2))
    logs = data.draw(hnp.arrays(np.float64, (reps, layers, n), elements=logs_of))
    pull = data.draw(hnp.arrays(np.float64, (reps, layers, 1), elements=st.floats(0.0, 1.0)))
    terms = data.draw(st.integers(0, 6))
    entity = index(data, terms, 4)
    cell_a, cell_b = index(data, terms, n * (2 + layers)), index(data, terms, n * (2 + layers))
    coef = data.draw(hnp.arrays(np.float64, (reps, terms), elements=st.floats(-2.0, 2.0)))
    expected_logs = logs + (stage[:, None, :] - logs) * pull if smooth else logs.copy()
    stack = np.concatenate((stage, reference, expected_logs.reshape(reps, -1)), axis=1)
    expected = by_rep_bincount(entity, coef * (stack[:, cell_a] - stack[:, cell_b]), 4)
    exponent = np.full((reps, 4), np.nan)
    loops.factor_exponents(stage, reference, logs, pull, smooth, entity, coef, cell_a, cell_b,
                           exponent)
    equal(logs, expected_logs)
    equal(exponent, expected)


@SETTINGS
@given(st.data())
def test_all_can_supply_equals_can_supply(data):
    """all_can_supply = BatchOrders._can_supply (no batch pending) over the choosable
    suppliers, all of them in every replication: stock, neither kind, a mine with output, a
    processor with capacity and input held or on order."""
    reps, n_mines, n_procs, n_other = (data.draw(st.integers(1, 3)) for _ in range(4))
    n = n_mines + n_procs + n_other  # mines, then processors, then other nodes
    mines, procs = slice(0, n_mines), slice(n_mines, n_mines + n_procs)
    stock, output = tonnes(data, (reps, n)), tonnes(data, (reps, n_mines))
    capacity, inputs, on_order = (tonnes(data, (reps, n_procs)) for _ in range(3))
    neither = np.r_[np.zeros(n_mines + n_procs, bool), np.ones(n_other, bool)]
    choosable = np.unique(index(data, data.draw(st.integers(1, 4)), n))
    can = stock > EPS  # _can_supply, restated
    can |= neither
    can[:, mines] |= output > 0
    can[:, procs] |= ((inputs > EPS) | (on_order > EPS)) & (capacity > 0)
    column_of = [np.full(n, -1, np.int64) for _ in range(2)]
    column_of[0][mines], column_of[1][procs] = np.arange(n_mines), np.arange(n_procs)
    assert loops.all_can_supply(choosable, stock, neither, column_of[0], output, column_of[1],
                                capacity, inputs, on_order) == bool(can[:, choosable].all())
