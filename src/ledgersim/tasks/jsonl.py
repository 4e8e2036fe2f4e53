"""Arrow tables to JSON Lines without a per-row Python loop.

DuckDB's ``to_json`` turns each row (nested lists and structs included) into
one compact JSON object, in C++; keys keep the table's column order. Money
(decimals) is written as a string such as ``"1250.00"``, so no reader turns it
into a binary float; dates as ``"2024-01-31"``.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_LOCAL = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per thread, on one thread: rows come back in input order."""
    con = getattr(_LOCAL, "con", None)
    if con is None:
        con = duckdb.connect()
        con.execute("SET threads TO 1")
        _LOCAL.con = con
    return con


def _money_as_text(t: pa.DataType) -> pa.DataType:
    """``t`` with every decimal (at any depth) replaced by a string."""
    if pa.types.is_decimal(t):
        return pa.string()
    if pa.types.is_list(t):
        return pa.list_(_money_as_text(t.value_type))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _money_as_text(f.type), f.nullable) for f in t])
    return t


def obj(columns: dict[str, pa.Array | pa.ChunkedArray]) -> pa.Array:
    """One JSON object per row from named columns."""
    arrays = {}
    for name, values in columns.items():
        text = _money_as_text(values.type)
        arrays[name] = values.cast(text) if text != values.type else values
    rows = pa.table(arrays)
    con = _connection()
    con.register("json_rows", rows)
    try:
        out = con.sql("SELECT to_json(json_rows) AS j FROM json_rows").to_arrow_table()["j"]
    finally:
        con.unregister("json_rows")
    out = out.combine_chunks() if out.num_chunks else pa.array([], pa.string())
    return out.cast(pa.string())


def encode(table: pa.Table | pa.RecordBatch) -> pa.Array:
    return obj({name: table[name] for name in table.column_names})


def to_bytes(lines: pa.Array) -> bytes:
    """JSON lines as UTF-8 bytes, each ended by a newline (straight from Arrow's string buffer)."""
    if not len(lines):
        return b""
    joined = pc.binary_join_element_wise(lines, "\n", "")
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    width = 8 if pa.types.is_large_string(joined.type) else 4
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64 if width == 8 else np.int32,
                            count=len(joined) + 1, offset=joined.offset * width)
    return bytes(memoryview(joined.buffers()[2])[offsets[0]:offsets[-1]])


def read(path: Path) -> list[dict]:
    """All rows of a JSON Lines file (for tests and small files)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
