"""Gold agent actions under a documented policy, and agent episodes.

The policy (scenario key ``tasks.policy``), applied to each line's truth:

1. A line that settles no customer invoice needs nothing: ``[]``.
2. The evidence earns a confidence by the line's difficulty (easy 0.99,
   medium 0.9, hard 0.75, unidentified 0.3 by default). Below
   ``review_at`` (0.8): ``escalate`` — nobody can tell whose money it is.
3. ``REVIEW_REQUIRED`` (a duplicate, a foreign currency, a third party, a
   prepayment): ``escalate``.
4. Otherwise the line is reconciled: ``reconcile`` + ``update_erp``; a partial
   payment or an overpayment also ``notify`` (the customer owes the rest, or
   is owed the excess) unless the difference is within
   ``auto_reconcile_tolerance`` of what was open.
5. ``approve`` is added to a reconciliation when the confidence is below
   ``automate_at`` (0.95) or the amount is at least ``approval_threshold_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ledgersim.frames import cents, index_of, ranges
from ledgersim.spec.models import Scenario
from ledgersim.tasks.jsonl import obj

LINE_COLUMNS = ("transaction_id", "account_id", "booking_date", "value_date", "direction", "amount", "currency",
                "narrative")
REVIEW_REASON = {
    "duplicate": "the invoice it quotes is already paid: a duplicate payment",
    "fx": "paid in another currency than the invoice",
    "third_party": "paid by another company than the invoice's customer",
    "prepayment": "paid before the invoice was issued",
}


@dataclass
class Gold:
    lines: pa.Table
    truth: pa.Table
    actions: pa.ListArray  # per line: the actions, in alphabetical order
    rationale: pa.Array  # per line: why, in words
    allocation_lists: pa.Array
    open_before: pa.Array  # per line: list of open invoices (lookups)
    final_state: pa.Array  # per line: list of the invoices it touched, after it
    customer: pa.Array  # per line: the customer's record, or null


def _arr(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _s(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(_arr(col).to_numpy(zero_copy_only=False), dtype=object)


def gold(sc: Scenario, lines: pa.Table, truth: pa.Table, allocations: pa.Table, invoices: pa.Table,
         fx: pa.Table, customers: pa.Table | None = None) -> Gold:
    pol = sc.tasks.policy
    conf_by = pol.confidence
    n = lines.num_rows
    outcome = _s(truth["outcome"]).astype(str)
    pattern = _s(truth["pattern"]).astype(str)
    difficulty = _s(pc.fill_null(truth["difficulty"], "")).astype(str)
    confidence = np.select([difficulty == k for k in ("easy", "medium", "hard", "unidentified")],
                           [conf_by.easy, conf_by.medium, conf_by.hard, conf_by.unidentified], 1.0)

    # order of lines in time, and what each invoice had open just before each line
    tid = _s(lines["transaction_id"]).astype(str)
    booking = lines["booking_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    order_key = np.empty(n, dtype=np.int64)
    order_key[np.lexsort((tid, booking))] = np.arange(n)
    inv_num = _s(invoices["invoice_number"]).astype(str)
    inv_amount = cents(invoices["amount"])
    a_tid = _s(allocations["transaction_id"]).astype(str)
    a_line = np.searchsorted(tid, a_tid)
    a_inv = index_of(_s(allocations["invoice_number"]).astype(str), inv_num)
    a_amt = cents(allocations["amount"])
    a_key = order_key[a_line]
    srt = np.lexsort((a_key, a_inv))
    s_inv, s_key, s_cum = a_inv[srt], a_key[srt], np.cumsum(a_amt[srt])
    group_start = np.searchsorted(s_inv, np.arange(len(inv_num)), "left")
    base = np.concatenate([[0], s_cum])[group_start]  # cumulative total before each invoice's first allocation

    def paid_before(inv: np.ndarray, key: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(s_inv.astype(np.int64) * (n + 1) + s_key, inv.astype(np.int64) * (n + 1) + key, "left")
        return np.concatenate([[0], s_cum])[pos] - base[inv]

    # tolerance: how far a partial or over payment is from what was open
    open_then = inv_amount[a_inv] - paid_before(a_inv, a_key)
    line_open = np.bincount(a_line, weights=open_then, minlength=n)
    allocated = np.bincount(a_line, weights=a_amt, minlength=n)
    unapplied = cents(pc.fill_null(truth["unapplied_amount"], pa.scalar(0, truth.schema.field("unapplied_amount").type)))
    gap = np.where(outcome == "OVERPAYMENT", unapplied, line_open - allocated)
    within = np.abs(gap) <= pol.auto_reconcile_tolerance * np.maximum(line_open, 1)

    rate = _usd_rate(fx, _s(lines["currency"]).astype(str), booking)
    usd = cents(lines["amount"]) / 100 / rate
    acts, why = _decide(outcome, pattern, confidence, within, usd, pol)

    # lookups and final state for the customer's invoices
    owner = _s(pc.fill_null(truth["customer_id"], "")).astype(str)
    open_list, final = _invoice_views(lines, owner, order_key, booking, invoices, inv_amount, paid_before,
                                      a_line, a_inv, a_amt, n)
    return Gold(lines, truth, acts, why, _allocations(tid, a_tid, allocations), open_list, final,
                _customer_records(owner, customers, n))


ACTIONS = ("approve", "escalate", "notify", "reconcile", "update_erp")  # alphabetical: the order in a line's list


def _decide(outcome: np.ndarray, pattern: np.ndarray, conf: np.ndarray, within: np.ndarray, usd: np.ndarray,
            pol) -> tuple[pa.ListArray, pa.Array]:  # type: ignore[no-untyped-def]
    """The policy (module docstring) for every line at once: (actions, rationale)."""
    c = pol.confidence
    n = len(outcome)
    nothing = outcome == "NOT_RECEIVABLE"
    unsure = ~nothing & (conf < c.review_at)
    review = ~nothing & ~unsure & (outcome == "REVIEW_REQUIRED")
    settle = ~(nothing | unsure | review)
    partial = settle & ~within & (outcome == "PARTIAL_PAYMENT")
    over = settle & ~within & (outcome == "OVERPAYMENT")
    approve_conf = settle & (conf < c.automate_at)
    approve_usd = settle & (usd >= pol.approval_threshold_usd)

    flags = np.stack([approve_conf | approve_usd, unsure | review, partial | over, settle, settle], axis=1)
    offsets = np.concatenate([[0], np.cumsum(flags.sum(axis=1))]).astype(np.int32)
    actions = pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.tile(np.array(ACTIONS), n)[flags.ravel()]))

    conf_text = _formatted(conf, "{:.2f}")
    reason = np.select(
        [nothing, unsure, review, partial, over, settle & (outcome != "AUTO_RECONCILED")],
        ["settles no customer invoice: nothing to do on receivables",
         "",  # filled below: it quotes the confidence
         "",  # filled below: it names the pattern's reason
         "pays part of what was open: reconcile it and notify about the balance",
         "pays more than was open: reconcile and notify about the excess",
         "differs from what was open by less than the tolerance: reconcile and update the ERP"],
        "settles what was open: reconcile and update the ERP").astype(object)
    reason[unsure] = ("confidence " + conf_text[unsure]
                      + f" below {c.review_at:.2f}: the payer or invoice cannot be told")
    reason[review] = "needs a human: escalate"
    for name, text in REVIEW_REASON.items():
        reason[review & (pattern == name)] = f"{text}: escalate"
    reason[approve_conf] += "; confidence " + conf_text[approve_conf] + f" below {c.automate_at:.2f} needs approval"
    reason[approve_usd] += ("; " + _thousands(np.round(usd[approve_usd]).astype(np.int64))
                            + f" USD at or above the {pol.approval_threshold_usd:,.0f} USD approval threshold")
    return actions, pa.array(reason, pa.string())


def _formatted(values: np.ndarray, fmt: str) -> np.ndarray:
    """``fmt`` applied to each value, formatting each distinct value once."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([fmt.format(v) for v in distinct.tolist()], dtype=object)[inverse.reshape(-1)]


