"""UBL 2.1 invoices in the Peppol BIS Billing 3.0 profile, one XML document per invoice.

Each document carries the Peppol customisation and profile ids, the seller and buyer with
electronic addresses (``EndpointID@schemeID`` from the EAS code list), the PO as
``OrderReference`` (or the contract as ``BuyerReference`` when there is no PO, as Peppol
needs one of the two), the contract as ``ContractDocumentReference``, payment means with
the company's account in the invoice currency and the invoice number as payment id, a tax
total with one VAT breakdown, monetary totals that add up, and the lines.

The seller is the company's local entity in the buyer's country: invoices carry that
country's VAT/GST rate. Its name and town are fixed below; its tax id is made like the
customers' (valid check digits) from the dataset's seed.

Element order follows the UBL 2.1 schema; the whole document is built column-wise and only
the file writes loop per invoice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ledgersim.io.formats import text as tx
from ledgersim.io.formats.statements import FormatError, prepare_output
from ledgersim.rng import rng
from ledgersim.world.identity import tax_ids

INDEX_FILE = "invoices.parquet"
CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE_TYPE = "380"  # commercial invoice
CREDIT_TRANSFER = "30"
NAMESPACES = ('xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
              'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
              'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"')
# The company's selling entity per buyer country: legal name, town, postcode.
SELLERS: dict[str, tuple[str, str, str]] = {
    "DE": ("Ledgersim Demo GmbH", "Frankfurt am Main", "60311"),
    "NL": ("Ledgersim Demo B.V.", "Amsterdam", "1012 AB"),
    "GB": ("Ledgersim Demo Ltd", "London", "EC2V 7HH"),
    "US": ("Ledgersim Demo Inc.", "New York", "10005"),
    "ID": ("PT Ledgersim Demo Indonesia", "Jakarta", "10220"),
    "SG": ("Ledgersim Demo Pte. Ltd.", "Singapore", "018989"),
}
SELLER_INDEX = 2_999_999  # tax-id body index no customer uses (customers count from 0)
# Electronic address scheme (EAS) per tax id type. Indonesia has no Peppol scheme: its parties
# are addressed by a GS1 GLN (0088) under Indonesia's GS1 prefix 899.
EAS = {"de_vat": "9930", "gb_vat": "9932", "nl_vat": "9944", "sg_uen": "0195", "us_ein": "9959",
       "id_npwp": "0088"}
VAT_ID_TYPES = ("de_vat", "gb_vat", "nl_vat")
GLN_PREFIX = "899"
# Product units as UN/ECE Recommendation 20 codes (21 package codes with an X prefix).
UNIT_CODES = {"EA": "EA", "KG": "KGM", "HR": "HUR", "DAY": "DAY", "MONTH": "MON", "M": "MTR", "SET": "SET",
              "BOX": "XBX", "CASE": "XCS", "TIN": "XTN", "PALLET": "XPX", "BAG": "XBG", "DRUM": "XDR",
              "BUNDLE": "XBE", "PARCEL": "XPC"}
DEFAULT_UNIT = "C62"  # one (a seat-month, a pallet-month, a shipment)
NOT_SUBJECT = "Not subject to VAT"


def _read(root: Path, name: str, columns: list[str]) -> pa.Table:
    path = root / "tables" / name
    if path.is_dir():
        return ds.dataset(path, format="parquet").to_table(columns=columns)
    return pq.read_table(path.with_suffix(".parquet"), columns=columns)


def _compact(ids: pa.Array) -> pa.Array:
    return pc.utf8_upper(pc.replace_substring_regex(tx.strings(ids).fill_null(""), r"[ .\-]", ""))


def gln(digits9: np.ndarray) -> np.ndarray:
    """13-digit GLNs: GS1 prefix 899 + 9 digits + the GS1 mod-10 check digit."""
    body = np.char.add(GLN_PREFIX, np.asarray(digits9, dtype=str))
    d = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(len(body), 12).astype(np.int64) - 48
    weights = np.where(np.arange(12) % 2 == 1, 3, 1)  # from the right: 3, 1, 3, ... on 12 digits
    check = (10 - (d * weights).sum(axis=1) % 10) % 10
    return np.char.add(body, check.astype(str))


def endpoints(tax_id: pa.Array, id_type: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(EndpointID, schemeID) per party from its tax id."""
    compact = _compact(tax_id)
    kind = np.asarray(tx.strings(id_type).fill_null("").to_numpy(zero_copy_only=False)).astype(str)
    unknown = sorted(set(kind) - set(EAS))
    if unknown:
        raise FormatError(f"tax id type {unknown[0]!r} has no Peppol electronic address scheme; "
                          f"known: {', '.join(EAS)}")
    digits = pc.replace_substring_regex(compact, "[^0-9]", "")
    value = pc.if_else(pa.array(kind == "sg_uen"), tx.cat("SGUEN", compact),
                       pc.if_else(pa.array(kind == "us_ein"), digits, compact))
    is_id = kind == "id_npwp"
    if is_id.any():
        nine = np.asarray(pc.utf8_rpad(pc.utf8_slice_codeunits(digits, 0, 9), 9, padding="0")
                          .to_numpy(zero_copy_only=False)).astype(str)
        value = pc.if_else(pa.array(is_id), pa.array(np.where(is_id, gln(np.where(is_id, nine, "0" * 9)), "")), value)
    scheme = pa.array(np.array([EAS[k] for k in kind], dtype=object) if len(kind) else [], pa.string())
    return value, scheme


