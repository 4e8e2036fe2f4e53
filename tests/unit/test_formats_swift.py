"""SWIFT text rules: the X character set, 6x65 wrapping, 15d amounts, 34x details."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ledgersim.io.formats import text as tx
from ledgersim.io.formats.mt940 import (
    DETAILS_WIDTH,
    NARRATIVE_LINES,
    NARRATIVE_WIDTH,
    SWIFT_X,
    swift_x_one,
    to_swift_x,
    wrap,
)

X_LINE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")


@given(st.text(max_size=200))
def test_any_text_transliterates_into_the_x_set(text: str) -> None:
    out = swift_x_one(text)
    assert set(out) <= set(SWIFT_X)


def test_transliteration_keeps_meaning_where_it_can() -> None:
    assert swift_x_one("MÜLLER & SÖHNE GMBH") == "MULLER + SOHNE GMBH"
    assert swift_x_one("PAYMENT #123 @ACME_CO") == "PAYMENT .123 .ACME-CO"
    assert swift_x_one("Straße") == "Strasse"


def test_column_transliteration_touches_only_offending_rows() -> None:
    col = pa.array(["PLAIN TEXT 1", "A&B", "PLAIN TEXT 1", "ÇA"])
    out, changed = to_swift_x(col)
    assert out.to_pylist() == ["PLAIN TEXT 1", "A+B", "PLAIN TEXT 1", "CA"]
    assert changed.tolist() == [False, True, False, True]


words = st.lists(st.text(alphabet="ABCDEFGHIJ0123456789-:/.", min_size=1, max_size=20), min_size=1, max_size=40)


@given(words)
def test_wrapped_lines_obey_swift_rules_and_join_back(parts: list[str]) -> None:
    text = " ".join(parts)
    lines = wrap(text)
    assert 1 <= len(lines) <= NARRATIVE_LINES
    assert all(0 < len(line) <= NARRATIVE_WIDTH for line in lines)
    assert all(not line.endswith(" ") for line in lines)
    assert all(line[0] not in " -:" for line in lines[1:])
    joined = "".join(lines)
    if len(lines) < NARRATIVE_LINES:  # nothing cut: the text comes back whole
        assert joined == text
    else:  # cut at a line end, never inside what was kept
        assert text.startswith(joined.rstrip("."))


def test_wrap_moves_breaks_off_blanks_and_dashes() -> None:
    text = "A" * 64 + " " + "B" * 10  # a hard break at 65 would end the line in a blank
    lines = wrap(text)
    assert "".join(lines) == text and lines[0] == "A" * 63 and lines[1].startswith("A ")
    text = "C" * 65 + "-D"
    lines = wrap(text)
    assert "".join(lines) == text and not lines[1].startswith("-")


def test_amounts_use_a_decimal_comma_and_whole_rupiah() -> None:
    cents = np.array([2527386, -705, 100, 150000000, 0])
    assert tx.amounts(cents, 2, ",").to_pylist() == ["25273,86", "7,05", "1,00", "1500000,00", "0,00"]
    assert tx.amounts(cents, 0, ",").to_pylist() == ["25273,86", "7,05", "1,", "1500000,", "0,"]
    assert tx.amounts(cents, 2, ".").to_pylist() == ["25273.86", "7.05", "1.00", "1500000.00", "0.00"]
    assert tx.amounts(cents, 0, ".").to_pylist()[2:] == ["1", "1500000", "0"]


def test_dates_and_groups() -> None:
    days = np.array(["2024-01-02", "2023-12-31"], dtype="datetime64[D]")
    assert tx.dates(days, "%y%m%d").to_pylist() == ["240102", "231231"]
    joined = tx.join_groups(pa.array(["a", "b", "c"]), np.array([0, 2, 2, 3]), "|")
    assert joined.to_pylist() == ["a|b", "", "c"]


def test_xml_text_escapes_and_drops_control_characters() -> None:
    assert tx.xml_text(pa.array(['A&B <C> "D"\x01'])).to_pylist() == ["A&amp;B &lt;C&gt; &quot;D&quot;"]


def test_details_width_is_the_standard_34() -> None:
    assert DETAILS_WIDTH == 34 and NARRATIVE_WIDTH == 65 and NARRATIVE_LINES == 6
    assert X_LINE.fullmatch(SWIFT_X)


def test_an_amount_beyond_15_characters_names_the_account_and_the_fix() -> None:
    import pytest

    from ledgersim.io.formats import FormatError
    from ledgersim.io.formats.mt940 import _check_width

    with pytest.raises(FormatError, match="account ACC-IDR-001.*use --format camt053"):
        _check_width(tx.amounts(np.array([10**17]), 2, ","), "closing balance", np.array(["ACC-IDR-001"]))
    _check_width(tx.amounts(np.array([10**14]), 0, ","), "closing balance", np.array(["ACC-IDR-001"]))
