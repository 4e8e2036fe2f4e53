"""Learnability: a small spaCy NER (blank model, CPU) trained on train, strict F1 on the customer-disjoint test split.

Usage (from the repo root; needs spaCy: ``pip install 'spacy>=3.7,<4'``):

    .venv/bin/python bench/ner_learn.py [--dataset DIR | --preset demo] [--train-docs 20000] [--epochs 5]

Without ``--dataset`` it generates the preset at ``noise.level: medium`` (the
default) in a temporary directory. Training reads ``tasks/ner/train.jsonl``
only (a random sample of ``--train-docs`` narratives, seed 0); the model is
spaCy's default NER (hash-embedding CNN tok2vec + transition-based parser)
from ``spacy.blank("xx")``. Tokens follow docs/tasks.md without the gold
cuts: white space, and ``/ * :`` as tokens of their own. The model's entity
spans on ``tasks/ner/test.jsonl`` are scored with ``ledgersim evaluate``
(strict: exact character span and label). Nothing is tuned on test; the
fixed settings below were not tuned at all.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ledgersim.evaluate import evaluate
from ledgersim.evaluate.predictions import read_jsonl, write_jsonl

TOKEN = re.compile(r"[/*:]|[^\s/*:]+|\s+")


def make_tokenizer(vocab):  # type: ignore[no-untyped-def]
    from spacy.tokens import Doc

    def tokenize(text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for m in TOKEN.finditer(text):
            w = m.group(0)
            if w == " " and words and not words[-1].isspace() and not spaces[-1]:
                spaces[-1] = True
                continue
            words.append(w)
            spaces.append(False)
        return Doc(vocab, words=words, spaces=spaces)

    return tokenize


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", help="an existing dataset with tasks/ (default: generate --preset)")
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--train-docs", type=int, default=20000, help="narratives sampled from train (0: all)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--split", default="test")
    ap.add_argument("--out", help="also write the test predictions (Doccano JSONL) here")
    args = ap.parse_args(argv)

    import spacy
    from spacy.training import Example
    from spacy.util import minibatch

    with tempfile.TemporaryDirectory(prefix="ledgersim-nerlearn-") as tmp:
        dataset = Path(args.dataset) if args.dataset else Path(tmp) / "dataset"
        if not args.dataset:
            from ledgersim.dataset import generate
            from ledgersim.engine import make_engine
            from ledgersim.spec import build_scenario

            generate(build_scenario(args.preset, {"noise": {"level": "medium"}}), dataset, engine=make_engine(2))
        manifest = json.loads((dataset / "manifest.json").read_text("utf-8"))
        level = manifest["scenario"]["noise"]["level"]

        train = read_jsonl(dataset / "tasks" / "ner" / "train.jsonl")
        random.Random(0).shuffle(train)
        if args.train_docs:
            train = train[: args.train_docs]
        test = read_jsonl(dataset / "tasks" / "ner" / f"{args.split}.jsonl")

        spacy.util.fix_random_seed(0)
        nlp = spacy.blank("xx")
        nlp.tokenizer = make_tokenizer(nlp.vocab)
        ner = nlp.add_pipe("ner")
        examples, skipped = [], 0
        for row in train:
            doc = nlp.make_doc(row["text"])
            ents = []
            for s, e, label in row["label"]:
                ner.add_label(label)
                span = doc.char_span(s, e, label=label, alignment_mode="strict")
                if span is None:
                    skipped += 1
                else:
                    ents.append((span.start_char, span.end_char, label))
            examples.append(Example.from_dict(doc, {"entities": ents}))
        started = time.perf_counter()
        optimizer = nlp.initialize(lambda: examples)
        rng = random.Random(1)
        for epoch in range(args.epochs):
            rng.shuffle(examples)
            losses: dict[str, float] = {}
            for batch in minibatch(examples, size=64):
                nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
            print(f"  epoch {epoch + 1}: loss {losses.get('ner', 0):.1f}", file=sys.stderr)
        train_s = time.perf_counter() - started

        t0 = time.perf_counter()
        preds = [{"id": row["id"], "label": [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents]}
                 for row, doc in zip(test, nlp.pipe((r["text"] for r in test), batch_size=256))]
        predict_s = time.perf_counter() - t0
        pred_path = Path(args.out) if args.out else Path(tmp) / "pred.jsonl"
        write_jsonl(pred_path, preds)
        result = evaluate(dataset, "ner", pred_path, split=args.split)

    strict = result["metrics"]["strict"]
    print(f"spaCy {spacy.__version__} blank NER, noise {level}: trained on {len(train):,} train narratives "
          f"({skipped} gold spans off the token boundaries skipped), {args.epochs} epochs in {train_s:.0f} s; "
          f"{len(test):,} {args.split} narratives in {predict_s:.1f} s")
    print(f"strict micro P/R/F1 on {args.split}: {strict['micro']['precision']:.4f} / {strict['micro']['recall']:.4f}"
          f" / {strict['micro']['f1']:.4f}   (macro F1 {strict['macro']['f1']:.4f}; partial-overlap F1 "
          f"{result['metrics']['overlap']['partial']['f1']:.4f})")
    for label, s in strict["per_label"].items():
        print(f"  {label:<15} P {s['precision']:.4f}  R {s['recall']:.4f}  F1 {s['f1']:.4f}  (gold {s['gold']:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