def _party(name: pa.Array, endpoint: pa.Array, scheme: pa.Array, country: pa.Array, *,
           ident: pa.Array | None = None, city: pa.Array | None = None, postcode: pa.Array | None = None,
           vat_id: pa.Array | None = None, company_id: pa.Array | None = None) -> pa.Array:
    """``cac:Party`` blocks in schema order (EndpointID, PartyIdentification, PartyName,
    PostalAddress, PartyTaxScheme, PartyLegalEntity); ``None`` or empty values are left out."""
    i4, i6, i8 = " " * 4, " " * 6, " " * 8
    n = len(name)

    def opt(values: pa.Array | None, build: Any) -> pa.Array | str:
        if values is None:
            return ""
        v = tx.strings(values).fill_null("")
        return tx.when(pc.greater(pc.utf8_length(v), 0), build(tx.xml_text(v)))

    name_x = tx.xml_text(name)
    parts = [
        i4, "<cac:Party>\n",
        i6, '<cbc:EndpointID schemeID="', scheme, '">', tx.xml_text(endpoint), "</cbc:EndpointID>\n",
        opt(ident, lambda v: tx.cat(i6, "<cac:PartyIdentification><cbc:ID>", v,
                                    "</cbc:ID></cac:PartyIdentification>\n")),
        i6, "<cac:PartyName><cbc:Name>", name_x, "</cbc:Name></cac:PartyName>\n",
        i6, "<cac:PostalAddress>\n",
        opt(city, lambda v: tx.cat(i8, "<cbc:CityName>", v, "</cbc:CityName>\n")),
        opt(postcode, lambda v: tx.cat(i8, "<cbc:PostalZone>", v, "</cbc:PostalZone>\n")),
        i8, "<cac:Country><cbc:IdentificationCode>", country, "</cbc:IdentificationCode></cac:Country>\n",
        i6, "</cac:PostalAddress>\n",
        opt(vat_id, lambda v: tx.cat(i6, "<cac:PartyTaxScheme><cbc:CompanyID>", v,
                                     "</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>"
                                     "</cac:PartyTaxScheme>\n")),
        i6, "<cac:PartyLegalEntity><cbc:RegistrationName>", name_x, "</cbc:RegistrationName>",
        opt(company_id, lambda v: tx.cat("<cbc:CompanyID>", v, "</cbc:CompanyID>")),
        "</cac:PartyLegalEntity>\n",
        i4, "</cac:Party>\n",
    ]
    if n == 0:
        return pa.array([], pa.string())
    return tx.cat(*[p if isinstance(p, str) else p for p in parts])


