"""`ledgersim evaluate` on small hand-made task files that follow docs/tasks.md."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ledgersim.cli import main
from ledgersim.evaluate import evaluate, format_table
from ledgersim.evaluate.metrics import classification, prf
from ledgersim.evaluate.predictions import PredictionError

NER_DOCS = [
    ("BTX-1", "CICILAN INV-000288 KONTRAK CNT-2022-023",
     [[0, 7, "PAYMENT_TYPE"], [8, 18, "INVOICE"], [27, 39, "CONTRACT"]]),
    ("BTX-2", "PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157",
     [[0, 8, "PAYMENT_TYPE"], [9, 30, "COMPANY"], [31, 45, "INVOICE"]]),
    ("BTX-3", "BANK CHARGES", []),
    ("BTX-4", "PAYMENT TO ACME TOOLS LLC REF 123", [[0, 7, "PAYMENT_TYPE"], [11, 25, "COMPANY"]]),
    ("BTX-5", "/PO/PO-4500012345 /CT/CNT-2024-587 ALPHABRIDGE SOLUTIONS",
     [[4, 17, "PURCHASE_ORDER"], [22, 34, "CONTRACT"], [35, 56, "COMPANY"]]),
]
CUSTOMERS = [
    {"customer_id": "CUS-00001", "legal_name": "ALPHABRIDGE SOLUTIONS INC", "country": "US",
     "parent_customer_id": None, "currency": "USD", "bank_account": "1234567890"},
    {"customer_id": "CUS-00002", "legal_name": "ALPHABRIDGE SYSTEMS INC", "country": "US",
     "parent_customer_id": None, "currency": "USD", "bank_account": "2234567890"},
    {"customer_id": "CUS-00003", "legal_name": "PT SINAR JAYA LOGISTIK", "country": "ID",
     "parent_customer_id": "CUS-00001", "currency": "IDR", "bank_account": "3234567890"},
]
ER_MENTIONS = [("BTX-2:9", "BTX-2", 9, 30, "CUS-00001"), ("BTX-4:11", "BTX-4", 11, 25, None),
               ("BTX-5:35", "BTX-5", 35, 56, "CUS-00001")]
ER_PAIRS = [("BTX-2:9", "CUS-00001", 1), ("BTX-2:9", "CUS-00002", 0), ("BTX-4:11", "CUS-00002", 0),
            ("BTX-4:11", "CUS-00003", 0), ("BTX-5:35", "CUS-00001", 1), ("BTX-5:35", "CUS-00003", 0)]
INVOICES = [
    ("MFG-INV-000288", "CUS-00003", "CNT-2022-023", None, "2024-01-02", "2024-02-01", "IDR", "12031.51"),
    ("MFG-INV-000157", "CUS-00001", "CNT-2024-587", "PO-4500012345", "2024-01-05", "2024-02-04", "USD", "5000.00"),
    ("MFG-INV-000158", "CUS-00001", "CNT-2024-587", "PO-4500012345", "2024-02-05", "2024-03-06", "USD", "5000.00"),
    ("SAS-INV-000001", "CUS-00002", "CNT-2024-001", None, "2024-01-05", "2024-02-04", "USD", "900.00"),
]
RECON_GOLD = [
    ("BTX-1", "PARTIAL_PAYMENT", [("MFG-INV-000288", "3007.00")]),
    ("BTX-2", "AUTO_RECONCILED", [("MFG-INV-000157", "5000.00")]),
    ("BTX-3", "NOT_RECEIVABLE", []),
    ("BTX-4", "NOT_RECEIVABLE", []),
    ("BTX-5", "OVERPAYMENT", [("MFG-INV-000158", "5000.00"), ("SAS-INV-000001", "900.00")]),
]
ACTIONS_GOLD = [("BTX-1", ["notify", "reconcile", "update_erp"]), ("BTX-2", ["reconcile", "update_erp"]),
                ("BTX-3", []), ("BTX-4", []), ("BTX-5", ["approve", "notify", "reconcile", "update_erp"])]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    (root).mkdir()
    (root / "manifest.json").write_text(json.dumps({"scenario": {}}), encoding="utf-8")
    t = root / "tasks"
    write_jsonl(t / "ner" / "test.jsonl", [{"id": i, "text": x, "label": lab} for i, x, lab in NER_DOCS])
    write_jsonl(t / "er" / "customers.jsonl", CUSTOMERS)
    texts = {i: x for i, x, _ in NER_DOCS}
    write_jsonl(t / "er" / "test.mentions.jsonl",
                [{"mention_id": m, "transaction_id": tid, "narrative": texts[tid], "start": s, "end": e,
                  "surface": texts[tid][s:e]} for m, tid, s, e, _ in ER_MENTIONS])
    write_jsonl(t / "er" / "test.gold.jsonl", [{"mention_id": m, "customer_id": c} for m, *_, c in ER_MENTIONS])
    write_jsonl(t / "er" / "test.pairs.jsonl", [{"mention_id": m, "customer_id": c, "label": lab}
                                                for m, c, lab in ER_PAIRS])
    write_jsonl(t / "recon" / "test.lines.jsonl",
                [{"transaction_id": i, "account_id": "ACC-USD-001", "booking_date": "2024-03-01",
                  "value_date": "2024-03-01", "direction": "D" if i in ("BTX-3", "BTX-4") else "C",
                  "amount": "100.00", "currency": "USD", "narrative": x} for i, x, _ in NER_DOCS])
    write_jsonl(t / "recon" / "test.invoices.jsonl",
                [dict(zip(("invoice_number", "customer_id", "contract_id", "po_number", "issue_date", "due_date",
                           "currency", "amount"), row)) for row in INVOICES])
    write_jsonl(t / "recon" / "test.gold.jsonl", gold_recon())
    write_jsonl(t / "actions" / "test.gold.jsonl",
                [{"transaction_id": i, "actions": a, "rationale": "because"} for i, a in ACTIONS_GOLD])
    return root


def gold_recon() -> list[dict]:
    return [{"transaction_id": t, "outcome": o, "allocations": [{"invoice_number": i, "amount": a} for i, a in al]}
            for t, o, al in RECON_GOLD]


def gold_file(dataset: Path, task: str) -> Path:
    return {"ner": dataset / "tasks/ner/test.jsonl", "er": dataset / "tasks/er/test.gold.jsonl",
            "recon": dataset / "tasks/recon/test.gold.jsonl", "actions": dataset / "tasks/actions/test.gold.jsonl"}[task]


def numbers(obj: object, path: str = "") -> list[tuple[str, float]]:
    """Every score in a result (precision, recall, f1, accuracy...)."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in ("precision", "recall", "f1", "accuracy", "macro_f1", "exact_set_accuracy", "weighted_accuracy",
                     "exact_share", "linked_accuracy", "nil_accuracy"):
                out.append((f"{path}.{k}", v))
            else:
                out += numbers(v, f"{path}.{k}")
    return out


