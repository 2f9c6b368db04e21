"""Step 6 of design.md: buyers order up to their targets; suppliers allocate; ship.

Each buyer orders (target − stock − goods on the way), split over its suppliers by share;
a supplier that cannot supply on the step (a mine not yet online and with no stock, a plant
with no capacity or with nothing to work on or sell) takes no share, so adding a future
supplier to a list changes nothing before it exists.
A supplier serves the orders it receives from stock, highest priority (lowest number) first,
pro rata within a priority; banned or blocked edges get nothing, quota-controlled edges at
most what the quota has left (shared pro rata by the quota's edges when it binds). What is
unfilled is re-offered to the buyer's suppliers in the order of its list (one pass per
position in the list), and stock a quota refused to the supplier's other buyers; what is
still unfilled is dropped.
Every pass works on arrays over edges: a request per edge, sums per supplier by bincount.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.tolerances import EPS, ONE, TINY, ZERO

if TYPE_CHECKING:
    from sim.model.world import World


def place_orders(world: World, k: int) -> None:
    """Orders, allocation and shipments of step k.

    Buyers' quantities live on holding rows (World.held): a processor buys into its input
    row, every other node into its stock row, so that need = target − held − on the way is
    one subtraction over rows.
    """
    edges, n = world.edges, world.stock.shape[0]
    held_t = world.held.dot(world.ones)
    stock_t = held_t[:n]
    if world.masked.size:  # a buyer under an origin rule counts only the origins it may use
        rows = world.masked
        held_t = held_t.copy()
        held_t[rows] = (world.stock[rows] * world.mask_now[rows]).dot(world.ones)
    need = world.target[k] - held_t - world.on_order
    if world.any_backlog:
        need += world.backlog
    need *= need > EPS
    request = need[edges.holding_row] * _live_shares(world, k, stock_t, held_t[n:])
    if world.masked_edges.size:
        _cap_to_allowed(world, request)
    if world.any_blocked:
        request *= world.open
    available = stock_t.copy()
    filled = _serve(world, request, available)
    if world.reoffer_from.size and np.count_nonzero(available[world.reoffer_from] > EPS):
        rest = need - np.bincount(edges.holding_row, filled, minlength=need.size)
        filled += _reoffer(world, rest, available)
    _ship(world, k, filled * (filled > EPS), stock_t)


def _live_shares(world: World, k: int, stock_t: np.ndarray, inputs_t: np.ndarray) -> np.ndarray:
    """Each edge's share of its buyer's order, over the suppliers that exist on step k."""
    edges = world.edges
    if not edges.choice or \
            np.count_nonzero(stock_t[edges.choosable] > EPS) == edges.choosable.size:
        return edges.share  # every supplier a buyer chooses among can supply
    working = (inputs_t > EPS) | (world.on_order[stock_t.size:] > EPS)
    if world.any_later:
        working |= world.pending_batches(k)
    can = (stock_t > EPS) | (world.nodes.producing[k] & (working | ~world.is_processor))
    live = can[edges.supplier]
    n = can.size
    n_live = np.bincount(edges.buyer[live], minlength=n)
    some_gone = ((n_live > 0) & (n_live < edges.n_edges_of_buyer))[edges.buyer]
    if not np.count_nonzero(some_gone):
        return edges.share
    live_total = np.bincount(edges.buyer, edges.share * live, minlength=n)[edges.buyer]
    live_share = edges.share * live / np.maximum(live_total, TINY)
    return np.where(some_gone, live_share, edges.share)


def _cap_to_allowed(world: World, request: np.ndarray) -> None:
    """Requests of origin-restricted buyers: at most what the supplier holds of allowed
    origins."""
    rows = world.masked_edges
    suppliers, buyers = world.edges.supplier[rows], world.edges.buyer[rows]
    allowed = (world.stock[suppliers] * world.mask_now[buyers]).dot(world.ones)
    request[rows] = np.minimum(request[rows], allowed)


def _serve(world: World, request: np.ndarray, available: np.ndarray,
           one_level: bool = False) -> np.ndarray:
    """Tonnes granted per edge; each supplier's `available` (updated) goes to the highest
    priority first, pro rata within a priority. `one_level`: all requests share a priority."""
    edges = world.edges
    if edges.levels is None or one_level:
        return _serve_level(world, request, available)
    if world.quota_edges:  # a quota binding on one priority leaves more for the next
        granted = np.zeros(request.size)
        for level in edges.levels:
            granted += _serve_level(world, request * level, available)
        return granted
    # all priorities at once: each gets what its supplier has left after the higher ones
    n, n_levels = available.size, len(edges.levels)
    asked = np.bincount(edges.supplier_level, request, minlength=n * n_levels).reshape(
        n, n_levels)
    left = available[:, None] - asked.dot(edges.higher)  # minus what higher priorities asked
    fraction = np.minimum(left, asked) / np.maximum(asked, EPS)
    fraction *= left > EPS
    granted = request * fraction.ravel()[edges.supplier_level]
    available -= np.bincount(edges.supplier, granted, minlength=n)
    return granted


def _serve_level(world: World, request: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Grant requests of one priority pro rata to what each supplier has available."""
    suppliers = world.edges.supplier
    asked = np.bincount(suppliers, request, minlength=available.size)
    fraction = np.minimum(np.maximum(available, ZERO), asked) / np.maximum(asked, EPS)
    granted = request * fraction[suppliers]
    for quota, rows in world.quota_edges:
        asked_q = float(granted[rows].sum())
        if asked_q > 0:
            scale = min(1.0, quota.left_t / asked_q)
            granted[rows] *= scale
            quota.left_t = max(0.0, quota.left_t - asked_q * scale)
    available -= np.bincount(suppliers, granted, minlength=available.size)
    return granted


