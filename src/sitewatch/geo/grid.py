"""Georeferenced values passed between pipeline stages, and grid arithmetic.

:class:`GeoImage` is the one value object every stage takes and returns:
pixels, validity mask, affine transform, CRS, band names and acquisition time.
:class:`Grid` is a raster grid without pixels (CRS, transform, shape); a site's
grid is the local UTM grid that every scene of the site is resampled onto so
that two dates compare pixel for pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from sitewatch.errors import InvalidBBoxError, MissingBandError, NotGeoreferencedError

WGS84 = CRS.from_epsg(4326)
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Grid:
    """A raster grid: CRS, affine transform (pixel corner to CRS) and shape."""

    crs: CRS
    transform: Affine
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"grid must have a positive size, got {self.width}x{self.height}")

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the grid's CRS (north-up grids)."""
        left, top = self.transform @ (0, 0)
        right, bottom = self.transform @ (self.width, self.height)
        return (min(left, right), min(bottom, top), max(left, right), max(bottom, top))

    @property
    def res(self) -> tuple[float, float]:
        """Pixel size (x, y) in CRS units."""
        return (abs(self.transform.a), abs(self.transform.e))

    def footprint(self) -> Polygon:
        """The grid's outline in lon/lat (densified so curved edges stay close)."""
        return footprint_lonlat(self.crs, self.transform, self.width, self.height)


@dataclass(frozen=True, eq=False)
class GeoImage:
    """Pixels with everything needed to place them on the Earth.

    ``pixels`` has shape (bands, rows, cols); ``mask`` has shape (rows, cols)
    and is True where every band holds valid data.  ``transform`` and ``crs``
    are None for plain pixel grids (PNG/JPEG without georeference).
    """

    pixels: npt.NDArray[np.generic]
    mask: npt.NDArray[np.bool_]
    band_names: tuple[str, ...]
    transform: Affine | None = None
    crs: CRS | None = None
    time: datetime | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.pixels.ndim != 3:
            raise ValueError(f"pixels must be (bands, rows, cols), got shape {self.pixels.shape}")
        if self.mask.shape != self.pixels.shape[1:]:
            raise ValueError(
                f"mask shape {self.mask.shape} does not match pixels {self.pixels.shape[1:]}"
            )
        if len(self.band_names) != self.pixels.shape[0]:
            raise ValueError(f"{len(self.band_names)} band names for {self.pixels.shape[0]} bands")
        if (self.transform is None) != (self.crs is None):
            raise ValueError("transform and crs must both be given or both be None")

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (int(self.pixels.shape[1]), int(self.pixels.shape[2]))

    @property
    def is_georeferenced(self) -> bool:
        return self.crs is not None

    @property
    def grid(self) -> Grid:
        """The image's grid; raises NotGeoreferencedError for plain pixel grids."""
        if self.transform is None or self.crs is None:
            raise NotGeoreferencedError(
                "this image has no CRS or geotransform; use a GeoTIFF/COG or a STAC item"
            )
        return Grid(self.crs, self.transform, self.shape[1], self.shape[0])

    def band(self, name: str) -> npt.NDArray[np.generic]:
        """One band by name; raises MissingBandError listing the bands present."""
        try:
            idx = self.band_names.index(name)
        except ValueError:
            raise MissingBandError(
                f"band {name!r} is not in this image (bands: {', '.join(self.band_names)})"
            ) from None
        band: npt.NDArray[np.generic] = self.pixels[idx]
        return band

    def select(self, names: Sequence[str]) -> GeoImage:
        """A new image with only the named bands, in that order."""
        stack = np.stack([self.band(n) for n in names])
        return replace(self, pixels=stack, band_names=tuple(names), meta=dict(self.meta))

    def shared_bands(self, other: GeoImage) -> tuple[str, ...]:
        """Band names present in both images, in this image's order (may be empty)."""
        return tuple(b for b in self.band_names if b in other.band_names)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS containing a lon/lat point (UPS is not handled)."""
    if not -80.0 <= lat <= 84.0:
        raise ValueError(f"latitude {lat} is outside UTM coverage (80S to 84N)")
    infos = query_utm_crs_info(
        datum_name="WGS 84", area_of_interest=AreaOfInterest(lon, lat, lon, lat)
    )
    hemisphere = "N" if lat >= 0 else "S"
    for info in infos:
        if info.name.endswith(hemisphere):
            return CRS.from_epsg(int(info.code))
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def to_crs(geom: BaseGeometry, src: CRS, dst: CRS) -> BaseGeometry:
    """Reproject a shapely geometry (x/y axis order on both sides)."""
    tr = Transformer.from_crs(src, dst, always_xy=True)

    def project(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Any:
        return tr.transform(x, y)

    return shapely.transform(geom, project, interleaved=False)  # type: ignore[arg-type]


def site_grid(aoi_lonlat: Polygon, gsd: float) -> Grid:
    """The grid a site's scenes are resampled onto.

    Local UTM zone of the AOI's centroid, square pixels of ``gsd`` metres, and
    edges snapped outward to multiples of ``gsd`` so that the grid depends only
    on the AOI and the GSD: every scene of a site lands on the same grid.
    """
    if gsd <= 0:
        raise ValueError(f"gsd must be positive, got {gsd}")
    c = aoi_lonlat.centroid
    crs = utm_crs_for(c.x, c.y)
    projected = to_crs(shapely.segmentize(aoi_lonlat, 0.001), WGS84, crs)
    minx, miny, maxx, maxy = projected.bounds
    left = math.floor(minx / gsd) * gsd
    bottom = math.floor(miny / gsd) * gsd
    right = math.ceil(maxx / gsd) * gsd
    top = math.ceil(maxy / gsd) * gsd
    width = max(1, round((right - left) / gsd))
    height = max(1, round((top - bottom) / gsd))
    return Grid(crs, Affine(gsd, 0.0, left, 0.0, -gsd, top), width, height)


def footprint_lonlat(crs: CRS, transform: Affine, width: int, height: int) -> Polygon:
    """Outline of a raster in lon/lat, with edges densified before reprojection."""
    corners = [transform @ (0, 0), transform @ (width, 0), transform @ (width, height)]
    corners.append(transform @ (0, height))
    outline = Polygon(corners)
    if CRS(crs).equals(WGS84):
        return shapely.geometry.polygon.orient(outline, 1.0)
    xmin, ymin, xmax, ymax = outline.bounds
    dense = shapely.segmentize(outline, max(xmax - xmin, ymax - ymin) / 128.0)
    lonlat = to_crs(dense, CRS(crs), WGS84)
    assert isinstance(lonlat, Polygon)
    return shapely.geometry.polygon.orient(lonlat, 1.0)


def gsd_metres(crs: CRS, transform: Affine, width: int, height: int) -> float:
    """Ground sample distance in metres at the raster's centre (geometric mean of x and y)."""
    crs = CRS(crs)
    if crs.is_projected:
        # The pixel's area is the determinant's size, rotated or not.
        factor = crs.axis_info[0].unit_conversion_factor
        return math.sqrt(abs(transform.determinant)) * factor
    cx, cy = transform @ (width / 2.0, height / 2.0)
    x1, y1 = transform @ (width / 2.0 + 1.0, height / 2.0)
    x2, y2 = transform @ (width / 2.0, height / 2.0 + 1.0)
    _, _, dx = _GEOD.inv(cx, cy, x1, y1)
    _, _, dy = _GEOD.inv(cx, cy, x2, y2)
    return math.sqrt(dx * dy)


