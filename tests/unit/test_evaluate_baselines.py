"""The reference baselines' parts on hand-made inputs: patterns, name resolution, reconciliation, policy."""

from __future__ import annotations

import pytest

from ledgersim.evaluate.baselines.actions import decide
from ledgersim.evaluate.baselines.er import outgoing_to_supplier
from ledgersim.evaluate.baselines.names import Resolver, core_words
from ledgersim.evaluate.baselines.recon import Result, cents, money, reconcile
from ledgersim.evaluate.baselines.text import Tagger
from ledgersim.spec.models import Policy

DIVS = {"MFG", "SAS", "LOG", "WHS"}


def spans(text: str) -> list[tuple[str, str]]:
    return [(label, text[s:e]) for s, e, label in Tagger(DIVS).tag(text).spans()]


@pytest.mark.parametrize("text,expected", [
    ("CICILAN INV-000288 KONTRAK CNT-2022-023",
     [("PAYMENT_TYPE", "CICILAN"), ("INVOICE", "INV-000288"), ("CONTRACT", "CNT-2022-023")]),
    ("PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157",
     [("PAYMENT_TYPE", "PART PMT"), ("COMPANY", "ALPHABRIDGE SOLUTIONS"), ("INVOICE", "MFG-INV-000157")]),
    ("PART PMT PO-4500000771 CONTRACT CONTRACT 2023-077 PLAIN QUEST DYNAMICS INC",
     [("PAYMENT_TYPE", "PART PMT"), ("PURCHASE_ORDER", "PO-4500000771"), ("CONTRACT", "CONTRACT 2023-077"),
      ("COMPANY", "PLAIN QUEST DYNAMICS INC")]),
    ("PART PMT SASINV000050 CONTRACT 2022-038",
     [("PAYMENT_TYPE", "PART PMT"), ("INVOICE", "SASINV000050"), ("CONTRACT", "2022-038")]),
    ("/PO/PO NO 4500000669 /CT/CNT 2024 110 FIRST WEST NETWORKS",
     [("PURCHASE_ORDER", "PO NO 4500000669"), ("CONTRACT", "CNT 2024 110"), ("COMPANY", "FIRST WEST NETWORKS")]),
    ("TRSF E-BANKING CR 0508/FTSCY/WS01152 PEMBAYARAN PO-4500000551 KONTRAK CNT-2021-027 RIDGEBEACON FOODS GMBH",
     [("PAYMENT_TYPE", "PEMBAYARAN"), ("PURCHASE_ORDER", "PO-4500000551"), ("CONTRACT", "CNT-2021-027"),
      ("COMPANY", "RIDGEBEACON FOODS GMBH")]),
    ("WIRE IN 1211 TRN:24111261853242 ORIG:PT ACK OBI:PO 4500000569 CONTRACT CNT-2022-087",
     [("COMPANY", "PT ACK"), ("PURCHASE_ORDER", "PO 4500000569"), ("CONTRACT", "CNT-2022-087")]),
    ("PAYMENT CLEAR VECTOR PACKAGING GMBH mfg-invoice 000208/000307/000317",
     [("PAYMENT_TYPE", "PAYMENT"), ("COMPANY", "CLEAR VECTOR PACKAGING GMBH"), ("INVOICE", "mfg-invoice 000208"),
      ("INVOICE", "000307"), ("INVOICE", "000317")]),
    ("PEMINDAHAN DARI 2925984882 PT LAUTAN BERKAT TEKNOLOGI PO-4500000016",
     [("COMPANY", "PT LAUTAN BERKAT TEKNOLOGI"), ("PURCHASE_ORDER", "PO-4500000016")]),
    ("KR OTOMATIS LLG-CIMB NIAGA STARGRAND ASSOCIATES, INC SAS-INV-000032",
     [("COMPANY", "STARGRAND ASSOCIATES, INC"), ("INVOICE", "SAS-INV-000032")]),
    ("NOBLE DELTA CNSTRCTN BV TRANSFER", [("COMPANY", "NOBLE DELTA CNSTRCTN BV"), ("PAYMENT_TYPE", "TRANSFER")]),
    ("BI-FAST CR BIF TRANSFER DR 014 PT SBT TERMIN KONTRAK CNT-2024-106",
     [("COMPANY", "PT SBT"), ("PAYMENT_TYPE", "TERMIN"), ("CONTRACT", "CNT-2024-106")]),
    ("ACH CREDIT WEST VECTOR MFG LLC CCD RMR*IV*WHS-INV-000052*PI*1234.56",
     [("COMPANY", "WEST VECTOR MFG LLC"), ("INVOICE", "WHS-INV-000052")]),
    ("ORIG CO NAME:NOBLEDELTA CO CO ENTRY DESCR:PAYMENT IND ID:PO4500000775",
     [("COMPANY", "NOBLEDELTA CO"), ("PAYMENT_TYPE", "PAYMENT"), ("PURCHASE_ORDER", "PO4500000775")]),
    ("PINE NORTH MANAGEMENT PTE LTD MFG-", [("COMPANY", "PINE NORTH MANAGEMENT PTE LTD"), ("INVOICE", "MFG-")]),
    ("SALARY PAYMENTS JUL 2024", []),
    ("INTERNAL TRANSFER 0253296800", []),
    ("BIAYA TRANSFER BI-FAST 1909/FTSC/WS32866", []),
    ("WIRE OUT 3101 TRN:24013116331075 BNF:VALLEY AURORA PRODUCTS INC", [("COMPANY", "VALLEY AURORA PRODUCTS INC")]),
])
def test_tagger_finds_references_keywords_and_names(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text) == expected


