"""Scores for detections: AP at an IoU with a bootstrap interval over images, P/R/F1 at
the operating thresholds, count error, and how well large-vehicle boxes fit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from sitewatch.detection.boxes import box_array, box_cover, box_iou
from sitewatch.detection.detector import CLASSES, DetectorInfo, detect_array, resample_rgb
from sitewatch.evaluation.metrics import (
    BOOTSTRAP,
    Counts,
    average_precision,
    percentile_interval,
)

#: A detection at least this much inside a region of unlabelled vehicles is ignored.
REGION_COVER = 0.5


def _match_image(
    pred: npt.NDArray[np.float64],
    gt: npt.NDArray[np.float64],
    ignore: npt.NDArray[np.float64],
    iou: float,
    regions: npt.NDArray[np.float64],
) -> npt.NDArray[np.int8]:
    """Per prediction (sorted by score, descending): 1 true positive, 0 false, -1 ignored
    (an ``ignore`` box at IoU ``iou``, or :data:`REGION_COVER` of it inside a region)."""
    result = np.zeros(len(pred), dtype="int8")
    ious = box_iou(pred, gt)
    ign = box_iou(pred, ignore)
    inside = box_cover(pred, regions)
    taken = np.zeros(len(gt), dtype=bool)
    for i in range(len(pred)):
        if len(gt):
            cand = np.where(~taken, ious[i], -1.0)
            j = int(np.argmax(cand))
            if cand[j] >= iou:
                taken[j] = True
                result[i] = 1
                continue
        near_ignore = len(ignore) and float(ign[i].max()) >= iou
        if near_ignore or (inside.shape[1] and float(inside[i].max()) >= REGION_COVER):
            result[i] = -1
    return result


@dataclass(frozen=True)
class ImageMatch:
    """One image's ranked predictions (scores, 1/0/-1 flags) and its labelled count."""

    scores: npt.NDArray[np.float64]
    flags: npt.NDArray[np.int8]
    n_gt: int


def match_image(
    boxes: Sequence[Any], preds: Sequence[Any], cls: str, kind: str | None, iou: float = 0.5
) -> ImageMatch:
    """Match one image's predictions of ``cls`` (and ``kind``, when given: kinds are then
    scored as classes of their own) to its labelled boxes; ``ignore`` boxes neither
    reward nor penalise, and neither do vehicle detections inside a region of unlabelled
    vehicles of their kind or of any kind (``Box.region``, see
    :func:`sitewatch.datasets.detection.unlabelled_regions`)."""

    def wanted(x: Any) -> bool:
        return bool(x.cls == cls and (kind is None or x.kind == kind))

    def region(b: Any) -> bool:
        return cls == "vehicle" and (kind is None or b.kind in ("", kind))

    gt = box_array([b for b in boxes if wanted(b)])
    ignored = [b for b in boxes if b.cls == "ignore"]
    ign = box_array([b for b in ignored if not b.region])
    regions = box_array([b for b in ignored if b.region and region(b)])
    mine = sorted((d for d in preds if wanted(d)), key=lambda d: -d.score)
    flags = _match_image(box_array(mine), gt, ign, iou, regions)
    return ImageMatch(np.array([d.score for d in mine], dtype="float64"), flags, len(gt))


def _pooled_ap(matches: Sequence[ImageMatch]) -> float:
    n_gt = sum(m.n_gt for m in matches)
    if not matches or not n_gt:
        return 0.0
    s = np.concatenate([m.scores for m in matches])
    f = np.concatenate([m.flags for m in matches])
    order = np.argsort(-s, kind="stable")
    f = f[order]
    f = f[f >= 0]
    if not len(f):
        return 0.0
    tp = np.cumsum(f == 1)
    fp = np.cumsum(f == 0)
    return average_precision(tp / n_gt, tp / np.maximum(tp + fp, 1))


