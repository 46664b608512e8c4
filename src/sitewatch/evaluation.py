"""Scores for change masks: pooled confusion counts, P/R/F1/IoU, and the evaluation runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
        fam = "rgb" if family in ("auto", "aerial") else family
        for entry in models.values():
            if entry.get("family") == fam and entry.get("trained_on") == [other]:
                return entry
        raise KeyError(f"no {fam} model trained on {other} only in the manifest")
    for entry in models.values():
        if entry.get("family") == family and pair_name in entry.get("held_out", []):
            return entry
    raise KeyError(f"no {family} cross-validation fold holds out {pair_name!r}")


def pick_family(manifest: dict[str, Any], dataset: str, protocol: str, family: str) -> str:
    """``auto``: what ``sitewatch change`` would use on such imagery, when installed: the
    Sentinel-2 six-band networks for OSCD, the aerial ensemble for SZTAKI's aerial
    photographs, else the true-colour networks."""
    if family != "auto":
        return family
    families = {e.get("family") for e in manifest.get("models", {}).values()}
    if protocol == "cv" and dataset == "oscd" and "s2" in families:
        return "s2"
    if protocol == "cv" and dataset == "airchange" and "aerial" in families:
        return "aerial"
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
            info = model_info(entry, models=manifest["models"])
            prob = predict_probability(pair.before, pair.after, info, gsd=pair.gsd)
            pred = prob >= info.threshold
            used = info.name
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


# --- Detection -----------------------------------------------------------------------


def box_iou(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """IoU between (n, 4) and (m, 4) boxes (x0, y0, x1, y1)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    out: npt.NDArray[np.float64] = inter / np.maximum(
        area_a[:, None] + area_b[None, :] - inter, 1e-9
    )
    return out


def _match_image(
    pred: npt.NDArray[np.float64],
    gt: npt.NDArray[np.float64],
    ignore: npt.NDArray[np.float64],
    iou: float,
) -> npt.NDArray[np.int8]:
    """Per prediction (sorted by score, descending): 1 true positive, 0 false, -1 ignored."""
    result = np.zeros(len(pred), dtype="int8")
    ious = box_iou(pred, gt)
    ign = box_iou(pred, ignore)
    taken = np.zeros(len(gt), dtype=bool)
    for i in range(len(pred)):
        if len(gt):
            cand = np.where(~taken, ious[i], -1.0)
            j = int(np.argmax(cand))
            if cand[j] >= iou:
                taken[j] = True
                result[i] = 1
                continue
        if len(ignore) and float(ign[i].max()) >= iou:
            result[i] = -1
    return result


