"""Write the task files (docs/tasks.md) from a generated dataset.

Partitions are read one at a time from their Parquet parts (a customer's
lines, invoices and mentions all live in its partition), turned into task
rows with vectorised Arrow/numpy code, and appended to one file per task and
split, so memory depends on the partition size, not on the dataset.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ledgersim.frames import index_of, ranges
from ledgersim.observe.templates import templates
from ledgersim.schema import BY_NAME, NER_LABELS
from ledgersim.spec.models import Scenario
from ledgersim.tasks import actions as actions_task
from ledgersim.tasks.jsonl import append, encode, obj, quote
from ledgersim.tasks.splits import SPLITS, customer_splits, held_out_templates, line_splits
from ledgersim.tasks.tokens import TAGS, conll, tokenize

CUSTOMER_COLUMNS = ("customer_id", "legal_name", "country", "industry", "segment", "parent_customer_id",
                    "tax_id", "tax_id_type", "currency", "bank_name", "bank_account", "bic")
LINE_COLUMNS = ("transaction_id", "account_id", "booking_date", "value_date", "direction", "amount", "currency",
                "narrative")
INVOICE_COLUMNS = ("invoice_number", "customer_id", "contract_id", "po_number", "issue_date", "due_date",
                   "currency", "amount")
RANDOM_NEGATIVES = 2

FILES = {
    "ner": ("{s}.jsonl", "{s}.conll"),
    "er": ("{s}.mentions.jsonl", "{s}.gold.jsonl", "{s}.pairs.jsonl"),
    "recon": ("{s}.lines.jsonl", "{s}.invoices.jsonl", "{s}.gold.jsonl"),
    "actions": ("{s}.gold.jsonl", "{s}.episodes.jsonl"),
}


@dataclass
class _Stats:
    """Running tallies for the manifest, per split."""

    lines: Counter = field(default_factory=Counter)
    mentions: Counter = field(default_factory=Counter)
    labels: dict[str, Counter] = field(default_factory=lambda: {s: Counter() for s in SPLITS})
    customers: dict[str, set] = field(default_factory=lambda: {s: set() for s in SPLITS})
    templates: dict[str, set] = field(default_factory=lambda: {s: set() for s in SPLITS})
    surfaces: dict[str, Counter] = field(default_factory=lambda: {s: Counter() for s in SPLITS})


@dataclass(frozen=True)
class Source:
    """Where the dataset's Parquet files are read from: a directory or an fsspec root."""

    root: str
    filesystem: object = None

    def read(self, rel: str) -> pa.Table:
        return pq.read_table(f"{self.root.rstrip('/')}/{rel}", filesystem=self.filesystem)


def _part(src: Source, table: str, index: int) -> pa.RecordBatch:
    """One partition of a table as a single batch (plain arrays, not chunked)."""
    t = BY_NAME[table]
    data = src.read(f"{t.path}/part-{index:05d}.parquet").combine_chunks()
    batches = data.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=data.schema)


def _strings(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)


