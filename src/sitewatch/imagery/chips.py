"""Site chips: a scene read over a site's area, on the site's own grid.

A chip is a :class:`~sitewatch.geo.GeoImage` on :func:`~sitewatch.geo.site_grid`
(local UTM, the scene's native GSD unless another is asked for), so two scenes
of a site compare pixel for pixel whatever their source grids were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rasterio.enums import Resampling

from sitewatch.errors import NoOverlapError
from sitewatch.geo.grid import GeoImage, Grid, site_grid
from sitewatch.imagery.provenance import verify_files
from sitewatch.imagery.raster import read_bands_to_grid
from sitewatch.imagery.scene import BandRef, Scene
from sitewatch.limits import check_grid
from sitewatch.sites.watchlist import Site

#: Bands read for a chip when none are asked for, in order of preference.
DEFAULT_CHIP_BANDS = ("red", "green", "blue", "nir", "swir16", "swir22")


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
    grid = site_grid(site.aoi, gsd)
    check_grid(
        grid.width, grid.height, f"a chip of site {site.id} at {gsd:g} m (use a coarser --gsd)"
    )
    return grid


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

    verify_files(scene)
    refs = chip_bands(scene, bands)
    grid = chip_grid(scene, site, refs, gsd)
    image = read_bands_to_grid(refs, grid, time=scene.time_utc, resampling=resampling)
    if not image.mask.any():
        raise NoOverlapError(
            f"scene {scene.id} holds no valid pixels over site {site.id} (all nodata there)"
        )
    return replace(image, meta={"scene": scene.id, "site": site.id})
