"""camt.053 remittance splitting and deterministic opening balances."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledgersim.io.formats.camt053 import USTRD_WIDTH, split_remittance
from ledgersim.io.formats.statements import OPENING_USD, opening_base
from ledgersim.reference import currencies

words = st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/", min_size=1, max_size=30),
                 min_size=1, max_size=30)


@given(words)
def test_remittance_pieces_fit_140_and_join_back(parts: list[str]) -> None:
    text = " ".join(parts)
    pieces = split_remittance(text)
    assert all(0 < len(p) <= USTRD_WIDTH for p in pieces)
    assert " ".join(pieces) == text
    assert (len(pieces) == 1) == (len(text) <= USTRD_WIDTH)


def test_a_run_without_blanks_is_cut_hard() -> None:
    pieces = split_remittance("X" * 300)
    assert [len(p) for p in pieces] == [140, 140, 20]


def test_opening_balance_is_stable_and_in_range() -> None:
    a = opening_base("ACC-EUR-001", "EUR")
    assert a == opening_base("ACC-EUR-001", "EUR") and a != opening_base("ACC-EUR-002", "EUR")
    rate = currencies()["EUR"]["units_per_usd"]
    assert OPENING_USD[0] * rate * 100 <= a <= OPENING_USD[1] * rate * 100
    assert opening_base("ACC-IDR-001", "IDR") % 100 == 0  # whole rupiah
