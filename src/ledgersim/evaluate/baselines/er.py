"""Entity-resolution baseline: each COMPANY mention resolved by name against the customer master.

A mention on an outgoing payment that is no refund (PAYMENT TO ..., ACH
DEBIT ..., BNF:..., TRSF E-BANKING DB, TRANSFER KE ...) names a supplier: NIL.
Otherwise ``names.Resolver`` picks the closest customer, or NIL below its
threshold.
"""

from __future__ import annotations

import re

from ledgersim.evaluate.baselines.names import Resolver

OUTGOING = re.compile(r"\bPAYMENT TO\b|\bACH DEBIT\b|\bBNF:|\bWIRE OUT\b|\bE-BANKING DB\b|\bTRANSFER KE\b|"
                      r"\bInhouseTrf KE\b|\bPEMBAYARAN KE\b", re.IGNORECASE)
REFUND = re.compile(r"\bREFUND\b|\bPENGEMBALIAN DANA\b", re.IGNORECASE)


def outgoing_to_supplier(narrative: str) -> bool:
    return bool(OUTGOING.search(narrative)) and not REFUND.search(narrative)


def predict(mentions: list[dict], customers: list[dict], resolver: Resolver | None = None) -> list[dict]:
    res = resolver or Resolver(customers)
    out = []
    for m in mentions:
        if outgoing_to_supplier(m["narrative"]):
            cid = None
        else:
            cid, _ = res.resolve(m["surface"])
        out.append({"mention_id": m["mention_id"], "customer_id": cid})
    return out
