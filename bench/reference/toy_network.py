"""Shared toy tungsten network spec and timing helpers.

Copied from shared/bench-reference/toy_network.py of the tungsten-sim design card. Changes:
formatting only (one statement per line); the constants and `timeit` are unchanged.

10 mines -> 5 refiners (mine i -> refiner i//2) -> 3 stockpiles (refiner j -> stockpile j%3)
-> 6 demand sectors (sector k draws from stockpile k//2).
Per week: mine output ~ N(100,10) ships whole stock to its refiner, transit U{2,3,4} weeks;
refiner converts min(stock, 220) at 0.9 yield, ships to stockpile with transit U{1,2,3} weeks;
sector demand ~ N(mu_k, 0.2 mu_k), filled from its stockpile (shortfall counted).
Daily variant: same flows with step = 1 day, rates /7, transits x7 days.
"""

import gc
import statistics
import time

N_MINES, N_REF, N_SP, N_SEC = 10, 5, 3, 6
MINE_REF = [i // 2 for i in range(N_MINES)]
REF_SP = [j % 3 for j in range(N_REF)]
SEC_SP = [k // 2 for k in range(N_SEC)]
MINE_MU, MINE_SD = 100.0, 10.0
REF_CAP, REF_YIELD = 220.0, 0.9
# stockpile inflow approx: sp0 gets ref0,ref3 ; sp1 ref1,ref4 ; sp2 ref2 (~180/wk per refiner)
SP_INFLOW = [360.0, 360.0, 180.0]
SEC_MU = [SP_INFLOW[SEC_SP[k]] / 2 * 0.98 for k in range(N_SEC)]
T1 = (2, 4)  # mine->refiner transit, weeks (inclusive)
T2 = (1, 3)  # refiner->stockpile transit, weeks
YEARS = 20


def horizon(daily):
    return YEARS * 365 if daily else YEARS * 52


def timeit(fn, reps=5, warm=1):
    for _ in range(warm):
        fn()
    ts = []
    out = None
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), max(ts), out
