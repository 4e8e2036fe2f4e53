"""``ledgersim validate``: is a dataset complete, intact and true to the business?

Checks run as SQL over the Parquet files (DuckDB views), so a dataset of any
size is checked without loading it into Python. Every violation names the
table, the key and the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from ledgersim.io.duckdb_build import content_hash, duckdb_content, parquet_glob
from ledgersim.io.files import sha256_file
from ledgersim.io.manifest import read_manifest
from ledgersim.reference import currencies
from ledgersim.schema import TABLES
from ledgersim.world import calendar

EXAMPLES = 5  # violations listed per rule; the count covers all of them


@dataclass
class Violation:
    table: str
    key: str
    rule: str


@dataclass
class Report:
    root: Path
    checks: list[tuple[str, int]] = field(default_factory=list)  # (rule, violations)
    violations: list[Violation] = field(default_factory=list)
    incomplete: bool = False
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.incomplete and not any(n for _, n in self.checks)

    def text(self) -> str:
        if self.incomplete:
            return (f"incomplete dataset: {self.root} has no manifest.json (generation did not finish); "
                    "generate it again")
        out = [f"dataset {self.root}: {sum(self.rows.values()):,} rows in {len(self.rows)} tables"]
        failed = [(r, n) for r, n in self.checks if n]
        out.append(f"{len(self.checks)} checks, {len(self.checks) - len(failed)} passed, {len(failed)} failed")
        for rule, n in failed:
            out.append(f"FAIL {rule}: {n:,} violation(s)")
        for v in self.violations:
            out.append(f"  {v.table} [{v.key}]: {v.rule}")
        out.append("OK" if self.ok else "INVALID")
        return "\n".join(out)


def _decimals_sql(column: str) -> str:
    """SQL for the decimals amounts of a currency are written with."""
    cases = " ".join(f"WHEN '{c}' THEN {v['decimals']}" for c, v in currencies().items())
    return f"CASE {column} {cases} ELSE 2 END"


def _round_sql(expr: str, currency: str) -> str:
    """SQL rounding ``expr`` half-up to the decimals of the row's currency."""
    # each branch cast back to cents: DuckDB would otherwise type the CASE by its widest scale-0 branch
    cases = " ".join(f"WHEN '{c}' THEN CAST(round({expr}, {v['decimals']}) AS DECIMAL(38,2))"
                     for c, v in currencies().items())
    return f"CASE {currency} {cases} ELSE CAST(round({expr}, 2) AS DECIMAL(38,2)) END"


