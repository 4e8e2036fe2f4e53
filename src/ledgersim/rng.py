"""Keyed randomness: every stream is seeded from (seed, stream name, partition).

Adding a new stream never shifts the values of an existing one, and the same
key gives the same numbers in any process, on any worker, on any machine.
Python's ``hash()`` is salted per process, so stream names go through blake2b.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> int:
    """A stable 64-bit integer for a stream name."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def rng(seed: int, stream: str, partition: int = 0) -> np.random.Generator:
    """The generator of one named stream in one partition."""
    seq = np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFFFFFF, stream_key(stream), int(partition)])
    return np.random.Generator(np.random.PCG64(seq))
