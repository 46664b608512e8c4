"""Web-mercator XYZ tiles and previews of stored chip COGs, read with rio-tiler.

Each chip is stretched for display between the 2nd and 98th percentiles of its own
true-colour bands (rio-tiler's statistics on the COG's overview), so dates of one
sensor look alike and a 12-bit scene shows as well as an 8-bit one.  Pixels outside
the chip's valid mask are transparent.
"""

from __future__ import annotations

import functools
import os

from rio_tiler.constants import WGS84_CRS
from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from sitewatch.errors import MissingBandError, NoOverlapError
from sitewatch.imagery.bands import TRUE_COLOUR

#: Percentiles of a chip's pixels that map to 0 and 255.
STRETCH = (2, 98)
TILE_SIZE = 256


def _rgb_indexes(path: str) -> tuple[int, int, int]:
    with Reader(path) as src:
        names = [d or "" for d in src.dataset.descriptions]
        count = src.dataset.count
    if all(b in names for b in TRUE_COLOUR):
        r, g, b = (names.index(n) + 1 for n in TRUE_COLOUR)
        return r, g, b
    if count >= 3:
        return 1, 2, 3
    if count >= 1:
        return 1, 1, 1
    raise MissingBandError(f"{path} has no bands to show")


#: The bands shown (1-based indexes) and each one's (low, high) stretch.
Display = tuple[tuple[int, int, int], tuple[tuple[float, float], ...]]


@functools.lru_cache(maxsize=512)
def _display(path: str, mtime: float) -> Display:
    """The bands shown and their stretch, cached per file version."""
    indexes = _rgb_indexes(path)
    with Reader(path) as src:
        stats = src.statistics(indexes=indexes, percentiles=list(STRETCH))
    ranges = []
    for band in stats.values():
        lo, hi = band.percentile_2, band.percentile_98
        ranges.append((float(lo), float(hi) if hi > lo else float(lo) + 1.0))
    return indexes, tuple(ranges)


def display(path: str) -> Display:
    return _display(path, os.stat(path).st_mtime)


def chip_tile(path: str, z: int, x: int, y: int, fmt: str = "PNG") -> bytes:
    """One 256 px web-mercator tile of a chip (transparent outside it); NoOverlapError
    when the tile lies outside the chip."""
    indexes, ranges = display(path)
    with Reader(path) as src:
        try:
            img = src.tile(x, y, z, indexes=indexes, tilesize=TILE_SIZE)
        except TileOutsideBounds:
            raise NoOverlapError(f"tile {z}/{x}/{y} is outside this chip") from None
    return _render(img.rescale(in_range=ranges), fmt)


def _render(img: ImageData, fmt: str) -> bytes:
    """Encode as ``fmt``, georeferenced so that GDAL has no missing transform to warn of."""
    return bytes(img.render(img_format=fmt, transform=img.transform, crs=img.crs))


def chip_preview(path: str, max_size: int = 1024, fmt: str = "PNG") -> bytes:
    """The whole chip as one picture, at most ``max_size`` px on its long side."""
    indexes, ranges = display(path)
    with Reader(path) as src:
        img = src.preview(indexes=indexes, max_size=max_size)
    return _render(img.rescale(in_range=ranges), fmt)


def chip_bounds(path: str) -> tuple[float, float, float, float]:
    """The chip's (west, south, east, north) in lon/lat."""
    with Reader(path) as src:
        w, s, e, n = src.get_geographic_bounds(WGS84_CRS)
    return float(w), float(s), float(e), float(n)