def sellers(seed: int) -> pa.Table:
    """The selling entity per country with a valid tax id made from the dataset's seed."""
    rows: dict[str, list[str]] = {k: [] for k in ("country", "name", "city", "postcode", "tax_id", "tax_id_type")}
    gen = rng(seed, "ubl_seller")
    for country, (name, city, postcode) in SELLERS.items():
        ids, kind = tax_ids(country, gen, 1, index=np.array([SELLER_INDEX]))
        for key, value in zip(rows, (country, name, city, postcode, str(ids[0]), kind), strict=True):
            rows[key].append(value)
    return pa.table(rows)


def _seller_blocks(seed: int) -> tuple[pa.Array, pa.Array]:
    """``AccountingSupplierParty`` XML per seller country and the countries, same order."""
    s = sellers(seed)
    endpoint, scheme = endpoints(s["tax_id"], s["tax_id_type"])
    compact = _compact(s["tax_id"])
    # A VAT/GST registration needs the ISO country prefix; the US entity charges no VAT.
    prefixed = pc.if_else(pc.match_substring_regex(compact, "^(DE|GB|NL)"), compact, tx.cat(s["country"], compact))
    vat = pc.if_else(pc.equal(s["country"], "US"), pa.scalar("", pa.string()), prefixed)
    legal = pc.if_else(pc.equal(s["country"], "US"), tx.strings(s["tax_id"]), pa.scalar("", pa.string()))
    party = _party(s["name"], endpoint, scheme, s["country"], city=s["city"], postcode=s["postcode"],
                   vat_id=vat, company_id=legal)
    block = tx.cat("  <cac:AccountingSupplierParty>\n", party, "  </cac:AccountingSupplierParty>\n")
    return block, s["country"]


def _buyer_blocks(customers: pa.Table) -> pa.Array:
    """``AccountingCustomerParty`` XML per customer."""
    endpoint, scheme = endpoints(customers["tax_id"], customers["tax_id_type"])
    is_vat = pc.is_in(tx.strings(customers["tax_id_type"]).fill_null(""), value_set=pa.array(VAT_ID_TYPES))
    vat = pc.if_else(is_vat, _compact(customers["tax_id"]), pa.scalar("", pa.string()))
    legal = pc.if_else(is_vat, pa.scalar("", pa.string()), tx.strings(customers["tax_id"]).fill_null(""))
    party = _party(customers["legal_name"], endpoint, scheme, customers["country"],
                   ident=customers["customer_id"], vat_id=vat, company_id=legal)
    return tx.cat("  <cac:AccountingCustomerParty>\n", party, "  </cac:AccountingCustomerParty>\n")


def _lookup(keys: pa.Array | pa.ChunkedArray, table_keys: pa.Array | pa.ChunkedArray, what: str) -> pa.Array:
    pos = pc.index_in(keys, value_set=table_keys)
    if pos.null_count:
        missing = pc.filter(keys, pc.is_null(pos))[0]
        raise FormatError(f"{what} {missing} is referenced but missing from the dataset; "
                          "run 'ledgersim validate DIR' to see what is broken")
    return pos


BATCH = 10_000  # invoices rendered at a time: bounds the memory the documents take


