"""Score predictions against a dataset's gold task files, and reference baselines.

``evaluate(dataset, task, pred, split)`` returns a JSON-ready dict with stable
keys: ``task``, ``split``, ``dataset``, ``predictions``, ``headline``
(``metric``, ``value``), ``counts`` (including how many gold items had no
prediction: they count as misses) and ``metrics`` (per task, see the modules
``ner``, ``er``, ``recon`` and ``actions``). ``run_baseline`` writes a
baseline's predictions in the same format.
"""

from __future__ import annotations

from pathlib import Path

from ledgersim.evaluate.predictions import PredictionError, check_split, check_task

__all__ = ["PredictionError", "evaluate", "format_table", "run_baseline"]


def evaluate(dataset: Path | str, task: str, pred: Path | str, split: str = "test") -> dict:
    check_task(task)
    check_split(split)
    from importlib import import_module

    module = import_module(f"ledgersim.evaluate.{task}")
    result = module.evaluate(dataset, pred, split)
    head = {"task": task, "split": split, "dataset": str(dataset), "predictions": str(pred)}
    return {**head, "headline": result["headline"], "counts": result["counts"], "metrics": result["metrics"]}


def run_baseline(dataset: Path | str, task: str, out: Path | str, split: str = "test") -> int:
    """Write the reference baseline's predictions for ``task`` on ``split`` to ``out``; returns the row count."""
    check_task(task)
    check_split(split)
    from ledgersim.evaluate.baselines import run

    return run(dataset, task, split, out)


def format_table(result: dict) -> str:
    from ledgersim.evaluate.report import table

    return table(result)
