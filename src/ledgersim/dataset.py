"""Generate a dataset directory: the library call behind ``ledgersim generate``."""

from __future__ import annotations

import functools
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ledgersim import __version__, pipeline
from ledgersim.engine import Engine, LocalEngine
from ledgersim.errors import DatasetError, LedgersimError
from ledgersim.io.duckdb_build import DB_FILE, build_duckdb, duckdb_content
from ledgersim.io.files import FORMATS, sha256_file, write_table
from ledgersim.io.manifest import MANIFEST, write_manifest
from ledgersim.plan import Offsets, Partition, Plan, make_plan
from ledgersim.schema import BY_NAME, TABLES
from ledgersim.spec.models import Scenario


@dataclass(frozen=True)
class PartResult:
    """What a worker reports back: files written and small tallies."""

    files: list[dict[str, Any]]
    tallies: dict[str, dict[str, int]]


def part_stem(root: Path, table: str, index: int) -> Path:
    return root / BY_NAME[table].path / f"part-{index:05d}"


def _file_entry(root: Path, path: Path, rows: int) -> dict[str, Any]:
    return {"path": path.relative_to(root).as_posix(), "sha256": sha256_file(path),
            "bytes": path.stat().st_size, "rows": rows}


def _write(root: Path, name: str, table: pa.Table, stem: Path, formats: tuple[str, ...]) -> list[dict[str, Any]]:
    return [_file_entry(root, p, table.num_rows) for p in write_table(table, stem, formats)]


def _tally(tables: dict[str, pa.Table]) -> dict[str, dict[str, int]]:
    def counts(t: pa.Table, col: str) -> dict[str, int]:
        vc = pc.value_counts(t[col].drop_null() if t[col].null_count else t[col])
        return {str(v["values"]): int(v["counts"]) for v in vc.to_pylist()}

    def kinds(t: pa.Table, labels: list[str]) -> dict[str, int]:
        picked = t.filter(pc.is_in(t["label"], pa.array(labels)))
        flat = pa.table({"k": pc.list_flatten(pc.split_pattern(picked["variant"], "+"))})
        return counts(flat, "k")

    m = tables["mentions"]
    return {
        "outcome": counts(tables["transaction_truth"], "outcome"),
        "pattern": counts(tables["transaction_truth"], "pattern"),
        "country": counts(tables["customers"], "country"),
        "currency": counts(tables["bank_transactions"], "currency"),
        "invoice_status": counts(tables["invoice_status"], "status"),
        "locale": counts(tables["transaction_truth"], "locale"),
        "difficulty": counts(tables["transaction_truth"], "difficulty"),
        "mention_label": counts(m, "label"),
        "company_variant": kinds(m, ["COMPANY"]),
        "reference_variant": kinds(m, ["INVOICE", "PURCHASE_ORDER", "CONTRACT"]),
    }


def run_partition(root: Path, plan: Plan, formats: tuple[str, ...], job: tuple[Partition, Offsets]) -> PartResult:
    """Build and write one partition; runs on any worker."""
    part, off = job
    tables = pipeline.build_partition(plan, part, off)
    files: list[dict[str, Any]] = []
    for name, table in tables.items():
        files += _write(root, name, table, part_stem(root, name, part.index), formats)
    return PartResult(files, _tally(tables))


def _census(plan: Plan, part: Partition):  # type: ignore[no-untyped-def]
    return pipeline.census(plan, part)


def prepare_output(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise DatasetError(f"--out: {out} exists and is not a directory; choose another path")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise DatasetError(
                f"--out: {out} is not empty; choose an empty directory or pass --overwrite to replace it"
            )
        if (out / MANIFEST).exists() or _looks_like_dataset(out):
            shutil.rmtree(out)
        else:
            raise DatasetError(
                f"--out: {out} is not empty and does not hold a ledgersim dataset; "
                "refusing to delete it even with --overwrite; choose another directory"
            )
    out.mkdir(parents=True, exist_ok=True)


def _looks_like_dataset(out: Path) -> bool:
    names = {p.name for p in out.iterdir()}
    return bool(names) and names <= {"tables", "truth", "tasks", DB_FILE, f".{DB_FILE}.tmp", f".{MANIFEST}.tmp"}


def generate(
    scenario: Scenario,
    out: str | Path,
    *,
    formats: tuple[str, ...] = ("parquet",),
    engine: Engine | None = None,
    overwrite: bool = False,
    duckdb: bool = True,
) -> dict[str, Any]:
    """Write the dataset of ``scenario`` to ``out``; returns the manifest."""
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise LedgersimError(f"--format: unknown format {bad[0]!r}; use any of {', '.join(FORMATS)}")
    if "parquet" not in formats:
        formats = ("parquet",) + tuple(formats)
    root = Path(out)
    prepare_output(root, overwrite)
    engine = engine or LocalEngine()
    plan = make_plan(scenario)

    census = list(engine.map(functools.partial(_census, plan), plan.partitions))
    offsets = plan.offsets(census)

    files: list[dict[str, Any]] = []
    for name, table in pipeline.global_tables(plan).items():
        files += _write(root, name, table, root / BY_NAME[name].path, formats)
    tallies: dict[str, Counter[str]] = {}
    job = functools.partial(run_partition, root, plan, formats)
    for result in engine.map(job, list(zip(plan.partitions, offsets))):
        files += result.files
        for key, counts in result.tallies.items():
            tallies.setdefault(key, Counter()).update(counts)

    db_content = duckdb_content(build_duckdb(root)) if duckdb else None
    files.sort(key=lambda f: f["path"])
    rows: Counter[str] = Counter()
    for f in files:
        if f["path"].endswith(".parquet"):
            rows[Path(f["path"]).parent.name if "/part-" in f["path"] else Path(f["path"]).stem] += f["rows"]
    manifest = {
        "generator": {"name": "ledgersim", "version": __version__},
        "seed": scenario.seed,
        "scenario": json.loads(scenario.model_dump_json()),
        "partitions": len(plan.partitions),
        "formats": list(formats),
        "tables": {t.name: {"area": t.area, "rows": rows.get(t.name, 0), "partitioned": t.partitioned,
                            "primary_key": list(t.primary_key)} for t in TABLES},
        "summary": {k: dict(sorted(v.items())) for k, v in sorted(tallies.items())},
        "files": files,
        "duckdb": {"path": DB_FILE, "content": db_content} if db_content else None,
    }
    write_manifest(root, manifest)
    return manifest
