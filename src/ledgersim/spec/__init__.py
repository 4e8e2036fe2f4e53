"""Scenario: strict models, presets and loading."""

from ledgersim.spec.load import PRESETS, build_scenario
from ledgersim.spec.models import Scenario

__all__ = ["PRESETS", "Scenario", "build_scenario"]
