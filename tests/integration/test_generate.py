"""End to end: generate through the CLI and the library, then inspect the files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from ledgersim.dataset import generate
from ledgersim.engine import make_engine
from ledgersim.schema import TABLES
from ledgersim.spec import build_scenario
from ledgersim.validate import validate


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ledgersim.cli", *args], capture_output=True, text=True)


def read(root: Path, name: str):  # type: ignore[no-untyped-def]
    t = next(t for t in TABLES if t.name == name)
    path = root / t.path if t.partitioned else root / f"{t.path}.parquet"
    return ds.dataset(path, format="parquet").to_table()


def file_hashes(root: Path) -> dict[str, str]:
    manifest = json.loads((root / "manifest.json").read_text())
    return {f["path"]: f["sha256"] for f in manifest["files"]}


def test_cli_generate_then_validate(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    r = cli("generate", "--preset", "tiny", "--out", str(out), "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "rows per table" in r.stdout and "AUTO_RECONCILED" in r.stdout
    assert (out / "manifest.json").is_file() and (out / "ledger.duckdb").is_file()
    v = cli("validate", str(out))
    assert v.returncode == 0, v.stdout
    assert v.stdout.strip().endswith("OK")


def test_same_seed_same_bytes_any_worker_count_other_seed_differs(tmp_path: Path, tiny_dataset: Path) -> None:
    again = tmp_path / "again"
    assert cli("generate", "--preset", "tiny", "--seed", "7", "--out", str(again), "--workers", "2").returncode == 0
    first = file_hashes(tiny_dataset)
    assert first == file_hashes(again)
    assert (tiny_dataset / "manifest.json").read_bytes() == (again / "manifest.json").read_bytes()
    for rel, digest in first.items():  # the manifest tells the truth about the files
        assert __import__("hashlib").sha256((again / rel).read_bytes()).hexdigest() == digest
    other = tmp_path / "other"
    assert cli("generate", "--preset", "tiny", "--seed", "8", "--out", str(other), "--workers", "1").returncode == 0
    second = file_hashes(other)
    changed = [p for p in first if first[p] != second.get(p)]
    assert "tables/bank_transactions/part-00000.parquet" in changed
    assert "tables/customers/part-00000.parquet" in changed


def test_every_key_resolves_in_duckdb(tiny_dataset: Path) -> None:
    con = duckdb.connect(str(tiny_dataset / "ledger.duckdb"), read_only=True)
    for t in TABLES:
        pk = ", ".join(t.primary_key)
        dup = con.execute(f"SELECT count(*) FROM (SELECT {pk} FROM {t.name} GROUP BY {pk} HAVING count(*) > 1)").fetchone()
        assert dup == (0,), t.name
        assert con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0] > 0, t.name  # type: ignore[index]
        for fk in t.foreign_keys:
            on = " AND ".join(f"c.{a} = p.{b}" for a, b in zip(fk.columns, fk.ref_columns))
            orphans = con.execute(
                f"SELECT count(*) FROM {t.name} c ANTI JOIN {fk.table} p ON {on} WHERE c.{fk.columns[0]} IS NOT NULL"
            ).fetchone()
            assert orphans == (0,), f"{t.name}.{fk.columns}"
    one_truth = con.execute(
        "SELECT count(*) FROM bank_transactions b LEFT JOIN transaction_truth t USING (transaction_id) "
        "GROUP BY b.transaction_id HAVING count(t.transaction_id) <> 1"
    ).fetchall()
    assert one_truth == []
    con.close()


def test_a_bank_line_traces_back_to_its_customer(tiny_dataset: Path) -> None:
    """Every invoice a narrative mentions (however corrupted) leads, through its
    contract, to the customer the truth names, and is what the line settles."""
    con = duckdb.connect(str(tiny_dataset / "ledger.duckdb"), read_only=True)
    rows = con.execute("""
        SELECT m.transaction_id, m.entity_id, t.customer_id, cu.customer_id, t.pattern,
               a.invoice_number IS NOT NULL AS allocated
        FROM mentions m
        JOIN transaction_truth t USING (transaction_id)
        JOIN invoices i ON i.invoice_number = m.entity_id
        JOIN contracts c ON c.contract_id = i.contract_id
        JOIN customers cu ON cu.customer_id = c.customer_id
        LEFT JOIN allocations a ON a.transaction_id = m.transaction_id AND a.invoice_number = m.entity_id
        WHERE m.label = 'INVOICE'
    """).fetchall()
    con.close()
    assert len(rows) > 100
    for _tid, _invoice, truth_customer, contract_customer, pattern, allocated in rows:
        assert truth_customer == contract_customer
        assert allocated or pattern == "duplicate"  # a duplicate quotes the invoice it already paid


def test_observable_tables_hold_no_truth_columns(tiny_dataset: Path) -> None:
    truth_only = {"kind", "outcome", "pattern", "customer_id", "contract_id", "invoice_number", "is_partial",
                  "allocated_amount", "unapplied_amount", "variant", "difficulty", "profile"}
    assert not truth_only & set(read(tiny_dataset, "bank_transactions").column_names)


def test_mention_spans_match_narratives(tiny_dataset: Path) -> None:
    text = dict(zip(*[read(tiny_dataset, "bank_transactions")[c].to_pylist() for c in ("transaction_id", "narrative")]))
    m = read(tiny_dataset, "mentions").to_pylist()
    assert m
    assert {x["label"] for x in m} >= {"PAYMENT_TYPE", "COMPANY", "INVOICE", "PURCHASE_ORDER", "CONTRACT"}
    for row in m:
        assert text[row["transaction_id"]][row["start"]:row["end"]] == row["surface"]


def test_invoice_numbers_rise_with_issue_date_within_prefix(tiny_dataset: Path) -> None:
    inv = read(tiny_dataset, "invoices").select(["invoice_number", "issue_date"]).to_pylist()
    by_prefix: dict[str, list[tuple[int, object]]] = {}
    for r in inv:
        prefix, _, num = r["invoice_number"].rpartition("-")
        by_prefix.setdefault(prefix, []).append((int(num), r["issue_date"]))
    assert len(by_prefix) >= 3
    for items in by_prefix.values():
        items.sort()
        assert [n for n, _ in items] == list(range(1, len(items) + 1))
        dates = [d for _, d in items]
        assert dates == sorted(dates)


def test_more_formats(tmp_path: Path) -> None:
    out = tmp_path / "multi"
    r = cli("generate", "--preset", "tiny", "--seed", "3", "--out", str(out),
            "--format", "parquet,csv,jsonl", "--workers", "1", "--quiet")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    part = out / "tables" / "invoices" / "part-00000"
    n = pq.read_metadata(part.with_suffix(".parquet")).num_rows
    assert pacsv.read_csv(part.with_suffix(".csv")).num_rows == n
    lines = part.with_suffix(".jsonl").read_text().splitlines()
    assert len(lines) == n and json.loads(lines[0])["invoice_number"].count("-INV-") == 1
    assert validate(out).ok


def test_user_mistakes_exit_2_without_traceback(tmp_path: Path, tiny_dataset: Path) -> None:
    cfg = tmp_path / "s.yaml"
    cfg.write_text("custmers: 5\n")
    r = cli("generate", "--preset", "tiny", "--config", str(cfg), "--out", str(tmp_path / "x"))
    assert r.returncode == 2
    assert "custmers" in r.stderr and "did you mean 'customers'" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "x").exists()  # nothing written before validation

    r = cli("generate", "--preset", "tiny", "--out", str(tiny_dataset))
    assert r.returncode == 2 and "not empty" in r.stderr and "--overwrite" in r.stderr

    r = cli("generate", "--preset", "tiny", "--config", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "y"))
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr

    r = cli("generate", "--preset", "tiny", "--format", "xlsx", "--out", str(tmp_path / "z"))
    assert r.returncode == 2 and "xlsx" in r.stderr

    r = cli("validate", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "not a directory" in r.stderr


def test_overwrite_refuses_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    r = cli("generate", "--preset", "tiny", "--out", str(tmp_path), "--overwrite")
    assert r.returncode == 2
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_a_run_that_dies_leaves_no_manifest(tmp_path: Path, half_run) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "half"
    half_run(out)
    assert (out / "tables" / "customers" / "part-00000.parquet").exists()
    assert not (out / "manifest.json").exists()
    report = validate(out)
    assert not report.ok and "incomplete dataset" in report.text()


@pytest.fixture(scope="module")
def demo_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo") / "data"
    return generate(build_scenario("demo"), out, engine=make_engine(2))


def test_demo_has_the_business_variety_it_promises(demo_manifest: dict) -> None:
    s = demo_manifest["summary"]
    assert set(s["outcome"]) == {"AUTO_RECONCILED", "PARTIAL_PAYMENT", "OVERPAYMENT", "REVIEW_REQUIRED",
                                 "NOT_RECEIVABLE"}
    payments = {k: v for k, v in s["pattern"].items()
                if k in {"full", "combined", "instalment", "short_withholding", "short_bank_charge", "over",
                         "fx", "third_party", "duplicate", "prepayment"}}
    not_plain = sum(v for k, v in payments.items() if k != "full")
    assert not_plain / sum(payments.values()) >= 0.10
    assert all(payments.get(k, 0) > 0 for k in payments)
    assert len(s["country"]) >= 4 and "ID" in s["country"]
    assert len(s["currency"]) >= 3
    assert 800 <= demo_manifest["tables"]["customers"]["rows"] <= 1200
    assert 80_000 <= demo_manifest["tables"]["bank_transactions"]["rows"] <= 120_000


def test_demo_narratives_are_balanced_noisy_and_bilingual(demo_manifest: dict) -> None:
    s = demo_manifest["summary"]
    labels = s["mention_label"]
    total = sum(labels.values())
    assert set(labels) == {"PAYMENT_TYPE", "COMPANY", "INVOICE", "CONTRACT", "PURCHASE_ORDER"}
    for label, count in labels.items():
        assert 0.17 <= count / total <= 0.23, (label, count / total)
    company_kinds = set(s["company_variant"]) - {"canonical", "truncated"}
    reference_kinds = set(s["reference_variant"]) - {"canonical", "truncated"}
    assert len(company_kinds) >= 8, company_kinds
    assert len(reference_kinds) >= 6, reference_kinds
    locales = s["locale"]
    share_en = locales["en"] / sum(locales.values())
    assert abs(share_en - 0.6) <= 0.03


def test_the_order_of_weight_mappings_does_not_change_the_data(tmp_path: Path, tiny_dataset: Path) -> None:
    """A scenario read back from the manifest (keys sorted) regenerates the same files."""
    manifest = json.loads((tiny_dataset / "manifest.json").read_text())
    again = generate(build_scenario("tiny", manifest["scenario"]), tmp_path / "again", engine=make_engine(1))
    assert {f["path"]: f["sha256"] for f in again["files"]} == file_hashes(tiny_dataset)
