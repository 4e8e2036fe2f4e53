"""Ground truth of a partition: what each line is, what it settles, and where
every invoice stands at the end of the period."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ledgersim import frames
from ledgersim.world.bank import Lines
from ledgersim.world.contracts import Contracts
from ledgersim.world.customers import Customers
from ledgersim.world.invoices import Invoices
from ledgersim.world.payments import PLANS, Payments

if TYPE_CHECKING:
    from ledgersim.observe.narratives import Narratives


def line_of_payment(lines: Lines, n_payments: int) -> np.ndarray:
    """Position in ``lines`` of each payment, -1 when it fell outside the period."""
    pos = np.full(n_payments, -1, dtype=np.int64)
    has = lines.payment >= 0
    pos[lines.payment[has]] = np.flatnonzero(has)
    return pos


def tables(lines: Lines, pay: Payments, cust: Customers, c: Contracts, inv: Invoices,
           observed: "Narratives") -> dict[str, pa.Table]:
    """transaction_truth, allocations and invoice_status; ``observed`` adds what the
    narrative stage decided (locale, template, difficulty)."""
    n = len(lines)
    p = lines.payment
    is_pay = p >= 0
    pp = np.where(is_pay, p, 0)

    def take(values: np.ndarray, fill: object) -> np.ndarray:
        return np.where(is_pay, values[pp], fill) if len(values) else np.full(n, fill)

    kind = lines.kind
    customer = take(pay.customer, -1)
    payer = take(pay.payer, -1)
    contract = take(pay.contract, -1)
    due = take(pay.due, np.datetime64("NaT"))
    has_due = ~np.isnat(due)
    days_late = np.where(has_due, (lines.booking - np.where(has_due, due, lines.booking)).astype(np.int64), 0)
    inv_cur = take(pay.invoice_currency, "")
    assert c.ids is not None
    truth = frames.build("transaction_truth", {
        "transaction_id": lines.transaction_id,
        "kind": kind,
        "customer_id": cust.customer_id[np.maximum(customer, 0)] if len(cust) else np.full(n, ""),
        "payer_customer_id": cust.customer_id[np.maximum(payer, 0)] if len(cust) else np.full(n, ""),
        "contract_id": c.ids[np.maximum(contract, 0)] if len(c) else np.full(n, ""),
        "outcome": take(pay.outcome, "NOT_RECEIVABLE"),
        "pattern": np.where(is_pay, take(pay.pattern, ""), kind),
        "is_partial": take(pay.is_partial, False),
        "is_prepayment": take(pay.is_prepayment, False),
        "invoice_count": _allocated_count(lines, pay),
        "invoice_currency": inv_cur,
        "fx_rate": take(pay.fx_rate, np.nan),
        "amount_invoice_currency": take(pay.amount_inv, 0),
        "allocated_amount": take(pay.allocated, 0),
        "unapplied_amount": take(pay.unapplied, 0),
        "days_late": days_late,
        "locale": observed.locale,
        "template_id": observed.template_id,
        "difficulty": observed.difficulty,
    }, nulls={
        "difficulty": observed.difficulty == "",
        "customer_id": customer < 0, "payer_customer_id": payer < 0, "contract_id": contract < 0,
        "invoice_currency": inv_cur == "", "fx_rate": ~is_pay | (kind == "refund"),
        "amount_invoice_currency": ~is_pay | (kind == "refund"),
        "allocated_amount": ~is_pay | (kind == "refund"), "unapplied_amount": ~is_pay | (kind == "refund"),
        "days_late": ~has_due,
    })

    line_pos = line_of_payment(lines, len(pay))
    ref_line = line_pos[pay.ref_payment]
    alloc = (ref_line >= 0) & pay.ref_allocated
    a_line, a_inv, a_amt = ref_line[alloc], pay.ref_invoice[alloc], pay.ref_amount[alloc]
    order = np.lexsort((inv.number[a_inv], a_line))
    allocations = frames.build("allocations", {
        "transaction_id": lines.transaction_id[a_line[order]],
        "invoice_number": inv.number[a_inv[order]],
        "amount": a_amt[order],
    })

    paid = np.bincount(a_inv, weights=a_amt, minlength=len(inv)).astype(np.int64)
    # the excess of an overpayment is received against its invoice, not applied
    over_line = (ref_line >= 0) & pay.ref_allocated & (pay.pattern[pay.ref_payment] == "over")
    excess = np.bincount(pay.ref_invoice[over_line], weights=pay.unapplied[pay.ref_payment[over_line]],
                         minlength=len(inv)).astype(np.int64)
    last = np.full(len(inv), np.iinfo(np.int64).min)
    np.maximum.at(last, a_inv, lines.booking[a_line].astype(np.int64))
    open_ = inv.gross - paid
    status = np.select([excess > 0, open_ == 0, paid > 0], ["overpaid", "paid", "partially_paid"], "open")
    invoice_status = frames.build("invoice_status", {
        "invoice_number": inv.number, "status": status, "settlement_plan": np.array(PLANS)[pay.plan],
        "amount_paid": paid + excess, "amount_open": open_,
        "last_payment_date": np.where(paid > 0, last, 0).astype("datetime64[D]"),
    }, nulls={"last_payment_date": paid == 0})
    return {"transaction_truth": truth, "allocations": allocations, "invoice_status": invoice_status}


def _allocated_count(lines: Lines, pay: Payments) -> np.ndarray:
    line_pos = line_of_payment(lines, len(pay))
    ref_line = line_pos[pay.ref_payment]
    ok = (ref_line >= 0) & pay.ref_allocated
    return np.bincount(ref_line[ok], minlength=len(lines)).astype(np.int32)


def aliases(mentions: pa.Table) -> pa.Table:
    """Every surface form used for a customer, with its variant and how often."""
    company = mentions.filter(pc.and_(pc.equal(mentions["label"], "COMPANY"), pc.is_valid(mentions["entity_id"])))
    grouped = company.group_by(["entity_id", "surface", "variant"]).aggregate([("start", "count")])
    order = pc.sort_indices(grouped, [("entity_id", "ascending"), ("surface", "ascending"), ("variant", "ascending")])
    g = grouped.take(order)
    return frames.build("aliases", {"customer_id": g["entity_id"], "alias": g["surface"], "variant": g["variant"],
                                    "mentions": g["start_count"]})
