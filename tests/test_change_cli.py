"""``sitewatch change``, ``sitewatch align`` and ``sitewatch eval change`` from the command line."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.warp import Resampling, calculate_default_transform, reproject

from sitewatch.imagery.raster import open_raster
from tests.helpers import assert_one_line_error, run_cli, write_tif


def _szada(data_dir: Path, n: int = 1) -> tuple[str, str, Path]:
    folder = data_dir / "airchange" / "szada" / str(n)
    return str(folder / "before.png"), str(folder / "after.png"), folder / "change.png"


def _oscd_item(data_dir: Path, city: str, index: int) -> str:
    items = sorted((data_dir / "oscd" / "sentinel-2-l1c-oscd").glob(f"{city}_*/*.json"))
    return str(items[index])


def test_png_pair_gives_png_mask_of_same_size(
    runner: CliRunner, db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    before, after, _ = _szada(data_dir)
    out = tmp_path / "mask.png"
    vec = tmp_path / "objects.geojson"
    result = run_cli(
        runner, db_url, "change", before, after, "--out", str(out), "--method", "cva",
        "--gsd", "1.5", "--vectors", str(vec), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["method"] == "cva"
    assert summary["objects"] > 0
    with open_raster(str(out)) as src:
        data = src.read(1)
    assert data.shape == (640, 952)
    assert set(np.unique(data)) <= {0, 255}
    assert (data == 255).any()
    fc = json.loads(vec.read_text())
    assert fc["type"] == "FeatureCollection"
    assert fc["features"]
    feat = fc["features"][0]
    assert feat["geometry"] is None  # plain pixel grid: no lon/lat
    assert feat["properties"]["area_m2"] > 0
    assert len(feat["properties"]["bbox_px"]) == 4


def test_a_named_model_is_used_and_an_unknown_one_refused(
    runner: CliRunner, db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    before, after, _ = _szada(data_dir)
    out = tmp_path / "mask.png"
    result = run_cli(runner, db_url, "change", before, after, "--out", str(out), "--gsd", "1.5",
                     "--model", "rgb-all", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["details"]["model"] == "rgb-all.onnx"
    wrong = run_cli(runner, db_url, "change", before, after, "--out", str(out), "--model", "nope")
    assert_one_line_error(wrong, "no change model 'nope'")


def test_stac_items_give_a_geotiff_on_the_before_grid(
    runner: CliRunner, db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mask.tif"
    vec = tmp_path / "objects.geojson"
    before, after = _oscd_item(data_dir, "beirut", 0), _oscd_item(data_dir, "beirut", 1)
    result = run_cli(
        runner, db_url, "change", before, after, "--out", str(out), "--vectors", str(vec)
    )
    assert result.exit_code == 0, result.output
    assert "method model s2-all.onnx (threshold" in result.stdout
    with rasterio.open(out) as src, rasterio.open(data_dir / "oscd/labels/beirut.tif") as lab:
        assert (src.width, src.height) == (lab.width, lab.height)
        assert src.dtypes[0] == "uint8"
        assert src.crs == lab.crs
        assert set(np.unique(src.read(1))) <= {0, 1}
    fc = json.loads(vec.read_text())
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0]
    assert 35.3 < lon < 35.7
    assert 33.7 < lat < 34.0


def test_after_in_another_crs_is_warped_onto_before(
    runner: CliRunner, db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    """A UTM GeoTIFF after image against a lon/lat before image: same output grid."""
    src_path = data_dir / "rasterio-rgb" / "RGB.byte.tif"
    utm = tmp_path / "before_utm.tif"
    shutil.copy(src_path, utm)
    lonlat = tmp_path / "after_lonlat.tif"
    with rasterio.open(src_path) as src, warnings.catch_warnings():
        # rasterio's own use of affine's deprecated `*`, not ours
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:4326", src.width, src.height, *src.bounds
        )
        profile = {**src.profile, "crs": "EPSG:4326", "transform": transform,
                   "width": width, "height": height}  # fmt: skip
        with rasterio.open(lonlat, "w", **profile) as dst:
            for i in range(1, src.count + 1):
                reproject(
                    rasterio.band(src, i), rasterio.band(dst, i), resampling=Resampling.bilinear
                )
    out = tmp_path / "mask.tif"
    result = run_cli(
        runner, db_url, "change", str(utm), str(lonlat), "--out", str(out), "--method", "cva"
    )
    assert result.exit_code == 0, result.output
    with rasterio.open(out) as m, rasterio.open(utm) as b:
        assert (m.width, m.height, m.crs, m.transform) == (b.width, b.height, b.crs, b.transform)
        # The same scene warped back and forth: little real change.
        assert (m.read(1) == 1).mean() < 0.15


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("sizes", "equal sizes"),
        ("mixed", "no georeference"),
        ("missing", "does not exist"),
        ("corrupt", "cannot"),
    ],
)
def test_bad_inputs_get_one_line_errors(
    runner: CliRunner, db_url: str, data_dir: Path, tmp_path: Path, case: str, needle: str
) -> None:
    before, after, _ = _szada(data_dir)
    geo = write_tif(tmp_path / "geo.tif", size=64)
    corrupt = tmp_path / "bad.tif"
    corrupt.write_bytes(b"II*\x00not really a tiff")
    pairs = {
        "sizes": (before, str(sorted((data_dir / "kit-ais" / "images").glob("*.png"))[0])),
        "mixed": (before, str(geo)),
        "missing": (str(tmp_path / "nope.tif"), after),
        "corrupt": (str(corrupt), str(geo)),
    }  # fmt: skip
    a, b = pairs[case]
    out = tmp_path / "out.png"
    result = run_cli(runner, db_url, "change", a, b, "--out", str(out))
    assert_one_line_error(result)
    assert needle in result.stderr
    assert not out.exists()


def test_align_reports_a_known_shift(
    runner: CliRunner, db_url: str, data_dir: Path, tmp_path: Path
) -> None:
    src_path = data_dir / "rasterio-rgb" / "RGB.byte.tif"
    shifted = tmp_path / "shifted.tif"
    with rasterio.open(src_path) as src:
        data = src.read()
        profile = src.profile
    # Content moved 3 px right and 2 px down on the same grid: the fix is (-2, -3).
    moved = np.zeros_like(data)
    moved[:, 2:, 3:] = data[:, :-2, :-3]
    with rasterio.open(shifted, "w", **profile) as dst:
        dst.write(moved)
    out = tmp_path / "aligned.tif"
    result = run_cli(
        runner, db_url, "align", str(src_path), str(shifted), "--out", str(out), "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dy_px"] == pytest.approx(-2, abs=0.1)
    assert report["dx_px"] == pytest.approx(-3, abs=0.1)
    assert out.exists()


@pytest.mark.slow
def test_eval_change_reports_pooled_and_per_pair_scores(
    runner: CliRunner, db_url: str, data_dir: Path
) -> None:
    result = run_cli(
        runner, db_url, "eval", "change", "--dataset", "airchange", "--method", "model", "--json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["pairs"]) == {f"szada/{i}" for i in range(1, 8)}
    assert "leave-one-pair-out" in report["how"]
    # Each pair is scored by the fold model that held it out.
    models = {name: s["model"] for name, s in report["pairs"].items()}
    assert len(set(models.values())) == 7
    assert 0.3 < report["overall"]["f1"] <= 1.0
    overall = report["overall"]
    assert overall["tp"] == sum(s["tp"] for s in report["pairs"].values())


@pytest.mark.slow
@pytest.mark.parametrize("family", ["auto", "vhr"])
def test_eval_change_leave_source_out_scores_each_source_with_a_model_that_never_saw_it(
    runner: CliRunner, db_url: str, data_dir: Path, family: str
) -> None:
    result = run_cli(runner, db_url, "eval", "change", "--dataset", "vhr", "--protocol",
                     "leave-source-out", "--bands", family, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["bands"] == ("vhr-trees" if family == "auto" else family)
    assert "leave-one-source-out" in report["how"]
    assert set(report["sources"]) == {"dsifn", "ncc", "szada"}
    assert report["not_scored"] == ["cdd"]  # no fold holds it out: it only trains
    manifest = {
        e["file"]: e
        for e in json.loads(
            (Path(__file__).parents[1] / "src/sitewatch/models/change/manifest.json").read_text()
        )["models"].values()
        if "file" in e
    }
    for name, s in report["pairs"].items():
        source = name.split("/")[0]
        entry = manifest[s["model"]]
        assert entry["family"] == report["bands"]
        assert entry["held_out_sources"] == [source]
        assert not any(p.startswith(f"{source}/") for p in entry["trained_on_pairs"])
    for s in report["sources"].values():
        lo, hi = s["f1_interval"]
        assert lo <= s["f1"] <= hi
        assert 0 < s["all_change_f1"] < 1


def test_eval_change_without_a_model_for_the_protocol_is_a_one_line_error(
    runner: CliRunner, db_url: str, data_dir: Path
) -> None:
    """The vhr pairs have no cross-validation folds, and OSCD has no source that a
    leave-source-out fold holds out: one line each, exit 2, no traceback."""
    from sitewatch.datasets.change import ChangePair
    from sitewatch.errors import ModelNotFoundError
    from sitewatch.evaluation.change import evaluate_change
    from sitewatch.geo.grid import GeoImage

    wrong = run_cli(runner, db_url, "eval", "change", "--dataset", "vhr")
    assert_one_line_error(wrong, "--protocol leave-source-out")
    image = GeoImage(
        pixels=np.zeros((3, 16, 16), dtype="float32"),
        mask=np.ones((16, 16), dtype=bool),
        band_names=("red", "green", "blue"),
    )
    city = ChangePair("oscd", "beirut", image, image, np.zeros((16, 16), dtype=bool), 10.0)
    with pytest.raises(ModelNotFoundError, match="holds out oscd"):
        evaluate_change([city], "model", "leave-source-out")