# ------------------------------------------------------------------------------------------- gold = 1.0

@pytest.mark.parametrize("task", ["ner", "er", "recon", "actions"])
def test_gold_as_predictions_scores_one_everywhere(dataset: Path, task: str) -> None:
    result = evaluate(dataset, task, gold_file(dataset, task))
    scores = numbers(result["metrics"])
    assert scores, "no scores found"
    assert all(v == 1.0 for _, v in scores), [s for s in scores if s[1] != 1.0]
    assert result["headline"]["value"] == 1.0
    assert result["task"] == task and result["split"] == "test"
    assert format_table(result)  # the table renders


def test_er_gold_with_pair_rows_scores_one(dataset: Path, tmp_path: Path) -> None:
    rows = [json.loads(x) for x in gold_file(dataset, "er").read_text().splitlines()]
    rows += [json.loads(x) for x in (dataset / "tasks/er/test.pairs.jsonl").read_text().splitlines()]
    result = evaluate(dataset, "er", write_jsonl(tmp_path / "p.jsonl", rows))
    assert result["counts"]["pairs_source"] == "file"
    assert all(v == 1.0 for _, v in numbers(result["metrics"]))


# ------------------------------------------------------------------------------------------- misses

def test_ner_removing_a_share_of_spans_lowers_recall_by_that_share(dataset: Path, tmp_path: Path) -> None:
    rows = [json.loads(x) for x in gold_file(dataset, "ner").read_text().splitlines()]
    total = sum(len(r["label"]) for r in rows)
    rows[0]["label"] = rows[0]["label"][1:]  # drop 1 span
    rows[1]["label"] = rows[1]["label"][:1]  # drop 2 spans
    r = evaluate(dataset, "ner", write_jsonl(tmp_path / "p.jsonl", rows))["metrics"]["strict"]["micro"]
    assert r["recall"] == pytest.approx(1 - 3 / total, abs=1e-6)
    assert r["precision"] == 1.0


