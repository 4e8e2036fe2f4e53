"""Write the task files (docs/tasks.md) from a generated dataset.

A partition's task rows depend only on that partition (a customer's lines,
invoices and mentions all live in its partition), so :func:`partition_tasks`
turns one partition's tables into byte chunks of every task file with
vectorised Arrow/numpy code, on whichever worker built the partition. The
chunks are then concatenated in partition order into one file per task and
split (:class:`TaskFiles`). Memory depends on the partition size, not on the
dataset.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Mapping

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ledgersim.errors import DatasetError
from ledgersim.frames import index_of, ranges
from ledgersim.io.files import TMP_SUFFIX, Target, serialize
from ledgersim.observe.templates import templates
from ledgersim.schema import BY_NAME, NER_LABELS
from ledgersim.spec.models import Scenario
from ledgersim.tasks import actions as actions_task
from ledgersim.tasks.jsonl import encode, obj, to_bytes
from ledgersim.tasks.splits import SPLITS, customer_splits, held_out_templates, line_splits
from ledgersim.tasks.tokens import TAGS, conll, tokenize

CUSTOMER_COLUMNS = ("customer_id", "legal_name", "country", "industry", "segment", "parent_customer_id",
                    "tax_id", "tax_id_type", "currency", "bank_name", "bank_account", "bic")
LINE_COLUMNS = ("transaction_id", "account_id", "booking_date", "value_date", "direction", "amount", "currency",
                "narrative")
INVOICE_COLUMNS = ("invoice_number", "customer_id", "contract_id", "po_number", "issue_date", "due_date",
                   "currency", "amount")
RANDOM_NEGATIVES = 2
INPUT_TABLES = ("customers", "customer_profiles", "bank_transactions", "transaction_truth", "mentions", "invoices",
                "allocations")

FILES = {
    "ner": ("{s}.jsonl", "{s}.conll"),
    "er": ("{s}.mentions.jsonl", "{s}.gold.jsonl", "{s}.pairs.jsonl"),
    "recon": ("{s}.lines.jsonl", "{s}.invoices.jsonl", "{s}.gold.jsonl"),
    "actions": ("{s}.gold.jsonl", "{s}.episodes.jsonl"),
}
LABELS_FILE = "ner/labels.json"


def task_files(sc: Scenario) -> tuple[str, ...]:
    """Every task file the scenario asks for; all exist even when a split is empty."""
    chosen = [t for t in FILES if t in sc.tasks.build]
    return ("splits.jsonl", *(["er/customers.jsonl"] if "er" in chosen else []),
            *(f"{task}/{pat.format(s=s)}" for task in chosen for s in SPLITS for pat in FILES[task]))


def task_file(dataset: Path | str, task: str, name: str) -> Path:
    """Path of a task file; a DatasetError if it does not exist."""
    root = Path(dataset)
    path = root / "tasks" / task / name
    if not path.is_file():
        if not (root / "manifest.json").is_file():
            raise DatasetError(f"{root}: not a complete ledgersim dataset (no manifest.json); "
                               "generate one with `ledgersim generate --out DIR`")
        raise DatasetError(f"{path}: task file missing: the dataset was generated without the {task!r} task; "
                           f"generate it again with {task!r} in the scenario's tasks.build (docs/tasks.md)")
    return path


@dataclass
class PartTasks:
    """One partition's share of every task file, and its tallies for the manifest.

    ``surfaces`` holds (split, surface, n) for the mentions of the partition:
    whether a surface is unseen in train is only known once every partition
    is in, so it is counted at the end (:func:`summary`).
    """

    chunks: dict[str, bytes] = field(default_factory=dict)
    rows: Counter = field(default_factory=Counter)
    stats: dict[str, Any] = field(default_factory=dict)
    surfaces: pa.Table | None = None

    def lines(self, rel: str, lines: pa.Array) -> None:
        self.text(rel, to_bytes(lines), len(lines))

    def text(self, rel: str, data: bytes | str, rows: int) -> None:
        if rows:
            data = data.encode("utf-8") if isinstance(data, str) else data
            self.chunks[rel] = self.chunks.get(rel, b"") + data
            self.rows[rel] += rows


def _batch(table: pa.Table) -> pa.RecordBatch:
    """A table as one batch of plain (unchunked) arrays."""
    batches = table.combine_chunks().to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)


def _strings(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=object)


def held_templates(sc: Scenario) -> set[str]:
    return held_out_templates(sc.seed, [t.id for t in templates()], sc.tasks.holdout_templates)


def partition_tasks(sc: Scenario, index: int, tables: Mapping[str, pa.Table], fx: pa.Table) -> PartTasks:
    """Every task file's rows for one partition (``tables``: its tables as generated or read back)."""
    out = PartTasks()
    held = held_templates(sc)
    customers, profiles, lines, truth, mentions, invoices, allocations = (_batch(tables[t]) for t in INPUT_TABLES)

    # splits: customers by group, lines by the customer they concern
    cid = _strings(customers["customer_id"])
    parent = np.where(pc.is_null(customers["parent_customer_id"]).to_numpy(zero_copy_only=False), "",
                      _strings(pc.fill_null(customers["parent_customer_id"], "")))
    group, c_split = customer_splits(sc.seed, cid, parent.astype(str), sc.tasks.splits)
    out.lines("splits.jsonl", encode(pa.table({"customer_id": cid.astype(str), "group_id": group.astype(str),
                                               "split": c_split.astype(str)})))
    build = set(sc.tasks.build)
    if "er" in build:
        out.lines("er/customers.jsonl", encode(customers.select(list(CUSTOMER_COLUMNS))))
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
    m_label = _strings(mentions["label"]).astype(str)
    m_surface = _strings(mentions["surface"]).astype(str)
    if "ner" in build:
        tokens = tokenize(narratives.tolist(), m_line, mentions["start"].to_numpy(zero_copy_only=False),
                          mentions["end"].to_numpy(zero_copy_only=False), m_label)
    if "actions" in build:
        acts = actions_task.gold(sc, lines, truth, allocations, invoices, fx, customers)
        allocated = acts.allocation_lists
    elif "recon" in build:
        allocated = actions_task.allocation_lists(lines, allocations)
    stats: dict[str, Any] = {k: {} for k in ("lines", "mentions", "labels", "customers", "customer_overlap",
                                             "templates")}
    # a customer straddles splits if any of its lines went to another split than the customer itself
    k = len(SPLITS)
    pair = np.unique(np.concatenate([np.arange(len(cid)) * k + index_of(c_split.astype(str), SPLITS),
                                     index_of(owner[has_owner], cid) * k + index_of(split[has_owner], SPLITS)]))
    straddles = np.bincount(pair // k, minlength=len(cid)) > 1
    surf_split: list[np.ndarray] = []
    surf_rows: list[np.ndarray] = []
    for s in SPLITS:
        rows = np.flatnonzero((split == s) & keep)
        m_rows = np.flatnonzero(np.isin(m_line, rows))
        stats["customers"][s] = int((c_split == s).sum())
        in_s = pair[pair % k == SPLITS.index(s)] // k
        stats["customer_overlap"][s] = int(straddles[in_s].sum())
        stats["lines"][s] = int(len(rows))
        stats["mentions"][s] = int(len(m_rows))
        labels, counts = np.unique(m_label[m_rows], return_counts=True)
        stats["labels"][s] = dict(zip(labels.tolist(), counts.tolist()))
        stats["templates"][s] = np.unique(template[rows]).tolist()
        surf_split.append(np.full(len(m_rows), s))
        surf_rows.append(m_rows)
        if not len(rows):
            continue
        if "ner" in build:
            _ner(out, s, lines, mentions, rows, m_rows, m_line, tokens)
        if "er" in build:
            _er(out, s, sc, index, lines, mentions, customers, profiles, m_rows, m_line)
        if "recon" in build:
            _recon(out, s, lines, truth, allocated, rows)
            inv_rows = np.flatnonzero(inv_split == s)
            out.lines(f"recon/{s}.invoices.jsonl",
                      encode(invoices.take(pa.array(inv_rows)).select(list(INVOICE_COLUMNS))))
        if "actions" in build:
            actions_task.write(out, s, acts, rows)
    out.stats = stats
    picked = np.concatenate(surf_rows)
    counted = (pa.table({"split": np.concatenate(surf_split).astype(str), "surface": m_surface[picked]})
               .group_by(["split", "surface"]).aggregate([("surface", "count")]))
    out.surfaces = pa.table({"split": counted["split"], "surface": counted["surface"],
                             "n": counted["surface_count"]}).sort_by([("split", "ascending"), ("surface", "ascending")])
    return out


class TaskFiles:
    """The task files of a dataset, assembled from partition chunks in partition order.

    Each file is written under a temporary name and renamed when every
    partition is in; its sha256, size and rows are tallied while writing.
    """

    def __init__(self, target: Target, sc: Scenario) -> None:
        self.target = target
        self.files = task_files(sc)
        self.ner = "ner" in sc.tasks.build
        self.handles: dict[str, BinaryIO] = {}
        self.digests: dict[str, Any] = {}
        self.sizes: Counter = Counter()
        self.rows: Counter = Counter()
        self.stats: list[dict[str, Any]] = []
        for rel in self.files:
            self._open(rel)

    @staticmethod
    def _tmp(rel: str) -> str:
        head, _, name = f"tasks/{rel}".rpartition("/")
        return f"{head}/.{name}{TMP_SUFFIX}"

    def _open(self, rel: str) -> None:
        tmp = self._tmp(rel)
        if self.target.local is not None:
            path = self.target.local / tmp
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handles[rel] = open(path, "wb")  # noqa: SIM115 (closed in finish)
        else:
            self.target.fs.makedirs(self.target.path(tmp).rsplit("/", 1)[0], exist_ok=True)
            self.handles[rel] = self.target.fs.open(self.target.path(tmp), "wb")
        self.digests[rel] = hashlib.sha256()

    def add(self, rel: str, data: bytes, rows: int) -> None:
        self.handles[rel].write(data)
        self.digests[rel].update(data)
        self.sizes[rel] += len(data)
        self.rows[rel] += rows

    def add_partition(self, part: PartTasks) -> None:
        for rel in self.files:
            if rel in part.chunks:
                self.add(rel, part.chunks[rel], part.rows[rel])
        self.stats.append(part.stats)

    def finish(self) -> list[dict[str, Any]]:
        """Close and rename every file; returns their manifest entries."""
        entries = []
        if self.ner:
            labels = (json.dumps(list(TAGS)) + "\n").encode("utf-8")
            self.target.put_bytes(f"tasks/{LABELS_FILE}", labels)
            entries.append({"path": f"tasks/{LABELS_FILE}", "sha256": hashlib.sha256(labels).hexdigest(),
                            "bytes": len(labels), "rows": len(TAGS)})
        for rel, f in sorted(self.handles.items()):
            f.close()
            final = f"tasks/{rel}"
            if self.target.local is not None:
                os.replace(self.target.local / self._tmp(rel), self.target.local / final)
            else:
                self.target.fs.mv(self.target.path(self._tmp(rel)), self.target.path(final))
            entries.append({"path": final, "sha256": self.digests[rel].hexdigest(), "bytes": self.sizes[rel],
                            "rows": self.rows[rel]})
        return sorted(entries, key=lambda e: e["path"])

    def abort(self) -> None:
        for f in self.handles.values():
            f.close()


@dataclass(frozen=True)
class Source:
    """Where the dataset's Parquet files are read from: a directory or an fsspec root."""

    root: str
    filesystem: object = None

    def read(self, rel: str) -> pa.Table:
        return pq.read_table(f"{self.root.rstrip('/')}/{rel}", filesystem=self.filesystem)

    def partition(self, index: int) -> dict[str, pa.Table]:
        return {t: self.read(f"{BY_NAME[t].path}/part-{index:05d}.parquet") for t in INPUT_TABLES}


def build_tasks(root: str | Path, scenario: Scenario, partitions: int,
                source: Source | None = None) -> tuple[list[dict[str, Any]], dict]:
    """Write every task file under ``root/tasks`` (a path or fsspec URL) from the dataset's
    Parquet parts in ``source`` (default: ``root``); returns the files' manifest entries and
    the manifest's ``tasks`` summary. ``ledgersim generate`` builds the same files on its
    workers instead, from the tables it has just made."""
    target = Target(root)
    src = source or Source(target.path(""), None if target.local is not None else target.fs)
    fx = src.read("tables/fx_rates.parquet").combine_chunks()
    files = TaskFiles(target, scenario)
    try:
        with tempfile.TemporaryDirectory(prefix="ledgersim-surfaces-") as tmp:
            surfaces = []
            for index in range(partitions):
                part = partition_tasks(scenario, index, src.partition(index), fx)
                files.add_partition(part)
                path = Path(tmp) / f"{index:05d}.parquet"
                path.write_bytes(serialize(part.surfaces, "parquet"))
                surfaces.append(path.as_posix())
            result = summary(scenario, files.stats, surfaces)
    except BaseException:
        files.abort()
        raise
    return files.finish(), result


def _ner(w: PartTasks, s: str, lines: pa.Table, mentions: pa.Table, rows: np.ndarray, m_rows: np.ndarray,
         m_line: np.ndarray, tokens) -> None:  # type: ignore[no-untyped-def]
    """Doccano JSONL and CoNLL IOB2 for the lines ``rows`` of one split."""
    # [start, end, "TAG"]: a list of mixed types, spliced in as text (tags are plain upper-case words)
    spans = pc.binary_join_element_wise(
        "[", mentions["start"].take(pa.array(m_rows)).cast(pa.string()), ",",
        mentions["end"].take(pa.array(m_rows)).cast(pa.string()), ',"', mentions["label"].take(pa.array(m_rows)),
        '"]', "")
    # mentions of the split's lines, grouped by line (both are in line order)
    local = np.searchsorted(rows, m_line[m_rows])
    offsets = np.searchsorted(local, np.arange(len(rows) + 1)).astype(np.int32)
    label = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), spans), ",")
    doc = obj({"id": lines["transaction_id"].take(pa.array(rows)), "text": lines["narrative"].take(pa.array(rows))})
    doc = pc.binary_join_element_wise(pc.utf8_slice_codeunits(doc, 0, -1), ',"label":[', label, "]}", "")
    w.lines(f"ner/{s}.jsonl", doc)
    # CoNLL: the tokens of these lines, in the same order
    pick = ranges(tokens.first[rows], tokens.first[rows + 1])
    sub_first = np.concatenate([[0], np.cumsum(tokens.first[rows + 1] - tokens.first[rows])])
    sub = type(tokens)(tokens.row[pick], tokens.start[pick], tokens.end[pick], tokens.text.take(pa.array(pick)),
                       tokens.tag[pick], sub_first)
    w.text(f"ner/{s}.conll", conll(sub, len(rows)), len(rows))


