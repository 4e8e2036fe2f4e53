"""Ready-to-train task files (NER, entity resolution, reconciliation, agent
actions) with leakage-safe splits; the contract is docs/tasks.md."""

from ledgersim.tasks.build import build_tasks

__all__ = ["build_tasks"]
