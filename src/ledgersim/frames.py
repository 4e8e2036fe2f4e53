"""Columns to Arrow tables in the contract's schema.

Stages build plain numpy columns; money is int64 minor units (cents) so sums
are exact, and becomes decimal128(18, 2) only here.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ledgersim.schema import MONEY, table


def money(cents: np.ndarray) -> pa.Array:
    """int64 cents -> decimal128(18, 2) without going through floats."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension into the high 64 bits
    return pa.Array.from_buffers(MONEY, len(cents), [None, pa.py_buffer(words.tobytes())])


def index_of(values: np.ndarray, vocabulary: "tuple[str, ...] | list[str] | np.ndarray") -> np.ndarray:
    """Position of each value in ``vocabulary`` (any order); unknown values are a bug."""
    vocab = np.asarray(vocabulary)
    order = np.argsort(vocab, kind="stable")
    pos = np.minimum(np.searchsorted(vocab[order], values), max(len(vocab) - 1, 0))
    idx = order[pos] if len(vocab) else np.zeros(len(values), np.int64)
    if len(values) and not np.all(vocab[idx] == values):
        raise ValueError(f"values outside the vocabulary {list(vocab)}")
    return idx


def ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(lo[i], hi[i])`` for all i, without a loop."""
    lo = np.asarray(lo, dtype=np.int64)
    size = np.maximum(np.asarray(hi, dtype=np.int64) - lo, 0)
    total = int(size.sum())
    starts = np.cumsum(size) - size
    return np.arange(total) - np.repeat(starts, size) + np.repeat(lo, size)


def round_half_up(x: np.ndarray, unit: np.ndarray | int = 1) -> np.ndarray:
    """Commercial rounding of cents to a multiple of ``unit`` (numpy's round is
    half-to-even). For float products such as FX conversions; exact rates
    go through :func:`apply_rate`."""
    u = np.asarray(unit, dtype=np.int64)
    return (np.floor(np.asarray(x, dtype=np.float64) / u + 0.5).astype(np.int64) * u).astype(np.int64)


def apply_rate(amount: np.ndarray, rate: np.ndarray, unit: np.ndarray | int = 1) -> np.ndarray:
    """``amount * rate`` rounded half-up to a multiple of ``unit`` cents, exactly:
    rates are read with 8 decimals as integers, so no float error decides a
    rounding."""
    scale = 10**8
    r = np.rint(np.asarray(rate, dtype=np.float64) * scale).astype(np.int64)
    a = np.asarray(amount, dtype=np.int64)
    step = np.asarray(unit, dtype=np.int64) * scale
    prod = a.astype(object) * r if np.abs(a).max(initial=0) > 2**62 // scale else a * r
    return np.asarray((prod + step // 2) // step * np.asarray(unit, dtype=np.int64), dtype=np.int64)


def minor_unit(currency: np.ndarray) -> np.ndarray:
    """Cents per smallest amount written in each currency (100 for whole rupiah)."""
    from ledgersim.reference import currencies

    info = currencies()
    codes = list(info)
    units = np.array([10 ** (2 - info[c]["decimals"]) for c in codes], dtype=np.int64)
    return units[index_of(currency, codes)]


def cents(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """decimal128(18, 2) -> int64 cents (inverse of :func:`money`); nulls become 0."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], MONEY)
    arr = arr.fill_null(pa.scalar(0, MONEY)) if arr.null_count else arr
    buf = np.frombuffer(arr.buffers()[1], dtype=np.int64)
    return buf[2 * arr.offset: 2 * (arr.offset + len(arr)): 2].copy()


def _column(value: Any, typ: pa.DataType, mask: np.ndarray | None) -> pa.Array:
    if isinstance(value, (pa.Array, pa.ChunkedArray)):
        arr = value
        if arr.type != typ:
            arr = arr.cast(typ)
        return arr
    if typ == MONEY:
        arr = money(value)
        return arr if mask is None else pc.if_else(pa.array(mask), pa.scalar(None, typ), arr)
    if pa.types.is_date32(typ) and isinstance(value, np.ndarray) and value.dtype.kind == "M":
        days = value.astype("datetime64[D]").astype(np.int32)
        return pa.array(days, pa.int32(), mask=mask).cast(typ)
    return pa.array(value, typ, mask=mask)


def build(name: str, columns: Mapping[str, Any], nulls: Mapping[str, np.ndarray] | None = None) -> pa.Table:
    """A table of the contract named ``name`` from columns; ``nulls`` maps a
    column to a boolean mask of null rows. Missing or extra columns are bugs."""
    schema = table(name).schema
    missing = set(schema.names) - set(columns)
    extra = set(columns) - set(schema.names)
    if missing or extra:
        raise ValueError(f"{name}: missing columns {sorted(missing)}, unexpected {sorted(extra)}")
    nulls = nulls or {}
    arrays = [_column(columns[f.name], f.type, nulls.get(f.name)) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)
