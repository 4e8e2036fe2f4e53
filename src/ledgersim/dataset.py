"""Generate a dataset directory: the library call behind ``ledgersim generate``.

The flow: resolve the plan; count what every partition issues (census, on the
engine); write the small global tables; build and write every partition on
the engine (each worker writes its own part files and then a marker saying
the partition is complete); close the engine; build ``ledger.duckdb`` from the
Parquet parts; write ``manifest.json`` last and drop the run state. The main
process only ever holds file lists and tallies, never a partition's rows.

``resume=True`` finishes an interrupted run in the same directory: partitions
whose marker is present (and whose files are all there with the recorded
size) are reused, the rest are built again, and the result is byte-identical
to an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from ledgersim import __version__, pipeline
from ledgersim.engine import Engine, LocalEngine
from ledgersim.errors import DatasetError, LedgersimError
from ledgersim.io.duckdb_build import DB_FILE, DEFAULT_MEMORY, DuckDBMemoryError, build_duckdb, duckdb_content
from ledgersim.io.files import FORMATS, Target, serialize, write_part
from ledgersim.io.manifest import (MANIFEST, RUN_FILE, STATE_DIR, dumps, marker_path, read_manifest,
                                   TASKS_DONE, task_chunk_path, write_manifest)
from ledgersim.plan import Offsets, Partition, Plan, make_plan
from ledgersim.schema import BY_NAME, TABLES
from ledgersim.spec.models import Scenario
from ledgersim.tasks.build import PartTasks, TaskFiles, partition_tasks
from ledgersim.tasks.build import summary as task_summary
from ledgersim.world.fx import fx_rates


@dataclass(frozen=True)
class PartResult:
    """What a worker reports back: files written and small tallies."""

    files: list[dict[str, Any]]
    tallies: dict[str, dict[str, int]]
    index: int = -1
    tasks: dict[str, Any] = field(default_factory=dict)  # the partition's task-file chunks and tallies

    @property
    def rows(self) -> int:
        return sum(f["rows"] for f in self.files if f["path"].endswith(".parquet"))


def part_rel(table: str, index: int) -> str:
    return f"{BY_NAME[table].path}/part-{index:05d}"


def part_stem(root: Path, table: str, index: int) -> Path:
    return root / part_rel(table, index)


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


def run_partition(target: Target | Path | str, plan: Plan, formats: tuple[str, ...],
                  job: tuple[Partition, Offsets]) -> PartResult:
    """Build and write one partition, then its completion marker; runs on any worker."""
    target = target if isinstance(target, Target) else Target(target)
    part, off = job
    tables = pipeline.build_partition(plan, part, off)
    files: list[dict[str, Any]] = []
    for name, table in tables.items():
        files += [w.entry() for w in write_part(target, table, part_rel(name, part.index), formats)]
    tasks = partition_tasks(plan.scenario, part.index, tables, fx_rates(plan).to_table())
    result = PartResult(files, _tally(tables), part.index, _write_task_chunks(target, part.index, tasks))
    del tables, tasks
    release_memory()  # a worker keeps no more than one partition's worth between partitions
    # written after every file of the partition is in place: its presence means the partition is complete
    target.put_bytes(marker_path(part.index), dumps({"partition": part.index, "files": files,
                                                     "tallies": result.tallies, "tasks": result.tasks}))
    return result


def _write_task_chunks(target: Target, index: int, tasks: PartTasks) -> dict[str, Any]:
    """Park a partition's task-file chunks in the run state until every partition is done."""
    chunks = []
    for rel, data in sorted(tasks.chunks.items()):
        path = task_chunk_path(index, rel)
        target.put_bytes(path, data)
        chunks.append({"file": rel, "path": path, "bytes": len(data), "rows": tasks.rows[rel]})
    surfaces = task_chunk_path(index, "surfaces.parquet")
    data = serialize(tasks.surfaces, "parquet")
    target.put_bytes(surfaces, data)
    chunks.append({"file": None, "path": surfaces, "bytes": len(data), "rows": tasks.surfaces.num_rows})
    return {"chunks": chunks, "stats": tasks.stats}


def release_memory() -> None:
    """Hand freed heap back to the OS (Arrow's pool, glibc's arenas): RSS then tracks live data."""
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # pragma: no cover - not glibc
            pass


def _census(plan: Plan, part: Partition):  # type: ignore[no-untyped-def]
    return pipeline.census(plan, part)


