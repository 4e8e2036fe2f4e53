"""`ledgersim evaluate` against the task files of the generated tiny preset."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ledgersim.cli import main
from ledgersim.evaluate import evaluate

GOLD = {"ner": "ner/{s}.jsonl", "er": "er/{s}.gold.jsonl", "recon": "recon/{s}.gold.jsonl",
        "actions": "actions/{s}.gold.jsonl"}
SCORES = ("precision", "recall", "f1", "accuracy", "macro_f1", "exact_set_accuracy", "weighted_accuracy",
          "exact_share", "linked_accuracy", "nil_accuracy")


@pytest.fixture(scope="module")
def ds(tiny_dataset: Path) -> Path:
    if not (tiny_dataset / "tasks").is_dir():
        pytest.skip("this build of generate() writes no tasks/ yet (docs/tasks.md)")
    return tiny_dataset


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def write(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in items), encoding="utf-8")
    return path


def scores(obj: object) -> list[tuple[str, float]]:
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += [(k, v)] if k in SCORES else scores(v)
    return out


@pytest.mark.parametrize("split", ["dev", "test"])
@pytest.mark.parametrize("task", ["ner", "er", "recon", "actions"])
def test_gold_files_as_predictions_score_one_on_every_metric(ds: Path, task: str, split: str) -> None:
    result = evaluate(ds, task, ds / "tasks" / GOLD[task].format(s=split), split=split)
    found = scores(result["metrics"])
    assert len(found) > 5
    assert all(v == 1.0 for _, v in found), [f for f in found if f[1] != 1.0]
    assert result["counts"].get("missing", result["counts"].get("missing_documents")) == 0


def test_er_gold_plus_pair_file_scores_one(ds: Path, tmp_path: Path) -> None:
    items = rows(ds / "tasks/er/test.gold.jsonl") + rows(ds / "tasks/er/test.pairs.jsonl")
    result = evaluate(ds, "er", write(tmp_path / "p.jsonl", items))
    assert result["counts"]["pairs_source"] == "file"
    assert all(v == 1.0 for _, v in scores(result["metrics"]))


def test_ner_dropping_a_known_share_of_mentions_lowers_recall_by_that_share(ds: Path, tmp_path: Path) -> None:
    docs = rows(ds / "tasks/ner/test.jsonl")
    total = sum(len(d["label"]) for d in docs)
    dropped, k = 0, 0
    for d in docs:
        keep = []
        for span in d["label"]:
            k += 1
            if k % 4 == 0:
                dropped += 1
            else:
                keep.append(span)
        d["label"] = keep
    m = evaluate(ds, "ner", write(tmp_path / "p.jsonl", docs))["metrics"]["strict"]["micro"]
    assert dropped > 10
    assert m["recall"] == pytest.approx(1 - dropped / total, abs=1e-6)
    assert m["precision"] == 1.0


def test_recon_and_actions_missing_lines_lower_recall_by_their_share(ds: Path, tmp_path: Path) -> None:
    gold = rows(ds / "tasks/recon/test.gold.jsonl")
    kept = [g for i, g in enumerate(gold) if i % 3]
    pairs = sum(len(g["allocations"]) for g in gold)
    lost = pairs - sum(len(g["allocations"]) for g in kept)
    result = evaluate(ds, "recon", write(tmp_path / "p.jsonl", kept))
    assert result["counts"]["missing"] == len(gold) - len(kept)
    assert result["counts"]["missing_allocations"] == lost
    assert result["metrics"]["allocations"]["recall"] == pytest.approx(1 - lost / pairs, abs=1e-6)
    assert result["metrics"]["allocations"]["precision"] == 1.0

    actions = rows(ds / "tasks/actions/test.gold.jsonl")
    kept_a = [a for i, a in enumerate(actions) if i % 3]
    m = evaluate(ds, "actions", write(tmp_path / "a.jsonl", kept_a))["metrics"]
    assert m["exact_set_accuracy"] == pytest.approx(len(kept_a) / len(actions), abs=1e-6)
    for name, s in m["per_action"].items():
        if s["gold"]:
            kept_gold = sum(1 for a in kept_a if name in a["actions"])
            assert s["recall"] == pytest.approx(kept_gold / s["gold"], abs=1e-6)


def test_strict_scores_match_seqeval_on_the_gold_conll_tokens(ds: Path) -> None:
    """Perturb gold entities (drop, relabel) identically as character spans and as IOB2 tags on the
    CoNLL tokens; our exact-span scores equal seqeval's strict IOB2 scores."""
    seqeval_metrics = pytest.importorskip("seqeval.metrics")
    from seqeval.scheme import IOB2

    from ledgersim.evaluate.ner import load_gold, score

    gold = load_gold(ds, "test")
    blocks = [b for b in (ds / "tasks/ner/test.conll").read_text("utf-8").split("\n\n") if b.strip()]
    assert len(blocks) == len(gold)
    rng = random.Random(11)
    labels = ["PAYMENT_TYPE", "COMPANY", "INVOICE", "CONTRACT", "PURCHASE_ORDER"]
    y_true, y_pred, pred = [], [], {}
    for (doc, (_, spans)), block in zip(gold.items(), blocks):
        tags = [line.rsplit(" ", 1)[1] for line in block.splitlines()]
        starts = [i for i, t in enumerate(tags) if t.startswith("B-")]
        assert len(starts) == len(spans)
        new_tags, new_spans = list(tags), []
        for (s, e, lab), i in zip(sorted(spans), starts):
            j = i + 1
            while j < len(tags) and tags[j].startswith("I-"):
                j += 1
            r = rng.random()
            if r < 0.15:  # dropped
                new_tags[i:j] = ["O"] * (j - i)
            elif r < 0.3:  # wrong label
                other = rng.choice([x for x in labels if x != lab])
                new_tags[i:j] = [f"B-{other}"] + [f"I-{other}"] * (j - i - 1)
                new_spans.append((s, e, other))
            else:
                new_spans.append((s, e, lab))
        y_true.append(tags)
        y_pred.append(new_tags)
        pred[doc] = new_spans
    mine = score(gold, pred)["metrics"]["strict"]["micro"]
    kw = {"mode": "strict", "scheme": IOB2}
    assert mine["precision"] == pytest.approx(seqeval_metrics.precision_score(y_true, y_pred, **kw), abs=1e-6)
    assert mine["recall"] == pytest.approx(seqeval_metrics.recall_score(y_true, y_pred, **kw), abs=1e-6)
    assert mine["f1"] == pytest.approx(seqeval_metrics.f1_score(y_true, y_pred, **kw), abs=1e-6)


def test_cli_malformed_predictions_exit_2_naming_the_line(ds: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    gold = (ds / "tasks/recon/test.gold.jsonl").read_text("utf-8").splitlines()
    bad = write(tmp_path / "p.jsonl", [json.loads(x) for x in gold[:4]])
    with open(bad, "a", encoding="utf-8") as fh:
        fh.write(gold[1] + "\n")  # a transaction predicted twice, on line 5
        fh.write('{"transaction_id": "BTX-000000000000", "outcome": "PAID", "allocations": []}\n')
    code = main(["evaluate", str(ds), "--task", "recon", "--pred", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "line 5: transaction" in err and "predicted twice (first on line 2)" in err
    assert "line 6: " in err


def test_cli_table_output(ds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for task in ("ner", "er", "recon", "actions"):
        pred = ds / "tasks" / GOLD[task].format(s="test")
        assert main(["evaluate", str(ds), "--task", task, "--pred", str(pred), "--format", "table"]) == 0
        out = capsys.readouterr().out
        assert "headline:" in out and "1.0000" in out