class _Writer:
    """One temporary file per output, renamed into place when all partitions are in."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.handles: dict[str, BinaryIO] = {}
        self.rows: Counter = Counter()

    def path(self, rel: str) -> Path:
        return self.root / "tasks" / rel

    def lines(self, rel: str, lines: pa.Array) -> None:
        self.rows[rel] += append(self._open(rel), lines)

    def text(self, rel: str, text: str, rows: int) -> None:
        self._open(rel).write(text.encode("utf-8"))
        self.rows[rel] += rows

    def _open(self, rel: str) -> BinaryIO:
        if rel not in self.handles:
            p = self.path(rel)
            p.parent.mkdir(parents=True, exist_ok=True)
            self.handles[rel] = open(p.with_name(f".{p.name}.tmp"), "wb")  # noqa: SIM115 (closed in finish)
        return self.handles[rel]

    def finish(self) -> list[Path]:
        out = []
        for rel, f in sorted(self.handles.items()):
            f.close()
            p = self.path(rel)
            os.replace(p.with_name(f".{p.name}.tmp"), p)
            out.append(p)
        return out


def build_tasks(root: Path, scenario: Scenario, partitions: int,
                source: Source | None = None) -> tuple[list[tuple[Path, int]], dict]:
    """Write every task file under ``root/tasks``, reading the dataset from ``source``
    (default: ``root``); returns (path, rows) per file and the manifest's ``tasks`` summary."""
    src = source or Source(root.as_posix())
    w = _Writer(root)
    stats = _Stats()
    # every file exists even when a split is empty
    for task, patterns in FILES.items():
        for s in SPLITS:
            for pat in patterns:
                w._open(f"{task}/{pat.format(s=s)}")
    held = held_out_templates(scenario.seed, [t.id for t in templates()], scenario.tasks.holdout_templates)
    fx = src.read("tables/fx_rates.parquet").combine_chunks()
    for index in range(partitions):
        _partition(src, scenario, index, w, stats, held, fx)
    labels_path = root / "tasks" / "ner" / "labels.json"
    labels_path.write_text(json.dumps(list(TAGS)) + "\n", "utf-8")
    files = [(p, w.rows[p.relative_to(root / "tasks").as_posix()]) for p in w.finish()]
    files.append((labels_path, len(TAGS)))
    return files, _summary(stats, scenario, held)


def _partition(src: Source, sc: Scenario, index: int, w: _Writer, stats: _Stats, held: set[str],
               fx: pa.Table) -> None:
    customers = _part(src, "customers", index)
    profiles = _part(src, "customer_profiles", index)
    lines = _part(src, "bank_transactions", index)
    truth = _part(src, "transaction_truth", index)
    mentions = _part(src, "mentions", index)
    invoices = _part(src, "invoices", index)
    allocations = _part(src, "allocations", index)

    # splits: customers by group, lines by the customer they concern
    cid = _strings(customers["customer_id"])
    parent = np.where(pc.is_null(customers["parent_customer_id"]).to_numpy(zero_copy_only=False), "",
                      _strings(pc.fill_null(customers["parent_customer_id"], "")))
    group, c_split = customer_splits(sc.seed, cid, parent.astype(str), sc.tasks.splits)
    w.lines("splits.jsonl", encode(pa.table({"customer_id": cid.astype(str), "group_id": group.astype(str),
                                             "split": c_split.astype(str)})))
    tid = _strings(lines["transaction_id"]).astype(str)
    owner = _strings(pc.fill_null(truth["customer_id"], "")).astype(str)
    has_owner = owner != ""
    split = line_splits(sc.seed, tid, sc.tasks.splits).astype(object)
    split[has_owner] = c_split[index_of(owner[has_owner], cid)]
    split = split.astype(str)
    template = _strings(truth["template_id"]).astype(str)
    keep = ~((split == "train") & np.isin(template, list(held)))
    inv_owner = _strings(invoices["customer_id"]).astype(str)
    inv_split = c_split[index_of(inv_owner, cid)].astype(str)

    m_tid = _strings(mentions["transaction_id"]).astype(str)
    m_line = np.searchsorted(tid, m_tid)  # lines are in transaction-id order
    narratives = _strings(lines["narrative"])
    tokens = tokenize(narratives.tolist(), m_line, mentions["start"].to_numpy(zero_copy_only=False),
                      mentions["end"].to_numpy(zero_copy_only=False),
                      _strings(mentions["label"]).astype(str))
    acts = actions_task.gold(sc, lines, truth, allocations, invoices, fx, customers)
    for s in SPLITS:
        rows = np.flatnonzero((split == s) & keep)
        if not len(rows):
            continue
        m_rows = np.flatnonzero(np.isin(m_line, rows))
        _ner(w, s, lines, mentions, rows, m_rows, m_line, tokens)
        _er(w, s, sc, index, lines, mentions, customers, profiles, m_rows, m_line)
        _recon(w, s, lines, truth, acts.allocation_lists, rows)
        inv_rows = np.flatnonzero(inv_split == s)
        w.lines(f"recon/{s}.invoices.jsonl", encode(invoices.take(pa.array(inv_rows)).select(list(INVOICE_COLUMNS))))
        actions_task.write(w, s, acts, rows)
        # tallies
        stats.lines[s] += len(rows)
        stats.mentions[s] += len(m_rows)
        stats.labels[s].update(_strings(mentions["label"].take(pa.array(m_rows))).tolist())
        stats.customers[s].update(cid[c_split == s].tolist())
        stats.templates[s].update(template[rows].tolist())
        stats.surfaces[s].update(_strings(mentions["surface"].take(pa.array(m_rows))).tolist())
    w.lines("er/customers.jsonl", encode(customers.select(list(CUSTOMER_COLUMNS))))


