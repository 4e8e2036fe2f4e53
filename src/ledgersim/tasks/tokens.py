"""Tokenisation and IOB2 tags derived from character spans, for all lines at once.

Rule (documented in docs/tasks.md): split on white space; ``/``, ``*`` and
``:`` are tokens of their own; a token that a mention boundary runs through
is split there, so every mention is a whole number of tokens. All narratives
are laid end to end as one array of code points and every step is a numpy
operation over it; token strings are cut from the UTF-8 bytes directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ledgersim.frames import index_of
from ledgersim.schema import NER_LABELS

SEPARATORS = "/*:"
TAGS = ("O",) + tuple(f"{p}-{label}" for label in NER_LABELS for p in ("B", "I"))


@dataclass
class Tokens:
    row: np.ndarray  # narrative of each token
    start: np.ndarray  # character offset in its narrative
    end: np.ndarray
    text: pa.Array
    tag: np.ndarray  # index into TAGS
    first: np.ndarray  # per narrative: position of its first token (len n+1)


def tokenize(texts: list[str], m_row: np.ndarray, m_start: np.ndarray, m_end: np.ndarray,
             m_label: np.ndarray) -> Tokens:
    """Tokens and tags of ``texts`` given mentions (row, start, end, label)."""
    n = len(texts)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    row_start = np.concatenate([[0], np.cumsum(lengths + 1)])[:-1]  # a newline between narratives
    big = "\n".join(texts)
    codes = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32) if big else np.zeros(0, np.uint32)
    size = len(codes)
    space = np.isin(codes, [ord(" "), ord("\n"), ord("\t"), ord("\r")])
    sep = np.isin(codes, [ord(c) for c in SEPARATORS])
    cut = np.zeros(size + 1, dtype=bool)  # a token must start here
    abs_start = row_start[m_row] + m_start
    abs_end = row_start[m_row] + m_end
    cut[abs_start] = True
    cut[abs_end] = True
    prev_space = np.r_[True, space[:-1]] if size else space
    prev_sep = np.r_[False, sep[:-1]] if size else sep
    starts = ~space & (prev_space | sep | prev_sep | cut[:size])
    char_token = np.cumsum(starts) - 1  # token of each non-space character
    solid = np.flatnonzero(~space)
    tok_of = char_token[solid]
    tok_first = np.flatnonzero(starts)
    n_tok = len(tok_first)
    tok_end = np.zeros(n_tok, dtype=np.int64)
    if n_tok:
        last = np.r_[tok_of[1:] != tok_of[:-1], True]
        tok_end[tok_of[last]] = solid[last] + 1

    # token strings straight from the UTF-8 bytes of the non-space characters
    utf8_len = np.select([codes < 0x80, codes < 0x800, codes < 0x10000], [1, 2, 3], 4)
    byte_len = np.bincount(tok_of, weights=utf8_len[solid], minlength=n_tok).astype(np.int64)
    data = np.frombuffer(big.encode("utf-8"), dtype=np.uint8)
    data = data[~np.isin(data, [0x20, 0x0A, 0x09, 0x0D])]  # these bytes are never inside a multibyte character
    offsets = np.concatenate([[0], np.cumsum(byte_len)]).astype(np.int32)
    text = pa.StringArray.from_buffers(n_tok, pa.py_buffer(offsets.tobytes()), pa.py_buffer(data.tobytes()))

    token_row = np.searchsorted(row_start, tok_first, side="right") - 1
    # tags: the mention a token starts in, if any
    order = np.argsort(abs_start, kind="stable")
    ms, me = abs_start[order], abs_end[order]
    ml = np.asarray(m_label)[order]
    j = np.searchsorted(ms, tok_first, side="right") - 1
    inside = (j >= 0) & (tok_first < me[np.maximum(j, 0)]) if len(ms) else np.zeros(n_tok, bool)
    lab = np.zeros(n_tok, dtype=np.int64)
    if len(ms):
        k = np.maximum(j, 0)
        begin = tok_first == ms[k]
        lab = np.where(inside, 1 + 2 * index_of(ml[k], NER_LABELS) + np.where(begin, 0, 1), 0)
    first = np.searchsorted(token_row, np.arange(n + 1), side="left")
    return Tokens(token_row, tok_first - row_start[token_row], tok_end - row_start[token_row], text, lab, first)


def conll(tokens: Tokens, n_docs: int) -> str:
    """CoNLL IOB2 text: ``token TAG`` per line, a blank line after each narrative."""
    tags = np.array(TAGS)[tokens.tag]
    lines = pa.compute.binary_join_element_wise(tokens.text, pa.array(tags, pa.string()), " ")
    docs = pa.compute.binary_join(pa.ListArray.from_arrays(pa.array(tokens.first.astype(np.int32)), lines), "\n")
    return "".join(f"{d}\n\n" for d in docs.to_pylist()) if n_docs else ""
