"""Writing one table part in each requested format, atomically.

Every file is first written under a temporary name (``.NAME.tmp`` beside it)
and renamed when complete, so a crash never leaves a file that looks
finished. A part is serialised in memory first (its size is bounded by the
partition), so its sha256 and size are known without reading it back.

The output root is a local path or any fsspec URL (``file:///data/x``,
``s3://bucket/x`` with the matching fsspec backend installed); workers of any
engine write through :class:`Target`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv", "jsonl")
ROW_GROUP = 128 * 1024
TMP_SUFFIX = ".tmp"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Written:
    """A file that was written: its path relative to the root, digest, size and rows."""

    path: str
    sha256: str
    bytes: int
    rows: int

    def entry(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "bytes": self.bytes, "rows": self.rows}


class Target:
    """The output root: a local directory or an fsspec URL. Picklable, so workers get it."""

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.url = os.fspath(out)
        self._fs: Any = None
        self._root: str | None = None
        if "://" not in self.url:
            self.local: Path | None = Path(self.url)
        elif self.url.startswith("file://"):
            self.local = Path(self.url[len("file://"):])
        else:
            self.local = None

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"Target({self.url!r})"

    @property
    def fs(self) -> Any:
        if self._fs is None:
            import fsspec

            self._fs, self._root = fsspec.core.url_to_fs(self.url)
        return self._fs

    def path(self, rel: str) -> str:
        if self.local is not None:
            return (self.local / rel).as_posix()
        self.fs  # noqa: B018 - sets _root
        return f"{self._root.rstrip('/')}/{rel}" if rel else self._root  # type: ignore[union-attr]

    def uri(self, rel: str) -> str:
        """``rel`` as a path or URL other libraries (DuckDB, pyarrow) can open."""
        return self.path(rel) if self.local is not None else self.fs.unstrip_protocol(self.path(rel))

    def put_bytes(self, rel: str, data: bytes | memoryview) -> None:
        """Write ``data`` to ``rel`` atomically (temporary name, then rename)."""
        name = rel.rsplit("/", 1)
        tmp_rel = f"{name[0]}/.{name[1]}{TMP_SUFFIX}" if len(name) == 2 else f".{rel}{TMP_SUFFIX}"
        if self.local is not None:
            final, tmp = self.local / rel, self.local / tmp_rel
            final.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, final)
        else:
            fs = self.fs
            fs.makedirs(self.path(rel).rsplit("/", 1)[0], exist_ok=True)
            fs.pipe_file(self.path(tmp_rel), bytes(data))
            fs.mv(self.path(tmp_rel), self.path(rel))

    def read_bytes(self, rel: str) -> bytes:
        if self.local is not None:
            return (self.local / rel).read_bytes()
        return self.fs.cat_file(self.path(rel))

    def exists(self, rel: str) -> bool:
        if self.local is not None:
            return (self.local / rel).exists()
        return self.fs.exists(self.path(rel))

    def size(self, rel: str) -> int | None:
        try:
            if self.local is not None:
                return (self.local / rel).stat().st_size
            return int(self.fs.size(self.path(rel)))
        except (OSError, FileNotFoundError):
            return None

    def remove(self, rel: str, recursive: bool = False) -> None:
        if self.local is not None:
            p = self.local / rel
            if p.is_dir():
                import shutil

                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        elif self.fs.exists(self.path(rel)):
            self.fs.rm(self.path(rel), recursive=recursive)

    def listdir(self, rel: str = "") -> list[str]:
        """Names directly under ``rel`` (empty if it does not exist)."""
        if self.local is not None:
            p = self.local / rel
            return sorted(x.name for x in p.iterdir()) if p.is_dir() else []
        try:
            return sorted(x.rstrip("/").rsplit("/", 1)[-1] for x in self.fs.ls(self.path(rel), detail=False))
        except FileNotFoundError:
            return []

    def temporaries(self) -> list[str]:
        """Relative paths of leftover temporary files (from an interrupted run)."""
        if self.local is not None:
            if not self.local.is_dir():
                return []
            return sorted(p.relative_to(self.local).as_posix() for p in self.local.rglob(f".*{TMP_SUFFIX}"))
        base = self.path("").rstrip("/") + "/"
        try:
            found = self.fs.find(self.path(""))
        except FileNotFoundError:
            return []
        return sorted(f[len(base):] for f in found
                      if f.rsplit("/", 1)[-1].startswith(".") and f.endswith(TMP_SUFFIX))


def serialize(table: pa.Table, fmt: str) -> bytes | memoryview:
    """One format's bytes for ``table`` (deterministic: no clock time, stable row order)."""
    if fmt == "parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd", row_group_size=ROW_GROUP)
        return memoryview(sink.getvalue())
    if fmt == "csv":
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink)
        return memoryview(sink.getvalue())
    if fmt == "jsonl":
        with tempfile.TemporaryDirectory(prefix="ledgersim-") as tmp:
            path = Path(tmp) / "part.jsonl"
            _write_jsonl(table, path)
            return path.read_bytes()
    raise ValueError(f"unknown format {fmt!r}")  # guarded by the CLI and the API


def write_part(target: Target, table: pa.Table, rel_stem: str, formats: tuple[str, ...]) -> list[Written]:
    """Write ``table`` to ``<root>/<rel_stem>.<ext>`` for each format, atomically."""
    out = []
    for fmt in formats:
        data = serialize(table, fmt)
        rel = f"{rel_stem}.{fmt}"
        target.put_bytes(rel, data)
        out.append(Written(rel, hashlib.sha256(data).hexdigest(), len(data), table.num_rows))
    return out


def write_table(table: pa.Table, stem: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write ``table`` to the local ``stem.<ext>`` for each format; returns the paths."""
    target = Target(stem.parent)
    write_part(target, table, stem.name, formats)
    return [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats]


def _write_jsonl(table: pa.Table, path: Path) -> None:
    # DuckDB writes newline-delimited JSON from Arrow without a per-row Python loop.
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 1")  # keeps row order and bytes stable
        con.register("t", table)
        con.execute(f"COPY t TO '{path.as_posix()}' (FORMAT JSON)")
    finally:
        con.close()