class Progress:
    """Receives progress events from ``generate``; this base class ignores them."""

    def phase(self, name: str, total: int, unit: str = "partitions") -> None:
        pass

    def advance(self, rows: int = 0, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress(Progress):
    """A rich progress bar on stderr: partitions done, rows written, rows per second, ETA."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

        self._bar = Bar(TextColumn("{task.description:<10}"), BarColumn(bar_width=16), MofNCompleteColumn(),
                        TextColumn("{task.fields[unit]}"), TextColumn("{task.fields[rows]:>11,} rows"),
                        TextColumn("{task.fields[rate]:>9,.0f} rows/s"), TextColumn("ETA"), TimeRemainingColumn(),
                        console=console or Console(file=sys.stderr), transient=False)
        self._bar.start()
        self._task: Any = None
        self._rows = 0
        self._started = time.perf_counter()

    def phase(self, name: str, total: int, unit: str = "partitions") -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=self._bar.tasks[-1].total)
        self._task = self._bar.add_task(name, total=total, unit=unit, rows=self._rows, rate=self._rate())

    def _rate(self) -> float:
        return self._rows / max(time.perf_counter() - self._started, 1e-9)

    def advance(self, rows: int = 0, n: int = 1) -> None:
        self._rows += rows
        self._bar.update(self._task, advance=n, rows=self._rows, rate=self._rate())

    def close(self) -> None:
        self._bar.stop()


def progress_for(quiet: bool, stream: Any = None) -> Progress:
    """A progress bar when ``stream`` (stderr) is a terminal and not ``quiet``; otherwise silent."""
    stream = stream or sys.stderr
    if quiet or not getattr(stream, "isatty", lambda: False)():
        return Progress()
    return RichProgress()


def prepare_output(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise DatasetError(f"--out: {out} exists and is not a directory; choose another path")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite and (out / RUN_FILE).is_file() and not (out / MANIFEST).exists():
            raise DatasetError(
                f"--out: {out} holds an interrupted run; finish it with --resume {out} "
                "or pass --overwrite to start again"
            )
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
    return bool(names) and names <= {"tables", "truth", "tasks", "exports", DB_FILE, f".{DB_FILE}.tmp",
                                     f".{DB_FILE}.tmp.wal", f".{DB_FILE}.spill.tmp", f".{MANIFEST}.tmp", STATE_DIR}


def _prepare_remote(target: Target, overwrite: bool) -> None:
    names = target.listdir()
    if not names:
        return
    if not overwrite:
        raise DatasetError(f"--out: {target.url} is not empty; choose an empty location or pass --overwrite")
    if MANIFEST in names or set(names) <= {"tables", "truth", "tasks", DB_FILE, STATE_DIR}:
        for name in names:
            target.remove(name, recursive=True)
    else:
        raise DatasetError(f"--out: {target.url} is not empty and does not hold a ledgersim dataset; "
                           "refusing to delete it even with --overwrite")


def _run_state(scenario: Scenario, formats: tuple[str, ...], duckdb: bool) -> dict[str, Any]:
    return {"generator": {"name": "ledgersim", "version": __version__},
            "scenario": json.loads(scenario.model_dump_json()), "formats": list(formats), "duckdb": duckdb}


def stored_run(out: str | Path) -> dict[str, Any]:
    """The run state of an interrupted (or finished) run in ``out``, for ``--resume``."""
    target = Target(out)
    if target.exists(RUN_FILE):
        return json.loads(target.read_bytes(RUN_FILE))
    manifest = read_manifest(target)
    if manifest is not None:
        return {"generator": manifest["generator"], "scenario": manifest["scenario"],
                "formats": manifest["formats"], "duckdb": manifest.get("duckdb") is not None, "complete": True}
    raise DatasetError(f"--resume: {target.url} holds no ledgersim run to resume (no {RUN_FILE}); "
                       "start a new one with --out")


def resume_scenario(out: str | Path) -> Scenario:
    """The scenario an interrupted run in ``out`` was started with."""
    return Scenario.model_validate(stored_run(out)["scenario"])


def _check_resume(target: Target, state: dict[str, Any]) -> dict[str, Any] | None:
    """Refuse to resume a run started differently; returns the manifest if the run already finished."""
    stored = stored_run(target.url)
    problems = []
    for key, what in (("scenario", "scenario (or seed)"), ("formats", "formats"), ("generator", "ledgersim version"),
                      ("duckdb", "DuckDB option")):
        if key == "duckdb" and "complete" in stored:
            continue
        same = (json.dumps(stored.get(key)) == json.dumps(state[key]) if "complete" not in stored
                else stored.get(key) == state[key])  # a manifest stores sorted keys: compare as mappings
        if not same:
            problems.append(what)
    if problems:
        diff = _scenario_diff(stored.get("scenario", {}), state["scenario"])
        raise DatasetError(
            f"--resume: {target.url} was started with a different {', '.join(problems)}"
            + (f" ({diff})" if diff else "")
            + "; resume it without --preset/--config/--scale/--seed/--format to use the stored scenario, "
            "or start again with --overwrite"
        )
    return read_manifest(target) if stored.get("complete") else None


def _scenario_diff(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> str:
    out = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, dict) and isinstance(y, dict):
            d = _scenario_diff(x, y, f"{prefix}{key}.")
            if d:
                out.append(d)
        elif x != y:
            out.append(f"{prefix}{key}: started with {x!r}, now {y!r}")
    return "; ".join(out[:3])


def _reusable(target: Target, index: int, need_chunks: bool = True) -> PartResult | None:
    """The result of a partition a previous run completed, if its files are all still there
    (and its task-file chunks, unless the task files were already assembled)."""
    rel = marker_path(index)
    if not target.exists(rel):
        return None
    try:
        marker = json.loads(target.read_bytes(rel))
    except ValueError:
        return None
    if "tasks" not in marker:  # written by a version that built task files at the end
        return None
    for f in marker["files"] + (marker["tasks"]["chunks"] if need_chunks else []):
        if target.size(f["path"]) != f["bytes"]:
            return None
    return PartResult(marker["files"], marker["tallies"], index, marker["tasks"])


def generate(
    scenario: Scenario,
    out: str | Path,
    *,
    formats: tuple[str, ...] = ("parquet",),
    engine: Engine | None = None,
    overwrite: bool = False,
    duckdb: bool = True,
    resume: bool = False,
    progress: Progress | None = None,
    duckdb_threads: int | None = None,
    duckdb_memory: str | None = DEFAULT_MEMORY,
) -> dict[str, Any]:
    """Write the dataset of ``scenario`` to ``out`` (a path or fsspec URL); returns the manifest.

    The engine's workers are released (``engine.close()``) once the partitions
    are written; the engine can be used again. ``duckdb_threads`` defaults to
    the engine's worker count; ``duckdb_memory`` is DuckDB's memory budget while
    it builds ``ledger.duckdb`` (a DuckDB size; ``None``: DuckDB's default).
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise LedgersimError(f"--format: unknown format {bad[0]!r}; use any of {', '.join(FORMATS)}")
    if "parquet" not in formats:
        formats = ("parquet",) + tuple(formats)
    formats = tuple(dict.fromkeys(formats))
    target = Target(out)
    state = _run_state(scenario, formats, duckdb)
    engine = engine or LocalEngine()
    progress = progress or Progress()
    if resume:
        finished = _check_resume(target, state)
        if finished is not None:
            return finished
        for rel in target.temporaries():  # half-written files of the interrupted run
            target.remove(rel)
    else:
        if target.local is not None:
            prepare_output(target.local, overwrite)
        else:
            _prepare_remote(target, overwrite)
        # key order kept: the order of a scenario's weight mappings is part of what it generates
        target.put_bytes(RUN_FILE, dumps(state, sort_keys=False))
    plan = make_plan(scenario)
    try:
        with _interrupt_guard():
            manifest = _generate(plan, target, formats, engine, duckdb, resume, progress, duckdb_threads,
                                 duckdb_memory)
    finally:
        engine.close()
        progress.close()
    return manifest


_INTERRUPTED = threading.Event()


@contextlib.contextmanager
def _interrupt_guard() -> Iterator[None]:
    """Remember a Ctrl-C even if a library swallows the KeyboardInterrupt it raises
    (DuckDB turns it into a query interruption), so the manifest is never written after one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _INTERRUPTED.clear()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum: int, frame: Any) -> None:
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stop_if_interrupted() -> None:
    if _INTERRUPTED.is_set():
        raise KeyboardInterrupt


def _generate(plan: Plan, target: Target, formats: tuple[str, ...], engine: Engine, duckdb: bool, resume: bool,
              progress: Progress, duckdb_threads: int | None, duckdb_memory: str | None) -> dict[str, Any]:
    scenario = plan.scenario
    parts = plan.partitions
    progress.phase("census", len(parts))
    census: list[Any] = [None] * len(parts)
    for i, c in engine.run(functools.partial(_census, plan), parts):
        census[i] = c
        progress.advance()
    offsets = plan.offsets(census)

    files: list[dict[str, Any]] = []
    progress.phase("partitions", len(parts))
    for name, table in pipeline.global_tables(plan).items():
        files += [w.entry() for w in write_part(target, table, BY_NAME[name].path, formats)]
        progress.advance(table.num_rows, n=0)
    results: dict[int, PartResult] = {}
    assembled = _assembled_tasks(target) if resume else None
    if resume:
        for part in parts:
            done = _reusable(target, part.index, need_chunks=assembled is None)
            if done is not None:
                results[part.index] = done
                progress.advance(done.rows)
    todo = [(p, o) for p, o in zip(parts, offsets) if p.index not in results]
    job = functools.partial(run_partition, target, plan, formats)
    for i, result in engine.run(job, todo):
        results[todo[i][0].index] = result
        progress.advance(result.rows)
    engine.close()  # the workers' memory goes back before DuckDB needs it
    release_memory()

    tallies: dict[str, Counter[str]] = {}
    for index in sorted(results):
        files += results[index].files
        for key, counts in results[index].tallies.items():
            tallies.setdefault(key, Counter()).update(counts)

    # ledger.duckdb (DuckDB threads, outside the GIL) and the task files (mostly file I/O) both only
    # read what the workers wrote: they are built at the same time
    threads = duckdb_threads or getattr(engine, "workers", 1)
    progress.phase("finishing", (len(TABLES) if duckdb else 0) + 1, unit="tables+tasks")
    connections: list[Any] = []
    db_content = None
    with ThreadPoolExecutor(max_workers=1) as background:
        db_future = None
        if duckdb:
            db_future = background.submit(_build_database, target, threads, duckdb_memory,
                                          lambda name: progress.advance(), connections.append)
        try:
            if assembled is None:
                task_files, task_summary = _assemble_tasks(target, plan, [results[i] for i in sorted(results)])
            else:  # an earlier attempt got this far: its task files are in place
                task_files, task_summary = assembled["files"], assembled["summary"]
            progress.advance()
            if db_future is not None:
                db_content = db_future.result()
        except BaseException:
            for con in connections:  # do not wait for the database on Ctrl-C or an error
                with contextlib.suppress(Exception):  # it may be closed already
                    con.interrupt()
            raise
    files += task_files
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
        "tasks": task_summary,
    }
    _stop_if_interrupted()
    write_manifest(target if target.local is None else target.local, manifest)
    target.remove(STATE_DIR, recursive=True)  # the run is complete: its markers are no longer needed
    return manifest


def _assemble_tasks(target: Target, plan: Plan, results: list[PartResult]) -> tuple[list[dict[str, Any]], dict]:
    """The task files (docs/tasks.md): the workers' chunks concatenated in partition order."""
    files = TaskFiles(target, plan.scenario)
    try:
        surfaces = []
        for result in results:
            for chunk in result.tasks["chunks"]:
                if chunk["file"] is None:
                    surfaces.append(target.uri(chunk["path"]))
                else:
                    files.add(chunk["file"], target.read_bytes(chunk["path"]), chunk["rows"])
                    # the disk holds each byte once; an interrupted run rebuilds partitions that lost a chunk
                    target.remove(chunk["path"])
            files.stats.append(result.tasks["stats"])
        summary = task_summary(plan.scenario, files.stats, surfaces,
                               None if target.local is not None else target.fs)
    except BaseException:
        files.abort()
        raise
    entries = files.finish()
    # a resumed run (say after DuckDB ran out of its budget) reuses these instead of the deleted chunks
    target.put_bytes(TASKS_DONE, dumps({"files": entries, "summary": summary}))
    return entries, summary


def _assembled_tasks(target: Target) -> dict[str, Any] | None:
    """The task files an interrupted run already assembled, if they are all still in place."""
    if not target.exists(TASKS_DONE):
        return None
    done = json.loads(target.read_bytes(TASKS_DONE))
    if any(target.size(f["path"]) != f["bytes"] for f in done["files"]):
        return None
    return done


def _build_database(target: Target, threads: int, memory: str | None, on_table: Any,
                    on_connect: Any = None) -> dict[str, str]:
    try:
        return _build_database_at(target, threads, memory, on_table, on_connect)
    except DuckDBMemoryError as exc:
        raise DuckDBMemoryError(f"{exc}; finish the run with a larger budget (or none): ledgersim generate "
                                f"--resume {target.url} [--duckdb-memory SIZE]") from None


def _build_database_at(target: Target, threads: int, memory: str | None, on_table: Any,
                       on_connect: Any = None) -> dict[str, str]:
    if target.local is not None:
        path = build_duckdb(target.local, threads=threads, memory_limit=memory, on_table=on_table,
                            on_connect=on_connect)
        return duckdb_content(path, threads=threads)
    # a remote output: read the parts through fsspec, build locally, upload the finished file
    with tempfile.TemporaryDirectory(prefix="ledgersim-db-") as tmp:
        source = target.fs.unstrip_protocol(target.path(""))
        path = build_duckdb(Path(tmp), threads=threads, memory_limit=memory, on_table=on_table, source=source,
                            filesystem=target.fs, on_connect=on_connect)
        content = duckdb_content(path, threads=threads)
        target.fs.put_file(str(path), target.path(f".{DB_FILE}.tmp"))
        target.fs.mv(target.path(f".{DB_FILE}.tmp"), target.path(DB_FILE))
    return content
