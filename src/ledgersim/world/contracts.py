"""Contracts, their lines and milestones, and the billing schedule they imply.

Everything here is drawn before any number is assigned, so the census pass
can count what a partition will issue without building strings.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ledgersim import frames
from ledgersim.frames import apply_rate, index_of, minor_unit, round_half_up
from ledgersim.plan import DIVISION_PREFIX, Offsets, Partition, Plan
from ledgersim.reference import csv_rows, currencies
from ledgersim.spec.models import DIVISIONS, SCHEDULES
from ledgersim.world.customers import Customers, weighted_index
from ledgersim.world.fx import fx_rates

PO_POLICIES = ("per_invoice", "blanket", "none")
TERMS_DAYS = np.array([15, 30, 45, 60, 90])
TERMS_WEIGHTS = np.array([0.1, 0.45, 0.2, 0.15, 0.1])
STEP_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
# Typical value of one contract line per billing period, USD, by segment.
LINE_VALUE_USD = {"enterprise": 18000.0, "mid_market": 4500.0, "smb": 1200.0}
MILESTONE_NAMES = ("Mobilisation", "Design approval", "Delivery", "Installation", "Final acceptance")
KIND_RECURRING, KIND_MILESTONE, KIND_ONE_OFF = 0, 1, 2


@dataclass
class Schedule:
    """Invoices a partition issues in the period, before numbering (one row each)."""

    contract: np.ndarray  # local contract index
    issue_date: np.ndarray  # datetime64[D]
    kind: np.ndarray  # KIND_*
    milestone_no: np.ndarray  # 1-based, 0 when not a milestone
    net_cents: np.ndarray


@dataclass
class Contracts:
    customer: np.ndarray  # local customer index
    division: np.ndarray  # index into DIVISIONS
    schedule_kind: np.ndarray  # index into SCHEDULES
    currency: np.ndarray
    terms: np.ndarray
    start: np.ndarray
    end: np.ndarray
    po_policy: np.ndarray  # index into PO_POLICIES
    line_contract: np.ndarray
    line_product: np.ndarray  # index into the catalog
    line_qty: np.ndarray
    line_price: np.ndarray  # cents
    line_first: np.ndarray  # per contract: position of its first line
    line_count: np.ndarray
    ms_contract: np.ndarray
    ms_no: np.ndarray
    ms_date: np.ndarray
    ms_percent: np.ndarray
    schedule: Schedule
    ids: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.customer)

    def start_years(self) -> np.ndarray:
        return self.start.astype("datetime64[Y]").astype(np.int64) + 1970


@dataclass(frozen=True)
class Catalog:
    """The product catalog as arrays, ordered by division."""

    ids: np.ndarray
    names: np.ndarray
    division: np.ndarray
    price_usd: np.ndarray
    first: np.ndarray  # first position of each division, plus the end


@functools.cache
def catalog() -> Catalog:
    rows = csv_rows("products.csv")
    div = np.array([DIVISIONS.index(r["division"]) for r in rows])
    order = np.argsort(div, kind="stable")
    return Catalog(
        ids=np.array([r["product_id"] for r in rows])[order],
        names=np.array([r["name"] for r in rows])[order],
        division=div[order],
        price_usd=np.array([float(r["list_price_usd"]) for r in rows])[order],
        first=np.searchsorted(div[order], np.arange(len(DIVISIONS) + 1)),
    )


def _add_months(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Same day of month ``months`` later, the day clamped to 28 (billing days)."""
    month = dates.astype("datetime64[M]") + months.astype("timedelta64[M]")
    day = np.minimum((dates - dates.astype("datetime64[M]")).astype(np.int64), 27)
    return month.astype("datetime64[D]") + day.astype("timedelta64[D]")


def _to_weekday(dates: np.ndarray) -> np.ndarray:
    return np.busday_offset(dates, 0, roll="forward")


