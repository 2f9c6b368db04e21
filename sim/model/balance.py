"""The tungsten mass balance every run must satisfy (design.md, Invariant).

initial stocks + mined + recycled = consumed + process losses + final stocks + in transit
+ in process. Scrap not yet returned is part of `consumed` until it arrives, when it counts
as `recycled`; so the check is exact at any time. A total that is not finite (an infinite
or NaN flow) fails the check: NaN compares false with everything, so the test is written as
`not error < TOLERANCE`, never as `error >= TOLERANCE`.
"""

from __future__ import annotations

import math

from sim.errors import SimulationError

TOLERANCE = 1e-9


def check_balance(totals: dict[str, float]) -> float:
    """Return the relative error of the balance; raise SimulationError if it is too large or
    not a number."""
    broken = [k for k, v in totals.items() if not math.isfinite(v)]
    if broken:
        terms = ", ".join(f"{k} {totals[k]}" for k in broken)
        raise SimulationError(f"tungsten mass balance is not finite ({terms} t): a flow "
                              "overflowed or is undefined")
    inflow = totals["initial"] + totals["mined"] + totals["recycled"]
    outflow = (totals["consumed"] + totals["lost"] + totals["final_stock"]
               + totals["in_transit"] + totals["in_process"])
    scale = max(abs(inflow), abs(outflow), 1.0)
    error = abs(inflow - outflow) / scale
    if not error < TOLERANCE:
        terms = ", ".join(f"{k} {v:.6f} t" for k, v in totals.items())
        raise SimulationError(
            f"tungsten mass balance off by {inflow - outflow:.6g} t (relative {error:.2e}); "
            f"in = initial + mined + recycled = {inflow:.6f} t, out = consumed + lost + "
            f"final stock + in transit + in process = {outflow:.6f} t ({terms})")
    return error
