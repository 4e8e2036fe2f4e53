"""Engines decide who computes which partition, never what a partition holds.

One small interface: ``run(fn, items)`` calls ``fn(item)`` for every item
somewhere (this process, a pool of local processes, a Dask cluster) and yields
``(index, result)`` pairs as they complete. Callers that need plan order sort
by index; nothing the engine does can change a result, so every engine gives
the same data. ``LocalEngine`` (one process, items in order) is the reference.

An engine is a context manager: pools and clusters start on first use and are
shut down by ``close()`` (also on Ctrl-C, without waiting for running work).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence, TypeVar

from ledgersim.errors import LedgersimError

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    name: str
    workers: int

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        """``(index into items, fn(item))`` for every item, in completion order."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> "Engine": ...

    def __exit__(self, *exc: object) -> None: ...


class _Base:
    name = "base"
    workers = 1

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Results in the order of ``items`` (convenience over ``run``)."""
        items = list(items)
        done: dict[int, R] = {}
        nxt = 0
        for i, r in self.run(fn, items):  # type: ignore[attr-defined]
            done[i] = r
            while nxt in done:
                yield done.pop(nxt)
                nxt += 1

    def close(self) -> None:
        pass

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalEngine(_Base):
    """The reference: one process, partitions in order."""

    name = "local"
    workers = 1

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        for i, item in enumerate(items):
            yield i, fn(item)


def _die_with_parent() -> None:
    """Worker initializer: exit when the parent dies (even by SIGKILL); leave Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - exotic libc
            pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


class ProcessEngine(_Base):
    """Partitions in a pool of worker processes on this machine.

    The pool lives as long as the engine, so the census and the partition
    pass share warm workers. Workers exit if the parent process dies.
    """

    name = "process"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_die_with_parent)
        return self._pool

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        pool = self._get_pool()
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in sorted(done, key=futures.__getitem__):
                    yield futures[f], f.result()
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Stop now: cancel queued work and end this engine's own worker processes."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list(getattr(pool, "_processes", {}).values())
        # The pool's manager thread also reaps the workers it sees die; until it
        # has finished, a process it reaped first can still report is_alive().
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.kill()
        for p in procs:
            p.join(timeout=5)
        if manager is not None:
            manager.join(timeout=10)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class DaskEngine(_Base):
    """Partitions on a dask.distributed cluster.

    Without ``scheduler`` a ``LocalCluster`` with ``workers`` single-threaded
    worker processes is started (and stopped by ``close``); with an address
    the engine connects to that cluster and uses its workers. Tasks write
    their files themselves, so the output must be a path or fsspec URL every
    worker can reach.
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise LedgersimError(
                "--engine dask: dask.distributed is not installed; install it with "
                "pip install 'ledgersim[dask]'"
            ) from exc
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self._client: Any = None
        self._cluster: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.scheduler:
                try:
                    self._client = Client(self.scheduler, timeout="20s")
                except (OSError, TimeoutError) as exc:
                    raise LedgersimError(
                        f"--scheduler: cannot reach a Dask scheduler at {self.scheduler!r} ({exc}); "
                        "check the address (e.g. tcp://host:8786) or leave it out for a local cluster"
                    ) from exc
                self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
            else:
                # Only CRITICAL: a worker whose heartbeat races the shutdown logs
                # a traceback at ERROR. Task failures still reach us through
                # future.result(), and lost workers through the client.
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.CRITICAL)
                self._client = Client(self._cluster)
        return self._client

    def run(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        client = self._get_client()
        futures = client.map(fn, list(items), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for f in as_completed(futures):
                yield index[f.key], f.result()
                f.release()
        except BaseException:
            for f in futures:
                f.cancel()
            raise

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def make_engine(workers: int | None = None, engine: str = "process", scheduler: str | None = None) -> Engine:
    """``engine``: ``process`` (local pool; one worker runs in-process) or ``dask``."""
    if engine == "dask":
        return DaskEngine(workers, scheduler)  # type: ignore[return-value]
    if engine not in ("process", "local"):
        raise LedgersimError(f"--engine: unknown engine {engine!r}; use process or dask")
    if scheduler:
        raise LedgersimError("--scheduler: only meaningful with --engine dask; add --engine dask or drop it")
    n = workers or os.cpu_count() or 1
    return LocalEngine() if n == 1 or engine == "local" else ProcessEngine(n)  # type: ignore[return-value]
