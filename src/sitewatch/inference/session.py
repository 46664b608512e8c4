"""Shared pieces of ONNX inference: cached onnxruntime sessions and window placement."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def onnx_session(path: str, threads: int) -> Any:
    """A CPU onnxruntime session for a model file, created once per (path, threads)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])


def window_starts(length: int, window: int, step: int) -> list[int]:
    """Start offsets of windows of ``window`` every ``step`` covering ``length``; the last
    window ends at ``length`` (one window at 0 when ``length`` fits)."""
    if length <= window:
        return [0]
    starts = list(range(0, length - window, step))
    starts.append(length - window)
    return starts
