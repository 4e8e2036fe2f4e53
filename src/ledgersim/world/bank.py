"""Bank statement lines: customer payments booked on business days, plus the
lines that settle no invoice (fees, payroll, taxes, vendors, transfers)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ledgersim import frames
from ledgersim.frames import index_of, minor_unit
from ledgersim.plan import Partition, Plan
from ledgersim.reference import countries
from ledgersim.world import calendar
from ledgersim.world.customers import weighted_index
from ledgersim.world.fx import fx_rates
from ledgersim.world.payments import Payments

OTHER_KINDS = ("bank_fee", "payroll", "tax", "vendor_payment", "internal_transfer", "interest")
# Per kind: direction and the USD range of amounts (log-uniform).
OTHER_SHAPE = {
    "bank_fee": ("D", 2.0, 60.0),
    "payroll": ("D", 15_000.0, 250_000.0),
    "tax": ("D", 2_000.0, 90_000.0),
    "vendor_payment": ("D", 300.0, 60_000.0),
    "internal_transfer": ("CD", 10_000.0, 500_000.0),
    "interest": ("C", 5.0, 900.0),
}
MAX_LINES_PER_PARTITION = 10**7


@dataclass
class Accounts:
    """The company's statement accounts (one per currency)."""

    table: pa.Table

    @property
    def ids(self) -> np.ndarray:
        return np.asarray(self.table["account_id"].to_numpy(zero_copy_only=False))

    @property
    def currency(self) -> np.ndarray:
        return np.asarray(self.table["currency"].to_numpy(zero_copy_only=False))

    @property
    def country(self) -> np.ndarray:
        return np.asarray(self.table["country"].to_numpy(zero_copy_only=False))

    def for_currency(self, cur: np.ndarray) -> np.ndarray:
        return index_of(cur, self.currency)


@dataclass
class Lines:
    """All bank lines of a partition, in transaction-id order."""

    transaction_id: np.ndarray
    account: np.ndarray
    booking: np.ndarray
    value: np.ndarray
    direction: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    kind: np.ndarray
    payment: np.ndarray  # position in Payments, -1 for other lines

    def __len__(self) -> int:
        return len(self.transaction_id)


def book(plan: Plan, accounts: Accounts, account: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Move each date to the same or next business day of its account's country."""
    out = np.empty(len(dates), dtype="datetime64[D]")
    for a in np.unique(account):  # a handful of accounts
        rows = account == a
        out[rows] = calendar.roll_forward(accounts.country[a], dates[rows], plan.scenario.period.start,
                                          plan.scenario.period.end)
    return out


def _other_lines(plan: Plan, part: Partition, accounts: Accounts, n_receivable: int) -> dict[str, np.ndarray]:
    sc = plan.scenario.non_receivable
    gen = plan.rng("other_lines", part.index)
    n = int(round(n_receivable * sc.share / (1 - sc.share)))
    # accounts in proportion to the currencies of the scenario's customers
    facts = countries()
    cur_weight: dict[str, float] = {}
    for code, w in plan.scenario.countries.items():
        cur = facts[code]["currency"]
        cur_weight[cur] = cur_weight.get(cur, 0.0) + w
    codes = sorted(cur_weight)  # mapping order does not change the data
    shares = np.array([cur_weight[c] for c in codes])
    cur = np.array(codes)[gen.choice(len(codes), n, p=shares / shares.sum())]
    account = accounts.for_currency(cur)
    idx = weighted_index(gen, sc.kinds, n, OTHER_KINDS)
    kind = np.array(OTHER_KINDS)[idx]
    lo = np.array([OTHER_SHAPE[k][1] for k in OTHER_KINDS])[idx]
    hi = np.array([OTHER_SHAPE[k][2] for k in OTHER_KINDS])[idx]
    usd = np.exp(gen.uniform(np.log(lo), np.log(hi))) if n else np.zeros(0)
    fxr = fx_rates(plan)
    day = plan.start + (gen.random(n) * plan.days).astype(np.int64).astype("timedelta64[D]")
    payroll = kind == "payroll"
    day[payroll] = day[payroll].astype("datetime64[M]").astype("datetime64[D]") + np.timedelta64(24, "D")
    rate = fxr.units_per_usd(fxr.codes_to_idx(cur), day) if n else np.zeros(0)
    unit = minor_unit(cur)
    amount = np.maximum(unit, np.round(usd * rate * 100 / unit) * unit).astype(np.int64)
    dirs = np.array([OTHER_SHAPE[k][0] for k in OTHER_KINDS])[idx]
    direction = np.where(dirs == "CD", np.where(gen.random(n) < 0.5, "C", "D"), dirs)
    return {"account": account, "date": day, "amount": amount, "currency": cur, "direction": direction,
            "kind": kind}


def assemble(plan: Plan, part: Partition, accounts: Accounts, pay: Payments) -> Lines:
    """Book payments and other lines, drop what falls outside the period, number them."""
    p_account = accounts.for_currency(pay.currency)
    p_booking = book(plan, accounts, p_account, pay.date)
    in_period = (p_booking >= plan.start) & (p_booking <= plan.end)
    recv = np.flatnonzero(in_period)
    other = _other_lines(plan, part, accounts, len(recv))
    o_booking = book(plan, accounts, other["account"], other["date"])
    o_keep = o_booking <= plan.end
    account = np.concatenate([p_account[recv], other["account"][o_keep]])
    booking = np.concatenate([p_booking[recv], o_booking[o_keep]])
    direction = np.concatenate([pay.direction[recv], other["direction"][o_keep]])
    amount = np.concatenate([pay.amount[recv], other["amount"][o_keep]])
    currency = np.concatenate([pay.currency[recv], other["currency"][o_keep]])
    kind = np.concatenate([pay.kind[recv], other["kind"][o_keep]])
    payment = np.concatenate([recv, np.full(int(o_keep.sum()), -1)])

    order = np.lexsort((np.arange(len(booking)), amount, account, booking))
    account, booking, direction, amount, currency, kind, payment = (
        x[order] for x in (account, booking, direction, amount, currency, kind, payment))
    n = len(order)
    if n >= MAX_LINES_PER_PARTITION:
        raise ValueError(f"partition {part.index} has {n} bank lines; lower partition_customers")
    seq = part.index * MAX_LINES_PER_PARTITION + np.arange(n)
    tid = np.char.add("BTX-", np.char.zfill(seq.astype(str), 12))

    # value date: the booking date, or the business day before it for some credits
    gen = plan.rng("value_dates", part.index)
    earlier = (direction == "C") & (gen.random(n) < 0.15)
    value = booking.copy()
    for a in np.unique(account[earlier]):  # a handful of accounts
        rows = earlier & (account == a)
        value[rows] = calendar.add_business_days(accounts.country[a], booking[rows], -1)
    return Lines(tid, account, booking, value, direction, amount, currency, kind, payment)


def transactions_table(lines: Lines, accounts: Accounts, narrative: np.ndarray | pa.Array) -> pa.Table:
    return frames.build("bank_transactions", {
        "transaction_id": lines.transaction_id, "account_id": accounts.ids[lines.account],
        "booking_date": lines.booking, "value_date": lines.value, "direction": lines.direction,
        "amount": lines.amount, "currency": lines.currency, "narrative": narrative,
    })