def test_ner_missing_documents_count_as_misses_and_are_reported(dataset: Path, tmp_path: Path) -> None:
    rows = [json.loads(x) for x in gold_file(dataset, "ner").read_text().splitlines()]
    total = sum(len(r["label"]) for r in rows)
    kept = [r for r in rows if r["id"] != "BTX-5"]
    result = evaluate(dataset, "ner", write_jsonl(tmp_path / "p.jsonl", kept))
    assert result["counts"]["missing_documents"] == 1
    assert result["counts"]["missing_mentions"] == 3
    assert result["metrics"]["strict"]["micro"]["recall"] == pytest.approx(1 - 3 / total, abs=1e-6)


def test_ner_partial_overlap_gets_partial_credit(dataset: Path, tmp_path: Path) -> None:
    rows = [{"id": "BTX-2", "label": [[0, 8, "PAYMENT_TYPE"], [9, 20, "COMPANY"], [31, 45, "INVOICE"]]}]
    m = evaluate(dataset, "ner", write_jsonl(tmp_path / "p.jsonl", rows))["metrics"]
    assert m["overlap"]["partial"]["partial"] == 1
    assert m["overlap"]["partial"]["recall"] > m["strict"]["micro"]["recall"]
    assert m["strict"]["per_label"]["COMPANY"]["tp"] == 0


def test_recon_removing_lines_lowers_pair_recall_by_their_share(dataset: Path, tmp_path: Path) -> None:
    rows = [r for r in gold_recon() if r["transaction_id"] != "BTX-5"]  # 2 of 4 allocation pairs
    result = evaluate(dataset, "recon", write_jsonl(tmp_path / "p.jsonl", rows))
    m = result["metrics"]
    assert m["allocations"]["recall"] == pytest.approx(0.5)
    assert m["allocations"]["precision"] == 1.0
    assert result["counts"]["missing"] == 1 and result["counts"]["missing_allocations"] == 2
    assert m["outcome"]["accuracy"] == pytest.approx(0.8)
    assert m["outcome"]["confusion"]["matrix"][2][-1] == 1  # OVERPAYMENT row, (missing) column


def test_recon_amounts_are_weighted(dataset: Path, tmp_path: Path) -> None:
    rows = gold_recon()
    rows[1]["allocations"][0]["amount"] = "2500.00"  # half of 5000 on one invoice
    m = evaluate(dataset, "recon", write_jsonl(tmp_path / "p.jsonl", rows))["metrics"]
    assert m["allocations"]["f1"] == 1.0
    total = 3007 + 5000 + 5000 + 900
    assert m["amounts"]["weighted_accuracy"] == pytest.approx((total - 2500) / total, abs=1e-6)
    assert m["amounts"]["exact_share"] == pytest.approx(0.75)
    assert m["amounts"]["unit"] == "invoice currency units"  # this dataset has no fx_rates table


def test_er_removing_mentions_lowers_accuracy_and_pair_recall(dataset: Path, tmp_path: Path) -> None:
    rows = [{"mention_id": "BTX-2:9", "customer_id": "CUS-00001"}, {"mention_id": "BTX-4:11", "customer_id": None}]
    result = evaluate(dataset, "er", write_jsonl(tmp_path / "p.jsonl", rows))
    m = result["metrics"]
    assert m["linking"]["accuracy"] == pytest.approx(2 / 3)
    assert m["pairs"]["recall"] == pytest.approx(0.5) and m["pairs"]["precision"] == 1.0
    assert result["counts"]["missing"] == 1


def test_er_wrong_customer_and_nil(dataset: Path, tmp_path: Path) -> None:
    rows = [{"mention_id": "BTX-2:9", "customer_id": "CUS-00002"}, {"mention_id": "BTX-4:11", "customer_id": "CUS-00003"},
            {"mention_id": "BTX-5:35", "customer_id": None}]
    m = evaluate(dataset, "er", write_jsonl(tmp_path / "p.jsonl", rows))["metrics"]
    assert m["linking"]["accuracy"] == 0.0
    assert m["linking"]["nil"] == prf(0, 1, 1)
    assert m["pairs"]["tp"] == 0 and m["pairs"]["predicted"] == 2  # both wrong customers are candidates


def test_actions_removing_lines_and_wrong_sets(dataset: Path, tmp_path: Path) -> None:
    rows = [{"transaction_id": t, "actions": a} for t, a in ACTIONS_GOLD if t != "BTX-5"]
    rows[0]["actions"] = ["reconcile", "update_erp"]  # notify missed on BTX-1
    result = evaluate(dataset, "actions", write_jsonl(tmp_path / "p.jsonl", rows))
    m = result["metrics"]
    assert m["exact_set_accuracy"] == pytest.approx(3 / 5)
    assert m["per_action"]["notify"]["recall"] == 0.0
    assert m["per_action"]["approve"]["recall"] == 0.0
    assert m["per_action"]["reconcile"]["recall"] == pytest.approx(2 / 3)
    assert result["counts"]["missing"] == 1


