"""Where a run's tasks are computed: in this process (:class:`LocalExecutor`, the default)
or on a Dask distributed cluster (:class:`DaskExecutor`).

A run hands an executor a pure function and its calls (one per scene chip, one per
pair of dates); the executor gives back each call's result as it completes, and the run
writes it to the store in this process.  Workers therefore need the imagery and the
package, never the database: results reach the store through one writer, each in one
transaction, whichever executor computed them.

On Dask, a call that raises (a worker killed, a file system error) is retried
``retries`` times and then given back as :class:`TaskFailed`, which the run records as a
failure of that chip or pair, as it records a scene it cannot read.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sitewatch.errors import ExecutorError
from sitewatch.geo.grid import GeoImage

T = TypeVar("T")

#: Retries of a Dask task that raised, before it is recorded as failed.
RETRIES = 2


@dataclass(frozen=True)
class TaskFailed:
    """A task that raised on every try (on a Dask cluster)."""

    message: str


class Executor(Protocol):
    """Computes calls of a function and yields ``(index, result)`` as each completes."""

    @property
    def name(self) -> str:
        """``local`` or ``dask``."""

    @property
    def concurrency(self) -> int:
        """How many sites a run works on at once (their tasks share the executor)."""

    def map(
        self, fn: Callable[..., T], calls: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, T | TaskFailed]]: ...

    def close(self) -> None: ...

    def describe(self) -> dict[str, Any]: ...


class LocalExecutor:
    """Each call in turn, in this process (an error in a call stops the run)."""

    name = "local"
    concurrency = 1

    def map(
        self, fn: Callable[..., T], calls: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, T | TaskFailed]]:
        for i, args in enumerate(calls):
            yield i, fn(*args)

    def close(self) -> None:
        pass

    def describe(self) -> dict[str, Any]:
        return {"executor": "local"}

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskExecutor:
    """Calls submitted to a Dask distributed cluster: a new ``LocalCluster`` of
    ``workers`` processes (one thread each), or the existing cluster whose scheduler is
    at ``scheduler`` (``tcp://host:8786``)."""

    name = "dask"

    def __init__(
        self,
        *,
        workers: int | None = None,
        scheduler: str | None = None,
        retries: int = RETRIES,
        timeout: float = 30.0,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "the dask executor needs Dask distributed: pip install 'sitewatch[dask]'"
            ) from None
        if scheduler and workers:
            raise ExecutorError("give --workers (a new local cluster) or --scheduler, not both")
        if workers is not None and workers < 1:
            raise ExecutorError(f"--workers must be at least 1, not {workers}")
        self.retries = retries
        self._cluster: Any = None
        logging.getLogger("distributed").setLevel(logging.WARNING)  # its INFO is chatty
        try:
            if scheduler:
                self.client: Any = Client(scheduler, timeout=timeout)  # type: ignore[no-untyped-call]
            else:
                self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    scheduler_kwargs={"dashboard": False},
                )
                self.client = Client(self._cluster)  # type: ignore[no-untyped-call]
        except OSError as exc:  # no scheduler there, or it did not answer in time
            self.close()
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.scheduler = self.client.scheduler.address

    @property
    def concurrency(self) -> int:
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    def map(
        self, fn: Callable[..., T], calls: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, T | TaskFailed]]:
        from distributed import as_completed

        run = uuid.uuid4().hex[:8]
        name = getattr(fn, "__name__", "task")
        futures = {
            self.client.submit(
                fn, *self._scattered(args), key=f"{name}-{run}-{i}", retries=self.retries,
                pure=False,
            ): i
            for i, args in enumerate(calls)
        }  # fmt: skip
        for future in as_completed(list(futures)):  # type: ignore[no-untyped-call]
            i = futures[future]
            try:
                yield i, future.result()
            except Exception as exc:
                tries = self.retries + 1
                yield i, TaskFailed(f"failed on the cluster after {tries} tries: {exc!r}")
            finally:
                future.release()

    def _scattered(self, args: tuple[Any, ...]) -> list[Any]:
        """``args`` with the images sent to the cluster ahead of the task (Dask's advice
        for large arguments: they then travel once, not inside the task graph)."""
        return [self.client.scatter(a, hash=False) if isinstance(a, GeoImage) else a
                for a in args]  # fmt: skip

    def describe(self) -> dict[str, Any]:
        workers = self.client.nthreads()
        return {"executor": "dask", "scheduler": self.scheduler, "workers": len(workers)}

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_executor(
    kind: str = "local", *, workers: int | None = None, scheduler: str | None = None
) -> LocalExecutor | DaskExecutor:
    """The executor named ``kind`` (``local`` or ``dask``); close it after the run."""
    if kind == "local":
        if workers or scheduler:
            raise ExecutorError("--workers and --scheduler go with --executor dask")
        return LocalExecutor()
    if kind == "dask":
        return DaskExecutor(workers=workers, scheduler=scheduler)
    raise ExecutorError(f"unknown executor {kind!r}: choose local or dask")
