"""NER: entity-level scores on character spans.

``strict`` is exact-span matching (same start, same end, same label), the
matching of seqeval's IOB2 strict mode and of conlleval, computed on the
character spans so that a prediction need not share the gold tokenisation
(tests cross-check it against seqeval on the gold CoNLL tokens). ``overlap``
adds the four SemEval-2013 schemas of nervaluate (strict, exact boundary,
partial boundary, entity type), which give credit for partly right spans.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ledgersim.evaluate.metrics import macro, prf, r
from ledgersim.evaluate.predictions import Problems, first_sighting, read_jsonl, read_prediction_rows, require
from ledgersim.tasks.build import task_file
from ledgersim.schema import NER_LABELS

Span = tuple[int, int, str]
EXAMPLE = '{"id": "BTX-000000000123", "label": [[0, 7, "PAYMENT_TYPE"], [8, 18, "INVOICE"]]}'


def load_gold(dataset: Path | str, split: str) -> dict[str, tuple[str, list[Span]]]:
    """transaction_id -> (narrative, gold spans) in file order."""
    rows = read_jsonl(task_file(dataset, "ner", f"{split}.jsonl"))
    return {row["id"]: (row["text"], [(int(s), int(e), str(t)) for s, e, t in row["label"]]) for row in rows}


def load_predictions(path: Path | str, gold: dict[str, tuple[str, list[Span]]]) -> dict[str, list[Span]]:
    problems = Problems(path)
    seen: dict[str, int] = {}
    out: dict[str, list[Span]] = {}
    for line, obj in read_prediction_rows(path, problems):
        doc_id = require(obj, "id", str, line, problems, EXAMPLE)
        labels = require(obj, "label", list, line, problems, EXAMPLE)
        if doc_id is None:
            continue
        if not first_sighting(problems, line, "id", doc_id, gold, seen, "tasks/ner/SPLIT.jsonl",
                              "write one row per id with all its spans"):
            continue
        text = gold[doc_id][0]
        if "text" in obj and obj["text"] != text:
            problems.add(line, f"'text' of {doc_id!r} differs from its narrative",
                         "leave 'text' out or copy it unchanged from the task file")
        if labels is None:
            continue
        spans: list[Span] = []
        for k, item in enumerate(labels):
            ok = (isinstance(item, list) and len(item) == 3 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                     for v in item[:2]) and isinstance(item[2], str))
            if not ok:
                problems.add(line, f"label {k} of {doc_id!r} is {str(item)[:60]}, not [start, end, \"TAG\"]",
                             "write each span as [start, end, \"TAG\"] with integer character offsets")
                continue
            s, e, tag = item
            if tag not in NER_LABELS:
                problems.add(line, f"label {k} of {doc_id!r}: unknown tag {tag!r}",
                             f"use one of {', '.join(NER_LABELS)} (no B-/I- prefix)")
                continue
            if not 0 <= s < e <= len(text):
                problems.add(line, f"span [{s}, {e}] of {doc_id!r} lies outside its text of {len(text)} characters "
                                   "or is empty", "use 0 <= start < end <= len(text), end exclusive")
                continue
            if (s, e, tag) in spans:
                problems.add(line, f"span [{s}, {e}, {tag!r}] of {doc_id!r} given twice", "list each span once")
                continue
            spans.append((s, e, tag))
        out[doc_id] = spans
    problems.raise_if_any()
    return out


def _overlap_scores(gold: dict[str, tuple[str, list[Span]]], pred: dict[str, list[Span]]) -> dict:
    """nervaluate's four schemas (its spans are end-inclusive: convert)."""
    from nervaluate import Evaluator

    true_docs = [[{"label": t, "start": s, "end": e - 1} for s, e, t in spans] for _, spans in gold.values()]
    pred_docs = [[{"label": t, "start": s, "end": e - 1} for s, e, t in pred.get(doc, [])] for doc in gold]
    results = Evaluator(true_docs, pred_docs, tags=list(NER_LABELS), loader="dict").evaluate()["overall"]
    out = {}
    for schema in ("strict", "exact", "partial", "ent_type"):
        res = results.get(schema)
        if res is None:  # nothing in gold or predictions
            out[schema] = {"precision": 1.0, "recall": 1.0, "f1": 1.0, "correct": 0, "incorrect": 0,
                           "partial": 0, "missed": 0, "spurious": 0}
            continue
        out[schema] = {"precision": r(res.precision), "recall": r(res.recall), "f1": r(res.f1),
                       "correct": res.correct, "incorrect": res.incorrect, "partial": res.partial,
                       "missed": res.missed, "spurious": res.spurious}
        if res.actual == 0 and res.possible == 0:
            out[schema].update(precision=1.0, recall=1.0, f1=1.0)
    return out


def score(gold: dict[str, tuple[str, list[Span]]], pred: dict[str, list[Span]]) -> dict:
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for doc, (_, gspans) in gold.items():
        pspans = pred.get(doc, [])
        gset = set(gspans)
        n_gold.update(t for _, _, t in gspans)
        n_pred.update(t for _, _, t in pspans)
        tp.update(t for s, e, t in pspans if (s, e, t) in gset)
    per_label = {lab: prf(tp[lab], n_pred[lab], n_gold[lab]) for lab in NER_LABELS}
    seen = [per_label[lab] for lab in NER_LABELS if n_gold[lab] or n_pred[lab]]
    micro = prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values()))
    missing = sum(1 for doc in gold if doc not in pred)
    return {
        "task": "ner",
        "counts": {"documents": len(gold), "predicted_documents": len(gold) - missing, "missing_documents": missing,
                   "missing_mentions": sum(len(gold[d][1]) for d in gold if d not in pred),
                   "gold_mentions": sum(n_gold.values()), "predicted_mentions": sum(n_pred.values())},
        "headline": {"metric": "strict.micro.f1", "value": micro["f1"]},
        "metrics": {
            "strict": {"micro": micro, "macro": macro(seen) if seen else macro([micro]), "per_label": per_label},
            "overlap": _overlap_scores(gold, pred),
        },
    }


def evaluate(dataset: Path | str, pred_path: Path | str, split: str) -> dict:
    gold = load_gold(dataset, split)
    pred = load_predictions(pred_path, gold)
    return score(gold, pred)
