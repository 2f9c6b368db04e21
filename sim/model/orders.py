"""Step 6 of design.md: buyers order up to their targets; suppliers allocate; ship.

Each buyer orders (target − stock − goods on the way), split over its suppliers by share;
a supplier that cannot supply on the step (a mine not yet online and with no stock, a plant
with no capacity or with nothing to work on or sell) takes no share, so adding a future
supplier to a list changes nothing before it exists.
A supplier serves the orders it receives from stock, highest priority (lowest number) first,
pro rata within a priority; banned or blocked edges get nothing, quota-controlled edges at
most what the quota has left. What is unfilled is re-offered to the buyer's suppliers in the
order of its list (one pass per position in the list); what is still unfilled is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model.world import World

EPS = 1e-12


def place_orders(world: World, k: int) -> None:
    """Orders, allocation and shipments of step k."""
    needs = []  # [node, tonnes still wanted]
    on_order, backlog, inputs, stock = world.on_order, world.backlog, world.inputs, world.stock
    for node in world.buyers:
        target = node.target[k] if isinstance(node.target, list) else node.target
        if target is None:
            continue
        i = node.index
        store = inputs[i] or stock[i]
        held = store.total if world.origin_rules[i] is None else _usable(world, store, i, k)
        need = target + backlog[i] - held - on_order[i]
        if need > EPS:
            needs.append([node, need])
    if not needs:
        return
    filled: dict[int, float] = {}
    committed: dict[int, float] = {}
    requests: dict[int, list] = {}
    for entry in needs:
        node, need = entry
        mask = world.mask(node.index, k)
        edges = node.edges
        if len(edges) > 1:  # shares are split over the suppliers that exist on this step
            live = [e for e in edges if world.can_supply(e.supplier, k)]
            if live and len(live) < len(edges):
                need /= sum(e.share for e in live)
                edges = live
        for edge in edges:
            amount = need * edge.share
            if mask is not None:  # only what the supplier holds of allowed origins
                amount = min(amount, world.stock[edge.supplier].allowed_total(mask))
            request = (node.priority, edge.index, amount, entry)
            requests.setdefault(edge.supplier, []).append(request)
    _serve_all(world, requests, filled, committed)
    wanting = [entry for entry in needs if entry[1] > EPS]
    for position in range(max((len(entry[0].edges) for entry in wanting), default=0)):
        requests = {}
        for entry in wanting:
            node, rest = entry
            if rest > EPS and position < len(node.edges):
                edge = node.edges[position]
                if stock[edge.supplier].total - committed.get(edge.supplier, 0.0) <= EPS:
                    continue  # nothing left there to re-offer
                mask = world.mask(node.index, k)
                if mask is not None:
                    rest = min(rest, world.stock[edge.supplier].allowed_total(mask))
                requests.setdefault(edge.supplier, []).append(
                    (node.priority, edge.index, rest, entry))
        if requests:
            _serve_all(world, requests, filled, committed)
    restricted = [e for e in filled if world.origin_rules[world.net.edges[e].buyer] is not None]
    for e in restricted:  # origin-restricted buyers first, while the allowed origins are there
        world.ship(e, filled.pop(e), k)
    for e, amount in filled.items():
        if amount > EPS:
            world.ship(e, amount, k)


def _usable(world: World, store, index: int, k: int) -> float:
    """Stock a buyer may use: all of it, or only its allowed origins under an origin rule."""
    mask = world.mask(index, k)
    return store.total if mask is None else store.allowed_total(mask)


def _serve_all(world: World, requests: dict, filled: dict, committed: dict) -> None:
    """Let every supplier serve its requests; record grants on edges and on the buyers."""
    for supplier, reqs in requests.items():
        available = world.stock[supplier].total - committed.get(supplier, 0.0)
        if available <= EPS:
            continue
        granted = _serve(world, available, reqs, filled)
        committed[supplier] = committed.get(supplier, 0.0) + granted


def _serve(world: World, available: float, reqs: list, filled: dict) -> float:
    """Allocate `available` tonnes to requests (priority, edge, tonnes, buyer entry)."""
    blocked, quota_of = world.rules.blocked, world.rules.quota
    if len(reqs) == 1:  # one buyer: no priorities to weigh, no pro rata
        _, e, wanted, entry = reqs[0]
        if blocked[e] or wanted <= EPS:
            return 0.0
        amount = min(wanted, available)
        quota = quota_of[e]
        if quota is not None:
            amount = min(amount, quota.left_t)
            quota.left_t -= amount
        filled[e] = filled.get(e, 0.0) + amount
        entry[1] -= amount
        return amount
    reqs.sort(key=lambda r: r[0])
    total_granted = 0.0
    i, n = 0, len(reqs)
    while i < n and available > EPS:
        j = i + 1
        while j < n and reqs[j][0] == reqs[i][0]:
            j += 1
        group = [r for r in reqs[i:j] if not blocked[r[1]] and r[2] > EPS]
        i = j
        total = sum(r[2] for r in group)
        if total <= EPS:
            continue
        fraction = min(1.0, available / total)
        grants = [(r, r[2] * fraction) for r in group]
        if any(quota_of[r[1]] is not None for r in group):
            grants = _cap_by_quotas(grants, quota_of)
        for (_, e, _, entry), amount in grants:
            filled[e] = filled.get(e, 0.0) + amount
            entry[1] -= amount
            available -= amount
            total_granted += amount
    return total_granted


def _cap_by_quotas(grants: list, quota_of: list) -> list:
    """Scale grants on quota-controlled edges down to what each quota has left."""
    asked: dict[int, float] = {}
    quotas = {}
    for request, amount in grants:
        quota = quota_of[request[1]]
        if quota is not None:
            asked[id(quota)] = asked.get(id(quota), 0.0) + amount
            quotas[id(quota)] = quota
    scale = {key: min(1.0, quotas[key].left_t / asked[key]) if asked[key] > 0 else 0.0
             for key in quotas}
    out = []
    for request, amount in grants:
        quota = quota_of[request[1]]
        out.append((request, amount * scale[id(quota)] if quota is not None else amount))
    for key, quota in quotas.items():
        quota.left_t = max(0.0, quota.left_t - asked[key] * scale[key])
    return out
