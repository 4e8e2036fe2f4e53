"""Difficulty that responds to its knob: every reference baseline at noise none, low, medium and high.

Usage (from the repo root, after ``make run`` or ``make test`` built .venv):

    .venv/bin/python bench/difficulty.py [--preset demo] [--scale 1] [--split test] [--workers 2] [--keep DIR]

Generates the same scenario (preset, seed, scale) once per ``noise.level``,
runs each baseline of ``ledgersim baseline`` on the split and scores it with
``ledgersim evaluate``, and prints one row per level with each task's headline
score (NER strict micro F1, ER linking accuracy, reconciliation allocation-pair
F1, actions exact-set accuracy) plus the reconciliation outcome macro F1, and
the seconds each baseline took. Nothing is tuned here: the baselines are
fixed code and run on the chosen split only.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ledgersim.dataset import generate
from ledgersim.engine import make_engine
from ledgersim.evaluate import evaluate, run_baseline
from ledgersim.spec import build_scenario

LEVELS = ("none", "low", "medium", "high")
TASKS = ("ner", "er", "recon", "actions")
HEADLINE = {"ner": "NER F1", "er": "ER acc", "recon": "recon F1", "actions": "actions acc"}


def run_level(preset: str, scale: float, seed: int | None, level: str, split: str, workers: int,
              root: Path) -> dict:
    out = root / f"noise-{level}"
    scenario = build_scenario(preset, {"noise": {"level": level}}, scale=scale, seed=seed)
    started = time.perf_counter()
    generate(scenario, out, engine=make_engine(workers), overwrite=True)
    row = {"level": level, "generate_s": time.perf_counter() - started}
    if not (out / "tasks").is_dir():
        raise SystemExit(f"{out}: no tasks/ written; this ledgersim does not generate task files yet")
    for task in TASKS:
        pred = out / f"baseline.{task}.{split}.jsonl"
        t0 = time.perf_counter()
        run_baseline(out, task, pred, split=split)
        row[f"{task}_s"] = time.perf_counter() - t0
        result = evaluate(out, task, pred, split=split)
        row[task] = result["headline"]["value"]
        if task == "recon":
            row["recon_outcome_macro_f1"] = result["metrics"]["outcome"]["macro_f1"]
            row["lines"] = result["counts"]["lines"]
    return row


def table(rows: list[dict], preset: str, scale: float, split: str) -> str:
    head = (f"{'noise':<7} {'lines':>6}  " + "  ".join(f"{HEADLINE[t]:>11}" for t in TASKS)
            + f"  {'outcome mF1':>11}  seconds (ner/er/recon/actions)")
    out = [f"preset {preset}, scale {scale:g}, split {split}", head]
    for r in rows:
        out.append(f"{r['level']:<7} {r['lines']:>6,}  " + "  ".join(f"{r[t]:>11.4f}" for t in TASKS)
                   + f"  {r['recon_outcome_macro_f1']:>11.4f}  "
                   + "/".join(f"{r[f'{t}_s']:.1f}" for t in TASKS))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the preset's customers")
    ap.add_argument("--seed", type=int, default=None, help="override the preset's seed")
    ap.add_argument("--split", default="test")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--levels", default=",".join(LEVELS))
    ap.add_argument("--keep", help="write the datasets here (default: a temporary directory, removed)")
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    args = ap.parse_args(argv)
    levels = [s.strip() for s in args.levels.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="ledgersim-difficulty-") as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        rows = []
        for level in levels:
            rows.append(run_level(args.preset, args.scale, args.seed, level, args.split, args.workers, root))
            print(f"  {level}: done", file=sys.stderr)
    print(table(rows, args.preset, args.scale, args.split))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
