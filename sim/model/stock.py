"""A stock of one product held by one node, as tonnes by origin country.

Withdrawals take every origin in proportion (the material is mixed), so origin shares flow
through the network unchanged by trade and change only where stocks of different origins mix.
"""

from __future__ import annotations

import numpy as np


class Stock:
    """Tonnes of contained tungsten by origin; `total` is kept alongside the vector."""

    __slots__ = ("total", "vec")

    def __init__(self, n_origins: int):
        self.vec = np.zeros(n_origins)
        self.total = 0.0

    def put(self, vec: np.ndarray, amount: float) -> None:
        """Add material of composition `vec` (which sums to `amount`)."""
        self.vec += vec
        self.total += amount

    def put_origin(self, origin: int, amount: float) -> None:
        """Add `amount` tonnes of a single origin."""
        self.vec[origin] += amount
        self.total += amount

    def take(self, amount: float) -> np.ndarray:
        """Remove `amount` (at most the total) in proportion to origins; return what left."""
        if amount >= self.total:
            out = self.vec.copy()
            self.vec[:] = 0.0
            self.total = 0.0
            return out
        out = self.vec * (amount / self.total)
        self.vec -= out
        self.total -= amount
        return out
