"""Business-day calendars: holidays respected, rolling and shifting land on business days."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgersim.world.calendar import (
    add_business_days,
    business_days,
    is_business_day,
    roll_forward,
)

COUNTRIES = ("US", "ID", "DE", "GB", "NL", "SG")
START, END = dt.date(2024, 1, 1), dt.date(2025, 12, 31)


def _d(*dates: str) -> np.ndarray:
    return np.array(dates, dtype="datetime64[D]")


def _closed(country: str, years: range) -> np.ndarray:
    subdiv = "ENG" if country == "GB" else None
    hol = holidays.country_holidays(country, subdiv=subdiv, years=years)
    return np.array(sorted(hol), dtype="datetime64[D]")


def test_christmas_is_not_a_german_business_day() -> None:
    dates = _d("2024-12-24", "2024-12-25", "2024-12-26", "2024-12-27")
    assert is_business_day("DE", dates).tolist() == [True, False, False, True]
    assert np.datetime64("2024-12-25") not in business_days("DE", START, END)


def test_indonesian_independence_day() -> None:
    # 2024-08-17 is a Saturday; in 2023 it fell on a Thursday and banks were closed
    assert not is_business_day("ID", _d("2024-08-17"))[0]
    assert is_business_day("ID", _d("2023-08-16", "2023-08-17", "2023-08-18")).tolist() \
        == [True, False, True]
    assert roll_forward("ID", _d("2023-08-17"), dt.date(2023, 1, 1), dt.date(2023, 12, 31))[0] \
        == np.datetime64("2023-08-18")
    assert roll_forward("ID", _d("2024-08-17"), START, END)[0] == np.datetime64("2024-08-19")


def test_england_bank_holidays_apply_to_gb() -> None:
    # Easter Monday and the late August bank holiday are English, not UK-wide, holidays
    assert not is_business_day("GB", _d("2024-04-01", "2024-08-26")).any()


@pytest.mark.parametrize("country", COUNTRIES)
def test_business_days_are_sorted_weekdays_without_holidays(country: str) -> None:
    days = business_days(country, START, END)
    assert days.dtype == np.dtype("datetime64[D]")
    assert (np.diff(days) > np.timedelta64(0, "D")).all()
    assert days[0] >= np.datetime64(START) and days[-1] <= np.datetime64(END)
    assert np.is_busday(days).all()  # Monday to Friday
    assert not np.isin(days, _closed(country, range(2024, 2026))).any()
    assert 230 * 2 < days.size < 262 * 2
    assert not days.flags.writeable
    assert business_days(country, START, END) is days  # cached


def test_roll_forward_end_of_window_and_nat() -> None:
    end = dt.date(2025, 12, 28)  # a Sunday
    out = roll_forward("DE", _d("2025-12-24", "2025-12-27", "NaT"), START, end)
    # 12-25/26 are holidays and 12-27 a Saturday: the next business day lies past the window
    assert out.tolist()[:2] == [dt.date(2025, 12, 24), dt.date(2025, 12, 29)]
    assert np.isnat(out[2])


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(COUNTRIES),
       st.lists(st.integers(min_value=0, max_value=(END - START).days), min_size=1, max_size=60))
def test_roll_forward_lands_on_the_first_business_day_at_or_after(country: str,
                                                                   offsets: list[int]) -> None:
    dates = np.datetime64(START) + np.array(offsets, dtype="timedelta64[D]")
    out = roll_forward(country, dates, START, END)
    assert (out >= dates).all()
    assert is_business_day(country, out).all()
    # nothing in between is a business day: out is the first one
    closed = _closed(country, range(2024, 2027))
    expected = np.busday_offset(dates, 0, roll="forward", holidays=closed)
    assert np.array_equal(out, expected)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(COUNTRIES),
       st.lists(st.integers(min_value=0, max_value=(END - START).days), min_size=1, max_size=40),
       st.integers(min_value=-300, max_value=300))
def test_add_business_days_inverse(country: str, offsets: list[int], k: int) -> None:
    dates = roll_forward(country, np.datetime64(START) + np.array(offsets, dtype="timedelta64[D]"),
                         START, END)
    shifted = add_business_days(country, dates, k)
    assert is_business_day(country, shifted).all()
    assert np.array_equal(add_business_days(country, shifted, -k), dates)
    assert ((shifted > dates) == (k > 0)).all() and ((shifted < dates) == (k < 0)).all()


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(COUNTRIES),
       st.lists(st.tuples(st.integers(min_value=0, max_value=(END - START).days),
                          st.integers(min_value=-40, max_value=40)), min_size=1, max_size=40))
def test_add_business_days_matches_numpy_busday_offset(country: str,
                                                       pairs: list[tuple[int, int]]) -> None:
    offsets, ks = (np.array(x) for x in zip(*pairs))
    dates = np.datetime64(START) + offsets.astype("timedelta64[D]")
    closed = _closed(country, range(2023, 2027))
    expected = np.busday_offset(dates, ks, roll="forward", holidays=closed)
    assert np.array_equal(add_business_days(country, dates, ks), expected)


def test_add_business_days_examples() -> None:
    # Maundy Thursday 2024 + 1 in England skips Good Friday, the weekend and Easter Monday
    assert add_business_days("GB", _d("2024-03-28"), 1)[0] == np.datetime64("2024-04-02")
    # a Saturday rolls forward first: Saturday + 1 is Tuesday, Saturday - 1 is Friday
    assert add_business_days("US", _d("2024-06-08", "2024-06-08"), np.array([1, -1])).tolist() \
        == [dt.date(2024, 6, 11), dt.date(2024, 6, 7)]
    assert add_business_days("US", _d("2024-06-08"), 0)[0] == np.datetime64("2024-06-10")
    assert np.isnat(add_business_days("US", _d("NaT"), 3)[0])
    assert add_business_days("US", np.array([], dtype="datetime64[D]"), 3).size == 0
