"""Step 6 of design.md: buyers order up to their targets; suppliers allocate; ship.

Each buyer orders (target − stock − goods on the way), split over its suppliers by share;
a supplier that cannot supply on the step (a mine not yet online and with no stock, a plant
with no capacity or with nothing to work on or sell) takes no share, so adding a future
supplier to a list changes nothing before it exists.
Priority levels are served one after another, highest (lowest number) first. Within a
level, each supplier serves the orders it receives from stock pro rata; banned or blocked
edges get nothing, quota-controlled edges at most what the quota has left (shared pro rata
by the quota's edges when it binds). Then the level's unfilled rest is re-offered in rounds:
each buyer asks the first supplier of its list that still has stock it may take and that
it has not re-asked yet (so a supplier that could not fill is skipped), and suppliers serve
the round's requests pro rata. Only then does the next level order, so a defense buyer's
re-offer comes before a commercial buyer's first order. What is still unfilled is dropped.
Every round works on arrays over edges: a request per edge, sums per supplier by bincount.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.tolerances import EPS, ONE, TINY, ZERO

if TYPE_CHECKING:
    from sim.model.world import Level, World


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
    filled = _allocate(world, need, request, stock_t.copy())
    _ship(world, k, filled * (filled > EPS), stock_t)


def _allocate(world: World, need: np.ndarray, request: np.ndarray,
              available: np.ndarray) -> np.ndarray:
    """Tonnes granted per edge: each priority level's first orders, then its re-offers, one
    level after another, highest first (lower levels get what the higher ones left)."""
    rest = need.copy()
    filled = np.empty(request.size)
    for level in world.levels:
        if level.rows is None:  # one level: every edge
            filled = _serve_level(world, request, available, level.suppliers, None)
        else:
            filled[level.rows] = granted = _serve_level(
                world, request[level.rows], available, level.suppliers, level.rows)
        if level.asks.size and np.count_nonzero(available[level.ask_suppliers] > EPS):
            rest -= np.bincount(level.holding, filled if level.rows is None else granted,
                                minlength=rest.size)
            _reoffer(world, level, rest, filled, available)
    return filled


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


def _cap_to_allowed(world: World, request: np.ndarray, rows: np.ndarray | None = None,
                    granted: np.ndarray | None = None) -> None:
    """Requests of origin-restricted buyers (per edge of `rows`, every edge if None): at most
    what the supplier holds of allowed origins, less what the edge was `granted` already."""
    if rows is None:
        at = capped = world.masked_edges
    else:
        at = world.is_masked_edge[rows]
        capped = rows[at]
    if capped.size:
        suppliers, buyers = world.edges.supplier[capped], world.edges.buyer[capped]
        allowed = (world.stock[suppliers] * world.mask_now[buyers]).dot(world.ones)
        if granted is not None:
            allowed = np.maximum(allowed - granted[at], ZERO)
        request[at] = np.minimum(request[at], allowed)


def _serve_rows(world: World, request: np.ndarray, available: np.ndarray,
                rows: np.ndarray) -> np.ndarray:
    """Tonnes granted on the edges `rows`, all of one priority level, to `request` (per edge
    of `rows`): pro rata to each supplier's `available` (updated)."""
    if rows.size == 1:  # the usual re-offer: cheaper in scalars
        return np.array([_serve_one(world, int(rows[0]), float(request[0]), available)])
    return _serve_level(world, request, available, world.edges.supplier[rows], rows)


