"""How names and references get corrupted on their way to a bank statement.

Every kind of corruption fires independently per mention with its rate, so
kinds stack; the variant recorded is the kinds actually applied, in a fixed
order, joined by ``+`` (``suffix_swap+typo``), or ``canonical``.

Company names: a partition has few customers and many lines, so each distinct
(customer, set of kinds) pair is built once with plain string code and then
gathered for every line that uses it. References are corrupted for every
mention with vectorised string and byte-matrix operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ledgersim.reference import yaml_data
from ledgersim.spec.models import COMPANY_NOISE, REFERENCE_NOISE, Noise
from ledgersim.world.names import name_lists

LEVEL_SCALE = {"none": 0.0, "low": 0.4, "medium": 1.0, "high": 2.0}
MAX_RATE = 0.9

# Legal forms a payer may write instead of the registered one.
SUFFIX_SWAPS = {
    "INC": ("CORP", "INCORPORATED", "LLC", "CO"),
    "LLC": ("INC", "L L C"),
    "CORP": ("CORPORATION", "INC"),
    "LTD": ("LIMITED", "CO LTD"),
    "PLC": ("LTD", "P L C"),
    "GMBH": ("AG", "GESMBH"),
    "AG": ("GMBH",),
    "BV": ("NV", "B V"),
    "NV": ("BV",),
    "PTE LTD": ("PTE LIMITED", "PRIVATE LIMITED", "LTD"),
    "TBK": ("",),
}
# Keys next to each other on a QWERTY keyboard (letters and digits).
NEIGHBOURS = {
    "Q": "WA", "W": "QES", "E": "WRD", "R": "ETF", "T": "RYG", "Y": "TUH", "U": "YIJ", "I": "UOK", "O": "IPL",
    "P": "OL", "A": "QSZ", "S": "ADWX", "D": "SFEC", "F": "DGRV", "G": "FHTB", "H": "GJYN", "J": "HKUM",
    "K": "JLI", "L": "KO", "Z": "AX", "X": "ZCS", "C": "XVD", "V": "CBF", "B": "VNG", "N": "BMH", "M": "NJ",
    "1": "2", "2": "13", "3": "24", "4": "35", "5": "46", "6": "57", "7": "68", "8": "79", "9": "80", "0": "9",
}
VOWELS = set("AEIOU")


def rates(noise: Noise) -> tuple[np.ndarray, np.ndarray]:
    """Per-kind rates (company, reference) for a scenario's noise settings."""
    base = yaml_data("noise.yaml")
    scale = LEVEL_SCALE[noise.level]
    company = np.array([min(MAX_RATE, base["company"][k] * scale) for k in COMPANY_NOISE])
    reference = np.array([min(MAX_RATE, base["reference"][k] * scale) for k in REFERENCE_NOISE])
    for i, k in enumerate(COMPANY_NOISE):
        if k in noise.company:
            company[i] = noise.company[k]
    for i, k in enumerate(REFERENCE_NOISE):
        if k in noise.reference:
            reference[i] = noise.reference[k]
    return company, reference


def draw_kinds(gen: np.random.Generator, n: int, kind_rates: np.ndarray) -> np.ndarray:
    """A bit mask per mention: bit k set when kind k fires."""
    fired = gen.random((n, len(kind_rates))) < kind_rates
    return (fired * (1 << np.arange(len(kind_rates)))).sum(axis=1).astype(np.int64)