def render(root: Path, seed: int, batch: int = BATCH) -> Iterator[tuple[pa.Table, pa.Array]]:
    """Batches of (index rows, UBL documents) for the invoices sorted by number."""
    inv = _read(root, "invoices", ["invoice_number", "contract_id", "customer_id", "po_number", "issue_date",
                                   "due_date", "currency", "net_amount", "tax_rate", "tax_amount", "amount"])
    inv = inv.sort_by([("invoice_number", "ascending")])
    lines = _read(root, "invoice_lines", ["invoice_number", "line_no", "product_id", "description", "quantity",
                                          "unit_price", "line_amount"])
    lines = lines.sort_by([("invoice_number", "ascending"), ("line_no", "ascending")])
    customers = _read(root, "customers", ["customer_id", "legal_name", "country", "tax_id", "tax_id_type"])
    contracts = _read(root, "contracts", ["contract_id", "payment_terms_days"])
    products = _read(root, "products", ["product_id", "unit"])
    accounts = _read(root, "bank_accounts", ["currency", "iban", "account_number", "bic"])

    inv_no = np.asarray(inv["invoice_number"].to_numpy(zero_copy_only=False)).astype(str)
    line_inv = np.asarray(lines["invoice_number"].to_numpy(zero_copy_only=False)).astype(str)
    offsets = np.searchsorted(line_inv, inv_no, side="left")
    offsets = np.append(offsets, len(line_inv)).astype(np.int64)
    counts = np.diff(offsets)
    if len(inv_no) and (counts.min() < 1 or offsets[-1] != len(line_inv)
                        or not np.array_equal(np.repeat(inv_no, counts), line_inv)):
        raise FormatError("invoice_lines do not match invoices (an invoice without lines, or lines of an "
                          "unknown invoice); run 'ledgersim validate DIR'")
    unit_codes = pa.array([UNIT_CODES.get(u, DEFAULT_UNIT) for u in products["unit"].to_pylist()], pa.string())
    unit_code = unit_codes.take(_lookup(lines["product_id"], products["product_id"], "product"))
    lines = lines.append_column("unit_code", unit_code)
    shared = _Shared(_buyer_blocks(customers), customers, contracts, accounts, *_seller_blocks(seed))
    for lo in range(0, len(inv_no), batch):
        hi = min(lo + batch, len(inv_no))
        yield _render(inv.slice(lo, hi - lo), lines.slice(offsets[lo], offsets[hi] - offsets[lo]),
                      offsets[lo:hi + 1] - offsets[lo], shared)


@dataclass(frozen=True)
class _Shared:
    """What every batch looks up: parties, contracts, the company's accounts."""

    buyers: pa.Array  # AccountingCustomerParty per customer
    customers: pa.Table
    contracts: pa.Table
    accounts: pa.Table
    seller_block: pa.Array
    seller_country: pa.Array


