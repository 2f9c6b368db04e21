"""Item 3: toy tungsten network written directly in SimPy.

Copied from shared/bench-reference/simpy_toy.py of the tungsten-sim design card. Changes:
explicit relative imports instead of `from toy_network import *`; one statement per line;
the `__main__` block is dropped (bench/run.py times these functions). The models, their
random draws and their event counts are unchanged.

variant 'idiomatic': Containers for every stock, one process per node, one process per shipment.
variant 'lean': plain float stocks, one process per node, shipments as timeout events with
callbacks.
"""

import random

import simpy

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


def run_idiomatic(seed=0, daily=False):
    rng = random.Random(seed)
    env = simpy.Environment()
    H = horizon(daily)
    f = 1 / 7 if daily else 1.0  # per-step rate factor
    tm = 7 if daily else 1  # transit multiplier (steps per week)
    inf = float("inf")
    mine_st = [simpy.Container(env, capacity=inf) for _ in range(N_MINES)]
    ref_st = [simpy.Container(env, capacity=inf) for _ in range(N_REF)]
    sp_st = [simpy.Container(env, init=500, capacity=inf) for _ in range(N_SP)]
    stats = {"shortfall": 0.0, "delivered": 0.0}

    def ship(dest, q, d):
        yield env.timeout(d)
        yield dest.put(q)

    def mine(i):
        st = mine_st[i]
        dest = ref_st[MINE_REF[i]]
        while True:
            yield env.timeout(1)
            q = max(0.0, rng.gauss(MINE_MU, MINE_SD) * f)
            yield st.put(q)
            lvl = st.level
            if lvl > 0:
                yield st.get(lvl)
                env.process(ship(dest, lvl, rng.randint(*T1) * tm))

    def refiner(j):
        st = ref_st[j]
        dest = sp_st[REF_SP[j]]
        while True:
            yield env.timeout(1)
            q = min(st.level, REF_CAP * f)
            if q > 0:
                yield st.get(q)
                env.process(ship(dest, q * REF_YIELD, rng.randint(*T2) * tm))

    def sector(k):
        st = sp_st[SEC_SP[k]]
        mu = SEC_MU[k] * f
        while True:
            yield env.timeout(1)
            d = max(0.0, rng.gauss(mu, 0.2 * mu))
            take = min(d, st.level)
            if take > 0:
                yield st.get(take)
            stats["delivered"] += take
            stats["shortfall"] += d - take

    for i in range(N_MINES):
        env.process(mine(i))
    for j in range(N_REF):
        env.process(refiner(j))
    for k in range(N_SEC):
        env.process(sector(k))
    env.run(until=H + 0.5)
    return next(env._eid), stats


def run_lean(seed=0, daily=False):
    rng = random.Random(seed)
    env = simpy.Environment()
    H = horizon(daily)
    f = 1 / 7 if daily else 1.0
    tm = 7 if daily else 1
    ref_st = [0.0] * N_REF
    sp_st = [500.0] * N_SP
    stats = {"shortfall": 0.0, "delivered": 0.0}
    timeout = env.timeout
    gauss, randint = rng.gauss, rng.randint

    def arrive_ref(ev):
        j, q = ev.value
        ref_st[j] += q

    def arrive_sp(ev):
        s, q = ev.value
        sp_st[s] += q

    def step():  # one process drives all nodes each step (time-stepped inside the DES)
        while True:
            yield timeout(1)
            for i in range(N_MINES):
                q = max(0.0, gauss(MINE_MU, MINE_SD) * f)
                timeout(randint(*T1) * tm, (MINE_REF[i], q)).callbacks.append(arrive_ref)
            for j in range(N_REF):
                q = min(ref_st[j], REF_CAP * f)
                if q > 0:
                    ref_st[j] -= q
                    timeout(randint(*T2) * tm, (REF_SP[j], q * REF_YIELD)).callbacks.append(
                        arrive_sp)
            for k in range(N_SEC):
                s = SEC_SP[k]
                mu = SEC_MU[k] * f
                d = max(0.0, gauss(mu, 0.2 * mu))
                take = min(d, sp_st[s])
                sp_st[s] -= take
                stats["delivered"] += take
                stats["shortfall"] += d - take

    env.process(step())
    env.run(until=H + 0.5)
    return next(env._eid), stats
