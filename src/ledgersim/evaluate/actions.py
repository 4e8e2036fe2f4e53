"""Agent actions: the set of actions per line.

``exact_set_accuracy`` is the share of lines whose predicted set equals the gold
set; per action, precision, recall and F1 treat each line as a yes/no decision
for that action; ``micro`` pools the decisions of all actions, ``macro``
averages the actions that occur in gold or predictions.
"""

from __future__ import annotations

from pathlib import Path

from ledgersim.evaluate.metrics import macro, prf, r, safe_div
from ledgersim.evaluate.predictions import Problems, first_sighting, read_jsonl, read_prediction_rows, require
from ledgersim.tasks.build import task_file
from ledgersim.schema import ACTIONS

EXAMPLE = '{"transaction_id": "BTX-000000000123", "actions": ["notify", "reconcile", "update_erp"]}'


def load_gold(dataset: Path | str, split: str) -> dict[str, frozenset[str]]:
    return {row["transaction_id"]: frozenset(row["actions"])
            for row in read_jsonl(task_file(dataset, "actions", f"{split}.gold.jsonl"))}


def load_predictions(path: Path | str, gold: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    problems = Problems(path)
    out: dict[str, frozenset[str]] = {}
    seen: dict[str, int] = {}
    for line, obj in read_prediction_rows(path, problems):
        txn = require(obj, "transaction_id", str, line, problems, EXAMPLE)
        actions = require(obj, "actions", list, line, problems, EXAMPLE)
        if txn is None:
            continue
        if not first_sighting(problems, line, "transaction_id", txn, gold, seen, "tasks/recon/SPLIT.lines.jsonl",
                              "write one row per transaction_id with all its actions", "transaction"):
            continue
        if actions is None:
            continue
        bad = [a for a in actions if a not in ACTIONS]
        if bad:
            problems.add(line, f"unknown action {str(bad[0])[:40]!r} for {txn!r}", f"use only {', '.join(ACTIONS)}")
            continue
        if len(set(actions)) != len(actions):
            problems.add(line, f"an action is listed twice for {txn!r}", "list each action once")
            continue
        out[txn] = frozenset(actions)
    problems.raise_if_any()
    return out


def score(gold: dict[str, frozenset[str]], pred: dict[str, frozenset[str]]) -> dict:
    txns = list(gold)
    missing = sum(1 for t in txns if t not in pred)
    exact = sum(1 for t in txns if t in pred and pred[t] == gold[t])
    per = {}
    for a in ACTIONS:
        tp = sum(1 for t in txns if a in gold[t] and a in pred.get(t, ()))
        per[a] = prf(tp, sum(1 for t in txns if a in pred.get(t, ())), sum(1 for t in txns if a in gold[t]))
    micro = prf(sum(s["tp"] for s in per.values()), sum(s["predicted"] for s in per.values()),
                sum(s["gold"] for s in per.values()))
    seen = [s for s in per.values() if s["gold"] or s["predicted"]]
    accuracy = r(safe_div(exact, len(txns), 1.0))
    return {
        "task": "actions",
        "counts": {"lines": len(txns), "predicted": len(txns) - missing, "missing": missing},
        "headline": {"metric": "exact_set_accuracy", "value": accuracy},
        "metrics": {"exact_set_accuracy": accuracy, "exact": exact, "micro": micro,
                    "macro": macro(seen) if seen else macro([micro]), "per_action": per},
    }


def evaluate(dataset: Path | str, pred_path: Path | str, split: str) -> dict:
    gold = load_gold(dataset, split)
    pred = load_predictions(pred_path, gold)
    return score(gold, pred)
