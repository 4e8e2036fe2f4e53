"""The manifest: written last, its presence means the dataset is complete.

While a run is in progress its state lives in the hidden folder
``.ledgersim/`` of the output (never listed as data, removed once the
manifest is written):

* ``run.json``: the resolved scenario, formats and generator, written before
  any work, so ``generate --resume`` can refuse a different scenario;
* ``parts/part-NNNNN.json``: one marker per finished partition, written after
  all of its files were renamed into place, with each file's sha256, size
  and rows and the partition's tallies, so a resumed run reuses the
  partition without reading its files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
STATE_DIR = ".ledgersim"
RUN_FILE = f"{STATE_DIR}/run.json"
PARTS_DIR = f"{STATE_DIR}/parts"
TASKS_DIR = f"{STATE_DIR}/tasks"
TASKS_DONE = f"{STATE_DIR}/tasks.json"


def dumps(data: Any, sort_keys: bool = True) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=sort_keys, default=str) + "\n").encode("utf-8")


def marker_path(index: int) -> str:
    return f"{PARTS_DIR}/part-{index:05d}.json"


def task_chunk_path(index: int, rel: str) -> str:
    """Where a worker parks partition ``index``'s share of the task file ``rel``."""
    return f"{TASKS_DIR}/part-{index:05d}/{rel}"


def write_manifest(root: Any, data: dict[str, Any]) -> Any:
    """Write ``MANIFEST`` under ``root`` (a local path or an io.files.Target) atomically."""
    if isinstance(root, (str, os.PathLike)):
        path = Path(root) / MANIFEST
        tmp = Path(root) / f".{MANIFEST}.tmp"
        tmp.write_bytes(dumps(data))
        os.replace(tmp, path)
        return path
    root.put_bytes(MANIFEST, dumps(data))
    return root.path(MANIFEST)


def read_manifest(root: Any) -> dict[str, Any] | None:
    if isinstance(root, (str, os.PathLike)):
        path = Path(root) / MANIFEST
        if not path.is_file():
            return None
        return json.loads(path.read_text("utf-8"))
    if not root.exists(MANIFEST):
        return None
    return json.loads(root.read_bytes(MANIFEST))