def _er(w: PartTasks, s: str, sc: Scenario, index: int, lines: pa.Table, mentions: pa.Table, customers: pa.Table,
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


def _recon(w: PartTasks, s: str, lines: pa.Table, truth: pa.Table, allocation_lists: pa.Array,
           rows: np.ndarray) -> None:
    take = pa.array(rows)
    picked = lines.take(take).select(list(LINE_COLUMNS))
    w.lines(f"recon/{s}.lines.jsonl", encode(picked))
    w.lines(f"recon/{s}.gold.jsonl", obj({"transaction_id": picked["transaction_id"],
                                          "outcome": truth["outcome"].take(take),
                                          "allocations": allocation_lists.take(take)}))


def summary(sc: Scenario, stats: Iterable[dict[str, Any]], surfaces: list[str], filesystem: Any = None) -> dict:
    """The manifest's ``tasks`` section from every partition's tallies and its surfaces files."""
    total: dict[str, dict[str, Counter]] = {k: {s: Counter() for s in SPLITS}
                                            for k in ("lines", "mentions", "labels", "customers", "customer_overlap")}
    used: dict[str, set[str]] = {s: set() for s in SPLITS}
    for part in stats:
        for s in SPLITS:
            for key in ("lines", "mentions", "customers", "customer_overlap"):
                total[key][s]["n"] += part[key][s]
            total["labels"][s].update(part["labels"][s])
            used[s].update(part["templates"][s])
    unseen = _unseen_in_train(surfaces, filesystem)
    out: dict = {"splits": dict(sc.tasks.splits), "held_out_templates": sorted(held_templates(sc)), "per_split": {}}
    for s in SPLITS:
        mentions = total["mentions"][s]["n"]
        out["per_split"][s] = {
            "lines": total["lines"][s]["n"],
            "mentions": mentions,
            "customers": total["customers"][s]["n"],
            "label_share": {label: round(total["labels"][s][label] / max(1, mentions), 4) for label in NER_LABELS},
            "customer_overlap": total["customer_overlap"][s]["n"],
            "templates": len(used[s]),
            "templates_shared_with_train": len(used[s] & used["train"]),
            "mentions_unseen_in_train": round(unseen.get(s, 0) / mentions, 4) if mentions and s != "train" else 0.0,
        }
    return out


def _unseen_in_train(surfaces: list[str], filesystem: Any = None) -> dict[str, int]:
    """Per split, how many mentions have a surface that no train mention has.

    DuckDB does the anti-join so that the set of train surfaces, which grows
    with the dataset, may spill to disk instead of filling memory."""
    if not surfaces:
        return {}
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 1")
        con.execute("SET memory_limit = '512MB'")
        if filesystem is not None:
            con.register_filesystem(filesystem)
        files = ", ".join("'" + f.replace("'", "''") + "'" for f in surfaces)
        rows = con.execute(f"""
            WITH s AS (SELECT * FROM read_parquet([{files}])),
                 train AS (SELECT DISTINCT surface FROM s WHERE split = 'train')
            SELECT split, sum(n)::BIGINT FROM s ANTI JOIN train USING (surface)
            WHERE split <> 'train' GROUP BY split""").fetchall()
    finally:
        con.close()
    return {split: int(n) for split, n in rows}
