"""Business days per country: Monday to Friday, less that country's public holidays.

Everything works on one sorted array of business days per (country, window), built once
from the ``holidays`` package and cached; rolling and shifting dates are then
``np.searchsorted`` lookups into it. Windows:

* ``business_days(country, start, end)``: exactly ``[start, end]``, inclusive.
* ``roll_forward(country, dates, start, end)``: ``[start, end + 30 days]``, so a date in
  ``[start, end]`` always finds its next business day (no country here closes for 30 days
  straight). Dates outside ``[start, end]`` are still handled: the window widens to cover
  them, at the cost of another cache entry.
* ``is_business_day`` and ``add_business_days`` take no window: they use whole calendar
  years around the dates (plus a margin for the shift), so repeated calls share entries.

``NaT`` inputs stay ``NaT`` (and are not business days). Great Britain uses England's
bank holidays (the ones London banks keep); other countries use national holidays only.
"""

from __future__ import annotations

import datetime as dt
import functools

import holidays
import numpy as np

ROLL_HORIZON_DAYS = 30
_SUBDIVISION = {"GB": "ENG"}
_DAY = np.timedelta64(1, "D")


def _as_date(value: dt.date | np.datetime64 | str) -> dt.date:
    """A plain ``datetime.date`` (hashable, so usable as a cache key)."""
    return np.datetime64(value, "D").astype(dt.date)


def _as_days(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates, dtype="datetime64[D]")


@functools.lru_cache(maxsize=256)
def _business_days(country: str, start: dt.date, end: dt.date) -> np.ndarray:
    if end < start:
        raise ValueError(f"window end {end} is before start {start}")
    public = holidays.country_holidays(country, subdiv=_SUBDIVISION.get(country),
                                       years=range(start.year, end.year + 1))
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + _DAY)
    closed = np.array(sorted(public.keys()), dtype="datetime64[D]")
    out = days[np.is_busday(days, weekmask="1111100", holidays=closed)]
    out.flags.writeable = False  # shared through the cache
    return out


def business_days(country: str, start: dt.date, end: dt.date) -> np.ndarray:
    """Sorted ``datetime64[D]`` business days of ``country`` in ``[start, end]``.

    Cached per (country, start, end); the returned array is shared, so it is read-only.
    """
    return _business_days(country.upper(), _as_date(start), _as_date(end))


def _year_window(lo: np.datetime64, hi: np.datetime64) -> tuple[dt.date, dt.date]:
    """Whole calendar years covering ``[lo, hi]``: stable cache keys for nearby calls."""
    return dt.date(_as_date(lo).year, 1, 1), dt.date(_as_date(hi).year, 12, 31)


def roll_forward(country: str, dates: np.ndarray, start: dt.date, end: dt.date) -> np.ndarray:
    """Each date moved to the same or the next business day of ``country``.

    ``[start, end]`` is the window the dates are expected in; business days are looked up
    over ``[start, end + 30 days]`` so dates near ``end`` still roll to a real business day.
    """
    d = _as_days(dates)
    valid = ~np.isnat(d)
    lo, hi = np.datetime64(_as_date(start), "D"), np.datetime64(_as_date(end), "D")
    if valid.any():
        lo, hi = min(lo, d[valid].min()), max(hi, d[valid].max())
    days = business_days(country, lo, hi + ROLL_HORIZON_DAYS * _DAY)
    pos = np.searchsorted(days, d[valid], side="left")
    if (pos >= days.size).any():
        raise RuntimeError(f"{country}: no business day within {ROLL_HORIZON_DAYS} days")
    out = d.copy()
    out[valid] = days[pos]
    return out


def is_business_day(country: str, dates: np.ndarray) -> np.ndarray:
    """Boolean mask: which dates are business days of ``country`` (``NaT`` is not)."""
    d = _as_days(dates)
    valid = ~np.isnat(d)
    out = np.zeros(d.shape, dtype=bool)
    if not valid.any():
        return out
    days = business_days(country, *_year_window(d[valid].min(), d[valid].max()))
    pos = np.minimum(np.searchsorted(days, d[valid]), days.size - 1)
    out[valid] = days[pos] == d[valid]
    return out


def add_business_days(country: str, dates: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Dates shifted by ``k`` business days of ``country`` (``k`` may be negative).

    A date that is not a business day first rolls forward to the next one, then moves, as
    ``np.busday_offset(..., roll="forward")`` does: Saturday + 1 is Tuesday, Saturday - 1 is
    Friday, and ``k = 0`` is ``roll_forward``.
    """
    d = _as_days(dates)
    steps = np.broadcast_to(np.asarray(k, dtype=np.int64), d.shape)
    valid = ~np.isnat(d)
    out = d.copy()
    if not valid.any():
        return out
    dv, kv = d[valid], steps[valid]
    # 2|k| + 60 calendar days hold more than |k| business days in every supported country
    margin = (2 * int(np.abs(kv).max()) + 60) * _DAY
    days = business_days(country, *_year_window(dv.min() - margin, dv.max() + margin))
    target = np.searchsorted(days, dv, side="left") + kv
    if (target < 0).any() or (target >= days.size).any():
        raise RuntimeError(f"{country}: business-day window too small for shift")
    out[valid] = days[target]
    return out