def bootstrap_ap(
    matches: Sequence[ImageMatch], resamples: int = BOOTSTRAP, seed: int = 0
) -> tuple[float, float]:
    """The 90% bootstrap interval of pooled AP, resampling whole images."""
    rng = np.random.default_rng(seed)
    n = len(matches)
    values = [_pooled_ap([matches[i] for i in rng.integers(0, n, n)]) for _ in range(resamples)]
    return percentile_interval(values)


def detection_scores(
    images: Sequence[Any],
    predictions: Sequence[Sequence[Any]],
    cls: str,
    threshold: float,
    *,
    kind: str | None = None,
    iou: float = 0.5,
    interval: bool = False,
) -> dict[str, Any]:
    """AP at IoU ``iou``, precision/recall/F1 at ``threshold`` and mean relative count error.

    ``images`` carry ``boxes`` (sitewatch.datasets.detection.Box), ``predictions`` the
    detections of each image.  With ``kind`` only that kind of ``cls`` is scored, as a
    class of its own (a large-vehicle detection on a labelled car is a false positive).
    With ``interval``, ``ap50_interval`` is the 90% bootstrap interval over images.
    """
    matches = [
        match_image(image.boxes, preds, cls, kind, iou)
        for image, preds in zip(images, predictions, strict=True)
    ]
    count_errors = []
    tp_t = fp_t = 0
    for m in matches:
        at = m.scores >= threshold
        tp_t += int((m.flags[at] == 1).sum())
        fp_t += int((m.flags[at] == 0).sum())
        if m.n_gt:
            found = int((m.flags[at] >= 0).sum())
            count_errors.append(abs(found - m.n_gt) / m.n_gt)
    n_gt = sum(m.n_gt for m in matches)
    c = Counts(tp=tp_t, fp=fp_t, fn=n_gt - tp_t)
    out: dict[str, Any] = {
        "ap50": round(_pooled_ap(matches), 4),
        "precision": round(c.precision, 4),
        "recall": round(c.recall, 4),
        "f1": round(c.f1, 4),
        "objects": n_gt,
        "images": sum(1 for m in matches if m.n_gt),
        "count_error": round(float(np.mean(count_errors)), 4) if count_errors else None,
        "threshold": threshold,
    }
    if interval:
        out["ap50_interval"] = list(bootstrap_ap(matches))
    return out


def length_errors(
    images: Sequence[Any], predictions: Sequence[Sequence[Any]], info: DetectorInfo
) -> dict[str, Any]:
    """How well boxes fit large vehicles: for each labelled large vehicle, the highest
    scoring vehicle detection above its threshold whose centre lies in the labelled
    box; the relative error of the box's longer side against the label's."""
    errors = []
    labelled = 0
    for image, preds in zip(images, predictions, strict=True):
        for b in image.boxes:
            if not (b.cls == "vehicle" and b.kind == "large"):
                continue
            labelled += 1
            inside = [
                d
                for d in preds
                if d.cls == "vehicle"
                and d.score >= info.threshold("vehicle", d.kind)
                and b.x0 <= d.centre[0] <= b.x1
                and b.y0 <= d.centre[1] <= b.y1
            ]
            if inside:
                d = max(inside, key=lambda d: d.score)
                errors.append(abs(d.length - b.length) / b.length)
    return {
        "labelled": labelled,
        "found": len(errors),
        "median_length_error": round(float(np.median(errors)), 4) if errors else None,
    }


#: Lowest score kept when computing AP (as in the VOC and COCO evaluations, which
#: rank all detections; a cut at the operating threshold would truncate the curve).
AP_MIN_SCORE = 0.05


def _has(images: Sequence[Any], cls: str, kind: str | None = None) -> bool:
    return any(b.cls == cls and (kind is None or b.kind == kind) for im in images for b in im.boxes)


