"""Engines decide who computes which partition, never what a partition holds."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Results in the order of ``items``."""
        ...


class LocalEngine:
    """The reference: one process, partitions in order."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)


class ProcessEngine:
    """Partitions in a pool of worker processes on this machine."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        with ProcessPoolExecutor(max_workers=self.workers) as pool:
            yield from pool.map(fn, items)


def make_engine(workers: int | None = None) -> Engine:
    n = workers or os.cpu_count() or 1
    return LocalEngine() if n == 1 else ProcessEngine(n)