def variant_names(masks: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """``canonical`` or the applied kinds joined by ``+``, for each mask."""
    uniq, inverse = np.unique(masks, return_inverse=True)
    names = np.array(["+".join(k for i, k in enumerate(kinds) if m >> i & 1) or "canonical" for m in uniq],
                     dtype=object)
    return names[inverse]


# ------------------------------------------------------------------------------------ companies


@dataclass(frozen=True)
class NameParts:
    prefix: str
    stem1: str
    stem2: str
    merged: bool
    descriptor: str
    suffix: str


def _bit(kind: str) -> int:
    return 1 << COMPANY_NOISE.index(kind)


def company_surface(p: NameParts, mask: int, gen: np.random.Generator) -> tuple[str, int]:
    """The name as a payer or bank writes it under the kinds in ``mask``.

    Returns the surface and the mask of kinds that actually changed something
    (a split of a name already in two words does nothing, an acronym replaces
    the spelling changes of the words it abbreviates).
    """
    applied = 0

    def on(kind: str) -> bool:
        return bool(mask & _bit(kind))

    prefix, suffix = p.prefix, p.suffix
    stems = [p.stem1, p.stem2]
    merged = p.merged
    descriptor = p.descriptor
    if on("acronym"):
        letters = "".join(w[0] for w in (*stems, descriptor))
        core = f"{prefix} {letters}" if prefix else letters
        applied |= _bit("acronym")
        words = [core]
        suffix = ""
        prefix = ""
    else:
        if on("split") and merged:
            merged, applied = False, applied | _bit("split")
        elif on("merge") and not merged:
            merged, applied = True, applied | _bit("merge")
        abbreviations = name_lists().get("bank_abbreviations", {})
        if on("abbreviation") and descriptor in abbreviations:
            descriptor, applied = abbreviations[descriptor], applied | _bit("abbreviation")
        elif on("vowel_drop"):
            dropped = descriptor[0] + "".join(c for c in descriptor[1:] if c not in VOWELS)
            if dropped != descriptor:
                descriptor, applied = dropped, applied | _bit("vowel_drop")
        words = ["".join(stems)] if merged else list(stems)
        words.append(descriptor)
    if on("suffix_drop") and (prefix or suffix):
        prefix, suffix, applied = "", "", applied | _bit("suffix_drop")
    elif on("suffix_swap") and (prefix or suffix):
        if prefix:  # banks print Indonesian forms after the name: SINAR JAYA PT, SINAR JAYA TBK PT
            prefix, suffix = "", f"{suffix} {prefix}".strip()
        else:
            options = SUFFIX_SWAPS.get(suffix, ("",))
            suffix = options[int(gen.integers(len(options)))]
        applied |= _bit("suffix_swap")
    name = " ".join(w for w in (prefix, *words, suffix) if w)
    if on("punctuation"):
        name = _punctuate(name, prefix, suffix, gen)
        applied |= _bit("punctuation")
    if on("typo"):
        name = _typo(name, gen)
        applied |= _bit("typo")
    if on("truncate") and len(name) > 8:
        keep = max(6, int(len(name) * gen.uniform(0.55, 0.85)))
        name, applied = name[:keep].rstrip(), applied | _bit("truncate")
    if on("case"):
        name = name.lower() if gen.random() < 0.5 else name.title()
        applied |= _bit("case")
    return " ".join(name.split()), applied  # a dropped letter may leave a space at the end


def _punctuate(name: str, prefix: str, suffix: str, gen: np.random.Generator) -> str:
    if prefix and name.startswith(prefix + " "):
        return prefix + ". " + name[len(prefix) + 1:]
    if suffix and name.endswith(" " + suffix):
        head = name[: -len(suffix) - 1]
        return head + (", " + suffix if gen.random() < 0.5 else " " + suffix + ".")
    return name + "."


def _typo(name: str, gen: np.random.Generator) -> str:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if not letters:
        return name
    i = letters[int(gen.integers(len(letters)))]
    c = name[i]
    how = int(gen.integers(4))
    if how == 0 and c.upper() in NEIGHBOURS:  # neighbouring key
        near = NEIGHBOURS[c.upper()]
        return name[:i] + near[int(gen.integers(len(near)))] + name[i + 1:]
    if how == 1 and i + 1 < len(name) and name[i + 1].isalpha() and name[i + 1] != c:  # swapped letters
        return name[:i] + name[i + 1] + c + name[i + 2:]
    if how == 2:  # doubled letter
        return name[:i] + c + name[i:]
    return name[:i] + name[i + 1:] if len(letters) > 3 else name[:i] + c + name[i:]


def company_surfaces(parts: list[NameParts], owner: np.ndarray, masks: np.ndarray,
                     gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Surfaces and applied masks for mentions of customer ``owner[i]`` with kinds ``masks[i]``.

    Built once per distinct (customer, mask) pair (few customers, many lines),
    then gathered for every mention.
    """
    if not len(owner):
        return np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64)
    pairs, inverse = np.unique(np.stack([owner, masks], axis=1), axis=0, return_inverse=True)
    surfaces = np.empty(len(pairs), dtype=object)
    applied = np.empty(len(pairs), dtype=np.int64)
    for k, (who, mask) in enumerate(pairs):  # distinct pairs, in sorted order: deterministic
        surfaces[k], applied[k] = company_surface(parts[who], int(mask), gen)
    inverse = inverse.reshape(-1)
    return surfaces[inverse], applied[inverse]


# ------------------------------------------------------------------------------------ references


def _rbit(kind: str) -> int:
    return 1 << REFERENCE_NOISE.index(kind)


def reference_surfaces(prefix: np.ndarray, word: np.ndarray, number: np.ndarray, masks: np.ndarray,
                       gen: np.random.Generator, alt_word: str) -> tuple[pa.Array, np.ndarray]:
    """Corrupt references made of ``prefix``-``word``-``number`` parts
    (``MFG``-``INV``-``000157``; ``""``-``PO``-``4500012345``; ``""``-``CNT``-``2024-587``).

    Returns the surfaces and the mask of kinds applied. All work is vectorised.
    """
    n = len(masks)
    if n == 0:
        return pa.array([], pa.string()), masks

    def on(kind: str) -> np.ndarray:
        return (masks & _rbit(kind)) != 0

    applied = np.zeros(n, dtype=np.int64)
    number_only = on("number_only")
    applied |= np.where(number_only, _rbit("number_only"), 0)
    # the number: leading zeros dropped, a digit mistyped, two digits swapped
    digits = pa.array(number.astype(str), pa.string())
    zeros = on("zeros_drop") & np.char.startswith(number.astype(str), "0")
    digits = pc.if_else(pa.array(zeros), pc.utf8_ltrim(digits, "0"), digits)
    applied |= np.where(zeros, _rbit("zeros_drop"), 0)
    digits, typo_done = _mutate_digits(digits, on("digit_typo"), gen, swap=False)
    digits, swap_done = _mutate_digits(digits, on("transposition"), gen, swap=True)
    applied |= np.where(typo_done, _rbit("digit_typo"), 0) | np.where(swap_done, _rbit("transposition"), 0)

    # separators: none, a space, or the canonical hyphen
    full = ~number_only
    nosep = on("no_separator") & full
    space = on("space_separator") & full & ~nosep
    sep = np.where(nosep, "", np.where(space, " ", "-"))
    applied |= np.where(nosep, _rbit("no_separator"), 0) | np.where(space, _rbit("space_separator"), 0)
    # a separator inside the number (CNT-2024-587) follows the others
    digits = pc.if_else(pa.array(nosep), pc.replace_substring(digits, "-", ""), digits)
    digits = pc.if_else(pa.array(space), pc.replace_substring(digits, "-", " "), digits)
    # prefix_drop leaves out the first part: the division (MFG) or, without one, the word (PO, CNT)
    drop = on("prefix_drop") & full
    has_prefix = prefix != ""
    swap_word = on("word_swap") & full & ~(drop & ~has_prefix)
    applied |= np.where(drop, _rbit("prefix_drop"), 0) | np.where(swap_word, _rbit("word_swap"), 0)
    # a spelled-out word is followed by a space: INVOICE 000157, PO NO 4500012345
    word_sep = np.where(swap_word & ~nosep, " ", sep)
    head = np.where(has_prefix & ~drop, np.char.add(prefix.astype(str), sep), "")
    the_word = np.where(drop & ~has_prefix, "", np.char.add(np.where(swap_word, alt_word, word).astype(str), word_sep))
    built = pc.binary_join_element_wise(pa.array(head, pa.string()), pa.array(the_word, pa.string()), digits, "")
    surface = pc.if_else(pa.array(number_only), digits, built)
    lower = on("case")
    surface = pc.if_else(pa.array(lower), pc.utf8_lower(surface), surface)
    applied |= np.where(lower, _rbit("case"), 0)
    return surface, applied


def _mutate_digits(digits: pa.Array, want: np.ndarray, gen: np.random.Generator,
                   swap: bool) -> tuple[pa.Array, np.ndarray]:
    """Mistype one digit (a neighbouring key) or swap two neighbouring different digits,
    on the rows where ``want``, via a fixed-width byte matrix."""
    rows = np.flatnonzero(want)
    done = np.zeros(len(want), dtype=bool)
    if not len(rows):
        return digits, done
    values = np.asarray(digits.take(pa.array(rows)).to_numpy(zero_copy_only=False), dtype=str)
    width = max(1, int(np.char.str_len(values).max())) if len(values) else 1
    mat = np.frombuffer(np.array(values, dtype=f"S{width}").tobytes(), dtype=np.uint8).reshape(len(rows), width).copy()
    is_digit = (mat >= ord("0")) & (mat <= ord("9"))
    if swap:
        # candidates: a digit followed by a different digit
        ok = is_digit[:, :-1] & is_digit[:, 1:] & (mat[:, :-1] != mat[:, 1:])
    else:
        ok = is_digit
    count = ok.sum(axis=1)
    pick = (gen.random(len(rows)) * np.maximum(count, 1)).astype(np.int64)
    has = count > 0
    pos = np.argmax(np.cumsum(ok, axis=1) > pick[:, None], axis=1)
    r = np.flatnonzero(has)
    p = pos[has]
    if swap:
        a, b = mat[r, p].copy(), mat[r, p + 1].copy()
        mat[r, p], mat[r, p + 1] = b, a
    else:
        step = np.where(gen.random(len(r)) < 0.5, 1, -1)
        mat[r, p] = (ord("0") + (mat[r, p] - ord("0") + step) % 10).astype(np.uint8)
    new = mat.view(f"S{width}").reshape(-1).astype(str)
    done[rows] = has
    out = np.asarray(digits.to_numpy(zero_copy_only=False), dtype=object)
    out[rows] = new
    return pa.array(out, pa.string()), done