def _reoffer(world: World, rest: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Offer each buyer's unfilled rest to its suppliers in list order; tonnes granted.

    Without a quota in force only buyers with more than one supplier can gain: a sole
    supplier has already given all it had, or all an origin rule allows. A quota caps
    grants after they are shared pro rata, which can leave a supplier stock that its other
    buyers missed, so then every buyer may ask again (World.reoffered, World.reoffer_from),
    except on edges whose quota is spent. place_orders first checks that one of those
    suppliers has something left.
    """
    edges = world.edges
    filled = np.zeros(edges.share.size)
    asking = (rest[edges.holding_row] > EPS) & (available[edges.supplier] > EPS) \
        & _may_ask(world)
    first = True
    for position in sorted(set(edges.position[asking].tolist())):  # only ever fewer later
        rows = edges.positions[position]
        wanted = rest[edges.holding_row[rows]]
        if first:  # nothing has changed since `asking` was worked out
            asking, first = asking[rows], False
        else:
            asking = (wanted > EPS) & (available[edges.supplier[rows]] > EPS) \
                & _may_ask(world)[rows]
            if not np.count_nonzero(asking):
                continue
        request = np.zeros(filled.size)
        request[rows] = wanted * asking
        if world.masked_edges.size:
            _cap_to_allowed(world, request)
        one_level = edges.one_level_at[position] or \
            len(set(edges.level[rows[asking]].tolist())) == 1
        granted = _serve(world, request, available, one_level)
        filled += granted
        rest -= np.bincount(edges.holding_row, granted, minlength=rest.size)
    return filled


def _may_ask(world: World) -> np.ndarray:
    """Edges a re-offer may go to: World.reoffered, less those whose quota is spent."""
    if not world.quota_edges:
        return world.reoffered
    may = world.reoffered.copy()
    for quota, rows in world.quota_edges:
        if quota.left_t <= EPS:
            may[rows] = False
    return may


def _ship(world: World, k: int, amount: np.ndarray, stock_t: np.ndarray) -> None:
    """Take each edge's tonnes from its supplier and send them; origin-restricted buyers'
    edges first, so that the allowed origins are still there."""
    if not np.count_nonzero(amount):
        return
    edges, stock = world.edges, world.stock
    restricted = world.masked_edges[amount[world.masked_edges] > 0] \
        if world.masked_edges.size else world.masked_edges
    if restricted.size:
        tonnes = np.zeros((amount.size, world.ones.size))
        for e in restricted.tolist():
            allowed = stock[edges.supplier[e]] * world.mask_now[edges.buyer[e]]
            have = float(allowed.dot(world.ones))
            amount[e] = min(amount[e], have) if have > EPS else 0.0
            if amount[e] > 0:
                tonnes[e] = allowed * (amount[e] / have)
                stock[edges.supplier[e]] -= tonnes[e]
        free = amount.copy()
        free[restricted] = 0.0
        tonnes += _take_in_proportion(world, free, stock.dot(world.ones))
        free[restricted] = amount[restricted]
        amount = free
    else:
        tonnes = _take_in_proportion(world, amount, stock_t)
    world.arrivals.goods.send(_due_cells(world, k), tonnes)
    world.on_order += np.bincount(edges.holding_row, amount, minlength=world.on_order.size)
    world.rec.shipped_by_edge[k] = amount
    for quota, rows in world.watched:
        if quota.watch_from_step <= k < quota.first_step:
            quota.watched_t += float(amount[rows].sum())


def _take_in_proportion(world: World, amount: np.ndarray, have: np.ndarray) -> np.ndarray:
    """Take `amount` tonnes per edge from its supplier (which holds `have`), every origin in
    proportion; tonnes by origin per edge. Grants never exceed a supplier's stock but by
    rounding (1e-16 of it); the stock then goes to exactly zero."""
    suppliers, stock = world.edges.supplier, world.stock
    per_tonne = ONE / np.maximum(have, TINY)
    share = np.bincount(suppliers, amount, minlength=have.size) * per_tonne
    tonnes = stock[suppliers] * (amount * per_tonne[suppliers])[:, None]
    stock *= np.maximum(ONE - share, ZERO)[:, None]
    return tonnes


def _due_cells(world: World, k: int) -> np.ndarray:
    """Where in the goods ring shipments departing on step k go, by edge: the first step
    starting at or after departure + transit (+ any delay in force), at least k + 1."""
    if not world.any_extra:
        return world.due_cells[k]
    step_days = world.clock.step_days
    days = world.edges.transit_days[k] + world.extra_days
    due = np.maximum(k + 1, np.ceil((k * step_days + days) / step_days - 1e-9)).astype(np.int64)
    return world.arrivals.goods.cells(due)
