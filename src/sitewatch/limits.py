"""Resource limits: how much one operation may ask of the machine.

Every limit has a default and an environment variable that changes it.  An input
that would go past a limit is refused before the memory is asked for, with a
:class:`~sitewatch.errors.ResourceLimitError` naming the limit and how to raise it.

* ``SITEWATCH_MAX_PIXELS`` (default 50 million): the largest raster grid one
  operation reads or writes, in pixels (rows x columns), for example a chip at a
  fine ``--gsd`` over a large site, or the before image of ``change``/``align``.
* ``SITEWATCH_MAX_MATCHES`` (default 5 million): the most candidate pairs (objects
  within the gate of each other) ``movement`` considers between two dates.
* ``SITEWATCH_THREADS`` (default 2): the threads one operation runs its array work on
  (independent bands or dates of an image pair, see :func:`thread_map`) and its
  onnxruntime models on (intra-op threads, see
  :func:`sitewatch.inference.onnx_session`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sitewatch.errors import ResourceLimitError

T = TypeVar("T")
R = TypeVar("R")


def env_number(name: str, default: float) -> float:
    """A positive number from the environment variable ``name``, else ``default``."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 and value != float("inf") else default


def max_pixels() -> int:
    return int(env_number("SITEWATCH_MAX_PIXELS", 50_000_000))


def max_matches() -> int:
    return int(env_number("SITEWATCH_MAX_MATCHES", 5_000_000))


def threads() -> int:
    return max(1, int(env_number("SITEWATCH_THREADS", 2)))


def thread_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(item) for item in items]`` on up to :func:`threads` threads, in order.

    For independent array work (numpy and scipy.ndimage release the GIL in their
    loops): the bands or the two dates of a pair. The first exception is raised."""
    todo = list(items)
    workers = min(threads(), len(todo))
    if workers <= 1:
        return [fn(item) for item in todo]
    with ThreadPoolExecutor(workers, thread_name_prefix="sitewatch-array") as pool:
        return list(pool.map(fn, todo))


def check_grid(width: int, height: int, what: str) -> None:
    """Refuse a ``width`` x ``height`` grid over ``SITEWATCH_MAX_PIXELS``; ``what`` says
    what the grid is for and what would make it smaller."""
    pixels = width * height
    limit = max_pixels()
    if pixels > limit:
        raise ResourceLimitError(
            f"{what} would be {width:,} x {height:,} pixels ({pixels / 1e6:,.1f} Mpx), over "
            f"the limit of {limit / 1e6:,.1f} Mpx; raise it with SITEWATCH_MAX_PIXELS"
        )


__all__ = ["check_grid", "env_number", "max_matches", "max_pixels", "thread_map", "threads"]