def _rules() -> list[tuple[str, str, str]]:
    """(table, rule, SQL returning the key of each violating row)."""
    rules: list[tuple[str, str, str]] = []
    for t in TABLES:
        pk = ", ".join(t.primary_key)
        key = " || '/' || ".join(f"coalesce(CAST({c} AS VARCHAR), 'NULL')" for c in t.primary_key)
        nulls = " OR ".join(f"{c} IS NULL" for c in t.primary_key)
        rules.append((t.name, f"primary key ({pk}) is not null", f"SELECT {key} FROM {t.name} WHERE {nulls}"))
        rules.append((t.name, f"primary key ({pk}) is unique",
                      f"SELECT {key} FROM {t.name} GROUP BY {pk} HAVING count(*) > 1"))
        for fk in t.foreign_keys:
            cond = " AND ".join(f"p.{r} = c.{c}" for c, r in zip(fk.columns, fk.ref_columns))
            notnull = " AND ".join(f"c.{c} IS NOT NULL" for c in fk.columns)
            ckey = " || '/' || ".join(f"coalesce(CAST(c.{c} AS VARCHAR), 'NULL')" for c in t.primary_key)
            rules.append((t.name, f"{', '.join(fk.columns)} resolves to {fk.table}",
                          f"SELECT {ckey} || ' -> ' || CAST(c.{fk.columns[0]} AS VARCHAR) FROM {t.name} c "
                          f"WHERE {notnull} AND NOT EXISTS (SELECT 1 FROM {fk.table} p WHERE {cond})"))
    rules += [
        ("bank_transactions", "every bank transaction has a transaction_truth row",
         "SELECT b.transaction_id FROM bank_transactions b ANTI JOIN transaction_truth t USING (transaction_id)"),
        ("invoices", "customer_id equals the customer of its contract",
         "SELECT i.invoice_number FROM invoices i JOIN contracts c USING (contract_id) WHERE i.customer_id <> c.customer_id"),
        ("invoices", "net_amount equals the sum of its lines",
         "SELECT i.invoice_number FROM invoices i LEFT JOIN (SELECT invoice_number, sum(line_amount) s "
         "FROM invoice_lines GROUP BY 1) l USING (invoice_number) WHERE coalesce(l.s, 0) <> i.net_amount"),
        ("invoices", "amount equals net_amount plus tax_amount",
         "SELECT invoice_number FROM invoices WHERE amount <> net_amount + tax_amount"),
        ("invoices", "tax_amount equals net_amount times tax_rate, rounded half-up to the currency's unit",
         "SELECT invoice_number FROM invoices WHERE tax_amount <> "
         + _round_sql("CAST(net_amount AS DECIMAL(38,2)) * CAST(tax_rate AS DECIMAL(18,8))", "currency")),
        ("invoices", "due_date is not before issue_date",
         "SELECT invoice_number FROM invoices WHERE due_date < issue_date"),
        ("transaction_truth", "allocations add up to allocated_amount",
         "SELECT t.transaction_id FROM transaction_truth t LEFT JOIN (SELECT transaction_id, sum(amount) s "
         "FROM allocations GROUP BY 1) a USING (transaction_id) "
         "WHERE coalesce(a.s, 0) <> coalesce(t.allocated_amount, 0)"),
        ("transaction_truth", "allocated plus unapplied equals the amount in invoice currency",
         "SELECT transaction_id FROM transaction_truth WHERE amount_invoice_currency IS NOT NULL "
         "AND allocated_amount + unapplied_amount IS DISTINCT FROM amount_invoice_currency"),
        ("transaction_truth", "amount in invoice currency equals the bank amount FX-converted (to the unit)",
         "SELECT t.transaction_id FROM transaction_truth t JOIN bank_transactions b USING (transaction_id) "
         "WHERE t.amount_invoice_currency IS NOT NULL AND "
         f"abs(t.amount_invoice_currency - CAST(b.amount AS DOUBLE) * t.fx_rate) > "
         f"0.5 / power(10, {_decimals_sql('t.invoice_currency')}) + 1e-6"),
        ("transaction_truth", "same-currency lines are not converted",
         "SELECT t.transaction_id FROM transaction_truth t JOIN bank_transactions b USING (transaction_id) "
         "WHERE t.invoice_currency = b.currency AND t.amount_invoice_currency <> b.amount"),
        ("invoices", "allocations never exceed the invoice amount",
         "SELECT i.invoice_number FROM invoices i JOIN (SELECT invoice_number, sum(amount) s FROM allocations "
         "GROUP BY 1) a USING (invoice_number) WHERE a.s > i.amount"),
        ("invoice_status", "amount_open equals the amount less its allocations",
         "SELECT s.invoice_number FROM invoice_status s JOIN invoices i USING (invoice_number) LEFT JOIN "
         "(SELECT invoice_number, sum(amount) a FROM allocations GROUP BY 1) a USING (invoice_number) "
         "WHERE s.amount_open <> i.amount - coalesce(a.a, 0)"),
        ("allocations", "no payment before its invoice unless marked as a prepayment",
         "SELECT a.transaction_id || '/' || a.invoice_number FROM allocations a "
         "JOIN bank_transactions b USING (transaction_id) JOIN transaction_truth t USING (transaction_id) "
         "JOIN invoices i USING (invoice_number) WHERE b.booking_date < i.issue_date AND NOT coalesce(t.is_prepayment, false)"),
        ("mentions", "every mention lies inside its narrative and spells its surface",
         "SELECT m.transaction_id || '/' || CAST(m.start AS VARCHAR) FROM mentions m JOIN bank_transactions b "
         "USING (transaction_id) WHERE m.start < 0 OR m.\"end\" > length(b.narrative) OR m.\"end\" <= m.start "
         "OR substr(b.narrative, m.start + 1, m.\"end\" - m.start) <> m.surface"),
        ("allocations", "the invoice belongs to the transaction's customer",
         "SELECT a.transaction_id || '/' || a.invoice_number FROM allocations a "
         "JOIN transaction_truth t USING (transaction_id) JOIN invoices i USING (invoice_number) "
         "WHERE i.customer_id <> t.customer_id"),
    ]
    return rules


