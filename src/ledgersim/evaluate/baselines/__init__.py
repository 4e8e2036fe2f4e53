"""Reference baselines: honest solvers that read only a task's input files.

- ner: tasks/recon/SPLIT.lines.jsonl (ids and narratives), tasks/recon/SPLIT.invoices.jsonl (the invoice
  prefixes), tasks/er/customers.jsonl (the words of the customers' names);
- er: tasks/er/SPLIT.mentions.jsonl, tasks/er/customers.jsonl;
- recon: tasks/recon/SPLIT.lines.jsonl, tasks/recon/SPLIT.invoices.jsonl, tasks/er/customers.jsonl;
- actions: as recon, plus the policy (manifest.json -> scenario.tasks.policy) and the company's reference
  rates (tables/fx_rates.parquet) for the approval threshold in USD.

None of them opens ``truth/`` or a gold file. Their few constants (the ER
NIL threshold) were chosen on the dev split, never on test.
"""

from __future__ import annotations

from pathlib import Path

from ledgersim.evaluate.predictions import read_jsonl, write_jsonl
from ledgersim.tasks.build import task_file


def load_lines(dataset: Path | str, split: str) -> list[dict]:
    return read_jsonl(task_file(dataset, "recon", f"{split}.lines.jsonl"))


def load_invoices(dataset: Path | str, split: str) -> list[dict]:
    return read_jsonl(task_file(dataset, "recon", f"{split}.invoices.jsonl"))


def load_customers(dataset: Path | str) -> list[dict]:
    return read_jsonl(task_file(dataset, "er", "customers.jsonl"))


def predict(dataset: Path | str, task: str, split: str) -> list[dict]:
    """The baseline's prediction rows for ``task`` on ``split``."""
    if task == "ner":
        from ledgersim.evaluate.baselines.ner import predict as run_ner

        return run_ner(load_lines(dataset, split), load_invoices(dataset, split), load_customers(dataset))
    if task == "er":
        from ledgersim.evaluate.baselines.er import predict as run_er

        mentions = read_jsonl(task_file(dataset, "er", f"{split}.mentions.jsonl"))
        return run_er(mentions, load_customers(dataset))
    from ledgersim.evaluate.baselines.recon import reconcile

    results = reconcile(load_lines(dataset, split), load_invoices(dataset, split), load_customers(dataset))
    if task == "recon":
        return [r.row() for r in results]
    from ledgersim.evaluate.baselines.actions import predict as run_actions

    return run_actions(results, dataset)


def run(dataset: Path | str, task: str, split: str, out: Path | str) -> int:
    return write_jsonl(out, predict(dataset, task, split))
