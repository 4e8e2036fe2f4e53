"""Entity resolution: mention -> customer_id (with NIL), and the candidate-pair file.

Rows with a ``label`` key score the pair file; rows without score the
mentions. When a prediction file has no pair rows, pair labels are derived
from the mention predictions (a pair is 1 exactly when its customer is the one
predicted for the mention), so one file of mention links scores both.
"""

from __future__ import annotations

from pathlib import Path

from ledgersim.evaluate.metrics import prf, r, safe_div
from ledgersim.evaluate.predictions import Problems, read_jsonl, read_prediction_rows, require
from ledgersim.tasks.build import task_file

EXAMPLE = '{"mention_id": "BTX-000000000123:8", "customer_id": "CUS-00036"}'
PAIR_EXAMPLE = '{"mention_id": "BTX-000000000123:8", "customer_id": "CUS-00036", "label": 1}'


class Gold:
    def __init__(self, dataset: Path | str, split: str) -> None:
        self.links: dict[str, str | None] = {row["mention_id"]: row["customer_id"]
                                             for row in read_jsonl(task_file(dataset, "er", f"{split}.gold.jsonl"))}
        self.pairs: dict[tuple[str, str], int] = {
            (row["mention_id"], row["customer_id"]): int(row["label"])
            for row in read_jsonl(task_file(dataset, "er", f"{split}.pairs.jsonl"))}
        self.customers: set[str] = {row["customer_id"]
                                    for row in read_jsonl(task_file(dataset, "er", "customers.jsonl"))}


def load_predictions(path: Path | str, gold: Gold) -> tuple[dict[str, str | None], dict[tuple[str, str], int]]:
    problems = Problems(path)
    links: dict[str, str | None] = {}
    pairs: dict[tuple[str, str], int] = {}
    link_line: dict[str, int] = {}
    pair_line: dict[tuple[str, str], int] = {}
    for line, obj in read_prediction_rows(path, problems):
        is_pair = "label" in obj
        mention = require(obj, "mention_id", str, line, problems, PAIR_EXAMPLE if is_pair else EXAMPLE)
        customer = require(obj, "customer_id", str, line, problems, PAIR_EXAMPLE if is_pair else EXAMPLE,
                           nullable=not is_pair)
        if mention is None or (is_pair and customer is None) or "customer_id" not in obj:
            continue
        if mention not in gold.links:
            problems.add(line, f"unknown mention_id {mention!r} (not a mention of this split)",
                         "predict only the mention_ids of tasks/er/SPLIT.mentions.jsonl for the --split you evaluate")
            continue
        if customer is not None and customer not in gold.customers:
            problems.add(line, f"unknown customer_id {customer!r}",
                         "use a customer_id of tasks/er/customers.jsonl, or null for a company that is no customer")
            continue
        if is_pair:
            label = obj["label"]
            if isinstance(label, bool):
                label = int(label)
            if not isinstance(label, int) or label not in (0, 1):
                problems.add(line, f"'label' must be 0 or 1, got {str(label)[:40]}", f"write it as in {PAIR_EXAMPLE}")
                continue
            key = (mention, customer)
            if key not in gold.pairs:
                problems.add(line, f"pair ({mention}, {customer}) is not in the pair file",
                             "label only the candidate pairs of tasks/er/SPLIT.pairs.jsonl")
                continue
            if key in pair_line:
                problems.add(line, f"pair ({mention}, {customer}) predicted twice (first on line {pair_line[key]})",
                             "write each pair once")
                continue
            pair_line[key] = line
            pairs[key] = int(label)
        else:
            if mention in link_line:
                problems.add(line, f"mention {mention!r} predicted twice (first on line {link_line[mention]})",
                             "write one row per mention_id")
                continue
            link_line[mention] = line
            links[mention] = customer
    problems.raise_if_any()
    return links, pairs


def score(gold: Gold, links: dict[str, str | None], pairs: dict[tuple[str, str], int]) -> dict:
    total = len(gold.links)
    correct = sum(1 for m, c in gold.links.items() if m in links and links[m] == c)
    linked = [m for m, c in gold.links.items() if c is not None]
    nil = [m for m, c in gold.links.items() if c is None]
    linked_ok = sum(1 for m in linked if m in links and links[m] == gold.links[m])
    nil_ok = sum(1 for m in nil if m in links and links[m] is None)
    nil_pred = sum(1 for m, c in links.items() if c is None)
    missing = total - sum(1 for m in gold.links if m in links)

    source = "file" if pairs else "mentions"
    if not pairs:  # derive pair labels from the links
        pairs = {(m, c): int(m in links and links[m] == c) for (m, c) in gold.pairs}
    tp = sum(1 for k, v in gold.pairs.items() if v == 1 and pairs.get(k) == 1)
    n_pred = sum(1 for k, v in pairs.items() if v == 1)
    n_gold = sum(gold.pairs.values())
    agree = sum(1 for k, v in gold.pairs.items() if k in pairs and pairs[k] == v)
    accuracy = r(safe_div(correct, total, 1.0))
    return {
        "task": "er",
        "counts": {"mentions": total, "predicted": total - missing, "missing": missing,
                   "nil_mentions": len(nil), "pairs": len(gold.pairs), "pairs_source": source,
                   "predicted_pairs": sum(1 for k in gold.pairs if k in pairs),
                   "missing_pairs": sum(1 for k in gold.pairs if k not in pairs)},
        "headline": {"metric": "linking.accuracy", "value": accuracy},
        "metrics": {
            "linking": {"accuracy": accuracy, "correct": correct, "total": total,
                        "linked_accuracy": r(safe_div(linked_ok, len(linked), 1.0)),
                        "nil_accuracy": r(safe_div(nil_ok, len(nil), 1.0)),
                        "nil": prf(nil_ok, nil_pred, len(nil))},
            "pairs": {**prf(tp, n_pred, n_gold), "accuracy": r(safe_div(agree, len(gold.pairs), 1.0))},
        },
    }


def evaluate(dataset: Path | str, pred_path: Path | str, split: str) -> dict:
    gold = Gold(dataset, split)
    links, pairs = load_predictions(pred_path, gold)
    return score(gold, links, pairs)
