"""numba, where it is installed and not switched off: the batch engine's compiled loops.

numba is optional (`pip install tungsten-sim[fast]`). Without it, or with
TUNGSTEN_SIM_COMPILED=0 in the environment, `enabled()` is False and the batch engine runs
its NumPy code; compiled or not, results agree within 1e-9 (tests/integration/
test_batch_engine.py runs both).
"""

from __future__ import annotations

import os
from collections.abc import Callable

try:
    import numba
except ImportError:  # the NumPy path runs
    numba = None


def jit(function: Callable | None = None, *, inline: bool = False) -> Callable:
    """`function` compiled on first call (then cached beside its module), if numba is here.
    `inline=True` for a helper of another compiled function: inlined where called, it passes
    no arrays, and so counts no references (that had cost the allocation 40% of its time)."""
    def compile_(f: Callable) -> Callable:
        if numba is None:
            return f
        return numba.njit(cache=True, inline="always")(f) if inline else \
            numba.njit(cache=True)(f)
    return compile_ if function is None else compile_(function)


def enabled() -> bool:
    """Whether the compiled loops run: numba installed and TUNGSTEN_SIM_COMPILED not "0".
    The first call of each loop in a fresh install compiles it (seconds), later ones load it."""
    return numba is not None and os.environ.get("TUNGSTEN_SIM_COMPILED", "1") != "0"