def _register(con: duckdb.DuckDBPyConnection, root: Path) -> list[str]:
    missing = []
    for t in TABLES:
        src = parquet_glob(root, t)
        if not list(root.glob(Path(src).relative_to(root).as_posix())):
            missing.append(t.name)
            continue
        con.execute(f"CREATE VIEW {t.name} AS SELECT * FROM read_parquet('{src}')")
    return missing


def validate(root: Path) -> Report:
    from ledgersim.errors import DatasetError

    if not root.is_dir():
        raise DatasetError(f"validate: {root} is not a directory; give the --out of a generated dataset")
    report = Report(root)
    manifest = read_manifest(root)
    if manifest is None:
        report.incomplete = True
        return report

    def record(table: str, rule: str, keys: list[str], count: int | None = None) -> None:
        report.checks.append((f"{table}: {rule}", count if count is not None else len(keys)))
        report.violations += [Violation(table, k, rule) for k in keys[:EXAMPLES]]

    bad_files = []
    for f in manifest["files"]:
        p = root / f["path"]
        if not p.is_file():
            bad_files.append(f"{f['path']} (missing)")
        elif p.stat().st_size != f["bytes"] or sha256_file(p) != f["sha256"]:
            bad_files.append(f"{f['path']} (sha256 differs)")
    record("files", "every file matches its sha256 in the manifest", bad_files)
    listed = {f["path"] for f in manifest["files"]}
    extra = sorted(p.relative_to(root).as_posix() for area in ("tables", "truth", "tasks") for p in (root / area).rglob("*")
                   if p.is_file() and p.relative_to(root).as_posix() not in listed)
    record("files", "every data file is listed in the manifest", extra)

    con = duckdb.connect()
    try:
        missing = _register(con, root)
        record("tables", "every table has its Parquet files", missing)
        if missing:
            return report
        for t in TABLES:
            try:
                report.rows[t.name] = con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0]  # type: ignore[index]
            except duckdb.Error as exc:
                record(t.name, "its files can be read", [_first_line(exc)])
                return report
        for table, rule, sql in _rules():
            try:
                count = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]  # type: ignore[index]
                keys = [r[0] for r in con.execute(f"{sql} LIMIT {EXAMPLES}").fetchall()] if count else []
            except duckdb.Error as exc:  # damaged data: the rule cannot be evaluated
                count, keys = 1, [f"cannot be checked: {_first_line(exc)}"]
            record(table, rule, keys, count)
        _check_business_days(con, record)
    finally:
        con.close()
    _check_duckdb(root, manifest, record)
    return report


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_business_days(con: duckdb.DuckDBPyConnection, record) -> None:  # type: ignore[no-untyped-def]
    accounts = con.execute("SELECT account_id, country FROM bank_accounts").fetchall()
    bad: list[str] = []
    total = 0
    for account_id, country in accounts:  # a handful of accounts
        found = con.execute(
            "SELECT booking_date, count(*) AS n FROM bank_transactions WHERE account_id = ? GROUP BY 1 ORDER BY 1",
            [account_id],
        ).fetchnumpy()
        dates = np.asarray(found["booking_date"], dtype="datetime64[D]")
        off = ~calendar.is_business_day(country, dates) if len(dates) else np.zeros(0, bool)
        total += int(np.asarray(found["n"])[off].sum())
        bad += [f"{account_id} on {d}" for d in dates[off][:EXAMPLES]]
    record("bank_transactions", "booked on a business day of the account's country", bad, total)


def _check_duckdb(root: Path, manifest: dict, record) -> None:  # type: ignore[no-untyped-def]
    """ledger.duckdb holds exactly the Parquet data (content, not bytes)."""
    entry = manifest.get("duckdb")
    if not entry:
        return
    path = root / entry["path"]
    if not path.is_file():
        record("ledger.duckdb", "the database file exists", [entry["path"]])
        return
    try:
        stored = duckdb_content(path)
    except duckdb.Error as exc:
        record("ledger.duckdb", "the database file can be read", [_first_line(exc)])
        return
    con = duckdb.connect()
    try:
        _register(con, root)
        differ = []
        for t in TABLES:
            try:
                parquet = content_hash(con, t.name, t.schema.names)
            except duckdb.Error:
                parquet = None  # unreadable Parquet is reported by the file checks
            if stored.get(t.name) != parquet or entry["content"].get(t.name) != parquet:
                differ.append(t.name)
        record("ledger.duckdb", "every table holds the same rows as its Parquet files", differ)
    finally:
        con.close()
