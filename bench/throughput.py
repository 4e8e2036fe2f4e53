"""End-to-end throughput and peak memory of ``ledgersim generate``, side by side
with a plain Faker generator making the same number of rows.

Usage (from the repo root, after ``make run`` or ``make test`` built .venv):

    .venv/bin/python bench/throughput.py [--preset demo] [--scales 1,10] [--workers 1,2] [--engine process]
                                         [--config FILE] [--no-duckdb] [--no-baseline]

Each run is a fresh ``ledgersim generate`` process writing Parquet, DuckDB (with
every primary and foreign key), the task files and the manifest into a temporary directory;
the time is the wall time of the whole process, interpreter start included.
Peak memory is the largest sum of RSS over the process and all its children,
sampled every 20 ms. For each scale the reference generator
(``bench/faker_baseline.py``: Python loops with Faker, CSV files) is run with
ledgersim's row counts of customers, contracts, invoices and bank
transactions, and timed the same way. ``--config`` and ``--no-duckdb`` are
passed on to ``generate``: ``--no-duckdb --config bench/tables-only.yaml``
measures the simulation alone (tables and truth, no database, no task files).
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

HERE = Path(__file__).resolve().parent


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed(cmd: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes of the process tree, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(ps))
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return seconds, peak, out


def disk_mib(out: Path) -> float:
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20


def run(preset: str, workers: int, scale: float, out: Path, engine: str, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "ledgersim.cli", "generate", "--preset", preset, "--out", str(out),
           "--workers", str(workers), "--scale", str(scale), "--engine", engine, "--quiet", "--overwrite", *extra]
    seconds, peak, _ = timed(cmd)
    manifest = json.loads((out / "manifest.json").read_text())
    tables = manifest["tables"]
    rows = sum(t["rows"] for t in tables.values())
    txns = tables["bank_transactions"]["rows"]
    counts = {k: tables[k]["rows"] for k in ("customers", "contracts", "invoices", "bank_transactions")}
    return {"name": f"ledgersim {engine}", "preset": preset, "scale": scale, "workers": workers,
            "seconds": seconds, "bank_transactions": txns, "rows": rows, "txn_per_s": txns / seconds,
            "rows_per_s": rows / seconds, "peak_rss_mib": peak / 2**20, "disk_mib": disk_mib(out), "counts": counts}


def baseline(preset: str, scale: float, counts: dict, out: Path) -> dict:
    cmd = [sys.executable, str(HERE / "faker_baseline.py"), "--out", str(out),
           "--customers", str(counts["customers"]), "--contracts", str(counts["contracts"]),
           "--invoices", str(counts["invoices"]), "--bank-transactions", str(counts["bank_transactions"])]
    seconds, peak, stdout = timed(cmd)
    info = json.loads(stdout.strip().splitlines()[-1])
    return {"name": "faker baseline", "preset": preset, "scale": scale, "workers": 1, "seconds": seconds,
            "bank_transactions": info["bank_transactions"], "rows": info["rows"],
            "txn_per_s": info["bank_transactions"] / seconds, "rows_per_s": info["rows"] / seconds,
            "peak_rss_mib": peak / 2**20, "disk_mib": disk_mib(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    ap.add_argument("--scales", "--scale", default="1,10", help="comma-separated --scale values")
    ap.add_argument("--engine", default="process", choices=("process", "dask"))
    ap.add_argument("--no-baseline", action="store_true", help="skip the Faker reference generator")
    ap.add_argument("--keep", help="write the datasets here instead of a temporary directory")
    ap.add_argument("--config", help="scenario overrides (YAML) passed on to generate, e.g. bench/tables-only.yaml")
    ap.add_argument("--no-duckdb", action="store_true", help="pass --no-duckdb to generate")
    args = ap.parse_args()
    extra = (["--config", args.config] if args.config else []) + (["--no-duckdb"] if args.no_duckdb else [])
    if extra:
        print(f"generate runs with: {' '.join(extra)}", file=sys.stderr)
    workers = [int(x) for x in args.workers.split(",")]
    scales = [float(x) for x in args.scales.split(",")]
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        for scale in scales:
            for w in workers:
                r = run(args.preset, w, scale, base / f"s{scale:g}-w{w}", args.engine, extra)
                results.append(r)
                print(f"  done: scale {scale:g}, {w} worker(s): {r['seconds']:.2f} s", file=sys.stderr, flush=True)
            if not args.no_baseline:
                counts = next(r["counts"] for r in results if r["scale"] == scale)
                results.append(baseline(args.preset, scale, counts, base / f"s{scale:g}-faker"))
                print(f"  done: scale {scale:g}, baseline: {results[-1]['seconds']:.2f} s", file=sys.stderr,
                      flush=True)
    head = (f"{'generator':<18}{'preset':<7}{'scale':>6}{'workers':>8}{'seconds':>9}{'bank txns':>11}{'rows':>12}"
            f"{'txns/s':>10}{'rows/s':>11}{'peak RSS MiB':>14}{'disk MiB':>10}")
    if extra:
        print(f"ledgersim generate ran with {' '.join(extra)}")
    print(head)
    for r in results:
        print(f"{r['name']:<18}{r['preset']:<7}{r['scale']:>6g}{r['workers']:>8}{r['seconds']:>9.2f}"
              f"{r['bank_transactions']:>11,}{r['rows']:>12,}{r['txn_per_s']:>10,.0f}{r['rows_per_s']:>11,.0f}"
              f"{r['peak_rss_mib']:>14,.0f}{r['disk_mib']:>10,.1f}")
    print()
    ours = [r for r in results if r["name"].startswith("ledgersim")]
    for scale in scales:
        at = {r["workers"]: r for r in ours if r["scale"] == scale}
        base_r = next((r for r in results if r["name"] == "faker baseline" and r["scale"] == scale), None)
        if 1 in at and 2 in at:
            print(f"scale {scale:g}: speed-up 1 -> 2 workers {at[1]['seconds'] / at[2]['seconds']:.2f}x "
                  f"(target >= 1.8x); bank txns/s with 2 workers {at[2]['txn_per_s']:,.0f} (target >= 300,000)")
        if base_r:
            for w, r in sorted(at.items()):
                print(f"scale {scale:g}: rows/s vs Faker baseline, {w} worker(s): "
                      f"{r['rows_per_s'] / base_r['rows_per_s']:.1f}x (target >= 30x)")
    if len(scales) > 1:
        lo, hi = min(scales), max(scales)
        for w in workers:
            a = next((r for r in ours if r["scale"] == lo and r["workers"] == w), None)
            b = next((r for r in ours if r["scale"] == hi and r["workers"] == w), None)
            if a and b:
                print(f"peak RSS scale {hi:g} / scale {lo:g}, {w} worker(s): "
                      f"{b['peak_rss_mib'] / a['peak_rss_mib']:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
