"""Detector accuracy on the held-out test splits, throughput at 0.3 m, model size.

Accuracy: ``sitewatch eval detect`` for KIT AIS, Minsk drone, SIMD and Airbus on the
place-grouped test splits (AP at IoU 0.5 with a 90% bootstrap interval over images,
precision/recall/F1 at the validation-chosen thresholds, mean relative count error per
image; per vehicle kind, and the median length error of large-vehicle boxes; the
finer-than-0.3 m sets also with the images downsampled to 0.3 m first).  SIMD is detected
once and scored twice: with its labels, and ``simd audited`` with the audited regions of
the vehicles its labels miss (``sitewatch eval detect --dataset simd --audited``).  ``--split
val`` scores the validation splits instead (for choosing between models); ``--model DIR``
scores a detector folder written by ``python -m sitewatch.train.detect --out DIR``.

Throughput: ``detect_file`` (both classes, windowed reading at the working scales)
on the 2560 x 2560 Pleiades extracts declared as 0.3 m imagery (0.59 km^2 each), in
km^2 per second on this machine, with the ratio of the total time to the time of
reading the same pixels at full resolution.  ``--baseline DIR --rounds N`` times another
detector folder in turn with the model, N rounds, for a ratio measured in one run.

Run:  .venv/bin/python benchmarks/bench_detect.py [--data ../shared/data] [--images 3]
          [--split val|test] [--model DIR] [--skip-accuracy] [--baseline DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from sitewatch.datasets.detection import DETECTION_DATASETS, load_detection, without_regions
from sitewatch.datasets.paths import data_dir
from sitewatch.detection.detector import DetectorInfo, default_detector, detect_file
from sitewatch.evaluation.detection import evaluation_detections, score_evaluation
from sitewatch.imagery.raster import open_raster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--split", default="test", choices=("val", "test"))
    parser.add_argument("--model", type=Path, default=None, help="a detector folder")
    parser.add_argument(
        "--baseline", type=Path, default=None, help="a detector folder timed in turn with --model"
    )
    parser.add_argument("--rounds", type=int, default=1, help="throughput rounds")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    root = data_dir(args.data)
    info = default_detector(args.model)
    size_mb = info.path.stat().st_size / 1e6
    print(f"model {info.path.name}: {size_mb:.2f} MB, {info.meta['parameters']} parameters")
    print(f"thresholds (chosen on val): {info.thresholds}")
    if not args.skip_accuracy:
        accuracy(root, info, args.split)
    paths = sorted((root / "airbus-aircraft" / "images").glob("*.jpg"))[: args.images]
    models = {"model": info}
    if args.baseline is not None:
        models = {"baseline": default_detector(args.baseline), "model": info}
    for round_ in range(args.rounds if paths else 0):  # --images 0: no throughput
        for name, detector in models.items():
            read, total, km2, found = throughput(paths, detector)
            print(
                f"\n{name}, round {round_ + 1}: throughput at 0.3 m ({len(paths)} images, "
                f"{km2:.2f} km2, both classes, 2 threads): {km2 / total:.2f} km2/s; "
                f"read only {read:.2f} s, total {total:.2f} s, ratio {total / read:.1f}; "
                f"{found} detections"
            )


def accuracy(root: Path, info: DetectorInfo, split: str) -> None:
    """Scores on each dataset's split, one table row per class and kind."""
    print(f"\n{split} splits")
    print(
        f"{'dataset':<15}{'result':<38}{'AP50':>7}{'90% interval':>15}{'P':>7}{'R':>7}"
        f"{'F1':>7}{'cnt err':>9}{'n':>6}{'images':>7}"
    )
    for dataset in DETECTION_DATASETS:
        # SIMD is loaded with its audited regions, detected once and scored twice.
        loaded = load_detection(root, dataset, audited=True)
        images = [im for im in loaded if im.split == split]
        if not images:
            continue
        found = evaluation_detections(images, info)
        print_report(dataset, score_evaluation(without_regions(images), found, info))
        if any(b.region for im in images for b in im.boxes):
            print_report(f"{dataset} audited", score_evaluation(images, found, info))


def print_report(dataset: str, report: dict[str, Any]) -> None:
    """One table row per class and kind, and the large-vehicle box fit."""
    boxes = report["results"].pop("large vehicle boxes", None)
    for name, s in report["results"].items():
        err = "-" if s["count_error"] is None else f"{s['count_error']:.3f}"
        lo, hi = s["ap50_interval"]
        print(
            f"{dataset:<15}{name:<38}{s['ap50']:>7.3f}{f'{lo:.3f}-{hi:.3f}':>15}"
            f"{s['precision']:>7.3f}{s['recall']:>7.3f}{s['f1']:>7.3f}{err:>9}"
            f"{s['objects']:>6}{s['images']:>7}"
        )
    if boxes and boxes["median_length_error"] is not None:
        print(
            f"{dataset:<15}large vehicle boxes: median length error "
            f"{boxes['median_length_error']:.3f} ({boxes['found']} of {boxes['labelled']})"
        )


def throughput(paths: list[Path], info: DetectorInfo) -> tuple[float, float, float, int]:
    """Seconds reading the images, seconds detecting in them (declared 0.3 m), km² and
    the number of detections."""
    total = read = km2 = 0.0
    found = 0
    for path in paths:
        t0 = time.perf_counter()
        with open_raster(str(path)) as src:
            src.read()
            area = src.width * src.height * 0.3**2 / 1e6
        t1 = time.perf_counter()
        found += len(detect_file(path, info, gsd=0.3)[0])
        t2 = time.perf_counter()
        read += t1 - t0
        total += t2 - t1
        km2 += area
    return read, total, km2, found


if __name__ == "__main__":
    main()