def generate(plan: Plan, part: Partition, cust: Customers) -> Contracts:
    sc = plan.scenario.contracts
    gen = plan.rng("contracts", part.index)
    n_cust = len(cust)
    per = gen.integers(sc.min_per_customer, sc.max_per_customer + 1, n_cust)
    customer = np.repeat(np.arange(n_cust), per)
    n = len(customer)

    own_div = index_of(cust.industry, DIVISIONS)[customer]
    division = np.where(gen.random(n) < 0.8, own_div, gen.integers(0, len(DIVISIONS), n))
    sched = weighted_index(gen, sc.schedules, n, SCHEDULES)
    home = cust.currency[customer] if n else np.array([], dtype="<U3")
    currency = np.where((home != "USD") & (gen.random(n) < sc.usd_share), "USD", home)
    terms = TERMS_DAYS[gen.choice(len(TERMS_DAYS), n, p=TERMS_WEIGHTS)]
    po_policy = weighted_index(gen, sc.po_policy, n, PO_POLICIES)

    # term length in days, then a start that makes the contract overlap the period
    term_months = gen.choice(np.array([12, 24, 36]), n)
    sched_name = np.array(SCHEDULES)[sched]
    months = np.where(np.isin(sched_name, ["monthly", "quarterly"]), term_months, 0)
    months = np.where(sched_name == "annual", 36, months)
    ms_days = gen.integers(180, 541, n)
    approx_days = np.where(months > 0, months * 30, np.where(sched_name == "milestone", ms_days, 0))
    lo = plan.start - approx_days.astype("timedelta64[D]") + np.timedelta64(1, "D")
    span = (plan.end - lo).astype(np.int64) + 1
    start = lo + (gen.random(n) * span).astype(np.int64).astype("timedelta64[D]")
    end = np.where(
        months > 0,
        _add_months(start, months) - np.timedelta64(1, "D"),
        start + approx_days.astype("timedelta64[D]"),
    )

    # lines: product from the contract's division, quantity to reach a typical value
    cat = catalog()
    cat_price, cat_first = cat.price_usd, cat.first
    line_count = gen.integers(1, 5, n)
    line_contract = np.repeat(np.arange(n), line_count)
    nl = len(line_contract)
    ldiv = division[line_contract]
    lo_p, hi_p = cat_first[ldiv], cat_first[ldiv + 1]
    product = lo_p + (gen.random(nl) * (hi_p - lo_p)).astype(np.int64)
    seg_value = np.array([LINE_VALUE_USD[s] for s in ("enterprise", "mid_market", "smb")])
    seg_idx = index_of(cust.segment, ("enterprise", "mid_market", "smb"))
    target = seg_value[seg_idx[customer[line_contract]]] if nl else np.zeros(0)
    big = np.isin(sched_name[line_contract], ["milestone", "one_off"]) if nl else np.zeros(0, bool)
    target = target * np.where(big, 8.0, 1.0) * gen.lognormal(0.0, 0.6, nl)
    qty = np.maximum(1, np.round(target / cat_price[product]))
    fx = fx_rates(plan)
    cur_idx = fx.codes_to_idx(currency[line_contract]) if nl else np.zeros(0, np.int64)
    rate = fx.units_per_usd(cur_idx, start[line_contract]) if nl else np.zeros(0)
    step = np.array([currencies()[c]["price_step"] for c in fx.codes])[cur_idx] * 100  # in cents
    price = np.maximum(1, np.round(cat_price[product] * rate * gen.uniform(0.8, 1.0, nl) * 100 / step)) * step
    line_first = np.cumsum(line_count) - line_count

    # milestones: 2..4 per milestone contract, percents in steps of 5 that sum to 100
    ms_idx = np.flatnonzero(sched_name == "milestone")
    k = gen.integers(2, 5, len(ms_idx))
    ms_contract = np.repeat(ms_idx, k)
    ms_no = np.arange(len(ms_contract)) - np.repeat(np.cumsum(k) - k, k) + 1
    ms_percent = np.zeros(len(ms_contract))
    for kk in (2, 3, 4):  # one vectorised draw per milestone count
        rows = np.flatnonzero(np.repeat(k, k) == kk)
        if len(rows):
            extra = gen.multinomial(20 - kk, [1.0 / kk] * kk, size=len(rows) // kk)
            ms_percent[rows] = ((extra + 1) * 5).reshape(-1)
    frac = ms_no / np.repeat(k, k)
    dur = (end[ms_contract] - start[ms_contract]).astype(np.int64)
    ms_date = start[ms_contract] + np.round(frac * dur).astype(np.int64).astype("timedelta64[D]")

    c = Contracts(
        customer=customer, division=division, schedule_kind=sched, currency=currency, terms=terms,
        start=start, end=end, po_policy=po_policy, line_contract=line_contract, line_product=product,
        line_qty=qty, line_price=price.astype(np.int64), line_first=line_first, line_count=line_count,
        ms_contract=ms_contract, ms_no=ms_no, ms_date=ms_date, ms_percent=ms_percent,
        schedule=None,  # type: ignore[arg-type]
    )
    c.schedule = _schedule(plan, c, gen)
    return c


def contract_value(c: Contracts) -> np.ndarray:
    """Net value of one billing period (all lines), cents, per contract."""
    line_net = round_half_up(c.line_qty * c.line_price)
    return np.bincount(c.line_contract, weights=line_net, minlength=len(c)).astype(np.int64)


def _schedule(plan: Plan, c: Contracts, gen: np.random.Generator) -> Schedule:
    value = contract_value(c)
    sched_name = np.array(SCHEDULES)[c.schedule_kind]
    parts = []
    # recurring: every step months from the start until the end
    step = np.array([STEP_MONTHS.get(s, 0) for s in SCHEDULES])[c.schedule_kind]
    rec = np.flatnonzero(step > 0)
    n_months = (c.end[rec].astype("datetime64[M]") - c.start[rec].astype("datetime64[M]")).astype(np.int64)
    count = n_months // step[rec] + 1
    con = np.repeat(rec, count)
    j = np.arange(len(con)) - np.repeat(np.cumsum(count) - count, count)
    dates = _add_months(c.start[con], j * step[con])
    parts.append((con, dates, np.full(len(con), KIND_RECURRING), np.zeros(len(con), np.int64), value[con]))
    # milestones: billed on their due date, the last one takes the remainder
    ms_net = apply_rate(value[c.ms_contract], c.ms_percent / 100, minor_unit(c.currency[c.ms_contract]))
    last = np.r_[c.ms_contract[1:] != c.ms_contract[:-1], True] if len(c.ms_contract) else np.zeros(0, bool)
    billed_before = np.cumsum(ms_net) - ms_net
    group_start = np.maximum.accumulate(np.where(c.ms_no == 1, billed_before, 0)) if len(ms_net) else ms_net
    ms_net = np.where(last, value[c.ms_contract] - (billed_before - group_start), ms_net)
    parts.append((c.ms_contract, c.ms_date, np.full(len(ms_net), KIND_MILESTONE), c.ms_no, ms_net))
    # one-off: a single invoice shortly after signature
    one = np.flatnonzero(sched_name == "one_off")
    parts.append((one, c.start[one] + gen.integers(0, 15, len(one)).astype("timedelta64[D]"),
                  np.full(len(one), KIND_ONE_OFF), np.zeros(len(one), np.int64), value[one]))

    con, dates, kind, ms, net = (np.concatenate(x) for x in zip(*parts))
    dates = _to_weekday(dates.astype("datetime64[D]"))
    keep = (dates >= plan.start) & (dates <= plan.end)
    order = np.lexsort((ms[keep], con[keep], dates[keep]))
    pick = np.flatnonzero(keep)[order]
    return Schedule(con[pick], dates[pick], kind[pick], ms[pick], net[pick])


def census_counts(plan: Plan, c: Contracts) -> tuple[np.ndarray, np.ndarray, int]:
    """(invoices per division and day, contracts per start year, purchase orders)."""
    s = c.schedule
    day = (s.issue_date - plan.start).astype(np.int64)
    inv = np.zeros((len(DIVISIONS), plan.days), dtype=np.int64)
    np.add.at(inv, (c.division[s.contract], day), 1)
    years = plan.contract_years
    con = np.bincount(c.start_years() - years[0], minlength=len(years))
    per_invoice, blanket = purchase_order_plan(c)
    return inv, con, int(per_invoice.sum()) + len(blanket)


def purchase_order_plan(c: Contracts) -> tuple[np.ndarray, np.ndarray]:
    """(mask of scheduled invoices that get their own PO, contracts with a blanket PO)."""
    s = c.schedule
    per_invoice = c.po_policy[s.contract] == PO_POLICIES.index("per_invoice")
    billed = np.zeros(len(c), dtype=bool)
    billed[s.contract] = True
    blanket = np.flatnonzero(billed & (c.po_policy == PO_POLICIES.index("blanket")))
    return per_invoice, blanket


def assign_ids(plan: Plan, c: Contracts, off: Offsets) -> None:
    """``CNT-2024-587``: numbered per start year in (start date, position) order."""
    years = c.start_years()
    order = np.lexsort((np.arange(len(c)), c.start))
    ys = years[order]  # ascending, since the start dates are
    rank = np.empty(len(c), dtype=np.int64)
    rank[order] = np.arange(len(c)) - np.searchsorted(ys, ys, side="left")
    seq = off.contracts[years - plan.contract_years[0]] + rank + 1
    c.ids = np.char.add(np.char.add(np.char.add("CNT-", years.astype(str)), "-"), np.char.zfill(seq.astype(str), 3))


def tables(plan: Plan, c: Contracts, cust: Customers) -> dict[str, pa.Table]:
    cat_ids = catalog().ids
    assert c.ids is not None
    ids = c.ids
    contracts = frames.build("contracts", {
        "contract_id": ids, "customer_id": cust.customer_id[c.customer],
        "division": np.array(DIVISIONS)[c.division], "billing_schedule": np.array(SCHEDULES)[c.schedule_kind],
        "currency": c.currency, "payment_terms_days": c.terms, "start_date": c.start, "end_date": c.end,
        "po_policy": np.array(PO_POLICIES)[c.po_policy],
    })
    line_no = np.arange(len(c.line_contract)) - c.line_first[c.line_contract] + 1
    lines = frames.build("contract_lines", {
        "contract_id": ids[c.line_contract], "line_no": line_no, "product_id": cat_ids[c.line_product],
        "quantity": c.line_qty, "unit_price": c.line_price,
    })
    k = len(MILESTONE_NAMES)
    last = np.r_[c.ms_contract[1:] != c.ms_contract[:-1], True] if len(c.ms_contract) else np.zeros(0, bool)
    ms_name = np.where(last, MILESTONE_NAMES[-1], np.array(MILESTONE_NAMES)[np.minimum(c.ms_no - 1, k - 2)])
    milestones = frames.build("contract_milestones", {
        "contract_id": ids[c.ms_contract], "milestone_no": c.ms_no, "name": ms_name,
        "due_date": c.ms_date, "percent": c.ms_percent,
    })
    return {"contracts": contracts, "contract_lines": lines, "contract_milestones": milestones}


def division_prefix(division: np.ndarray) -> np.ndarray:
    return np.array([DIVISION_PREFIX[d] for d in DIVISIONS])[division]
