"""Scale: the same bytes from any engine, crash safety (SIGKILL, SIGINT), resume, fsspec outputs."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ledgersim import pipeline
from ledgersim.dataset import generate
from ledgersim.engine import make_engine
from ledgersim.io.duckdb_build import DB_FILE, build_duckdb
from ledgersim.io.manifest import PARTS_DIR, STATE_DIR
from ledgersim.spec import build_scenario
from ledgersim.validate import validate

psutil = pytest.importorskip("psutil")

# demo with smaller partitions: ten of them, so a run can be stopped between partitions
KILLABLE = "partition_customers: 100\n"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ledgersim.cli", *args], capture_output=True, text=True)


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ledgersim.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under root except ledger.duckdb (whose content fingerprint is in the manifest)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != DB_FILE}


def assert_same(a: Path, b: Path) -> None:
    ta, tb = tree(a), tree(b)
    assert "manifest.json" in ta and len(ta) > 20
    assert not any(k.startswith(STATE_DIR) or k.endswith(".tmp") for k in tb), "run state left behind"
    assert ta == tb
    assert (a / DB_FILE).is_file() and (b / DB_FILE).is_file()


def wait_for(cond, timeout: float = 120.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def dask_cluster():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster
    cluster.close()


def test_tiny_same_bytes_with_one_two_workers_and_dask(tmp_path: Path, tiny_dataset: Path) -> None:
    pytest.importorskip("distributed")
    for name, extra in (("w2", ["--workers", "2"]), ("dask", ["--engine", "dask", "--workers", "2"])):
        r = cli("generate", "--preset", "tiny", "--out", str(tmp_path / name), "--quiet", *extra)
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""  # not a terminal: no progress bar
        assert_same(tiny_dataset, tmp_path / name)
    assert validate(tmp_path / "dask").ok


def test_demo_same_bytes_with_one_two_workers_and_dask(tmp_path: Path, dask_cluster: Any) -> None:
    scenario = build_scenario("demo")
    generate(scenario, tmp_path / "w1", engine=make_engine(1))
    generate(scenario, tmp_path / "w2", engine=make_engine(2))
    generate(scenario, tmp_path / "dask", engine=make_engine(engine="dask", scheduler=dask_cluster.scheduler_address))
    assert_same(tmp_path / "w1", tmp_path / "w2")
    assert_same(tmp_path / "w1", tmp_path / "dask")


def test_dask_cluster_writes_to_a_file_url(tmp_path: Path, tiny_dataset: Path, dask_cluster: Any) -> None:
    out = tmp_path / "via-url"
    r = cli("generate", "--preset", "tiny", "--out", f"file://{out}", "--engine", "dask",
            "--scheduler", dask_cluster.scheduler_address, "--quiet")
    assert r.returncode == 0, r.stderr
    assert_same(tiny_dataset, out)


def test_fsspec_memory_url_in_one_process(tiny_dataset: Path) -> None:
    # memory:// lives in one process, so only the in-process engine can use it honestly
    import fsspec

    manifest = generate(build_scenario("tiny"), "memory://ledgersim-test/tiny", engine=make_engine(1))
    fs = fsspec.filesystem("memory")
    assert fs.cat_file("/ledgersim-test/tiny/manifest.json") == (tiny_dataset / "manifest.json").read_bytes()
    for f in manifest["files"]:
        assert hashlib.sha256(fs.cat_file(f"/ledgersim-test/tiny/{f['path']}")).hexdigest() == f["sha256"]
    assert fs.exists(f"/ledgersim-test/tiny/{DB_FILE}")
    fs.rm("/ledgersim-test", recursive=True)


def test_scheduler_without_dask_engine_is_a_user_error(tmp_path: Path) -> None:
    r = cli("generate", "--preset", "tiny", "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:1")
    assert r.returncode == 2 and "--engine dask" in r.stderr and "Traceback" not in r.stderr


# ----------------------------------------------------------------------------- crash safety and resume


@pytest.fixture(scope="module")
def killable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config file, the uninterrupted reference dataset)."""
    base = tmp_path_factory.mktemp("killable")
    cfg = base / "ten.yaml"
    cfg.write_text(KILLABLE)
    ref = base / "reference"
    r = cli("generate", "--config", str(cfg), "--out", str(ref), "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    return cfg, ref


def _interrupt(cfg: Path, out: Path, sig: int) -> subprocess.Popen[str]:
    proc = start("generate", "--config", str(cfg), "--out", str(out), "--workers", "2")
    ps = psutil.Process(proc.pid)
    parts = out / PARTS_DIR
    assert wait_for(lambda: parts.is_dir() and len(list(parts.glob("*.json"))) >= 2), "no partition finished"
    workers = ps.children(recursive=True)
    done = len(list(parts.glob("*.json")))
    assert done < 10, "the run finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, "worker processes outlived the run"
    assert not (out / "manifest.json").exists()
    v = cli("validate", str(out))
    assert v.returncode != 0 and "incomplete dataset" in v.stdout
    return proc


def test_sigkill_leaves_no_manifest_and_resume_gives_the_same_bytes(tmp_path: Path, killable: Any) -> None:
    cfg, ref = killable
    out = tmp_path / "killed"
    proc = _interrupt(cfg, out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    r = cli("generate", "--resume", str(out), "--workers", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    assert_same(ref, out)
    assert validate(out).ok


def test_sigint_stops_cleanly_and_resume_gives_the_same_bytes(tmp_path: Path, killable: Any) -> None:
    cfg, ref = killable
    out = tmp_path / "interrupted"
    proc = _interrupt(cfg, out, signal.SIGINT)
    assert proc.returncode == 130
    err = proc.stderr.read() if proc.stderr else ""
    assert "interrupted" in err and f"--resume {out}" in err and "Traceback" not in err
    r = cli("generate", "--out", str(out), "--config", str(cfg))  # not without --resume
    assert r.returncode == 2 and "--resume" in r.stderr
    # the same scenario given again is accepted; a single worker finishes what two started
    r = cli("generate", "--resume", str(out), "--config", str(cfg), "--workers", "1", "--quiet")
    assert r.returncode == 0, r.stderr
    assert_same(ref, out)


def test_resume_rebuilds_only_what_is_missing_or_damaged(tmp_path: Path, half_run: Any, tiny_dataset: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "half"
    half_run(out)
    assert (out / PARTS_DIR / "part-00000.json").is_file() and not (out / PARTS_DIR / "part-00001.json").exists()
    (out / "tables" / "invoices" / ".part-00001.parquet.tmp").write_bytes(b"half a file")
    built: list[int] = []
    real = pipeline.build_partition

    def counting(plan, part, off):  # type: ignore[no-untyped-def]
        built.append(part.index)
        return real(plan, part, off)

    monkeypatch.setattr(pipeline, "build_partition", counting)
    generate(build_scenario("tiny"), out, engine=make_engine(1), resume=True)
    assert built == [1]  # partition 0 was complete: reused from its marker, not rebuilt
    assert_same(tiny_dataset, out)

    # a complete run resumes to itself; a damaged partition of an unfinished run is built again
    built.clear()
    generate(build_scenario("tiny"), out, engine=make_engine(1), resume=True)
    assert built == []
    out2 = tmp_path / "damaged"
    monkeypatch.setattr(pipeline, "build_partition", real)
    half_run(out2)
    part0 = out2 / "tables" / "customers" / "part-00000.parquet"
    part0.write_bytes(part0.read_bytes()[:-10])
    monkeypatch.setattr(pipeline, "build_partition", counting)
    generate(build_scenario("tiny"), out2, engine=make_engine(1), resume=True)
    assert built == [0, 1]
    assert_same(tiny_dataset, out2)


def test_resume_refuses_another_scenario_or_no_run(tmp_path: Path, half_run: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "half"
    half_run(out)
    r = cli("generate", "--resume", str(out), "--preset", "tiny", "--seed", "8")
    assert r.returncode == 2 and "different scenario" in r.stderr and "seed" in r.stderr
    r = cli("generate", "--resume", str(out), "--preset", "demo")
    assert r.returncode == 2 and "different scenario" in r.stderr
    r = cli("generate", "--resume", str(out), "--format", "parquet,csv")
    assert r.returncode == 2 and "formats" in r.stderr
    (tmp_path / "empty").mkdir()
    r = cli("generate", "--resume", str(tmp_path / "empty"))
    assert r.returncode == 2 and "no ledgersim run to resume" in r.stderr
    assert not (out / "manifest.json").exists()
    r = cli("generate", "--resume", str(out), "--quiet")  # the stored scenario
    assert r.returncode == 0, r.stderr
    assert validate(out).ok


# ----------------------------------------------------------------------------- DuckDB keeps its keys


def _rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    table = pq.read_table(path)
    pq.write_table(change(table), path)


def test_duckdb_build_still_enforces_primary_and_foreign_keys(tmp_path: Path, tiny_dataset: Path) -> None:
    dup = tmp_path / "dup"
    shutil.copytree(tiny_dataset, dup)
    (dup / DB_FILE).unlink()
    _rewrite(dup / "tables/invoices/part-00000.parquet", lambda t: pa.concat_tables([t, t.slice(0, 1)]))
    with pytest.raises(duckdb.ConstraintException):
        build_duckdb(dup, threads=2)

    orphan = tmp_path / "orphan"
    shutil.copytree(tiny_dataset, orphan)
    (orphan / DB_FILE).unlink()

    def dangling(t: pa.Table) -> pa.Table:
        col = t.schema.get_field_index("invoice_number")
        values = t["invoice_number"].to_pylist()
        values[0] = "NOPE-INV-000000"
        return t.set_column(col, "invoice_number", pa.array(values, pa.string()))

    _rewrite(orphan / "truth/allocations/part-00000.parquet", dangling)
    with pytest.raises(duckdb.ConstraintException):
        build_duckdb(orphan, threads=2)

    con = duckdb.connect(str(tiny_dataset / DB_FILE), read_only=True)
    kinds = {(t, k) for t, k in con.execute("SELECT table_name, constraint_type FROM duckdb_constraints()").fetchall()}
    con.close()
    assert ("invoices", "PRIMARY KEY") in kinds and ("invoices", "FOREIGN KEY") in kinds
    assert ("mentions", "PRIMARY KEY") in kinds and ("customers", "FOREIGN KEY") in kinds
    assert json.loads((tiny_dataset / "manifest.json").read_text())["duckdb"]["content"]


def test_duckdb_memory_budget_too_small_is_a_clear_error_and_the_run_resumes(tmp_path: Path,
                                                                               tiny_dataset: Path) -> None:
    out = tmp_path / "budget"
    r = cli("generate", "--preset", "tiny", "--workers", "1", "--out", str(out), "--duckdb-memory", "5MB", "--quiet")
    assert r.returncode == 2, r.stderr
    assert "--duckdb-memory" in r.stderr and f"--resume {out}" in r.stderr and "Traceback" not in r.stderr
    assert not (out / "manifest.json").exists()
    written = {p: p.stat().st_mtime_ns for p in out.rglob("part-*.parquet") if STATE_DIR not in p.parts}
    written |= {p: p.stat().st_mtime_ns for p in (out / "tasks").rglob("*.jsonl")}
    r = cli("generate", "--resume", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    assert_same(tiny_dataset, out)
    # the partitions and the assembled task files were reused, not written again (global tables are)
    assert {p: p.stat().st_mtime_ns for p in written} == written
    r = cli("generate", "--preset", "tiny", "--out", str(tmp_path / "x"), "--duckdb-memory", "lots")
    assert r.returncode == 2 and "--duckdb-memory: 'lots'" in r.stderr


def test_no_duckdb_writes_everything_else(tmp_path: Path, tiny_dataset: Path) -> None:
    out = tmp_path / "nodb"
    r = cli("generate", "--preset", "tiny", "--workers", "1", "--out", str(out), "--no-duckdb", "--quiet")
    assert r.returncode == 0, r.stderr
    assert not (out / DB_FILE).exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["duckdb"] is None
    same = json.loads((tiny_dataset / "manifest.json").read_text())
    assert manifest["files"] == same["files"]
    assert validate(out).ok
