"""Read two images of one place onto one grid: GeoTIFF/COG, STAC item JSON, or PNG/JPEG.

Georeferenced inputs: the after image is warped onto the before image's grid,
whatever its CRS or resolution (only the window under that grid is read).  Plain
pixel grids (PNG/JPEG without georeference) must have equal sizes.  Mixing a
plain grid with a georeferenced image is refused: there is no way to place it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sitewatch.errors import (
    InputNotFoundError,
    InsufficientDataError,
    NoOverlapError,
    NotGeoreferencedError,
)
from sitewatch.geo.grid import GeoImage, Grid
from sitewatch.imagery.bands import plain_name
from sitewatch.imagery.chips import chip_bands
from sitewatch.imagery.raster import open_raster, read_bands_to_grid, read_image
from sitewatch.imagery.scene import BandRef, Scene
from sitewatch.imagery.sources.stac import read_stac, scene_from_item
from sitewatch.limits import check_grid, thread_map

_PLAIN = (".png", ".jpg", ".jpeg")


def _stac_scene(path: Path) -> Scene:
    import pystac

    obj = read_stac(str(path))
    if not isinstance(obj, pystac.Item):
        raise NotGeoreferencedError(f"{path} is a STAC {type(obj).__name__}, not an Item")
    return scene_from_item(obj, str(path))


def _file_bands(path: Path) -> list[BandRef]:
    with open_raster(str(path)) as src:
        return [
            BandRef(name=d or plain_name(i), href=str(path), index=i, common_name=d or None)
            for i, d in enumerate(src.descriptions, start=1)
        ]


def _bands(path: Path) -> tuple[list[BandRef], Scene | None]:
    if path.suffix.lower() == ".json":
        scene = _stac_scene(path)

        return chip_bands(scene), scene
    return _file_bands(path), None


def _native_grid(bands: Sequence[BandRef]) -> Grid:
    """The grid of the finest band (the first when several share the finest GSD)."""
    best: Grid | None = None
    for ref in bands:
        with open_raster(ref.href) as src:
            if src.crs is None:
                raise NotGeoreferencedError(f"{ref.href} has no CRS")
            grid = Grid(src.crs, src.transform, src.width, src.height)
            check_grid(src.width, src.height, f"reading the whole of {ref.href}")
        if best is None or grid.res[0] < best.res[0]:
            best = grid
    assert best is not None
    return best


def read_pair(
    before: str | os.PathLike[str], after: str | os.PathLike[str]
) -> tuple[GeoImage, GeoImage]:
    """Both images on the before image's grid (see module doc)."""
    paths = [Path(before), Path(after)]
    for p in paths:
        if not p.exists() and "://" not in str(p):
            raise InputNotFoundError(f"{p} does not exist")
    if all(p.suffix.lower() in _PLAIN for p in paths):
        a, b = thread_map(read_image, paths)
        if not a.is_georeferenced and not b.is_georeferenced:
            if a.shape != b.shape:
                raise NoOverlapError(
                    f"plain images must have equal sizes: {paths[0].name} is "
                    f"{a.shape[1]}x{a.shape[0]}, {paths[1].name} is {b.shape[1]}x{b.shape[0]}"
                )
            return a, b
    bands_a, scene_a = _bands(paths[0])
    bands_b, scene_b = _bands(paths[1])
    if scene_a is None:
        first = read_image(paths[0])
        if not first.is_georeferenced:
            raise NotGeoreferencedError(
                f"{paths[0]} has no georeference but {paths[1]} needs placing on its grid; "
                "give two georeferenced images, or two plain images of equal size"
            )
        image_a = first
    else:
        image_a = read_bands_to_grid(bands_a, _native_grid(bands_a), time=scene_a.time_utc)
    image_b = read_bands_to_grid(
        bands_b, image_a.grid, time=scene_b.time_utc if scene_b is not None else None
    )
    if not image_a.mask.any():
        raise InsufficientDataError(
            f"{paths[0]} holds no valid pixels (all nodata, NaN or infinite)"
        )
    if not (image_a.mask & image_b.mask).any():
        raise NoOverlapError(
            f"{paths[1]} does not overlap {paths[0]} with valid pixels (no common ground, "
            "or all nodata, NaN or infinite there)"
        )
    return image_a, image_b
