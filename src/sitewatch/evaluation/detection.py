"""Scores for detections: AP at an IoU, P/R/F1 at the operating thresholds, count error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sitewatch.detection.boxes import box_iou
from sitewatch.detection.detector import CLASSES, detect_array, resample_rgb
from sitewatch.evaluation.metrics import Counts, average_precision

if TYPE_CHECKING:
    pass


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

    ``images`` carry ``boxes`` (sitewatch.datasets.detection.Box), ``predictions`` the
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
        "split": "test (held out from training and threshold choice; see sitewatch.datasets)",
        "images": len(images),
        "thresholds": info.thresholds,
        "results": results,
    }
