"""Shared fixtures for the integration tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgersim.dataset import generate
from ledgersim.engine import make_engine
from ledgersim.spec import build_scenario


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny preset, generated once per session with one worker. Treat it as read-only:
    tests that change files work on a copy."""
    out = tmp_path_factory.mktemp("tiny") / "dataset"
    generate(build_scenario("tiny"), out, engine=make_engine(1))
    return out
