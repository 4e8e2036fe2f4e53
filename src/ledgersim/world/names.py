"""Company legal names built from word lists, unique by construction.

A name is ``[prefix] STEM1 STEM2 DESCRIPTOR [suffix]`` (``ALPHABRIDGE SOLUTIONS INC``,
``PT SINAR JAYA LOGISTIK TBK``). The word combination is a bijection of the customer's
global index, so names never collide and do not depend on how customers are partitioned;
only the cosmetic choices (stems merged or not, legal form) come from the generator.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ledgersim.frames import index_of
from ledgersim.reference import yaml_data

N_STEMS = 96
N_DESCRIPTORS = 40
NAME_SPACE = N_STEMS * (N_STEMS - 1) * N_DESCRIPTORS
"""Distinct (stem1, stem2, descriptor) combinations: 364,800. Names are unique below this."""

# Affine permutation j = (a*i + b) mod NAME_SPACE. The multiplier is large so that
# neighbouring indices land far apart (consecutive customers do not share stems).
_MULTIPLIER = 226_027
_OFFSET = 91_237
assert math.gcd(_MULTIPLIER, NAME_SPACE) == 1, "multiplier must be coprime with NAME_SPACE"

ID_LOCALE_COUNTRY = "ID"


@dataclass(frozen=True)
class _Locale:
    stems: np.ndarray
    descriptors: np.ndarray
    merge_probability: float


@dataclass(frozen=True)
class _Forms:
    """Legal forms of one country: flat arrays plus cumulative weights for sampling."""

    form: np.ndarray
    prefix: np.ndarray
    suffix: np.ndarray
    cumulative: np.ndarray  # normalised, last element 1.0


@dataclass(frozen=True)
class _Tables:
    locales: dict[str, _Locale]
    forms: dict[str, _Forms]


def name_lists() -> dict[str, Any]:
    """The parsed ``names.yaml`` (word lists, legal forms, bank abbreviations), read once."""
    return yaml_data("names.yaml")


@functools.cache
def _tables() -> _Tables:
    """Word lists as numpy arrays, checked against the sizes the permutation assumes."""
    data = name_lists()
    locales: dict[str, _Locale] = {}
    for code, entry in data["locales"].items():
        stems, descriptors = entry["stems"], entry["descriptors"]
        if len(set(stems)) != N_STEMS or len(stems) != N_STEMS:
            raise ValueError(f"names.yaml locale {code!r}: need exactly {N_STEMS} distinct stems")
        if len(set(descriptors)) != N_DESCRIPTORS or len(descriptors) != N_DESCRIPTORS:
            raise ValueError(
                f"names.yaml locale {code!r}: need exactly {N_DESCRIPTORS} distinct descriptors")
        locales[code] = _Locale(np.array(stems, dtype=str), np.array(descriptors, dtype=str),
                                float(entry["merge_probability"]))
    forms: dict[str, _Forms] = {}
    for country, rows in data["legal_forms"].items():
        weights = np.array([r["weight"] for r in rows], dtype=np.float64)
        if (weights <= 0).any():
            raise ValueError(f"names.yaml legal_forms {country}: weights must be positive")
        forms[country] = _Forms(
            form=np.array([r["form"] for r in rows], dtype=str),
            prefix=np.array([r.get("prefix") or "" for r in rows], dtype=str),
            suffix=np.array([r.get("suffix") or "" for r in rows], dtype=str),
            cumulative=np.cumsum(weights) / weights.sum(),
        )
    return _Tables(locales, forms)


def _combination(index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stem1, stem2, descriptor) positions for global indices; a bijection on [0, NAME_SPACE).

    Indices at or above NAME_SPACE wrap around, so names repeat only past 364,800 customers.
    """
    i = index % NAME_SPACE
    j = (_MULTIPLIER * i + _OFFSET) % NAME_SPACE  # < 2**37: no int64 overflow
    s1, rest = np.divmod(j, (N_STEMS - 1) * N_DESCRIPTORS)
    offset, descriptor = np.divmod(rest, N_DESCRIPTORS)
    s2 = (s1 + 1 + offset) % N_STEMS  # offset < 95, so s2 is never s1
    return s1, s2, descriptor


