"""Co-registration: known shifts on real Sentinel-2 bands, refusal on too little data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import rasterio
from affine import Affine
from pyproj import CRS
from scipy import ndimage

from sitewatch.change.align import (
    Shift,
    apply_shift,
    coregister,
    coregister_local,
    estimate_shift,
    estimate_shift_field,
)
from sitewatch.errors import InsufficientDataError, UnconfirmedShiftError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.raster import read_image


def _b04(data_dir: Path, city: str) -> npt.NDArray[np.float64]:
    folder = sorted((data_dir / "oscd" / "cogs" / city).iterdir())[0]
    with rasterio.open(folder / "B04.tif") as src:
        return np.asarray(src.read(1), dtype="float64")


@pytest.mark.parametrize("city", ["beirut", "paris", "mumbai"])
@pytest.mark.parametrize(("dy", "dx"), [(1.37, -2.61), (-0.23, 0.48), (2.9, 2.9)])
def test_recovers_known_subpixel_shifts(data_dir: Path, city: str, dy: float, dx: float) -> None:
    ref = _b04(data_dir, city)
    moved = ndimage.shift(ref, (dy, dx), order=3, mode="reflect")
    shift = estimate_shift(ref, moved)
    # The shift to apply to the moving image undoes the one we made.
    assert shift.dy == pytest.approx(-dy, abs=0.1)
    assert shift.dx == pytest.approx(-dx, abs=0.1)
    assert shift.reliability > 0.8
    assert shift.valid_fraction == 1.0


def test_unrelated_images_have_low_reliability(data_dir: Path) -> None:
    a = _b04(data_dir, "beirut")[:256, :256]
    b = _b04(data_dir, "paris")[:256, :256]
    good = estimate_shift(a, ndimage.shift(a, (0.5, 0.5), order=3))
    bad = estimate_shift(a, b)
    assert bad.reliability < good.reliability - 0.3


def test_refuses_when_overlap_is_mostly_invalid(data_dir: Path) -> None:
    ref = _b04(data_dir, "beirut")
    mask = np.zeros(ref.shape, bool)
    mask[:40, :40] = True
    with pytest.raises(InsufficientDataError, match="valid in both images"):
        estimate_shift(ref, ref, mask, None)
    with pytest.raises(InsufficientDataError, match="16x16"):
        estimate_shift(ref[:10, :10], ref[:10, :10])


def test_coregister_geoimages_round_trip(data_dir: Path) -> None:
    ref = _b04(data_dir, "pisa")[:300, :300]
    t = Affine(10, 0, 600000, 0, -10, 4800000)
    crs = CRS.from_epsg(32632)
    full = np.ones(ref.shape, bool)
    reference = GeoImage(ref[None].astype("float32"), full, ("red",), t, crs)
    moved = ndimage.shift(ref, (-1.6, 0.7), order=3, mode="reflect")
    moving = GeoImage(moved[None].astype("float32"), full, ("red",), t, crs)
    aligned, shift = coregister(reference, moving)
    assert shift.magnitude == pytest.approx(np.hypot(1.6, 0.7), abs=0.1)
    inner = (slice(10, -10), slice(10, -10))
    before = np.abs(moved - ref)[inner].mean()
    aligned_red = np.asarray(aligned.band("red"), dtype="float64")
    after = np.abs(aligned_red - ref)[inner].mean()
    assert after < before / 4
    # The moving image is shifted down by ~1.6 rows: its top rows come from outside.
    assert shift.dy > 0
    assert not aligned.mask[0].any()
    assert aligned.mask[10:-10, 10:-10].all()
    assert aligned.meta["shift_dy"] == f"{shift.dy:.4f}"
    again = apply_shift(aligned, Shift(0.0, 0.0, 1.0, 1.0))
    np.testing.assert_allclose(
        np.asarray(again.band("red"), dtype="float64"), aligned_red, atol=1e-3
    )


def _rgb(path: Path) -> GeoImage:
    image = read_image(path)
    return GeoImage(image.pixels[:3].astype("float32"), image.mask, ("red", "green", "blue"))


def test_unconfirmed_global_shift_is_refused(data_dir: Path) -> None:
    """Szada pair 2 (fields ploughed and houses built between the dates): the whole
    window latches onto changed content, tens of pixels off, and no quadrant repeats
    it, so coregister refuses instead of misaligning the pair.  Pair 3 is confirmed."""
    pair = data_dir / "airchange" / "szada"
    before, after = _rgb(pair / "2" / "before.png"), _rgb(pair / "2" / "after.png")
    with pytest.raises(UnconfirmedShiftError, match="not confirmed by the window's quadrants"):
        coregister(before, after)
    before, after = _rgb(pair / "3" / "before.png"), _rgb(pair / "3" / "after.png")
    _, shift = coregister(before, after)
    assert shift.magnitude < 1.5


def _warp(
    ref: npt.NDArray[np.float64], dy: npt.NDArray[np.float64], dx: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``ref`` displaced by a per-pixel field: the shift that undoes it is (dy, dx)."""
    rows, cols = ref.shape
    yy, xx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    out: npt.NDArray[np.float64] = ndimage.map_coordinates(
        ref, [yy + dy, xx + dx], order=3, mode="nearest"
    )
    return out