def _scored(
    images: Sequence[Any], preds: Sequence[Sequence[Any]], info: DetectorInfo, label: str
) -> dict[str, Any]:
    """Per class, and per vehicle kind when the model tells kinds apart."""
    results: dict[str, Any] = {}
    kinds = [k for c, k in info.heatmaps if c == "vehicle" and k]
    for cls in CLASSES:
        if _has(images, cls):
            results[f"{cls} ({label})"] = detection_scores(
                images, preds, cls, info.threshold(cls), interval=True
            )
        if cls != "vehicle":
            continue
        for kind in kinds:
            if _has(images, cls, kind):
                results[f"{kind} vehicles ({label})"] = detection_scores(
                    images, preds, cls, info.threshold(cls, kind), kind=kind, interval=True
                )
    return results


@dataclass(frozen=True)
class EvaluationDetections:
    """What :func:`evaluate_detection` scores: each image's detections down to
    :data:`AP_MIN_SCORE` at native GSD, and for the vehicle images finer than 0.3 m
    (``fine``, indices into the images) those found with the image first downsampled
    to 0.3 m, in the original pixel frame."""

    native: list[list[Any]]
    fine: list[int]
    coarse: list[list[Any]]


def _fine(images: Sequence[Any]) -> list[int]:
    return [i for i, im in enumerate(images) if im.gsd < 0.3 and _has([im], "vehicle")]


def evaluation_detections(
    images: Sequence[Any],
    info: DetectorInfo,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationDetections:
    """The detector run over held-out images for :func:`score_evaluation`; run once, it
    can be scored against more than one labelling of the same pictures."""
    # AP integrates the whole precision-recall curve, so detections are kept down to
    # AP_MIN_SCORE; precision, recall and counts use the thresholds.
    native = [detect_array(im.pixels, im.gsd, info, min_score=AP_MIN_SCORE) for im in images]
    if progress is not None:
        progress(1, 2)
    fine = _fine(images)
    coarse = []
    for im in (images[i] for i in fine):
        f = im.gsd / 0.3
        rows, cols = im.pixels.shape[1:]
        small = resample_rgb(im.pixels, max(8, round(cols * f)), max(8, round(rows * f)))
        preds = detect_array(small, 0.3, info, classes=("vehicle",), min_score=AP_MIN_SCORE)
        # Score in the original pixel frame: scale boxes back up.
        coarse.append(
            [replace(d, x0=d.x0 / f, y0=d.y0 / f, x1=d.x1 / f, y1=d.y1 / f) for d in preds]
        )
    if progress is not None:
        progress(2, 2)
    return EvaluationDetections(native, fine, coarse)


def score_evaluation(
    images: Sequence[Any], found: EvaluationDetections, info: DetectorInfo
) -> dict[str, Any]:
    """Scores of ``found`` (from :func:`evaluation_detections` on the same pictures)
    against the labels of ``images``: per class and per vehicle kind at native GSD with
    bootstrap intervals, how large-vehicle boxes fit, and vehicles downsampled to 0.3 m."""
    if _fine(images) != found.fine:
        raise ValueError("detections were made on other images than those scored")
    results = _scored(images, found.native, info, "native GSD")
    if _has(images, "vehicle", "large"):
        results["large vehicle boxes"] = length_errors(images, found.native, info)
    if found.fine:
        fine = [images[i] for i in found.fine]
        results.update(_scored(fine, found.coarse, info, "downsampled to 0.3 m"))
    return {
        "split": "test (places held out from training and threshold choice; see "
        "sitewatch.datasets.detection)",
        "images": len(images),
        "thresholds": info.thresholds,
        "results": results,
    }


def evaluate_detection(
    images: Sequence[Any],
    info: DetectorInfo,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Scores of the detector on held-out images: per class and per vehicle kind at
    native GSD with bootstrap intervals, how large-vehicle boxes fit, and (for images
    finer than 0.3 m) vehicles with the images first downsampled to 0.3 m."""
    return score_evaluation(images, evaluation_detections(images, info, progress=progress), info)