# ------------------------------------------------------------------------------------------- bad input

BAD = [
    ("ner", ['{"id": "BTX-1", "label": []}', '{"id": "BTX-2", "label": [}'], 2, "not valid JSON"),
    ("ner", ['{"id": "BTX-9", "label": []}'], 1, "unknown id 'BTX-9'"),
    ("ner", ['{"id": "BTX-1", "label": []}', '{"id": "BTX-1", "label": []}'], 2, "predicted twice (first on line 1)"),
    ("ner", ['{"id": "BTX-3", "label": [[0, 99, "COMPANY"]]}'], 1, "outside its text of 12 characters"),
    ("ner", ['{"id": "BTX-3", "label": [[0, 4, "B-COMPANY"]]}'], 1, "unknown tag 'B-COMPANY'"),
    ("ner", ['{"id": "BTX-3", "label": [["0", 4, "COMPANY"]]}'], 1, "not [start, end, \"TAG\"]"),
    ("ner", ['{"id": "BTX-3", "label": "COMPANY"}'], 1, "'label' must be list"),
    ("ner", ['[1, 2]'], 1, "expected a JSON object"),
    ("er", ['{"mention_id": "BTX-2:9", "customer_id": "CUS-99999"}'], 1, "unknown customer_id 'CUS-99999'"),
    ("er", ['{"mention_id": "BTX-2:9", "customer_id": null}', '{"mention_id": "BTX-2:9", "customer_id": null}'], 2,
     "mention 'BTX-2:9' predicted twice"),
    ("er", ['{"mention_id": "BTX-2:9", "customer_id": "CUS-00003", "label": 1}'], 1, "is not in the pair file"),
    ("er", ['{"mention_id": "BTX-2:9", "customer_id": "CUS-00001", "label": 7}'], 1, "'label' must be 0 or 1"),
    ("recon", ['{"transaction_id": "BTX-1", "outcome": "PAID", "allocations": []}'], 1, "unknown outcome 'PAID'"),
    ("recon", [('{"transaction_id": "BTX-1", "outcome": "PARTIAL_PAYMENT", "allocations": '
                '[{"invoice_number": "XYZ", "amount": "1.00"}]}')], 1, "unknown invoice_number 'XYZ'"),
    ("recon", [('{"transaction_id": "BTX-1", "outcome": "PARTIAL_PAYMENT", "allocations": '
                '[{"invoice_number": "MFG-INV-000288", "amount": "abc"}]}')], 1, "is not a positive number"),
    ("recon", ['{"transaction_id": "BTX-1", "outcome": "NOT_RECEIVABLE", "allocations": []}',
               '{"transaction_id": "BTX-3", "outcome": "NOT_RECEIVABLE", "allocations": []}',
               '{"transaction_id": "BTX-1", "outcome": "NOT_RECEIVABLE", "allocations": []}'], 3,
     "transaction 'BTX-1' predicted twice (first on line 1)"),
    ("recon", ['{"transaction_id": "BTX-1", "outcome": "NOT_RECEIVABLE"}'], 1, "missing key 'allocations'"),
    ("actions", ['{"transaction_id": "BTX-1", "actions": ["pay"]}'], 1, "unknown action 'pay'"),
    ("actions", ['{"transaction_id": "BTX-1", "actions": ["notify", "notify"]}'], 1, "listed twice"),
    ("actions", ['{"transaction_id": 17, "actions": []}'], 1, "'transaction_id' must be str"),
]


@pytest.mark.parametrize("task,lines,line_no,message", BAD)
def test_bad_predictions_name_file_line_and_problem(dataset: Path, tmp_path: Path, task: str, lines: list[str],
                                                     line_no: int, message: str) -> None:
    pred = tmp_path / "bad.jsonl"
    pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PredictionError) as err:
        evaluate(dataset, task, pred)
    text = str(err.value)
    assert str(pred) in text and f"line {line_no}: " in text and message in text, text
    assert "; " in text.split(f"line {line_no}: ", 1)[1]  # a fix follows the problem