def average_precision(recall: npt.NDArray[np.float64], precision: npt.NDArray[np.float64]) -> float:
    """Area under the precision-recall curve, all-point interpolation (VOC 2010+)."""
    r = np.concatenate([[0.0], recall, [1.0]])
    p = np.concatenate([[0.0], precision, [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]
    idx = np.nonzero(r[1:] != r[:-1])[0]
    return float(np.sum((r[idx + 1] - r[idx]) * p[idx + 1]))


def detection_scores(
    images: Sequence[Any],
    predictions: Sequence[Sequence[Any]],
    cls: str,
    threshold: float,
    *,
    large_only: bool = False,
    iou: float = 0.5,
) -> dict[str, Any]:
    """AP at IoU ``iou``, precision/recall/F1 at ``threshold`` and mean relative count error.

    ``images`` carry ``boxes`` (sitewatch.detdata.Box), ``predictions`` the
    detections of each image.  Ground-truth boxes marked ``ignore`` (and, with
    ``large_only``, small vehicles) neither reward nor penalise a prediction.
    """
    scores: list[float] = []
    flags: list[int] = []
    n_gt = 0
    count_errors: list[float] = []
    for image, preds in zip(images, predictions, strict=True):
        keep = [b for b in image.boxes if b.cls == cls and (b.large or not large_only)]
        skip = [
            b
            for b in image.boxes
            if b.cls == "ignore" or (b.cls == cls and large_only and not b.large)
        ]
        gt = np.array([[b.x0, b.y0, b.x1, b.y1] for b in keep]).reshape(-1, 4)
        ign = np.array([[b.x0, b.y0, b.x1, b.y1] for b in skip]).reshape(-1, 4)
        mine = sorted((d for d in preds if d.cls == cls), key=lambda d: -d.score)
        pb = np.array([[d.x0, d.y0, d.x1, d.y1] for d in mine]).reshape(-1, 4)
        match = _match_image(pb, gt, ign, iou)
        scores.extend(d.score for d in mine)
        flags.extend(int(m) for m in match)
        n_gt += len(gt)
        if len(gt) and not large_only:
            found = sum(
                1 for d, m in zip(mine, match, strict=True) if d.score >= threshold and m >= 0
            )
            count_errors.append(abs(found - len(gt)) / len(gt))
    order = np.argsort(-np.asarray(scores), kind="stable")
    s = np.asarray(scores)[order]
    f = np.asarray(flags)[order]
    counted = f >= 0
    s, f = s[counted], f[counted]
    tp = np.cumsum(f == 1)
    fp = np.cumsum(f == 0)
    ap = 0.0
    if n_gt and len(s):
        ap = average_precision(tp / n_gt, tp / np.maximum(tp + fp, 1))
    at = s >= threshold
    tp_t, fp_t = int((f[at] == 1).sum()), int((f[at] == 0).sum())
    c = Counts(tp=tp_t, fp=fp_t, fn=n_gt - tp_t)
    return {
        "ap50": round(ap, 4),
        "precision": round(c.precision, 4),
        "recall": round(c.recall, 4),
        "f1": round(c.f1, 4),
        "objects": n_gt,
        "count_error": round(float(np.mean(count_errors)), 4) if count_errors else None,
        "threshold": threshold,
    }


#: Lowest score kept when computing AP (as in the VOC and COCO evaluations, which
#: rank all detections; a cut at the operating threshold would truncate the curve).
AP_MIN_SCORE = 0.05


def evaluate_detection(
    images: Sequence[Any],
    info: Any,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Scores of the detector on held-out images: per class at native GSD, large vehicles
    separately, and (for images finer than 0.3 m) vehicles with the images first
    downsampled to 0.3 m."""
    from sitewatch.detect import CLASSES, detect_array, resample_rgb

    results: dict[str, Any] = {}
    # AP integrates the whole precision-recall curve, so detections are kept down to
    # AP_MIN_SCORE; precision, recall and counts use the thresholds.
    native = [detect_array(im.pixels, im.gsd, info, min_score=AP_MIN_SCORE) for im in images]
    if progress is not None:
        progress(1, 2)
    for cls in CLASSES:
        if any(b.cls == cls for im in images for b in im.boxes):
            results[f"{cls} (native GSD)"] = detection_scores(
                images, native, cls, info.thresholds[cls]
            )
    if any(b.large for im in images for b in im.boxes):
        results["large vehicles (native GSD)"] = detection_scores(
            images, native, "vehicle", info.thresholds["vehicle"], large_only=True
        )
    fine = [im for im in images if im.gsd < 0.3 and any(b.cls == "vehicle" for b in im.boxes)]
    if fine:
        coarse_imgs, coarse_preds = [], []
        for im in fine:
            f = im.gsd / 0.3
            rows, cols = im.pixels.shape[1:]
            small = resample_rgb(im.pixels, max(8, round(cols * f)), max(8, round(rows * f)))
            preds = detect_array(small, 0.3, info, classes=("vehicle",), min_score=AP_MIN_SCORE)
            # Score in the original pixel frame: scale boxes back up.
            coarse_preds.append(
                [replace(d, x0=d.x0 / f, y0=d.y0 / f, x1=d.x1 / f, y1=d.y1 / f) for d in preds]
            )
            coarse_imgs.append(im)
        results["vehicle (downsampled to 0.3 m)"] = detection_scores(
            coarse_imgs, coarse_preds, "vehicle", info.thresholds["vehicle"]
        )
        if any(b.large for im in fine for b in im.boxes):
            results["large vehicles (downsampled to 0.3 m)"] = detection_scores(
                coarse_imgs, coarse_preds, "vehicle", info.thresholds["vehicle"], large_only=True
            )
    if progress is not None:
        progress(2, 2)
    return {
        "split": "test (held out from training and threshold choice; see sitewatch.detdata)",
        "images": len(images),
        "thresholds": info.thresholds,
        "results": results,
    }
