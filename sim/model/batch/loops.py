"""The batch step's passes over stock and ring cells, its needs and requests, its price step
and its factors' exponents, as compiled loops (numba), where on.

In NumPy each pass over [rep, cell] is several array operations, each a trip through ~31k
values (baseline, 48 replications) and a temporary; these loops do one replication's cells
at a time, once, with the same arithmetic in the same order (bit for bit, but for
`segment_sums` against reduceat), so results agree within 1e-9 (jit.py says when they run;
the NumPy code beside each caller runs otherwise; tests/unit/test_batch_loops.py checks
each against it).
"""

from __future__ import annotations

import math

import numpy as np

from sim.model import tolerances
from sim.model.batch.jit import jit

EPS = float(tolerances.EPS)  # tolerances' are 0-d arrays; numba wants floats
TINY = float(tolerances.TINY)


@jit
def segment_sums(values, first, out):
    """out[r, i] = values[r, first[i]:first[i + 1]] summed value after value (as bincount
    adds; reduceat adds a segment's first value to the sum of the rest, which may differ
    in the last bit), for every replication r; an empty segment sums to 0."""
    for r in range(values.shape[0]):
        for i in range(first.size - 1):
            total = 0.0
            for c in range(first[i], first[i + 1]):
                total += values[r, c]
            out[r, i] = total


@jit
def send(ring, due, tonnes, route):
    """ring[due[r, route[c]] % slots, r, c] += tonnes[r, c]: departures [rep, ring cell]
    into the slot of the step each cell's route makes them usable on (a slot per route
    first: a remainder per cell cost more than the rest of the loop)."""
    slots = ring.shape[0]
    slot = np.empty(due.shape[1], np.int64)
    for r in range(tonnes.shape[0]):
        for e in range(due.shape[1]):
            slot[e] = due[r, e] % slots
        for c in range(tonnes.shape[1]):
            ring[slot[route[c]], r, c] += tonnes[r, c]


@jit
def unload(slot, held, into, into_row, got):
    """Move each ring cell of `slot` [rep, ring cell] into its buyer's cell `into[c]` of
    `held` [rep, cell], cell after cell, and sum what arrived per holding row into `got`
    [rep, row]; `slot` is left zero."""
    for r in range(slot.shape[0]):
        got[r, :] = 0.0
        row, total = -1, 0.0  # a row's arrivals summed in a register while cells run on in
        for c in range(slot.shape[1]):  # it (a route's cells do): the same sums, in order
            if into_row[c] != row:
                if row >= 0:
                    got[r, row] = total
                row = into_row[c]
                total = got[r, row]
            tonnes = slot[r, c]
            held[r, into[c]] += tonnes
            total += tonnes
            slot[r, c] = 0.0
        if row >= 0:
            got[r, row] = total


@jit
def take_and_send(held, amount, before, first, route_first, ring, due, supplier,
                  holding_row, on_order, shipped, after):
    """Orders._ship without origin rules: each edge's `amount` [rep, edge] taken from its
    supplier's stock cells (node i's: `first[i]:first[i + 1]` of `held`) in proportion to
    what they hold (`before` [rep, row]: every row's stock, the nodes' first), sent into its
    ring cells (`route_first[e]:route_first[e + 1]`, its supplier's cells in order) in the
    slot `due` % slots, and the suppliers' cells scaled down; the amounts added to
    `on_order` [rep, row] by buyer (summed first, as bincount) and copied to `shipped`
    [rep, edge]; every row's stock after into `after` (the nodes' summed cell after cell, as
    `segment_sums` does; the others as before). An edge with nothing to send adds nothing."""
    slots, n = ring.shape[0], first.size - 1
    per_tonne, by_node = np.empty(n), np.empty(n)
    by_row = np.empty(on_order.shape[1])
    for r in range(amount.shape[0]):
        by_node[:] = 0.0
        by_row[:] = 0.0
        for e in range(amount.shape[1]):
            by_row[holding_row[e]] += amount[r, e]
            shipped[r, e] = amount[r, e]
            by_node[supplier[e]] += amount[r, e]
        for i in range(by_row.size):
            on_order[r, i] += by_row[i]
        for node in range(n):
            per_tonne[node] = 1.0 / max(before[r, node], TINY)
        for e in range(amount.shape[1]):
            ratio = amount[r, e] * per_tonne[supplier[e]]
            if ratio == 0.0:
                continue
            slot, source = due[r, e] % slots, first[supplier[e]] - route_first[e]
            for c in range(route_first[e], route_first[e + 1]):
                ring[slot, r, c] += held[r, source + c] * ratio
        after[r, :] = before[r, :]
        for node in range(n):
            scale, total = max(1.0 - by_node[node] * per_tonne[node], 0.0), 0.0
            for i in range(first[node], first[node + 1]):
                held[r, i] *= scale
                total += held[r, i]
            after[r, node] = total


