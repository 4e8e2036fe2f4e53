"""Narrative assembly: every labelled span equals its surface, always."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgersim.observe.render import Segment, render

words = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=0x24F), min_size=1, max_size=12)


@st.composite
def segment_specs(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 6))
    segs = []
    for _ in range(draw(st.integers(1, 5))):
        items = draw(st.lists(st.tuples(st.integers(0, n - 1), words), max_size=8))
        items.sort(key=lambda x: x[0])
        label = draw(st.sampled_from([None, "COMPANY", "INVOICE"]))
        sep = draw(st.sampled_from([" ", " / ", ","]))
        segs.append((items, label, sep))
    return n, segs


@settings(max_examples=200, deadline=None)
@given(segment_specs())
def test_spans_match_text_and_text_is_the_joined_segments(spec) -> None:  # type: ignore[no-untyped-def]
    n, specs = spec
    segments = [
        Segment(np.array([r for r, _ in items], dtype=np.int64), pa.array([w for _, w in items], pa.string()),
                label, pa.array([f"E{i}" for i in range(len(items))], pa.string()), sep=sep)
        for items, label, sep in specs
    ]
    r = render(n, segments)
    texts = r.text.to_pylist()
    for row in range(n):
        parts = [sep.join(w for rr, w in items if rr == row) for items, _, sep in specs]
        assert texts[row] == " ".join(p for p in parts if p)
    expected = sum(len(items) for items, label, _ in specs if label)
    assert len(r.m_row) == expected
    for i in range(len(r.m_row)):
        assert texts[r.m_row[i]][r.m_start[i]:r.m_end[i]] == r.m_surface[i].as_py()


def test_example_narrative_and_offsets() -> None:
    n = 2
    r = render(n, [
        Segment.literal("PART PMT", n, "PAYMENT_TYPE"),
        Segment.per_row(["ALPHABRIDGE SOLUTIONS", ""], "COMPANY", ["CUS-00002", ""],
                        present=np.array([True, False])),
        Segment(np.array([0, 1, 1]), pa.array(["MFG-INV-000157", "A-1", "A-2"]), "INVOICE"),
    ])
    assert r.text.to_pylist() == ["PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157", "PART PMT A-1 A-2"]
    spans = list(zip(r.m_row.tolist(), r.m_start.tolist(), r.m_end.tolist(), r.m_label.tolist()))
    assert spans == [(0, 0, 8, "PAYMENT_TYPE"), (0, 9, 30, "COMPANY"), (0, 31, 45, "INVOICE"),
                     (1, 0, 8, "PAYMENT_TYPE"), (1, 9, 12, "INVOICE"), (1, 13, 16, "INVOICE")]
