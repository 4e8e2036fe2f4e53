"""Company name resolution against the customer master: normalisation plus fuzzy matching.

A name is upper-cased, stripped of punctuation and of legal forms (INC, LTD,
PT, TBK, GMBH, ...), and compared with every customer's name by

- the compact form (spaces removed, so ALPHA BRIDGE == ALPHABRIDGE) with rapidfuzz's ratio,
- a word-by-word alignment that accepts a word written in full, cut short
  (SOLU), abbreviated or without vowels (SOLN, SLTNS: the letters in order,
  same first letter), or with a typo (rapidfuzz ratio),
- the acronym of the customer's words (ABS, PT SJL), with compound words
  (ALPHABRIDGE) split where both halves are words of the master.

The best score wins; below a threshold (chosen on the dev split) the name is
no customer (NIL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

LEGAL_FORMS = frozenset("""
INC INCORPORATED CORP CORPORATION LLC LTD LIMITED PLC GMBH AG BV NV PTE PRIVATE PT PPT TBK CV CO COMPANY
PERSERO SE SA KG LP LLP
""".split())
# legal forms written with spaces between their letters (P L C, B V)
_SPACED = re.compile(r"\b([A-Z])\s(?=[A-Z]\b)")
_PUNCT = re.compile(r"[^A-Z0-9 ]+")

DEFAULT_THRESHOLD = 0.6  # chosen on the dev split of the demo preset (accuracy is flat from 0.5 to 0.72)
FORM_BONUS = 0.03


def clean(name: str) -> str:
    s = name.upper().replace("&", " AND ")
    s = _PUNCT.sub(" ", s.replace(".", " ").replace(",", " "))
    s = " ".join(s.split())
    return _SPACED.sub(r"\1", s)


def core_words(name: str) -> list[str]:
    """Words of a name without legal forms (at either end, where banks move them)."""
    words = clean(name).split()
    while words and words[0] in LEGAL_FORMS:
        words = words[1:]
    while words and words[-1] in LEGAL_FORMS:
        words = words[:-1]
    return words or clean(name).split()


def legal_forms(name: str) -> frozenset[str]:
    return frozenset(w for w in clean(name).split() if w in LEGAL_FORMS)


def is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def word_score(s: str, c: str) -> float:
    if s == c:
        return 1.0
    if len(s) >= 2 and s[0] == c[0]:
        if c.startswith(s) and len(s) >= 3:
            return 0.92  # cut short
        if is_subsequence(s, c):
            return 0.88  # abbreviated or without vowels
    return 0.9 * fuzz.ratio(s, c) / 100.0


@dataclass
class Customer:
    customer_id: str
    words: list[str]  # core words, compounds split
    compact: str
    acronyms: frozenset[str]
    forms: frozenset[str]  # legal-form words of the name (PT, TBK, INC...)


class Resolver:
    def __init__(self, customers: list[dict], threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        cores = [(row["customer_id"], core_words(row["legal_name"])) for row in customers]
        forms = {row["customer_id"]: legal_forms(row["legal_name"]) for row in customers}
        vocab = {w for _, ws in cores for w in ws if len(w) >= 3}
        self.customers: list[Customer] = []
        for cid, ws in cores:
            split = [p for w in ws for p in self._split(w, vocab)]
            acr = {"".join(w[0] for w in split), "".join(w[0] for w in ws)}
            self.customers.append(Customer(cid, split, "".join(ws), frozenset(a for a in acr if len(a) >= 2),
                                           forms[cid]))
        self.compacts = [c.compact for c in self.customers]
        self.by_acronym: dict[str, list[int]] = {}
        for i, c in enumerate(self.customers):
            for a in c.acronyms:
                self.by_acronym.setdefault(a, []).append(i)
        self.vocab = vocab
        self.name_words = {w for c in self.customers for w in c.words} | {w for _, ws in cores for w in ws}

    @staticmethod
    def _split(word: str, vocab: set[str]) -> list[str]:
        for i in range(3, len(word) - 2):
            if word[:i] in vocab and word[i:] in vocab:
                return [word[:i], word[i:]]
        return [word]

    def _align(self, words: list[str], cand: Customer) -> float:
        best = self._align_words(words, cand.words)
        # a name the bank split (GLOBE CRYSTAL) against a master word that is not split (GLOBECRYSTAL)
        merged, i, changed = [], 0, False
        while i < len(words):
            if i + 1 < len(words) and any(c.startswith(words[i] + words[i + 1]) for c in cand.words):
                merged.append(words[i] + words[i + 1])
                i += 2
                changed = True
            else:
                merged.append(words[i])
                i += 1
        if changed:
            best = max(best, self._align_words(merged, cand.words))
        return best

    @staticmethod
    def _align_words(words: list[str], cw: list[str]) -> float:
        total, j = 0.0, 0
        for w in words:
            best, best_k = 0.0, None
            for k in range(j, len(cw)):
                sc = word_score(w, cw[k])
                if sc > best:
                    best, best_k = sc, k
            if best_k is not None:
                j = best_k + 1
            total += best
        missing = max(0, len(cw) - len(words))
        # words left out at the end (a cut name) cost less than words that do not match
        return total / (len(words) + 0.5 * missing) if words else 0.0

    def candidates(self, name: str, limit: int = 12) -> list[tuple[str, float]]:
        """(customer_id, score) best first."""
        words = core_words(name)
        if not words:
            return []
        split = [p for w in words for p in self._split(w, self.vocab)]
        compact = "".join(words)
        pool: dict[int, float] = {}
        for _, sc, i in process.extract(compact, self.compacts, scorer=fuzz.ratio, limit=limit):
            # the compact forms agree but for a typo or the spaces (ALPHA BRIDGE, ALPHABRIDGE)
            pool[i] = sc / 100.0 if sc >= 88 else 0.0
        for _, sc, i in process.extract(" ".join(split), [" ".join(c.words) for c in self.customers],
                                        scorer=fuzz.token_set_ratio, limit=limit):
            pool.setdefault(i, 0.0)
        acronym = words[0] if len(words) == 1 and 2 <= len(words[0]) <= 5 else None
        if acronym:
            for a in {acronym, re.sub(r"(.)\1+", r"\1", acronym)}:
                for i in self.by_acronym.get(a, []):
                    pool[i] = max(pool.get(i, 0.0), 0.9)
        if len(compact) >= 5:
            for i, c in enumerate(self.customers):
                if c.compact.startswith(compact):  # a name cut short
                    pool[i] = max(pool.get(i, 0.0), 0.86)
        if acronym:  # letters of the acronym in order, first and last on word starts
            for i, c in enumerate(self.customers):
                ws = c.words
                if (len(acronym) >= len(ws) and acronym[0] == ws[0][0] and acronym[-1] == ws[-1][0]
                        and is_subsequence(acronym, c.compact)):
                    pool[i] = max(pool.get(i, 0.0), 0.8)
        scored = []
        written = legal_forms(name)
        for i, base in pool.items():
            c = self.customers[i]
            bonus = FORM_BONUS if written & c.forms else 0.0  # the same legal form breaks near-ties
            scored.append((c.customer_id, min(1.0, max(base, self._align(split, c)) + bonus)))
        scored.sort(key=lambda x: (-x[1], x[0]))
        return scored

    def resolve(self, name: str) -> tuple[str | None, float]:
        cands = self.candidates(name)
        if not cands or cands[0][1] < self.threshold:
            return None, cands[0][1] if cands else 0.0
        return cands[0]
