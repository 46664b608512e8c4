"""Scores: confusion counts, P/R/F1/IoU, best threshold, AP."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Counts:
    """Confusion counts of the change class."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn
        )

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 0.0

    @property
    def iou(self) -> float:
        d = self.tp + self.fp + self.fn
        return self.tp / d if d else 0.0

    def scores(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "iou": round(self.iou, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def confusion(
    pred: npt.NDArray[np.bool_],
    truth: npt.NDArray[np.bool_],
    valid: npt.NDArray[np.bool_] | None = None,
) -> Counts:
    """Counts over the valid pixels (all when ``valid`` is None)."""
    if pred.shape != truth.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from label shape {truth.shape}")
    if valid is None:
        valid = np.ones(pred.shape, dtype=bool)
    p, t = pred[valid], truth[valid]
    tp = int(np.count_nonzero(p & t))
    fp = int(np.count_nonzero(p & ~t))
    fn = int(np.count_nonzero(~p & t))
    return Counts(tp, fp, fn, int(p.size) - tp - fp - fn)


#: Thresholds tried on probabilities by :func:`best_threshold` (and by the ensemble choice
#: in ``sitewatch.train.trees``).
PROBABILITY_THRESHOLDS = np.linspace(0.02, 0.98, 49)


def best_threshold(scores: npt.NDArray[np.floating], truth: npt.NDArray[np.bool_]) -> float:
    """The threshold (on a 0.02 grid for probabilities, else on score quantiles) with the
    highest pooled F1; meant for choosing on training data only."""
    if scores.size == 0:
        raise ValueError("no scores to choose a threshold from")
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order]
    tp = np.cumsum(t)
    positives = int(t.sum())
    if float(s[-1]) >= 0.0 and float(s[0]) <= 1.0:
        candidates = PROBABILITY_THRESHOLDS
    else:
        candidates = np.quantile(scores, np.linspace(0.5, 0.999, 100))
    best, best_f1 = float(candidates[0]), -1.0
    for q in np.unique(candidates):
        k = int(np.searchsorted(-s, -q, side="right"))  # predictions with score >= q
        if k == 0:
            continue
        f1 = 2 * float(tp[k - 1]) / (k + positives)
        if f1 > best_f1:
            best, best_f1 = float(q), f1
    return best


def average_precision(recall: npt.NDArray[np.float64], precision: npt.NDArray[np.float64]) -> float:
    """Area under the precision-recall curve, all-point interpolation (VOC 2010+)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    idx = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[idx + 1] - r[idx]) * p[idx + 1]))


#: Bootstrap resamples (of images or pairs), and the percentiles of the interval (90%).
BOOTSTRAP = 1000
INTERVAL = (5.0, 95.0)


def percentile_interval(values: Any) -> tuple[float, float]:
    """The 90% interval of bootstrap values, rounded to 4 places."""
    lo, hi = np.percentile(values, INTERVAL)
    return round(float(lo), 4), round(float(hi), 4)


def resampled_sums(
    rows: Sequence[Sequence[float]], resamples: int = BOOTSTRAP, seed: int = 0
) -> npt.NDArray[np.float64]:
    """Column sums of ``rows`` (one row per pair, image or text) over ``resamples``
    bootstrap resamples of the rows: one array of ``resamples`` sums per column."""
    rng = np.random.default_rng(seed)
    table = np.array(rows, dtype="float64")
    picks = rng.integers(0, len(rows), (resamples, len(rows)))
    sums: npt.NDArray[np.float64] = table[picks].sum(axis=1).T
    return sums


def bootstrap_f1(
    counts: list[Counts], resamples: int = BOOTSTRAP, seed: int = 0
) -> tuple[float, float]:
    """The 90% bootstrap interval of pooled F1, resampling whole pairs (or images)."""
    if not counts:
        return (0.0, 0.0)
    tp, fp, fn = resampled_sums([[c.tp, c.fp, c.fn] for c in counts], resamples, seed)
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return percentile_interval(f1)
