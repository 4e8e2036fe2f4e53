"""Engines, atomic writers and the progress bar: small, fast checks."""

from __future__ import annotations

import io
import logging
import os
import time

import pyarrow as pa
import pytest

from ledgersim.dataset import Progress, RichProgress, progress_for
from ledgersim.engine import DaskEngine, LocalEngine, ProcessEngine, make_engine
from ledgersim.errors import LedgersimError
from ledgersim.io.files import Target, serialize, write_part


def square(x: int) -> int:
    return x * x


def slow(x: float) -> float:
    time.sleep(x)
    return x


def test_local_engine_is_in_order_and_in_process() -> None:
    e = LocalEngine()
    assert list(e.run(square, [3, 1, 2])) == [(0, 9), (1, 1), (2, 4)]
    assert list(e.map(square, range(5))) == [0, 1, 4, 9, 16]


def test_process_engine_gives_every_result_once_and_map_keeps_order() -> None:
    with ProcessEngine(2) as e:
        got = dict(e.run(square, list(range(20))))
        assert got == {i: i * i for i in range(20)}
        assert list(e.map(slow, [0.2, 0.0, 0.1])) == [0.2, 0.0, 0.1]  # completion order differs, map does not
    assert e._pool is None


def test_process_engine_abort_ends_its_workers() -> None:
    e = ProcessEngine(2)
    pool = e._get_pool()
    for _ in range(3):
        pool.submit(slow, 30.0)
    deadline = time.time() + 20
    while len(pool._processes) < 2 and time.time() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    procs = list(pool._processes.values())  # type: ignore[attr-defined]
    assert procs
    started = time.perf_counter()
    e.abort()
    assert all(not p.is_alive() for p in procs)
    assert time.perf_counter() - started < 15  # not the 30 s the tasks would take
    assert e._pool is None


def log_like_a_dying_worker(x: int) -> int:
    logging.getLogger("distributed.worker").error("Failed to communicate with scheduler during heartbeat.")
    return x


def test_dask_local_cluster_keeps_worker_log_noise_off_stderr(capfd) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("distributed")
    e = DaskEngine(1)
    try:
        assert list(e.run(log_like_a_dying_worker, [7])) == [(0, 7)]
    finally:
        e.close()
    assert "heartbeat" not in capfd.readouterr().err


def test_make_engine_choices() -> None:
    assert isinstance(make_engine(1), LocalEngine)
    assert isinstance(make_engine(2), ProcessEngine) and make_engine(2).workers == 2
    with pytest.raises(LedgersimError, match="unknown engine"):
        make_engine(2, "spark")
    with pytest.raises(LedgersimError, match="--scheduler"):
        make_engine(2, "process", "tcp://127.0.0.1:8786")


def test_target_writes_atomically_and_lists_leftover_temporaries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    t = Target(tmp_path / "out")
    t.put_bytes("a/b/c.bin", b"hello")
    assert (tmp_path / "out/a/b/c.bin").read_bytes() == b"hello"
    assert t.temporaries() == []
    (tmp_path / "out/a/b/.d.bin.tmp").write_bytes(b"half")
    assert t.temporaries() == ["a/b/.d.bin.tmp"]
    assert t.size("a/b/c.bin") == 5 and t.size("nope") is None
    assert Target(f"file://{tmp_path}/out").local == tmp_path / "out"


def test_part_digest_is_the_digest_of_the_bytes_on_disk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    table = pa.table({"a": list(range(1000)), "b": [f"x{i}" for i in range(1000)]})
    written = write_part(Target(tmp_path), table, "t/part-00000", ("parquet", "csv", "jsonl"))
    assert [w.path for w in written] == ["t/part-00000.parquet", "t/part-00000.csv", "t/part-00000.jsonl"]
    for w in written:
        data = (tmp_path / w.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == w.sha256 and len(data) == w.bytes and w.rows == 1000
    assert bytes(serialize(table, "parquet")) == bytes(serialize(table, "parquet"))  # no clock time inside


def test_memory_target_round_trip() -> None:
    t = Target("memory://ledgersim-unit/x")
    t.put_bytes("tables/a.bin", b"123")
    assert t.read_bytes("tables/a.bin") == b"123" and t.exists("tables/a.bin")
    assert t.listdir() == ["tables"] and t.temporaries() == []
    t.remove("tables", recursive=True)
    assert not t.exists("tables/a.bin")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_never_when_quiet() -> None:
    assert type(progress_for(False, io.StringIO())) is Progress
    assert type(progress_for(True, _Tty())) is Progress


def test_rich_progress_shows_partitions_rows_rate_and_eta() -> None:
    from rich.console import Console

    out = io.StringIO()
    p = RichProgress(Console(file=out, force_terminal=True, width=120))
    p.phase("partitions", 4)
    p.advance(1000)
    p.advance(500)
    p.close()
    text = out.getvalue()
    assert "partitions" in text and "2/4" in text and "1,500 rows" in text and "rows/s" in text and "ETA" in text


def test_workers_exit_when_the_parent_is_killed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess
    import sys

    psutil = pytest.importorskip("psutil")
    code = ("import time\nfrom ledgersim.engine import ProcessEngine\n"
            "def slow(x):\n    time.sleep(x)\n\n"
            "if __name__ == '__main__':\n    list(ProcessEngine(2).run(slow, [60.0, 60.0]))\n")
    script = tmp_path / "pool.py"
    script.write_text(code)
    proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    ps = psutil.Process(proc.pid)
    deadline = time.time() + 20
    while len(ps.children()) < 2 and time.time() < deadline:
        time.sleep(0.1)
    workers = ps.children()
    assert workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive
