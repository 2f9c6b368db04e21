"""`streams` makes, for many sources at once, exactly the generators `stream` makes one by one
(SeedSequence(seed) spawned at (replication, crc32(key)), as PCG64): same state, same draws,
whatever the seed and replication (several 32-bit words each) and keys (repeated, empty)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.streams import stream, streams

WORDS = st.one_of(st.sampled_from([0, 1, 2**32 - 1, 2**32, 2**64, 2**128 + 1]),
                  st.integers(min_value=0, max_value=2**160))


@settings(max_examples=60, deadline=None)
@given(seed=WORDS, replication=WORDS,
       keys=st.lists(st.text(max_size=12), max_size=6).map(lambda k: [*k, "a>b", "a>b", ""]))
def test_streams_are_the_generators_stream_makes(seed: int, replication: int,
                                                 keys: list[str]) -> None:
    made = streams(seed, replication, keys)
    assert len(made) == len(keys)
    for key, rng in zip(keys, made, strict=True):
        reference = stream(seed, replication, key)
        assert rng.bit_generator.state == reference.bit_generator.state
        assert np.array_equal(rng.normal(size=4), reference.normal(size=4))
    assert len({id(rng) for rng in made}) == len(keys)  # each its own, even for one key


def test_no_keys_no_streams() -> None:
    assert streams(7, 3, []) == []
