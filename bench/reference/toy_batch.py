"""The toy network of toy_network.py advanced for R replications as one array: the NumPy floor.

Issue 17 asks how close tungsten-sim's batch engine comes to the least a replication costs
when many are advanced together. This is that least: the same network and rules as
`simpy_toy.run_lean` (10 mines -> 5 refiners -> 3 stockpiles -> 6 sectors, weekly or daily,
20 years), with stocks as arrays [replication, node] and goods on the way in a ring of slots
[replication, slot, node], and none of the model's extras: no origins, priorities, orders,
events or records beyond two totals. Each replication draws from its own generator
(spawned from `SeedSequence(seed)`), all of a step's draws at once.

    delivered, shortfall = run_batch(1000, seed=1)   # arrays [replication], tonnes
"""

from __future__ import annotations

import numpy as np

from .toy_network import (
    MINE_MU,
    MINE_REF,
    MINE_SD,
    N_MINES,
    N_REF,
    N_SEC,
    N_SP,
    REF_CAP,
    REF_SP,
    REF_YIELD,
    SEC_MU,
    SEC_SP,
    T1,
    T2,
    horizon,
)


def run_batch(replications: int, seed: int = 0, daily: bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
    """Delivered and shortfall tonnes of each of `replications` runs of the toy network."""
    r = replications
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    steps = horizon(daily)
    f = 1 / 7 if daily else 1.0  # per-step rate factor
    tm = 7 if daily else 1  # transit multiplier (steps per week)
    slots = T1[1] * tm + 1
    ring_ref = np.zeros((slots, r, N_REF))  # goods on the way to refiners, by arrival slot
    ring_sp = np.zeros((slots, r, N_SP))
    ref = np.zeros((r, N_REF))
    sp = np.full((r, N_SP), 500.0)
    mine_ref, ref_sp = np.array(MINE_REF), np.array(REF_SP)
    sec_mu = np.array(SEC_MU) * f
    rows = np.arange(r)[:, None]
    delivered, shortfall = np.zeros(r), np.zeros(r)
    for k in range(1, steps + 1):
        slot = k % slots
        ref += ring_ref[slot]
        sp += ring_sp[slot]
        ring_ref[slot] = 0.0
        ring_sp[slot] = 0.0
        mined = np.maximum(rng.normal(MINE_MU, MINE_SD, (r, N_MINES)) * f, 0.0)
        due = (k + rng.integers(T1[0], T1[1] + 1, (r, N_MINES)) * tm) % slots
        np.add.at(ring_ref, (due, rows, mine_ref), mined)
        q = np.minimum(ref, REF_CAP * f)
        ref -= q
        due = (k + rng.integers(T2[0], T2[1] + 1, (r, N_REF)) * tm) % slots
        np.add.at(ring_sp, (due, rows, ref_sp), q * REF_YIELD)
        demand = np.maximum(rng.normal(sec_mu, 0.2 * sec_mu, (r, N_SEC)), 0.0)
        for s in range(N_SEC):  # sectors sharing a stockpile take in turn, as the lean loop
            take = np.minimum(demand[:, s], sp[:, SEC_SP[s]])
            sp[:, SEC_SP[s]] -= take
            delivered += take
            shortfall += demand[:, s] - take
    return delivered, shortfall