def test_tagger_reference_parts() -> None:
    refs = Tagger(DIVS).tag("/INV/MFG INV 157/158 PO NO4500000977 CNT2024005").refs
    assert [(r.label, r.division, r.number) for r in refs] == [
        ("INVOICE", "MFG", "157"), ("INVOICE", None, "158"), ("PURCHASE_ORDER", None, "4500000977"),
        ("CONTRACT", None, "2024005")]


CUSTOMERS = [
    {"customer_id": "C1", "legal_name": "ALPHABRIDGE SOLUTIONS INC", "parent_customer_id": None, "bank_account": "111"},
    {"customer_id": "C2", "legal_name": "ALPHABRIDGE SYSTEMS INC", "parent_customer_id": None, "bank_account": "222"},
    {"customer_id": "C3", "legal_name": "PT SINAR JAYA LOGISTIK", "parent_customer_id": "C1",
     "bank_account": "2925984882"},
    {"customer_id": "C4", "legal_name": "GLOBE CRYSTAL MARKETING PLC", "parent_customer_id": None, "bank_account": ""},
    {"customer_id": "C5", "legal_name": "ALPHA RIVER LTD", "parent_customer_id": None, "bank_account": ""},
    {"customer_id": "C6", "legal_name": "BRIDGE LAKE METALS BV", "parent_customer_id": None, "bank_account": ""},
]


@pytest.mark.parametrize("surface,expected", [
    ("ALPHABRIDGE SOLUTIONS INC", "C1"), ("ALPHA BRIDGE SOLUTIONS", "C1"), ("ALPHABRIDGE SOLN INC", "C1"),
    ("ALPHABRIDGE SLTNS", "C1"), ("Alphabridge Solutions, Inc.", "C1"), ("ALPHABRIDGE SOLUTIONS CORP", "C1"),
    ("ALPHABRIDGE SYSTEMS", "C2"), ("ALPHABRIDGE SYS INC", "C2"), ("SINAR JAYA LOGISTIK PT", "C3"),
    ("PT SJL", "C3"), ("PT SINAR JAYA LOGISTK", "C3"), ("GLOBECRYSTAL MKTG PLC", "C4"), ("GCM", "C4"),
    ("GLOBE CRYSTAL MARKETING P L C", "C4"), ("BRIDGELAKE METALS", "C6"), ("ACME TOOLING LLC", None),
])
def test_resolver_tolerates_name_variants(surface: str, expected: str | None) -> None:
    assert Resolver(CUSTOMERS).resolve(surface)[0] == expected


