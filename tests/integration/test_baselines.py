"""`ledgersim baseline` on the tiny preset: runs on the task inputs alone and scores sensibly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledgersim.cli import main
from ledgersim.evaluate import evaluate

# Everything a baseline may read: the task inputs, the manifest (for the policy) and the reference rates.
INPUTS = ("tasks/er/customers.jsonl", "tasks/er/{s}.mentions.jsonl", "tasks/recon/{s}.lines.jsonl",
          "tasks/recon/{s}.invoices.jsonl", "manifest.json", "tables/fx_rates.parquet")
# Loose floors: the tiny preset's splits hold a handful of customers.
FLOORS = {"ner": 0.95, "er": 0.9, "recon": 0.8, "actions": 0.75}


@pytest.fixture(scope="module")
def ds(tiny_dataset: Path) -> Path:
    if not (tiny_dataset / "tasks").is_dir():
        pytest.skip("this build of generate() writes no tasks/ yet (docs/tasks.md)")
    return tiny_dataset


@pytest.fixture(scope="module")
def inputs_only(ds: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the dataset with only the baselines' input files: no truth/, no gold, no other tables."""
    root = tmp_path_factory.mktemp("inputs") / "dataset"
    for split in ("dev", "test"):
        for rel in INPUTS:
            src = ds / rel.format(s=split)
            dst = root / rel.format(s=split)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    assert not (root / "truth").exists()
    return root


@pytest.mark.parametrize("split", ["dev", "test"])
@pytest.mark.parametrize("task", ["ner", "er", "recon", "actions"])
def test_baseline_reads_only_inputs_and_scores_above_its_floor(ds: Path, inputs_only: Path, tmp_path: Path,
                                                               task: str, split: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"{task}.{split}.jsonl"
    assert main(["baseline", str(inputs_only), "--task", task, "--split", split, "--out", str(out)]) == 0
    assert "baseline predictions" in capsys.readouterr().out
    result = evaluate(ds, task, out, split=split)  # validates every row against the gold files
    missing = result["counts"].get("missing", result["counts"].get("missing_documents"))
    assert missing == 0
    assert result["headline"]["value"] >= FLOORS[task], result["headline"]


def test_baseline_is_deterministic(inputs_only: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (a, b):
        assert main(["baseline", str(inputs_only), "--task", "actions", "--out", str(out)]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_baseline_on_a_directory_without_tasks_is_a_user_error(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["baseline", str(tmp_path), "--task", "recon", "--out", str(tmp_path / "p.jsonl")]) == 2
    assert "not a complete ledgersim dataset" in capsys.readouterr().err
