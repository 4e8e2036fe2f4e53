"""``ledgersim validate`` catches every kind of damage, one rule at a time.

Each test copies the shared tiny dataset, damages it in one precise way and checks that
validate fails exactly the targeted rule and names the table and the key. Business-rule
corruptions rewrite the manifest entry (sha256, bytes, rows) of every file they touch, so
the file-integrity rule stays quiet and only the business rule speaks.

``ledger.duckdb`` is built from the Parquet files and validate compares the two, so any
change to Parquet data also (correctly) fails the ledger.duckdb content rule for the tables
touched; the tests expect that rule too and check it names exactly those tables.

Targets (which invoice, which transaction) are picked by querying the copied Parquet files,
so the tests do not depend on the exact ids the generator happens to produce.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ledgersim
from ledgersim.validate import Report, validate

ONE = Decimal("1.00")
FILES_RULE = ("files", "sha256")
DUCKDB_RULE = ("ledger.duckdb", "same rows as its Parquet files")

PRIMARY_KEYS = {"invoices": ("invoice_number",), "invoice_lines": ("invoice_number", "line_no"),
                "customers": ("customer_id",), "bank_transactions": ("transaction_id",),
                "transaction_truth": ("transaction_id",)}

Rule = tuple[str, str]  # (table, a fragment of the rule text)
Row = dict[str, Any]


# --------------------------------------------------------------------------- helpers


def dataset_root(path: Path) -> Path:
    return next(p for p in path.parents if (p / "manifest.json").is_file())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(root: Path) -> dict[str, Any]:
    return json.loads((root / "manifest.json").read_text("utf-8"))


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")


def rewrite(path: Path, fn: Callable[[list[Row]], list[Row] | None]) -> None:
    """Apply ``fn`` to the rows of one Parquet file (a list of dicts; ``fn`` may edit it in
    place or return a new list), write it back with the same Arrow schema and record the new
    sha256, bytes and rows in the manifest, as a generator would have."""
    table = pq.read_table(path)
    rows = table.to_pylist()
    result = fn(rows)
    out = pa.Table.from_pylist(rows if result is None else result, schema=table.schema)
    pq.write_table(out, path, compression="zstd")
    assert pq.read_schema(path) == table.schema  # decimal128(18,2) money and date32 dates kept
    root = dataset_root(path)
    manifest = read_manifest(root)
    entry = next(f for f in manifest["files"] if root / f["path"] == path)
    entry.update(sha256=sha256(path), bytes=path.stat().st_size, rows=out.num_rows)
    write_manifest(root, manifest)


def part_files(root: Path, table: str) -> list[Path]:
    """The Parquet files of a table: ``<area>/<table>.parquet`` or ``<area>/<table>/part-*.parquet``."""
    return sorted([*root.glob(f"*/{table}.parquet"), *root.glob(f"*/{table}/*.parquet")])


def update(root: Path, table: str, where: Row, **changes: Any) -> None:
    """Set ``changes`` (values, or functions of the row) on the one row of ``table`` matching ``where``."""
    hits = 0
    for path in part_files(root, table):
        if not any(all(r[k] == v for k, v in where.items()) for r in pq.read_table(path).to_pylist()):
            continue

        def edit(rows: list[Row]) -> None:
            nonlocal hits
            for r in rows:
                if all(r[k] == v for k, v in where.items()):
                    hits += 1
                    r.update({c: v(r) if callable(v) else v for c, v in changes.items()})

        rewrite(path, edit)
    assert hits == 1, f"{table} {where}: {hits} rows matched, expected 1"


def query(root: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run SQL over the dataset's Parquet files, one view per table."""
    con = duckdb.connect()
    try:
        for area in ("tables", "truth"):
            for p in (root / area).iterdir():
                src = p / "*.parquet" if p.is_dir() else p
                con.execute(f"CREATE VIEW {p.name.removesuffix('.parquet')} AS SELECT * FROM read_parquet('{src}')")
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def one(root: Path, sql: str, *params: Any) -> tuple[Any, ...]:
    rows = query(root, sql + " LIMIT 1", *params)
    assert rows, f"no row for the corruption: {sql}"
    return rows[0]


