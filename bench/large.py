"""Generate the ``large`` preset (100,000 customers, about 10 million bank
transactions) and report time, peak memory and disk size.

    .venv/bin/python bench/large.py --out data/large [--workers 2] [--scale 1] [--config FILE] [--keep]

Same measurement as ``bench/throughput.py``: wall time of a fresh
``ledgersim generate`` process (Parquet, ledger.duckdb with every key, the
task files, the manifest), peak summed RSS of the process and its workers,
bytes on disk. ``--config`` is passed on to ``generate`` (for example a file
with ``tasks: {build: [ner, er, recon]}`` to leave out the agent episodes,
about 2.6 kB a line, which at full size would take about 26 GB).
With ``--scale F`` (< 1) it generates that fraction of ``large`` and also
prints a linear extrapolation to the full preset, labelled as such.
Unless ``--keep``, the output is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import disk_mib, timed  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--config", help="scenario overrides (YAML), passed on to generate")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    out = Path(args.out)
    cmd = [sys.executable, "-m", "ledgersim.cli", "generate", "--preset", "large", "--scale", str(args.scale),
           "--workers", str(args.workers), "--out", str(out), "--overwrite", "--quiet"]
    if args.config:
        cmd += ["--config", args.config]
    seconds, peak, _ = timed(cmd)
    manifest = json.loads((out / "manifest.json").read_text())
    tables = manifest["tables"]
    txns = tables["bank_transactions"]["rows"]
    rows = sum(t["rows"] for t in tables.values())
    disk = disk_mib(out)
    db = (out / "ledger.duckdb").stat().st_size / 2**20
    tasks = disk_mib(out / "tasks")
    print(f"large preset, scale {args.scale:g}, {args.workers} workers, {manifest['partitions']} partitions")
    print(f"  time            {seconds:,.1f} s ({txns / seconds:,.0f} bank txns/s, {rows / seconds:,.0f} rows/s)")
    print(f"  bank txns       {txns:,}   rows over all tables {rows:,}")
    print(f"  peak RSS        {peak / 2**20:,.0f} MiB (process and workers)")
    print(f"  disk            {disk:,.0f} MiB (ledger.duckdb {db:,.0f} MiB, task files {tasks:,.0f} MiB, "
          f"Parquet and manifest {disk - db - tasks:,.0f} MiB)")
    print(f"  tasks built     {', '.join(manifest['scenario']['tasks']['build']) or 'none'}")
    if args.scale != 1:
        f = 1 / args.scale
        print(f"  EXTRAPOLATED to the full preset (x{f:g}, linear; not measured): about {seconds * f / 60:,.0f} min, "
              f"{txns * f:,.0f} bank txns, {disk * f / 1024:,.1f} GiB on disk")
    if not args.keep:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
