"""The README documents every scenario key with its real default."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel

from ledgersim.spec import Scenario

README = Path(__file__).resolve().parents[2] / "README.md"


def leaves(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from leaves(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value


def shown(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):  # as YAML flow style
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def test_every_scenario_key_is_documented_with_its_default() -> None:
    rows = [line for line in README.read_text("utf-8").splitlines() if line.startswith("| `")]
    for path, default in leaves(Scenario()):
        head, _, leaf = path.rpartition(".")
        row = next((r for r in rows if f"`{path}`" in r.split("|")[1]
                    or (f"`{head}." in r.split("|")[1] and f"`.{leaf}`" in r.split("|")[1])), None)
        assert row is not None, f"README has no row for scenario key {path}"
        assert f"`{shown(default)}`" in row.split("|")[2], f"{path}: README default differs from {shown(default)}"