def test_cli_exit_2_names_the_line_without_traceback(dataset: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    pred = tmp_path / "bad.jsonl"
    pred.write_text('{"transaction_id": "BTX-1", "outcome": "NOT_RECEIVABLE", "allocations": []}\nnot json\n')
    code = main(["evaluate", str(dataset), "--task", "recon", "--pred", str(pred)])
    err = capsys.readouterr().err
    assert code == 2
    assert "line 2: not valid JSON" in err and "Traceback" not in err


def test_cli_json_and_table(dataset: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(dataset), "--task", "ner", "--pred", str(gold_file(dataset, "ner"))]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result) == ["task", "split", "dataset", "predictions", "headline", "counts", "metrics"]
    assert main(["evaluate", str(dataset), "--task", "recon", "--format", "table",
                 "--pred", str(gold_file(dataset, "recon"))]) == 0
    out = capsys.readouterr().out
    assert "allocation pairs" in out and "gold \\ predicted" in out


def test_missing_files_and_bad_split_are_user_errors(dataset: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(dataset), "--task", "ner", "--pred", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["evaluate", str(dataset), "--task", "ner", "--split", "dev",
                 "--pred", str(gold_file(dataset, "ner"))]) == 2
    assert "task file missing" in capsys.readouterr().err
    assert main(["evaluate", str(dataset), "--task", "ner", "--split", "valid",
                 "--pred", str(gold_file(dataset, "ner"))]) == 2
    assert "unknown split 'valid'" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------- metrics

def test_strict_spans_agree_with_seqeval_strict_iob2() -> None:
    """Character-span exact matching equals seqeval's strict IOB2 mode on token-aligned spans."""
    seqeval_metrics = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    from ledgersim.evaluate.ner import score

    rng = random.Random(5)
    labels = ["PAYMENT_TYPE", "COMPANY", "INVOICE", "CONTRACT", "PURCHASE_ORDER"]

    def random_spans(n: int) -> list[tuple[int, int, str]]:
        out, i = [], 0
        while i < n:
            if rng.random() < 0.4:
                j = min(n, i + rng.randint(1, 3))
                out.append((i, j, rng.choice(labels)))
                i = j
            else:
                i += 1
        return out

    def iob2(sp: list[tuple[int, int, str]], n: int) -> list[str]:
        t = ["O"] * n
        for i, j, lab in sp:
            t[i] = f"B-{lab}"
            for k in range(i + 1, j):
                t[k] = f"I-{lab}"
        return t

    gold, pred, y_true, y_pred = {}, {}, [], []
    for d in range(300):
        tokens = [rng.choice(["AB", "CDE", "F", "GHIJ"]) for _ in range(rng.randint(1, 12))]
        starts = [sum(len(t) + 1 for t in tokens[:k]) for k in range(len(tokens))]
        ends = [s + len(t) for s, t in zip(starts, tokens)]
        g = random_spans(len(tokens))
        if rng.random() < 0.5:
            p = random_spans(len(tokens))
        else:  # a prediction close to gold: some spans kept, some spurious ones added without overlaps
            p = sorted({s[0]: s for s in [s for s in g if rng.random() < 0.8]
                        + [s for s in random_spans(len(tokens)) if rng.random() < 0.2]}.values())
            p = [s for k, s in enumerate(p) if k == 0 or s[0] >= p[k - 1][1]]
        gold[f"D{d}"] = (" ".join(tokens), [(starts[i], ends[j - 1], lab) for i, j, lab in g])
        pred[f"D{d}"] = [(starts[i], ends[j - 1], lab) for i, j, lab in p]
        y_true.append(iob2(g, len(tokens)))
        y_pred.append(iob2(p, len(tokens)))
    mine = score(gold, pred)["metrics"]["strict"]["micro"]
    kw = {"mode": "strict", "scheme": IOB2}
    assert mine["precision"] == pytest.approx(seqeval_metrics.precision_score(y_true, y_pred, **kw), abs=1e-6)
    assert mine["recall"] == pytest.approx(seqeval_metrics.recall_score(y_true, y_pred, **kw), abs=1e-6)
    assert mine["f1"] == pytest.approx(seqeval_metrics.f1_score(y_true, y_pred, **kw), abs=1e-6)


def test_prf_and_classification_edge_cases() -> None:
    assert prf(0, 0, 0)["f1"] == 1.0  # nothing to find, nothing predicted
    assert prf(0, 3, 0)["precision"] == 0.0
    assert prf(2, 4, 2) == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(0.666667), "tp": 2,
                            "predicted": 4, "gold": 2}
    c = classification(["A", "A", "B"], ["A", None, "B"], ["A", "B"])
    assert c["accuracy"] == pytest.approx(2 / 3)
    assert c["per_class"]["A"]["recall"] == 0.5
    assert c["confusion"]["matrix"] == [[1, 0, 1], [0, 1, 0]]
