"""Company names: unique word combinations per global index, well-formed, reproducible."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgersim.world.names import NAME_SPACE, build_names, name_lists

COUNTRIES = np.array(["US", "ID", "DE", "GB", "NL", "SG"])


def _countries(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).choice(COUNTRIES, size=n)


def _combos(names: dict[str, np.ndarray]) -> set[tuple[str, str, str]]:
    return set(zip(names["stem1"].tolist(), names["stem2"].tolist(), names["descriptor"].tolist()))


def test_word_lists_have_the_shape_the_permutation_needs() -> None:
    data = name_lists()
    seen: list[str] = []
    for locale in ("en", "id"):
        entry = data["locales"][locale]
        stems, descriptors = entry["stems"], entry["descriptors"]
        assert len(stems) == len(set(stems)) == 96
        assert len(descriptors) == len(set(descriptors)) == 40
        for word in stems + descriptors:
            assert isinstance(word, str) and word.isalpha() and word == word.upper(), word
        # no two different stem pairs may merge into the same single word
        merged = [a + b for a, b in itertools.permutations(stems, 2)]
        assert len(merged) == len(set(merged))
        seen += stems + descriptors
    assert len(seen) == len(set(seen)), "a word appears in both locales or twice"
    all_descriptors = {w for loc in data["locales"].values() for w in loc["descriptors"]}
    assert set(data["bank_abbreviations"]) <= all_descriptors
    for country in COUNTRIES:
        forms = data["legal_forms"][country]
        assert forms and all(f["weight"] > 0 and (f["prefix"] or f["suffix"]) for f in forms)


def test_combinations_unique_for_50000_indices() -> None:
    n = 50_000
    names = build_names(_countries(n), np.arange(n, dtype=np.int64), np.random.default_rng(1))
    assert len(_combos(names)) == n
    assert len(set(names["legal_name"].tolist())) == n
    assert all(len(v) == n for v in names.values())


def test_bijective_over_the_whole_name_space() -> None:
    index = np.arange(NAME_SPACE, dtype=np.int64)
    names = build_names(np.full(NAME_SPACE, "US"), index, np.random.default_rng(2))
    assert len(_combos(names)) == NAME_SPACE
    assert (names["stem1"] != names["stem2"]).all()


def test_words_depend_on_index_only_and_rng_choices_are_reproducible() -> None:
    countries, index = _countries(2_000), np.arange(5_000, 7_000, dtype=np.int64)
    a = build_names(countries, index, np.random.default_rng(7))
    b = build_names(countries, index, np.random.default_rng(7))
    c = build_names(countries, index, np.random.default_rng(8))
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    for key in ("stem1", "stem2", "descriptor"):
        assert np.array_equal(a[key], c[key]), key
    # the same customer gets the same words whatever partition it is generated in
    part = build_names(countries[100:200], index[100:200], np.random.default_rng(99))
    assert np.array_equal(part["stem1"], a["stem1"][100:200])


def test_names_are_uppercase_and_rebuildable_from_parts() -> None:
    n = 5_000
    names = build_names(_countries(n), np.arange(n, dtype=np.int64), np.random.default_rng(3))
    for i in range(n):  # per-row check of the vectorised assembly
        name = names["legal_name"][i]
        assert name == name.upper() and "  " not in name and name == name.strip()
        s1, s2 = names["stem1"][i], names["stem2"][i]
        core = s1 + s2 if names["merged"][i] else f"{s1} {s2}"
        parts = [names["legal_form_prefix"][i], core, names["descriptor"][i],
                 names["legal_form_suffix"][i]]
        assert name == " ".join(p for p in parts if p)
    assert 0 < names["merged"].mean() < 1


def test_indonesian_names_carry_pt() -> None:
    n = 4_000
    countries = np.full(n, "ID")
    names = build_names(countries, np.arange(n, dtype=np.int64), np.random.default_rng(4))
    prefix, suffix = names["legal_form_prefix"], names["legal_form_suffix"]
    assert set(prefix.tolist()) == {"PT", "CV"}
    assert (prefix == "PT").mean() > 0.6
    assert all(name.startswith(("PT ", "CV ")) for name in names["legal_name"])
    tbk = suffix == "TBK"
    assert tbk.any() and (prefix[tbk] == "PT").all()
    assert all(n.startswith("PT ") and n.endswith(" TBK") for n in names["legal_name"][tbk])
    stems = set(name_lists()["locales"]["id"]["stems"])
    assert set(names["stem1"].tolist()) <= stems


def test_legal_forms_follow_country() -> None:
    n = 3_000
    countries = _countries(n, seed=5)
    names = build_names(countries, np.arange(n, dtype=np.int64), np.random.default_rng(5))
    expected = {"US": {"INC", "LLC", "CORP"}, "GB": {"LTD", "PLC"}, "DE": {"GMBH", "AG"},
                "NL": {"BV", "NV"}, "SG": {"PTE LTD"}}
    for country, suffixes in expected.items():
        mask = countries == country
        assert set(names["legal_form_suffix"][mask].tolist()) == suffixes
        assert (names["legal_form_prefix"][mask] == "").all()


def test_empty_input() -> None:
    names = build_names(np.array([], dtype=str), np.array([], dtype=np.int64),
                        np.random.default_rng(0))
    assert all(len(v) == 0 for v in names.values())


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=NAME_SPACE - 1), max_size=300),
       st.integers(min_value=0, max_value=2**32))
def test_distinct_indices_give_distinct_combinations(indices: set[int], seed: int) -> None:
    index = np.array(sorted(indices), dtype=np.int64)
    countries = _countries(index.size, seed=seed % 1000)
    names = build_names(countries, index, np.random.default_rng(seed))
    assert len(_combos(names)) == index.size
    assert len(set(names["legal_name"].tolist())) == index.size
