"""Train the tree change model on SZTAKI Szada and the aerial ensemble that uses it.

One command, run after :mod:`sitewatch.train.change` (it needs the ``rgb`` networks)::

    python -m sitewatch.train.trees --out src/sitewatch/models/change --seed 0

It adds to the change-model manifest:

* ``trees-fold-K.onnx`` for K in 0..6: gradient-boosted trees (scikit-learn's
  histogram GBT) on the engineered features of :mod:`sitewatch.change.features`,
  trained on the Szada pairs except pair K+1 (the pair ``rgb-fold-K`` holds out), and
  ``trees-all.onnx`` on all seven;
* ``aerial-fold-K`` and ``aerial-all``: ensembles (no file of their own) that average
  the network's and the trees' change probabilities with a weight, smooth the result,
  mix each pixel's probability with the mean of its segment of the after-image
  (:class:`sitewatch.change.models.Segmentation`) and apply a threshold.  Weight,
  smoothing, mix and threshold of fold K are chosen by the best pooled F1 over the
  out-of-fold predictions of the *other* six pairs (each made by models that never saw
  that pair), never on pair K+1; ``aerial-all`` uses all seven out-of-fold
  predictions.  The segmentation's own scale is fixed (its default).

The trees are exported to ONNX (``ai.onnx.ml`` TreeEnsembleRegressor with a logistic
output, written here from the fitted trees) and run with onnxruntime, like the networks.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper
from sklearn.ensemble import HistGradientBoostingClassifier

from sitewatch.change.features import FEATURE_SET, feature_names, pair_features
from sitewatch.change.models import (
    TREE_GSD,
    Segmentation,
    after_segments,
    ensemble_probability,
    model_info,
    object_average,
    predict_probability,
    segment_mean,
    tree_input,
    working_factor,
)
from sitewatch.datasets.change import ChangePair, airchange_pairs
from sitewatch.datasets.paths import data_dir
from sitewatch.evaluation.metrics import PROBABILITY_THRESHOLDS
from sitewatch.train.change import N_FOLDS, fold_of

#: Pixels drawn at random from each training pair.
PIXELS_PER_PAIR = 60_000
#: Candidate ensemble weights of the trees (the network gets the rest) and smoothing
#: sigmas in pixels; chosen per model on out-of-fold predictions.
WEIGHTS = tuple(round(w, 1) for w in np.linspace(0.0, 1.0, 11))
SIGMAS = (0.0, 1.0, 2.0, 3.0, 5.0)
#: Candidate weights of a pixel's own probability against its segment's mean (1: no
#: object averaging).
MIXES = (0.0, 0.25, 0.5, 1.0)
#: The aerial ensemble is the default for true-colour imagery up to this pixel size
#: (its trees learnt 1.5 m aerial photographs); coarser imagery keeps the network.
ENSEMBLE_MAX_GSD = 2.0

Features = npt.NDArray[np.float32]


def classifier(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.08,
        max_leaf_nodes=31,
        min_samples_leaf=100,
        l2_regularization=1.0,
        random_state=seed,
    )


def draw_pixels(
    feats: Features, label: npt.NDArray[np.bool_], valid: npt.NDArray[np.bool_], n: int, seed: int
) -> tuple[Features, npt.NDArray[np.bool_]]:
    """Up to ``n`` valid pixels at random: (n, features) and their labels."""
    idx = np.flatnonzero(valid.ravel())
    rng = np.random.default_rng(seed)
    take = rng.choice(idx, min(n, idx.size), replace=False)
    table = feats.reshape(feats.shape[0], -1)[:, take].T
    return np.ascontiguousarray(table), label.ravel()[take]


def fit_trees(
    tables: Sequence[tuple[Features, npt.NDArray[np.bool_]]],
    seed: int,
    *,
    balanced: bool = False,
) -> HistGradientBoostingClassifier:
    """The classifier fitted on the rows of ``tables`` together; ``balanced``: each
    table weighs the same, however many rows it has."""
    x = np.concatenate([t[0] for t in tables])
    y = np.concatenate([t[1] for t in tables])
    if not balanced:
        return classifier(seed).fit(x, y)
    weight = np.concatenate([np.full(len(t[1]), 1e6 / len(t[1])) for t in tables])
    return classifier(seed).fit(x, y, sample_weight=weight)


def trees_to_onnx(clf: HistGradientBoostingClassifier, n_features: int) -> onnx.ModelProto:
    """The fitted binary classifier as ONNX: a TreeEnsembleRegressor (the decision
    function) and a Sigmoid, whose output is the probability of class 1 (input ``x``:
    (n, features) float32).

    Reads the fitted trees from scikit-learn's ``_predictors`` (numeric splits only:
    ``x <= threshold`` goes left); :func:`check_export` compares the result with
    ``predict_proba``.
    """
    if len(clf.classes_) != 2:
        raise ValueError("only binary classifiers are exported")
    attrs: dict[str, list[Any]] = {
        k: []
        for k in (
            "nodes_treeids",
            "nodes_nodeids",
            "nodes_featureids",
            "nodes_values",
            "nodes_modes",
            "nodes_truenodeids",
            "nodes_falsenodeids",
            "nodes_missing_value_tracks_true",
            "target_treeids",
            "target_nodeids",
            "target_ids",
            "target_weights",
        )
    }
    for tree_id, (predictor,) in enumerate(clf._predictors):
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not exported")
        for node_id, node in enumerate(nodes):
            leaf = bool(node["is_leaf"])
            attrs["nodes_treeids"].append(tree_id)
            attrs["nodes_nodeids"].append(node_id)
            attrs["nodes_featureids"].append(0 if leaf else int(node["feature_idx"]))
            attrs["nodes_values"].append(0.0 if leaf else float(node["num_threshold"]))
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            attrs["nodes_truenodeids"].append(0 if leaf else int(node["left"]))
            attrs["nodes_falsenodeids"].append(0 if leaf else int(node["right"]))
            attrs["nodes_missing_value_tracks_true"].append(int(bool(node["missing_go_to_left"])))
            if leaf:
                attrs["target_treeids"].append(tree_id)
                attrs["target_nodeids"].append(node_id)
                attrs["target_ids"].append(0)
                attrs["target_weights"].append(float(node["value"]))
    trees = helper.make_node(
        "TreeEnsembleRegressor",
        ["x"],
        ["score"],
        domain="ai.onnx.ml",
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=[float(np.ravel(clf._baseline_prediction)[0])],
    )
    trees.attribute.extend(helper.make_attribute(k, v) for k, v in attrs.items())
    graph = helper.make_graph(
        [trees, helper.make_node("Sigmoid", ["score"], ["probability"])],
        "sitewatch_change_trees",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", n_features])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["n", 1])],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
        producer_name="sitewatch.train.trees",
    )
    onnx.checker.check_model(model)
    return model


def check_export(
    clf: HistGradientBoostingClassifier, model: onnx.ModelProto, x: Features, tol: float = 1e-4
) -> float:
    """Largest difference between onnxruntime's and scikit-learn's probabilities on
    ``x``; raises when it exceeds ``tol``."""
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    ours = session.run(None, {"x": x})[0][:, 0]
    diff = float(np.abs(ours - clf.predict_proba(x)[:, 1]).max())
    if diff > tol:
        raise RuntimeError(f"ONNX export differs from scikit-learn by {diff:.2e}")
    return diff


#: Thresholds tried for the ensemble: those of sitewatch.evaluation.best_threshold.
CANDIDATES = PROBABILITY_THRESHOLDS

#: (tree weight, sigma, mix): the ensemble's settings other than its threshold.
Settings = tuple[float, float, float]
#: Per candidate threshold: changed and unchanged pixels reaching it, and how many
#: pixels are changed (see :func:`threshold_exceedances`).
Exceedance = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int]
Exceedances = dict[Settings, Exceedance]


def exceedances(
    net: npt.NDArray[np.float32],
    tree: npt.NDArray[np.float32],
    label: npt.NDArray[np.bool_],
    valid: npt.NDArray[np.bool_],
    segments: npt.NDArray[np.int64] | None = None,
) -> Exceedances:
    """For every (tree weight, sigma, mix): how many changed and unchanged valid pixels
    of one pair reach each candidate threshold, and how many changed pixels there are.
    Without ``segments`` (labels of the after-image's segments) only mix 1 is tried."""
    truth = label[valid]
    out: Exceedances = {}
    for sigma in SIGMAS:
        for w in WEIGHTS:
            prob = ensemble_probability([(net, 1 - w), (tree, w)], sigma, valid)
            # The segment means do not depend on the mix: computed once per (w, sigma).
            means = None if segments is None else segment_mean(prob, segments, valid)
            for mix in MIXES if segments is not None else (1.0,):
                mixed = (
                    prob
                    if segments is None or mix == 1.0
                    else object_average(prob, segments, valid, mix, means)
                )
                out[w, sigma, mix] = threshold_exceedances(mixed[valid], truth)
    return out


def threshold_exceedances(
    values: npt.NDArray[np.floating], truth: npt.NDArray[np.bool_]
) -> Exceedance:
    """How many changed and unchanged pixels (``truth``) reach each candidate threshold
    with their probability ``values``, and how many changed pixels there are."""
    pos, neg = np.sort(values[truth]), np.sort(values[~truth])
    return (
        len(pos) - np.searchsorted(pos, CANDIDATES),
        len(neg) - np.searchsorted(neg, CANDIDATES),
        len(pos),
    )


def pick_threshold(rows: Sequence[Exceedance]) -> tuple[float, float]:
    """(threshold, F1): the candidate with the best F1 pooled over ``rows`` (each from
    :func:`threshold_exceedances`)."""
    pos = sum(r[0] for r in rows)
    neg = sum(r[1] for r in rows)
    changed = sum(r[2] for r in rows)
    f1 = 2 * pos / np.maximum(pos + neg + changed, 1)
    i = int(np.argmax(f1))
    return float(CANDIDATES[i]), float(f1[i])


def choose_ensemble(
    table: dict[str, Exceedances],
    names: Sequence[str],
    keys: Sequence[Settings] | None = None,
) -> tuple[Settings, float, float]:
    """(settings, threshold, pooled F1) with the best pooled F1 over the out-of-fold
    predictions of the pairs ``names`` (among ``keys``; default all settings)."""
    best: tuple[Settings, float, float] = ((0.0, 0.0, 1.0), 0.5, -1.0)
    for key in keys or list(table[names[0]]):
        threshold, f1 = pick_threshold([table[n][key] for n in names])
        if f1 > best[2]:
            best = (key, threshold, f1)
    return best


def tree_command(
    doc: str | None, argv: Sequence[str] | None
) -> tuple[argparse.Namespace, Path, dict[str, Any]]:
    """The options of the tree trainers (``--out``, ``--data``, ``--seed``), the change
    manifest's path and its contents (the networks must be trained first)."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("src/sitewatch/models/change"))
    p.add_argument("--data", type=Path, default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    manifest_path = args.out / "manifest.json"
    if not manifest_path.is_file():
        p.error(f"{manifest_path} is missing: train the networks first (sitewatch.train.change)")
    return args, manifest_path, json.loads(manifest_path.read_text())


def main(argv: Sequence[str] | None = None) -> None:
    args, manifest_path, manifest = tree_command(__doc__, argv)
    models: dict[str, dict[str, Any]] = manifest["models"]
    pairs: list[ChangePair] = list(airchange_pairs(data_dir(args.data) / "airchange"))
    t0 = time.perf_counter()
    feats = {pr.name: pair_features(tree_input(pr.before, pr.after), pr.valid) for pr in pairs}
    tables = {
        pr.name: draw_pixels(feats[pr.name], pr.label, pr.valid, PIXELS_PER_PAIR, args.seed + i)
        for i, pr in enumerate(pairs)
    }
    print(f"features of {len(pairs)} pairs in {time.perf_counter() - t0:.0f} s", flush=True)
    names = feature_names()
    jobs = [(f"trees-fold-{k}", k) for k in range(N_FOLDS)] + [("trees-all", None)]
    for name, k in jobs:
        t1 = time.perf_counter()
        held = [pr.name for i, pr in enumerate(pairs) if k is not None and fold_of(i) == k]
        train = [pr.name for pr in pairs if pr.name not in held]
        clf = fit_trees([tables[n] for n in train], args.seed)
        model = trees_to_onnx(clf, len(names))
        diff = check_export(clf, model, tables[train[0]][0][:5000])
        path = args.out / f"{name}.onnx"
        onnx.save(model, str(path))
        entry: dict[str, Any] = {
            "file": path.name,
            "family": "trees",
            "kind": "trees",
            "threshold": 0.5,
            "threshold_basis": "default 0.5, not calibrated yet",
            "min_gsd": TREE_GSD,
            "bands": ["red", "green", "blue"],
            "features": FEATURE_SET,
            "trained_on_pairs": train,
            "pixels_per_pair": PIXELS_PER_PAIR,
            "trees": int(clf.n_iter_),
            "seed": args.seed,
            "train_seconds": round(time.perf_counter() - t1, 1),
            "export_max_abs_diff": float(f"{diff:.2e}"),
        }
        if k is None:
            entry["trained_on"] = ["airchange"]
        else:
            entry["held_out"] = held
        models[name] = entry
        print(f"[{name}] {clf.n_iter_} trees, {entry['train_seconds']} s", flush=True)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    # Out-of-fold probabilities of both model kinds on every Szada pair.
    oof: dict[str, Exceedances] = {}
    for k in range(N_FOLDS):
        net, tree = models[f"rgb-fold-{k}"], models[f"trees-fold-{k}"]
        for pr in pairs:
            if pr.name in tree["held_out"]:
                if pr.name not in net["held_out"]:
                    raise RuntimeError(f"rgb-fold-{k} does not hold out {pr.name}")
                probs = [
                    predict_probability(pr.before, pr.after, model_info(e, args.out), gsd=pr.gsd)
                    for e in (net, tree)
                ]
                segments = after_segments(
                    pr.before, pr.after, Segmentation(1.0), working_factor(pr.gsd, TREE_GSD)
                )
                oof[pr.name] = exceedances(probs[0], probs[1], pr.label, pr.valid, segments)
    for k in [*range(N_FOLDS), None]:
        name = "aerial-all" if k is None else f"aerial-fold-{k}"
        net_name = "rgb-all" if k is None else f"rgb-fold-{k}"
        tree_name = "trees-all" if k is None else f"trees-fold-{k}"
        pool = [n for n in oof if k is None or n not in models[tree_name]["held_out"]]
        # The trees alone: threshold only.
        _, thr, f1 = choose_ensemble(oof, pool, [(1.0, 0.0, 1.0)])
        models[tree_name]["threshold"] = round(thr, 4)
        models[tree_name]["threshold_basis"] = (
            f"best pooled F1 ({f1:.3f}) over out-of-fold predictions on {len(pool)} of its "
            "training pairs (never on pairs it is scored on)"
        )
        (w, sigma, mix), thr, f1 = choose_ensemble(oof, pool)
        entry = {
            "family": "aerial",
            "kind": "ensemble",
            "members": {net_name: round(1 - w, 2), tree_name: w},
            "smooth": sigma,
            **(Segmentation(mix).manifest_fields() if mix < 1 else {}),
            "threshold": round(thr, 4),
            "threshold_basis": (
                f"weight, smoothing, segment mix and threshold with the best pooled F1 "
                f"({f1:.3f}) over "
                f"out-of-fold predictions on {len(pool)} of its training pairs (never on "
                "pairs it is scored on)"
            ),
            "max_gsd": ENSEMBLE_MAX_GSD,
            "bands": ["red", "green", "blue"],
        }
        if k is None:
            entry["trained_on"] = ["oscd", "airchange"]
            manifest.setdefault("default", {})["aerial"] = name
        else:
            entry["held_out"] = sorted(models[net_name]["held_out"])
        models[name] = entry
        print(
            f"[{name}] trees weight {w}, sigma {sigma}, segment mix {mix}, threshold {thr:.3f}",
            flush=True,
        )
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
