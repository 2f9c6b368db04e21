"""A Wilson interval always holds the observed share, exactly at 0 of n and n of n (a bound
a rounding error inside the share drew a negative error bar and crashed size-stockpile's plot)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.results.stats import wilson


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_interval_holds_the_share(case: tuple[int, int]) -> None:
    k, n = case
    low, high = wilson(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0


def test_all_or_none_ends_exactly_at_the_share() -> None:
    for n in (7, 10, 13, 25, 57):
        assert wilson(0, n)[0] == 0.0
        assert wilson(n, n)[1] == 1.0
