"""Shared fixtures for the integration tests."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

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


@pytest.fixture
def half_run(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Generate ``tiny`` into a folder and die at partition 1, like a crashed worker."""
    from ledgersim import pipeline

    def run(out: Path) -> None:
        real = pipeline.build_partition

        def dying(plan, part, off):  # type: ignore[no-untyped-def]
            if part.index == 1:
                raise RuntimeError("worker lost")
            return real(plan, part, off)

        monkeypatch.setattr(pipeline, "build_partition", dying)
        with pytest.raises(RuntimeError):
            generate(build_scenario("tiny"), out, engine=make_engine(1))
        monkeypatch.setattr(pipeline, "build_partition", real)

    return run