def _join(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Element-wise ``left + " " + right``, leaving out the space where either side is empty."""
    both = np.char.add(np.char.add(left, " "), right)
    return np.where(left == "", right, np.where(right == "", left, both))


def build_names(countries: np.ndarray, index: np.ndarray,
                rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Legal names for customers in ``countries`` with global indices ``index``.

    Returns equal-length arrays ``legal_name``, ``stem1``, ``stem2``, ``descriptor``,
    ``legal_form_prefix``, ``legal_form_suffix`` (empty string when absent) and ``merged``.
    The words depend only on the index (Indonesian customers use the ``id`` locale, all
    others ``en``); ``rng`` draws merged-or-not, then the legal form weighted per country.
    """
    countries = np.asarray(countries, dtype=str)
    index = np.asarray(index, dtype=np.int64)
    if countries.shape != index.shape or countries.ndim != 1:
        raise ValueError("countries and index must be 1-d arrays of the same length")
    if index.size and index.min() < 0:
        raise ValueError("customer indices must be non-negative")
    tables = _tables()
    n = index.size
    is_id = countries == ID_LOCALE_COUNTRY
    en, idn = tables.locales["en"], tables.locales["id"]

    s1, s2, d = _combination(index)
    stem1 = np.where(is_id, idn.stems[s1], en.stems[s1])
    stem2 = np.where(is_id, idn.stems[s2], en.stems[s2])
    descriptor = np.where(is_id, idn.descriptors[d], en.descriptors[d])

    # Draw order is fixed (merged, then legal form) so results depend only on rng and n.
    merged = rng.random(n) < np.where(is_id, idn.merge_probability, en.merge_probability)
    u = rng.random(n)
    prefix = np.full(n, "", dtype=object)
    suffix = np.full(n, "", dtype=object)
    for country in np.unique(countries):  # one pass per country (at most a handful), not per row
        forms = tables.forms.get(str(country))
        if forms is None:
            raise ValueError(f"no legal forms for country {country!r} in names.yaml")
        mask = countries == country
        pick = np.minimum(np.searchsorted(forms.cumulative, u[mask], side="right"),
                          forms.form.size - 1)
        prefix[mask] = forms.prefix[pick]
        suffix[mask] = forms.suffix[pick]
    prefix = prefix.astype(str)
    suffix = suffix.astype(str)

    core = np.where(merged, np.char.add(stem1, stem2), _join(stem1, stem2))
    legal_name = _join(_join(prefix, _join(core, descriptor)), suffix)
    return {
        "legal_name": legal_name,
        "stem1": stem1,
        "stem2": stem2,
        "descriptor": descriptor,
        "legal_form_prefix": prefix,
        "legal_form_suffix": suffix,
        "merged": merged,
    }


def compose(prefix: np.ndarray, stem1: np.ndarray, stem2: np.ndarray, merged: np.ndarray,
            descriptor: np.ndarray, suffix: np.ndarray) -> np.ndarray:
    """The legal name from its parts (the inverse of the split ``build_names`` returns)."""
    core = np.where(merged, np.char.add(stem1, stem2), _join(stem1, stem2))
    return _join(_join(prefix, _join(core, descriptor)), suffix)


def _owner(s1: np.ndarray, s2: np.ndarray, descriptor: np.ndarray) -> np.ndarray:
    """Global index whose combination is (s1, s2, descriptor): the inverse of ``_combination``."""
    offset = (s2 - s1 - 1) % N_STEMS
    j = (s1 * (N_STEMS - 1) + offset) * N_DESCRIPTORS + descriptor
    inverse = pow(_MULTIPLIER, -1, NAME_SPACE)
    return ((j - _OFFSET) % NAME_SPACE * inverse) % NAME_SPACE


def make_confusable(parts: dict[str, np.ndarray], rows: np.ndarray, target: np.ndarray,
                    countries: np.ndarray, rng: np.random.Generator, n_customers: int) -> None:
    """Give customers ``rows`` the stems of customers ``target`` with another descriptor
    (ALPHABRIDGE SOLUTIONS -> ALPHABRIDGE SYSTEMS, sometimes ALPHA BRIDGE SYSTEMS).

    The new descriptor is one no existing customer (global index < ``n_customers``)
    holds with those stems, so no two customers get the same words. Changes ``parts``
    in place and rebuilds ``legal_name``.
    """
    if not len(rows):
        return
    tables = _tables()
    is_id = np.asarray(countries)[target] == ID_LOCALE_COUNTRY
    loc = {True: tables.locales["id"], False: tables.locales["en"]}
    s1 = _positions(loc, "stems", parts["stem1"][target], is_id)
    s2 = _positions(loc, "stems", parts["stem2"][target], is_id)
    d0 = _positions(loc, "descriptors", parts["descriptor"][target], is_id)
    d = (d0 + rng.integers(1, N_DESCRIPTORS, len(rows))) % N_DESCRIPTORS
    for _ in range(N_DESCRIPTORS):  # step past descriptors a real customer already holds
        taken = (_owner(s1, s2, d) < n_customers) | (d == d0)
        if not taken.any():
            break
        d = np.where(taken, (d + 1) % N_DESCRIPTORS, d)
    for key in ("stem1", "stem2"):
        parts[key] = parts[key].astype(object)
        parts[key][rows] = parts[key][target]
    parts["merged"][rows] = np.where(rng.random(len(rows)) < 0.25, ~parts["merged"][target], parts["merged"][target])
    desc = parts["descriptor"].astype(object)
    desc[rows] = np.where(is_id, loc[True].descriptors[d], loc[False].descriptors[d])
    parts["descriptor"] = desc
    parts["legal_name"] = compose(parts["legal_form_prefix"].astype(str), parts["stem1"].astype(str),
                                  parts["stem2"].astype(str), parts["merged"], parts["descriptor"].astype(str),
                                  parts["legal_form_suffix"].astype(str))


def _positions(loc: dict[bool, _Locale], field: str, words: np.ndarray, is_id: np.ndarray) -> np.ndarray:
    """Position of each word in its locale's list."""
    out = np.zeros(len(words), dtype=np.int64)
    for flag in (True, False):
        rows = is_id == flag
        if rows.any():
            out[rows] = index_of(np.asarray(words[rows], dtype=str), getattr(loc[flag], field))
    return out