def check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    """A (west, south, east, north) lon/lat box, checked; InvalidBBoxError says what is
    wrong.  West east of east is a box across the antimeridian (RFC 7946, 5.2)."""
    if len(bbox) != 4:
        raise InvalidBBoxError(f"a bbox has 4 numbers (west, south, east, north), got {len(bbox)}")
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise InvalidBBoxError(
            f"{west:g},{south:g},{east:g},{north:g}: not a lon/lat box "
            "(W,S,E,N in degrees with S < N)"
        )
    if west == east:
        raise InvalidBBoxError(f"{west:g},{south:g},{east:g},{north:g}: a box with no width")
    return west, south, east, north


def bbox_polygon(bbox: Sequence[float]) -> Polygon:
    """A lon/lat polygon from a (west, south, east, north) box (see :func:`check_bbox`).
    A box across the antimeridian keeps its longitudes past 180 (179 to 181, not 358
    degrees the other way round), as sites are held; GeoJSON output splits it again."""
    west, south, east, north = check_bbox(bbox)
    return box(west, south, east + 360.0 if west > east else east, north)


def coverage_of(footprint: BaseGeometry, aoi: Polygon) -> float:
    """Fraction (0-1) of ``aoi`` inside ``footprint``; planar lon/lat areas, fine at site scale."""
    if not footprint.intersects(aoi):
        return 0.0
    return float(footprint.intersection(aoi).area / aoi.area)


#: Lambert cylindrical equal-area on the WGS 84 ellipsoid: areas are true everywhere.
_EQUAL_AREA = CRS.from_proj4("+proj=cea +lon_0=0 +lat_ts=0 +ellps=WGS84 +units=m +over")


def area_m2(geom: BaseGeometry) -> float:
    """Area on the WGS 84 ellipsoid of a lon/lat geometry, in square metres.

    Edges are straight lines in lon/lat, as RFC 7946 reads them (a box's edges follow
    parallels, and a box from pole to pole is the whole Earth); they are densified to
    0.01 degree and measured in a cylindrical equal-area projection (not wrapped at
    180 degrees, so sites held with longitudes past 180 measure right).
    """
    dense = shapely.segmentize(geom, 0.01)
    return abs(float(to_crs(dense, WGS84, _EQUAL_AREA).area))
