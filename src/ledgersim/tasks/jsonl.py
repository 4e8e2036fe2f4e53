"""Arrow tables to JSON Lines without a per-row Python loop.

Each column becomes an array of JSON fragments (quoted and escaped strings,
numbers, ``null``, nested lists and objects), and the fragments of a row are
joined into one object. Keys keep the table's column order.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def quote(strings: pa.Array) -> pa.Array:
    """JSON string literals (escaped, quoted)."""
    out = strings
    for raw, escaped in _ESCAPES:
        out = pc.replace_substring(out, raw, escaped)
    return pc.binary_join_element_wise('"', out, '"', "")


def fragment(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One JSON value per element of ``arr``."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        out = quote(arr)
    elif pa.types.is_date(t) or pa.types.is_decimal(t):
        out = quote(arr.cast(pa.string()))
    elif pa.types.is_boolean(t):
        out = pc.if_else(arr, "true", "false")
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        out = arr.cast(pa.string())
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        items = fragment(arr.flatten())
        nested = pa.ListArray.from_arrays(arr.offsets, items)
        out = pc.binary_join_element_wise("[", pc.binary_join(nested, ", "), "]", "")
    elif pa.types.is_struct(t):
        out = obj({t.field(i).name: arr.field(i) for i in range(t.num_fields)})
        out = pc.if_else(pc.is_valid(arr), out, pa.scalar(None, pa.string()))
    else:
        raise TypeError(f"no JSON encoding for {t}")
    return pc.fill_null(out, "null")


def obj(columns: dict[str, pa.Array]) -> pa.Array:
    """One JSON object per row from named columns."""
    parts: list[pa.Array | str] = []
    for i, (name, values) in enumerate(columns.items()):
        parts.append(("{" if i == 0 else ", ") + f'"{name}": ')
        parts.append(fragment(values))
    parts.append("}")
    return pc.binary_join_element_wise(*parts, "")


def encode(table: pa.Table) -> pa.Array:
    return obj({name: table[name] for name in table.column_names})


def append(f: BinaryIO, lines: pa.Array) -> int:
    """Write JSON lines to an open file; returns how many."""
    if len(lines):
        f.write(("\n".join(lines.to_pylist()) + "\n").encode("utf-8"))
    return len(lines)


def read(path: Path) -> list[dict]:
    """All rows of a JSON Lines file (for tests and small files)."""
    import json

    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
