"""Chips: reading a scene onto a site's grid, COG/PNG output, and grid alignment."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import rasterio
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from sitewatch.errors import NoOverlapError
from sitewatch.geo.grid import site_grid
from sitewatch.imagery.chips import read_chip
from sitewatch.imagery.display import to_rgb8
from sitewatch.imagery.raster import write_cog
from sitewatch.imagery.sources.stac import StaticStacSource
from sitewatch.sites.watchlist import Site
from sitewatch.store import Store
from sitewatch.store.ingest import ingest
from tests.helpers import assert_one_line_error, run_cli

# OSCD cities whose two dates come on different source grids (shape and pixel size differ).
MISMATCHED = ("abudhabi", "hongkong", "saclay_e")


def _city_site(store: Store, city: str) -> Site:
    scenes = [e.scene for e in store.list_scenes() if e.scene.id.startswith(city + "_")]
    aoi = scenes[0].footprint.intersection(scenes[1].footprint).buffer(-0.002)
    site = Site(id=f"t-{city.replace('_', '-')}", name=city, kind="other", aoi=aoi)
    store.add_site(site)
    return site


@pytest.fixture(scope="module")
def oscd_store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("oscd") / "oscd.db"
    with Store(f"sqlite:///{db}") as store:
        ingest(StaticStacSource(data_dir / "oscd" / "catalog.json"), store)
        yield store


def _shift(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Translation of b relative to a by phase correlation with a parabolic sub-pixel peak."""
    fa, fb = np.fft.fft2(a - a.mean()), np.fft.fft2(b - b.mean())
    cross = fa.conj() * fb
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    iy, ix = np.unravel_index(int(np.argmax(corr)), corr.shape)

    def sub(c: npt.NDArray[np.float64], i: int, n: int) -> float:
        lo, mid, hi = c[(i - 1) % n], c[i], c[(i + 1) % n]
        denom = lo - 2 * mid + hi
        off = 0.5 * (lo - hi) / denom if denom else 0.0
        v = i + off
        return v - n if v > n / 2 else v

    return sub(corr[:, ix], int(iy), corr.shape[0]), sub(corr[iy, :], int(ix), corr.shape[1])


@pytest.mark.parametrize("city", MISMATCHED)
def test_mismatched_oscd_pairs_land_on_one_grid(oscd_store: Store, city: str) -> None:
    site = _city_site(oscd_store, city)
    first, second = sorted(
        (e.scene for e in oscd_store.list_scenes(site.id)), key=lambda s: s.datetime
    )
    with rasterio.open(first.band("red").href) as a, rasterio.open(second.band("red").href) as b:
        assert a.shape != b.shape  # the source grids really differ
    c1 = read_chip(first, site, ["red", "green", "blue", "nir"])
    c2 = read_chip(second, site, ["red", "green", "blue", "nir"])
    assert c1.grid == c2.grid
    assert c1.crs is not None
    assert c1.crs.to_epsg() in range(32601, 32661)
    assert c1.grid.res == (10.0, 10.0)
    left, _bottom, _, top = c1.grid.bounds
    assert left % 10 == 0
    assert top % 10 == 0
    assert c1.mask.mean() > 0.99
    assert c2.mask.mean() > 0.99
    # Same ground under the same pixel: the residual shift is sub-pixel to ~1 px
    # (OSCD's own pairs carry 0.2-1.0 px misregistration), never several pixels.
    dy, dx = _shift(c1.band("nir").astype("float64"), c2.band("nir").astype("float64"))
    assert math.hypot(dy, dx) < 1.5, (dy, dx)


def test_chip_covers_just_the_site(oscd_store: Store) -> None:
    beirut = oscd_store.get_scene("beirut_20150820")
    small = Site(
        id="t-port", name="Beirut port", kind="other", aoi=box(35.515, 33.900, 35.525, 33.905)
    )
    chip = read_chip(beirut, small)
    rows, cols = chip.shape
    # 0.005 x 0.01 degrees at 10 m, plus snapping and UTM grid convergence (~1.4 deg here)
    assert 55 <= rows <= 60
    assert 91 <= cols <= 96
    assert chip.band_names == ("red", "green", "blue", "nir", "swir16", "swir22")
    assert chip.time is not None
    assert chip.time.year == 2015


def test_chip_outside_scene_is_no_overlap(oscd_store: Store) -> None:
    beirut = oscd_store.get_scene("beirut_20150820")
    far = Site(id="t-far", name="far", kind="other", aoi=box(10, 10, 10.01, 10.01))
    with pytest.raises(NoOverlapError, match="does not cover site"):
        read_chip(beirut, far)


