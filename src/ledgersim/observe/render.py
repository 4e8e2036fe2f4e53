"""Vectorised text assembly with exact character spans.

A template is a sequence of segments. Each segment holds zero or more items
per row (a company name, one or several invoice numbers, a literal). The
narrative of a row is its non-empty segments joined by single spaces, the
items of a segment joined by the segment's separator. Because every length is
known, each labelled item's start offset is a cumulative sum over columns:
no per-row Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Segment:
    """Items of one template position; ``row`` is sorted ascending."""

    row: np.ndarray  # row of each item
    text: pa.Array  # string per item
    label: str | None = None  # NER label of every item, or None
    entity: pa.Array | None = None  # entity id per item (when labelled)
    variant: pa.Array | None = None  # how the surface was made from the entity
    sep: str = " "
    glued: bool = False  # no space between this segment and the text before it

    @classmethod
    def per_row(cls, text: pa.Array | np.ndarray | list, label: str | None = None,
                entity: pa.Array | np.ndarray | None = None, variant: pa.Array | np.ndarray | None = None,
                present: np.ndarray | None = None) -> "Segment":
        """One item per row (rows where ``present`` is False have none)."""
        text = _strings(text)
        rows = np.arange(len(text))
        if present is not None:
            rows = np.flatnonzero(present)
            text = text.take(pa.array(rows))
            entity = None if entity is None else _strings(entity).take(pa.array(rows))
            variant = None if variant is None else _strings(variant).take(pa.array(rows))
        return cls(rows, text, label, None if entity is None else _strings(entity),
                   None if variant is None else _strings(variant))

    @classmethod
    def literal(cls, text: str, n: int, label: str | None = None, glued: bool = False) -> "Segment":
        seg = cls.per_row(pa.array([text] * n, pa.string()) if n else pa.array([], pa.string()), label,
                          None, None)
        seg.glued = glued
        return seg


def _strings(x: pa.Array | np.ndarray | list) -> pa.Array:
    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks()
    return x if isinstance(x, pa.Array) else pa.array(np.asarray(x, dtype=object), pa.string())


@dataclass
class Rendered:
    text: pa.Array  # one narrative per row
    m_row: np.ndarray  # mentions: row, start, end (exclusive), label, surface, entity, variant
    m_start: np.ndarray
    m_end: np.ndarray
    m_label: np.ndarray
    m_surface: pa.Array
    m_entity: pa.Array
    m_variant: pa.Array


def render(n: int, segments: list[Segment]) -> Rendered:
    """Assemble ``n`` narratives from segments and locate every labelled item."""
    seg_text, seg_len = [], []
    item_offsets = []
    for s in segments:
        counts = np.bincount(s.row, minlength=n)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), s.text), s.sep)
        item_len = pc.utf8_length(s.text).to_numpy(zero_copy_only=False).astype(np.int64)
        # offset of each item inside its segment: lengths and separators before it
        before = np.cumsum(item_len + len(s.sep)) - (item_len + len(s.sep))
        item_offsets.append(before - before[np.repeat(offsets[:-1], counts)])
        seg_text.append(joined)
        seg_len.append(pc.utf8_length(joined).to_numpy(zero_copy_only=False).astype(np.int64))

    lens = np.stack(seg_len) if segments else np.zeros((0, n), np.int64)
    nonempty = lens > 0
    seen_before = np.cumsum(nonempty, axis=0) - nonempty
    glued = np.array([s.glued for s in segments], dtype=bool)[:, None] if segments else np.zeros((0, 1), bool)
    space = (nonempty & (seen_before > 0) & ~glued).astype(np.int64)  # a space before all but the first
    seg_start = np.cumsum(lens + space, axis=0) - lens  # where each segment's text starts
    pieces = []
    for i, t in enumerate(seg_text):
        pieces.append(pc.if_else(pa.array(space[i].astype(bool)), pa.scalar(" "), pa.scalar("")))
        pieces.append(t)
    text = pc.binary_join_element_wise(*pieces, "") if pieces else pa.array([""] * n)

    rows, starts, ends, labels, surfaces, entities, variants = [], [], [], [], [], [], []
    for i, s in enumerate(segments):
        if s.label is None or not len(s.row):
            continue
        start = seg_start[i][s.row] + item_offsets[i]
        length = pc.utf8_length(s.text).to_numpy(zero_copy_only=False).astype(np.int64)
        rows.append(s.row)
        starts.append(start)
        ends.append(start + length)
        labels.append(np.full(len(s.row), s.label))
        surfaces.append(s.text)
        entities.append(s.entity if s.entity is not None else pa.nulls(len(s.row), pa.string()))
        variants.append(s.variant if s.variant is not None else pa.array(["canonical"] * len(s.row)))
    if rows:
        order = np.lexsort((np.concatenate(starts), np.concatenate(rows)))
        take = pa.array(order)
        return Rendered(
            text, np.concatenate(rows)[order], np.concatenate(starts)[order], np.concatenate(ends)[order],
            np.concatenate(labels)[order], pa.concat_arrays(surfaces).take(take),
            pa.concat_arrays(entities).take(take), pa.concat_arrays(variants).take(take),
        )
    empty = pa.array([], pa.string())
    z = np.zeros(0, np.int64)
    return Rendered(text, z, z, z, np.zeros(0, dtype=str), empty, empty, empty)
