"""Train the ``vhr-trees`` family: the tree change model on every true-colour source,
held out one source at a time.

One command, after :mod:`sitewatch.train.change` wrote the manifest::

    python -m sitewatch.train.vhr_trees --out src/sitewatch/models/change --seed 0

The trees of :mod:`sitewatch.train.trees` (engineered features of
:mod:`sitewatch.change.features`, scikit-learn's histogram GBT exported to ONNX), trained
on the same sources as the ``vhr`` networks: the ``vhr-change`` pairs (DSIFN, NCC, CDD),
SZTAKI Szada and OSCD's true-colour bands, each pair first brought to
:data:`WORKING_GSD` when it is finer.  Every source weighs the same
(:data:`PIXELS_PER_SOURCE` pixels drawn over its pairs, weighted by 1 / pixels).

* ``vhr-trees-fold-<source>`` never sees ``<source>`` (Szada, DSIFN or NCC): ``sitewatch
  eval change --dataset vhr --protocol leave-source-out --bands vhr-trees``;
* ``vhr-trees-all`` trains on everything.

Thresholds come from predictions on sources the predicting model never saw: fold S's is
the best pooled F1 over the two other held-out sources T, each predicted by trees
trained without S and T; ``vhr-trees-all``'s pools the three folds' own predictions.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from sklearn.ensemble import HistGradientBoostingClassifier

from sitewatch.change.features import FEATURE_SET, feature_names, pair_features
from sitewatch.change.models import tree_input
from sitewatch.datasets.change import ChangePair, load_pairs
from sitewatch.datasets.paths import data_dir
from sitewatch.train.change import VHR_HELD_OUT, at_working_scale
from sitewatch.train.trees import (
    Exceedance,
    Features,
    check_export,
    draw_pixels,
    fit_trees,
    pick_threshold,
    threshold_exceedances,
    tree_command,
    trees_to_onnx,
)

FAMILY = "vhr-trees"
#: Working pixel size (m): finer pairs are resampled to it first.
WORKING_GSD = 0.25
#: Pixels drawn from each source, spread evenly over its pairs.
PIXELS_PER_SOURCE = 200_000
#: The family serves true colour up to this pixel size.
MAX_GSD = 2.0
#: ``auto`` uses the all-sources model for true colour finer than this: on the one such
#: held-out source (NCC, 0.25 m) it scores F1 0.569 where the aerial ensemble scores
#: 0.039; from 1 m on the held-out evidence (DSIFN, 1.3 m: 0.528 against 0.516) does not
#: favour it and the aerial ensemble stays (chosen with those held-out scores in view).
AUTO_BELOW_GSD = 1.0
ALL = f"{FAMILY}-all"

Table = tuple[Features, npt.NDArray[np.bool_]]


class SourceData:
    """Each source's training pixels and, for the sources a fold holds out, the full
    features of its pairs (to predict them whole)."""

    def __init__(self, pairs: Sequence[ChangePair], seed: int) -> None:
        by_source: dict[str, list[ChangePair]] = {}
        for pair in pairs:
            by_source.setdefault(pair.source, []).append(pair)
        self.tables: dict[str, Table] = {}
        self.full: dict[str, list[tuple[Features, npt.NDArray[np.bool_]]]] = {}
        self.pairs = {s: sorted(p.name for p in ps) for s, ps in by_source.items()}
        for source, members in sorted(by_source.items()):
            per_pair = max(1, PIXELS_PER_SOURCE // len(members))
            rows = []
            for pair in members:
                small = at_working_scale(pair, WORKING_GSD)
                feats = pair_features(tree_input(small.before, small.after), small.valid)
                rows.append(draw_pixels(feats, small.label, small.valid, per_pair, seed))
                if source in VHR_HELD_OUT:
                    valid = small.valid.ravel()
                    table = feats.reshape(feats.shape[0], -1)[:, valid].T
                    self.full.setdefault(source, []).append(
                        (np.ascontiguousarray(table), small.label.ravel()[valid])
                    )
            self.tables[source] = (
                np.concatenate([r[0] for r in rows]),
                np.concatenate([r[1] for r in rows]),
            )

    def fit(self, without: Iterable[str], seed: int) -> HistGradientBoostingClassifier:
        """Trees on every source but ``without``, each source weighing the same."""
        skip = set(without)
        used = [self.tables[s] for s in sorted(self.tables) if s not in skip]
        return fit_trees(used, seed, balanced=True)

    def exceedances(self, clf: HistGradientBoostingClassifier, source: str) -> list[Exceedance]:
        """Per pair of ``source``: candidate-threshold exceedances of its predictions."""
        return [threshold_exceedances(clf.predict_proba(x)[:, 1], y) for x, y in self.full[source]]


def main(argv: Sequence[str] | None = None) -> None:
    args, manifest_path, manifest = tree_command(__doc__, argv)
    root = data_dir(args.data)
    t0 = time.perf_counter()
    data = SourceData([*load_pairs(root, "vhr"), *load_pairs(root, "oscd")], args.seed)
    print(f"features of {len(data.tables)} sources in {time.perf_counter() - t0:.0f} s")
    n_features = len(feature_names())
    outer: dict[str, list[Any]] = {}
    entries: dict[str, dict[str, Any]] = {}
    for held in [*VHR_HELD_OUT, None]:
        name = ALL if held is None else f"{FAMILY}-fold-{held}"
        t1 = time.perf_counter()
        clf = data.fit([] if held is None else [held], args.seed)
        seconds = round(time.perf_counter() - t1, 1)
        if held is None:
            pool = outer
        else:
            outer[held] = data.exceedances(clf, held)
            # Trees that never saw ``held`` nor the source they predict.
            pool = {
                other: data.exceedances(data.fit([held, other], args.seed), other)
                for other in VHR_HELD_OUT
                if other != held
            }
        threshold, f1 = pick_threshold([row for rows in pool.values() for row in rows])
        model = trees_to_onnx(clf, n_features)
        diff = check_export(clf, model, data.tables[sorted(data.tables)[0]][0][:5000])
        path = args.out / f"{name}.onnx"
        onnx.save(model, str(path))
        trained = [s for s in sorted(data.tables) if s != held]
        entry: dict[str, Any] = {
            "file": path.name,
            "family": FAMILY,
            "kind": "trees",
            "threshold": round(threshold, 4),
            "threshold_basis": (
                f"best pooled F1 ({f1:.3f}) over predictions on {', '.join(sorted(pool))}, "
                "each by trees that never saw that source"
            ),
            "min_gsd": WORKING_GSD,
            "max_gsd": MAX_GSD,
            "bands": ["red", "green", "blue"],
            "features": FEATURE_SET,
            "trained_on_pairs": sorted(n for s in trained for n in data.pairs[s]),
            "pixels_per_source": PIXELS_PER_SOURCE,
            "trees": int(clf.n_iter_),
            "seed": args.seed,
            "train_seconds": seconds,
            "export_max_abs_diff": float(f"{diff:.2e}"),
        }
        if held is None:
            entry["trained_on"] = trained
            # `auto` picks it for true colour finer than this (the aerial ensemble stays
            # the default from here to its own max_gsd); see default_model.
            entry["auto_below_gsd"] = AUTO_BELOW_GSD
        else:
            entry["held_out"] = data.pairs[held]
            entry["held_out_sources"] = [held]
        entries[name] = entry
        print(f"[{name}] {clf.n_iter_} trees in {seconds} s, threshold {threshold:.2f}")
    manifest["models"].update(entries)
    if ALL in entries:
        manifest.setdefault("default", {})[FAMILY] = ALL
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
