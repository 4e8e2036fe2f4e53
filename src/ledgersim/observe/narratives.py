"""Narrative rendering: the seam between the world and what the bank shows.

This stage turns each bank line's truth into the text a statement prints and
records every entity mention with its exact span. It renders clean, canonical
narratives (``PART PMT ALPHABRIDGE SOLUTIONS INC MFG-INV-000157``); noise and
bank styles build on the same segments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ledgersim import frames
from ledgersim.observe.render import Segment, render
from ledgersim.plan import Partition, Plan
from ledgersim.reference import countries, yaml_data
from ledgersim.world import names
from ledgersim.world.bank import Accounts, Lines
from ledgersim.world.contracts import Contracts
from ledgersim.world.customers import Customers
from ledgersim.world.invoices import Invoices
from ledgersim.world.payments import Payments
from ledgersim.world.truth import line_of_payment

VENDORS = 300
PO_SHARE = 0.3  # single-invoice payments that quote the PO
CONTRACT_SHARE = 0.15  # ... and the contract


@dataclass
class Narratives:
    text: pa.Array
    mentions: pa.Table


def _vocab(locale: np.ndarray, key: str) -> np.ndarray:
    words = yaml_data("narratives.yaml")
    return np.where(locale == "id", words["id"][key], words["en"][key])


def _month_label(locale: np.ndarray, dates: np.ndarray) -> np.ndarray:
    words = yaml_data("narratives.yaml")
    m = dates.astype("datetime64[M]").astype(np.int64) % 12
    y = (dates.astype("datetime64[Y]").astype(np.int64) + 1970).astype(str)
    mon = np.where(locale == "id", np.array(words["id"]["months"])[m], np.array(words["en"]["months"])[m])
    return np.char.add(np.char.add(mon, " "), y)


def render_partition(plan: Plan, part: Partition, accounts: Accounts, lines: Lines, pay: Payments,
                     cust: Customers, c: Contracts, inv: Invoices) -> Narratives:
    n = len(lines)
    gen = plan.rng("narratives", part.index)
    words = yaml_data("narratives.yaml")
    is_pay = lines.payment >= 0
    pp = np.where(is_pay, lines.payment, 0)
    payer = np.where(is_pay, pay.payer[pp] if len(pay) else 0, -1)
    facts = countries()
    acct_locale = np.array([facts[k]["locale"] for k in accounts.country])[lines.account]
    locale = np.where(payer >= 0, cust.locale[np.maximum(payer, 0)] if len(cust) else "en", acct_locale)

    customer_line = is_pay & (lines.kind == "customer_payment")
    refund = is_pay & (lines.kind == "refund")
    partial = customer_line & (np.where(is_pay, pay.outcome[pp], "") == "PARTIAL_PAYMENT") if len(pay) else customer_line
    keyword = np.where(partial, _vocab(locale, "partial"),
                       np.where(refund, _vocab(locale, "refund"), _vocab(locale, "payment")))
    other_kw = np.full(n, "", dtype=object)
    for kind, _ in words["en"]["other"].items():  # six kinds
        rows = lines.kind == kind
        other_kw[rows] = np.where(locale[rows] == "id", words["id"]["other"][kind], words["en"]["other"][kind])

    company = np.where(payer >= 0, cust.legal_name[np.maximum(payer, 0)] if len(cust) else "", "")
    company_id = np.where(payer >= 0, cust.customer_id[np.maximum(payer, 0)] if len(cust) else "", "")
    has_company = payer >= 0

    # invoices each line refers to, in invoice-number order
    line_pos = line_of_payment(lines, len(pay))
    ref_line = line_pos[pay.ref_payment]
    ok = ref_line >= 0
    r_line, r_inv = ref_line[ok], pay.ref_invoice[ok]
    order = np.lexsort((inv.number[r_inv], r_line))
    r_line, r_inv = r_line[order], r_inv[order]
    n_refs = np.bincount(r_line, minlength=n)
    first_inv = np.full(n, -1)
    first_inv[r_line[::-1]] = r_inv[::-1]
    single = n_refs == 1
    fi = np.maximum(first_inv, 0)
    po = np.where(single, inv.po_number[fi] if len(inv) else "", "")
    show_po = single & (po != "") & (gen.random(n) < PO_SHARE)
    assert c.ids is not None
    con = np.where(single, c.ids[inv.contract[fi]] if len(inv) else "", "")
    show_con = single & (gen.random(n) < CONTRACT_SHARE)

    vendor_rows = lines.kind == "vendor_payment"
    vendor = np.full(n, "", dtype=object)
    if vendor_rows.any():
        pick = gen.integers(0, VENDORS, int(vendor_rows.sum()))
        pool = names.build_names(np.where(locale[vendor_rows] == "id", "ID", "US"),
                                 names.NAME_SPACE - 1 - pick, plan.rng("vendor_names", part.index))
        vendor[vendor_rows] = pool["legal_name"]
    monthly = np.isin(lines.kind, ["payroll", "tax"])
    detail = np.where(monthly, _month_label(locale, lines.booking), vendor).astype(object)

    en, ind = locale != "id", locale == "id"
    segs = [
        Segment.per_row(keyword, "PAYMENT_TYPE", present=customer_line | refund),
        Segment.per_row(other_kw, present=~is_pay),
        Segment.per_row(company, "COMPANY", company_id, present=has_company & en),
        Segment(r_line, pa.array(inv.number[r_inv], pa.string()), "INVOICE", pa.array(inv.number[r_inv], pa.string())),
        Segment.per_row(company, "COMPANY", company_id, present=has_company & ind),
        Segment.per_row(_vocab(locale, "po"), present=show_po),
        Segment.per_row(po, "PURCHASE_ORDER", po, present=show_po),
        Segment.per_row(_vocab(locale, "contract"), present=show_con),
        Segment.per_row(con, "CONTRACT", con, present=show_con),
        Segment.per_row(detail, present=detail != ""),
    ]
    r = render(n, segs)
    mentions = frames.build("mentions", {
        "transaction_id": lines.transaction_id[r.m_row], "start": r.m_start, "end": r.m_end,
        "label": r.m_label, "surface": r.m_surface, "entity_id": r.m_entity, "variant": r.m_variant,
    })
    return Narratives(r.text, mentions)
