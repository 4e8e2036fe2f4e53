"""Command line: a thin layer that parses arguments and calls the library."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Sequence

from ledgersim import __version__
from ledgersim.errors import LedgersimError


def _summary(manifest: dict, seconds: float | None, out: Path) -> str:
    from ledgersim.report import summary_text

    return summary_text(manifest, seconds, out)


def cmd_generate(args: argparse.Namespace) -> int:
    from ledgersim.dataset import generate, progress_for, resume_scenario, stored_run
    from ledgersim.engine import make_engine
    from ledgersim.spec import build_scenario

    if args.resume and args.out and Path(args.out) != Path(args.resume):
        raise LedgersimError(f"--out: {args.out} differs from --resume {args.resume}; give only --resume DIR")
    out = args.resume or args.out
    if not out:
        raise LedgersimError("--out: required (the output directory), or --resume DIR to finish an interrupted run")
    if args.resume and args.overwrite:
        raise LedgersimError("--overwrite: cannot be combined with --resume; use one or the other")
    given = any(x is not None for x in (args.preset, args.config, args.scale, args.seed))
    if args.resume and not given:
        scenario = resume_scenario(out)  # the scenario the run was started with
    else:
        scenario = build_scenario(args.preset or "demo", args.config, scale=args.scale, seed=args.seed)
    if args.format is None:
        args.format = ",".join(stored_run(out)["formats"]) if args.resume else "parquet"
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    if args.workers is not None and args.workers < 1:
        raise LedgersimError(f"--workers: must be >= 1 (got {args.workers})")
    memory = args.duckdb_memory.strip() if args.duckdb_memory is not None else None
    if memory is not None and not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", memory, re.IGNORECASE):
        raise LedgersimError(f"--duckdb-memory: {args.duckdb_memory!r} is not a size; give e.g. 512MB or 4GB")
    with_db = not args.no_duckdb and (stored_run(out)["duckdb"] if args.resume else True)
    engine = make_engine(args.workers, args.engine, args.scheduler)
    started = time.perf_counter()
    try:
        manifest = generate(scenario, out, formats=formats, engine=engine, overwrite=args.overwrite,
                            resume=bool(args.resume), progress=progress_for(args.quiet), duckdb=with_db,
                            duckdb_memory=memory)
    except KeyboardInterrupt:
        print(f"ledgersim: interrupted; no manifest.json was written. Finish the run with: "
              f"ledgersim generate --resume {out}", file=sys.stderr)
        return 130
    if not args.quiet:
        print(_summary(manifest, time.perf_counter() - started, Path(out)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ledgersim.tasks.export import export_ner

    for path in export_ner(Path(args.dir), args.format, Path(args.out) if args.out else None):
        print(path)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ledgersim.validate import validate

    report = validate(Path(args.dir))
    print(report.text())
    return 0 if report.ok else 1


def cmd_statements(args: argparse.Namespace) -> int:
    from ledgersim.io.formats import write_statements

    result = write_statements(args.dir, args.out, args.format, args.period, overwrite=args.overwrite,
                              with_counterparty=args.with_counterparty)
    print(f"{result.index.num_rows} {args.format} statements of "
          f"{int(result.index['entries'].to_numpy().sum())} bank lines in {result.out}")
    return 0


def cmd_invoices(args: argparse.Namespace) -> int:
    from ledgersim.io.formats import write_invoices

    index = write_invoices(args.dir, args.out, args.format, overwrite=args.overwrite)
    print(f"{index.num_rows} {args.format} invoices in {args.out}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ledgersim.evaluate import evaluate, format_table

    result = evaluate(args.dir, args.task, args.pred, split=args.split)
    if args.format == "table":
        print(format_table(result))
    else:
        import json

        print(json.dumps(result, indent=2))
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    from ledgersim.evaluate import run_baseline

    started = time.perf_counter()
    rows = run_baseline(args.dir, args.task, args.out, split=args.split)
    print(f"{rows} {args.task} baseline predictions for split {args.split} in {args.out} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ledgersim", description=__doc__)
    p.add_argument("--version", action="version", version=f"ledgersim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="simulate a business and write a dataset")
    g.add_argument("--out", help="output directory or fsspec URL (must be empty unless --overwrite)")
    g.add_argument("--preset", default=None, help="tiny, demo (default) or large")
    g.add_argument("--config", help="YAML scenario file; its keys override the preset's")
    g.add_argument("--scale", type=float, help="multiply the number of customers (and so every volume)")
    g.add_argument("--seed", type=int, help="override the scenario's seed")
    g.add_argument("--format", default=None, help="comma-separated: parquet (always, the default), csv, jsonl")
    g.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores; with --engine dask: LocalCluster workers)")
    g.add_argument("--engine", choices=("process", "dask"), default="process",
                   help="process: a pool on this machine (default); dask: a dask.distributed cluster")
    g.add_argument("--scheduler", help="with --engine dask: address of a running scheduler (tcp://host:8786); "
                                       "default: start a LocalCluster")
    g.add_argument("--resume", metavar="DIR", help="finish an interrupted run in DIR, reusing its complete "
                                                     "partitions (same scenario, seed and formats)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing dataset in --out")
    g.add_argument("--quiet", action="store_true", help="print nothing on success and show no progress bar")
    g.add_argument("--no-duckdb", action="store_true", help="write no ledger.duckdb (Parquet, truth and tasks only)")
    g.add_argument("--duckdb-memory", default=None, metavar="SIZE",
                   help="cap DuckDB's memory while it builds ledger.duckdb (e.g. 2GB; it spills to disk beyond it, "
                        "but each key index must fit); default: DuckDB's own, 80%% of RAM")
    g.set_defaults(func=cmd_generate)

    v = sub.add_parser("validate", help="check a dataset's integrity and business rules")
    v.add_argument("dir", help="dataset directory")
    v.set_defaults(func=cmd_validate)

    st = sub.add_parser("statements", help="write bank statements (MT940, MT950, camt.053) from a dataset")
    st.add_argument("dir", help="dataset directory")
    st.add_argument("--format", required=True, help="mt940, mt950 or camt053")
    st.add_argument("--out", required=True, help="output directory (must be empty unless --overwrite)")
    st.add_argument("--period", default="month", help="one statement per account and day or month (default)")
    st.add_argument("--with-counterparty", action="store_true",
                    help="camt053: name the payer of each line (read from truth/, so it reveals the payer)")
    st.add_argument("--overwrite", action="store_true", help="replace earlier statements in --out")
    st.set_defaults(func=cmd_statements)

    inv = sub.add_parser("invoices", help="write one e-invoice per invoice (UBL 2.1, Peppol BIS 3.0)")
    inv.add_argument("dir", help="dataset directory")
    inv.add_argument("--format", default="ubl", help="ubl (default)")
    inv.add_argument("--out", required=True, help="output directory (must be empty unless --overwrite)")
    inv.add_argument("--overwrite", action="store_true", help="replace earlier invoices in --out")
    inv.set_defaults(func=cmd_invoices)

    ev = sub.add_parser("evaluate", help="score predictions for a task against the dataset's gold task files")
    ev.add_argument("dir", help="dataset directory")
    ev.add_argument("--task", required=True, choices=("ner", "er", "recon", "actions"))
    ev.add_argument("--pred", required=True, help="predictions, JSON Lines shaped like the task's gold file")
    ev.add_argument("--split", default="test", help="train, dev or test (default)")
    ev.add_argument("--format", default="json", choices=("json", "table"), help="json (default) or table")
    ev.set_defaults(func=cmd_evaluate)

    bl = sub.add_parser("baseline", help="run a reference baseline (reads only the task's input files)")
    bl.add_argument("dir", help="dataset directory")
    bl.add_argument("--task", required=True, choices=("ner", "er", "recon", "actions"))
    bl.add_argument("--split", default="test", help="train, dev or test (default)")
    bl.add_argument("--out", required=True, help="predictions file to write (JSON Lines)")
    bl.set_defaults(func=cmd_baseline)
    ex = sub.add_parser("export", help="write a task in another format (NER: spaCy DocBin, HuggingFace datasets)")
    ex.add_argument("dir", help="dataset directory")
    ex.add_argument("--task", required=True, choices=["ner"], help="the task to export")
    ex.add_argument("--format", required=True, help="spacy or hf")
    ex.add_argument("--out", help="output folder (default: DIR/exports/ner/FORMAT)")
    ex.set_defaults(func=cmd_export)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "workers", None) is not None and args.workers < 1:
        print(f"ledgersim: error: --workers: must be >= 1 (got {args.workers})", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except LedgersimError as exc:
        print(f"ledgersim: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
