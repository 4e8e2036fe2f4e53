"""Reading task files and prediction files, with errors that say where and how to fix.

A prediction file is JSON Lines with the shape of the task's gold file
(docs/tasks.md). Every problem found is reported with the file, the line
number, what is wrong and how to fix it; up to ``MAX_REPORTED`` problems are
listed at once so a user can fix a file in one go.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ledgersim.errors import DatasetError, LedgersimError

TASKS = ("ner", "er", "recon", "actions")
SPLITS = ("train", "dev", "test")
MAX_REPORTED = 20


class PredictionError(LedgersimError):
    """A prediction file is malformed or names things the task does not have."""

    def __init__(self, path: Path | str, problems: list[str], total: int | None = None) -> None:
        self.path = str(path)
        self.problems = list(problems)
        total = len(problems) if total is None else total
        noun = "problem" if total == 1 else "problems"
        shown = "\n".join(f"  - {p}" for p in problems)
        more = f"\n  ... and {total - len(problems)} more" if total > len(problems) else ""
        super().__init__(f"invalid predictions in {path} ({total} {noun}):\n{shown}{more}")


class Problems:
    """Collects problems of one file; ``raise_if_any`` raises them together."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        self.items: list[str] = []
        self.total = 0

    def add(self, line: int | None, problem: str, fix: str) -> None:
        self.total += 1
        if len(self.items) < MAX_REPORTED:
            where = f"line {line}: " if line is not None else ""
            self.items.append(f"{where}{problem}; {fix}")

    def raise_if_any(self) -> None:
        if self.total:
            raise PredictionError(self.path, self.items, self.total)


def read_prediction_rows(path: Path | str, problems: Problems) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; malformed lines are recorded as problems."""
    p = Path(path)
    if not p.is_file():
        raise PredictionError(p, ["no such file; pass --pred the path of a JSON Lines file"])
    with open(p, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.add(number, f"not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8")
                continue
            if not text.strip():
                continue
            try:
                obj = json.loads(text.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                problems.add(number, f"not valid JSON ({exc.msg} at column {exc.colno})",
                             "write exactly one JSON object per line")
                continue
            if not isinstance(obj, dict):
                problems.add(number, f"expected a JSON object, got {type(obj).__name__}",
                             "write one object per line, e.g. {\"transaction_id\": ...}")
                continue
            yield number, obj


def require(obj: dict, key: str, kind: type | tuple[type, ...], line: int, problems: Problems,
            example: str, nullable: bool = False) -> Any:
    """obj[key] if present and of the right type, else record a problem and return None."""
    if key not in obj:
        problems.add(line, f"missing key {key!r}", f"add it, e.g. {example}")
        return None
    value = obj[key]
    if value is None and nullable:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        problems.add(line, f"{key!r} must be {names}{' or null' if nullable else ''}, got {json.dumps(value)[:60]}",
                     f"write it as in {example}")
        return None
    return value


def first_sighting(problems: Problems, line: int, name: str, key: Any, known: Any, seen: dict, source: str,
                   once: str, noun: str | None = None) -> bool:
    """True when ``key`` is a known id seen for the first time; otherwise records why not.

    ``source`` names the file the ids come from, ``once`` how to write each row once,
    ``noun`` what a row is about (default: ``name``).
    """
    if known is not None and key not in known:
        problems.add(line, f"unknown {name} {key!r} (not a line of this split)",
                     f"predict only the {name}s of {source} for the --split you evaluate")
        return False
    if key in seen:
        problems.add(line, f"{noun or name} {key!r} predicted twice (first on line {seen[key]})", once)
        return False
    seen[key] = line
    return True


def parse_amount(value: Any) -> Decimal | None:
    """A money amount from a string ("12.50") or a JSON number; None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    return d


# ---------------------------------------------------------------------------------- task files

def check_split(split: str) -> str:
    if split not in SPLITS:
        raise LedgersimError(f"--split: unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return split


def check_task(task: str) -> str:
    if task not in TASKS:
        raise LedgersimError(f"--task: unknown task {task!r}; use one of {', '.join(TASKS)}")
    return task


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a task file written by ledgersim (trusted: a broken one is a DatasetError)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}: line {number} is not valid JSON ({exc.msg}); "
                                       "the dataset is damaged, regenerate it") from None
    return rows


def write_jsonl(path: Path | str, rows: list[dict]) -> int:
    """Write rows as JSON Lines (keys in the given order); returns how many."""
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return len(rows)
