"""Reference data shipped with the package (word lists, countries, catalog)."""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources
from typing import Any

import yaml


def _text(name: str) -> str:
    return resources.files("ledgersim.data").joinpath(name).read_text("utf-8")


# libyaml's safe loader when PyYAML has it: the same documents, parsed about ten times faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """Safe-load YAML shipped with the package."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


@functools.cache
def yaml_data(name: str) -> Any:
    """A YAML file from ``ledgersim/data``, parsed once per process."""
    return parse_yaml(_text(name))


@functools.cache
def csv_rows(name: str) -> tuple[dict[str, str], ...]:
    """A CSV file from ``ledgersim/data`` as rows, parsed once per process."""
    return tuple(csv.DictReader(io.StringIO(_text(name))))


def countries() -> dict[str, dict[str, Any]]:
    return yaml_data("countries.yaml")


def currencies() -> dict[str, dict[str, Any]]:
    return yaml_data("currencies.yaml")
