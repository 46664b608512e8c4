"""Change detection accuracy (OSCD, SZTAKI Szada) and speed (Sentinel-2, 0.5 m imagery).

Accuracy: pooled precision, recall, F1 and IoU of the change class for CVA and
IR-MAD (unsupervised, Otsu threshold), the learned models under cross-validation
(OSCD: leave-cities-out, 7 folds of 2 cities; Szada: leave-one-pair-out; networks
``rgb``/``s2``, ``trees`` and the ``aerial`` ensemble of the two), and cross-dataset
(model trained on the other dataset only; the trees learnt Szada only).  The same code as
``sitewatch eval change``.

The vhr families (network and trees) under leave-one-source-out (DSIFN, NCC, Szada,
each scored by a model that never saw it) are scored with per-source bootstrap
intervals and the F1 of calling everything changed, beside what ``sitewatch change``
uses by default on such pairs.

Speed: ``sitewatch change``'s library path (read both images, co-register, detect,
vectorise) on the Beirut OSCD pair (Sentinel-2 STAC items, 10 m) and on two
2560 x 2560 Pleiades extracts at 0.5 m, in km^2 of input per second, with the
ratio of the total time to the time of only reading the same pixels.

Run:  .venv/bin/python benchmarks/bench_change.py [--data ../shared/data] [--skip-accuracy]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sitewatch.change.compare import compare
from sitewatch.change.objects import change_objects
from sitewatch.datasets.change import load_pairs
from sitewatch.datasets.paths import data_dir
from sitewatch.evaluation.change import evaluate_change
from sitewatch.imagery.pairs import read_pair


def accuracy(root: Path) -> None:
    runs = [
        ("cva", "cv"),
        ("irmad", "cv"),
        ("model", "cv"),
        ("model", "cross"),
    ]
    print(
        f"{'dataset':<10}{'method':<8}{'protocol':<28}{'P':>7}{'R':>7}{'F1':>7}{'IoU':>7}{'s':>7}"
    )
    for dataset in ("oscd", "airchange"):
        pairs = load_pairs(root, dataset)
        families = {
            ("model", "cv"): ["s2", "rgb"] if dataset == "oscd" else ["rgb", "trees", "aerial"],
            ("model", "cross"): ["rgb", "trees"] if dataset == "oscd" else ["rgb"],
        }
        for method, protocol in runs:
            for family in families.get((method, protocol), ["rgb"]):
                t0 = time.perf_counter()
                report = evaluate_change(pairs, method, protocol, family=family)
                took = time.perf_counter() - t0
                o = report["overall"]
                label = "unsupervised" if method != "model" else f"{protocol} ({family})"
                print(
                    f"{dataset:<10}{method:<8}{label:<28}{o['precision']:>7.3f}"
                    f"{o['recall']:>7.3f}{o['f1']:>7.3f}{o['iou']:>7.3f}{took:>7.1f}"
                )
    vhr = load_pairs(root, "vhr")
    print(f"\n{'source':<8}{'how':<26}{'pairs':>6}{'P':>7}{'R':>7}{'F1':>7}{'90% interval':>15}"
          f"{'all-change F1':>15}")  # fmt: skip
    for method, protocol, family, label in (
        ("model", "leave-source-out", "vhr", "leave-source-out (vhr)"),
        ("model", "leave-source-out", "vhr-trees", "leave-source-out (trees)"),
        ("auto", "cv", "auto", "shipped default"),
    ):
        report = evaluate_change(vhr, method, protocol, family=family)
        for source, s in report["sources"].items():
            lo, hi = s["f1_interval"]
            print(
                f"{source:<8}{label:<26}{s['pairs']:>6}{s['precision']:>7.3f}{s['recall']:>7.3f}"
                f"{s['f1']:>7.3f}{f'{lo:.3f}-{hi:.3f}':>15}{s['all_change_f1']:>15.3f}"
            )


def speed(root: Path, repeat: int) -> None:
    items = sorted((root / "oscd" / "sentinel-2-l1c-oscd").glob("beirut_*/*.json"))
    airbus = sorted((root / "airbus-aircraft" / "images").glob("*.jpg"))[:2]
    cases = [
        ("Sentinel-2 10 m (Beirut, STAC)", str(items[0]), str(items[1]), None),
        ("Pleiades 0.5 m (2560 px JPEG)", str(airbus[0]), str(airbus[1]), 0.5),
    ]
    print(
        f"\n{'input':<32}{'method':<14}{'km2':>8}{'read s':>8}{'total s':>9}{'km2/s':>8}"
        f"{'ratio':>7}"
    )
    for label, a, b, gsd in cases:
        runs: list[tuple[str, str | None]] = [("model", None), ("cva", None), ("irmad", None)]
        if gsd is not None:  # true colour finer than 2 m: also the vhr network and trees
            runs[1:1] = [("model", "vhr-all"), ("model", "aerial-all")]
        for method, name in runs:
            reads, totals = [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                before, after = read_pair(a, b)
                t1 = time.perf_counter()
                cmp = compare(before, after, method, gsd=gsd, model_name=name)
                change_objects(cmp.result, before, cmp.after, gsd=cmp.gsd)
                t2 = time.perf_counter()
                reads.append(t1 - t0)
                totals.append(t2 - t0)
            px = before.shape[0] * before.shape[1]
            km2 = px * (cmp.gsd or 1.0) ** 2 / 1e6
            read, total = min(reads), min(totals)
            print(
                f"{label:<32}{name or method:<14}{km2:>8.2f}{read:>8.2f}{total:>9.2f}"
                f"{km2 / total:>8.2f}{total / read:>7.1f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    root = data_dir(args.data)
    if not args.skip_accuracy:
        accuracy(root)
    speed(root, args.repeat)


if __name__ == "__main__":
    main()
