"""The tree change model and the aerial ensemble: features, ONNX export, combination."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sitewatch.change.features import feature_names, pair_features
from sitewatch.change.models import (
    Segmentation,
    after_segments,
    default_model,
    ensemble_probability,
    load_manifest,
    model_info,
    object_average,
    predict_probability,
    tree_input,
    tree_probability,
)
from sitewatch.datasets.change import ChangePair, airchange_pairs, vhr_pairs
from sitewatch.evaluation.change import evaluate_change
from sitewatch.evaluation.metrics import confusion


def test_features_match_their_names_and_ignore_invalid_pixels() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 40, 50)).astype("float32")
    valid = np.ones((40, 50), dtype=bool)
    feats = pair_features(x, valid)
    assert feats.shape == (len(feature_names()), 40, 50)
    assert len(set(feature_names())) == feats.shape[0]
    # Identical dates: every difference feature is zero.
    same = pair_features(np.concatenate([x[:3], x[:3]]), valid)
    for name, plane in zip(feature_names(), same, strict=True):
        if "diff" in name:
            assert np.abs(plane).max() < 1e-5, name
    # Invalid pixels are zeroed before smoothing: garbage there changes nothing.
    valid[:10] = False
    noisy = x.copy()
    noisy[:, :10] = 1e6
    assert np.allclose(pair_features(noisy, valid), pair_features(x, valid))
    with pytest.raises(ValueError, match="expected a"):
        pair_features(x[:3])


def test_tree_export_matches_scikit_learn() -> None:
    pytest.importorskip("sklearn")
    from sitewatch.train.trees import check_export, classifier, trees_to_onnx

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 7)).astype("float32")
    y = x[:, 0] + x[:, 1] * x[:, 2] > 0.3
    clf = classifier(0).set_params(max_iter=40).fit(x, y)
    model = trees_to_onnx(clf, 7)
    assert check_export(clf, model, x) < 1e-4
    # A wrong export is caught: perturb one leaf.
    leaf = next(a for a in model.graph.node[0].attribute if a.name == "target_weights")
    leaf.floats[0] += 5.0
    with pytest.raises(RuntimeError, match="differs"):
        check_export(clf, model, x)


def test_ensemble_weights_smoothing_and_mask() -> None:
    a = np.zeros((20, 20), dtype="float32")
    b = np.ones((20, 20), dtype="float32")
    valid = np.ones((20, 20), dtype=bool)
    valid[0] = False
    out = ensemble_probability([(a, 1.0), (b, 3.0)], 0.0, valid)
    assert np.allclose(out[1:], 0.75)
    assert not out[0].any()
    spot = np.zeros((21, 21), dtype="float32")
    spot[10, 10] = 1.0
    smooth = ensemble_probability([(spot, 1.0)], 2.0, np.ones_like(spot, dtype=bool))
    assert smooth[10, 10] < 0.1
    assert smooth.sum() == pytest.approx(1.0, abs=0.02)
    with pytest.raises(ValueError, match="weights"):
        ensemble_probability([(a, 0.0)], 0.0, valid)


def test_aerial_ensemble_is_the_default_for_fine_true_colour(szada1: ChangePair) -> None:
    fine = default_model(szada1.before, szada1.after, 1.5)
    assert fine.kind == "ensemble"
    assert {m.kind for m, _ in fine.members} == {"network", "trees"}
    assert default_model(szada1.before, szada1.after, 1.0).kind == "ensemble"
    assert default_model(szada1.before, szada1.after, None).kind == "ensemble"
    assert default_model(szada1.before, szada1.after, 5.0).kind == "network"
    # Finer than 1 m (satellite imagery of 0.3-0.5 m): the trees of every vhr source.
    for gsd in (0.25, 0.5, 0.99):
        finest = default_model(szada1.before, szada1.after, gsd)
        assert (finest.kind, finest.meta["family"]) == ("trees", "vhr-trees"), gsd


@pytest.mark.slow
def test_eval_auto_scores_each_pair_with_a_model_that_never_saw_its_source(
    data_dir: Path,
) -> None:
    """``eval change --method auto`` uses what ``change`` would, but a fold of that
    family that never saw the source where there is one; the rest are listed as seen."""
    pairs = [
        *vhr_pairs(data_dir / "vhr-change", ["ncc", "dsifn"]),
        *airchange_pairs(data_dir / "airchange"),
    ]
    pairs = [p for p in pairs if p.name in ("ncc/ncc_test_1", "dsifn/dsifn_0_2", "szada/1")]
    report = evaluate_change(pairs, "auto")
    used = {name: s["model"] for name, s in report["pairs"].items()}
    assert used["ncc/ncc_test_1"] == "vhr-trees-fold-ncc.onnx"  # 0.25 m
    assert used["dsifn/dsifn_0_2"] == used["szada/1"] == "rgb-all.onnx+trees-all.onnx"
    assert report["seen"] == ["szada/1"]  # the aerial ensemble trained on Szada
    assert report["overall_unseen"]["tp"] == sum(
        report["pairs"][n]["tp"] for n in ("ncc/ncc_test_1", "dsifn/dsifn_0_2")
    )


@pytest.mark.slow
def test_held_out_ensemble_finds_change_on_an_unseen_pair(szada1: ChangePair) -> None:
    """The fold that never saw Szada pair 1 (network and trees) scores it well above the
    CVA floor (F1 ~0.2) and above its network alone."""
    manifest = load_manifest()
    models = manifest["models"]
    fold = next(
        n for n, e in models.items() if e.get("kind") == "ensemble" and "szada/1" in e["held_out"]
    )
    info = model_info(models[fold])
    for member, _ in info.members:
        assert szada1.name not in member.meta.get("trained_on_pairs", [])
    prob = predict_probability(szada1.before, szada1.after, info, gsd=1.5)
    ours = confusion(prob >= info.threshold, szada1.label, szada1.valid).f1
    net = info.members[0][0] if info.members[0][0].kind == "network" else info.members[1][0]
    net_prob = predict_probability(szada1.before, szada1.after, net, gsd=1.5)
    alone = confusion(net_prob >= net.threshold, szada1.label, szada1.valid).f1
    assert ours > 0.4
    assert ours > alone


def test_tree_model_runs_at_its_working_scale(szada1: ChangePair) -> None:
    """Finer pixels are resampled to 1.5 m for the trees and the result comes back on
    the input grid."""
    models = load_manifest()["models"]
    info = model_info(models["trees-all"])
    rows, cols = slice(0, 120), slice(0, 160)
    before, after = (
        replace(img, pixels=img.pixels[:, rows, cols], mask=img.mask[rows, cols])
        for img in (szada1.before, szada1.after)
    )
    assert tree_input(before, after).shape == (6, 120, 160)
    prob = predict_probability(before, after, info, gsd=0.5)
    assert prob.shape == (120, 160)
    assert float(prob.min()) >= 0.0
    assert float(prob.max()) <= 1.0


def test_tree_features_in_bands_equal_the_whole_image(szada1: ChangePair) -> None:
    """Large images are scored band by band with context rows around each band and the
    whole image's scaling: the probabilities are those of the image at once (a part of
    invalid pixels included, so that the masked values and the chromaticity offset
    are exercised)."""
    info = model_info(load_manifest()["models"]["trees-all"])
    mask = szada1.before.mask.copy()
    mask[:40, :100] = False
    before = replace(szada1.before, mask=mask)
    whole = tree_probability(before, szada1.after, info)
    rows, cols = mask.shape
    seen: list[tuple[int, int]] = []
    banded = tree_probability(
        before,
        szada1.after,
        info,
        band_pixels=cols * 150,
        progress=lambda i, n: seen.append((i, n)),
    )
    assert seen[-1] == (-(-rows // 150),) * 2
    # Different FFT lengths round differently; a tree split may flip on a handful of pixels.
    close = np.abs(banded - whole) <= 1e-4
    assert close.mean() > 0.999
    assert np.abs(banded - whole).mean() < 1e-4


def test_ensemble_choice_follows_the_better_member() -> None:
    """Out-of-fold choice: when only the network separates change, the trees get no
    weight, and the threshold lands between the two classes' probabilities."""
    pytest.importorskip("sklearn")
    from sitewatch.train.trees import choose_ensemble, exceedances

    rng = np.random.default_rng(2)
    table = {}
    for name in ("a", "b"):
        label = np.zeros((40, 40), dtype=bool)
        label[5:20, 5:20] = True
        net = np.where(label, 0.8, 0.1).astype("float32")
        trees = rng.random((40, 40)).astype("float32")
        table[name] = exceedances(net, trees, label, np.ones_like(label))
    (weight, sigma, mix), threshold, f1 = choose_ensemble(table, ["a", "b"])
    assert (weight, sigma, mix) == (0.0, 0.0, 1.0)
    assert 0.1 < threshold <= 0.8
    assert f1 == pytest.approx(1.0)
    # Restricted to the trees alone, the best is far worse.
    assert choose_ensemble(table, ["a", "b"], [(1.0, 0.0, 1.0)])[2] < 0.6


