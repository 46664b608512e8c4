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

from sitewatch.align import Shift, apply_shift, coregister, estimate_shift
from sitewatch.errors import InsufficientDataError
from sitewatch.geo import GeoImage


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
