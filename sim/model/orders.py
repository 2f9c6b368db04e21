"""Step 6 of design.md: buyers order up to their targets; suppliers allocate; ship.

Each buyer orders (target − stock − goods on the way), split over its suppliers by share.
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
    needs = []
    for node in world.buyers:
        target = node.target[k] if isinstance(node.target, list) else node.target
        if target is None:
            continue
        store = world.inputs[node.index] or world.stock[node.index]
        need = target + world.backlog[node.index] - store.total - world.on_order[node.index]
        if need > EPS:
            needs.append([node, need])
    if not needs:
        return
    filled = [0.0] * len(world.net.edges)
    committed = [0.0] * len(world.net.nodes)
    requests: dict[int, list] = {}
    for node, need in needs:
        for edge in node.edges:
            request = (node.priority, edge.index, need * edge.share)
            requests.setdefault(edge.supplier, []).append(request)
    for supplier, reqs in requests.items():
        _serve(world, supplier, reqs, filled, committed)
    for entry in needs:
        entry[1] -= sum(filled[e.index] for e in entry[0].edges)
    longest = max(len(node.edges) for node, _ in needs)
    for position in range(longest):
        requests = {}
        for node, rest in needs:
            if rest > EPS and position < len(node.edges):
                edge = node.edges[position]
                requests.setdefault(edge.supplier, []).append((node.priority, edge.index, rest))
        if not requests:
            break
        before = filled.copy()
        for supplier, reqs in requests.items():
            _serve(world, supplier, reqs, filled, committed)
        for entry in needs:
            node = entry[0]
            if position < len(node.edges):
                e = node.edges[position].index
                entry[1] -= filled[e] - before[e]
    for e, amount in enumerate(filled):
        if amount > EPS:
            world.ship(e, amount, k)


def _serve(world: World, supplier: int, reqs: list, filled: list, committed: list) -> None:
    """Allocate a supplier's uncommitted stock to requests (priority, edge, tonnes)."""
    available = world.stock[supplier].total - committed[supplier]
    if available <= EPS:
        return
    blocked, quota_of = world.rules.blocked, world.rules.quota
    reqs.sort(key=lambda r: r[0])
    i = 0
    while i < len(reqs) and available > EPS:
        j = i
        while j < len(reqs) and reqs[j][0] == reqs[i][0]:
            j += 1
        group = [(e, q) for _, e, q in reqs[i:j] if not blocked[e] and q > EPS]
        i = j
        total = sum(q for _, q in group)
        if total <= EPS:
            continue
        fraction = min(1.0, available / total)
        grants = [(e, q * fraction) for e, q in group]
        grants = _cap_by_quotas(grants, quota_of)
        for e, amount in grants:
            filled[e] += amount
            available -= amount
    committed[supplier] = world.stock[supplier].total - max(available, 0.0)


def _cap_by_quotas(grants: list, quota_of: list) -> list:
    """Scale grants on quota-controlled edges down to what each quota has left."""
    asked: dict[int, float] = {}
    quotas = {}
    for e, amount in grants:
        quota = quota_of[e]
        if quota is not None:
            asked[id(quota)] = asked.get(id(quota), 0.0) + amount
            quotas[id(quota)] = quota
    if not quotas:
        return grants
    scale = {key: min(1.0, quotas[key].left_t / asked[key]) if asked[key] > 0 else 0.0
             for key in quotas}
    out = []
    for e, amount in grants:
        quota = quota_of[e]
        if quota is not None:
            amount *= scale[id(quota)]
        out.append((e, amount))
    for key, quota in quotas.items():
        quota.left_t = max(0.0, quota.left_t - asked[key] * scale[key])
    return out
