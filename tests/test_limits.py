"""Bounded memory and corrupt rasters: every raster command either answers or says in
one line what is wrong; inputs that would need gigabytes are refused before the memory
is asked for, checked in a child process under a 2 GiB address-space limit."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine
from click.testing import CliRunner
from pyproj import Transformer
from rasterio.errors import NotGeoreferencedWarning

from tests.helpers import assert_one_line_error, run_cli, write_tif

UTM = "EPSG:32636"
ORIGIN = (730000.0, 3750000.0)
TWO_GIB = 2 << 30


def _write(path: Path, data: np.ndarray[Any, Any], transform: Affine | None = None) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[2],
        height=data.shape[1],
        count=data.shape[0],
        dtype=data.dtype,
        crs=UTM,
        transform=transform or Affine(10, 0, ORIGIN[0], 0, -10, ORIGIN[1]),
    ) as dst:
        dst.write(data)
    return path


def _huge(path: Path) -> Path:
    """A 100,000 x 100,000 GeoTIFF of a few hundred kB (sparse: no block is written)."""
    profile = {"driver": "GTiff", "width": 100_000, "height": 100_000, "count": 3,
               "dtype": "uint8", "crs": UTM, "tiled": True, "sparse_ok": True,
               "transform": Affine(0.5, 0, ORIGIN[0], 0, -0.5, ORIGIN[1])}  # fmt: skip
    with rasterio.open(path, "w", **profile):
        pass
    return path


def _truncated(path: Path) -> Path:
    written = write_tif(path.with_suffix(".whole"), size=256)
    whole = written.read_bytes()
    written.unlink()
    path.write_bytes(whole[:4096])  # the header and the first rows only
    return path


def _zero_pixel_size(path: Path) -> Path:
    return _write(path, np.ones((3, 32, 32), "uint8"), Affine(0, 0, ORIGIN[0], 0, 0, ORIGIN[1]))


def _constant(value: float) -> Callable[[Path], Path]:
    return lambda path: _write(path, np.full((3, 32, 32), value, dtype="float32"))


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


CORRUPT: dict[str, tuple[Callable[[Path], Path], str]] = {
    "truncated": (_truncated, "cannot read"),
    "zero pixel size": (_zero_pixel_size, "zero or non-finite pixel size"),
    "all NaN": (_constant(float("nan")), "no valid pixels"),
    "all Inf": (_constant(float("inf")), "no valid pixels"),
    "empty file": (_empty, "cannot read"),
    "huge declared size": (_huge, "SITEWATCH_MAX_PIXELS"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_rasters_through_every_raster_command(
    case: str, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    make, why = CORRUPT[case]
    bad = make(tmp_path / "bad_20200102.tif")
    good = write_tif(tmp_path / "good.tif")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        as_before = run_cli(runner, db_url, "change", str(bad), str(good), "--out", "c.tif")
    assert_one_line_error(as_before, why)
    commands = [
        ["change", str(good), str(bad), "--out", str(tmp_path / "c.tif")],
        ["align", str(good), str(bad)],
    ]
    if case != "huge declared size":  # read window by window: bounded memory, hours of work
        commands.append(["detect", str(bad), "--out", str(tmp_path / "d.json"), "--gsd", "0.3"])
    for args in commands:
        result = run_cli(runner, db_url, *args)
        if result.exit_code == 0:
            # Only correct answers may succeed: nothing found in an image of no data, or
            # the huge image read only under the small one's grid.
            if args[0] == "detect":
                assert case in {"all NaN", "all Inf"}
                assert json.loads((tmp_path / "d.json").read_text())["features"] == []
            else:
                assert case == "huge declared size"
        else:
            assert_one_line_error(result)


@pytest.mark.parametrize("case", ["truncated", "all NaN", "all Inf"])
def test_a_corrupt_scene_fails_at_ingest_or_its_chip_in_one_line(
    case: str, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    make, _ = CORRUPT[case]
    folder = tmp_path / "scenes"
    folder.mkdir()
    make(folder / "bad_20200102.tif")
    ingested = run_cli(runner, db_url, "ingest", str(folder))
    if ingested.exit_code == 1:  # refused at ingest, with its reason: as good as at chip
        assert "bad_20200102.tif: cannot read" in ingested.stderr
        return
    assert ingested.exit_code == 0, ingested.output
    scene = json.loads(run_cli(runner, db_url, "scenes", "list", "--json").stdout)[0]["id"]
    west, south = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(
        ORIGIN[0] + 50, ORIGIN[1] - 250
    )
    bbox = f"{west},{south},{west + 0.002},{south + 0.002}"
    assert (
        run_cli(runner, db_url, "sites", "add", "s", "--name", "S", "--bbox", bbox).exit_code == 0
    )
    result = run_cli(runner, db_url, "chip", "--site", "s", "--scene", scene, "--out", "x.tif")
    assert_one_line_error(result)


def _limited(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``sitewatch ARGS`` in a child process that cannot map more than 2 GiB."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (TWO_GIB, TWO_GIB))

    return subprocess.run(
        [sys.executable, "-m", "sitewatch", "--db", str(cwd / "s.db"), *args],
        cwd=cwd,
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2"},
    )


def _detections(path: Path, n: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50_000, (n, 2))
    feats = [{"type": "Feature", "geometry": None,
              "properties": {"class": "vehicle", "score": 0.9,
                             "bbox_px": [x, y, x + 10, y + 10]}}
             for x, y in xy.tolist()]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


@pytest.mark.slow
def test_memory_cases_stay_under_two_gib(tmp_path: Path) -> None:
    # A 10 km site and a 10 m scene over it.
    west, south = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(*ORIGIN)
    write_tif(tmp_path / "scenes" / "wide_20200102.tif", size=1000,
              transform=Affine(10, 0, ORIGIN[0], 0, -10, ORIGIN[1] + 10_000))  # fmt: skip
    huge, png = _huge(tmp_path / "huge.tif"), tmp_path / "small.png"
    rgb = np.random.default_rng(0).integers(0, 255, (3, 64, 64), dtype="uint8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(
            png, "w", driver="PNG", width=64, height=64, count=3, dtype="uint8"
        ) as d:
            d.write(rgb)
    before = _detections(tmp_path / "a.geojson", 20_000, 1)
    after = _detections(tmp_path / "b.geojson", 20_000, 2)
    setup = [
        ["sites", "add", "wide", "--name", "Wide",
         "--bbox", f"{west + 0.005},{south + 0.005},{west + 0.1},{south + 0.085}"],
        ["ingest", str(tmp_path / "scenes")],
    ]  # fmt: skip
    for args in setup:
        done = _limited(args, tmp_path)
        assert done.returncode == 0, done.stderr
    scene = json.loads(_limited(["scenes", "list", "--json"], tmp_path).stdout)[0]["id"]
    refused = {
        "chip at 1 m over 10 km": ["chip", "--site", "wide", "--scene", scene, "--gsd", "1",
                                   "--out", "c.tif"],
        "chip at 1 mm": ["chip", "--site", "wide", "--scene", scene, "--gsd", "0.001",
                         "--out", "c.tif"],
        "change of a huge image": ["change", str(huge), str(huge), "--out", "c.tif"],
        "align of a huge image": ["align", str(huge), str(huge)],
        "detect at 1 km pixels": ["detect", str(png), "--gsd", "1000", "--out", "d.json"],
    }  # fmt: skip
    for case, args in refused.items():
        done = _limited(args, tmp_path)
        assert done.returncode == 2, (case, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, (case, lines)
        assert lines[0].startswith("error: "), (case, lines)
    moved = _limited(["movement", str(before), str(after), "--gsd", "0.3", "--json"], tmp_path)
    assert moved.returncode == 0, moved.stderr
    assert json.loads(moved.stdout)["counts"]["vehicle"]["before"] == 20_000


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_thread_map_keeps_order_and_raises(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    from sitewatch.limits import thread_map

    monkeypatch.setenv("SITEWATCH_THREADS", threads)
    assert thread_map(lambda x: x * x, range(7)) == [x * x for x in range(7)]
    assert thread_map(lambda x: x, []) == []

    def fail_on_three(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x

    with pytest.raises(ValueError, match="three"):
        thread_map(fail_on_three, range(5))


def test_plain_images_are_read_and_written_on_many_threads(tmp_path: Path) -> None:
    """Reading and writing plain (ungeoreferenced) images silences rasterio's warning with
    warnings.catch_warnings, which is not thread-safe: without a lock around it, threads
    let each other's warning through (an error under this suite's warning filter)."""
    from concurrent.futures import ThreadPoolExecutor

    from sitewatch.geo.grid import GeoImage
    from sitewatch.imagery.raster import read_image, write_mask

    like = GeoImage(np.zeros((1, 8, 8), dtype="uint8"), np.ones((8, 8), dtype=bool), ("b1",))

    def write_then_read(i: int) -> tuple[int, int]:
        path = write_mask(np.eye(8, dtype=bool), tmp_path / f"m{i % 16}-{i}.png", like)
        return read_image(path).shape

    with ThreadPoolExecutor(4) as pool:
        shapes = list(pool.map(write_then_read, range(600)))
    assert shapes == [(8, 8)] * 600


def test_onnx_sessions_follow_sitewatch_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """onnxruntime runs on SITEWATCH_THREADS intra-op threads unless told otherwise."""
    from sitewatch.change.models import named_model
    from sitewatch.inference import onnx_session

    path = str(named_model("vhr-all").path)
    for value in ("1", "3"):
        monkeypatch.setenv("SITEWATCH_THREADS", value)
        options = onnx_session(path).get_session_options()
        assert options.intra_op_num_threads == int(value)
    assert onnx_session(path, 2).get_session_options().intra_op_num_threads == 2
