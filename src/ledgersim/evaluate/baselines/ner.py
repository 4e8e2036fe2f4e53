"""NER baseline: the patterns and dictionaries of ``text.Tagger`` on every narrative."""

from __future__ import annotations

from ledgersim.evaluate.baselines.names import core_words
from ledgersim.evaluate.baselines.text import Tagger


def divisions(invoices: list[dict]) -> set[str]:
    """Invoice prefixes the company issues (MFG of MFG-INV-000157)."""
    out = set()
    for row in invoices:
        parts = row["invoice_number"].split("-")
        if len(parts) >= 3:
            out.add(parts[0])
    return out


def name_words(customers: list[dict]) -> set[str]:
    return {w for row in customers for w in core_words(row["legal_name"])}


def predict(lines: list[dict], invoices: list[dict], customers: list[dict]) -> list[dict]:
    tagger = Tagger(divisions(invoices), name_words(customers))
    return [{"id": row["transaction_id"],
             "label": [[s, e, t] for s, e, t in tagger.tag(row["narrative"] or "").spans()]} for row in lines]