def test_core_words_drop_legal_forms_on_either_side() -> None:
    assert core_words("PT. SINAR JAYA LOGISTIK TBK") == ["SINAR", "JAYA", "LOGISTIK"]
    assert core_words("SINAR JAYA LOGISTIK PT") == ["SINAR", "JAYA", "LOGISTIK"]
    assert core_words("GLOBE CRYSTAL MARKETING P L C") == ["GLOBE", "CRYSTAL", "MARKETING"]


def test_outgoing_supplier_payments_are_nil_but_refunds_are_not() -> None:
    assert outgoing_to_supplier("PAYMENT TO ACME TOOLING LLC REF 24050884953290")
    assert outgoing_to_supplier("TRSF E-BANKING DB 2005/FTFVA/WS98408 PT DAMAI INDO ENERGI")
    assert not outgoing_to_supplier("WIRE OUT 2805 TRN:24052830357607 BNF:VSA OBI:REFUND OVERPAYMENT")
    assert not outgoing_to_supplier("PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157")


# -------------------------------------------------------------------------------------- reconciliation

def inv(number: str, customer: str, amount: str, issue: str = "2024-01-01", due: str = "2024-01-31",
        contract: str = "CNT-2024-001", po: str | None = None, currency: str = "USD") -> dict:
    return {"invoice_number": number, "customer_id": customer, "contract_id": contract, "po_number": po,
            "issue_date": issue, "due_date": due, "currency": currency, "amount": amount}


def line(tid: str, day: str, amount: str, narrative: str, direction: str = "C", currency: str = "USD") -> dict:
    return {"transaction_id": tid, "account_id": "ACC-USD-001", "booking_date": day, "value_date": day,
            "direction": direction, "amount": amount, "currency": currency, "narrative": narrative}


INVOICES = [
    inv("MFG-INV-000001", "C1", "1000.00", po="PO-4500000001"),
    inv("MFG-INV-000002", "C1", "2000.00", issue="2024-01-05", due="2024-02-04"),
    inv("MFG-INV-000003", "C1", "300.00", issue="2024-01-06", due="2024-02-05"),
    inv("SAS-INV-000010", "C3", "5000.00", contract="CNT-2024-002"),
    inv("SAS-INV-000011", "C2", "900.00", contract="CNT-2024-003", issue="2024-03-01", due="2024-03-31"),
    inv("LOG-INV-000020", "C2", "800.00", contract="CNT-2024-004", currency="EUR"),
    inv("LOG-INV-000021", "C6", "640.00", contract="CNT-2024-005"),
]


def test_reconcile_decides_outcomes_and_tracks_what_is_open() -> None:
    lines = [
        line("T01", "2024-02-01", "1000.00", "PAYMENT ALPHABRIDGE SOLUTIONS MFG-INV-000001"),
        line("T02", "2024-02-02", "1000.00", "PAYMENT ALPHABRIDGE SOLUTIONS MFGINV1"),  # a duplicate
        line("T03", "2024-02-03", "2300.00", "ALPHABRIDGE SOLUTIONS INVS MFG-INV-000002 MFG-INV-000003"),
        line("T04", "2024-02-04", "2000.00", "CICILAN KONTRAK CNT-2024-002"),  # instalment, contract only
        line("T05", "2024-02-05", "3000.00", "PELUNASAN KONTRAK CNT-2024-002"),  # settles the rest
        line("T06", "2024-02-06", "900.00", "PAYMENT SAS-INV-000011"),  # before the invoice is issued
        line("T07", "2024-02-07", "800.00", "PAYMENT LOG-INV-000020"),  # dollars for a euro invoice
        line("T08", "2024-02-08", "700.00", "TRSF E-BANKING CR 0504/FTSCY/WS95271 BRIDGE LAKE METALS BV"),  # name only
        line("T09", "2024-02-09", "55.00", "BANK CHARGES", direction="D"),
        line("T10", "2024-02-10", "12.00", "CREDIT INTEREST JAN 2024"),
    ]
    res = {r.transaction_id: r for r in reconcile(lines, INVOICES, CUSTOMERS)}
    got = {t: (r.outcome, [(i, money(a)) for i, a in r.allocations]) for t, r in res.items()}
    assert got == {
        "T01": ("AUTO_RECONCILED", [("MFG-INV-000001", "1000.00")]),
        "T02": ("REVIEW_REQUIRED", []),
        "T03": ("AUTO_RECONCILED", [("MFG-INV-000002", "2000.00"), ("MFG-INV-000003", "300.00")]),
        "T04": ("PARTIAL_PAYMENT", [("SAS-INV-000010", "2000.00")]),
        "T05": ("AUTO_RECONCILED", [("SAS-INV-000010", "3000.00")]),
        "T06": ("REVIEW_REQUIRED", [("SAS-INV-000011", "900.00")]),
        "T07": ("REVIEW_REQUIRED", [("LOG-INV-000020", "800.00")]),
        "T08": ("OVERPAYMENT", [("LOG-INV-000021", "640.00")]),
        "T09": ("NOT_RECEIVABLE", []),
        "T10": ("NOT_RECEIVABLE", []),
    }
    assert res["T01"].evidence == "easy" and res["T02"].evidence == "medium"
    assert res["T04"].evidence == "medium" and res["T08"].evidence == "hard"