def test_threshold_is_pooled_over_sources() -> None:
    """The threshold with the best F1 over the pixels of all rows together: one source
    whose changed pixels score 0.3 and another whose score 0.7 (unchanged: 0.2 and 0.5)
    pool to a cut between 0.2 and 0.3, which keeps every changed pixel."""
    pytest.importorskip("sklearn")
    from sitewatch.train.trees import pick_threshold, threshold_exceedances

    truth = np.array([True] * 10 + [False] * 10)
    low = threshold_exceedances(np.where(truth, 0.3, 0.2), truth)
    high = threshold_exceedances(np.where(truth, 0.7, 0.5), truth)
    assert low[2] == 10
    threshold, f1 = pick_threshold([low, high])
    assert 0.2 < threshold <= 0.3
    assert f1 == pytest.approx(2 * 20 / (2 * 20 + 10))
    # Each source alone would cut elsewhere.
    assert pick_threshold([high])[0] > 0.5
    assert pick_threshold([low])[1] == pytest.approx(1.0)


def test_object_average_spreads_within_segments_and_ignores_invalid() -> None:
    labels = np.zeros((10, 10), dtype="int64")
    labels[:, 5:] = 1
    prob = np.zeros((10, 10), dtype="float32")
    prob[0:5, 5:] = 1.0  # half of segment 1
    valid = np.ones((10, 10), dtype=bool)
    valid[9, 9] = False
    prob[9, 9] = 50.0  # invalid: neither in the mean nor in the output
    out = object_average(prob, labels, valid, 0.0)
    assert np.allclose(out[:, :5], 0.0)
    assert np.allclose(out[:, 5:][valid[:, 5:]], 25 / 49)
    assert out[9, 9] == 0.0
    assert np.allclose(object_average(prob, labels, valid, 1.0)[valid], prob[valid])
    half = object_average(prob, labels, valid, 0.5)
    assert half[0, 5] == pytest.approx(0.5 + 0.5 * 25 / 49)


