"""Reconciliation baseline: references first, then customer and amount, with a running ledger.

Lines are taken in booking order. For each credit line:

1. The narrative is tagged (``text.Tagger``): invoice, purchase-order and
   contract references, company names. Company names are resolved against the
   customer master (``names.Resolver``); an account number after DARI
   (Indonesian transfers) is looked up among the customers' bank accounts.
2. References are matched to invoices tolerating how they get written:
   separators, a dropped division prefix or ``PO-``, dropped leading zeros
   (numbers are compared as numbers), and, when nothing matches exactly, one
   mistyped digit or two swapped neighbours (preferring the payer's invoices).
3. Quoted invoices are the targets. Otherwise the pool is the invoices of the
   quoted purchase orders or contracts, or else of the payer (and its
   subsidiaries), or else (no name at all) the one open invoice of exactly
   this amount and currency; in the pool the targets are, in this order, an
   invoice whose open amount equals the line, consecutive invoices of one
   customer (by due date) that add up to it, an invoice the line pays short by
   at most 5% (withholding, bank charges) or over by at most 10%, an invoice
   not issued yet of exactly this amount (a prepayment) or one already settled
   by this amount (a duplicate), else an instalment: the next one of a plan
   under way (same amount as its last payment), the first one of an invoice
   that splits into equal parts of this amount, or any larger open invoice.
   Among invoices that fit equally, those no other line quotes come first,
   then those whose due date fits the customer's habit (how many days after
   the due date it pays, learnt in a first pass from the lines that quote
   exactly one invoice).
4. The outcome: a duplicate, a prepayment, a foreign currency or a payment by
   the parent company is ``REVIEW_REQUIRED``; otherwise the amount against
   what is open decides ``AUTO_RECONCILED``, ``PARTIAL_PAYMENT`` or
   ``OVERPAYMENT``. Debits and lines with nothing to match are ``NOT_RECEIVABLE``.
5. What the line settles is taken off the invoices before the next line.

The evidence used (quoted invoices as issued, corrupted or other references,
the name only, nothing) is kept for the actions baseline's confidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ledgersim.evaluate.baselines.names import Resolver
from ledgersim.evaluate.baselines.text import FIELD_LIMITS, Ref, Tagger

SHORT_TOLERANCE = 0.05  # a payment at most this much short is a short payment of that invoice
OVER_TOLERANCE = 0.10  # ... at most this much over, an overpayment
# Days after the due date a customer pays, in full and in part, when no line of the split quotes an
# invoice to learn it from (Reconciler.scan learns it per customer).
PAID_AFTER_DUE = 0
INSTALMENT_AFTER_DUE = 30


def cents(amount: str | Decimal | float) -> int:
    return int((Decimal(str(amount)) * 100).to_integral_value())


def money(c: int) -> str:
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}{c // 100}.{c % 100:02d}"


@dataclass(eq=False)
class Invoice:
    number: str
    customer_id: str
    contract_id: str | None
    po_number: str | None
    issue_date: dt.date
    due_date: dt.date
    currency: str
    amount: int
    open: int = 0
    settled_by: list[int] = field(default_factory=list)  # amounts of earlier lines that settled it
    settled_on: list[dt.date] = field(default_factory=list)  # ... and their booking dates


@dataclass
class Result:
    transaction_id: str
    outcome: str
    allocations: list[tuple[str, int]]
    evidence: str | None  # easy, medium, hard, unidentified (None: not a customer payment)
    amount: int
    currency: str
    booking_date: str
    open_before: int = 0  # what the targets had open

    def row(self) -> dict:
        return {"transaction_id": self.transaction_id, "outcome": self.outcome,
                "allocations": [{"invoice_number": i, "amount": money(a)} for i, a in self.allocations]}


def _variants(digits: str) -> list[str]:
    """One digit changed, or two neighbours swapped."""
    out = []
    for i, ch in enumerate(digits):
        for d in "0123456789":
            if d != ch:
                out.append(digits[:i] + d + digits[i + 1:])
        if i + 1 < len(digits) and ch != digits[i + 1]:
            out.append(digits[:i] + digits[i + 1] + ch + digits[i + 2:])
    return out


class Ledger:
    def __init__(self, invoices: list[dict], customers: list[dict]) -> None:
        self.invoices: dict[str, Invoice] = {}
        self.by_num: dict[int, list[Invoice]] = {}
        self.by_div_num: dict[tuple[str, int], Invoice] = {}
        self.by_po: dict[str, list[Invoice]] = {}
        self.by_contract: dict[str, list[Invoice]] = {}
        self.by_customer: dict[str, list[Invoice]] = {}
        self.open_by_amount: dict[tuple[str, int], set[str]] = {}
        for row in invoices:
            inv = Invoice(row["invoice_number"], row["customer_id"], row.get("contract_id"), row.get("po_number"),
                          dt.date.fromisoformat(str(row["issue_date"])), dt.date.fromisoformat(str(row["due_date"])),
                          row["currency"], cents(row["amount"]))
            inv.open = inv.amount
            self.invoices[inv.number] = inv
            div, _, num = inv.number.rpartition("-")
            prefix = div.split("-")[0] if div else ""
            if num.isdigit():
                self.by_num.setdefault(int(num), []).append(inv)
                self.by_div_num[(prefix, int(num))] = inv
            if inv.po_number:
                self.by_po.setdefault(_po_digits(inv.po_number), []).append(inv)
            if inv.contract_id:
                self.by_contract.setdefault(_contract_digits(inv.contract_id), []).append(inv)
            self.by_customer.setdefault(inv.customer_id, []).append(inv)
            self.open_by_amount.setdefault((inv.currency, inv.open), set()).add(inv.number)
        for lst in (*self.by_customer.values(), *self.by_po.values(), *self.by_contract.values()):
            lst.sort(key=lambda i: (i.due_date, i.issue_date, i.number))
        self.divisions = {k[0] for k in self.by_div_num}
        self.number_width = max((len(i.number.rpartition("-")[2]) for i in self.invoices.values()), default=6)
        self.parent = {row["customer_id"]: row.get("parent_customer_id") for row in customers}
        self.children: dict[str, list[str]] = {}
        for cid, parent in self.parent.items():
            if parent:
                self.children.setdefault(parent, []).append(cid)
        self.by_account = {}
        for row in customers:
            acct = "".join(ch for ch in str(row.get("bank_account") or "") if ch.isalnum()).upper()
            if acct:
                self.by_account[acct] = row["customer_id"]

    def settle(self, inv: Invoice, amount: int, on: dt.date) -> None:
        self.open_by_amount.get((inv.currency, inv.open), set()).discard(inv.number)
        inv.open -= amount
        inv.settled_by.append(amount)
        inv.settled_on.append(on)
        self.open_by_amount.setdefault((inv.currency, inv.open), set()).add(inv.number)

    # ------------------------------------------------------------------ references to invoices
    def invoices_for(self, ref: Ref) -> tuple[list[Invoice], bool]:
        """Invoices a reference may mean, and whether the match is exact."""
        digits = ref.number
        if not digits:
            return [], False
        if ref.label == "INVOICE":
            n = int(digits)
            if ref.division:
                hit = self.by_div_num.get((ref.division, n))
                if hit:
                    return [hit], True
            else:
                hits = self.by_num.get(n, [])
                if hits:
                    return list(hits), True
            if len(digits) < 5:
                return [], False
            fuzzy = [inv for v in _variants(digits) for inv in self.by_num.get(int(v), [])
                     if not ref.division or inv.number.startswith(ref.division)]
            return fuzzy, False
        index = self.by_po if ref.label == "PURCHASE_ORDER" else self.by_contract
        if digits in index:
            return list(index[digits]), True
        if len(digits) < 5:
            return [], False
        return [inv for v in _variants(digits) for inv in index.get(v, [])], False

    def variants_of(self, ref: Ref) -> list[Invoice]:
        """Invoices one mistyped digit or two swapped digits away from an invoice reference."""
        if ref.label != "INVOICE" or len(ref.number) < 5:
            return []
        return [inv for v in _variants(ref.number) for inv in self.by_num.get(int(v), [])
                if not ref.division or inv.number.startswith(ref.division)]

    def cut_short(self, ref: Ref) -> list[Invoice]:
        """Invoices a reference cut by the end of the narrative may mean: its digits begin the number."""
        digits = ref.number
        if ref.label != "INVOICE" or not digits:
            return []
        width = self.number_width
        out = [inv for n, invs in self.by_num.items() if str(n).zfill(width).startswith(digits) for inv in invs]
        return [i for i in out if not ref.division or i.number.startswith(ref.division)]

    def group(self, cid: str) -> set[str]:
        """A customer with its subsidiaries (whose invoices it may pay)."""
        return {cid, *self.children.get(cid, [])}


def _median(values: list[int], default: int = 0) -> int:
    if not values:
        return default
    v = sorted(values)
    return v[len(v) // 2]


def _po_digits(po: str) -> str:
    return "".join(ch for ch in po if ch.isdigit())


def _contract_digits(contract: str) -> str:
    return "".join(ch for ch in contract if ch.isdigit())


def _canonical(ref: Ref, text: str, inv: Invoice) -> bool:
    return text[ref.start:ref.end] == inv.number


class Reconciler:
    def __init__(self, invoices: list[dict], customers: list[dict], resolver: Resolver | None = None) -> None:
        self.ledger = Ledger(invoices, customers)
        self.resolver = resolver or Resolver(customers)
        self.tagger = Tagger(self.ledger.divisions, self.resolver.name_words)
        self.claims: dict[str, set[str]] = {}  # invoice -> lines that quote it exactly
        self.late_full: dict[str, int] = {}
        self.late_part: dict[str, int] = {}
        self.late_full_all, self.late_part_all = PAID_AFTER_DUE, INSTALMENT_AFTER_DUE

    def scan(self, lines: list[dict]) -> None:
        """A first look at all lines: which lines quote which invoices exactly (so that a line matched by
        amount alone does not take an invoice another line names), and how many days after the due date
        each customer pays in full and in part, learnt from the lines that quote one invoice exactly."""
        full: dict[str, list[int]] = {}
        part: dict[str, list[int]] = {}
        for row in lines:
            if row.get("direction", "C") != "C":
                continue
            refs = [r for r in self.tagger.tag(row["narrative"] or "").refs if r.label == "INVOICE" and r.number]
            hits = []
            for ref in refs:
                cands, exact = self.ledger.invoices_for(ref)
                if exact and len(cands) == 1:
                    self.claims.setdefault(cands[0].number, set()).add(row["transaction_id"])
                    hits.append(cands[0])
            if len(refs) == 1 and len(hits) == 1 and hits[0].currency == row["currency"]:
                inv, amount = hits[0], cents(row["amount"])
                days = (dt.date.fromisoformat(str(row["booking_date"])) - inv.due_date).days
                if amount == inv.amount:
                    full.setdefault(inv.customer_id, []).append(days)
                elif amount < inv.amount:
                    part.setdefault(inv.customer_id, []).append(days)
        self.late_full = {c: _median(v) for c, v in full.items()}
        self.late_part = {c: _median(v) for c, v in part.items()}
        self.late_full_all = _median([d for v in full.values() for d in v], PAID_AFTER_DUE)
        self.late_part_all = _median([d for v in part.values() for d in v], INSTALMENT_AFTER_DUE)

    # ----------------------------------------------------------------------------------------------
    def payer(self, text: str, tagged) -> tuple[str | None, float]:  # type: ignore[no-untyped-def]
        for s, e in tagged.companies:
            cid, score = self.resolver.resolve(text[s:e])
            if cid:
                return cid, score
        words = text.upper().replace("/", " ").split()
        for i, w in enumerate(words[:-1]):
            if w == "DARI":
                acct = "".join(ch for ch in words[i + 1] if ch.isalnum())
                if acct in self.ledger.by_account:
                    return self.ledger.by_account[acct], 1.0
        return None, 0.0

    def line(self, row: dict) -> Result:
        tid, amount, cur = row["transaction_id"], cents(row["amount"]), row["currency"]
        booking = dt.date.fromisoformat(str(row["booking_date"]))
        base = Result(tid, "NOT_RECEIVABLE", [], None, amount, cur, str(row["booking_date"]))
        if row.get("direction", "C") != "C" or amount <= 0:
            return base
        text = row["narrative"] or ""
        tagged = self.tagger.tag(text)
        payer, _ = self.payer(text, tagged)
        payer_group = self.ledger.group(payer) if payer else set()

        cut = [r for r in tagged.refs if len(text) in FIELD_LIMITS and r.end == len(text.rstrip())
               and r.label == "INVOICE" and len(r.number) < self.ledger.number_width]  # cut by the field length
        inv_refs = [r for r in tagged.refs if r.label == "INVOICE" and r.number and r not in cut]
        other_refs = [r for r in tagged.refs if r.label != "INVOICE" and r.number]
        evidence = "easy"
        targets: list[Invoice] = []
        for ref in inv_refs:
            cands, exact = self.ledger.invoices_for(ref)
            pick = self._choose(cands, payer_group, amount, cur, booking, other_refs)
            if pick and exact and len(inv_refs) == 1 and pick.open != amount:
                # the number quoted is an invoice, but not one this line fits: a mistyped digit may be the one
                near = [i for i in self.ledger.variants_of(ref) if i.open == amount and i.issue_date <= booking
                        and (not payer_group or i.customer_id in payer_group or i.customer_id == pick.customer_id)]
                if len(near) == 1:
                    pick, exact = near[0], False
            if pick and pick not in targets:
                targets.append(pick)
                if not (exact and _canonical(ref, text, pick)):
                    evidence = "medium"
        if not targets:
            pool: list[Invoice] = []
            po_pool = [i for r in other_refs if r.label == "PURCHASE_ORDER" for i in self._ref_pool(r, payer_group)]
            ct_pool = [i for r in other_refs if r.label == "CONTRACT" for i in self._ref_pool(r, payer_group)]
            if po_pool and ct_pool:
                both = [i for i in po_pool if i in ct_pool]
                pool = both or po_pool + [i for i in ct_pool if i not in po_pool]
            else:
                pool = po_pool or ct_pool
            if not pool and cut:
                pool = [i for r in cut for i in self.ledger.cut_short(r)]
                if payer_group:
                    pool = [i for i in pool if i.customer_id in payer_group]
            evidence = "medium"
            if not pool and payer:
                pool = [i for c in sorted(payer_group) for i in self.ledger.by_customer.get(c, [])]
                evidence = "hard"
            if not pool and not tagged.companies:
                pool = [self.ledger.invoices[n] for n in sorted(self.ledger.open_by_amount.get((cur, amount), ()))]
                pool = [i for i in pool if i.issue_date <= booking]
                evidence = "unidentified"
                if len(pool) != 1:
                    return base
            pool = sorted(set(pool), key=lambda i: (i.due_date, i.issue_date, i.number))
            targets = self._by_amount(pool, amount, cur, booking, tid)
        if not targets:
            return base
        return self._decide(base, targets, payer, amount, cur, booking, evidence)

    def _ref_pool(self, ref: Ref, group: set[str]) -> list[Invoice]:
        cands, exact = self.ledger.invoices_for(ref)
        if not exact and group:
            cands = [i for i in cands if i.customer_id in group] or cands
        if not exact and len({i.po_number if ref.label == "PURCHASE_ORDER" else i.contract_id for i in cands}) > 1:
            return []  # a mistyped number that fits several references: no evidence
        return cands

    def _choose(self, cands: list[Invoice], group: set[str], amount: int, cur: str, booking: dt.date,
                other_refs: list[Ref]) -> Invoice | None:
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]

        def rank(inv: Invoice) -> tuple:
            po_ok = any(r.label == "PURCHASE_ORDER" and inv.po_number and _po_digits(inv.po_number) == r.number
                        for r in other_refs)
            ct_ok = any(r.label == "CONTRACT" and inv.contract_id and _contract_digits(inv.contract_id) == r.number
                        for r in other_refs)
            return (-(inv.customer_id in group), -(po_ok or ct_ok), -(inv.open == amount), -(inv.open > 0),
                    -(inv.currency == cur), -(inv.issue_date <= booking), abs(inv.open - amount), inv.number)

        return min(cands, key=rank)

    def _order(self, invs: list[Invoice], booking: dt.date, tid: str, partial: bool) -> list[Invoice]:
        """Invoices no other line quotes first, then by how well the line's date fits the customer's habit
        (days after the due date it pays)."""
        claimed = self.claims
        habit, default = (self.late_part, self.late_part_all) if partial else (self.late_full, self.late_full_all)
        return sorted(invs, key=lambda i: (bool(claimed.get(i.number, set()) - {tid}),
                                           abs((booking - i.due_date).days - habit.get(i.customer_id, default)),
                                           i.number))

    def _by_amount(self, pool: list[Invoice], amount: int, cur: str, booking: dt.date,
                   tid: str = "") -> list[Invoice]:
        issued = [i for i in pool if i.issue_date <= booking]
        open_ = [i for i in issued if i.open > 0]
        same = self._order([i for i in open_ if i.currency == cur] or open_, booking, tid, False)
        for inv in same:
            if inv.open == amount:
                return [inv]
        by_customer: dict[str, list[Invoice]] = {}
        for inv in sorted(same, key=lambda i: (i.due_date, i.issue_date, i.number)):
            by_customer.setdefault(inv.customer_id, []).append(inv)
        for invs in by_customer.values():  # consecutive invoices that add up to the line
            for a in range(len(invs)):
                total = 0
                for b in range(a, min(len(invs), a + 12)):
                    total += invs[b].open
                    if total == amount and b > a:
                        return invs[a:b + 1]
                    if total > amount:
                        break
        for inv in same:
            if inv.open > amount >= inv.open * (1 - SHORT_TOLERANCE):
                return [inv]
        for inv in same:
            if inv.open < amount <= inv.open * (1 + OVER_TOLERANCE):
                return [inv]
        # not issued yet (a prepayment) or already settled by this very amount (a duplicate)
        for inv in pool:
            if inv.issue_date > booking and inv.amount == amount and inv.open == inv.amount:
                return [inv]
        for inv in issued:
            if inv.open <= 0 and amount in inv.settled_by:
                return [inv]
        larger = [i for i in self._order(same, booking, tid, True) if i.open > amount]
        # the next instalment of a plan under way (equal parts)
        going = [i for i in larger if i.settled_by and abs(i.settled_by[-1] - amount) <= 100]
        if going:
            return going[:1]
        # the first instalment: an invoice not paid yet that splits into equal parts of this amount
        first = [i for i in larger if not i.settled_by and any(abs(i.amount // k - amount) <= 100
                                                                for k in range(2, 13))]
        if first:
            return first[:1]
        return larger[:1]  # an instalment of an invoice still open

    def _decide(self, base: Result, targets: list[Invoice], payer: str | None, amount: int, cur: str,
                booking: dt.date, evidence: str) -> Result:
        base.evidence = evidence
        owner = targets[0].customer_id
        open_total = sum(max(i.open, 0) for i in targets)
        base.open_before = open_total
        duplicate = all(i.open <= 0 for i in targets) and amount in {s for i in targets for s in i.settled_by}
        if duplicate or open_total <= 0:
            base.outcome = "REVIEW_REQUIRED"
            return base
        prepaid = any(i.issue_date > booking for i in targets)
        fx = any(i.currency != cur for i in targets)
        third_party = payer is not None and payer != owner and self.ledger.parent.get(owner) == payer
        if fx:  # no rates in the task files: assume the line settles what was open
            allocs = [(i, i.open) for i in targets if i.open > 0]
        else:
            allocs, left = [], amount
            for inv in targets:
                if left <= 0:
                    break
                take = min(inv.open, left)
                if take > 0:
                    allocs.append((inv, take))
                    left -= take
        for inv, a in allocs:
            self.ledger.settle(inv, a, booking)
        base.allocations = [(inv.number, a) for inv, a in allocs]
        if prepaid or fx or third_party:
            base.outcome = "REVIEW_REQUIRED"
        elif amount == open_total:
            base.outcome = "AUTO_RECONCILED"
        elif amount < open_total:
            base.outcome = "PARTIAL_PAYMENT"
        else:
            base.outcome = "OVERPAYMENT"
        return base


def reconcile(lines: list[dict], invoices: list[dict], customers: list[dict],
              resolver: Resolver | None = None) -> list[Result]:
    """Baseline results for all lines, in the order of ``lines``."""
    rec = Reconciler(invoices, customers, resolver)
    rec.scan(lines)
    order = sorted(range(len(lines)), key=lambda k: (str(lines[k]["booking_date"]), lines[k]["transaction_id"]))
    out: list[Result | None] = [None] * len(lines)
    for k in order:
        out[k] = rec.line(lines[k])
    return out  # type: ignore[return-value]
