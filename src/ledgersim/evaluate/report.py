"""``--format table``: the evaluation result as aligned plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, int):
        return f"{v:,}"
    return "" if v is None else str(v)


def grid(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[title, *header]] + [[_cell(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for k, row in enumerate(cells):
        lines.append("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


PRF = ("precision", "recall", "f1", "tp", "predicted", "gold")


def _prf_rows(items: dict[str, dict]) -> list[list[Any]]:
    return [[name, *(s.get(k) for k in PRF)] for name, s in items.items()]


def table(result: dict) -> str:
    m = result["metrics"]
    out = [f"ledgersim evaluate: task {result['task']}, split {result['split']}, dataset {result['dataset']}",
           f"predictions: {result['predictions']}",
           f"headline: {result['headline']['metric']} = {result['headline']['value']:.4f}",
           "counts: " + ", ".join(f"{k} {_cell(v)}" for k, v in result["counts"].items()), ""]
    task = result["task"]
    if task == "ner":
        rows = _prf_rows(m["strict"]["per_label"]) + _prf_rows({"micro": m["strict"]["micro"]})
        mac = m["strict"]["macro"]
        rows.append(["macro", mac["precision"], mac["recall"], mac["f1"], None, None, None])
        out.append(grid("strict (exact span)", PRF, rows))
        out.append("")
        keys = ("precision", "recall", "f1", "correct", "incorrect", "partial", "missed", "spurious")
        out.append(grid("overlap (nervaluate)", keys, [[k, *(v[c] for c in keys)] for k, v in m["overlap"].items()]))
    elif task == "er":
        link = m["linking"]
        out.append(grid("linking", ("value",), [["accuracy", link["accuracy"]],
                                                ["accuracy on customers", link["linked_accuracy"]],
                                                ["accuracy on NIL", link["nil_accuracy"]]]))
        out.append("")
        out.append(grid("", PRF, _prf_rows({"NIL": link["nil"], "pairs (label 1)": m["pairs"]})))
        out.append(f"pair accuracy: {m['pairs']['accuracy']:.4f}")
    elif task == "recon":
        out.append(grid("", PRF, _prf_rows({"allocation pairs": m["allocations"]})))
        out.append("")
        am = m["amounts"]
        out.append(f"amount-weighted accuracy ({am['unit']}): {am['weighted_accuracy']:.4f}   "
                   f"allocations exact to the cent: {am['exact_share']:.4f}")
        out.append("")
        oc = m["outcome"]
        out.append(f"outcome accuracy {oc['accuracy']:.4f}, macro F1 {oc['macro_f1']:.4f}")
        out.append(grid("outcome", PRF, _prf_rows(oc["per_class"])))
        out.append("")
        cm = oc["confusion"]
        short = [c[:12] for c in cm["labels"]]
        out.append(grid("gold \\ predicted", short,
                        [[g, *row] for g, row in zip(cm["labels"], cm["matrix"])]))
    elif task == "actions":
        out.append(f"exact-set accuracy {m['exact_set_accuracy']:.4f} ({m['exact']:,} lines)")
        rows = _prf_rows(m["per_action"]) + _prf_rows({"micro": m["micro"]})
        mac = m["macro"]
        rows.append(["macro", mac["precision"], mac["recall"], mac["f1"], None, None, None])
        out.append(grid("action", PRF, rows))
    return "\n".join(out)
