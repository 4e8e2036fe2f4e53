"""Narrative templates: parsed once from ``data/templates.yaml``.

A template is a list of tokens. Each token is either literal text, a labelled
keyword, an entity slot or an unlabelled field, and knows whether it is glued
to the token before it (no space in between).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from ledgersim.reference import yaml_data
from ledgersim.schema import NER_LABELS

USES = ("full", "partial", "multi", "refund", "bank_fee", "payroll", "tax", "vendor_payment",
        "internal_transfer", "interest")
SLOTS = {"COMPANY": "COMPANY", "VENDOR": "COMPANY", "INVOICES": "INVOICE", "PO": "PURCHASE_ORDER",
         "CONTRACT": "CONTRACT"}
FIELDS = ("BANKREF", "TRN", "E2E", "BANKCODE", "BANKNAME", "ACCT", "IBAN", "BIC", "DDMM", "MONTH", "AMOUNT")
_TOKEN = re.compile(r"\{([A-Z0-9]+)(?::([^}]*))?\}")


@dataclass(frozen=True)
class Token:
    kind: str  # "literal", "keyword" (PAYMENT_TYPE), "slot" or "field"
    name: str  # literal text, keyword text, slot name or field name
    option: str = ""  # INVOICES: "" (space), "/" or "grouped"
    glued: bool = False  # no space before this token


@dataclass(frozen=True)
class Template:
    id: str
    locale: str
    style: str
    limit: int
    use: str
    text: str
    tokens: tuple[Token, ...]
    weight: float
    currencies: tuple[str, ...] = ()  # empty: any currency

    def fits(self, currency: str) -> bool:
        return not self.currencies or currency in self.currencies

    def has(self, slot: str) -> bool:
        return any(t.kind == "slot" and t.name == slot for t in self.tokens)

    def label_counts(self, n_invoices: float = 1.0) -> np.ndarray:
        """Expected mentions per NER label when rendered for ``n_invoices`` invoices."""
        counts = np.zeros(len(NER_LABELS))
        for t in self.tokens:
            if t.kind == "keyword":
                counts[NER_LABELS.index("PAYMENT_TYPE")] += 1
            elif t.kind == "slot":
                counts[NER_LABELS.index(SLOTS[t.name])] += n_invoices if t.name == "INVOICES" else 1
        return counts


def parse(text: str) -> tuple[Token, ...]:
    """Split template text into tokens; raises ValueError on an unknown placeholder.

    A token is glued when the character before its first character is not a
    space (``/INV/{INVOICES}``); literal text keeps its inner spaces.
    """
    pieces: list[tuple[int, str, re.Match[str] | None]] = []  # (start, text, placeholder match)
    pos = 0
    for m in _TOKEN.finditer(text):
        pieces.append((pos, text[pos:m.start()], None))
        pieces.append((m.start(), m.group(0), m))
        pos = m.end()
    pieces.append((pos, text[pos:], None))

    tokens: list[Token] = []
    for start, piece, m in pieces:
        first = start + len(piece) - len(piece.lstrip())  # position of its first non-space character
        if m is None and not piece.strip():
            continue
        glued = bool(tokens) and first > 0 and not text[first - 1].isspace()
        if m is None:
            tokens.append(Token("literal", piece.strip(), glued=glued))
            continue
        name, option = m.group(1), m.group(2) or ""
        if name == "PT":
            tokens.append(Token("keyword", option, glued=glued))
        elif name in SLOTS:
            if option and not (name == "INVOICES" and option in ("/", "grouped")):
                raise ValueError(f"{text!r}: option {option!r} not allowed for {name}")
            tokens.append(Token("slot", name, option, glued=glued))
        elif name in FIELDS:
            tokens.append(Token("field", name, glued=glued))
        else:
            raise ValueError(f"{text!r}: unknown placeholder {{{name}}}")
    return tuple(tokens)


@functools.cache
def templates() -> tuple[Template, ...]:
    data = yaml_data("templates.yaml")
    styles = data["styles"]
    out = []
    for row in data["templates"]:
        if row["use"] not in USES:
            raise ValueError(f"template {row['id']}: unknown use {row['use']!r}")
        out.append(Template(row["id"], row["locale"], row["style"], int(styles[row["style"]]), row["use"],
                            row["text"], parse(row["text"]), float(row.get("weight", 1.0)),
                            tuple(row.get("currencies", ()))))
    ids = [t.id for t in out]
    if len(set(ids)) != len(ids):
        raise ValueError("template ids must be unique")
    return tuple(out)
