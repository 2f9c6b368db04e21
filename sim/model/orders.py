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
        filled += _reoffer(world, rest, available, filled)
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


def _serve(world: World, request: np.ndarray, available: np.ndarray,
           rows: np.ndarray | None = None) -> np.ndarray:
    """Tonnes granted on the edges `rows` (every edge if None) to `request` (per edge of
    `rows`): each supplier's `available` (updated) goes to the highest priority first, pro
    rata within a priority."""
    if rows is not None and rows.size == 1:  # the usual re-offer: cheaper in scalars
        return np.array([_serve_one(world, int(rows[0]), float(request[0]), available)])
    edges = world.edges
    suppliers = edges.supplier if rows is None else edges.supplier[rows]
    if edges.levels is None or (rows is not None and _one_level(edges.level[rows])):
        return _serve_level(world, request, available, suppliers, rows)
    if world.quota_edges:  # a quota binding on one priority leaves more for the next
        granted = np.zeros(request.size)
        for level_mask in edges.levels:
            on_level = request * (level_mask if rows is None else level_mask[rows])
            granted += _serve_level(world, on_level, available, suppliers, rows)
        return granted
    # all priorities at once: each gets what its supplier has left after the higher ones
    cells = edges.supplier_level if rows is None else edges.supplier_level[rows]
    n, n_levels = available.size, len(edges.levels)
    asked = np.bincount(cells, request, minlength=n * n_levels).reshape(n, n_levels)
    left = available[:, None] - asked.dot(edges.higher)  # minus what higher priorities asked
    fraction = np.minimum(left, asked) / np.maximum(asked, EPS)
    fraction *= left > EPS
    granted = request * fraction.ravel()[cells]
    available -= np.bincount(suppliers, granted, minlength=n)
    return granted


def _one_level(levels: np.ndarray) -> bool:
    """Whether requests of these priority levels all share one."""
    return bool((levels == levels[0]).all())


def _serve_level(world: World, request: np.ndarray, available: np.ndarray,
                 suppliers: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """Grant requests of one priority pro rata to what each supplier has available."""
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


def _reoffer(world: World, rest: np.ndarray, available: np.ndarray,
             granted_before: np.ndarray) -> np.ndarray:
    """Offer each buyer's unfilled rest to its suppliers in list order; tonnes granted.

    Without a quota in force only buyers with more than one supplier can gain: a sole
    supplier has already given all it had, or all an origin rule allows. A quota caps
    grants after they are shared pro rata, which can leave a supplier stock that its other
    buyers missed, so then every buyer may ask again (World.reoffered, World.reoffer_from),
    except on edges whose quota is spent. place_orders first checks that one of those
    suppliers has something left. A pass works on the edges that ask (a buyer has one edge
    at each position of its list, so their holding rows differ). `granted_before` is what the
    first pass granted on each edge: an origin-restricted buyer may ask only for allowed
    tonnes not granted yet.
    """
    edges = world.edges
    filled = np.zeros(edges.share.size)
    asking = (rest[edges.holding_row] > EPS) & (available[edges.supplier] > EPS) \
        & _may_ask(world)
    first = True
    for position in sorted(set(edges.position[asking].tolist())):  # only ever fewer later
        rows = edges.positions[position]
        if first:  # nothing has changed since `asking` was worked out
            asks, first = rows[asking[rows]], False
        else:
            asks = rows[(rest[edges.holding_row[rows]] > EPS)
                        & (available[edges.supplier[rows]] > EPS) & _may_ask(world)[rows]]
            if not asks.size:
                continue
        buyer_rows = edges.holding_row[asks]
        request = rest[buyer_rows]
        if world.masked_edges.size:
            _cap_to_allowed(world, request, asks, granted_before[asks] + filled[asks])
        granted = _serve(world, request, available, asks)
        filled[asks] += granted
        rest[buyer_rows] -= granted
    return filled


def _may_ask(world: World) -> np.ndarray:
    """Edges a re-offer may go to: World.reoffered, less those whose quota is spent."""
    if not world.quota_edges:
        return world.reoffered
    may = world.reoffered.copy()
    for quota, on_quota in world.quota_edges:
        if quota.left_t <= EPS:
            may[on_quota] = False
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
