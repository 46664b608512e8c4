"""Box geometry shared by detection, labelled data and scoring: one IoU, one NMS, and
how much of a box lies inside another (for regions that are neither true nor false).

Boxes are ``(n, 4)`` arrays of ``(x0, y0, x1, y1)`` in pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

BoxArray = npt.NDArray[np.float64]


def box_array(items: Sequence[Any]) -> BoxArray:
    """An (n, 4) array of the ``x0, y0, x1, y1`` of boxes or detections."""
    return np.array([[b.x0, b.y0, b.x1, b.y1] for b in items], dtype="float64").reshape(-1, 4)


def _overlap(a: BoxArray, b: BoxArray) -> tuple[BoxArray, BoxArray, BoxArray]:
    """Intersection areas of (n, 4) and (m, 4) boxes, (n, m), with each set's areas."""
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter, area_a, area_b


def box_iou(a: BoxArray, b: BoxArray) -> BoxArray:
    """IoU between (n, 4) and (m, 4) boxes (x0, y0, x1, y1)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    inter, area_a, area_b = _overlap(a, b)
    out: BoxArray = inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)
    return out


def box_cover(a: BoxArray, b: BoxArray) -> BoxArray:
    """The share of each of the (n, 4) boxes ``a`` that lies inside each of the (m, 4)
    boxes ``b``: intersection over the area of ``a``."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    inter, area_a, _ = _overlap(a, b)
    out: BoxArray = inter / np.maximum(area_a[:, None], 1e-9)
    return out


def nms_keep(boxes: BoxArray, iou: float = 0.5) -> list[int]:
    """Greedy non-maximum suppression over boxes already sorted by falling score: the
    indices kept, each overlapping no earlier kept box by more than ``iou``."""
    alive = np.ones(len(boxes), dtype=bool)
    keep: list[int] = []
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        keep.append(i)
        alive[i + 1 :] &= box_iou(boxes[i : i + 1], boxes[i + 1 :])[0] <= iou
    return keep