def test_reconcile_parent_payment_and_mistyped_reference() -> None:
    lines = [
        line("T1", "2024-02-01", "5000.00", "ALPHABRIDGE SOLUTIONS INC SAS-INV-000010"),  # the parent pays
        line("T2", "2024-02-02", "1000.00", "PAYMENT MFG-INV-000100 ALPHABRIDGE SOLUTIONS"),  # 000001 mistyped
        line("T3", "2024-02-03", "2000.00", "PEMINDAHAN DARI 222 PO-4500009999"),  # unknown PO, known account
    ]
    res = {r.transaction_id: r for r in reconcile(lines, INVOICES, CUSTOMERS)}
    assert res["T1"].outcome == "REVIEW_REQUIRED" and res["T1"].allocations == [("SAS-INV-000010", 500000)]
    assert res["T2"].outcome == "AUTO_RECONCILED" and res["T2"].allocations == [("MFG-INV-000001", 100000)]
    assert res["T3"].outcome == "NOT_RECEIVABLE"  # C2 has nothing open of 2000.00 in dollars


def test_money_round_trip() -> None:
    assert money(cents("12031.51")) == "12031.51" and money(cents("7")) == "7.00" and cents("0.1") == 10


# -------------------------------------------------------------------------------------- policy

def result(outcome: str, evidence: str | None, amount: int, open_before: int, allocated: int) -> Result:
    return Result("T", outcome, [("X", allocated)] if allocated else [], evidence, amount, "USD", "2024-01-01",
                  open_before)


@pytest.mark.parametrize("r,usd,expected", [
    (result("NOT_RECEIVABLE", None, 100, 0, 0), 1.0, []),
    (result("AUTO_RECONCILED", "easy", 100, 100, 100), 1.0, ["reconcile", "update_erp"]),
    (result("AUTO_RECONCILED", "easy", 100, 100, 100), 60_000.0, ["approve", "reconcile", "update_erp"]),
    (result("AUTO_RECONCILED", "medium", 100, 100, 100), 1.0, ["approve", "reconcile", "update_erp"]),
    (result("PARTIAL_PAYMENT", "easy", 5000, 10000, 5000), 1.0, ["notify", "reconcile", "update_erp"]),
    (result("PARTIAL_PAYMENT", "easy", 9950, 10000, 9950), 1.0, ["reconcile", "update_erp"]),  # within 1%
    (result("OVERPAYMENT", "easy", 12000, 10000, 10000), 1.0, ["notify", "reconcile", "update_erp"]),
    (result("AUTO_RECONCILED", "hard", 100, 100, 100), 1.0, ["escalate"]),
    (result("REVIEW_REQUIRED", "easy", 100, 100, 100), 1.0, ["escalate"]),
])
def test_policy_applied_to_own_reconciliation(r: Result, usd: float, expected: list[str]) -> None:
    assert decide(r, Policy(), usd) == expected
