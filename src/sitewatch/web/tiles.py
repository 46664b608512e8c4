"""Web-mercator XYZ tiles and previews of stored chip COGs, read with rio-tiler.

Chips are stretched for display per sensor: each chip's 2nd and 98th percentiles of
its true-colour bands (rio-tiler's statistics on the COG's overview), and per band the
median of those over the site's chips from the same platform.  Dates of one sensor look
alike (a change in brightness shows), and a 12-bit scene shows as well as an 8-bit
one.  Pixels outside the chip's valid mask are transparent.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

import numpy as np
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


def sensor_display(path: str, same_sensor: Sequence[str]) -> Display:
    """The stretch of ``path`` shared by every chip of its sensor at the site
    (``same_sensor``, which includes it): per band, the median of the chips' own
    percentiles, so one sensor's dates look alike and a change in brightness shows."""
    indexes, _ = display(path)
    ranges = [r for i, r in map(display, same_sensor) if i == indexes]
    if not ranges:
        return display(path)
    shared = tuple(
        (float(np.median([r[b][0] for r in ranges])), float(np.median([r[b][1] for r in ranges])))
        for b in range(len(indexes))
    )
    return indexes, shared


def chip_tile(
    path: str, z: int, x: int, y: int, fmt: str = "PNG", same_sensor: Sequence[str] = ()
) -> bytes:
    """One 256 px web-mercator tile of a chip (transparent outside it), stretched as its
    sensor's chips at the site are (see :func:`sensor_display`); NoOverlapError when the
    tile lies outside the chip."""
    indexes, ranges = sensor_display(path, same_sensor or [path])
    with Reader(path) as src:
        try:
            img = src.tile(x, y, z, indexes=indexes, tilesize=TILE_SIZE)
        except TileOutsideBounds:
            raise NoOverlapError(f"tile {z}/{x}/{y} is outside this chip") from None
    return _render(img.rescale(in_range=ranges), fmt)


def _render(img: ImageData, fmt: str) -> bytes:
    """Encode as ``fmt``, georeferenced so that GDAL has no missing transform to warn of."""
    return bytes(img.render(img_format=fmt, transform=img.transform, crs=img.crs))


def chip_preview(
    path: str, max_size: int = 1024, fmt: str = "PNG", same_sensor: Sequence[str] = ()
) -> bytes:
    """The whole chip as one picture, at most ``max_size`` px on its long side (the same
    stretch as its tiles)."""
    indexes, ranges = sensor_display(path, same_sensor or [path])
    with Reader(path) as src:
        img = src.preview(indexes=indexes, max_size=max_size)
    return _render(img.rescale(in_range=ranges), fmt)


def chip_bounds(path: str) -> tuple[float, float, float, float]:
    """The chip's (west, south, east, north) in lon/lat."""
    with Reader(path) as src:
        w, s, e, n = src.get_geographic_bounds(WGS84_CRS)
    return float(w), float(s), float(e), float(n)
