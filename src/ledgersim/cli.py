"""Command line: a thin layer that parses arguments and calls the library."""

from __future__ import annotations

import argparse
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
    from ledgersim.dataset import generate
    from ledgersim.engine import make_engine
    from ledgersim.spec import build_scenario

    scenario = build_scenario(args.preset, args.config, scale=args.scale, seed=args.seed)
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    started = time.perf_counter()
    manifest = generate(scenario, args.out, formats=formats, engine=make_engine(args.workers),
                        overwrite=args.overwrite)
    if not args.quiet:
        print(_summary(manifest, time.perf_counter() - started, Path(args.out)))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from ledgersim.validate import validate

    report = validate(Path(args.dir))
    print(report.text())
    return 0 if report.ok else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ledgersim", description=__doc__)
    p.add_argument("--version", action="version", version=f"ledgersim {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="simulate a business and write a dataset")
    g.add_argument("--out", required=True, help="output directory (must be empty unless --overwrite)")
    g.add_argument("--preset", default="demo", help="tiny, demo (default) or large")
    g.add_argument("--config", help="YAML scenario file; its keys override the preset's")
    g.add_argument("--scale", type=float, help="multiply the number of customers (and so every volume)")
    g.add_argument("--seed", type=int, help="override the scenario's seed")
    g.add_argument("--format", default="parquet", help="comma-separated: parquet (always), csv, jsonl")
    g.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing dataset in --out")
    g.add_argument("--quiet", action="store_true", help="print nothing on success")
    g.set_defaults(func=cmd_generate)

    v = sub.add_parser("validate", help="check a dataset's integrity and business rules")
    v.add_argument("dir", help="dataset directory")
    v.set_defaults(func=cmd_validate)
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
