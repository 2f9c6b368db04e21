"""Defence in depth behind the bounds on numbers (issue 15, item 1): the mass balance fails on
a total that is not finite, and draws from distributions stay within the bound on days."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.errors import SimulationError
from sim.model.balance import check_balance
from sim.scenario.bounds import MAX_DAYS
from sim.scenario.distributions import Normal, draw

BALANCED = {"initial": 10.0, "mined": 90.0, "recycled": 0.0, "consumed": 60.0, "lost": 5.0,
            "final_stock": 30.0, "in_transit": 5.0, "in_process": 0.0}


def test_a_balanced_run_passes():
    assert check_balance(BALANCED) == 0.0


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("term", ["mined", "consumed"])
def test_a_total_that_is_not_finite_fails(term, bad):
    """`error >= TOLERANCE` was False for NaN, so an infinite flow passed the check."""
    with pytest.raises(SimulationError, match=f"not finite \\({term} {bad} t\\)"):
        check_balance({**BALANCED, term: bad})


def test_finite_terms_whose_sum_overflows_fail():
    totals = {**BALANCED, "initial": 1.7e308, "mined": 1.7e308, "consumed": 1.7e308,
              "final_stock": 1.7e308}
    with pytest.raises(SimulationError, match="mass balance off by nan t"):
        check_balance(totals)


def test_draws_are_clipped_to_the_bound_on_days():
    spread = Normal(dist="normal", mean=MAX_DAYS, sd=MAX_DAYS)
    draws = draw(spread, np.random.default_rng(1), 10_000)
    assert draws.max() == MAX_DAYS
    assert draws.min() == 0.0
