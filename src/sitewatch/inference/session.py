"""Shared pieces of ONNX inference: cached onnxruntime sessions and window placement."""

from __future__ import annotations

from functools import cache
from typing import Any

from sitewatch.limits import threads as default_threads


def onnx_session(path: str, threads: int | None = None) -> Any:
    """A CPU onnxruntime session for a model file, created once per (path, threads).

    ``threads`` (onnxruntime's intra-op threads) defaults to ``SITEWATCH_THREADS``
    (:func:`sitewatch.limits.threads`), like the array work around the model."""
    return _session(path, threads or default_threads())


@cache
def _session(path: str, threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


def window_size(
    length: int, overlap: int, largest: int, *, smallest: int = 1, multiple: int = 1
) -> int:
    """Side of the windows that cover ``length`` pixels, overlapping by ``overlap``, with
    as few windows of at most ``largest`` as possible, sized evenly so that a network
    runs on little more than the image; never less than ``smallest``, and rounded up
    to a ``multiple`` (a network's stride)."""
    if length <= max(smallest, largest):
        return max(smallest, length)
    count = -(-(length - overlap) // (largest - overlap))
    side = -(-(length - overlap) // count) + overlap
    return max(smallest, -(-side // multiple) * multiple)


def window_starts(length: int, window: int, step: int) -> list[int]:
    """Start offsets of windows of ``window`` every ``step`` covering ``length``; the last
    window ends at ``length`` (one window at 0 when ``length`` fits)."""
    if length <= window:
        return [0]
    starts = list(range(0, length - window, step))
    starts.append(length - window)
    return starts
