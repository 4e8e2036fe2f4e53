"""Vectorised text building shared by the statement and invoice writers.

Every helper works on whole columns (pyarrow compute), so rendering a
hundred thousand statement lines is a handful of kernel calls, not a Python
loop per line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Part: TypeAlias = "pa.Array | pa.ChunkedArray | str"


def strings(values: pa.Array | pa.ChunkedArray | np.ndarray | list) -> pa.Array:
    """A plain (single-chunk) string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values, dtype=object), pa.string())
    return values.cast(pa.string()) if values.type != pa.string() else values


def cat(*parts: Part) -> pa.Array:
    """Element-wise concatenation of string columns and literals (null in, null out)."""
    args = [pa.scalar(p, pa.string()) if isinstance(p, str) else strings(p) for p in parts]
    if not any(isinstance(a, pa.Array) for a in args):
        raise ValueError("cat needs at least one column")
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.string()))


def when(mask: np.ndarray | pa.Array, text: pa.Array, otherwise: str = "") -> pa.Array:
    """``text`` where ``mask`` holds, ``otherwise`` elsewhere: for optional elements."""
    m = mask if isinstance(mask, pa.Array) else pa.array(np.asarray(mask, dtype=bool))
    return pc.if_else(m, strings(text).fill_null(otherwise), pa.scalar(otherwise, pa.string()))


def join_groups(values: pa.Array, offsets: np.ndarray, sep: str) -> pa.Array:
    """Join consecutive runs of ``values`` (run ``i`` is ``offsets[i]:offsets[i+1]``)."""
    lists = pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)), strings(values))
    return pc.binary_join(lists, pa.scalar(sep, pa.string()))


def integers(values: np.ndarray) -> pa.Array:
    """Decimal digits of integers."""
    return pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())


def amounts(cents: np.ndarray, decimals: np.ndarray | int, mark: str) -> pa.Array:
    """Absolute amounts from integer cents with decimal ``mark`` (``,`` for SWIFT, ``.`` for XML).

    Where ``decimals`` is 0 (whole rupiah) and the amount has no cents, the fraction is
    left out: ``1500000,`` in SWIFT (the comma is mandatory there), ``1500000`` in XML.
    """
    c = np.abs(np.asarray(cents, dtype=np.int64))
    major, minor = integers(c // 100), pc.utf8_lpad(integers(c % 100), 2, padding="0")
    full = cat(major, mark, minor)
    whole = cat(major, ",") if mark == "," else major
    short = (np.broadcast_to(np.asarray(decimals), c.shape) == 0) & (c % 100 == 0)
    return pc.if_else(pa.array(short), whole, full)


def dates(days: np.ndarray, fmt: str) -> pa.Array:
    """``datetime64[D]`` (or days since 1970) formatted with a strftime pattern."""
    d = np.asarray(days).astype("datetime64[D]").astype(np.int64).astype(np.int32)
    return pc.strftime(pa.array(d, pa.int32()).cast(pa.date32()).cast(pa.timestamp("s")), format=fmt)


def decimals_text(values: np.ndarray) -> pa.Array:
    """Plain decimal text of floats (``37``, ``2.5``; never exponent notation).

    Formatted once per distinct value: quantities and rates repeat a lot.
    """
    v = np.asarray(values, dtype=np.float64)
    uniq, inverse = np.unique(v, return_inverse=True)
    text = [format(Decimal(repr(float(x))).normalize(), "f") for x in uniq]
    return pa.array(text, pa.string()).take(pa.array(inverse.reshape(-1)))


_XML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"))
_XML_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f]"


def xml_text(values: pa.Array | pa.ChunkedArray | np.ndarray | list) -> pa.Array:
    """Escape text for XML content or attributes; drop characters XML 1.0 forbids."""
    out = pc.replace_substring_regex(strings(values), _XML_ILLEGAL, "")
    for raw, esc in _XML_ESCAPES:
        out = pc.replace_substring(out, raw, esc)
    return out