def failed(report: Report) -> list[str]:
    return [rule for rule, n in report.checks if n]


def check(report: Report, expected: set[Rule], table: str, key: str) -> None:
    """The failing checks are exactly ``expected`` (each given as table and a fragment of the
    rule text); a violation of a failing rule of ``table`` names ``key``; the text names every
    failing table and rule."""
    assert not report.ok
    fails = failed(report)
    text = report.text()
    for t, fragment in expected:
        hits = [f for f in fails if f.startswith(f"{t}: ") and fragment in f]
        assert len(hits) == 1, f"expected one failing {t!r} rule containing {fragment!r}; failing: {fails}\n{text}"
    unexpected = [f for f in fails if not any(f.startswith(f"{t}: ") and fr in f for t, fr in expected)]
    assert not unexpected, f"rules failed that should hold: {unexpected}\n{text}"
    assert text.splitlines()[-1] == "INVALID"
    for f in fails:
        assert f"FAIL {f}:" in text
    rules = [r.split(": ", 1)[1] for r in fails if r.startswith(f"{table}: ")]
    named = [v for v in report.violations if v.table == table and key in v.key and v.rule in rules]
    assert named, f"no violation of {table} names {key!r}:\n{text}"
    v = named[0]
    assert f"  {v.table} [{v.key}]: {v.rule}" in text


