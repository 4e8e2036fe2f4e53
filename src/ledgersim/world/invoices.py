"""Invoices, invoice lines and purchase orders billed from the schedule.

Invoice numbers come from the plan's offsets, so they rise with the issue
date within each division prefix across all partitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ledgersim import frames
from ledgersim.frames import apply_rate, index_of, minor_unit, round_half_up
from ledgersim.plan import Offsets, Partition, Plan
from ledgersim.reference import countries
from ledgersim.world.contracts import (
    KIND_MILESTONE, Contracts, catalog, division_prefix, purchase_order_plan,
)
from ledgersim.world.customers import Customers

PO_BASE = 4_500_000_000  # SAP-style purchasing document numbers


@dataclass
class Invoices:
    number: np.ndarray
    contract: np.ndarray  # local contract index
    customer: np.ndarray  # local customer index
    currency: np.ndarray
    issue: np.ndarray
    due: np.ndarray
    net: np.ndarray  # cents
    tax: np.ndarray
    gross: np.ndarray
    po_number: np.ndarray  # "" when none

    def __len__(self) -> int:
        return len(self.number)


def _rank_in_groups(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """0-based position of each row among rows with equal keys, in row order."""
    n = len(keys[0])
    order = np.lexsort((np.arange(n),) + tuple(reversed(keys)))
    sorted_keys = [k[order] for k in keys]
    new_group = np.ones(n, dtype=bool)
    if n:
        new_group[1:] = np.any([k[1:] != k[:-1] for k in sorted_keys], axis=0)
    group_first = np.maximum.accumulate(np.where(new_group, np.arange(n), 0)) if n else np.zeros(0, np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - group_first
    return rank


def _join(*parts: object) -> np.ndarray:
    arrs = [p if isinstance(p, str) else pa.array(p, pa.string()) for p in parts]
    return np.asarray(pc.binary_join_element_wise(*arrs, "").to_numpy(zero_copy_only=False))


def _padded(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width=width, padding="0")


def generate(plan: Plan, part: Partition, c: Contracts, cust: Customers, off: Offsets) -> tuple[Invoices, dict[str, pa.Table]]:
    s = c.schedule
    n = len(s.contract)
    div = c.division[s.contract]
    day = (s.issue_date - plan.start).astype(np.int64)
    seq = off.invoices[div, day] + _rank_in_groups((div, day)) + 1
    number = _join(division_prefix(div), "-INV-", _padded(seq, 6))

    customer = c.customer[s.contract]
    facts = countries()
    tax_rate = np.array([facts[k]["tax_rate"] for k in facts])[index_of(cust.country[customer], list(facts))]
    tax = apply_rate(s.net_cents, tax_rate, minor_unit(c.currency[s.contract]))
    gross = s.net_cents + tax
    due = s.issue_date + c.terms[s.contract].astype("timedelta64[D]")

    # purchase orders: one per invoice, or one blanket PO per billed contract
    gen = plan.rng("purchase_orders", part.index)
    per_invoice, blanket = purchase_order_plan(c)
    pi = np.flatnonzero(per_invoice)
    po_date_inv = s.issue_date[pi] - gen.integers(2, 21, len(pi)).astype("timedelta64[D]")
    billed_net = np.bincount(s.contract, weights=s.net_cents, minlength=len(c))
    blanket_amount = np.ceil(billed_net[blanket] * 1.1 / 100_000) * 100_000
    po_contract = np.concatenate([s.contract[pi], blanket])
    po_date = np.concatenate([po_date_inv, c.start[blanket]])
    po_amount = np.concatenate([gross[pi], blanket_amount.astype(np.int64)])
    po_type = np.concatenate([np.full(len(pi), "single"), np.full(len(blanket), "blanket")])
    order = np.lexsort((po_contract, po_date))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    po_number = _join("PO-", (PO_BASE + off.purchase_orders + rank + 1).astype(str))
    inv_po = np.full(n, "", dtype=object)
    inv_po[pi] = po_number[: len(pi)]
    blanket_of = np.full(len(c), -1, dtype=np.int64)
    blanket_of[blanket] = np.arange(len(blanket)) + len(pi)
    has_blanket = blanket_of[s.contract] >= 0
    inv_po[has_blanket] = po_number[blanket_of[s.contract[has_blanket]]]
    inv_po = inv_po.astype(str)

    inv = Invoices(number, s.contract, customer, c.currency[s.contract], s.issue_date, due,
                   s.net_cents, tax, gross, inv_po)
    assert c.ids is not None
    tables = {
        "invoices": frames.build("invoices", {
            "invoice_number": number, "contract_id": c.ids[s.contract],
            "customer_id": cust.customer_id[customer], "po_number": inv_po, "issue_date": s.issue_date,
            "due_date": due, "currency": inv.currency, "net_amount": s.net_cents, "tax_rate": tax_rate,
            "tax_amount": tax, "amount": gross,
        }, nulls={"po_number": inv_po == ""}),
        "invoice_lines": _lines(c, inv, s.kind, s.milestone_no),
        "purchase_orders": frames.build("purchase_orders", {
            "po_number": po_number, "customer_id": cust.customer_id[c.customer[po_contract]],
            "contract_id": c.ids[po_contract], "po_type": po_type, "po_date": po_date,
            "currency": c.currency[po_contract], "amount": po_amount,
        }),
    }
    return inv, tables


def _lines(c: Contracts, inv: Invoices, kind: np.ndarray, milestone_no: np.ndarray) -> pa.Table:
    cat = catalog()
    cat_ids, names = cat.ids, cat.names
    is_ms = kind == KIND_MILESTONE
    # billed per contract line
    per = np.where(is_ms, 1, c.line_count[inv.contract])
    inv_idx = np.repeat(np.arange(len(inv)), per)
    line_no = np.arange(len(inv_idx)) - np.repeat(np.cumsum(per) - per, per) + 1
    cline = c.line_first[inv.contract[inv_idx]] + line_no - 1
    ms_row = is_ms[inv_idx]
    product = c.line_product[cline]
    qty = np.where(ms_row, 1.0, c.line_qty[cline])
    price = np.where(ms_row, inv.net[inv_idx], c.line_price[cline])
    amount = np.where(ms_row, inv.net[inv_idx], round_half_up(c.line_qty[cline] * c.line_price[cline]))
    desc = np.where(ms_row, _join("Milestone ", milestone_no[inv_idx].astype(str), ": ", names[product]), names[product])
    return frames.build("invoice_lines", {
        "invoice_number": inv.number[inv_idx], "line_no": line_no, "product_id": cat_ids[product],
        "description": desc, "quantity": qty, "unit_price": price.astype(np.int64), "line_amount": amount,
    })
