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