@jit
def draw(held, mask, masked, wanted, first, taken, drawn):
    """World._draw: from each row's cells of `held` [rep, cell] (× `mask` where `masked`),
    up to `wanted` [rep, row] in all, every cell in proportion; `taken` [rep, row] and
    `drawn` [rep, cell] written, `held` reduced. A draw of EPS or less is none."""
    for r in range(held.shape[0]):
        for i in range(first.size - 1):
            have = 0.0
            for c in range(first[i], first[i + 1]):
                have += held[r, c] * mask[r, c] if masked else held[r, c]
            took = min(wanted[r, i], have)
            took = took if took > EPS else 0.0
            taken[r, i] = took
            ratio = took / max(have, TINY)
            for c in range(first[i], first[i + 1]):
                part = (held[r, c] * mask[r, c] if masked else held[r, c]) * ratio
                drawn[r, c] = part
                held[r, c] -= part


@jit
def process(drawn, inputs, yields, into, held, outputs, batches, done, slot, later, at_once):
    """Processors.process for every replication: each input cell (`inputs` + c of `drawn`)
    × its yield added into its stamped output cell in input order; then each output cell
    (`outputs` + c of `held`) gets the batch finishing now (slot `done[c]` of `batches`
    [slot, rep, output cell]) and what it makes at once (× `at_once`), and slot `slot`
    keeps what waits (× `later`). Where nothing waits, batches are zero and at_once 1: the
    same sums as adding what was made."""
    made = np.empty(batches.shape[2])
    for r in range(drawn.shape[0]):
        made[:] = 0.0
        for c in range(into.size):
            made[into[c]] += drawn[r, inputs + c] * yields[c]
        for c in range(made.size):
            out = held[r, outputs + c] + batches[done[c], r, c]
            batches[slot, r, c] = made[c] * later[c]
            held[r, outputs + c] = out + made[c] * at_once[c]


@jit
def deliver(took, by_mined, columns_mined, by_processed, columns_processed, recent):
    """Deliveries [rep, consumer cell] added into each replication's sums by mining and by
    processing group (flat [rep, consumer × group], zero before), and copied to `recent`."""
    for r in range(took.shape[0]):
        column, total = -1, 0.0  # by mining country: summed in a register while cells run
        for c in range(took.shape[1]):  # on in one column (a third as many runs as cells)
            tonnes = took[r, c]
            if columns_mined[c] != column:
                if column >= 0:
                    by_mined[r, column] = total
                column = columns_mined[c]
                total = by_mined[r, column]
            total += tonnes
            by_processed[r, columns_processed[c]] += tonnes
            recent[r, c] = tonnes
        if column >= 0:
            by_mined[r, column] = total


@jit
def return_scrap(held, used, source, into, of, came):
    """held[r, into[j]] += used[r, source[j]] × came[r or 0, of[j]], return cell after
    return cell: scrap of deliveries `used` [rep, consumer cell] joining processors' input."""
    one_row = came.shape[0] == 1
    for r in range(held.shape[0]):
        row = 0 if one_row else r
        for j in range(into.size):
            held[r, into[j]] += used[r, source[j]] * came[row, of[j]]


