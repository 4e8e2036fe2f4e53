"""Reconciliation: which invoices each line settles, by how much, and the outcome.

- ``allocations``: precision, recall and F1 over (transaction_id, invoice_number) pairs.
- ``amounts``: amount-weighted accuracy of the allocations, sum(min(gold, predicted)) /
  sum(max(gold, predicted)) over all pairs in gold or predictions (a pair absent on one side
  counts 0 there), with amounts in US dollars at each currency's mean reference rate of
  ``tables/fx_rates`` so that rupiah do not outweigh euros; and the share of gold allocations
  whose amount is predicted to the cent.
- ``outcome``: accuracy, per-class P/R/F1, macro F1 and the confusion matrix of the outcome.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from ledgersim.evaluate.metrics import classification, prf, r, safe_div
from ledgersim.evaluate.predictions import (Problems, first_sighting, parse_amount, read_jsonl, read_prediction_rows,
                                            require)
from ledgersim.tasks.build import task_file
from ledgersim.schema import OUTCOMES

EXAMPLE = ('{"transaction_id": "BTX-000000000123", "outcome": "PARTIAL_PAYMENT", '
           '"allocations": [{"invoice_number": "MFG-INV-000288", "amount": "3007.00"}]}')
Alloc = dict[str, Decimal]  # invoice_number -> amount


class Gold:
    def __init__(self, dataset: Path | str, split: str) -> None:
        self.dataset = Path(dataset)
        rows = read_jsonl(task_file(dataset, "recon", f"{split}.gold.jsonl"))
        self.outcome: dict[str, str] = {row["transaction_id"]: row["outcome"] for row in rows}
        self.allocations: dict[str, Alloc] = {
            row["transaction_id"]: {a["invoice_number"]: Decimal(a["amount"]) for a in row["allocations"]}
            for row in rows}
        invoices = read_jsonl(task_file(dataset, "recon", f"{split}.invoices.jsonl"))
        self.invoice_currency: dict[str, str] = {row["invoice_number"]: row["currency"] for row in invoices}


def usd_per_unit(dataset: Path) -> tuple[dict[str, float], str]:
    """US dollars per unit of each currency (mean over the period), or 1.0 each if the dataset has no rates."""
    path = dataset / "tables" / "fx_rates.parquet"
    if not path.is_file():
        return {}, "invoice currency units"
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["currency", "units_per_usd"])
    sums: dict[str, list[float]] = {}
    for cur, rate in zip(table["currency"].to_pylist(), table["units_per_usd"].to_pylist()):
        if rate:
            sums.setdefault(cur, []).append(1.0 / rate)
    rates = {c: sum(v) / len(v) for c, v in sums.items()}
    rates["USD"] = 1.0
    return rates, "USD"


def load_predictions(path: Path | str, gold: Gold) -> tuple[dict[str, str], dict[str, Alloc]]:
    problems = Problems(path)
    outcomes: dict[str, str] = {}
    allocs: dict[str, Alloc] = {}
    seen: dict[str, int] = {}
    for line, obj in read_prediction_rows(path, problems):
        txn = require(obj, "transaction_id", str, line, problems, EXAMPLE)
        outcome = require(obj, "outcome", str, line, problems, EXAMPLE)
        items = require(obj, "allocations", list, line, problems, EXAMPLE)
        if txn is None:
            continue
        if not first_sighting(problems, line, "transaction_id", txn, gold.outcome, seen,
                              "tasks/recon/SPLIT.lines.jsonl", "write one row per transaction_id with all its allocations",
                              "transaction"):
            continue
        if outcome is not None and outcome not in OUTCOMES:
            problems.add(line, f"unknown outcome {outcome!r}", f"use one of {', '.join(OUTCOMES)}")
            outcome = None
        if items is None or outcome is None:
            continue
        alloc: Alloc = {}
        for k, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("invoice_number"), str) or "amount" not in item:
                problems.add(line, f"allocation {k} of {txn!r} is {str(item)[:60]}",
                             'write each allocation as {"invoice_number": "...", "amount": "123.45"}')
                continue
            inv = item["invoice_number"]
            amount = parse_amount(item["amount"])
            if inv not in gold.invoice_currency:
                problems.add(line, f"allocation {k} of {txn!r}: unknown invoice_number {inv!r}",
                             "use an invoice_number of tasks/recon/SPLIT.invoices.jsonl")
            elif amount is None or amount <= 0:
                problems.add(line, f"allocation {k} of {txn!r}: amount {str(item['amount'])[:30]!r} is not a "
                                   "positive number", 'write it as a string with two decimals, e.g. "3007.00"')
            elif inv in alloc:
                problems.add(line, f"invoice {inv!r} allocated twice in {txn!r}", "give each invoice once per line")
            else:
                alloc[inv] = amount
        outcomes[txn] = outcome
        allocs[txn] = alloc
    problems.raise_if_any()
    return outcomes, allocs


def score(gold: Gold, outcomes: dict[str, str], allocs: dict[str, Alloc]) -> dict:
    gold_pairs = {(t, i) for t, a in gold.allocations.items() for i in a}
    pred_pairs = {(t, i) for t, a in allocs.items() for i in a}
    pairs = prf(len(gold_pairs & pred_pairs), len(pred_pairs), len(gold_pairs))

    rates, unit = usd_per_unit(gold.dataset)
    num = den = 0.0
    for t, i in gold_pairs | pred_pairs:
        g = float(gold.allocations.get(t, {}).get(i, 0))
        p = float(allocs.get(t, {}).get(i, 0))
        w = rates.get(gold.invoice_currency.get(i, ""), 1.0)
        num += min(g, p) * w
        den += max(g, p) * w
    exact = sum(1 for t, i in gold_pairs if allocs.get(t, {}).get(i) == gold.allocations[t][i])

    txns = list(gold.outcome)
    missing = sum(1 for t in txns if t not in outcomes)
    outcome = classification([gold.outcome[t] for t in txns], [outcomes.get(t) for t in txns], OUTCOMES)
    return {
        "task": "recon",
        "counts": {"lines": len(txns), "predicted": len(txns) - missing, "missing": missing,
                   "missing_allocations": sum(len(gold.allocations[t]) for t in txns if t not in outcomes),
                   "gold_allocations": len(gold_pairs), "predicted_allocations": len(pred_pairs)},
        "headline": {"metric": "allocations.f1", "value": pairs["f1"]},
        "metrics": {
            "allocations": pairs,
            "amounts": {"weighted_accuracy": r(safe_div(num, den, 1.0)),
                        "exact_share": r(safe_div(exact, len(gold_pairs), 1.0)), "unit": unit},
            "outcome": outcome,
        },
    }


def evaluate(dataset: Path | str, pred_path: Path | str, split: str) -> dict:
    gold = Gold(dataset, split)
    outcomes, allocs = load_predictions(pred_path, gold)
    return score(gold, outcomes, allocs)
