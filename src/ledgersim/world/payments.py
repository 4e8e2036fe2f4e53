"""How customers really pay: a settlement plan per invoice, then payments.

Per invoice the customer's hidden profile decides the plan (full, instalments,
short, over, never) and its modifiers (combined with other invoices, paid by
the parent, paid in the home currency, paid twice, paid before the invoice).
Allocations fall out of the plan, so the truth is exact by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ledgersim.frames import apply_rate, minor_unit, round_half_up
from ledgersim.plan import Partition, Plan
from ledgersim.reference import countries, currencies
from ledgersim.world.contracts import Contracts
from ledgersim.world.customers import Customers
from ledgersim.world.fx import fx_rates
from ledgersim.world.invoices import Invoices

FULL, INSTALMENT, SHORT, OVER, NEVER = range(5)
PLANS = ("full", "instalments", "short", "over", "never")
# Per profile (punctual, late, instalment, batch, erratic): odds of each plan
# among paid invoices, the chance a full payment is combined with others, and
# how much more often than the scenario's never_share an invoice goes unpaid.
PLAN_ODDS = np.array([
    [0.93, 0.01, 0.04, 0.02],
    [0.86, 0.05, 0.07, 0.02],
    [0.45, 0.45, 0.05, 0.05],
    [0.90, 0.02, 0.05, 0.03],
    [0.60, 0.15, 0.12, 0.13],
])
COMBINE_ODDS = np.array([0.08, 0.10, 0.05, 0.85, 0.20])
NEVER_FACTOR = np.array([0.3, 1.0, 1.0, 0.5, 3.0])
BANK_CHARGE_USD = (12.0, 45.0)


@dataclass
class Payments:
    """Receivable bank lines of a partition (customer payments and refunds)."""

    date: np.ndarray  # initiation date; booking is the next business day of the account
    customer: np.ndarray  # local index of the invoices' customer
    payer: np.ndarray  # local index of who sent (or received) the money
    contract: np.ndarray  # local contract index, -1 when several
    currency: np.ndarray  # transaction currency
    amount: np.ndarray  # cents, transaction currency
    direction: np.ndarray  # "C" or "D"
    kind: np.ndarray
    pattern: np.ndarray
    outcome: np.ndarray
    is_partial: np.ndarray
    is_prepayment: np.ndarray
    invoice_currency: np.ndarray
    fx_rate: np.ndarray  # invoice-currency units per transaction-currency unit
    amount_inv: np.ndarray  # cents, invoice currency
    allocated: np.ndarray
    unapplied: np.ndarray
    due: np.ndarray  # latest due date of the invoices it pays (NaT for refunds)
    ref_payment: np.ndarray  # invoices each line refers to (payment index, invoice index)
    ref_invoice: np.ndarray
    ref_amount: np.ndarray  # allocated amount, 0 for a reference that settles nothing
    ref_allocated: np.ndarray  # bool: the reference is an allocation
    plan: np.ndarray  # per invoice: index into PLANS

    def __len__(self) -> int:
        return len(self.date)


def _unit_cents(currency: np.ndarray) -> np.ndarray:
    """Smallest amount a person types for this currency (1 unit, 1,000 IDR)."""
    return np.where(currency == "IDR", 100_000, 100)


def _days(x: np.ndarray) -> np.ndarray:
    return np.round(x).astype(np.int64).astype("timedelta64[D]")


def generate(plan: Plan, part: Partition, cust: Customers, c: Contracts, inv: Invoices) -> Payments:
    sc = plan.scenario.payments
    gen = plan.rng("payments", part.index)
    n = len(inv)
    prof = cust.profile[inv.customer]

    # the plan of each invoice
    odds = PLAN_ODDS[prof]
    cum = np.cumsum(odds / odds.sum(axis=1, keepdims=True), axis=1)
    settle = (gen.random(n)[:, None] > cum).sum(axis=1)
    settle = np.where(gen.random(n) < np.minimum(1.0, sc.never_share * NEVER_FACTOR[prof]), NEVER, settle)
    delay = gen.normal(cust.delay_mean[inv.customer], cust.delay_sd[inv.customer])
    pay_date = np.maximum(inv.due + _days(delay), inv.issue + np.timedelta64(1, "D"))
    combine = (settle == FULL) & (gen.random(n) < COMBINE_ODDS[prof])
    u = gen.random((5, n))
    home = cust.currency[inv.customer]
    parent = cust.parent[inv.customer]
    single = (settle == FULL) & ~combine
    third = single & (parent >= 0) & (u[0] < plan.scenario.groups.parent_pays_share)
    fx = single & ~third & (inv.currency != home) & (u[1] < cust.fx_propensity[inv.customer])
    prepay = single & ~third & ~fx & (u[2] < sc.prepayment_share)
    dup = single & ~prepay & (u[3] < sc.duplicate_share)
    pay_date = np.where(prepay, inv.issue - _days(gen.integers(1, 11, n)), pay_date)

    blocks: list[dict[str, np.ndarray]] = []
    refs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def add(block: dict[str, np.ndarray], ref_line: np.ndarray, ref_inv: np.ndarray,
            ref_amt: np.ndarray, ref_alloc: np.ndarray) -> np.ndarray:
        """Append payment lines; returns their global line positions."""
        start = sum(len(b["date"]) for b in blocks)
        blocks.append(block)
        refs.append((ref_line + start, ref_inv, ref_amt, ref_alloc))
        return np.arange(start, start + len(block["date"]))

    fxr = fx_rates(plan)

    # 1. single full payments (plain, by the parent, in the home currency, prepaid)
    idx = np.flatnonzero(single)
    cur = np.where(fx[idx], home[idx], inv.currency[idx])
    rate = _cross_rate(fxr, inv.currency[idx], cur, pay_date[idx])
    # the payer converts at its own bank's rate; we book at the reference rate
    payer_rate = rate * (1 + gen.normal(0, 0.004, len(idx)))
    unit = _unit_cents(cur)
    amt = np.where(fx[idx], np.maximum(unit, np.round(inv.gross[idx] / payer_rate / unit) * unit),
                   inv.gross[idx]).astype(np.int64)
    amount_inv = np.where(fx[idx], round_half_up(amt * rate, minor_unit(inv.currency[idx])), amt)
    alloc = np.minimum(amount_inv, inv.gross[idx])
    pattern = np.select([third[idx], fx[idx], prepay[idx]], ["third_party", "fx", "prepayment"], "full")
    review = third[idx] | fx[idx] | prepay[idx]
    single_lines = add(
        _block(pay_date[idx], inv.customer[idx], np.where(third[idx], parent[idx], inv.customer[idx]),
               inv.contract[idx], cur, amt, "C", "customer_payment", pattern,
               np.where(review, "REVIEW_REQUIRED", "AUTO_RECONCILED"), alloc < inv.gross[idx], prepay[idx],
               inv.currency[idx], rate, amount_inv, alloc, amount_inv - alloc, inv.due[idx]),
        np.arange(len(idx)), idx, alloc, np.ones(len(idx), bool),
    )

    # 2. duplicates: the same transfer again some days later, settling nothing
    d = np.flatnonzero(dup[idx])
    dup_lines = add(
        _block(pay_date[idx][d] + _days(gen.integers(3, 26, len(d))), inv.customer[idx][d],
               np.where(third[idx][d], parent[idx][d], inv.customer[idx][d]), inv.contract[idx][d], cur[d],
               amt[d], "C", "customer_payment", "duplicate", "REVIEW_REQUIRED", np.zeros(len(d), bool),
               np.zeros(len(d), bool), inv.currency[idx][d], rate[d], amount_inv[d],
               np.zeros(len(d), np.int64), amount_inv[d], inv.due[idx][d]),
        np.arange(len(d)), idx[d], np.zeros(len(d), np.int64), np.zeros(len(d), bool),
    )

    # 3. combined: one transfer for a customer's invoices due in the same month
    cidx = np.flatnonzero(combine)
    due_month = inv.due[cidx].astype("datetime64[M]").astype(np.int64)
    cur_code = np.unique(inv.currency, return_inverse=True)[1][cidx] if n else cidx
    order = np.lexsort((inv.due[cidx], cur_code, due_month, inv.customer[cidx]))
    cidx = cidx[order]
    key = np.stack([inv.customer[cidx], due_month[order], cur_code[order]]) if len(cidx) else np.zeros((3, 0))
    new = np.ones(len(cidx), bool)
    if len(cidx):
        new[1:] = np.any(key[:, 1:] != key[:, :-1], axis=0)
    group = np.cumsum(new) - 1
    n_groups = int(group[-1]) + 1 if len(group) else 0
    first = np.flatnonzero(new)
    size = np.bincount(group, minlength=n_groups)
    g_amount = np.bincount(group, weights=inv.gross[cidx], minlength=n_groups).astype(np.int64)
    g_due = np.maximum.reduceat(inv.due[cidx].astype(np.int64), first).astype("datetime64[D]") if n_groups else inv.due[:0]
    g_contract = inv.contract[cidx][first]
    same_contract = np.minimum.reduceat(inv.contract[cidx], first) == np.maximum.reduceat(inv.contract[cidx], first) if n_groups else g_contract == g_contract
    g_date = np.maximum(g_due + (pay_date[cidx][first] - inv.due[cidx][first]),
                        np.maximum.reduceat(inv.issue[cidx].astype(np.int64), first).astype("datetime64[D]") + np.timedelta64(1, "D")) if n_groups else g_due
    gcur = inv.currency[cidx][first]
    zeros_g = np.zeros(n_groups, np.int64)
    add(
        _block(g_date, inv.customer[cidx][first], inv.customer[cidx][first],
               np.where(same_contract, g_contract, -1), gcur, g_amount, "C", "customer_payment",
               np.where(size > 1, "combined", "full"), "AUTO_RECONCILED", np.zeros(n_groups, bool),
               np.zeros(n_groups, bool), gcur, np.ones(n_groups), g_amount, g_amount, zeros_g, g_due),
        group, cidx, inv.gross[cidx], np.ones(len(cidx), bool),
    )

    # 4. instalments: 2-4 parts a month apart; some plans stop before the end
    iidx = np.flatnonzero(settle == INSTALMENT)
    k = gen.integers(2, 5, len(iidx))
    line_inv = np.repeat(iidx, k)
    j = np.arange(len(line_inv)) - np.repeat(np.cumsum(k) - k, k)
    kk = np.repeat(k, k)
    unit = _unit_cents(inv.currency[line_inv])
    part_amt = np.maximum(unit, (inv.gross[line_inv] // kk // unit) * unit)
    last = j == kk - 1
    inst_amt = np.where(last, inv.gross[line_inv] - part_amt * (kk - 1), part_amt)
    ok = inst_amt > 0
    stop = np.repeat(gen.random(len(iidx)) < 0.1, k) & last  # the final part never comes
    keep = ok & ~stop
    line_inv, j, last, inst_amt = line_inv[keep], j[keep], last[keep], inst_amt[keep]
    inst_date = np.maximum(pay_date[line_inv] + _days(j * 30 + gen.integers(-3, 4, len(line_inv))),
                           inv.issue[line_inv] + np.timedelta64(1, "D"))
    ni = len(line_inv)
    add(
        _block(inst_date, inv.customer[line_inv], inv.customer[line_inv], inv.contract[line_inv],
               inv.currency[line_inv], inst_amt, "C", "customer_payment", "instalment",
               np.where(last, "AUTO_RECONCILED", "PARTIAL_PAYMENT"), np.ones(ni, bool), np.zeros(ni, bool),
               inv.currency[line_inv], np.ones(ni), inst_amt, inst_amt, np.zeros(ni, np.int64), inv.due[line_inv]),
        np.arange(ni), line_inv, inst_amt, np.ones(ni, bool),
    )

    # 5. short: withholding tax (where the country has it) or bank charges deducted
    sidx = np.flatnonzero(settle == SHORT)
    wh_rate = np.array([countries()[k]["withholding_rate"] for k in cust.country])[inv.customer[sidx]] if len(sidx) else np.zeros(0)
    withhold = (wh_rate > 0) & (gen.random(len(sidx)) < 0.7)
    inv_rate = fxr.units_per_usd(fxr.codes_to_idx(inv.currency[sidx]), inv.issue[sidx]) if len(sidx) else np.zeros(0)
    sunit = _unit_cents(inv.currency[sidx])
    charge = np.maximum(sunit, np.round(gen.uniform(*BANK_CHARGE_USD, len(sidx)) * inv_rate * 100 / sunit) * sunit)
    deduct = np.where(withhold, apply_rate(inv.net[sidx], wh_rate, minor_unit(inv.currency[sidx])), charge).astype(np.int64)
    deduct = np.minimum(deduct, inv.gross[sidx] // 2)
    s_amt = inv.gross[sidx] - deduct
    ns = len(sidx)
    add(
        _block(pay_date[sidx], inv.customer[sidx], inv.customer[sidx], inv.contract[sidx], inv.currency[sidx],
               s_amt, "C", "customer_payment", np.where(withhold, "short_withholding", "short_bank_charge"),
               "PARTIAL_PAYMENT", np.ones(ns, bool), np.zeros(ns, bool), inv.currency[sidx], np.ones(ns),
               s_amt, s_amt, np.zeros(ns, np.int64), inv.due[sidx]),
        np.arange(ns), sidx, s_amt, np.ones(ns, bool),
    )

    # 6. over: more than the invoice, the excess stays unapplied
    oidx = np.flatnonzero(settle == OVER)
    ounit = _unit_cents(inv.currency[oidx])
    extra = np.maximum(ounit, np.round(inv.gross[oidx] * gen.uniform(0.005, 0.05, len(oidx)) / ounit) * ounit).astype(np.int64)
    o_amt = inv.gross[oidx] + extra
    no = len(oidx)
    over_lines = add(
        _block(pay_date[oidx], inv.customer[oidx], inv.customer[oidx], inv.contract[oidx], inv.currency[oidx],
               o_amt, "C", "customer_payment", "over", "OVERPAYMENT", np.zeros(no, bool), np.zeros(no, bool),
               inv.currency[oidx], np.ones(no), o_amt, inv.gross[oidx], extra, inv.due[oidx]),
        np.arange(no), oidx, inv.gross[oidx], np.ones(no, bool),
    )

    # 7. refunds of excess and duplicates: debits back to the payer
    src = np.concatenate([over_lines, dup_lines])
    b = _concat(blocks)
    refunded = src[gen.random(len(src)) < sc.refund_share]
    r_amt = np.concatenate([extra, amt[d]])[np.isin(src, refunded)]
    nr = len(refunded)
    nat = np.full(nr, np.datetime64("NaT"), dtype="datetime64[D]")
    add(
        _block(b["date"][refunded] + _days(gen.integers(10, 46, nr)), b["payer"][refunded], b["payer"][refunded],
               np.full(nr, -1), b["currency"][refunded], r_amt, "D", "refund", "refund", "NOT_RECEIVABLE",
               np.zeros(nr, bool), np.zeros(nr, bool), np.full(nr, ""), np.full(nr, np.nan),
               np.zeros(nr, np.int64), np.zeros(nr, np.int64), np.zeros(nr, np.int64), nat),
        np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool),
    )

    b = _concat(blocks)
    rp, ri, ra, rl = (np.concatenate(x) for x in zip(*refs))
    return Payments(**b, ref_payment=rp, ref_invoice=ri, ref_amount=ra, ref_allocated=rl, plan=settle)


def _cross_rate(fxr, inv_cur: np.ndarray, txn_cur: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Invoice-currency units per transaction-currency unit on each date."""
    if not len(inv_cur):
        return np.zeros(0)
    a = fxr.units_per_usd(fxr.codes_to_idx(inv_cur), dates)
    b = fxr.units_per_usd(fxr.codes_to_idx(txn_cur), dates)
    return np.where(inv_cur == txn_cur, 1.0, a / b)


FIELDS = ("date", "customer", "payer", "contract", "currency", "amount", "direction", "kind", "pattern",
          "outcome", "is_partial", "is_prepayment", "invoice_currency", "fx_rate", "amount_inv",
          "allocated", "unapplied", "due")


def _block(*values: object) -> dict[str, np.ndarray]:
    n = len(values[0])  # type: ignore[arg-type]
    out = {}
    for name, v in zip(FIELDS, values):
        arr = np.asarray(v)
        out[name] = np.full(n, arr) if arr.ndim == 0 else arr
    return out


def _concat(blocks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {f: np.concatenate([b[f] for b in blocks]) for f in FIELDS}
