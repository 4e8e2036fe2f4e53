"""Daily reference FX rates: a seeded random walk around each currency's base."""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from ledgersim import frames
from ledgersim.frames import index_of
from ledgersim.plan import CONTRACT_LOOKBACK_DAYS, Plan
from ledgersim.reference import currencies
from ledgersim.rng import rng


class FxRates:
    """Units of each currency per 1 USD on each day of a window."""

    def __init__(self, seed: int, first_day: np.datetime64, days: int) -> None:
        self.first_day = first_day
        self.codes = tuple(sorted(currencies()))
        self.index = {c: i for i, c in enumerate(self.codes)}
        gen = rng(seed, "fx_rates")
        table = np.empty((len(self.codes), days))
        for i, code in enumerate(self.codes):  # a handful of currencies
            info = currencies()[code]
            steps = gen.normal(0.0, info["daily_vol"], days)
            steps[0] = 0.0
            # round to 6 significant digits: what a published rate looks like
            walk = info["units_per_usd"] * np.exp(np.cumsum(steps))
            table[i] = _round_sig(walk, 6)
        self.table = table

    def units_per_usd(self, currency_idx: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Rate for each (currency index, date) pair; dates are clipped to the window."""
        pos = (days.astype("datetime64[D]") - self.first_day).astype(np.int64)
        pos = np.clip(pos, 0, self.table.shape[1] - 1)
        return self.table[currency_idx, pos]

    def codes_to_idx(self, codes: np.ndarray) -> np.ndarray:
        return index_of(codes, self.codes)

    def to_table(self) -> pa.Table:
        n_cur, days = self.table.shape
        dates = self.first_day + np.arange(days)
        return frames.build("fx_rates", {
            "rate_date": np.tile(dates, n_cur),
            "currency": np.repeat(np.array(self.codes), days),
            "units_per_usd": self.table.reshape(-1),
        })


def _round_sig(values: np.ndarray, sig: int) -> np.ndarray:
    scale = 10.0 ** (sig - 1 - np.floor(np.log10(values)))
    return np.round(values * scale) / scale


@functools.cache
def _cached(seed: int, first_day: np.datetime64, days: int) -> FxRates:
    return FxRates(seed, first_day, days)


def fx_rates(plan: Plan) -> FxRates:
    """The plan's FX rates (computed once per process)."""
    first = plan.start - np.timedelta64(CONTRACT_LOOKBACK_DAYS, "D")
    days = int((plan.end - first).astype(int)) + 1
    return _cached(plan.seed, first, days)
