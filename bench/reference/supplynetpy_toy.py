"""Item 4a: nearest equivalent of the toy network in SupplyNetPy 0.5.1 (pull-based).

Copied from shared/bench-reference/supplynetpy_toy.py of the tungsten-sim design card.
Changes: explicit relative imports instead of `from toy_network import *`; one statement per
line; warnings are silenced inside `build_and_run` (`warnings.catch_warnings`) rather than for
the whole process at import; the `__main__` block is dropped (bench/run.py times
`build_and_run`). The network, its policies, its random draws and its event count are
unchanged. Importing this module needs SupplyNetPy (`pip install -e '.[bench]'`).

10 Suppliers (each its own RawMaterial, mines 100/week), 5 Manufacturers (product needs 1 unit
x0.5 of each of its 2 mines' raw materials (so 200 conc -> 180 APT+slack); periodic (T=1,Q=180)
replenishment), 3 distributors (InventoryNode, periodic T=1 replenishment from their refiners,
probabilistic supplier selection when 2 refiners), 6 Demand nodes (1 order/week, gaussian size)
on their stockpile. Links carry random lead times U{2..4} (mine->refiner) and U{1..3}
(refiner->stockpile).
"""

import random
import warnings

import simpy
import SupplyNetPy.Components as scm

from .toy_network import (
    MINE_MU,
    MINE_REF,
    N_MINES,
    N_REF,
    N_SEC,
    N_SP,
    REF_CAP,
    REF_SP,
    REF_YIELD,
    SEC_MU,
    SEC_SP,
    SP_INFLOW,
    T1,
    T2,
    horizon,
)


def build_and_run(seed=0, daily=False):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore")
        return _build_and_run(seed, daily)


def _build_and_run(seed, daily):
    scm.set_seed(seed)
    rng = random.Random(seed)
    H = horizon(daily)
    f = 1 / 7 if daily else 1.0
    tm = 7 if daily else 1
    env = simpy.Environment()
    rms = [scm.RawMaterial(ID=f"RM{i}", name=f"conc{i}", extraction_quantity=MINE_MU * f,
                           extraction_time=1, mining_cost=1, cost=2) for i in range(N_MINES)]
    mines = [scm.Supplier(env=env, ID=f"M{i}", name=f"mine{i}", node_type="supplier",
                          capacity=1e6, initial_level=0, inventory_holding_cost=0.0,
                          raw_material=rms[i], logging=False)
             for i in range(N_MINES)]
    refs = []
    for j in range(N_REF):
        mine_ids = [i for i in range(N_MINES) if MINE_REF[i] == j]
        prod = scm.Product(ID=f"P{j}", name=f"APT{j}", manufacturing_cost=1,
                           manufacturing_time=1, sell_price=10,
                           raw_materials=[(rms[i], 0.5) for i in mine_ids],
                           batch_size=int(REF_CAP * f) + 1)
        refs.append(scm.Manufacturer(env=env, ID=f"R{j}", name=f"ref{j}", capacity=1e6,
                                     initial_level=0, inventory_holding_cost=0.0,
                                     product_sell_price=10,
                                     replenishment_policy=scm.PeriodicReplenishment,
                                     policy_param={"T": 1, "Q": REF_YIELD * 2 * MINE_MU * f},
                                     product=prod, logging=False))
    sps = []
    for s in range(N_SP):
        rids = [f"R{j}" for j in range(N_REF) if REF_SP[j] == s]
        kw = {}
        if len(rids) > 1:
            kw = dict(supplier_selection_policy=scm.SelectProbabilistic,
                      supplier_selection_param={
                          "probabilities": {r: 1 / len(rids) for r in rids}, "seed": seed})
        sps.append(scm.InventoryNode(env=env, ID=f"S{s}", name=f"stockpile{s}",
                                     node_type="distributor", capacity=1e7, initial_level=500,
                                     inventory_holding_cost=0.0,
                                     replenishment_policy=scm.PeriodicReplenishment,
                                     policy_param={"T": 1, "Q": SP_INFLOW[s] * 0.99 * f},
                                     product_sell_price=20, product_buy_price=10,
                                     logging=False, **kw))
    links = []
    for i in range(N_MINES):
        links.append(scm.Link(env=env, ID=f"L_m{i}", source=mines[i], sink=refs[MINE_REF[i]],
                              cost=0, lead_time=lambda: rng.randint(*T1) * tm))
    for j in range(N_REF):
        links.append(scm.Link(env=env, ID=f"L_r{j}", source=refs[j], sink=sps[REF_SP[j]],
                              cost=0, lead_time=lambda: rng.randint(*T2) * tm))
    dems = []
    for k in range(N_SEC):
        mu = SEC_MU[k] * f
        dems.append(scm.Demand(env=env, ID=f"D{k}", name=f"sector{k}",
                               order_arrival_model=lambda: 1,
                               order_quantity_model=(
                                   lambda mu=mu: max(0.0, rng.gauss(mu, 0.2 * mu))),
                               demand_node=sps[SEC_SP[k]], consume_available=True,
                               logging=False))
    net = scm.create_sc_net(nodes=mines + refs + sps, links=links, demands=dems, env=env)
    net = scm.simulate_sc_net(net, sim_time=H + 1, logging=False)
    return next(env._eid), net