def test_ensemble_choice_uses_segments_when_change_fills_them() -> None:
    """When the changed objects are whole segments but the network fires on only part
    of each, out-of-fold choice picks object averaging, and it beats pixels alone."""
    pytest.importorskip("sklearn")
    from sitewatch.train.trees import choose_ensemble, exceedances

    rng = np.random.default_rng(3)
    table = {}
    for name in ("a", "b"):
        segments = np.arange(64 * 64, dtype="int64").reshape(64, 64) // 256  # bands of rows
        label = segments % 3 == 0
        net = np.where(label & (rng.random(label.shape) < 0.4), 0.9, 0.2).astype("float32")
        net += rng.normal(0, 0.05, label.shape).astype("float32")
        trees = rng.random(label.shape).astype("float32")
        table[name] = exceedances(net, trees, label, np.ones_like(label), segments)
    (_, _, mix), _, f1 = choose_ensemble(table, ["a", "b"])
    pixels_only = [k for k in table["a"] if k[2] == 1.0]
    assert mix < 1.0
    assert f1 > 0.97
    assert f1 > choose_ensemble(table, ["a", "b"], pixels_only)[2] + 0.05


def test_after_segments_follow_the_input_grid(szada1: ChangePair) -> None:
    """Segments are cut at the working scale and come back on the input grid; the
    manifest form round-trips and a mix outside [0, 1] is refused."""
    rows, cols = slice(0, 120), slice(0, 160)
    before, after = (
        replace(img, pixels=img.pixels[:, rows, cols], mask=img.mask[rows, cols])
        for img in (szada1.before, szada1.after)
    )
    seg = Segmentation(0.5)
    native = after_segments(before, after, seg)
    assert native.shape == (120, 160)
    assert 2 < native.max() + 1 < 120 * 160 / seg.min_size
    halved = after_segments(before, after, seg, 0.5)
    assert halved.shape == (120, 160)
    assert halved.max() < native.max()
    assert Segmentation.from_manifest(seg.manifest_fields()) == seg
    assert Segmentation.from_manifest({}) is None
    with pytest.raises(ValueError, match="mix"):
        Segmentation(1.5)


def test_broken_installs_are_named() -> None:
    """An ensemble naming a member the manifest lacks, or a tree model from another
    feature set, is refused with a ModelNotFoundError that says what to do."""
    from sitewatch.errors import ModelNotFoundError

    models = load_manifest()["models"]
    entry = {**models["aerial-all"], "members": {"rgb-all": 0.5, "no-such-model": 0.5}}
    with pytest.raises(ModelNotFoundError, match=r"no-such-model.*reinstall"):
        model_info(entry, models=models)
    with pytest.raises(ModelNotFoundError, match="features 'rgb-v0'"):
        model_info({**models["trees-all"], "features": "rgb-v0"})
