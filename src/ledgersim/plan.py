"""Scenario -> plan: partitions, dates, and the numbering offsets.

The plan is pure and cheap. Partitioning depends on the scenario alone, so
the number of workers only decides who computes which partition. Invoice,
contract and PO numbers are global and in time order without coordination:
a census pass counts per partition what it will issue, and prefix sums over
those counts give each partition its exact number ranges.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ledgersim.rng import rng
from ledgersim.spec.models import DIVISIONS, Scenario

DIVISION_PREFIX = {"manufacturing": "MFG", "software": "SAS", "logistics": "LOG", "wholesale": "WHS"}
CONTRACT_LOOKBACK_DAYS = 1100
"""Contracts (at most 36 months long) may start this long before the period and bill into it."""


@dataclass(frozen=True)
class Partition:
    index: int
    first_customer: int
    stop_customer: int

    @property
    def size(self) -> int:
        return self.stop_customer - self.first_customer


@dataclass(frozen=True)
class Census:
    """What one partition issues: the counts the numbering needs."""

    invoices: np.ndarray  # (divisions, period days) invoices issued per division and day
    contracts: np.ndarray  # (contract years,) contracts starting per year
    purchase_orders: int


@dataclass(frozen=True)
class Offsets:
    """A partition's first numbers (0-based) in each global sequence."""

    invoices: np.ndarray  # (divisions, period days)
    contracts: np.ndarray  # (contract years,)
    purchase_orders: int


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    partitions: tuple[Partition, ...]

    @property
    def seed(self) -> int:
        return self.scenario.seed

    @property
    def start(self) -> np.datetime64:
        return np.datetime64(self.scenario.period.start, "D")

    @property
    def end(self) -> np.datetime64:
        return np.datetime64(self.scenario.period.end, "D")

    @property
    def days(self) -> int:
        """Days in the period, both ends included."""
        return int((self.end - self.start).astype(int)) + 1

    @property
    def contract_years(self) -> np.ndarray:
        first = (self.scenario.period.start - dt.timedelta(days=CONTRACT_LOOKBACK_DAYS)).year
        return np.arange(first, self.scenario.period.end.year + 1)

    def rng(self, stream: str, partition: int = 0) -> np.random.Generator:
        return rng(self.seed, stream, partition)

    def offsets(self, census: list[Census]) -> list[Offsets]:
        """Each partition's number ranges from all partitions' counts.

        Invoices are numbered per division in (day, partition, row) order, so
        numbers rise with the issue date whatever computed which partition.
        """
        inv = np.stack([c.invoices for c in census]).astype(np.int64)  # (P, D, days)
        # order: day-major, then partition; exclusive prefix sum along that order
        flat = inv.transpose(1, 2, 0).reshape(len(DIVISIONS), -1)  # (D, days*P)
        start = np.cumsum(flat, axis=1) - flat
        inv_off = start.reshape(len(DIVISIONS), inv.shape[2], len(census)).transpose(2, 0, 1)
        con = np.stack([c.contracts for c in census]).astype(np.int64)  # (P, years)
        con_off = np.cumsum(con, axis=0) - con
        po = np.array([c.purchase_orders for c in census], dtype=np.int64)
        po_off = np.cumsum(po) - po
        return [Offsets(inv_off[i], con_off[i], int(po_off[i])) for i in range(len(census))]


def make_plan(scenario: Scenario) -> Plan:
    """Split the customer base into fixed partitions of ``partition_customers``."""
    size = scenario.partition_customers
    n = scenario.customers
    parts = tuple(
        Partition(i, lo, min(lo + size, n)) for i, lo in enumerate(range(0, n, size))
    )
    return Plan(scenario, parts)
