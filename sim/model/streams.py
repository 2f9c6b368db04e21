"""One random stream per stochastic source, per replication.

Replication r of a run seeded with `seed` gives source `key` (a mine's id, a consumer's id, a
route "from>to") the generator spawned from `SeedSequence(seed)` at spawn key (r, crc32(key)).
Streams do not depend on which other sources exist, so two scenarios run with the same seed
share random numbers wherever they share sources (common random numbers), and results do not
depend on the order or the process in which replications run.

`streams` makes the same generators for many sources of one replication at once. Making a
SeedSequence and asking it for PCG64's seed costs about 10 µs a stream, most of it Python
around a short hash (a third of building a replication of the baseline, 35 streams); so its
hash (numpy's SeedSequence, fixed by numpy's stream-compatibility policy, NEP 19) is worked
out here on arrays: what every source of the replication shares once, the key's own word
for all keys together. tests/unit/test_streams.py checks every state against numpy's.
"""

from __future__ import annotations

import zlib

import numpy as np
from numpy.random.bit_generator import ISeedSequence

_MASK = 0xFFFFFFFF
_POOL = 4  # SeedSequence's default pool size, in 32-bit words
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875  # SeedSequence's hash constants
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715


def stream(seed: int, replication: int, key: str) -> np.random.Generator:
    """The generator of one stochastic source in one replication."""
    spawn_key = (replication, zlib.crc32(key.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))


def streams(seed: int, replication: int, keys: list[str]) -> list[np.random.Generator]:
    """`stream` of each key (a generator each, in the same state), made together."""
    if not keys:
        return []
    hash_const, pool = _shared_pool(seed, replication)
    crc = np.array([zlib.crc32(key.encode("utf-8")) for key in keys], dtype=np.uint32)
    words = [np.full(crc.size, word, dtype=np.uint32) for word in pool]
    for i in range(_POOL):  # the last entropy word, the key's, mixed into every pool word
        mixed, hash_const = _hashmix(crc, hash_const)
        words[i] = _mix(words[i], mixed)
    state = _generate_state(words)
    return [np.random.Generator(np.random.PCG64(_Seeded(row))) for row in state]


class _Seeded(ISeedSequence):
    """What SeedSequence.generate_state(4, uint64) would give PCG64, worked out already."""

    def __init__(self, state: np.ndarray):
        self.state = state

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        """The state PCG64 seeds from (it asks for 4 uint64 words)."""
        if n_words != self.state.size or np.dtype(dtype) != np.uint64:
            raise ValueError("only PCG64's seed (4 uint64 words) is worked out")
        return self.state


def _words(n: int) -> list[int]:
    """A non-negative int as SeedSequence reads it: 32-bit words, least significant first."""
    if n < 0:
        raise ValueError(f"seed and replication must be >= 0, not {n}")
    out = [n & _MASK]
    n >>= 32
    while n:
        out.append(n & _MASK)
        n >>= 32
    return out


def _hashmix_int(value: int, hash_const: int) -> tuple[int, int]:
    value ^= hash_const
    hash_const = hash_const * _MULT_A & _MASK
    value = value * hash_const & _MASK
    return value ^ value >> 16, hash_const


def _mix_int(x: int, y: int) -> int:
    result = (_MIX_L * x - _MIX_R * y) & _MASK
    return result ^ result >> 16


def _shared_pool(seed: int, replication: int) -> tuple[int, list[int]]:
    """SeedSequence(seed, spawn_key=(replication, crc)).mix_entropy up to the crc word,
    which every key of a replication shares: (the hash constant then, the pool)."""
    run = _words(seed)
    entropy = run + [0] * (_POOL - len(run)) + _words(replication)
    hash_const, pool = _INIT_A, []
    for word in entropy[:_POOL]:
        value, hash_const = _hashmix_int(word, hash_const)
        pool.append(value)
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                value, hash_const = _hashmix_int(pool[src], hash_const)
                pool[dst] = _mix_int(pool[dst], value)
    for word in entropy[_POOL:]:
        for dst in range(_POOL):
            value, hash_const = _hashmix_int(word, hash_const)
            pool[dst] = _mix_int(pool[dst], value)
    return hash_const, pool


def _hashmix(values: np.ndarray, hash_const: int) -> tuple[np.ndarray, int]:
    """SeedSequence's hashmix of uint32 words, all with the same hash constant."""
    values = values ^ np.uint32(hash_const)
    hash_const = hash_const * _MULT_A & _MASK
    values *= np.uint32(hash_const)
    return values ^ (values >> np.uint32(16)), hash_const


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result = np.uint32(_MIX_L) * x - np.uint32(_MIX_R) * y
    return result ^ (result >> np.uint32(16))


def _generate_state(pool: list[np.ndarray]) -> np.ndarray:
    """SeedSequence.generate_state(4, np.uint64) of each pool, [key, word]."""
    hash_const = _INIT_B
    out = np.empty((pool[0].size, 2 * _POOL), dtype=np.uint32)
    for i in range(2 * _POOL):
        value = pool[i % _POOL] ^ np.uint32(hash_const)
        hash_const = hash_const * _MULT_B & _MASK
        value *= np.uint32(hash_const)
        out[:, i] = value ^ (value >> np.uint32(16))
    return out.astype("<u4").view("<u8").astype(np.uint64)