def _render(inv: pa.Table, lines: pa.Table, offsets: np.ndarray, shared: _Shared) -> tuple[pa.Table, pa.Array]:
    """(index rows, one UBL document per invoice) for one batch of invoices and their lines."""
    counts = np.diff(offsets)
    inv_no = inv["invoice_number"]
    customers, contracts, accounts = shared.customers, shared.contracts, shared.accounts

    # --- lines
    ccy_of_line = tx.strings(inv["currency"]).take(pa.array(np.repeat(np.arange(len(inv_no)), counts)))
    unit_code = lines["unit_code"]
    rate = np.asarray(inv["tax_rate"].to_numpy(zero_copy_only=False), dtype=np.float64)
    percent = tx.decimals_text(np.round(rate * 100, 4))
    taxed = rate > 0
    category = tx.cat(
        "<cbc:ID>", pa.array(np.where(taxed, "S", "O"), pa.string()), "</cbc:ID>",
        tx.when(taxed, tx.cat("<cbc:Percent>", percent, "</cbc:Percent>"),
                f"<cbc:TaxExemptionReason>{NOT_SUBJECT}</cbc:TaxExemptionReason>"),
        "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>")
    line_category = category.take(pa.array(np.repeat(np.arange(len(inv_no)), counts)))
    # A line's ClassifiedTaxCategory has no exemption reason (only the breakdown has).
    line_category = pc.replace_substring_regex(
        line_category, "<cbc:TaxExemptionReason>[^<]*</cbc:TaxExemptionReason>", "")
    i4, i6 = " " * 4, " " * 6
    line_xml = tx.cat(
        "  <cac:InvoiceLine>\n",
        i4, "<cbc:ID>", lines["line_no"].cast(pa.string()), "</cbc:ID>\n",
        i4, '<cbc:InvoicedQuantity unitCode="', unit_code, '">',
        tx.decimals_text(lines["quantity"].to_numpy(zero_copy_only=False)), "</cbc:InvoicedQuantity>\n",
        i4, '<cbc:LineExtensionAmount currencyID="', ccy_of_line, '">', lines["line_amount"].cast(pa.string()),
        "</cbc:LineExtensionAmount>\n",
        i4, "<cac:Item>\n",
        i6, "<cbc:Name>", tx.xml_text(lines["description"]), "</cbc:Name>\n",
        i6, "<cac:SellersItemIdentification><cbc:ID>", tx.xml_text(lines["product_id"]),
        "</cbc:ID></cac:SellersItemIdentification>\n",
        i6, "<cac:ClassifiedTaxCategory>", line_category, "</cac:ClassifiedTaxCategory>\n",
        i4, "</cac:Item>\n",
        i4, '<cac:Price><cbc:PriceAmount currencyID="', ccy_of_line, '">', lines["unit_price"].cast(pa.string()),
        "</cbc:PriceAmount></cac:Price>\n",
        "  </cac:InvoiceLine>\n",
    )
    line_blocks = tx.join_groups(line_xml, offsets, "")

    # --- parties, payment, totals
    cust_pos = _lookup(inv["customer_id"], customers["customer_id"], "customer")
    buyer = shared.buyers.take(cust_pos)
    seller_block, seller_country = shared.seller_block, shared.seller_country
    country = tx.strings(customers["country"]).take(cust_pos)
    seller_pos = pc.index_in(country, value_set=seller_country)
    if seller_pos.null_count:
        missing = pc.filter(country, pc.is_null(seller_pos))[0]
        raise FormatError(f"no selling entity for customer country {missing}; known: {', '.join(SELLERS)}")
    seller = seller_block.take(seller_pos)
    terms = contracts["payment_terms_days"].take(_lookup(inv["contract_id"], contracts["contract_id"], "contract"))

    acc_pos = pc.index_in(inv["currency"], value_set=accounts["currency"])
    has_acc = pc.is_valid(acc_pos)
    acc_take = pc.fill_null(acc_pos, 0)
    acc_id = pc.coalesce(accounts["iban"].take(acc_take), accounts["account_number"].take(acc_take))
    bic = tx.strings(accounts["bic"].take(acc_take)).fill_null("")
    payee = tx.when(has_acc, tx.cat(
        i4, "<cac:PayeeFinancialAccount><cbc:ID>", tx.xml_text(acc_id), "</cbc:ID>",
        tx.when(pc.greater(pc.utf8_length(bic), 0),
                tx.cat("<cac:FinancialInstitutionBranch><cbc:ID>", bic, "</cbc:ID></cac:FinancialInstitutionBranch>")),
        "</cac:PayeeFinancialAccount>\n"))
    means = pc.if_else(has_acc, pa.scalar(CREDIT_TRANSFER, pa.string()), pa.scalar("ZZZ", pa.string()))

    ccy = tx.strings(inv["currency"])
    number = tx.xml_text(inv["invoice_number"])
    po = tx.strings(inv["po_number"]).fill_null("")
    has_po = pc.greater(pc.utf8_length(po), 0)
    contract = tx.xml_text(inv["contract_id"])
    net, tax, gross = (inv[c].cast(pa.string()) for c in ("net_amount", "tax_amount", "amount"))

    def money(tag: str, value: pa.Array, indent: str = i4) -> pa.Array:
        return tx.cat(indent, "<cbc:", tag, ' currencyID="', ccy, '">', value, "</cbc:", tag, ">\n")

    doc = tx.cat(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f"<Invoice {NAMESPACES}>\n",
        f"  <cbc:CustomizationID>{CUSTOMIZATION_ID}</cbc:CustomizationID>\n",
        f"  <cbc:ProfileID>{PROFILE_ID}</cbc:ProfileID>\n",
        "  <cbc:ID>", number, "</cbc:ID>\n",
        "  <cbc:IssueDate>", tx.dates(inv["issue_date"].to_numpy(), "%Y-%m-%d"), "</cbc:IssueDate>\n",
        "  <cbc:DueDate>", tx.dates(inv["due_date"].to_numpy(), "%Y-%m-%d"), "</cbc:DueDate>\n",
        f"  <cbc:InvoiceTypeCode>{INVOICE_TYPE}</cbc:InvoiceTypeCode>\n",
        "  <cbc:DocumentCurrencyCode>", ccy, "</cbc:DocumentCurrencyCode>\n",
        tx.when(pc.invert(has_po), tx.cat("  <cbc:BuyerReference>", contract, "</cbc:BuyerReference>\n")),
        tx.when(has_po, tx.cat("  <cac:OrderReference><cbc:ID>", tx.xml_text(po), "</cbc:ID></cac:OrderReference>\n")),
        "  <cac:ContractDocumentReference><cbc:ID>", contract, "</cbc:ID></cac:ContractDocumentReference>\n",
        seller,
        buyer,
        "  <cac:PaymentMeans>\n",
        i4, "<cbc:PaymentMeansCode>", means, "</cbc:PaymentMeansCode>\n",
        i4, "<cbc:PaymentID>", number, "</cbc:PaymentID>\n",
        payee,
        "  </cac:PaymentMeans>\n",
        "  <cac:PaymentTerms><cbc:Note>Payment within ", terms.cast(pa.string()),
        " days of the invoice date</cbc:Note></cac:PaymentTerms>\n",
        "  <cac:TaxTotal>\n",
        money("TaxAmount", tax),
        i4, "<cac:TaxSubtotal>\n",
        money("TaxableAmount", net, i6),
        money("TaxAmount", tax, i6),
        i6, "<cac:TaxCategory>", category, "</cac:TaxCategory>\n",
        i4, "</cac:TaxSubtotal>\n",
        "  </cac:TaxTotal>\n",
        "  <cac:LegalMonetaryTotal>\n",
        money("LineExtensionAmount", net),
        money("TaxExclusiveAmount", net),
        money("TaxInclusiveAmount", gross),
        money("PayableAmount", gross),
        "  </cac:LegalMonetaryTotal>\n",
        line_blocks,
        "</Invoice>\n",
    )
    index = pa.table({
        "invoice_number": inv["invoice_number"],
        "customer_id": inv["customer_id"],
        "issue_date": inv["issue_date"],
        "currency": inv["currency"],
        "payable_amount": inv["amount"],
        "lines": pa.array(counts, pa.int32()),
    })
    return index, doc


def write(root: Path, out: Path, manifest: dict, *, overwrite: bool = False) -> pa.Table:
    """Write ``OUT/<YYYY-MM of issue>/<invoice_number>.xml`` per invoice and, last,
    ``OUT/invoices.parquet``; returns that index."""
    batches = render(root, int(manifest["seed"]))
    prepare_output(out, overwrite, INDEX_FILE, root)
    parts = []
    made: set[str] = set()
    for index, docs in batches:
        rel = tx.cat(tx.dates(index["issue_date"].to_numpy(), "%Y-%m"), "/", index["invoice_number"], ".xml")
        paths = rel.to_pylist()
        for d in sorted({p.split("/")[0] for p in paths} - made):
            (out / d).mkdir(parents=True, exist_ok=True)
            made.add(d)
        # One file per invoice: the documents are built column-wise; only the writes loop.
        for p, doc in zip(paths, docs.to_pylist(), strict=True):
            (out / p).write_bytes(doc.encode("utf-8"))
        parts.append(index.append_column("file", rel))
    table = pa.concat_tables(parts) if parts else pa.table({"invoice_number": pa.array([], pa.string())})
    pq.write_table(table, out / INDEX_FILE, compression="zstd")
    return table