def duckdb_differs(report: Report) -> set[str]:
    return {v.key for v in report.violations if v.table == "ledger.duckdb"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    src = str(Path(ledgersim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}
    return subprocess.run([sys.executable, "-m", "ledgersim.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def ds(tiny_dataset: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny dataset, free to damage."""
    return Path(shutil.copytree(tiny_dataset, tmp_path / "ds"))


# --------------------------------------------------------------------------- completeness and integrity


def test_clean_dataset_is_ok(ds: Path) -> None:
    report = validate(ds)
    assert report.ok, report.text()
    assert report.checks and not failed(report) and not report.violations
    assert report.rows["bank_transactions"] > 0
    r = cli("validate", str(ds))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "OK"
    assert "0 failed" in r.stdout


def test_missing_manifest_is_an_incomplete_dataset(ds: Path) -> None:
    (ds / "manifest.json").unlink()
    report = validate(ds)
    assert report.incomplete and not report.ok
    assert "incomplete dataset" in report.text()
    r = cli("validate", str(ds))
    assert r.returncode != 0
    assert "incomplete dataset" in r.stdout
    assert "Traceback" not in r.stderr


def test_changed_parquet_bytes_fail_the_sha256_rule(ds: Path) -> None:
    # same rows, different bytes (another codec): only the manifest check can notice
    path = ds / "tables/invoices/part-00000.parquet"
    pq.write_table(pq.read_table(path), path, compression="snappy")
    report = validate(ds)
    check(report, {FILES_RULE}, "files", "tables/invoices/part-00000.parquet")
    assert [v.key for v in report.violations] == ["tables/invoices/part-00000.parquet (sha256 differs)"]
    r = cli("validate", str(ds))
    assert r.returncode == 1
    assert "FAIL files: every file matches its sha256 in the manifest" in r.stdout
    assert "tables/invoices/part-00000.parquet" in r.stdout


def test_changed_parquet_data_without_manifest_update(ds: Path) -> None:
    path = ds / "tables/invoice_lines/part-00000.parquet"
    invoice = pq.read_table(path).to_pylist()[0]["invoice_number"]
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["line_amount"] += ONE
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path, compression="zstd")
    report = validate(ds)
    check(report, {FILES_RULE, ("invoices", "sum of its lines"), DUCKDB_RULE}, "invoices", invoice)
    assert any(v.key == "tables/invoice_lines/part-00000.parquet (sha256 differs)" for v in report.violations)


def test_missing_part_file(ds: Path) -> None:
    (ds / "truth/mentions/part-00001.parquet").unlink()
    report = validate(ds)
    check(report, {FILES_RULE, DUCKDB_RULE}, "files", "truth/mentions/part-00001.parquet (missing)")
    assert duckdb_differs(report) == {"mentions"}


def test_missing_table(ds: Path) -> None:
    (ds / "tables/products.parquet").unlink()
    report = validate(ds)
    check(report, {FILES_RULE, ("tables", "every table has its Parquet files")}, "tables", "products")
    assert [v.key for v in report.violations if v.table == "tables"] == ["products"]


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize("table, key", [
    ("customers", "customer_id"),
    ("fx_rates", "rate_date, currency"),
    ("mentions", "transaction_id, start"),
])
def test_duplicate_primary_key(ds: Path, table: str, key: str) -> None:
    path = part_files(ds, table)[0]
    first = pq.read_table(path).to_pylist()[0]
    rewrite(path, lambda rows: rows + [dict(rows[0])])
    report = validate(ds)
    shown = "/".join(str(first[c]) for c in key.split(", "))
    check(report, {(table, f"primary key ({key}) is unique"), DUCKDB_RULE}, table, shown)
    assert duckdb_differs(report) == {table}
    assert dict(report.checks)[f"{table}: primary key ({key}) is unique"] == 1


@pytest.mark.parametrize("table, key, column", [
    ("mentions", "transaction_id, start", "start"),
    ("invoice_lines", "invoice_number, line_no", "line_no"),
])
def test_null_primary_key(ds: Path, table: str, key: str, column: str) -> None:
    path = part_files(ds, table)[-1]
    row = pq.read_table(path).to_pylist()[-1]
    rewrite(path, lambda rows: rows[-1].update({column: None}))
    report = validate(ds)
    shown = "/".join("NULL" if c == column else str(row[c]) for c in key.split(", "))
    check(report, {(table, f"primary key ({key}) is not null"), DUCKDB_RULE}, table, shown)
    assert duckdb_differs(report) == {table}


@pytest.mark.parametrize("table, column, where, value", [
    ("invoices", "contract_id", "TRUE", "CNT-1999-999"),
    ("invoice_lines", "product_id", "TRUE", "NOPE-P-9999"),
    ("customers", "parent_customer_id", "parent_customer_id IS NOT NULL", "CUS-99999"),
    ("bank_transactions", "account_id", "TRUE", "ACC-XXX-999"),
    ("transaction_truth", "contract_id", "contract_id IS NOT NULL", "CNT-1999-999"),
])
def test_dangling_foreign_key(ds: Path, table: str, column: str, where: str, value: str) -> None:
    key = PRIMARY_KEYS[table]
    pk = one(ds, f"SELECT {', '.join(key)} FROM {table} WHERE {where} ORDER BY {', '.join(key)}")
    update(ds, table, dict(zip(key, pk)), **{column: value})
    report = validate(ds)
    shown = "/".join(map(str, pk)) + f" -> {value}"
    check(report, {(table, f"{column} resolves to"), DUCKDB_RULE}, table, shown)
    assert duckdb_differs(report) == {table}


# --------------------------------------------------------------------------- business rules


def test_bank_transaction_without_truth_row(ds: Path) -> None:
    (txn,) = one(ds, "SELECT transaction_id FROM transaction_truth WHERE outcome = 'NOT_RECEIVABLE' "
                     "AND transaction_id NOT IN (SELECT transaction_id FROM allocations)")
    path = next(p for p in part_files(ds, "transaction_truth")
                if txn in pq.read_table(p, columns=["transaction_id"])["transaction_id"].to_pylist())
    rewrite(path, lambda rows: [r for r in rows if r["transaction_id"] != txn])
    report = validate(ds)
    check(report, {("bank_transactions", "transaction_truth row"), DUCKDB_RULE}, "bank_transactions", txn)
    assert duckdb_differs(report) == {"transaction_truth"}


def test_invoice_customer_differs_from_contract(ds: Path) -> None:
    inv, other = one(ds, "SELECT i.invoice_number, c.customer_id FROM invoices i CROSS JOIN customers c "
                         "WHERE c.customer_id <> i.customer_id "
                         "AND i.invoice_number NOT IN (SELECT invoice_number FROM allocations) ORDER BY 1, 2")
    update(ds, "invoices", {"invoice_number": inv}, customer_id=other)
    report = validate(ds)
    check(report, {("invoices", "customer of its contract"), DUCKDB_RULE}, "invoices", inv)


def test_invoice_amount_is_not_net_plus_tax(ds: Path) -> None:
    (inv,) = one(ds, "SELECT invoice_number FROM invoices ORDER BY 1")
    update(ds, "invoices", {"invoice_number": inv}, amount=lambda r: r["amount"] + ONE)
    # keep the truth consistent with the new amount so only the arithmetic rule breaks
    update(ds, "invoice_status", {"invoice_number": inv}, amount_open=lambda r: r["amount_open"] + ONE)
    report = validate(ds)
    check(report, {("invoices", "net_amount plus tax_amount"), DUCKDB_RULE}, "invoices", inv)
    assert duckdb_differs(report) == {"invoices", "invoice_status"}


def test_tax_amount_does_not_match_tax_rate(ds: Path) -> None:
    (inv,) = one(ds, "SELECT invoice_number FROM invoices WHERE net_amount > 100 ORDER BY 1")
    update(ds, "invoices", {"invoice_number": inv}, tax_rate=lambda r: r["tax_rate"] + 0.05)
    report = validate(ds)
    check(report, {("invoices", "tax_rate"), DUCKDB_RULE}, "invoices", inv)


def test_due_date_before_issue_date(ds: Path) -> None:
    (inv,) = one(ds, "SELECT invoice_number FROM invoices ORDER BY 1")
    update(ds, "invoices", {"invoice_number": inv}, due_date=lambda r: r["issue_date"] - dt.timedelta(days=1))
    report = validate(ds)
    check(report, {("invoices", "due_date is not before issue_date"), DUCKDB_RULE}, "invoices", inv)


def test_net_amount_is_not_the_sum_of_lines(ds: Path) -> None:
    inv, line = one(ds, "SELECT invoice_number, line_no FROM invoice_lines ORDER BY 1, 2")
    update(ds, "invoice_lines", {"invoice_number": inv, "line_no": line},
           line_amount=lambda r: r["line_amount"] + ONE)
    report = validate(ds)
    check(report, {("invoices", "sum of its lines"), DUCKDB_RULE}, "invoices", inv)
    assert duckdb_differs(report) == {"invoice_lines"}


def test_allocations_do_not_add_up(ds: Path) -> None:
    txn, inv = one(ds, "SELECT transaction_id, invoice_number FROM allocations WHERE amount > 10 ORDER BY 1, 2")
    update(ds, "allocations", {"transaction_id": txn, "invoice_number": inv}, amount=lambda r: r["amount"] - ONE)
    update(ds, "invoice_status", {"invoice_number": inv}, amount_open=lambda r: r["amount_open"] + ONE)
    report = validate(ds)
    check(report, {("transaction_truth", "allocations add up to allocated_amount"), DUCKDB_RULE},
          "transaction_truth", txn)
    assert duckdb_differs(report) == {"allocations", "invoice_status"}


def test_allocated_plus_unapplied_is_not_the_amount(ds: Path) -> None:
    (txn,) = one(ds, "SELECT transaction_id FROM transaction_truth WHERE amount_invoice_currency IS NOT NULL "
                     "ORDER BY 1")
    update(ds, "transaction_truth", {"transaction_id": txn}, unapplied_amount=lambda r: r["unapplied_amount"] + ONE)
    report = validate(ds)
    check(report, {("transaction_truth", "allocated plus unapplied"), DUCKDB_RULE}, "transaction_truth", txn)


def test_amount_in_invoice_currency_is_not_fx_converted(ds: Path) -> None:
    (txn,) = one(ds, "SELECT transaction_id FROM transaction_truth WHERE amount_invoice_currency > 100 ORDER BY 1")
    update(ds, "transaction_truth", {"transaction_id": txn}, fx_rate=lambda r: r["fx_rate"] * 1.01)
    report = validate(ds)
    check(report, {("transaction_truth", "FX-converted"), DUCKDB_RULE}, "transaction_truth", txn)


def test_same_currency_line_is_converted(ds: Path) -> None:
    txn, bank_amount = one(ds, "SELECT t.transaction_id, b.amount FROM transaction_truth t JOIN bank_transactions b "
                               "USING (transaction_id) WHERE t.invoice_currency = b.currency "
                               "AND b.amount > 100 ORDER BY 1")
    new = bank_amount + ONE
    # a consistent conversion by a (wrong) rate: only the same-currency rule can object
    update(ds, "transaction_truth", {"transaction_id": txn}, amount_invoice_currency=new,
           fx_rate=float(new) / float(bank_amount), unapplied_amount=lambda r: r["unapplied_amount"] + ONE)
    report = validate(ds)
    check(report, {("transaction_truth", "same-currency"), DUCKDB_RULE}, "transaction_truth", txn)


def test_allocations_exceed_the_invoice_amount(ds: Path) -> None:
    txn, inv, alloc, amount = one(
        ds, "SELECT a.transaction_id, a.invoice_number, a.amount, i.amount FROM allocations a "
            "JOIN invoices i USING (invoice_number) "
            "WHERE a.invoice_number IN (SELECT invoice_number FROM allocations GROUP BY 1 HAVING count(*) = 1) "
            "ORDER BY 1, 2")
    extra = amount - alloc + ONE  # the invoice ends up overpaid by 1.00
    update(ds, "allocations", {"transaction_id": txn, "invoice_number": inv}, amount=alloc + extra)
    update(ds, "transaction_truth", {"transaction_id": txn},
           allocated_amount=lambda r: r["allocated_amount"] + extra,
           unapplied_amount=lambda r: r["unapplied_amount"] - extra)
    update(ds, "invoice_status", {"invoice_number": inv}, amount_open=lambda r: r["amount_open"] - extra)
    report = validate(ds)
    check(report, {("invoices", "never exceed the invoice amount"), DUCKDB_RULE}, "invoices", inv)
    assert duckdb_differs(report) == {"allocations", "transaction_truth", "invoice_status"}


def test_invoice_status_amount_open_is_wrong(ds: Path) -> None:
    (inv,) = one(ds, "SELECT invoice_number FROM invoice_status ORDER BY 1")
    update(ds, "invoice_status", {"invoice_number": inv}, amount_open=lambda r: r["amount_open"] + ONE)
    report = validate(ds)
    check(report, {("invoice_status", "amount_open"), DUCKDB_RULE}, "invoice_status", inv)


def test_payment_before_its_invoice_without_prepayment_flag(ds: Path) -> None:
    # move a one-invoice payment to the last earlier date its account booked anything on
    # before the invoice was issued: a business day (the clean dataset passed), so only the
    # prepayment rule can object
    txn, inv, earlier = one(
        ds, "SELECT a.transaction_id, a.invoice_number, "
            "(SELECT max(o.booking_date) FROM bank_transactions o "
            " WHERE o.account_id = b.account_id AND o.booking_date < i.issue_date) AS earlier "
            "FROM allocations a JOIN bank_transactions b USING (transaction_id) "
            "JOIN transaction_truth t USING (transaction_id) JOIN invoices i USING (invoice_number) "
            "WHERE NOT t.is_prepayment AND t.invoice_count = 1 AND earlier IS NOT NULL ORDER BY 1")
    update(ds, "bank_transactions", {"transaction_id": txn}, booking_date=earlier)
    report = validate(ds)
    check(report, {("allocations", "no payment before its invoice"), DUCKDB_RULE}, "allocations", f"{txn}/{inv}")
    assert duckdb_differs(report) == {"bank_transactions"}


def test_allocated_invoice_of_another_customer(ds: Path) -> None:
    txn, inv, other = one(
        ds, "SELECT a.transaction_id, a.invoice_number, c.customer_id FROM allocations a "
            "JOIN transaction_truth t USING (transaction_id) CROSS JOIN customers c "
            "WHERE c.customer_id <> t.customer_id AND t.invoice_count = 1 ORDER BY 1, 3")
    update(ds, "transaction_truth", {"transaction_id": txn}, customer_id=other)
    report = validate(ds)
    check(report, {("allocations", "belongs to the transaction's customer"), DUCKDB_RULE},
          "allocations", f"{txn}/{inv}")


@pytest.mark.parametrize("account, day", [
    ("ACC-USD-001", dt.date(2024, 6, 15)),  # a Saturday
    ("ACC-USD-001", dt.date(2024, 7, 4)),  # a Thursday, Independence Day in the US
    ("ACC-GBP-001", dt.date(2024, 8, 26)),  # a Monday, the English summer bank holiday
])
def test_booking_on_a_weekend_or_holiday(ds: Path, account: str, day: dt.date) -> None:
    # a transaction settling no invoice, so moving it cannot break the prepayment rule
    (txn,) = one(ds, "SELECT b.transaction_id FROM bank_transactions b WHERE b.account_id = ? "
                     "AND b.transaction_id NOT IN (SELECT transaction_id FROM allocations) ORDER BY 1", account)
    update(ds, "bank_transactions", {"transaction_id": txn}, booking_date=day)
    report = validate(ds)
    check(report, {("bank_transactions", "business day"), DUCKDB_RULE}, "bank_transactions",
          f"{account} on {day.isoformat()}")
    assert dict(report.checks)["bank_transactions: booked on a business day of the account's country"] == 1


# --------------------------------------------------------------------------- damaged files
# validate reports damage instead of crashing on it.


def test_damaged_parquet_bytes_are_reported_not_a_crash(ds: Path) -> None:
    path = ds / "tables/invoices/part-00000.parquet"
    meta = pq.ParquetFile(path).metadata.row_group(0)
    col = max((meta.column(i) for i in range(meta.num_columns)), key=lambda c: c.total_compressed_size)
    middle = col.data_page_offset + col.total_compressed_size // 2
    data = bytearray(path.read_bytes())
    data[middle:middle + 32] = bytes(b ^ 0xFF for b in data[middle:middle + 32])  # inside compressed data
    path.write_bytes(bytes(data))
    report = validate(ds)
    assert not report.ok
    assert "tables/invoices/part-00000.parquet (sha256 differs)" in [v.key for v in report.violations]


def test_damaged_ledger_duckdb_is_reported_not_a_crash(ds: Path) -> None:
    (ds / "ledger.duckdb").write_bytes(b"not a database" * 64)
    report = validate(ds)
    assert not report.ok
    assert any(v.table == "ledger.duckdb" for v in report.violations)


# --------------------------------------------------------------------------- ledger.duckdb


def test_ledger_duckdb_differs_from_parquet(ds: Path) -> None:
    con = duckdb.connect(str(ds / "ledger.duckdb"))
    try:  # mentions: no foreign key points at it, so DuckDB lets the row go
        con.execute("DELETE FROM mentions WHERE rowid = (SELECT min(rowid) FROM mentions)")
    finally:
        con.close()
    report = validate(ds)
    check(report, {DUCKDB_RULE}, "ledger.duckdb", "mentions")
    assert duckdb_differs(report) == {"mentions"}


def test_missing_ledger_duckdb(ds: Path) -> None:
    (ds / "ledger.duckdb").unlink()
    report = validate(ds)
    check(report, {("ledger.duckdb", "the database file exists")}, "ledger.duckdb", "ledger.duckdb")
    r = cli("validate", str(ds))
    assert r.returncode == 1 and "FAIL ledger.duckdb: the database file exists" in r.stdout


def test_a_data_file_missing_from_the_manifest_is_reported(ds: Path) -> None:
    src = ds / "tables/customers/part-00000.parquet"
    shutil.copy(src, src.with_name("part-00099.parquet"))
    report = validate(ds)
    assert not report.ok
    assert "tables/customers/part-00099.parquet" in [v.key for v in report.violations
                                                      if v.rule == "every data file is listed in the manifest"]
