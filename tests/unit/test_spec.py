"""Scenario validation: every problem at once, with path, value and fix."""

from __future__ import annotations

import pytest

from ledgersim import ScenarioError
from ledgersim.spec import PRESETS, Scenario, build_scenario


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_are_valid(preset: str) -> None:
    assert isinstance(build_scenario(preset), Scenario)


def test_misspelt_key_names_it_and_suggests_the_right_one() -> None:
    with pytest.raises(ScenarioError) as err:
        build_scenario("tiny", {"custmers": 5})
    assert "custmers" in str(err.value)
    assert "did you mean 'customers'" in str(err.value)


def test_nested_misspelling_gives_dotted_path() -> None:
    with pytest.raises(ScenarioError) as err:
        build_scenario("tiny", {"payments": {"fx_shre": 0.1}})
    assert "payments.fx_shre" in str(err.value)
    assert "fx_share" in str(err.value)


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(ScenarioError) as err:
        build_scenario("tiny", {
            "customers": -3,
            "period": {"start": "2024-05-01", "end": "2024-01-01"},
            "contracts": {"max_per_customer": "many"},
        })
    problems = err.value.problems
    assert len(problems) == 3
    text = str(err.value)
    assert "customers" in text and "-3" in text
    assert "period" in text and "end (2024-01-01) must be after start (2024-05-01)" in text
    assert "contracts.max_per_customer" in text and "'many'" in text


def test_unknown_weight_name_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="countries: unknown name"):
        build_scenario("tiny", {"countries": {"XX": 1.0}})


def test_unknown_preset_suggests_closest() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'demo'"):
        build_scenario("dmeo")


def test_config_overrides_preset_and_scale_and_seed_apply() -> None:
    s = build_scenario("demo", {"period": {"end": "2024-06-30"}}, scale=0.1, seed=9)
    assert s.customers == 100
    assert s.seed == 9
    assert str(s.period.end) == "2024-06-30"
    assert str(s.period.start) == "2024-01-01"  # kept from the preset


def test_bad_scale_is_a_user_error() -> None:
    with pytest.raises(ScenarioError, match="--scale"):
        build_scenario("tiny", scale=0)


def test_missing_and_malformed_config_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match="does not exist"):
        build_scenario("tiny", tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("customers: [1,\n")
    with pytest.raises(ScenarioError, match="not valid YAML at line"):
        build_scenario("tiny", bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="must hold a mapping"):
        build_scenario("tiny", listy)