def _serve_level(world: World, request: np.ndarray, available: np.ndarray,
                 suppliers: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """Grant requests of one priority pro rata to what each supplier has available, then cut
    grants on a quota's edges pro rata to what the quota has left."""
    asked = np.bincount(suppliers, request, minlength=available.size)
    fraction = np.minimum(np.maximum(available, ZERO), asked) / np.maximum(asked, EPS)
    granted = request * fraction[suppliers]
    for quota, on_quota in world.quota_edges:
        mine = on_quota if rows is None else on_quota[rows]
        asked_q = float(granted[mine].sum())
        if asked_q > 0:
            scale = min(1.0, quota.left_t / asked_q)
            granted[mine] *= scale
            quota.left_t = max(0.0, quota.left_t - asked_q * scale)
    available -= np.bincount(suppliers, granted, minlength=available.size)
    return granted


def _serve_one(world: World, edge: int, request: float, available: np.ndarray) -> float:
    """Pro rata with a single request, in scalars: min(request, what its supplier has left),
    at most what its quota has left."""
    supplier = int(world.edges.supplier[edge])
    granted = max(0.0, min(request, float(available[supplier])))
    quota = world.quota_of.get(edge)
    if quota is not None:
        granted = min(granted, quota.left_t)
        quota.left_t = max(0.0, quota.left_t - granted)
    available[supplier] -= granted
    return granted


def _reoffer(world: World, level: Level, rest: np.ndarray, filled: np.ndarray,
             available: np.ndarray) -> None:
    """Re-offer the unfilled `rest` (by holding row) of one level's buyers in rounds, adding
    grants to `filled`.

    In a round each buyer asks, for all it still lacks, the first supplier in its list that
    has stock left, that it may ask (quota not spent) and that it has not re-asked yet;
    every supplier serves the requests it receives pro rata. Every edge is re-asked at most
    once, so the rounds end. Without a quota in force only buyers with more than one
    supplier can gain (a sole supplier has given all it had, or all an origin rule allows);
    a quota caps grants after they are shared pro rata, which can leave stock that the
    supplier's other buyers missed, so then every open edge may ask (World.reoffered). An
    origin-restricted buyer asks only for allowed tonnes not yet granted on the edge.
    """
    buyer_of = level.ask_holding
    may = rest[buyer_of] > EPS  # per edge of level.asks, in preference order
    while True:
        may &= available[level.ask_suppliers] > EPS
        for quota, on_quota in level.ask_quotas:
            if quota.left_t <= EPS:
                may &= ~on_quota
        live = may.nonzero()[0]
        if not live.size:
            return
        if live.size == 1:  # one buyer asks one supplier: in scalars
            may[live] = False
            edge, buyer = int(level.asks[live[0]]), int(buyer_of[live[0]])
            request = float(rest[buyer])
            if world.is_masked_edge[edge]:
                request = min(request, _allowed_t(world, edge) - float(filled[edge]))
            granted = _serve_one(world, edge, request, available) if request > EPS else 0.0
            filled[edge] += granted
            rest[buyer] -= granted
            return
        buyers = buyer_of[live]
        first = np.empty(live.size, dtype=bool)
        first[0] = True
        first[1:] = buyers[1:] != buyers[:-1]  # the first live edge of each buyer
        picked = live[first]
        may[picked] = False  # each edge is re-asked once
        asks, buyers = level.asks[picked], buyers[first]
        request = rest[buyers]
        if world.masked_edges.size:
            _cap_to_allowed(world, request, asks, filled[asks])
            asking = request > EPS
            asks, buyers, request = asks[asking], buyers[asking], request[asking]
            if not asks.size:
                continue
        granted = _serve_rows(world, request, available, asks)
        filled[asks] += granted
        rest[buyers] -= granted
        may &= rest[buyer_of] > EPS


def _allowed_t(world: World, edge: int) -> float:
    """Tonnes of the origins its buyer may take that an edge's supplier holds."""
    edges = world.edges
    return float((world.stock[edges.supplier[edge]] * world.mask_now[edges.buyer[edge]])
                 .dot(world.ones))


def _ship(world: World, k: int, amount: np.ndarray, stock_t: np.ndarray) -> None:
    """Take each edge's tonnes from its supplier and send them; origin-restricted buyers'
    edges first, so that the allowed origins are still there."""
    if not np.count_nonzero(amount):
        return
    edges, stock = world.edges, world.stock
    restricted = world.masked_edges[amount[world.masked_edges] > 0] \
        if world.masked_edges.size else world.masked_edges
    if restricted.size:
        # the highest priority first: each was granted up to all the allowed stock
        restricted = restricted[np.argsort(edges.level[restricted], kind="stable")]
        tonnes = np.zeros((amount.size, world.ones.size))
        for e in restricted.tolist():
            part, amount[e] = world.take(edges.supplier[e], amount[e],
                                         world.mask_now[edges.buyer[e]])
            if part is not None:
                tonnes[e] = part
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
