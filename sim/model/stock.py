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

    def allowed_total(self, mask: np.ndarray) -> float:
        """Tonnes of the origins that `mask` (1 allowed, 0 excluded) lets through."""
        return float(self.vec @ mask)

    def take_allowed(self, amount: float, mask: np.ndarray) -> tuple[np.ndarray, float]:
        """Remove up to `amount` from the allowed origins only, in proportion among them."""
        allowed = self.vec * mask
        available = float(allowed.sum())
        if available <= 0.0 or amount <= 0.0:
            return np.zeros_like(self.vec), 0.0
        if amount >= available:
            self.vec -= allowed
            self.total = max(self.total - available, 0.0)
            return allowed, available
        out = allowed * (amount / available)
        self.vec -= out
        self.total -= amount
        return out, amount
