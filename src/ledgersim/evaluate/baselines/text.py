"""Patterns and dictionaries for bank narratives: the NER baseline, also used by the others.

Nothing here is learnt or read from the truth. The vocabulary is what a bank
statement reader knows: the reference formats a company issues (invoices
``MFG-INV-000157``, contracts ``CNT-2024-587``, purchase orders
``PO-4500012345``), the payment-type words of English and Indonesian
remittances, and the fixed words of the bank formats (SWIFT MT940/MT950 tags,
ISO 20022 codes, ACH/Fedwire fields, Indonesian e-statement words). A company
mention is what is left: a run of words that is none of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Payment-type keywords of both locales, longest first so that PART PMT wins over PMT.
PAYMENT_TYPES = tuple(sorted((
    "PAYMENT", "PMT", "PART PMT", "PART PAYMENT", "PARTIAL PAYMENT", "PARTIAL", "INSTALMENT", "INSTALLMENT",
    "SETTLEMENT", "INV PMT", "TRANSFER", "REFUND",
    "PEMBAYARAN", "PEMBAYARAN SEBAGIAN", "BAYAR", "PELUNASAN", "CICILAN", "DP", "TERMIN", "PENGEMBALIAN DANA",
), key=lambda s: (-len(s), s)))

# Words of the bank formats themselves (never part of a company name).
FORMAT_WORDS = frozenset("""
TRSF E-BANKING CR DB MCM INHOUSETRF CS-CS DARI KE KR OTOMATIS BI-FAST BIF DR PEMINDAHAN DANA TRANSFER
INV INVS INVOICE FAKTUR TAGIHAN KONTRAK CONTRACT CT PO NO REF FOR TO FROM WIRE OUT TRN ORIG OBI BNF ACH
CREDIT DEBIT CCD RMR IV PI NAME ENTRY DESCR EREF ORDP REMI USTD TRTP SEPA IBAN BIC RFB NOTPROVIDED
FEE FEES ACCOUNT MAINTENANCE BANK CHARGES CHARGE VAT RETURN SALARY SALARIES PAYMENTS PAYROLL BATCH IRS
USATAXPYMT BIAYA ADM GAJI KARYAWAN MPN G3 SETORAN PAJAK PPN MASA BUNGA JASA GIRO INTEREST PAID INTERNAL BOOK
OVERPAYMENT TUNAI BYR VIA
JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC MEI AGU AGS OKT DES
""".split())
# Fields a bank prints that are neither entities nor names: e-banking references (0504/FTSCY/WS95271)
# and the clearing bank of a transfer (KR OTOMATIS LLG-CIMB NIAGA).
BANK_FIELDS = re.compile(r"(?<![A-Za-z0-9])\d{3,5}/[A-Z]{2,6}/[A-Z]{1,3}\d{3,7}(?![A-Za-z0-9])"
                         r"|LLG-[A-Z]+(?: NIAGA)?|\bWIRE (?:IN|OUT)(?: \d{4}\b)?"
                         r"|\bCO NAME\b|\bCO ENTRY DESCR\b|\bIND ID\b", re.IGNORECASE)

# Lengths at which banks cut a narrative: MT950 :61: supplementary details (34), ACH addenda (80),
# ISO 20022 unstructured remittance and Fedwire (140), MT940 :86: (6 x 65).
FIELD_LIMITS = frozenset({34, 80, 140, 390})

# Words after which a number is an account, not a purchase order.
ACCOUNT_CONTEXT = frozenset({"DARI", "KE", "TRANSFER", "ACCOUNT"})
# Words (or field tags) after which a bare number is an invoice number.
INVOICE_CONTEXT = frozenset({"INV", "INVS", "INVOICE", "FAKTUR", "TAGIHAN", "IV", "RFB"})
MONTHS = frozenset("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC MEI AGU AGS OKT DES".split())
# Words after which a number is a bank field (a bank code, a transfer reference, a date).
NUMBER_CONTEXT = frozenset({"DR", "TRN", "IN", "WIRE", "BATCH", "KE"})
LITERAL_BEFORE_INVOICE = frozenset({"FOR", "PEMBAYARAN", "SEBAGIAN"})
CONTRACT_WORDS = frozenset({"CONTRACT", "KONTRAK", "CT", "REF"})

_B = r"(?<![A-Za-z0-9])"
_E = r"(?![A-Za-z0-9])"


@dataclass
class Ref:
    """A reference found in a narrative: its label, span and the parts that identify it."""

    label: str  # INVOICE, CONTRACT, PURCHASE_ORDER
    start: int
    end: int
    number: str  # digits as written (invoice number, contract year+sequence, PO number)
    division: str | None = None  # invoice division prefix, when written
    year: str | None = None  # contract year


@dataclass
class Tagged:
    text: str
    refs: list[Ref]
    payment_types: list[tuple[int, int]]
    companies: list[tuple[int, int]]

    def spans(self) -> list[tuple[int, int, str]]:
        out = [(r.start, r.end, r.label) for r in self.refs]
        out += [(s, e, "PAYMENT_TYPE") for s, e in self.payment_types]
        out += [(s, e, "COMPANY") for s, e in self.companies]
        return sorted(out)


class Tagger:
    """Finds references, payment types and company names in narratives.

    ``divisions`` are the invoice prefixes the company issues (read from the
    invoice file); ``name_words`` are the words of the customer master's names,
    which are never treated as format words.
    """

    def __init__(self, divisions: set[str] | list[str], name_words: set[str] | None = None) -> None:
        divs = sorted({d.upper() for d in divisions if d}) or ["[A-Z]{3}"]
        self.stop = FORMAT_WORDS - (name_words or set()) | {"INV", "CONTRACT", "KONTRAK", "PO", "DARI", "KE"}
        d = "|".join(divs)
        self.inv_re = re.compile(
            rf"{_B}(?:(?P<div>{d})[- ]?)?(?P<word>INVOICE|INV)[- ]?(?P<num>\d{{1,7}}){_E}", re.IGNORECASE)
        # contracts: CNT-2024-587, or a four-digit sequence once a year has more than 999 contracts
        self.cnt_re = re.compile(
            rf"{_B}(?P<word>CNT|CONTRACT)[- ]?(?P<y>\d{{4}})[- ]?(?P<n>\d{{3,5}}){_E}", re.IGNORECASE)
        self.cnt_bare_re = re.compile(rf"{_B}(?P<y>\d{{4}})[- ](?P<n>\d{{3,5}}){_E}"
                                      rf"|{_B}(?P<y2>(?:19|20)\d\d)(?P<n2>\d{{3,5}}){_E}")
        # purchase orders: ten digits; with the PO word also fewer (a number cut by the field length)
        self.po_re = re.compile(rf"{_B}(?:(?P<word>PO(?:[- ]?NO)?)[- ]?(?P<short>\d{{6,9}}){_E}|"
                                rf"(?:(?P<word2>PO(?:[- ]?NO)?)[- ]?)?(?P<num>\d{{10}}){_E})", re.IGNORECASE)
        self.num_re = re.compile(r"(?<![A-Za-z0-9.,])\d{1,7}(?![A-Za-z0-9]|[.,]\d)")
        pt = "|".join(re.escape(k) for k in PAYMENT_TYPES)
        self.pt_re = re.compile(rf"(?<![A-Za-z0-9-])(?:{pt})(?![A-Za-z0-9-])", re.IGNORECASE)
        self.word_re = re.compile(r"[^\s/*:]+")
        # a reference cut short: MFG-, MFG-INV, MFG INV, INVO (never a bare MFG, which may be a word of a name)
        self.fragment_re = re.compile(rf"^(?:(?:{d})(?:-|[- ]?I(?:N(?:V[A-Z]*)?)?-?)|INV(?:O|OI|OIC|OICE)?-?)$",
                                      re.IGNORECASE)
        self.division_start = {x[:k] for x in divs for k in range(1, len(x) + 1)}

    # -------------------------------------------------------------------------------------------
    @staticmethod
    def _prev_word(text: str, pos: int) -> str:
        m = re.search(r"([^\s/*:]+)[\s/*:]*$", text[:pos])
        return m.group(1).upper() if m else ""

    def tag(self, text: str) -> Tagged:
        taken = bytearray(len(text))
        refs: list[Ref] = []

        def free(s: int, e: int) -> bool:
            return not any(taken[s:e])

        def claim(ref: Ref) -> None:
            refs.append(ref)
            taken[ref.start:ref.end] = b"\x01" * (ref.end - ref.start)

        for m in BANK_FIELDS.finditer(text):
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
        for m in self.inv_re.finditer(text):
            div = m.group("div")
            start = m.start()
            if not div and self._prev_word(text, start) in LITERAL_BEFORE_INVOICE:
                start = m.start("num")  # INVOICE is a literal word here (... FOR INVOICE 000157), not the reference
            claim(Ref("INVOICE", start, m.end(), m.group("num"), div.upper() if div else None))
        for m in self.cnt_re.finditer(text):
            if not free(m.start(), m.end()):
                continue
            start = m.start()
            if m.group("word").upper() == "CONTRACT" and self._prev_word(text, start) not in CONTRACT_WORDS:
                start = m.start("y")  # CONTRACT is a literal word here (CONTRACT 2024-587), not the reference
            claim(Ref("CONTRACT", start, m.end(), m.group("y") + m.group("n"), year=m.group("y")))
        for m in self.po_re.finditer(text):
            if not free(m.start(), m.end()):
                continue
            if not (m.group("word") or m.group("word2")) and self._prev_word(text, m.start()) in ACCOUNT_CONTEXT:
                continue
            claim(Ref("PURCHASE_ORDER", m.start(), m.end(), m.group("num") or m.group("short")))
        for m in self.cnt_bare_re.finditer(text):
            if not free(m.start(), m.end()):
                continue
            y, n = (m.group("y"), m.group("n")) if m.group("y") else (m.group("y2"), m.group("n2"))
            prev = self._prev_word(text, m.start())
            if prev in ACCOUNT_CONTEXT or prev in {"TRN", "DR"}:
                continue
            claim(Ref("CONTRACT", m.start(), m.end(), y + n, year=y))
        # bare invoice numbers: up to six digits wherever they are no bank field (a bank code, a date, an
        # account), longer ones after an invoice word or another invoice (INV 157/158/159)
        inv_ends = {r.end for r in refs if r.label == "INVOICE"}
        for m in self.num_re.finditer(text):
            s, e = m.start(), m.end()
            if not free(s, e):
                continue
            digits = m.group(0)
            before = text[:s].rstrip(" /")
            gap_end = len(before)
            prev = self._prev_word(text, s)
            after_invoice = gap_end in inv_ends and text[gap_end:s].strip(" /") == ""
            if prev in ACCOUNT_CONTEXT or prev in NUMBER_CONTEXT or (prev in MONTHS and len(digits) == 4):
                continue
            if len(digits) <= 6 or prev in INVOICE_CONTEXT or after_invoice:
                claim(Ref("INVOICE", s, e, digits))
                inv_ends.add(e)
        # a reference cut short by the field limit at the very end of the text
        tail = re.search(r"[^\s/*:]+$", text)
        if tail and free(tail.start(), tail.end()) and len(tail.group(0)) >= 3 \
                and self.fragment_re.match(tail.group(0)) and not tail.group(0).upper().startswith("INVS"):
            claim(Ref("INVOICE", tail.start(), tail.end(), ""))

        pts: list[tuple[int, int]] = []
        for m in self.pt_re.finditer(text):
            s, e = m.start(), m.end()
            if not free(s, e):
                continue
            word = m.group(0).upper()
            if word == "TRANSFER" and text[e:].strip():
                continue  # TRANSFER names the payment only as the last word (... COMPANY TRANSFER)
            pts.append((s, e))
            taken[s:e] = b"\x01" * (e - s)

        companies: list[tuple[int, int]] = []
        run: list[tuple[int, int]] = []

        def close() -> None:
            if run:
                companies.append((run[0][0], run[-1][1]))
                run.clear()

        last_end = 0
        for m in self.word_re.finditer(text):
            s, e = m.start(), m.end()
            word = m.group(0)
            gap = text[last_end:s]
            if run and gap.strip() != "":  # a separator (/ * :) ends a name
                close()
            last_end = e
            core = word.strip(".,'&-").upper()
            is_name = (free(s, e) and any(c.isalpha() for c in word) and not any(c.isdigit() for c in word)
                       and core not in self.stop and core != "" and not self.fragment_re.match(word))
            if is_name:
                run.append((s, e))
            else:
                close()
        close()
        if companies and len(text) in FIELD_LIMITS:
            # the last word of a narrative cut at the field length: MFG or W may be what is left of MFG-INV-...
            s, e = companies[-1]
            last = re.search(r"(\S+)$", text[s:e])
            if (e == len(text.rstrip()) and last and last.start() > 0
                    and last.group(1).upper() in self.division_start):
                e = s + len(text[s:e][:last.start()].rstrip())
                companies[-1] = (s, e)
                if len(last.group(1)) >= 3:
                    refs.append(Ref("INVOICE", s + last.start(), s + last.end(), ""))
        return Tagged(text, sorted(refs, key=lambda r: r.start), pts, companies)