def _ner(w: _Writer, s: str, lines: pa.Table, mentions: pa.Table, rows: np.ndarray, m_rows: np.ndarray,
         m_line: np.ndarray, tokens) -> None:  # type: ignore[no-untyped-def]
    """Doccano JSONL and CoNLL IOB2 for the lines ``rows`` of one split."""
    spans = pc.binary_join_element_wise(
        "[", mentions["start"].take(pa.array(m_rows)).cast(pa.string()), ", ",
        mentions["end"].take(pa.array(m_rows)).cast(pa.string()), ", ",
        quote(mentions["label"].take(pa.array(m_rows))), "]", "")
    # mentions of the split's lines, grouped by line (both are in line order)
    local = np.searchsorted(rows, m_line[m_rows])
    offsets = np.searchsorted(local, np.arange(len(rows) + 1)).astype(np.int32)
    label = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), spans), ", ")
    doc = obj({"id": lines["transaction_id"].take(pa.array(rows)), "text": lines["narrative"].take(pa.array(rows))})
    doc = pc.binary_join_element_wise(pc.utf8_slice_codeunits(doc, 0, -1), ', "label": [', label, "]}", "")
    w.lines(f"ner/{s}.jsonl", doc)
    # CoNLL: the tokens of these lines, in the same order
    pick = ranges(tokens.first[rows], tokens.first[rows + 1])
    sub_first = np.concatenate([[0], np.cumsum(tokens.first[rows + 1] - tokens.first[rows])])
    sub = type(tokens)(tokens.row[pick], tokens.start[pick], tokens.end[pick], tokens.text.take(pa.array(pick)),
                       tokens.tag[pick], sub_first)
    w.text(f"ner/{s}.conll", conll(sub, len(rows)), len(rows))


