"""End-to-end throughput and peak memory of ``ledgersim generate``.

Usage (from the repo root, after ``make run`` or ``make test`` built .venv):

    .venv/bin/python bench/throughput.py [--preset demo] [--workers 1,2] [--scale 1]

Each run is a fresh ``ledgersim generate`` process writing Parquet, DuckDB and
the manifest into a temporary directory. Peak memory is the largest sum of
RSS over the process and its workers, sampled every 20 ms.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run(preset: str, workers: int, scale: float, out: Path) -> dict:
    cmd = [sys.executable, "-m", "ledgersim.cli", "generate", "--preset", preset, "--out", str(out),
           "--workers", str(workers), "--scale", str(scale), "--quiet", "--overwrite"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(ps))
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"generate failed with exit code {proc.returncode}")
    manifest = json.loads((out / "manifest.json").read_text())
    tables = manifest["tables"]
    rows = sum(t["rows"] for t in tables.values())
    txns = tables["bank_transactions"]["rows"]
    disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"preset": preset, "scale": scale, "workers": workers, "seconds": seconds, "bank_transactions": txns,
            "rows": rows, "txn_per_s": txns / seconds, "rows_per_s": rows / seconds, "peak_rss_mib": peak / 2**20,
            "disk_mib": disk / 2**20}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for w in (int(x) for x in args.workers.split(",")):
            results.append(run(args.preset, w, args.scale, Path(tmp) / f"w{w}"))
    head = (f"{'preset':<8}{'scale':>6}{'workers':>8}{'seconds':>9}{'bank txns':>11}{'rows':>11}"
            f"{'txns/s':>10}{'rows/s':>11}{'peak RSS MiB':>14}{'disk MiB':>10}")
    print(head)
    for r in results:
        print(f"{r['preset']:<8}{r['scale']:>6g}{r['workers']:>8}{r['seconds']:>9.2f}{r['bank_transactions']:>11,}"
              f"{r['rows']:>11,}{r['txn_per_s']:>10,.0f}{r['rows_per_s']:>11,.0f}{r['peak_rss_mib']:>14,.0f}"
              f"{r['disk_mib']:>10,.1f}")


if __name__ == "__main__":
    main()
