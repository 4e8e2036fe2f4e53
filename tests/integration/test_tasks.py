"""Task files: leakage-safe splits, formats the tools of each field load."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from ledgersim.dataset import generate
from ledgersim.engine import make_engine
from ledgersim.spec import build_scenario
from ledgersim.tasks.jsonl import read
from ledgersim.tasks.tokens import TAGS

SPLITS = ("train", "dev", "test")


def test_no_customer_in_two_splits(tiny_dataset: Path) -> None:
    con = duckdb.connect()
    rows = []
    for split in SPLITS:
        rows += [(r["id"], split) for r in read(tiny_dataset / "tasks" / "ner" / f"{split}.jsonl")]
    con.execute("CREATE TABLE line_split (transaction_id VARCHAR, split VARCHAR)")
    con.executemany("INSERT INTO line_split VALUES (?, ?)", rows)
    spread = con.execute(f"""
        SELECT t.customer_id, count(DISTINCT l.split) FROM line_split l
        JOIN read_parquet('{tiny_dataset}/truth/transaction_truth/*.parquet') t USING (transaction_id)
        WHERE t.customer_id IS NOT NULL GROUP BY 1 HAVING count(DISTINCT l.split) > 1""").fetchall()
    assert spread == []
    groups = con.execute(f"""
        SELECT group_id, count(DISTINCT split) FROM read_json_auto('{tiny_dataset}/tasks/splits.jsonl')
        GROUP BY 1 HAVING count(DISTINCT split) > 1""").fetchall()
    assert groups == []
    manifest = json.loads((tiny_dataset / "manifest.json").read_text())
    for split in SPLITS:
        assert manifest["tasks"]["per_split"][split]["customer_overlap"] == 0
    con.close()


def test_doccano_spans_equal_the_truth_and_conll_is_valid_iob2(tiny_dataset: Path) -> None:
    con = duckdb.connect()
    truth = {(t, s, e, lab) for t, s, e, lab in con.execute(
        f"SELECT transaction_id, start, \"end\", label FROM read_parquet('{tiny_dataset}/truth/mentions/*.parquet')"
    ).fetchall()}
    con.close()
    seen = set()
    for split in SPLITS:
        docs = read(tiny_dataset / "tasks" / "ner" / f"{split}.jsonl")
        for d in docs:
            for s, e, lab in d["label"]:
                assert 0 <= s < e <= len(d["text"])
                seen.add((d["id"], s, e, lab))
        blocks = (tiny_dataset / "tasks" / "ner" / f"{split}.conll").read_text().split("\n\n")
        assert blocks[-1] == ""
        assert len(blocks) - 1 == len(docs)
        for block, doc in zip(blocks, docs):
            prev = "O"
            words = []
            for line in block.splitlines():
                token, tag = line.split(" ")
                assert tag in TAGS
                if tag.startswith("I-"):
                    assert prev in ("B-" + tag[2:], tag), (doc["id"], block)
                prev = tag
                words.append(token)
            assert "".join(words) == "".join(doc["text"].split())
    assert seen == truth  # every mention once, no more (no template held out here)


def test_task_inputs_hold_no_truth(tiny_dataset: Path) -> None:
    """Input files carry only what a company observes; gold lives in the gold files."""
    truth_only = {"outcome", "allocations", "variant", "difficulty", "kind", "pattern", "entity_id", "label",
                  "actions", "is_partial", "payer_customer_id", "template_id", "locale", "profile"}
    expected = {
        "lines": {"transaction_id", "account_id", "booking_date", "value_date", "direction", "amount", "currency",
                  "narrative"},
        "invoices": {"invoice_number", "customer_id", "contract_id", "po_number", "issue_date", "due_date",
                     "currency", "amount"},
        "mentions": {"mention_id", "transaction_id", "narrative", "start", "end", "surface"},
        "customers": {"customer_id", "legal_name", "country", "industry", "segment", "parent_customer_id", "tax_id",
                      "tax_id_type", "currency", "bank_name", "bank_account", "bic"},
    }
    inputs = [(tiny_dataset / "tasks" / "recon" / f"{s}.{kind}.jsonl", kind) for s in SPLITS
              for kind in ("lines", "invoices")]
    inputs += [(tiny_dataset / "tasks" / "er" / f"{s}.mentions.jsonl", "mentions") for s in SPLITS]
    inputs += [(tiny_dataset / "tasks" / "er" / "customers.jsonl", "customers")]
    for path, kind in inputs:
        rows = read(path)
        assert rows, path
        for row in rows:
            assert set(row) == expected[kind], path.name
            assert not truth_only & set(row)
    import pyarrow.parquet as pq

    columns = set(pq.read_schema(next((tiny_dataset / "tables" / "bank_transactions").glob("*.parquet"))).names)
    assert columns == expected["lines"]


def test_recon_gold_matches_allocations(tiny_dataset: Path) -> None:
    con = duckdb.connect()
    total = con.execute(f"SELECT count(*), sum(amount) FROM read_parquet('{tiny_dataset}/truth/allocations/*.parquet')").fetchone()
    con.close()
    n, amount = 0, 0.0
    for split in SPLITS:
        for row in read(tiny_dataset / "tasks" / "recon" / f"{split}.gold.jsonl"):
            n += len(row["allocations"])
            amount += sum(float(a["amount"]) for a in row["allocations"])
    assert n == total[0]
    assert abs(amount - float(total[1])) < 0.01


def test_actions_follow_the_policy(tiny_dataset: Path) -> None:
    gold = {r["transaction_id"]: r for s in SPLITS for r in read(tiny_dataset / "tasks" / "actions" / f"{s}.gold.jsonl")}
    recon = {r["transaction_id"]: r for s in SPLITS for r in read(tiny_dataset / "tasks" / "recon" / f"{s}.gold.jsonl")}
    assert gold.keys() == recon.keys()
    allowed = {"approve", "escalate", "notify", "reconcile", "update_erp"}
    for tid, g in gold.items():
        assert set(g["actions"]) <= allowed and g["actions"] == sorted(g["actions"]) and g["rationale"]
        outcome = recon[tid]["outcome"]
        if outcome == "NOT_RECEIVABLE":
            assert g["actions"] == []
        elif outcome == "REVIEW_REQUIRED":
            assert g["actions"] == ["escalate"]
        elif "escalate" not in g["actions"]:
            assert {"reconcile", "update_erp"} <= set(g["actions"])
    kinds = {tuple(g["actions"]) for g in gold.values()}
    assert ("reconcile", "update_erp") in kinds and ("escalate",) in kinds
    assert any("notify" in k for k in kinds) and any("approve" in k for k in kinds)


def test_episodes_carry_lookups_and_final_state(tiny_dataset: Path) -> None:
    episodes = read(tiny_dataset / "tasks" / "actions" / "dev.episodes.jsonl")
    paid = [e for e in episodes if e["gold"]["allocations"]]
    assert paid
    for e in paid:
        open_now = {i["invoice_number"]: i for i in e["lookups"]["open_invoices"]}
        assert e["lookups"]["customer"]["customer_id"] == e["gold"]["customer_id"]
        for a, after in zip(e["gold"]["allocations"], e["gold"]["final_state"]):
            assert a["invoice_number"] == after["invoice_number"]
            if a["invoice_number"] in open_now:  # not a prepayment
                before = float(open_now[a["invoice_number"]]["amount_open"])
                assert abs(before - float(a["amount"]) - float(after["amount_open"])) < 0.005
    for e in episodes:
        if e["gold"]["customer_id"] is None:  # fees, payroll...: no customer to look up
            assert e["lookups"]["customer"] is None
        else:  # payments and refunds: the customer they concern
            assert e["lookups"]["customer"]["customer_id"] == e["gold"]["customer_id"]


def test_template_holdout_keeps_held_out_formats_out_of_train(tmp_path: Path) -> None:
    scenario = build_scenario("tiny", {"tasks": {"holdout_templates": 0.3}})
    manifest = generate(scenario, tmp_path / "h", engine=make_engine(1))
    held = set(manifest["tasks"]["held_out_templates"])
    assert held
    con = duckdb.connect()
    used = {r[0] for r in con.execute(f"""
        SELECT DISTINCT t.template_id FROM read_json_auto('{tmp_path}/h/tasks/ner/train.jsonl') n
        JOIN read_parquet('{tmp_path}/h/truth/transaction_truth/*.parquet') t ON t.transaction_id = n.id""").fetchall()}
    con.close()
    assert not used & held
    per = manifest["tasks"]["per_split"]
    assert per["test"]["templates_shared_with_train"] < per["test"]["templates"]


@pytest.mark.parametrize("fmt", ["spacy", "hf"])
def test_exports_load_in_the_real_libraries(tiny_dataset: Path, tmp_path: Path, fmt: str) -> None:
    from ledgersim.tasks.export import export_ner

    paths = export_ner(tiny_dataset, fmt, tmp_path / fmt)
    if fmt == "spacy":
        import random

        import spacy
        from spacy.tokens import DocBin
        from spacy.training import Example

        nlp = spacy.blank("xx")
        docs = list(DocBin().from_disk(tmp_path / "spacy" / "train.spacy").get_docs(nlp.vocab))
        assert docs and any(d.ents for d in docs)
        ner = nlp.add_pipe("ner")
        for label in ("PAYMENT_TYPE", "COMPANY", "INVOICE", "CONTRACT", "PURCHASE_ORDER"):
            ner.add_label(label)
        from spacy.tokens import Doc

        examples = [Example(Doc(nlp.vocab, words=[t.text for t in d], spaces=[bool(t.whitespace_) for t in d]), d)
                    for d in docs[:200]]
        optimizer = nlp.initialize(lambda: examples)
        losses: dict = {}
        for _ in range(3):
            random.Random(0).shuffle(examples)
            nlp.update(examples, sgd=optimizer, losses=losses)
        assert losses["ner"] > 0
    else:
        from datasets import load_from_disk

        ds = load_from_disk(str(paths[0]))
        assert set(ds) == {"train", "validation", "test"}
        assert ds["train"].features["ner_tags"].feature.names == list(TAGS)
        assert len(ds["train"]) == len(read(tiny_dataset / "tasks" / "ner" / "train.jsonl"))


def test_rebuilding_the_task_files_from_the_parquet_parts_gives_the_same_bytes(tiny_dataset: Path,
                                                                                tmp_path: Path) -> None:
    """``generate`` builds task files on its workers from the tables it made; ``build_tasks``
    rebuilds them from the Parquet files alone: both must agree byte for byte."""
    from ledgersim.spec.models import Scenario
    from ledgersim.tasks import build_tasks
    from ledgersim.tasks.build import Source

    manifest = json.loads((tiny_dataset / "manifest.json").read_text())
    scenario = Scenario.model_validate(manifest["scenario"])
    files, summary = build_tasks(tmp_path, scenario, manifest["partitions"], Source(tiny_dataset.as_posix()))
    expected = {f["path"]: f for f in manifest["files"] if f["path"].startswith("tasks/")}
    assert {f["path"]: f for f in files} == expected
    for f in files:
        assert (tmp_path / f["path"]).read_bytes() == (tiny_dataset / f["path"]).read_bytes()
    assert summary == manifest["tasks"]


def test_tasks_build_writes_only_the_chosen_tasks(tiny_dataset: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    scenario = build_scenario("tiny", {"tasks": {"build": ["recon"]}})
    out = tmp_path / "recon-only"
    manifest = generate(scenario, out, engine=make_engine(1))
    written = sorted(p.relative_to(out / "tasks").as_posix() for p in (out / "tasks").rglob("*") if p.is_file())
    assert written == sorted(["splits.jsonl"] + [f"recon/{s}.{k}.jsonl" for s in SPLITS
                                                 for k in ("lines", "invoices", "gold")])
    assert sorted(f["path"][len("tasks/"):] for f in manifest["files"] if f["path"].startswith("tasks/")) == written
    full = json.loads((tiny_dataset / "manifest.json").read_text())
    same = {f["path"]: f["sha256"] for f in full["files"] if f["path"].startswith("tasks/recon/")}
    assert {f["path"]: f["sha256"] for f in manifest["files"] if f["path"].startswith("tasks/recon/")} == same
    done = subprocess.run([sys.executable, "-m", "ledgersim.cli", "export", str(out), "--task", "ner",
                           "--format", "hf"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "tasks.build" in done.stderr and "Traceback" not in done.stderr
