"""Site chips: a scene read over a site's area, on the site's own grid.

A chip is a :class:`~sitewatch.geo.GeoImage` on :func:`~sitewatch.geo.site_grid`
(local UTM, the scene's native GSD unless another is asked for), so two scenes
of a site compare pixel for pixel whatever their source grids were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from rasterio.enums import Resampling

from sitewatch.errors import MissingBandError, NoOverlapError
from sitewatch.geo import GeoImage, Grid, site_grid
from sitewatch.scene import BandRef, Scene
from sitewatch.sites import Site

#: Bands read for a chip when none are asked for, in order of preference.
DEFAULT_CHIP_BANDS = ("red", "green", "blue", "nir", "swir16", "swir22")
TRUE_COLOUR = ("red", "green", "blue")


def chip_bands(scene: Scene, bands: Sequence[str] | None = None) -> list[BandRef]:
    """The scene's bands to read: those asked for, else the usual optical set, else all."""
    if bands:
        return [scene.band(b) for b in bands]
    chosen = [scene.band(b) for b in DEFAULT_CHIP_BANDS if scene.has_band(b)]
    return chosen or list(scene.bands)


def chip_grid(scene: Scene, site: Site, bands: Sequence[BandRef], gsd: float | None = None) -> Grid:
    """The site grid at ``gsd`` or, by default, the finest native GSD of the chosen bands."""
    if gsd is None:
        native = [b.gsd for b in bands if b.gsd]
        gsd = min(native) if native else scene.gsd
    return site_grid(site.aoi, gsd)


def read_chip(
    scene: Scene,
    site: Site,
    bands: Sequence[str] | None = None,
    gsd: float | None = None,
    resampling: Resampling = Resampling.bilinear,
) -> GeoImage:
    """Read ``scene`` over ``site`` onto the site grid."""
    if not scene.footprint.intersects(site.aoi):
        raise NoOverlapError(
            f"scene {scene.id} does not cover site {site.id}; "
            f"list the scenes that do with `sitewatch scenes list --site {site.id}`"
        )
    from sitewatch.raster import read_bands_to_grid

    refs = chip_bands(scene, bands)
    grid = chip_grid(scene, site, refs, gsd)
    image = read_bands_to_grid(refs, grid, time=scene.time_utc, resampling=resampling)
    if not image.mask.any():
        raise NoOverlapError(
            f"scene {scene.id} holds no valid pixels over site {site.id} (all nodata there)"
        )
    return replace(image, meta={"scene": scene.id, "site": site.id})


def display_bands(image: GeoImage) -> tuple[str, ...]:
    """Bands for a picture: true colour when red, green and blue exist, else the first three."""
    if all(b in image.band_names for b in TRUE_COLOUR):
        return TRUE_COLOUR
    if image.pixels.shape[0] >= 3:
        return image.band_names[:3]
    return (image.band_names[0],) * 3


def to_rgb8(
    image: GeoImage, bands: Sequence[str] | None = None, percentiles: tuple[float, float] = (2, 98)
) -> npt.NDArray[np.uint8]:
    """An 8-bit RGB picture, each band stretched between percentiles of its valid pixels.

    Masked pixels become transparent (an RGBA array is returned when any are masked).
    """
    names = tuple(bands) if bands else display_bands(image)
    if len(names) != 3:
        raise MissingBandError(f"a picture needs three bands, got {len(names)}")
    rows, cols = image.shape
    rgb = np.zeros((rows, cols, 3), dtype=np.uint8)
    valid = image.mask
    for i, name in enumerate(names):
        band = image.band(name).astype("float64")
        if valid.any():
            lo, hi = np.percentile(band[valid], percentiles)
        else:
            lo, hi = 0.0, 1.0
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        rgb[..., i] = np.clip((band - lo) * scale, 0, 255).astype(np.uint8)
    if valid.all():
        return rgb
    alpha = np.where(valid, 255, 0).astype(np.uint8)
    return np.dstack([rgb, alpha])
