"""One random stream per stochastic source, per replication.

Replication r of a run seeded with `seed` gives source `key` (a mine's id, a consumer's id, a
route "from>to") the generator spawned from `SeedSequence(seed)` at spawn key (r, crc32(key)).
Streams do not depend on which other sources exist, so two scenarios run with the same seed
share random numbers wherever they share sources (common random numbers), and results do not
depend on the order or the process in which replications run.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, replication: int, key: str) -> np.random.Generator:
    """The generator of one stochastic source in one replication."""
    spawn_key = (replication, zlib.crc32(key.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))
