"""Each corruption kind on hand-picked names and references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgersim.observe.variants import NameParts, company_surface, reference_surfaces, variant_names
from ledgersim.spec.models import COMPANY_NOISE, REFERENCE_NOISE

ALPHA = NameParts("", "ALPHA", "BRIDGE", True, "SOLUTIONS", "INC")  # ALPHABRIDGE SOLUTIONS INC
SINAR = NameParts("PT", "SINAR", "JAYA", False, "LOGISTIK", "TBK")  # PT SINAR JAYA LOGISTIK TBK


def company(parts: NameParts, *kinds: str, seed: int = 0) -> tuple[str, str]:
    mask = sum(1 << COMPANY_NOISE.index(k) for k in kinds)
    surface, applied = company_surface(parts, mask, np.random.default_rng(seed))
    return surface, variant_names(np.array([applied]), COMPANY_NOISE)[0]


@pytest.mark.parametrize("parts, kinds, expected", [
    (ALPHA, (), ("ALPHABRIDGE SOLUTIONS INC", "canonical")),
    (ALPHA, ("suffix_drop",), ("ALPHABRIDGE SOLUTIONS", "suffix_drop")),
    (ALPHA, ("split",), ("ALPHA BRIDGE SOLUTIONS INC", "split")),
    (SINAR, ("merge",), ("PT SINARJAYA LOGISTIK TBK", "merge")),
    (ALPHA, ("acronym",), ("ABS", "acronym")),
    (SINAR, ("acronym",), ("PT SJL", "acronym")),
    (ALPHA, ("abbreviation",), ("ALPHABRIDGE SOLN INC", "abbreviation")),
    (ALPHA, ("vowel_drop",), ("ALPHABRIDGE SLTNS INC", "vowel_drop")),
    (SINAR, ("suffix_swap",), ("SINAR JAYA LOGISTIK TBK PT", "suffix_swap")),
    (SINAR, ("punctuation",), ("PT. SINAR JAYA LOGISTIK TBK", "punctuation")),
    (ALPHA, ("split", "suffix_drop"), ("ALPHA BRIDGE SOLUTIONS", "suffix_drop+split")),
])
def test_company_kinds(parts: NameParts, kinds: tuple[str, ...], expected: tuple[str, str]) -> None:
    assert company(parts, *kinds) == expected


def test_kinds_that_cannot_apply_are_not_claimed() -> None:
    assert company(ALPHA, "merge") == ("ALPHABRIDGE SOLUTIONS INC", "canonical")  # already one word
    assert company(SINAR, "abbreviation") == ("PT SINAR JAYA LOGISTIK TBK", "canonical")  # no bank abbreviation
    assert company(ALPHA, "acronym", "split") == ("ABS", "acronym")  # the acronym replaces the words


@pytest.mark.parametrize("seed", range(20))
def test_random_kinds_change_the_name_the_right_way(seed: int) -> None:
    swapped, v = company(ALPHA, "suffix_swap", seed=seed)
    assert v == "suffix_swap" and swapped.startswith("ALPHABRIDGE SOLUTIONS") and swapped != "ALPHABRIDGE SOLUTIONS INC"
    typo, v = company(ALPHA, "typo", seed=seed)
    assert v == "typo" and typo != "ALPHABRIDGE SOLUTIONS INC"
    assert abs(len(typo) - len("ALPHABRIDGE SOLUTIONS INC")) <= 1
    cut, v = company(ALPHA, "truncate", seed=seed)
    assert v == "truncate" and "ALPHABRIDGE SOLUTIONS INC".startswith(cut) and 6 <= len(cut) < 25
    cased, v = company(ALPHA, "case", seed=seed)
    assert v == "case" and cased.upper() == "ALPHABRIDGE SOLUTIONS INC" and cased != cased.upper()
    punct, v = company(ALPHA, "punctuation", seed=seed)
    assert punct in ("ALPHABRIDGE SOLUTIONS, INC", "ALPHABRIDGE SOLUTIONS INC.")


def reference(value: tuple[str, str, str], *kinds: str, alt: str = "INVOICE", seed: int = 0) -> tuple[str, str]:
    mask = np.array([sum(1 << REFERENCE_NOISE.index(k) for k in kinds)])
    surface, applied = reference_surfaces(np.array([value[0]]), np.array([value[1]]), np.array([value[2]]),
                                          mask, np.random.default_rng(seed), alt)
    return surface.to_pylist()[0], variant_names(applied, REFERENCE_NOISE)[0]


INV = ("MFG", "INV", "000157")
PO = ("", "PO", "4500012345")
CNT = ("", "CNT", "2024-587")


@pytest.mark.parametrize("value, kinds, alt, expected", [
    (INV, (), "INVOICE", ("MFG-INV-000157", "canonical")),
    (INV, ("no_separator",), "INVOICE", ("MFGINV000157", "no_separator")),
    (INV, ("space_separator",), "INVOICE", ("MFG INV 000157", "space_separator")),
    (INV, ("prefix_drop",), "INVOICE", ("INV-000157", "prefix_drop")),
    (INV, ("zeros_drop",), "INVOICE", ("MFG-INV-157", "zeros_drop")),
    (INV, ("prefix_drop", "zeros_drop", "space_separator"), "INVOICE", ("INV 157", "space_separator+prefix_drop+zeros_drop")),
    (INV, ("prefix_drop", "word_swap", "zeros_drop"), "INVOICE", ("INVOICE 157", "prefix_drop+zeros_drop+word_swap")),
    (INV, ("number_only",), "INVOICE", ("000157", "number_only")),
    (INV, ("case",), "INVOICE", ("mfg-inv-000157", "case")),
    (PO, ("no_separator",), "PO NO", ("PO4500012345", "no_separator")),
    (PO, ("prefix_drop",), "PO NO", ("4500012345", "prefix_drop")),
    (PO, ("word_swap",), "PO NO", ("PO NO 4500012345", "word_swap")),
    (CNT, ("space_separator",), "CONTRACT", ("CNT 2024 587", "space_separator")),
    (CNT, ("no_separator",), "CONTRACT", ("CNT2024587", "no_separator")),
])
def test_reference_kinds(value, kinds, alt, expected) -> None:  # type: ignore[no-untyped-def]
    assert reference(value, *kinds, alt=alt) == expected


@pytest.mark.parametrize("seed", range(20))
def test_digit_typo_and_transposition_keep_the_shape(seed: int) -> None:
    typo, v = reference(INV, "digit_typo", seed=seed)
    assert v == "digit_typo" and len(typo) == len("MFG-INV-000157") and typo != "MFG-INV-000157"
    assert sum(a != b for a, b in zip(typo, "MFG-INV-000157")) == 1
    swapped, v = reference(INV, "transposition", seed=seed)
    assert v == "transposition" and sorted(swapped) == sorted("MFG-INV-000157") and swapped != "MFG-INV-000157"


@settings(max_examples=300, deadline=None)
@given(mask=st.integers(0, (1 << len(COMPANY_NOISE)) - 1), seed=st.integers(0, 10_000),
       parts=st.sampled_from([ALPHA, SINAR, NameParts("", "LONG", "RIVER", False, "SYSTEMS", "L L C")]))
def test_company_surfaces_are_trimmed_and_non_empty(mask: int, seed: int, parts: NameParts) -> None:
    surface, _ = company_surface(parts, mask, np.random.default_rng(seed))
    assert surface and surface == " ".join(surface.split())