def _er(w: _Writer, s: str, sc: Scenario, index: int, lines: pa.Table, mentions: pa.Table, customers: pa.Table,
        profiles: pa.Table, m_rows: np.ndarray, m_line: np.ndarray) -> None:
    """Company mentions, their gold customer, and candidate pairs with hard negatives."""
    company = m_rows[_strings(mentions["label"].take(pa.array(m_rows))) == "COMPANY"]
    if not len(company):
        return
    mt = mentions.take(pa.array(company))
    mention_id = pc.binary_join_element_wise(mt["transaction_id"], mt["start"].cast(pa.string()), ":")
    narrative = lines["narrative"].take(pa.array(m_line[company]))
    w.lines(f"er/{s}.mentions.jsonl", obj({"mention_id": mention_id, "transaction_id": mt["transaction_id"],
                                           "narrative": narrative, "start": mt["start"], "end": mt["end"],
                                           "surface": mt["surface"]}))
    w.lines(f"er/{s}.gold.jsonl", obj({"mention_id": mention_id, "customer_id": mt["entity_id"]}))

    # candidates: the right customer, the ones made to resemble it (both ways), its group, random others
    cid = _strings(customers["customer_id"]).astype(str)
    parent = _strings(pc.fill_null(customers["parent_customer_id"], "")).astype(str)
    conf = _strings(pc.fill_null(profiles["confusable_with"], "")).astype(str)
    pc_id = _strings(profiles["customer_id"]).astype(str)
    rel_a = np.concatenate([pc_id[conf != ""], conf[conf != ""], cid[parent != ""], parent[parent != ""]])
    rel_b = np.concatenate([conf[conf != ""], pc_id[conf != ""], parent[parent != ""], cid[parent != ""]])
    gold = _strings(pc.fill_null(mt["entity_id"], "")).astype(str)
    mids = _strings(mention_id).astype(str)
    order = np.argsort(rel_a, kind="stable")
    ra, rb = rel_a[order], rel_b[order]
    lo, hi = np.searchsorted(ra, gold, "left"), np.searchsorted(ra, gold, "right")
    count = hi - lo
    near_m = np.repeat(np.arange(len(gold)), count)
    near_c = rb[ranges(lo, hi)]
    gen = np.random.default_rng([sc.seed, index, 0x5EED])  # keyed: seed, partition, stream
    rand_m = np.repeat(np.arange(len(gold)), RANDOM_NEGATIVES)
    rand_c = cid[gen.integers(0, len(cid), len(rand_m))]
    has_gold = gold != ""
    pm = np.concatenate([np.flatnonzero(has_gold), near_m, rand_m])
    pcand = np.concatenate([gold[has_gold], near_c, rand_c])
    label = np.concatenate([np.ones(int(has_gold.sum()), np.int64), np.zeros(len(near_m) + len(rand_m), np.int64)])
    key = np.char.add(np.char.add(mids[pm].astype(str), "|"), pcand.astype(str))
    _, first = np.unique(key, return_index=True)  # a pair once: the positive wins (it comes first)
    first = np.sort(first)
    pm, pcand, label = pm[first], pcand[first], label[first]
    order = np.lexsort((pcand, pm))
    w.lines(f"er/{s}.pairs.jsonl", obj({"mention_id": pa.array(mids[pm[order]].astype(str)),
                                        "customer_id": pa.array(pcand[order].astype(str)),
                                        "label": pa.array(label[order])}))


def _recon(w: _Writer, s: str, lines: pa.Table, truth: pa.Table, allocation_lists: pa.Array,
           rows: np.ndarray) -> None:
    take = pa.array(rows)
    picked = lines.take(take).select(list(LINE_COLUMNS))
    w.lines(f"recon/{s}.lines.jsonl", encode(picked))
    w.lines(f"recon/{s}.gold.jsonl", obj({"transaction_id": picked["transaction_id"],
                                          "outcome": truth["outcome"].take(take),
                                          "allocations": allocation_lists.take(take)}))


def _summary(stats: _Stats, sc: Scenario, held: set[str]) -> dict:
    train_surfaces = set(stats.surfaces["train"])
    out: dict = {"splits": dict(sc.tasks.splits), "held_out_templates": sorted(held), "per_split": {}}
    for s in SPLITS:
        others = set().union(*(stats.customers[o] for o in SPLITS if o != s))
        total = sum(stats.surfaces[s].values())
        unseen = sum(n for surface, n in stats.surfaces[s].items() if surface not in train_surfaces)
        out["per_split"][s] = {
            "lines": stats.lines[s],
            "mentions": stats.mentions[s],
            "customers": len(stats.customers[s]),
            "label_share": {label: round(stats.labels[s][label] / max(1, stats.mentions[s]), 4) for label in NER_LABELS},
            "customer_overlap": len(stats.customers[s] & others),
            "templates": len(stats.templates[s]),
            "templates_shared_with_train": len(stats.templates[s] & stats.templates["train"]),
            "mentions_unseen_in_train": round(unseen / total, 4) if total and s != "train" else 0.0,
        }
    return out
