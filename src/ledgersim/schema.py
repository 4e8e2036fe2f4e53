"""The on-disk contract: every table, its columns and Arrow types, its keys.

Writers, the DuckDB builder and ``validate`` all read this one description,
so a column added here is written, constrained and checked everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

MONEY = pa.decimal128(18, 2)
"""Money is exact: decimal with two places, built from integer minor units."""

DATE = pa.date32()


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    area: str  # "tables" (observable) or "truth" (hidden)
    schema: pa.Schema
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    partitioned: bool = True  # a folder of part files, one per plan partition
    description: str = ""
    not_null: tuple[str, ...] = field(default=())

    @property
    def path(self) -> str:
        """Path of the table relative to the dataset root, without extension."""
        return f"{self.area}/{self.name}"


def _fk(cols: str, table: str, ref: str | None = None) -> ForeignKey:
    c = tuple(cols.split(","))
    return ForeignKey(c, table, tuple(ref.split(",")) if ref else c)


def _schema(*cols: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(n, t) for n, t in cols])


S, I32, I64, F64, B = pa.string(), pa.int32(), pa.int64(), pa.float64(), pa.bool_()

TABLES: tuple[Table, ...] = (
    Table(
        "products", "tables",
        _schema(("product_id", S), ("division", S), ("name", S), ("unit", S),
                ("list_price", MONEY), ("currency", S)),
        ("product_id",), partitioned=False,
        description="catalog per division (industry) with units and USD list prices",
    ),
    Table(
        "bank_accounts", "tables",
        _schema(("account_id", S), ("bank_name", S), ("bic", S), ("country", S),
                ("currency", S), ("iban", S), ("account_number", S)),
        ("account_id",), partitioned=False,
        description="the company's own accounts; every bank transaction is booked on one",
    ),
    Table(
        "fx_rates", "tables",
        _schema(("rate_date", DATE), ("currency", S), ("units_per_usd", F64)),
        ("rate_date", "currency"), partitioned=False,
        description="daily reference rate: units of currency per 1 USD",
    ),
    Table(
        "customers", "tables",
        _schema(("customer_id", S), ("legal_name", S), ("country", S), ("industry", S),
                ("segment", S), ("parent_customer_id", S), ("tax_id", S), ("tax_id_type", S),
                ("currency", S), ("bank_name", S), ("bank_account", S), ("bic", S)),
        ("customer_id",), (_fk("parent_customer_id", "customers", "customer_id"),),
    ),
    Table(
        "contracts", "tables",
        _schema(("contract_id", S), ("customer_id", S), ("division", S), ("billing_schedule", S),
                ("currency", S), ("payment_terms_days", I32), ("start_date", DATE),
                ("end_date", DATE), ("po_policy", S)),
        ("contract_id",), (_fk("customer_id", "customers"),),
    ),
    Table(
        "contract_lines", "tables",
        _schema(("contract_id", S), ("line_no", I32), ("product_id", S), ("quantity", F64),
                ("unit_price", MONEY)),
        ("contract_id", "line_no"), (_fk("contract_id", "contracts"), _fk("product_id", "products")),
    ),
    Table(
        "contract_milestones", "tables",
        _schema(("contract_id", S), ("milestone_no", I32), ("name", S), ("due_date", DATE),
                ("percent", F64)),
        ("contract_id", "milestone_no"), (_fk("contract_id", "contracts"),),
    ),
    Table(
        "purchase_orders", "tables",
        _schema(("po_number", S), ("customer_id", S), ("contract_id", S), ("po_type", S),
                ("po_date", DATE), ("currency", S), ("amount", MONEY)),
        ("po_number",), (_fk("customer_id", "customers"), _fk("contract_id", "contracts")),
    ),
    Table(
        "invoices", "tables",
        _schema(("invoice_number", S), ("contract_id", S), ("customer_id", S), ("po_number", S),
                ("issue_date", DATE), ("due_date", DATE), ("currency", S), ("net_amount", MONEY),
                ("tax_rate", F64), ("tax_amount", MONEY), ("amount", MONEY)),
        ("invoice_number",),
        (_fk("contract_id", "contracts"), _fk("customer_id", "customers"),
         _fk("po_number", "purchase_orders")),
    ),
    Table(
        "invoice_lines", "tables",
        _schema(("invoice_number", S), ("line_no", I32), ("product_id", S), ("description", S),
                ("quantity", F64), ("unit_price", MONEY), ("line_amount", MONEY)),
        ("invoice_number", "line_no"),
        (_fk("invoice_number", "invoices"), _fk("product_id", "products")),
    ),
    Table(
        "bank_transactions", "tables",
        _schema(("transaction_id", S), ("account_id", S), ("booking_date", DATE),
                ("value_date", DATE), ("direction", S), ("amount", MONEY), ("currency", S),
                ("narrative", S)),
        ("transaction_id",), (_fk("account_id", "bank_accounts"),),
        description="what the bank shows: one statement line per row",
    ),
    Table(
        "customer_profiles", "truth",
        _schema(("customer_id", S), ("profile", S), ("mean_delay_days", F64),
                ("home_currency_share", F64), ("confusable_with", S)),
        ("customer_id",), (_fk("customer_id", "customers"), _fk("confusable_with", "customers", "customer_id")),
        description="hidden payment behaviour of each customer, and whose name it was made to resemble",
    ),
    Table(
        "transaction_truth", "truth",
        _schema(("transaction_id", S), ("kind", S), ("customer_id", S), ("payer_customer_id", S),
                ("contract_id", S), ("outcome", S), ("pattern", S), ("is_partial", B),
                ("is_prepayment", B), ("invoice_count", I32), ("invoice_currency", S),
                ("fx_rate", F64), ("amount_invoice_currency", MONEY), ("allocated_amount", MONEY),
                ("unapplied_amount", MONEY), ("days_late", I32), ("locale", S), ("template_id", S),
                ("difficulty", S)),
        ("transaction_id",),
        (_fk("transaction_id", "bank_transactions"), _fk("customer_id", "customers"),
         _fk("payer_customer_id", "customers", "customer_id"), _fk("contract_id", "contracts")),
        description="one row per bank transaction: what it really is",
    ),
    Table(
        "allocations", "truth",
        _schema(("transaction_id", S), ("invoice_number", S), ("amount", MONEY)),
        ("transaction_id", "invoice_number"),
        (_fk("transaction_id", "bank_transactions"), _fk("invoice_number", "invoices")),
        description="which invoices each transaction settles, in invoice currency",
    ),
    Table(
        "invoice_status", "truth",
        _schema(("invoice_number", S), ("status", S), ("settlement_plan", S), ("amount_paid", MONEY),
                ("amount_open", MONEY), ("last_payment_date", DATE)),
        ("invoice_number",), (_fk("invoice_number", "invoices"),),
        description="each invoice at the end of the period",
    ),
    Table(
        "mentions", "truth",
        _schema(("transaction_id", S), ("start", I32), ("end", I32), ("label", S), ("surface", S),
                ("entity_id", S), ("variant", S)),
        ("transaction_id", "start"), (_fk("transaction_id", "bank_transactions"),),
        description="entity mentions in narratives, character offsets, end exclusive",
    ),
    Table(
        "aliases", "truth",
        _schema(("customer_id", S), ("alias", S), ("variant", S), ("mentions", I64)),
        ("customer_id", "alias", "variant"), (_fk("customer_id", "customers"),),
        description="every surface form used for a customer in narratives, with how it was made",
    ),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

NER_LABELS = ("PAYMENT_TYPE", "COMPANY", "INVOICE", "CONTRACT", "PURCHASE_ORDER")
OUTCOMES = ("AUTO_RECONCILED", "PARTIAL_PAYMENT", "OVERPAYMENT", "REVIEW_REQUIRED", "NOT_RECEIVABLE")
ACTIONS = ("approve", "escalate", "notify", "reconcile", "update_erp")


def table(name: str) -> Table:
    return BY_NAME[name]
