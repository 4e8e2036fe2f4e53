"""Money, keyed randomness and numbering: the small pieces everything relies on."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ledgersim.frames import cents, money
from ledgersim.plan import Census, make_plan
from ledgersim.rng import rng
from ledgersim.spec import build_scenario


@given(st.lists(st.integers(-10**15, 10**15), max_size=50))
def test_money_round_trips_exactly(values: list[int]) -> None:
    arr = money(np.array(values, dtype=np.int64))
    assert [None if v is None else int(v * 100) for v in arr.to_pylist()] == values
    assert cents(arr).tolist() == values


def test_streams_are_keyed_not_positional() -> None:
    a = rng(1, "payments", 3).random(5)
    assert np.array_equal(a, rng(1, "payments", 3).random(5))
    assert not np.array_equal(a, rng(1, "payments", 4).random(5))
    assert not np.array_equal(a, rng(2, "payments", 3).random(5))
    assert not np.array_equal(a, rng(1, "customers", 3).random(5))


def test_partitions_cover_customers_once() -> None:
    plan = make_plan(build_scenario("tiny", {"customers": 53, "partition_customers": 10}))
    covered = [i for p in plan.partitions for i in range(p.first_customer, p.stop_customer)]
    assert covered == list(range(53))


@given(st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=1, max_size=5))
def test_invoice_offsets_number_by_day_then_partition(counts: list[list[int]]) -> None:
    plan = make_plan(build_scenario("tiny", {"period": {"start": "2024-01-01", "end": "2024-01-03"}}))
    divisions = 4
    census = [Census(np.tile(np.array(c), (divisions, 1)), np.zeros(len(plan.contract_years), np.int64), 0)
              for c in counts]
    offsets = plan.offsets(census)
    for d in range(divisions):
        numbers = []  # every invoice of division d in (day, partition) order
        for day in range(3):
            for p, c in enumerate(counts):
                numbers += [int(offsets[p].invoices[d, day]) + k for k in range(c[day])]
        assert numbers == list(range(sum(map(sum, counts))))


@given(st.integers(0, 10**14), st.integers(0, 10**8))
def test_apply_rate_rounds_half_up_exactly(amount: int, rate_e8: int) -> None:
    from decimal import ROUND_HALF_UP, Decimal

    from ledgersim.frames import apply_rate

    rate = rate_e8 / 10**8
    expected = (Decimal(amount) * Decimal(rate_e8) / Decimal(10**8)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert int(apply_rate(np.array([amount]), np.array([rate]))[0]) == int(expected)
