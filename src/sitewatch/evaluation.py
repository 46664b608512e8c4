"""Scores for change masks: pooled confusion counts, P/R/F1/IoU, and the evaluation runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sitewatch.datasets import ChangePair


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
        candidates = np.linspace(0.02, 0.98, 49)
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


PROTOCOLS = ("cv", "cross")


def protocol_text(dataset: str, protocol: str, method: str) -> str:
    """How the scores were obtained, for the output of ``sitewatch eval change``."""
    if method != "model":
        return f"{method} with an automatic (Otsu) threshold; unsupervised, no training data"
    if protocol == "cross":
        other = "SZTAKI Szada" if dataset == "oscd" else "OSCD"
        return f"cross-dataset: model trained on {other} only, never on this dataset"
    if dataset == "oscd":
        return (
            "leave-cities-out cross-validation over the 14 labelled OSCD cities (7 folds of "
            "2 cities); no city is scored by a model that saw it; thresholds chosen on "
            "training folds only"
        )
    return (
        "leave-one-pair-out cross-validation over the 7 SZTAKI Szada pairs; no pair is "
        "scored by a model that saw it; thresholds chosen on training folds only"
    )


def model_entry_for(
    manifest: dict[str, Any], pair_name: str, dataset: str, protocol: str, family: str
) -> dict[str, Any]:
    """The manifest entry of the ``family`` model allowed to score ``pair_name``."""
    models: dict[str, dict[str, Any]] = manifest.get("models", {})
    if protocol == "cross":
        other = "airchange" if dataset == "oscd" else "oscd"
        entry = models.get(f"rgb-{other}-only")
        if entry is None:
            raise KeyError(f"no model trained on {other} only in the manifest")
        return entry
    for entry in models.values():
        if entry.get("family") == family and pair_name in entry.get("held_out", []):
            return entry
    raise KeyError(f"no {family} cross-validation fold holds out {pair_name!r}")


def pick_family(manifest: dict[str, Any], dataset: str, protocol: str, family: str) -> str:
    """``auto``: the Sentinel-2 six-band models for OSCD when installed, else true colour."""
    if family != "auto":
        return family
    models = manifest.get("models", {}).values()
    if protocol == "cv" and dataset == "oscd" and any(e.get("family") == "s2" for e in models):
        return "s2"
    return "rgb"


def evaluate_change(
    pairs: Sequence[ChangePair],
    method: str = "model",
    protocol: str = "cv",
    *,
    family: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Pooled and per-pair precision, recall, F1 and IoU of the change class."""
    from sitewatch.change import detect_change
    from sitewatch.changemodel import load_manifest, model_info, predict_probability

    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose {', '.join(PROTOCOLS)}")
    manifest = load_manifest() if method == "model" else {}
    dataset = pairs[0].dataset if pairs else ""
    family = pick_family(manifest, dataset, protocol, family) if method == "model" else ""
    per_pair: dict[str, dict[str, Any]] = {}
    total = Counts()
    for pair in pairs:
        if progress is not None:
            progress(pair.name)
        valid = pair.valid
        if method == "model":
            entry = model_entry_for(manifest, pair.name, pair.dataset, protocol, family)
            info = model_info(entry)
            prob = predict_probability(pair.before, pair.after, info, gsd=pair.gsd)
            pred = prob >= info.threshold
            used = info.path.name
        else:
            pred = detect_change(pair.before, pair.after, method).mask
            used = method
        counts = confusion(pred, pair.label, valid)
        total = total + counts
        per_pair[pair.name] = {**counts.scores(), "model": used}
    return {
        "method": method,
        "protocol": protocol if method == "model" else "unsupervised",
        "bands": family,
        "how": protocol_text(dataset, protocol, method),
        "pairs": per_pair,
        "overall": total.scores(),
    }