def _thousands(values: np.ndarray) -> np.ndarray:
    """Non-negative integers written with a comma every three digits (``1,234,567``)."""
    out = values.astype(str).astype(object)
    big = values >= 1000
    if big.any():
        out[big] = _thousands(values[big] // 1000) + "," + np.char.zfill((values[big] % 1000).astype(str), 3)
    return out


def _usd_rate(fx: pa.Table, currency: np.ndarray, dates: np.ndarray) -> np.ndarray:
    f_date = fx["rate_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    f_cur = _s(fx["currency"]).astype(str)
    f_rate = _arr(fx["units_per_usd"]).to_numpy(zero_copy_only=False)
    key = np.char.add(f_cur.astype(str), f_date.astype(str))
    order = np.argsort(key)
    want = np.char.add(currency.astype(str), dates.astype(str))
    pos = np.minimum(np.searchsorted(key[order], want), len(order) - 1)
    return f_rate[order][pos]


def allocation_lists(lines: pa.Table, allocations: pa.Table) -> pa.Array:
    """Per line (in order): the list of ``{invoice_number, amount}`` it settles."""
    return _allocations(_s(lines["transaction_id"]).astype(str), _s(allocations["transaction_id"]).astype(str),
                        allocations)


def _allocations(tid: np.ndarray, a_tid: np.ndarray, allocations: pa.Table) -> pa.Array:
    lo, hi = np.searchsorted(a_tid, tid, "left"), np.searchsorted(a_tid, tid, "right")
    pick = pa.array(ranges(lo, hi))
    items = pa.StructArray.from_arrays(
        [_arr(allocations["invoice_number"]).take(pick),
         pc.cast(_arr(allocations["amount"]), pa.string()).take(pick)], names=["invoice_number", "amount"])
    return pa.ListArray.from_arrays(pa.array(np.concatenate([[0], np.cumsum(hi - lo)]).astype(np.int32)), items)


def _money_str(c: np.ndarray) -> pa.Array:
    from ledgersim.frames import money

    return pc.cast(money(c), pa.string())


def _invoice_views(lines, owner, order_key, booking, invoices, inv_amount, paid_before,  # type: ignore[no-untyped-def]
                   a_line, a_inv, a_amt, n):
    """Per line: the customer's invoices open just before it, and after it those it touched."""
    inv_owner = _s(invoices["customer_id"]).astype(str)
    inv_issue = invoices["issue_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    by_owner = np.lexsort((inv_issue, inv_owner))
    so = inv_owner[by_owner]
    lo = np.searchsorted(so, owner, "left")
    hi = np.searchsorted(so, owner, "right")
    hi = np.where(owner == "", lo, hi)
    pair_line = np.repeat(np.arange(n), hi - lo)
    pair_inv = by_owner[ranges(lo, hi)]
    issued = inv_issue[pair_inv] <= booking[pair_line]
    pair_line, pair_inv = pair_line[issued], pair_inv[issued]
    open_amt = inv_amount[pair_inv] - paid_before(pair_inv, order_key[pair_line])
    still = open_amt > 0
    pair_line, pair_inv, open_amt = pair_line[still], pair_inv[still], open_amt[still]
    fields = ["invoice_number", "contract_id", "po_number", "issue_date", "due_date", "currency", "amount"]
    take = pa.array(pair_inv)
    items = pa.StructArray.from_arrays([_arr(invoices[f]).take(take) for f in fields] + [_money_str(open_amt)],
                                       names=fields + ["amount_open"])
    counts = np.bincount(pair_line, minlength=n)
    open_list = pa.ListArray.from_arrays(pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)), items)

    # final state of the invoices a line settles
    after = inv_amount[a_inv] - paid_before(a_inv, order_key[a_line]) - a_amt
    status = np.where(after <= 0, "paid", "partially_paid")
    order = np.argsort(a_line, kind="stable")
    f_items = pa.StructArray.from_arrays(
        [pa.array(_s(invoices["invoice_number"])[a_inv[order]].astype(str)), _money_str(after[order]),
         pa.array(status[order])], names=["invoice_number", "amount_open", "status"])
    f_counts = np.bincount(a_line, minlength=n)
    final = pa.ListArray.from_arrays(pa.array(np.concatenate([[0], np.cumsum(f_counts)]).astype(np.int32)), f_items)
    return open_list, final


def _customer_records(owner: np.ndarray, customers: pa.Table | None, n: int) -> pa.Array:
    if customers is None:
        return pa.nulls(n)
    cid = _s(customers["customer_id"]).astype(str)
    has = owner != ""
    idx = np.where(has, np.searchsorted(cid, owner), 0)
    fields = ["customer_id", "legal_name", "country", "parent_customer_id", "currency", "bank_account"]
    arrays = [_arr(customers[f]).take(pa.array(idx)) for f in fields]
    return pa.StructArray.from_arrays(arrays, names=fields, mask=pa.array(~has))


def write(w, s: str, g: Gold, rows: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    take = pa.array(rows)
    actions = g.actions.take(take)
    tids = _arr(g.lines["transaction_id"]).take(take)
    w.lines(f"actions/{s}.gold.jsonl", obj({"transaction_id": tids, "actions": actions,
                                            "rationale": g.rationale.take(take)}))
    observation = pa.StructArray.from_arrays([_arr(g.lines[c]).take(take) for c in LINE_COLUMNS],
                                             names=list(LINE_COLUMNS))
    lookups = pa.StructArray.from_arrays([g.customer.take(take), g.open_before.take(take)],
                                         names=["customer", "open_invoices"])
    gold_struct = pa.StructArray.from_arrays(
        [_arr(g.truth["customer_id"]).take(take), _arr(g.truth["outcome"]).take(take),
         g.allocation_lists.take(take), actions, g.final_state.take(take)],
        names=["customer_id", "outcome", "allocations", "actions", "final_state"])
    w.lines(f"actions/{s}.episodes.jsonl", obj({"transaction_id": tids, "observation": observation,
                                                "lookups": lookups, "gold": gold_struct}))
