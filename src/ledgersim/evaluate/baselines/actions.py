"""Actions baseline: the documented policy (``tasks.policy``) applied to the reconciliation baseline.

The gold applies the policy to the truth; the baseline applies it to what it
found itself. Its confidence comes from its own evidence, mapped with the
policy's confidence table: every settled invoice quoted as issued is
``easy``, a corrupted reference or a PO/contract is ``medium``, the payer's
name only is ``hard``, an amount alone is ``unidentified``.
"""

from __future__ import annotations

import bisect
import json
from pathlib import Path

from ledgersim.evaluate.baselines.recon import Result
from ledgersim.spec.models import Policy


def load_policy(dataset: Path | str) -> Policy:
    manifest = Path(dataset) / "manifest.json"
    scenario = json.loads(manifest.read_text("utf-8")).get("scenario", {}) if manifest.is_file() else {}
    return Policy.model_validate(scenario.get("tasks", {}).get("policy", {}))


class Rates:
    """Units of a currency per US dollar on a day (the last known rate on or before it)."""

    def __init__(self, dataset: Path | str) -> None:
        self.dates: dict[str, list[str]] = {}
        self.values: dict[str, list[float]] = {}
        path = Path(dataset) / "tables" / "fx_rates.parquet"
        if path.is_file():
            import pyarrow.parquet as pq

            t = pq.read_table(path, columns=["rate_date", "currency", "units_per_usd"]).sort_by(
                [("currency", "ascending"), ("rate_date", "ascending")])
            for d, c, v in zip(t["rate_date"].to_pylist(), t["currency"].to_pylist(),
                               t["units_per_usd"].to_pylist()):
                self.dates.setdefault(c, []).append(d.isoformat())
                self.values.setdefault(c, []).append(v)

    def usd(self, amount: float, currency: str, day: str) -> float:
        if currency == "USD" or currency not in self.dates:
            return amount
        k = bisect.bisect_right(self.dates[currency], day) - 1
        return amount / self.values[currency][max(k, 0)]


def decide(r: Result, policy: Policy, usd: float) -> list[str]:
    c = policy.confidence
    if r.outcome == "NOT_RECEIVABLE":
        return []
    conf = {"easy": c.easy, "medium": c.medium, "hard": c.hard, "unidentified": c.unidentified}.get(
        r.evidence or "unidentified", c.unidentified)
    if conf < c.review_at or r.outcome == "REVIEW_REQUIRED":
        return ["escalate"]
    actions = {"reconcile", "update_erp"}
    allocated = sum(a for _, a in r.allocations)
    gap = r.amount - r.open_before if r.outcome == "OVERPAYMENT" else r.open_before - allocated
    within = abs(gap) <= policy.auto_reconcile_tolerance * max(r.open_before, 1)
    if r.outcome in ("PARTIAL_PAYMENT", "OVERPAYMENT") and not within:
        actions.add("notify")
    if conf < c.automate_at or usd >= policy.approval_threshold_usd:
        actions.add("approve")
    return sorted(actions)


def predict(results: list[Result], dataset: Path | str) -> list[dict]:
    policy = load_policy(dataset)
    rates = Rates(dataset)
    return [{"transaction_id": r.transaction_id,
             "actions": decide(r, policy, rates.usd(r.amount / 100, r.currency, r.booking_date))}
            for r in results]
