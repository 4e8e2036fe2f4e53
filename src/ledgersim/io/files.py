"""Writing one table part in each requested format, atomically.

Every file is first written under a temporary name and renamed when complete,
so a crash never leaves a file that looks finished.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv", "jsonl")
ROW_GROUP = 128 * 1024


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic(path: Path, write) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_table(table: pa.Table, stem: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write ``table`` to ``stem.<ext>`` for each format; returns the paths."""
    out = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        if fmt == "parquet":
            _atomic(path, lambda p: pq.write_table(table, p, compression="zstd", row_group_size=ROW_GROUP))
        elif fmt == "csv":
            _atomic(path, lambda p: pacsv.write_csv(table, p))
        elif fmt == "jsonl":
            _atomic(path, lambda p: _write_jsonl(table, p))
        else:  # guarded by the CLI and the API
            raise ValueError(f"unknown format {fmt!r}")
        out.append(path)
    return out


def _write_jsonl(table: pa.Table, path: Path) -> None:
    # DuckDB writes newline-delimited JSON from Arrow without a per-row Python loop.
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 1")  # keeps row order and bytes stable
        con.register("t", table)
        con.execute(f"COPY t TO '{path.as_posix()}' (FORMAT JSON)")
    finally:
        con.close()
