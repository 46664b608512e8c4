"""The first activity figure (normalised change magnitude) and the per-site pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from pyproj import CRS

from sitewatch.activity.figures import change_magnitude
from sitewatch.errors import MissingBandError, NoOverlapError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.sources.files import FileSource
from sitewatch.pipeline.site import load_site, run_site
from sitewatch.sites.watchlist import demo_sites
from sitewatch.store import Store
from sitewatch.store.ingest import ingest

T = Affine(10, 0, 0, 0, -10, 0)
UTM = CRS.from_epsg(32636)


def _img(pixels: np.ndarray, names: tuple[str, ...] = ("red", "nir")) -> GeoImage:
    return GeoImage(pixels.astype("float32"), np.ones(pixels.shape[1:], bool), names, T, UTM)


def test_identical_and_rescaled_images_score_zero() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(100, 20, (2, 64, 64))
    assert change_magnitude(_img(a), _img(a)) == pytest.approx(0.0, abs=1e-9)
    # A brighter, higher-contrast copy (another sensor gain or season) is not change.
    assert change_magnitude(_img(a), _img(a * 1.7 + 30)) == pytest.approx(0.0, abs=1e-6)


def test_magnitude_grows_with_the_changed_area() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(100, 20, (2, 64, 64))
    scores = []
    for rows in (0, 8, 16, 32, 64):
        b = a.copy()
        b[:, :rows] = rng.normal(100, 20, (2, rows, 64))
        scores.append(change_magnitude(_img(a), _img(b)))
    assert scores == sorted(scores)
    assert scores[0] < 1e-9
    assert scores[-1] > 1.0


def test_masked_pixels_are_ignored_and_bands_must_match() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(100, 20, (2, 32, 32))
    b = a.copy()
    b[:, :4] = 5000.0  # garbage, but masked out
    mask = np.ones((32, 32), bool)
    mask[:4] = False
    masked = GeoImage(b.astype("float32"), mask, ("red", "nir"), T, UTM)
    assert change_magnitude(_img(a), masked) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(MissingBandError, match="share no band"):
        change_magnitude(_img(a), _img(a, ("b1", "b2")))
    empty = GeoImage(a.astype("float32"), np.zeros((32, 32), bool), ("red", "nir"), T, UTM)
    with pytest.raises(NoOverlapError):
        change_magnitude(_img(a), empty)


@pytest.mark.slow
def test_run_site_on_naip_series(data_dir: Path, store: Store) -> None:
    site = next(s for s in demo_sites() if s.id == "demo-naip-nd")
    store.add_site(site)
    ingest(FileSource(data_dir / "timeseries" / "naip", ["red", "green", "blue", "nir"]), store)
    run = run_site(store, site)
    assert run.scenes == 10
    assert len(run.new_chips) == 10
    assert not run.failures
    mags = [o for o in run.observations if o.figure == "change_magnitude"]
    assert len(mags) == 9
    # Per pair also the changed area; per date NDVI and brightness (10 m imagery: no counts).
    assert sum(o.figure == "changed_area" for o in run.observations) == 9
    assert sum(o.figure == "ndvi" for o in run.observations) == 10
    assert not any(o.figure.endswith("_count") for o in run.observations)
    stored = store.observations(site.id, "change_magnitude")
    assert [o.value for o in stored] == [o.value for o in mags]
    assert all(0.2 < o.value < 1.5 for o in stored)
    first = stored[0]
    assert (first.ref_scene_id, first.scene_id) == (
        "naip/m_4709963_se_14_1_20090818",
        "naip/m_4709963_se_14_1_20100629",
    )
    assert first.evidence["bands"] == ["red", "green", "blue", "nir"]
    view = load_site(store, site)
    assert len(view.chips) == 10
    assert len({chip.grid for chip in view.chips.values()}) == 1
    assert len(view.changes) == 9
    # Incremental: nothing new, nothing computed or added.
    again = run_site(store, site)
    assert (again.new_chips, again.new_pairs, again.observations) == ([], [], [])


def test_unreadable_scene_is_skipped_not_fatal(
    data_dir: Path, store: Store, tmp_path: Path
) -> None:
    import shutil

    folder = tmp_path / "naip"
    folder.mkdir()
    for p in sorted((data_dir / "timeseries" / "naip").glob("*.tif"))[:3]:
        shutil.copy(p, folder / p.name)
    site = next(s for s in demo_sites() if s.id == "demo-naip-nd")
    store.add_site(site)
    ingest(FileSource(folder, ["red", "green", "blue", "nir"]), store)
    victim = sorted(folder.glob("*.tif"))[1]
    victim.unlink()  # the file went away after ingest
    run = run_site(store, site)
    assert run.scenes == 3
    assert len(run.new_chips) == 2
    assert len(run.failures) == 1
    assert "not found" in run.failures[0][1]
    assert sum(o.figure == "change_magnitude" for o in run.observations) == 1
