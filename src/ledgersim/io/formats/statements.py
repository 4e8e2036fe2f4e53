"""Bank transactions grouped into statements, one per account and period.

Balances chain: each account starts from a deterministic opening balance, every
statement's opening balance is the previous statement's closing balance, and
closing = opening + credits - debits. The grouping, the running balances and
the per-statement totals are numpy operations over the whole table.

A statement exists for every (account, period) with at least one booking, as
banks send no statement for a period without movements.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ledgersim.errors import DatasetError, LedgersimError
from ledgersim.frames import cents as to_cents
from ledgersim.frames import money
from ledgersim.io.manifest import read_manifest
from ledgersim.reference import currencies

PERIODS = ("day", "month")
INDEX_FILE = "statements.parquet"
TRUNCATION_FILE = "truncation.parquet"
TX_COLUMNS = ("transaction_id", "account_id", "booking_date", "value_date", "direction", "amount",
              "currency", "narrative")
# Opening balance of each account's first statement: between these USD equivalents.
OPENING_USD = (100_000, 1_000_000)
# Statements are "created" at this time of their last day: derived from the data, never the clock.
CREATION_TIME = "18:00:00"


class FormatError(LedgersimError):
    """An unknown format or period, or data a format cannot carry."""


def load_dataset(root: Path) -> dict:
    """The manifest of a complete dataset at ``root`` (a user error otherwise)."""
    if not root.is_dir():
        raise DatasetError(f"DIR: {root} does not exist or is not a directory; "
                           "pass a dataset made by 'ledgersim generate --out DIR'")
    manifest = read_manifest(root)
    if manifest is None:
        raise DatasetError(f"DIR: {root} holds no manifest.json (incomplete dataset or not a ledgersim "
                           "dataset); generate it again with 'ledgersim generate --out DIR'")
    return manifest


def prepare_output(out: Path, overwrite: bool, marker: str, dataset: Path | None = None) -> None:
    """Create ``out``; a non-empty ``out`` is replaced only with ``overwrite`` and only when it
    holds this writer's earlier output (its ``marker`` index file). ``out`` may not lie in the
    ``dataset`` (its manifest lists every file there)."""
    if dataset is not None and out.resolve().is_relative_to(dataset.resolve()):
        raise DatasetError(f"--out: {out} lies inside the dataset {dataset}; choose a directory outside it")
    if out.exists() and not out.is_dir():
        raise DatasetError(f"--out: {out} exists and is not a directory; choose another path")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise DatasetError(f"--out: {out} is not empty; choose an empty directory or pass "
                               "--overwrite to replace it")
        if not (out / marker).is_file():
            raise DatasetError(f"--out: {out} is not empty and holds no {marker} from an earlier run; "
                               "refusing to delete it even with --overwrite; choose another directory")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def opening_base(account_id: str, currency: str) -> int:
    """A deterministic balance (cents) for an account, from a stable hash of its id."""
    u = int.from_bytes(hashlib.blake2b(account_id.encode(), digest_size=8).digest(), "little") / 2.0**64
    info = currencies()[currency]
    usd = OPENING_USD[0] + u * (OPENING_USD[1] - OPENING_USD[0])
    unit = 10 ** (2 - int(info["decimals"]))
    return int(round(usd * float(info["units_per_usd"]) * 100 / unit)) * unit


@dataclass
class StatementSet:
    """Every statement of a dataset: lines in statement order plus per-statement arrays.

    Line ``j`` of statement ``i`` is row ``offsets[i] + j`` of ``lines``.
    """

    period: str
    lines: pa.Table  # bank_transactions columns, sorted by account, booking date, transaction id
    signed: np.ndarray  # signed cents per line: credits positive
    credit: np.ndarray  # bool per line
    offsets: np.ndarray  # int64, n_statements + 1
    account_id: np.ndarray  # per statement
    label: np.ndarray  # "2024-01" or "2024-01-02"
    number: np.ndarray  # statement number within the account, from 1
    start: np.ndarray  # datetime64[D] first day of the period
    end: np.ndarray  # datetime64[D] last day of the period
    opening_date: np.ndarray  # previous statement's closing date (or the day before start)
    opening: np.ndarray  # cents
    closing: np.ndarray  # cents
    accounts: dict[str, dict]  # bank_accounts row per account id

    def __len__(self) -> int:
        return len(self.account_id)

    @property
    def statement_of_line(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))

    def decimals(self, account_ids: np.ndarray) -> np.ndarray:
        """Decimals amounts are written with, per account id."""
        info = currencies()
        table = {a: int(info[r["currency"]]["decimals"]) for a, r in self.accounts.items()}
        return np.array([table[a] for a in account_ids], dtype=np.int64)

    def statement_id(self) -> np.ndarray:
        return np.char.add(np.char.add(self.account_id.astype(str), "-"), self.label.astype(str))


def build_statements(root: Path, period: str = "month") -> StatementSet:
    """Group the dataset's bank transactions into statements with chained balances."""
    if period not in PERIODS:
        raise FormatError(f"--period: unknown period {period!r}; use one of {', '.join(PERIODS)}")
    load_dataset(root)
    tx = ds.dataset(root / "tables" / "bank_transactions", format="parquet").to_table(columns=list(TX_COLUMNS))
    tx = tx.sort_by([("account_id", "ascending"), ("booking_date", "ascending"),
                     ("transaction_id", "ascending")])
    acc_table = pq.read_table(root / "tables" / "bank_accounts.parquet")
    accounts = {r["account_id"]: r for r in acc_table.to_pylist()}

    account = np.asarray(tx["account_id"].to_numpy(zero_copy_only=False)).astype(str)
    booking = tx["booking_date"].to_numpy().astype("datetime64[D]")
    start = booking if period == "day" else booking.astype("datetime64[M]").astype("datetime64[D]")
    credit = np.asarray(tx["direction"].to_numpy(zero_copy_only=False)) == "C"
    signed = np.where(credit, 1, -1) * to_cents(tx["amount"])

    n = len(account)
    new_account = np.ones(n, dtype=bool)
    new_account[1:] = account[1:] != account[:-1]
    new_stmt = new_account.copy()
    new_stmt[1:] |= start[1:] != start[:-1]
    first = np.flatnonzero(new_stmt)
    offsets = np.append(first, n).astype(np.int64)

    # running balance per account; the opening keeps the lowest balance at the hashed base
    acc_first = np.flatnonzero(new_account)
    acc_of_line = np.cumsum(new_account) - 1
    cum = np.cumsum(signed)
    before = np.concatenate([[0], cum])[acc_first]  # cumulative sum before each account
    within = cum - before[acc_of_line]  # balance change since the account's first line
    low = np.minimum.reduceat(within, acc_first) if n else np.zeros(0, np.int64)
    base = np.array([opening_base(a, accounts[a]["currency"]) for a in account[acc_first]], dtype=np.int64)
    opening0 = base + np.maximum(0, -np.minimum(low, 0))
    balance = opening0[acc_of_line] + within  # after each line

    s_account = account[first]
    s_start = start[first]
    s_end = s_start if period == "day" else (
        (s_start.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D"))
    closing = balance[offsets[1:] - 1] if n else np.zeros(0, np.int64)
    s_first_of_acc = new_account[first]
    opening = np.where(s_first_of_acc, opening0[acc_of_line[first]], np.concatenate([[0], closing[:-1]]))
    prev_end = np.concatenate([[np.datetime64("1970-01-01")], s_end[:-1]]).astype("datetime64[D]")
    opening_date = np.where(s_first_of_acc, s_start - np.timedelta64(1, "D"), prev_end)
    stmt_acc = np.cumsum(s_first_of_acc) - 1
    number = np.arange(len(first)) - np.flatnonzero(s_first_of_acc)[stmt_acc] + 1
    label = np.datetime_as_string(s_start, unit="D" if period == "day" else "M")
    return StatementSet(period, tx, signed, credit, offsets, s_account, label, number, s_start, s_end,
                        opening_date, opening, closing, accounts)


def index_table(sset: StatementSet, files: list[str]) -> pa.Table:
    """One row per statement: numbers, dates, balances, entry counts and sums, file."""
    stmt = sset.statement_of_line
    k = len(sset)
    credits = np.bincount(stmt, weights=np.where(sset.credit, 1, 0), minlength=k).astype(np.int64)
    credit_sum = np.zeros(k, np.int64)
    debit_sum = np.zeros(k, np.int64)
    np.add.at(credit_sum, stmt[sset.credit], sset.signed[sset.credit])
    np.add.at(debit_sum, stmt[~sset.credit], -sset.signed[~sset.credit])
    return pa.table({
        "statement_id": pa.array(sset.statement_id(), pa.string()),
        "account_id": pa.array(sset.account_id, pa.string()),
        "currency": pa.array([sset.accounts[a]["currency"] for a in sset.account_id], pa.string()),
        "statement_number": pa.array(sset.number, pa.int32()),
        "period_start": pa.array(sset.start.astype("datetime64[D]").astype(np.int32), pa.int32()).cast(pa.date32()),
        "period_end": pa.array(sset.end.astype("datetime64[D]").astype(np.int32), pa.int32()).cast(pa.date32()),
        "opening_date": pa.array(sset.opening_date.astype("datetime64[D]").astype(np.int32),
                                 pa.int32()).cast(pa.date32()),
        "opening_balance": money(sset.opening),
        "closing_balance": money(sset.closing),
        "entries": pa.array(np.diff(sset.offsets), pa.int32()),
        "credit_entries": pa.array(credits, pa.int32()),
        "credit_sum": money(credit_sum),
        "debit_entries": pa.array(np.diff(sset.offsets) - credits, pa.int32()),
        "debit_sum": money(debit_sum),
        "file": pa.array(files, pa.string()),
    })


def truncation_table(statement_id: pa.Array, transaction_id: pa.Array, narrative: pa.Array,
                     rendered: pa.Array, truncated: np.ndarray, transliterated: np.ndarray) -> pa.Table:
    """Lines whose narrative in the file differs from the dataset's: what the file holds and why
    (``truncated``: cut to the format's limit; ``transliterated``: characters outside the
    format's character set replaced; neither: only blanks at the ends dropped)."""
    differs = np.asarray(pc.not_equal(rendered, narrative).to_numpy(zero_copy_only=False), dtype=bool)
    keep = pa.array(differs | np.asarray(truncated) | np.asarray(transliterated))
    return pa.table({
        "transaction_id": pc.filter(transaction_id, keep),
        "statement_id": pc.filter(statement_id, keep),
        "narrative_length": pc.filter(pc.utf8_length(narrative), keep).cast(pa.int32()),
        "kept_length": pc.filter(pc.utf8_length(rendered), keep).cast(pa.int32()),
        "rendered": pc.filter(rendered, keep),
        "truncated": pc.filter(pa.array(np.asarray(truncated)), keep),
        "transliterated": pc.filter(pa.array(np.asarray(transliterated)), keep),
    })


def write_outputs(out: Path, sset: StatementSet, files: list[str], truncation: pa.Table) -> pa.Table:
    """Write the truncation record and, last, the statement index (its presence = complete)."""
    pq.write_table(truncation, out / TRUNCATION_FILE, compression="zstd")
    index = index_table(sset, files)
    pq.write_table(index, out / INDEX_FILE, compression="zstd")
    return index
