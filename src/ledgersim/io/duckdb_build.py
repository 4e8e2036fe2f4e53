"""ledger.duckdb: every table of the dataset with PRIMARY and FOREIGN KEYs.

Built from the Parquet part files with ``read_parquet`` so no table is held
in Python memory. Tables are created in dependency order so DuckDB checks
every foreign key on insert.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa

from ledgersim.schema import MONEY, TABLES, Table

DB_FILE = "ledger.duckdb"


_SQL_TYPES = {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
              pa.bool_(): "BOOLEAN", pa.date32(): "DATE", MONEY: "DECIMAL(18,2)"}


def _sql_type(t: pa.DataType) -> str:
    if t not in _SQL_TYPES:
        raise TypeError(f"no SQL type for {t}")
    return _SQL_TYPES[t]


def create_sql(t: Table) -> str:
    cols = [f'"{f.name}" {_sql_type(f.type)}' for f in t.schema]
    cols.append(f"PRIMARY KEY ({', '.join(t.primary_key)})")
    for fk in t.foreign_keys:
        cols.append(f"FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.table} ({', '.join(fk.ref_columns)})")
    return f"CREATE TABLE {t.name} (\n  " + ",\n  ".join(cols) + "\n)"


def _order(tables: tuple[Table, ...]) -> list[Table]:
    done: list[Table] = []
    names: set[str] = set()
    pending = list(tables)
    while pending:
        for t in pending:
            if all(fk.table in names or fk.table == t.name for fk in t.foreign_keys):
                done.append(t)
                names.add(t.name)
                pending.remove(t)
                break
        else:
            raise ValueError("foreign keys form a cycle")
    return done


def parquet_glob(root: Path, t: Table) -> str:
    if t.partitioned:
        return (root / t.path / "*.parquet").as_posix()
    return (root / f"{t.path}.parquet").as_posix()


def content_hash(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> str:
    """Order-independent fingerprint of a table's rows (count and summed row hashes).

    DuckDB does not write byte-identical files run to run, so the manifest
    records this per table and ``validate`` compares it with the Parquet data.
    """
    cols = ", ".join(f'"{c}"' for c in columns)
    n, total = con.execute(f"SELECT count(*), coalesce(sum(hash({cols})::HUGEINT), 0) FROM {relation}").fetchone()  # type: ignore[misc]
    return f"{n}:{total}"


def duckdb_content(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t.name: content_hash(con, t.name, t.schema.names) for t in TABLES}
    finally:
        con.close()


def build_duckdb(root: Path) -> Path:
    path = root / DB_FILE
    tmp = root / f".{DB_FILE}.tmp"
    if tmp.exists():
        tmp.unlink()
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET threads TO 1")
        con.execute("SET preserve_insertion_order = true")
        for t in _order(TABLES):
            con.execute(create_sql(t))
            cols = ", ".join(f'"{c}"' for c in t.schema.names)
            src = parquet_glob(root, t)
            select = f"SELECT {cols} FROM read_parquet('{src}')"
            self_fk = [fk for fk in t.foreign_keys if fk.table == t.name]
            if self_fk:
                # DuckDB checks a foreign key against rows already stored, so the
                # referenced rows (top-level parents) go in first
                col = self_fk[0].columns[0]
                con.execute(f"INSERT INTO {t.name} {select} WHERE {col} IS NULL")
                con.execute(f"INSERT INTO {t.name} {select} WHERE {col} IS NOT NULL")
            else:
                con.execute(f"INSERT INTO {t.name} {select}")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    return path
