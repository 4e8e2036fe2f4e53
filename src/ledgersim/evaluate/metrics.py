"""Small metric helpers shared by the tasks: counts in, rounded scores out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

DIGITS = 6


def r(x: float) -> float:
    return round(float(x), DIGITS)


def safe_div(num: float, den: float, empty: float = 0.0) -> float:
    return num / den if den else empty


def prf(tp: int, predicted: int, gold: int) -> dict:
    """Precision, recall and F1 from counts. With nothing predicted and nothing to find, all are 1.0."""
    if predicted == 0 and gold == 0:
        p = rec = f = 1.0
    else:
        p = safe_div(tp, predicted)
        rec = safe_div(tp, gold)
        f = safe_div(2 * p * rec, p + rec)
    return {"precision": r(p), "recall": r(rec), "f1": r(f), "tp": int(tp), "predicted": int(predicted),
            "gold": int(gold)}


def macro(scores: Iterable[dict]) -> dict:
    """Unweighted mean of precision, recall and F1 over the given per-class scores."""
    items = list(scores)
    n = len(items)
    return {"precision": r(safe_div(sum(s["precision"] for s in items), n)),
            "recall": r(safe_div(sum(s["recall"] for s in items), n)),
            "f1": r(safe_div(sum(s["f1"] for s in items), n)),
            "classes": n}


def confusion(gold: Sequence[str], pred: Sequence[str | None], classes: Sequence[str]) -> dict:
    """Rows are gold classes, columns predicted classes plus ``(missing)`` for lines not predicted."""
    cols = list(classes) + ["(missing)"]
    index = {c: i for i, c in enumerate(cols)}
    matrix = [[0] * len(cols) for _ in classes]
    rows = {c: i for i, c in enumerate(classes)}
    for g, p in zip(gold, pred):
        matrix[rows[g]][index[p if p is not None else "(missing)"]] += 1
    return {"rows": "gold", "columns": "predicted", "labels": cols, "matrix": matrix}


def classification(gold: Sequence[str], pred: Sequence[str | None], classes: Sequence[str]) -> dict:
    """Accuracy, per-class P/R/F1, macro F1 (over the classes in gold or predictions), confusion matrix."""
    per = {}
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        per[c] = prf(tp, sum(1 for p in pred if p == c), sum(1 for g in gold if g == c))
    seen = [per[c] for c in classes if per[c]["gold"] or per[c]["predicted"]]
    correct = sum(1 for g, p in zip(gold, pred) if g == p)
    return {"accuracy": r(safe_div(correct, len(gold), 1.0)), "correct": correct, "total": len(gold),
            "macro_f1": macro(seen)["f1"] if seen else 1.0, "per_class": per,
            "confusion": confusion(gold, pred, classes)}
