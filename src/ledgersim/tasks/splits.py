"""Leakage-safe splits: a customer, its parent and its subsidiaries share a split.

Split membership is a seeded hash of the group's id, so it does not depend on
partitioning, worker count or scale: a customer keeps its split when the
dataset grows.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SPLITS = ("train", "dev", "test")
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit hash of 64-bit integers (SplitMix64's finaliser)."""
    with np.errstate(over="ignore"):
        z = (x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def _salt(seed: int, name: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.blake2b(f"{seed}:{name}".encode(), digest_size=8).digest(), "little"))


def unit_hash(seed: int, name: str, keys: np.ndarray) -> np.ndarray:
    """Uniform numbers in [0, 1) from integer keys, salted by (seed, name)."""
    h = _splitmix64(keys.astype(np.uint64) ^ _salt(seed, name))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def id_number(ids: np.ndarray) -> np.ndarray:
    """The number in an id such as ``CUS-00002`` or ``BTX-000000000123``."""
    tail = pc.utf8_slice_codeunits(pa.array(np.asarray(ids, dtype=str), pa.string()), 4)  # after CUS- / BTX-
    return np.asarray(pc.cast(tail, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def assign(u: np.ndarray, shares: dict[str, float]) -> np.ndarray:
    """Split name for each uniform number, cutting [0, 1) by the shares."""
    w = np.array([shares[s] for s in SPLITS], dtype=float)
    edges = np.cumsum(w / w.sum())
    return np.array(SPLITS)[np.minimum(np.searchsorted(edges, u, side="right"), len(SPLITS) - 1)]


def customer_splits(seed: int, customer_id: np.ndarray, parent_id: np.ndarray,
                    shares: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(group id, split) per customer: the group is the parent, or the customer itself."""
    group = np.where(parent_id == "", customer_id, parent_id)
    return group, assign(unit_hash(seed, "split_group", id_number(group)), shares)


def line_splits(seed: int, transaction_id: np.ndarray, shares: dict[str, float]) -> np.ndarray:
    """Split of lines that concern no customer."""
    return assign(unit_hash(seed, "split_line", id_number(transaction_id)), shares)


def held_out_templates(seed: int, template_ids: list[str], share: float) -> set[str]:
    """The templates train never sees (a seeded share of them)."""
    if share <= 0:
        return set()
    keys = np.array([int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") >> 1
                     for t in template_ids], dtype=np.int64)  # a hundred or so templates
    u = unit_hash(seed, "holdout_templates", keys)
    return {t for t, x in zip(template_ids, u) if x < share}
