"""Narratives as banks write them: spans always match, noise is recorded, limits hold."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgersim.dataset import generate
from ledgersim.engine import make_engine
from ledgersim.observe.templates import templates
from ledgersim.spec import build_scenario


def q(root: Path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    for area, name in (("tables", "bank_transactions"), ("truth", "mentions"), ("truth", "transaction_truth"),
                       ("truth", "aliases"), ("truth", "allocations")):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{root}/{area}/{name}/*.parquet')")
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


def small(tmp: Path, **config) -> Path:  # type: ignore[no-untyped-def]
    scenario = build_scenario("tiny", {"customers": 12, "period": {"start": "2024-01-01", "end": "2024-06-30"},
                                       **config})
    generate(scenario, tmp, engine=make_engine(1), duckdb=False, overwrite=True)
    return tmp


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), level=st.sampled_from(["none", "low", "medium", "high"]),
       balance=st.sampled_from(["uniform", "natural"]))
def test_spans_always_match_whatever_the_noise(tmp_path_factory, seed: int, level: str, balance: str) -> None:  # type: ignore[no-untyped-def]
    root = small(tmp_path_factory.mktemp("n"), seed=seed, noise={"level": level}, mentions={"balance": balance})
    bad = q(root, """SELECT count(*) FROM mentions m JOIN bank_transactions b USING (transaction_id)
                     WHERE m.start < 0 OR m."end" > length(b.narrative)
                        OR substr(b.narrative, m.start + 1, m."end" - m.start) <> m.surface""")
    assert bad == [(0,)]
    if level == "none":
        assert q(root, "SELECT DISTINCT variant FROM mentions") == [("canonical",)]


def test_each_line_respects_its_bank_styles_length(tiny_dataset: Path) -> None:
    limit = {t.id: t.limit for t in templates()}
    rows = q(tiny_dataset, """SELECT t.template_id, max(length(b.narrative)) FROM bank_transactions b
                              JOIN transaction_truth t USING (transaction_id) GROUP BY 1""")
    assert rows
    for template_id, longest in rows:
        assert longest <= limit[template_id], template_id
    # an MT950 line is cut at 34 characters, and what it cut is recorded in the variant
    cut = q(tiny_dataset, "SELECT count(*) FROM mentions WHERE variant LIKE '%truncated'")
    assert cut[0][0] > 0


def test_entity_ids_point_at_what_the_line_is_about(tiny_dataset: Path) -> None:
    wrong = q(tiny_dataset, """
        SELECT count(*) FROM mentions m JOIN transaction_truth t USING (transaction_id)
        WHERE m.label = 'COMPANY' AND m.entity_id IS NOT NULL AND m.entity_id <> t.payer_customer_id""")
    assert wrong == [(0,)]
    not_paid = q(tiny_dataset, """
        SELECT count(*) FROM mentions m JOIN transaction_truth t USING (transaction_id)
        LEFT JOIN allocations a ON a.transaction_id = m.transaction_id AND a.invoice_number = m.entity_id
        WHERE m.label = 'INVOICE' AND a.invoice_number IS NULL AND t.pattern <> 'duplicate'""")
    assert not_paid == [(0,)]


def test_aliases_list_every_company_surface(tiny_dataset: Path) -> None:
    missing = q(tiny_dataset, """
        SELECT count(*) FROM (SELECT DISTINCT entity_id, surface, variant FROM mentions
                              WHERE label = 'COMPANY' AND entity_id IS NOT NULL) m
        ANTI JOIN aliases a ON a.customer_id = m.entity_id AND a.alias = m.surface AND a.variant = m.variant""")
    assert missing == [(0,)]
    counted = q(tiny_dataset, "SELECT sum(mentions) FROM aliases")[0][0]
    assert counted == q(tiny_dataset, "SELECT count(*) FROM mentions WHERE label = 'COMPANY' AND entity_id IS NOT NULL")[0][0]


def test_difficulty_follows_what_survives(tiny_dataset: Path) -> None:
    rows = dict(q(tiny_dataset, "SELECT difficulty, count(*) FROM transaction_truth GROUP BY 1"))
    assert rows.get("easy", 0) > 0 and rows.get("medium", 0) > 0 and rows.get("hard", 0) > 0
    easy_but_noisy = q(tiny_dataset, """
        SELECT count(*) FROM transaction_truth t JOIN allocations a USING (transaction_id)
        WHERE t.difficulty = 'easy' AND NOT EXISTS (
            SELECT 1 FROM mentions m WHERE m.transaction_id = t.transaction_id AND m.label = 'INVOICE'
            AND m.entity_id = a.invoice_number AND m.variant = 'canonical')""")
    assert easy_but_noisy == [(0,)]


def test_confusable_customers_share_the_stem_of_another(tiny_dataset: Path) -> None:
    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT c1.legal_name, c2.legal_name FROM read_parquet('{tiny_dataset}/truth/customer_profiles/*.parquet') p
        JOIN read_parquet('{tiny_dataset}/tables/customers/*.parquet') c1 ON c1.customer_id = p.customer_id
        JOIN read_parquet('{tiny_dataset}/tables/customers/*.parquet') c2 ON c2.customer_id = p.confusable_with
    """).fetchall()
    names = [r[0] for r in con.execute(f"SELECT legal_name FROM read_parquet('{tiny_dataset}/tables/customers/*.parquet')").fetchall()]
    con.close()
    assert rows
    assert len(names) == len(set(names))  # near-identical, never identical
    for a, b in rows:
        def stems(name: str) -> str:
            words = [w for w in name.split() if w not in ("PT", "CV")]
            return "".join(words[:2]) if len(words[0]) < 9 else words[0]
        assert a != b and (stems(a)[:6] == stems(b)[:6])


@pytest.mark.parametrize("balance", ["uniform", "natural"])
def test_balance_key_changes_the_label_mix(tmp_path: Path, balance: str) -> None:
    root = small(tmp_path, mentions={"balance": balance}, customers=40)
    shares = dict(q(root, "SELECT label, count(*) * 1.0 / sum(count(*)) OVER () FROM mentions GROUP BY 1"))
    spread = max(shares.values()) - min(shares.values())
    if balance == "uniform":
        assert spread < 0.08, shares
    else:
        assert spread > 0.08, shares