def test_local_mode_recovers_a_varying_shift_and_rejects_water(data_dir: Path) -> None:
    """Beirut: a third of the scene is sea.  The field (up to 2.4 px, varying across the
    scene) is recovered, and no window over the sea is kept with a wrong shift."""
    ref = _b04(data_dir, "beirut")
    rows, cols = ref.shape
    yy, xx = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    true_dy = 0.8 + 1.2 * xx / cols + 0.4 * np.sin(3 * yy / rows)
    true_dx = -0.5 + 1.0 * yy / rows
    moved = _warp(ref, true_dy, true_dx)
    field = estimate_shift_field(ref, moved)
    dy, dx = field.full()
    inner = (slice(32, rows - 32), slice(32, cols - 32))
    err = np.hypot(dy - true_dy, dx - true_dx)[inner]
    assert float(np.sqrt(np.mean(err**2))) < 0.1
    assert float(err.max()) < 0.35
    kept = [p for p in field.points if p.accepted]
    worst = max(
        np.hypot(p.dy - true_dy[int(p.row), int(p.col)], p.dx - true_dx[int(p.row), int(p.col)])
        for p in kept
    )
    assert worst < 0.3
    reasons = {p.reason for p in field.points if not p.accepted}
    assert "low texture" in reasons  # the sea
    assert 0.5 < field.reliability < 1.0


def test_local_mode_on_geoimages_and_refusal(data_dir: Path) -> None:
    ref = _b04(data_dir, "paris")
    moved = ndimage.shift(ref, (0.7, -1.2), order=3, mode="nearest")
    crs, transform = CRS.from_epsg(32631), Affine(10, 0, 440000, 0, -10, 5420000)

    def image(a: npt.NDArray[np.float64]) -> GeoImage:
        return GeoImage(
            pixels=a[None].astype("float32"),
            mask=np.ones(a.shape, dtype=bool),
            band_names=("red",),
            transform=transform,
            crs=crs,
        )

    aligned, _field = coregister_local(image(ref), image(moved))
    globally, _ = coregister(image(ref), image(moved))
    inner = (slice(40, -40), slice(40, -40))

    def err(a: npt.NDArray[np.generic]) -> float:
        return float(np.abs(a[inner].astype("float64") - ref[inner]).mean())

    # As good as the global fix for a global shift (resampling twice costs the same),
    # and far better than no alignment.
    assert err(aligned.pixels[0]) < 1.1 * err(globally.pixels[0])
    assert err(aligned.pixels[0]) < 0.5 * err(moved)
    assert aligned.grid == image(ref).grid
    flat = np.full((200, 200), 7.0)
    with pytest.raises(InsufficientDataError):
        estimate_shift_field(flat, flat)