def test_cog_and_png_output(oscd_store: Store, tmp_path: Path) -> None:
    site = Site(id="t-port2", name="port", kind="other", aoi=box(35.50, 33.89, 35.53, 33.91))
    chip = read_chip(oscd_store.get_scene("beirut_20171003"), site, ["red", "green", "blue"])
    out = write_cog(chip, tmp_path / "chip.tif")
    with rasterio.open(out) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert ds.crs.to_epsg() == 32636
        assert ds.descriptions == ("red", "green", "blue")
        assert ds.tags()["ACQUISITIONDATETIME"] == "2017-10-03T10:00:00Z"
        np.testing.assert_array_equal(ds.read(), chip.pixels)
    rgb = to_rgb8(chip)
    assert rgb.dtype == np.uint8
    assert rgb.shape[2] == 3
    assert not list(tmp_path.glob(".chip*"))  # no temporary files left behind


def test_chip_cli(data_dir: Path, runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    run_cli(runner, db_url, "ingest", str(data_dir / "oscd" / "catalog.json"))
    run_cli(
        runner,
        db_url,
        "sites",
        "add",
        "bport",
        "--name",
        "Beirut port",
        "--bbox",
        "35.50,33.89,35.53,33.91",
    )

    def chip(scene: str, out: Path, *extra: str) -> Result:
        args = ["chip", "--site", "bport", "--scene", scene, "--out", str(out), *extra]
        return run_cli(runner, db_url, *args)

    png = tmp_path / "port.png"
    r = chip("beirut_20150820", png)
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tif = tmp_path / "port.tif"
    r = chip("beirut_20150820", tif, "--bands", "B08,B11", "--gsd", "20")
    assert r.exit_code == 0, r.output
    with rasterio.open(tif) as ds:
        assert ds.res == (20.0, 20.0)
        assert ds.count == 2
    assert_one_line_error(chip("dubai_20151211", tmp_path / "x.tif"), "does not cover site bport")
    assert_one_line_error(
        chip("beirut_20150820", tmp_path / "y.tif", "--bands", "B99"), "no band 'B99'"
    )
    assert_one_line_error(chip("nope", tmp_path / "z.tif"), "no scene 'nope'")
    listed = json.loads(
        run_cli(runner, db_url, "scenes", "list", "--site", "bport", "--json").stdout
    )
    assert sorted(s["id"] for s in listed) == ["beirut_20150820", "beirut_20171003"]
    assert all(s["sites"]["bport"] == pytest.approx(1.0) for s in listed)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    lon=st.floats(-179.0, 179.0),
    lat=st.floats(-79.0, 83.0),
    w=st.floats(0.001, 0.5),
    h=st.floats(0.001, 0.5),
    gsd=st.sampled_from([0.3, 0.5, 1.5, 5.0, 10.0, 30.0]),
)
@pytest.mark.slow
def test_site_grid_snaps_and_contains_the_aoi(
    lon: float, lat: float, w: float, h: float, gsd: float
) -> None:
    aoi = box(lon, lat, lon + w, lat + h)
    grid = site_grid(aoi, gsd)
    left, bottom, right, top = grid.bounds
    for edge in (left, bottom, right, top):
        assert abs(edge / gsd - round(edge / gsd)) < 1e-6
    assert grid.res == (gsd, gsd)
    # The grid's footprint holds the whole AOI (to 1e-6 degrees, about 0.1 m).
    assert grid.footprint().buffer(1e-6).contains(aoi)
    # And it is deterministic.
    assert site_grid(aoi, gsd) == grid


def test_read_image_plain_and_georeferenced(data_dir: Path) -> None:
    from sitewatch.errors import NotGeoreferencedError
    from sitewatch.imagery.raster import read_image

    png = read_image(data_dir / "airchange" / "szada" / "1" / "before.png")
    assert not png.is_georeferenced
    assert png.pixels.shape[0] == 3
    with pytest.raises(NotGeoreferencedError, match="no CRS or geotransform"):
        read_image(data_dir / "airchange" / "szada" / "1" / "before.png", require_georef=True)
    tif = read_image(data_dir / "rasterio-rgb" / "RGB.byte.tif", require_georef=True)
    assert tif.crs is not None
    assert tif.crs.to_epsg() == 32618
    assert tif.shape == (718, 791)
    assert 0.5 < tif.mask.mean() < 1.0  # nodata=0 collar is masked
