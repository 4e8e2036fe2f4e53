"""The manifest: written last, its presence means the dataset is complete."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def write_manifest(root: Path, data: dict[str, Any]) -> Path:
    path = root / MANIFEST
    tmp = root / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


def read_manifest(root: Path) -> dict[str, Any] | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text("utf-8"))
