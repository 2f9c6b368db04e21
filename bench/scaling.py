"""How run time grows with the network: `python -m bench.scaling [--copies 1 2 4 8 16]`.

The toy network is copied N times side by side (N × 24 nodes, N × 21 routes; the copies do
not trade with each other) and run 20 years at weekly steps by the lean SimPy loop and by
tungsten-sim. The lean loop creates SimPy events per shipment, so its time grows with the
network; tungsten-sim works on arrays over all nodes and edges at once, so most of its time
is a fixed cost per step. Medians of 3 runs after a warm-up, in turn, in one process.

`run_lean_copies` is bench/reference/simpy_toy.py's `run_lean` with every node loop run over
N copies (node i of copy c is node c × count + i); nothing else is changed.
"""

from __future__ import annotations

import argparse
import random
import statistics

import simpy

from sim.scenario.load import validate

from .cases import run_once
from .make_toy import scenario as toy_scenario
from .reference.toy_network import (
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
from .run import bench_interleaved


def run_lean_copies(copies: int, seed: int = 1) -> tuple[int, dict]:
    """The lean reference loop (weekly) over `copies` side-by-side toy networks."""
    rng = random.Random(seed)
    env = simpy.Environment()
    H = horizon(False)
    mine_ref = [c * N_REF + MINE_REF[i] for c in range(copies) for i in range(N_MINES)]
    ref_sp = [c * N_SP + REF_SP[j] for c in range(copies) for j in range(N_REF)]
    sec_sp = [c * N_SP + SEC_SP[k] for c in range(copies) for k in range(N_SEC)]
    sec_mu = SEC_MU * copies
    ref_st = [0.0] * (N_REF * copies)
    sp_st = [500.0] * (N_SP * copies)
    stats = {"shortfall": 0.0, "delivered": 0.0}
    timeout = env.timeout
    gauss, randint = rng.gauss, rng.randint

    def arrive_ref(ev):
        j, q = ev.value
        ref_st[j] += q

    def arrive_sp(ev):
        s, q = ev.value
        sp_st[s] += q

    def step():
        while True:
            yield timeout(1)
            for i in range(N_MINES * copies):
                q = max(0.0, gauss(MINE_MU, MINE_SD))
                timeout(randint(*T1), (mine_ref[i], q)).callbacks.append(arrive_ref)
            for j in range(N_REF * copies):
                q = min(ref_st[j], REF_CAP)
                if q > 0:
                    ref_st[j] -= q
                    timeout(randint(*T2), (ref_sp[j], q * REF_YIELD)).callbacks.append(
                        arrive_sp)
            for k in range(N_SEC * copies):
                s = sec_sp[k]
                mu = sec_mu[k]
                d = max(0.0, gauss(mu, 0.2 * mu))
                take = min(d, sp_st[s])
                sp_st[s] -= take
                stats["delivered"] += take
                stats["shortfall"] += d - take

    env.process(step())
    env.run(until=H + 0.5)
    return next(env._eid), stats


def toy_copies(copies: int):
    """bench/toy.yaml's network `copies` times, node ids suffixed with the copy number."""
    data = toy_scenario(daily=False)

    def copy(nodes: list[dict], c: int) -> list[dict]:
        out = []
        for node in nodes:
            node = {**node, "id": f"{node['id']}_{c}"}
            if "suppliers" in node:
                node["suppliers"] = [{**s, "from": f"{s['from']}_{c}"}
                                     for s in node["suppliers"]]
            out.append(node)
        return out

    for kind in ("mines", "processors", "consumers"):
        data[kind] = [n for c in range(copies) for n in copy(data[kind], c)]
    data["name"] = f"toy-x{copies}"
    return validate(data, f"<toy x{copies}>")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scaling")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'copies':>6} {'nodes':>6} {'lean SimPy':>11} {'tungsten-sim':>13} {'ratio':>7}")
    for copies in args.copies:
        s = toy_copies(copies)
        rows = bench_interleaved([
            ("lean SimPy", lambda c=copies: run_lean_copies(c), 1),
            ("tungsten-sim", lambda s=s: run_once(s), 1),
        ], args.reps)
        lean, ours = (statistics.median(r["times_s"]) for r in rows)
        print(f"{copies:>6} {24 * copies:>6} {lean * 1000:>9.1f} ms {ours * 1000:>10.1f} ms "
              f"{ours / lean:>6.2f}x")


if __name__ == "__main__":
    main()
