"""Turn a preset, a YAML file and command-line overrides into one Scenario.

The whole scenario is validated before any work, and every problem is
reported at once with its dotted key path, the value given and the fix.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ledgersim.errors import ScenarioError
from ledgersim.spec.models import Scenario

PRESETS = ("tiny", "demo", "large")


def preset_dict(name: str) -> dict[str, Any]:
    """The raw mapping of a named preset."""
    if name not in PRESETS:
        hint = difflib.get_close_matches(name, PRESETS, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else f"use one of {', '.join(PRESETS)}"
        raise ScenarioError([f"preset: unknown preset {name!r}; {fix}"])
    text = resources.files("ledgersim.spec").joinpath("presets", f"{name}.yaml").read_text("utf-8")
    return yaml.safe_load(text) or {}


def read_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML scenario file; a missing or malformed file is a user error."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError([f"--config: file {str(p)!r} does not exist; give the path of a YAML scenario file"])
    try:
        data = yaml.safe_load(p.read_text("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError([f"--config: {p} is not valid YAML{where}: {getattr(exc, 'problem', exc)}; fix the syntax"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ScenarioError([f"--config: {p} must hold a mapping of scenario keys, got {type(data).__name__}"])
    return data


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings: keys of ``override`` win, nested mappings merge."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _model_at(path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the mapping at ``path`` (for key suggestions)."""
    model: type[BaseModel] = Scenario
    for part in path:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        model = ann
    return model


def _describe(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    dotted = ".".join(str(p) for p in loc) or "(scenario)"
    value = err.get("input")
    if err["type"] == "extra_forbidden":
        owner = _model_at(loc[:-1])
        known = list(owner.model_fields) if owner else []
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        fix = f"did you mean '{hint[0]}'?" if hint else f"valid keys here: {', '.join(known)}"
        return f"{dotted}: unknown key; {fix}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    shown = repr(value) if not isinstance(value, dict) else "{...}"
    return f"{dotted}: {msg} (got {shown})"


def build_scenario(
    preset: str = "demo",
    config: dict[str, Any] | str | Path | None = None,
    *,
    scale: float | None = None,
    seed: int | None = None,
) -> Scenario:
    """Resolve preset + config + overrides into a validated Scenario."""
    raw = preset_dict(preset)
    if config is not None:
        raw = merge(raw, config if isinstance(config, dict) else read_config(config))
    problems: list[str] = []
    if seed is not None:
        raw["seed"] = seed
    if scale is not None:
        if not (scale > 0):
            problems.append(f"--scale: must be > 0 (got {scale}); use e.g. 0.1 or 10")
        elif isinstance(raw.get("customers"), int):
            raw["customers"] = max(1, round(raw["customers"] * scale))
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_describe(e) for e in exc.errors())
        raise ScenarioError(problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario
