"""``ledgersim export``: the NER task for spaCy (DocBin) and HuggingFace datasets.

Both use the tokens of the CoNLL files (docs/tasks.md), so a model trained
on any of the three formats sees the same words and tags. spaCy and
``datasets`` are optional extras (``pip install ledgersim[ml]``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ledgersim.errors import DatasetError, LedgersimError
from ledgersim.tasks.build import task_file
from ledgersim.tasks.jsonl import read
from ledgersim.tasks.splits import SPLITS
from ledgersim.tasks.tokens import TAGS, tokenize

FORMATS = ("spacy", "hf")
HF_SPLIT = {"train": "train", "dev": "validation", "test": "test"}


class ExtraMissing(LedgersimError):
    """An optional dependency of an export format is not installed."""


def _split_docs(root: Path, split: str) -> tuple[list[str], list[str], object]:
    rows = read(task_file(root, "ner", f"{split}.jsonl"))
    texts = [r["text"] for r in rows]
    spans = [(i, s, e, lab) for i, r in enumerate(rows) for s, e, lab in r["label"]]
    m = np.array(spans, dtype=object).reshape(-1, 4)
    tokens = tokenize(texts, m[:, 0].astype(np.int64), m[:, 1].astype(np.int64), m[:, 2].astype(np.int64),
                      m[:, 3].astype(str))
    return [r["id"] for r in rows], texts, tokens


def export_ner(root: Path, fmt: str, out: Path | None = None) -> list[Path]:
    """Write the NER splits in ``fmt``; returns the paths written."""
    if fmt not in FORMATS:
        raise LedgersimError(f"--format: unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not (root / "manifest.json").is_file():
        raise DatasetError(f"export: {root} is not a complete dataset (no manifest.json); generate it first")
    out = out or root / "exports" / "ner" / fmt  # outside tasks/: not part of the manifest
    out.mkdir(parents=True, exist_ok=True)
    return _spacy(root, out) if fmt == "spacy" else _hf(root, out)


def _words(tokens, texts: list[str]) -> tuple[list[list[str]], list[list[bool]], list[list[int]]]:  # type: ignore[no-untyped-def]
    """Per document: words, whether a space follows each, tag ids."""
    text = tokens.text.to_pylist()
    words, spaces, tags = [], [], []
    for d in range(len(texts)):  # building per-document objects is what these libraries take
        lo, hi = tokens.first[d], tokens.first[d + 1]
        words.append(text[lo:hi])
        ends, starts = tokens.end[lo:hi], tokens.start[lo:hi]
        spaces.append([bool(e < s) for e, s in zip(ends[:-1], starts[1:])] + [False] if hi > lo else [])
        tags.append(tokens.tag[lo:hi].tolist())
    return words, spaces, tags


def _spacy(root: Path, out: Path) -> list[Path]:
    try:
        import spacy
        from spacy.tokens import Doc, DocBin, Span
    except ImportError:
        raise ExtraMissing("export --format spacy needs spaCy: pip install 'ledgersim[ml]'") from None
    nlp = spacy.blank("xx")
    paths = []
    for split in SPLITS:
        _ids, texts, tokens = _split_docs(root, split)
        words, spaces, tags = _words(tokens, texts)
        db = DocBin(store_user_data=False)
        for w, sp, tg in zip(words, spaces, tags):
            doc = Doc(nlp.vocab, words=w, spaces=sp)
            ents = []
            for i, t in enumerate(tg):
                name = TAGS[t]
                if name.startswith("B-"):
                    end = i + 1
                    while end < len(tg) and TAGS[tg[end]] == "I-" + name[2:]:
                        end += 1
                    ents.append(Span(doc, i, end, label=name[2:]))
            doc.ents = ents
            db.add(doc)
        path = out / f"{split}.spacy"
        db.to_disk(path)
        paths.append(path)
    return paths


def _hf(root: Path, out: Path) -> list[Path]:
    try:
        import datasets
        from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value
        datasets.disable_progress_bars()
    except ImportError:
        raise ExtraMissing("export --format hf needs HuggingFace datasets: pip install 'ledgersim[ml]'") from None
    features = Features({"id": Value("string"), "tokens": Sequence(Value("string")),
                         "ner_tags": Sequence(ClassLabel(names=list(TAGS)))})
    parts = {}
    for split in SPLITS:
        ids, texts, tokens = _split_docs(root, split)
        words, _spaces, tags = _words(tokens, texts)
        parts[HF_SPLIT[split]] = Dataset.from_dict({"id": ids, "tokens": words, "ner_tags": tags}, features=features)
    DatasetDict(parts).save_to_disk(str(out))
    return [out]
