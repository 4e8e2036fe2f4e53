"""Where the time of ``ledgersim generate`` goes.

    .venv/bin/python bench/phases.py [--preset demo] [--scale 1] [--workers 2] [--top 25]
                                     [--config FILE] [--no-duckdb]

Three measurements, each printed as it is taken:

1. A full ``generate`` run through the library API with a progress listener
   that timestamps each phase: imports, census, partitions (the workers build
   and write every partition, its task-file chunks included), finishing
   (``ledger.duckdb`` built while the task files are concatenated, then the
   manifest).
2. ``ledger.duckdb`` rebuilt alone from that run's Parquet files, with the
   same number of DuckDB threads, to show what the database costs by itself.
3. One partition (partition 0) built and written in this process under
   cProfile: the time per stage (world, narratives, task chunks, writing) and
   the functions with the most cumulative time.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from ledgersim import pipeline  # noqa: E402
from ledgersim.dataset import Progress, generate, run_partition  # noqa: E402
from ledgersim.engine import make_engine  # noqa: E402
from ledgersim.io.duckdb_build import build_duckdb  # noqa: E402
from ledgersim.plan import make_plan  # noqa: E402
from ledgersim.spec import build_scenario  # noqa: E402

IMPORTED = time.perf_counter()

STAGES = {  # cumulative time of these functions, as a share of one partition
    "world (customers .. bank lines)": ("pipeline.py", "build_partition"),
    "  narratives, mentions, noise": ("narratives.py", "render_partition"),
    "task-file chunks": ("build.py", "partition_tasks"),
    "  JSON encoding (DuckDB to_json)": ("jsonl.py", "obj"),
    "  agent gold and episodes": ("actions.py", "gold"),
    "Parquet part files": ("files.py", "write_part"),
    "task chunks to disk": ("dataset.py", "_write_task_chunks"),
}


class Timeline(Progress):
    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def phase(self, name: str, total: int, unit: str = "partitions") -> None:
        self.marks.append((name, time.perf_counter()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--scale", type=float, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--config", help="scenario overrides (YAML), as for generate")
    ap.add_argument("--no-duckdb", action="store_true", help="generate without ledger.duckdb (and skip step 2)")
    args = ap.parse_args()
    scenario = build_scenario(args.preset, args.config, scale=args.scale)
    print(f"imports: {IMPORTED - START:.2f} s")
    with tempfile.TemporaryDirectory(prefix="ledgersim-profile-") as tmp:
        out = Path(tmp) / "dataset"
        timeline = Timeline()
        begin = time.perf_counter()
        manifest = generate(scenario, out, engine=make_engine(args.workers), progress=timeline,
                            duckdb=not args.no_duckdb)
        end = time.perf_counter()
        marks = timeline.marks + [("(end)", end)]
        txns = manifest["tables"]["bank_transactions"]["rows"]
        print(f"generate {args.preset} (scale {args.scale or 1:g}, {args.workers} workers, "
              f"{manifest['partitions']} partitions, {txns:,} bank txns): {end - begin:.2f} s")
        for (name, at), (_, nxt) in zip(marks, marks[1:]):
            print(f"  {name:<12} {nxt - at:7.2f} s")

        if not args.no_duckdb:
            again = Path(tmp) / "db"
            again.mkdir()
            for name in ("tables", "truth"):
                (again / name).symlink_to(out / name)
            began = time.perf_counter()
            build_duckdb(again, threads=args.workers)
            print(f"ledger.duckdb alone, {args.workers} DuckDB threads: {time.perf_counter() - began:.2f} s")
            shutil.rmtree(again)

        plan = make_plan(scenario)
        offsets = plan.offsets([pipeline.census(plan, p) for p in plan.partitions])
        job = (plan.partitions[0], offsets[0])
        scratch = Path(tmp) / "one"
        run_partition(scratch, plan, ("parquet",), job)  # warm caches (names, templates, FX) first
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.runcall(run_partition, scratch, plan, ("parquet",), job)
        took = time.perf_counter() - began
        stats = pstats.Stats(profiler)
        print(f"one partition (partition 0) under cProfile: {took:.2f} s")
        cumulative = {(f, name): v[3] for (f, _, name), v in stats.stats.items()}  # type: ignore[attr-defined]
        for label, (file, func) in STAGES.items():
            spent = sum(t for (f, name), t in cumulative.items() if f.endswith(file) and name == func)
            print(f"  {label:<34} {spent:6.2f} s  {100 * spent / took:5.1f}%")
        stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
