"""Change detection: normalisation, CVA/IR-MAD, the learned model, objects, scores."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS
from scipy import ndimage
from shapely.geometry import shape

from sitewatch.change.detect import detect_change
from sitewatch.change.models import (
    InputPrep,
    default_model,
    fit_normalisation,
    model_input,
    on_grid,
    predict_logits,
    predict_probability,
)
from sitewatch.change.objects import change_objects, objects_geojson
from sitewatch.change.unsupervised import cva, irmad_statistic, normalise_radiometry
from sitewatch.datasets.change import ChangePair, oscd_pairs
from sitewatch.errors import MissingBandError, NoOverlapError
from sitewatch.evaluation.metrics import Counts, best_threshold, confusion
from sitewatch.geo.grid import GeoImage
from sitewatch.inference import window_size, window_starts


@pytest.fixture(scope="module")
def beirut(data_dir: Path) -> ChangePair:
    return next(oscd_pairs(data_dir / "oscd", ["beirut"]))


def _with_patch(image: GeoImage, rows: slice, cols: slice, source: GeoImage) -> GeoImage:
    """``image`` with a block replaced by the same block of ``source`` shifted far away."""
    pixels = image.pixels.copy()
    h, w = rows.stop - rows.start, cols.stop - cols.start
    pixels[:, rows, cols] = source.pixels[:, -h:, -w:]
    return replace(image, pixels=pixels)


def test_pif_normalisation_undoes_a_linear_radiometric_change(beirut: ChangePair) -> None:
    before = beirut.before
    after = replace(before, pixels=(before.pixels.astype("float32") * 1.35 + 120))
    for method in ("pif", "histogram"):
        normalised, info = normalise_radiometry(before, after, method)
        red_b = before.band("red").astype("float64")
        red_n = normalised.band("red").astype("float64")
        rel = np.abs(red_n - red_b)[before.mask].mean() / red_b[before.mask].mean()
        assert rel < 0.02, (method, rel, info)
    untouched, info = normalise_radiometry(before, after, "none")
    assert untouched is after
    assert info == {"normalisation": "none"}


@pytest.mark.parametrize("method", ["cva", "irmad"])
def test_unsupervised_methods_find_an_inserted_change(szada1: ChangePair, method: str) -> None:
    before = szada1.before
    # After = before, brightened (not change) with one 80 x 80 block of other content.
    brighter = replace(before, pixels=before.pixels.astype("float32") * 1.2 + 10)
    after = _with_patch(brighter, slice(200, 280), slice(300, 380), szada1.after)
    result = detect_change(before, after, method)
    truth = np.zeros(before.shape, dtype=bool)
    truth[200:280, 300:380] = True
    counts = confusion(result.mask, truth)
    assert counts.recall > 0.4, counts
    assert counts.precision > 0.8, counts  # brightening alone is not change
    assert result.method == method
    assert np.isfinite(result.threshold)


def test_statistics_are_zero_outside_the_overlap(szada1: ChangePair) -> None:
    before = szada1.before
    mask = before.mask.copy()
    mask[:, :100] = False
    after = replace(szada1.after, mask=mask)
    for stat in (cva(before, after), irmad_statistic(before, after)[0]):
        assert stat.shape == before.shape
        assert np.all(stat[:, :100] == 0)
        assert np.isfinite(stat).all()


def test_no_overlap_is_refused(szada1: ChangePair) -> None:
    after = replace(szada1.after, mask=np.zeros(szada1.after.shape, dtype=bool))
    with pytest.raises(NoOverlapError):
        detect_change(szada1.before, after, "cva")


@pytest.mark.slow
def test_model_finds_change_on_a_pair_of_another_sensor(szada1: ChangePair) -> None:
    """The shipped model on a real Szada pair: well above the CVA floor (F1 ~0.2)."""
    info = default_model(szada1.before, szada1.after)
    prob = predict_probability(szada1.before, szada1.after, info, gsd=1.5)
    counts = confusion(prob >= info.threshold, szada1.label, szada1.valid)
    assert counts.f1 > 0.35, counts.scores()


def test_sentinel2_input_keeps_absolute_reflectance(beirut: ChangePair) -> None:
    """The s2 models see fixed per-band constants, so a scene-wide brightening is visible
    to them; per-image standardisation (the rgb models) removes it."""
    info = default_model(beirut.before, beirut.after)
    assert info.prep.kind == "fixed"
    assert info.prep.constants is not None
    assert set(info.prep.constants) == set(info.bands)
    before = beirut.before
    brighter = replace(before, pixels=before.pixels.astype("float32") * 1.5)
    fixed = model_input(before, brighter, info.bands, info.prep)
    per_image = model_input(before, brighter, info.bands)
    n, valid = len(info.bands), before.mask
    assert float(np.abs(fixed[n:] - fixed[:n])[:, valid].mean()) > 0.3
    assert float(np.abs(per_image[n:] - per_image[:n])[:, valid].mean()) < 1e-3
    norm = fit_normalisation([before], ("red", "nir"))
    red = np.log1p(before.band("red")[valid].astype("float64"))
    assert norm["red"][0] == pytest.approx(np.median(red), abs=0.05)
    assert norm["nir"][1] > 0


@pytest.mark.parametrize(
    "prep", [InputPrep(), InputPrep("shared"), InputPrep.fixed({"red": (6.5, 0.4)})]
)
def test_input_preparation_survives_the_manifest(prep: InputPrep) -> None:
    assert InputPrep.from_manifest(json.loads(json.dumps(prep.manifest_fields()))) == prep


def test_fixed_input_preparation_needs_constants() -> None:
    with pytest.raises(ValueError, match="constants"):
        InputPrep("fixed")
    with pytest.raises(ValueError, match="constants"):
        InputPrep("shared", {"red": (1.0, 1.0)})


def test_true_colour_input_keeps_colour(szada1: ChangePair) -> None:
    """rgb models standardise all bands of an image with one median and MAD, so colour
    (differences between bands) survives; per-band standardisation would change it."""
    info = default_model(szada1.before, szada1.after, 5.0)  # the network
    assert info.prep == InputPrep("shared")
    shared = model_input(szada1.before, szada1.after, prep=info.prep)
    valid = szada1.valid
    red = szada1.before.band("red")[valid].astype("float64")
    green = szada1.before.band("green")[valid].astype("float64")
    # One affine map for every band (up to the +-6 clip): band differences scale alike.
    ratio = (shared[0][valid] - shared[1][valid]) / np.where(red != green, red - green, np.nan)
    finite = ratio[np.isfinite(ratio) & (np.abs(shared[0][valid]) < 6)]
    assert float(np.nanstd(finite)) < 1e-3 * float(np.abs(np.nanmedian(finite)))


def test_model_choice_follows_the_bands(beirut: ChangePair, szada1: ChangePair) -> None:
    assert default_model(beirut.before, beirut.after).bands[3:] == ("nir", "swir16", "swir22")
    assert default_model(szada1.before, szada1.after).bands == ("red", "green", "blue")
    gray = GeoImage(pixels=szada1.before.pixels[:1], mask=szada1.before.mask, band_names=("pan",))
    with pytest.raises(MissingBandError):
        default_model(gray, gray)
    assert detect_change(gray, gray, "auto").method == "irmad"


@pytest.mark.parametrize("shape", [(37, 53), (300, 520)])
def test_tiled_inference_covers_any_size(szada1: ChangePair, shape: tuple[int, int]) -> None:
    info = default_model(szada1.before, szada1.after, 5.0)  # the network
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, *shape)).astype("float32")
    calls: list[tuple[int, int]] = []
    logits = predict_logits(x, info, progress=lambda d, t: calls.append((d, t)))
    assert logits.shape == shape
    assert np.isfinite(logits).all()
    assert calls[-1][0] == calls[-1][1] >= 1


@pytest.mark.parametrize("threads", ["1", "2", "5"])
def test_on_grid_is_ndimage_zoom_in_row_blocks(
    monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    monkeypatch.setenv("SITEWATCH_THREADS", threads)
    rng = np.random.default_rng(0)
    for shape_in, shape_out in (((64, 90), (128, 180)), ((37, 53), (111, 160)), ((5, 7), (9, 8))):
        values = rng.random(shape_in).astype("float32")
        labels = rng.integers(0, 9, shape_in).astype("int32")
        zoom = (shape_out[0] / shape_in[0], shape_out[1] / shape_in[1])
        expected = ndimage.zoom(values, zoom, order=1)[: shape_out[0], : shape_out[1]]
        np.testing.assert_allclose(on_grid(values, shape_out, 1), expected, atol=1e-5, rtol=0)
        np.testing.assert_array_equal(
            on_grid(labels, shape_out, 0),
            ndimage.zoom(labels, zoom, order=0)[: shape_out[0], : shape_out[1]],
        )


@pytest.mark.parametrize(
    ("length", "side", "count"), [(256, 256, 1), (768, 768, 1), (1280, 656, 2), (5000, 744, 7)]
)
def test_windows_cover_the_image_evenly(length: int, side: int, count: int) -> None:
    assert window_size(length, 32, 768, smallest=256, multiple=8) == side
    starts = window_starts(length, side, side - 32)
    assert len(starts) == count
    assert starts[-1] + side >= length
    assert side % 8 == 0
    # Evenly: the windows overlap by little more than the blending margin.
    assert count * side - (count - 1) * 32 - length < 8 * count


def test_tiles_agree_with_one_pass_away_from_edges(szada1: ChangePair) -> None:
    """Overlapped tiles blend into the same answer as one big tile, up to edge effects."""
    info = default_model(szada1.before, szada1.after, 5.0)  # the network
    x = model_input(szada1.before, szada1.after)[:, :256, :512]
    tiled = predict_logits(x, info, max_window=256)  # 2 x 3 windows of 256
    whole = predict_logits(x, info)
    inner = (slice(24, -24), slice(24, -24))
    prob_t, prob_w = (1 / (1 + np.exp(-v[inner])) for v in (tiled, whole))
    assert float(np.abs(prob_t - prob_w).mean()) < 0.02


def test_change_objects_have_areas_types_and_rfc7946_geometry() -> None:
    crs = CRS.from_epsg(32637)
    transform = Affine(10, 0, 500000, 0, -10, 4400000)
    rng = np.random.default_rng(0)
    base = rng.normal(1000, 50, (4, 100, 100)).astype("float32")
    before = GeoImage(
        pixels=base,
        mask=np.ones((100, 100), dtype=bool),
        band_names=("red", "green", "blue", "nir"),
        transform=transform,
        crs=crs,
    )
    after_px = base + rng.normal(0, 30, base.shape).astype("float32")  # sensor noise
    after_px[3, 10:30, 10:40] += 3000  # NIR up: vegetation growth
    checker = (np.indices((30, 10)).sum(axis=0) // 2 % 2).astype("float32")
    after_px[:3, 60:90, 50:60] += 800 + 1500 * checker  # bright, edged: a new roof

    after = replace(before, pixels=after_px)
    result = detect_change(before, after, "cva")
    objects = change_objects(result, before, after)
    assert len(objects) == 2
    big, small = objects
    assert big.area_m2 == pytest.approx(600 * 100, rel=0.05)
    assert small.area_m2 == pytest.approx(300 * 100, rel=0.1)
    assert big.change_type == "vegetation"
    assert small.change_type == "new structure"
    fc = objects_geojson(objects, method="cva")
    geom = shape(fc["features"][0]["geometry"])
    assert geom.is_valid
    assert 38.9 < geom.centroid.x < 39.1
    ring = fc["features"][0]["geometry"]["coordinates"][0]
    signed = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    assert signed > 0  # counter-clockwise exterior ring (RFC 7946)


def test_plain_grids_get_pixel_areas_only_with_a_gsd(szada1: ChangePair) -> None:
    mask = np.zeros(szada1.before.shape, dtype=bool)
    mask[100:120, 100:150] = True
    result = detect_change(szada1.before, szada1.after, "cva")
    result = replace(result, mask=mask)
    with_gsd = change_objects(result, szada1.before, szada1.after, gsd=1.5)
    assert with_gsd[0].area_m2 == pytest.approx(1000 * 2.25)
    assert with_gsd[0].geometry_lonlat is None
    assert change_objects(result, szada1.before, szada1.after)[0].area_m2 is None


def test_confusion_counts_and_scores() -> None:
    pred = np.array([1, 1, 0, 0, 1], dtype=bool)
    truth = np.array([1, 0, 1, 0, 1], dtype=bool)
    c = confusion(pred, truth)
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 1)
    assert c.f1 == pytest.approx(2 / 3)
    assert c.iou == pytest.approx(0.5)
    assert (c + c).tp == 4
    assert Counts().f1 == 0.0


def test_best_threshold_maximises_pooled_f1() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random(5000) < 0.1
    scores = np.clip(np.where(truth, 0.7, 0.3) + rng.normal(0, 0.1, 5000), 0, 1)
    t = best_threshold(scores, truth)
    assert 0.4 < t < 0.6
    f1_best = confusion(scores >= t, truth).f1
    assert all(confusion(scores >= q, truth).f1 <= f1_best + 1e-9 for q in (0.2, 0.35, 0.65))


def test_vhr_pairs_name_their_source_and_come_to_the_working_scale(data_dir: Path) -> None:
    from sitewatch.datasets.change import load_pairs

    pairs = load_pairs(data_dir, "vhr")
    sources = {p.source for p in pairs}
    assert sources == {"dsifn", "ncc", "cdd", "szada"}
    assert all(p.label.shape == p.before.shape for p in pairs)
    torch = pytest.importorskip("torch")
    assert torch is not None
    from sitewatch.train.change import at_working_scale

    ncc = next(p for p in pairs if p.source == "ncc")
    small = at_working_scale(ncc, 1.0)
    assert small.before.shape == small.label.shape == (64, 64)  # 256 px at 0.25 m
    assert small.gsd == 1.0
    assert abs(small.label.mean() - ncc.label.mean()) < 0.05
    szada = next(p for p in pairs if p.source == "szada")
    assert at_working_scale(szada, 1.0) is szada  # 1.5 m: coarser already


def test_bootstrap_f1_interval_over_pairs() -> None:
    from sitewatch.evaluation.metrics import bootstrap_f1

    same = [Counts(tp=8, fp=2, fn=2)] * 10
    assert bootstrap_f1(same) == (0.8, 0.8)
    mixed = [Counts(tp=10)] * 5 + [Counts(fn=10)] * 5
    lo, hi = bootstrap_f1(mixed)
    assert 0.25 < lo < 2 / 3 < hi < 0.95  # F1 2k / (k + 10) for k of 10 pairs found