@jit
def adjust_prices(stocks, use, openness, reference_cover, cover_floor, log_reference,
                  sensitivity, pull, log_price, price, cover):
    """Prices.update's arithmetic for every replication r and market m, from stocks and use
    per day [rep, market] and openness [rep]: the cover ratio (pooled by openness; 1 where
    nobody uses anything), one log-linear step of `log_price` toward the indicated price,
    `price` and `cover` in days (0 without use) written. math.log and math.exp here are the
    C library's, as in the single engine's Python (numpy's own may differ in the last bit)."""
    for r in range(stocks.shape[0]):
        total, stocked = 0.0, 0.0
        for m in range(stocks.shape[1]):
            total += use[r, m] * reference_cover[r, m]
            stocked += stocks[r, m]
        pooled = stocked / (1.0 if total <= 0 else total)
        for m in range(stocks.shape[1]):
            wanted = use[r, m] * reference_cover[r, m]
            own = stocks[r, m] / wanted if wanted > 0 else pooled
            ratio = openness[r] * pooled + (1.0 - openness[r]) * own
            if total <= 0:
                ratio = 1.0
            indicated = log_reference[r, m] + sensitivity[r, m] * math.log(
                max(ratio, cover_floor))
            log_price[r, m] += (indicated - log_price[r, m]) * pull[r, m]
            price[r, m] = math.exp(log_price[r, m])
            cover[r, m] = stocks[r, m] / use[r, m] if use[r, m] > 0 else 0.0


@jit
def needs(target, cover, cover_factor, row_factor, held_t, on_order, backlog, use_backlog,
          holding_row, share, need, request):
    """Orders.place's needs for every replication: each row's target (with a market, its
    cover part × the precaution factor and all × the row factor: `cover` not empty) less
    what it holds and has on order (plus its backlog, if `use_backlog`), 0 unless above
    EPS, into `need` [rep, row]; each edge's request, its buyer's need × its live share
    (`share` [rep or 1, edge]), into `request` [rep, edge]."""
    market, one_share = cover.size > 0, share.shape[0] == 1
    for r in range(need.shape[0]):
        for i in range(need.shape[1]):
            wanted = target[r, i]
            if market:
                wanted = (wanted + cover[r, i] * (cover_factor[r, i] - 1.0)) * row_factor[r, i]
            gap = wanted - held_t[r, i] - on_order[r, i]
            if use_backlog:
                gap += backlog[r, i]
            need[r, i] = gap if gap > EPS else 0.0
        row = 0 if one_share else r
        for e in range(request.shape[1]):
            request[r, e] = need[r, holding_row[e]] * share[row, e]


@jit
def factor_exponents(log_stage, log_stage_reference, logs, pull, smooth, entity, coef,
                     cell_a, cell_b, exponent):
    """Factors.update before its exp, for every replication r: with `smooth`, each layer of
    smoothed log prices `logs` [rep, layer, cell] moved toward today's `log_stage` [rep,
    cell] by `pull` [rep, layer, 1]; then each entity's exponent, the sum of its terms
    coef × (cell a − cell b) over [log_stage, log_stage_reference, logs…] in term order
    (as bincount adds), into `exponent` [rep, entity]."""
    n, layers = log_stage.shape[1], logs.shape[1]
    stack = np.empty(n * (2 + layers))
    for r in range(log_stage.shape[0]):
        for c in range(n):
            stack[c], stack[n + c] = log_stage[r, c], log_stage_reference[r, c]
        for layer in range(layers):
            for c in range(n):
                if smooth:
                    logs[r, layer, c] += (log_stage[r, c] - logs[r, layer, c]) * pull[r, layer, 0]
                stack[(2 + layer) * n + c] = logs[r, layer, c]
        exponent[r, :] = 0.0
        for t in range(entity.size):
            exponent[r, entity[t]] += coef[r, t] * (stack[cell_a[t]] - stack[cell_b[t]])


@jit
def all_can_supply(choosable, stock_t, neither, mine_of, output, processor_of, capacity,
                   inputs_t, on_order_inputs):
    """Whether every supplier in `choosable` can supply in every replication (BatchOrders.
    _can_supply, for processors with no batch pending): it holds stock [rep, node], is
    neither mine nor processor, is a mine (`mine_of[node]` its column, else -1) with output
    [rep, mine], or a processor (`processor_of`) with capacity [rep, processor] and input
    held or on order [rep, processor]."""
    for r in range(stock_t.shape[0]):
        for node in choosable:
            if stock_t[r, node] > EPS or neither[node]:
                continue
            m, p = mine_of[node], processor_of[node]
            if m >= 0 and output[r, m] > 0:
                continue
            if p >= 0 and capacity[r, p] > 0 and (inputs_t[r, p] > EPS
                                                   or on_order_inputs[r, p] > EPS):
                continue
            return False
    return True
