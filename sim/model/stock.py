"""A stock of one product held by one node: a total in tonnes and its mix of origins.

The mix is the share of each origin country (the countries whose mines the tungsten came
from). Withdrawals take every origin in proportion (the material is mixed), so taking from a
stock leaves its mix unchanged: a withdrawal is one subtraction, and what leaves carries the
stock's mix. Mixes change only where material of different origins is put together. A mix
array is never changed in place once made, so it can be shared by everything that carries it.
"""

from __future__ import annotations

import numpy as np


class Stock:
    """Tonnes of contained tungsten (`total`) and their origin shares (`mix`, sums to 1)."""

    __slots__ = ("mix", "total")

    def __init__(self, n_origins: int):
        self.mix = np.zeros(n_origins)
        self.total = 0.0

    def put(self, mix: np.ndarray, amount: float) -> None:
        """Add `amount` tonnes of origin shares `mix`."""
        if amount <= 0.0:
            return
        total = self.total
        if total <= 0.0 or mix is self.mix:
            self.mix = mix
        else:
            self.mix = self.mix + (mix - self.mix) * (amount / (total + amount))
        self.total = total + amount

    def take(self, amount: float) -> np.ndarray:
        """Remove `amount` tonnes (the caller caps it at `total`); return their mix."""
        self.total -= amount
        if self.total < 1e-12 * amount:  # emptied: no rounding residue left behind
            self.total = 0.0
        return self.mix

    def allowed_total(self, mask: np.ndarray) -> float:
        """Tonnes of the origins that `mask` (1 allowed, 0 excluded) lets through."""
        return self.total * float(self.mix @ mask)

    def take_allowed(self, amount: float, mask: np.ndarray) -> tuple[np.ndarray, float]:
        """Remove up to `amount` of the allowed origins only; return (their mix, tonnes)."""
        allowed = self.mix * mask
        share = float(allowed.sum())
        available = self.total * share
        taken = min(amount, available)
        if taken <= 0.0:
            return self.mix, 0.0
        out_mix = allowed / share
        rest = self.total - taken
        if rest <= 1e-12 * taken:
            self.mix, self.total = np.zeros_like(self.mix), 0.0
        else:
            left = np.maximum(self.mix * self.total - out_mix * taken, 0.0)
            self.mix, self.total = left / left.sum(), rest
        return out_mix, taken
