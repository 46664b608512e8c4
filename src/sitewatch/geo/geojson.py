"""GeoJSON per RFC 7946: reading with useful errors, writing in the conventions users expect.

Written geometries are lon/lat, exterior rings counter-clockwise and holes
clockwise (RFC 7946 section 3.1.6), and geometries that cross the antimeridian
are split into a MultiPolygon at 180 degrees (section 3.1.9).  Internally a
polygon that crosses the antimeridian is kept *unwrapped* (longitudes run past
180), which keeps areas and centroids right; :func:`wrap_antimeridian` and
:func:`unwrap_antimeridian` convert between the two forms.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from sitewatch.errors import InputNotFoundError, InvalidGeoJSONError

_WORLD = box(-180.0, -90.0, 180.0, 90.0)


#: Largest JSON file read (bytes); deeper nesting than Python's parser allows, or
#: integers longer than its digit limit, are refused as malformed.
MAX_JSON_BYTES = 256 * 1024 * 1024


def read_json(path: str | os.PathLike[str], what: str = "GeoJSON") -> Any:
    """Load a JSON file, turning IO, size, nesting and syntax problems into
    SitewatchErrors."""
    p = Path(path)
    if not p.exists():
        raise InputNotFoundError(f"{what} file not found: {p}")
    if p.is_file() and p.stat().st_size > MAX_JSON_BYTES:
        raise InvalidGeoJSONError(f"{p} is larger than {MAX_JSON_BYTES} bytes; not read")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except RecursionError:
        raise InvalidGeoJSONError(f"{p} nests JSON too deeply to be {what}") from None
    except IsADirectoryError:
        raise InvalidGeoJSONError(f"{p} is a folder, not a {what} file") from None
    except UnicodeDecodeError as exc:
        raise InvalidGeoJSONError(
            f"{p} is not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidGeoJSONError(
            f"{p} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except ValueError as exc:  # e.g. an integer past Python's digit limit
        raise InvalidGeoJSONError(f"{p} is not usable JSON: {exc}") from None


def geometry_from_geojson(obj: Any, where: str = "geometry") -> BaseGeometry:
    """Parse a GeoJSON geometry object, checking type, coordinates and validity."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise InvalidGeoJSONError(f"{where}: expected a GeoJSON geometry object with a 'type'")
    try:
        geom = shape(obj)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InvalidGeoJSONError(
            f"{where}: malformed {obj.get('type')} geometry ({exc})"
        ) from None
    except shapely.errors.ShapelyError as exc:  # unknown type, GEOS errors
        raise InvalidGeoJSONError(f"{where}: malformed geometry ({exc})") from None
    if geom.is_empty:
        raise InvalidGeoJSONError(f"{where}: geometry is empty")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InvalidGeoJSONError(f"{where}: coordinates must be finite numbers")
    minx, miny, maxx, maxy = geom.bounds
    if miny < -90 or maxy > 90 or minx < -180 or maxx > 180:
        raise InvalidGeoJSONError(
            f"{where}: coordinates out of lon/lat range ({minx:.4f}, {miny:.4f}, {maxx:.4f}, "
            f"{maxy:.4f}); RFC 7946 GeoJSON is longitude, latitude in WGS 84"
        )
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise InvalidGeoJSONError(f"{where}: invalid geometry ({reason})")
    return geom


def area_polygon_from_geojson(obj: Any, where: str = "geometry") -> Polygon:
    """Parse an area of interest: a Polygon, or a MultiPolygon split at the antimeridian."""
    geom = geometry_from_geojson(obj, where)
    if isinstance(geom, Polygon):
        return geom
    if isinstance(geom, MultiPolygon):
        merged = unwrap_antimeridian(geom)
        if isinstance(merged, Polygon):
            return merged
    raise InvalidGeoJSONError(
        f"{where}: an area of interest must be one Polygon (or a MultiPolygon split at the "
        f"antimeridian), got {geom.geom_type}"
    )


def unwrap_antimeridian(geom: MultiPolygon) -> BaseGeometry:
    """Join parts split at +/-180 into one geometry with longitudes past 180."""
    parts = list(geom.geoms)
    touches_east = any(p.bounds[2] >= 180.0 for p in parts)
    touches_west = any(p.bounds[0] <= -180.0 for p in parts)
    if not (touches_east and touches_west):
        return geom
    shifted = [translate(p, xoff=360.0) if p.bounds[2] <= 0.0 else p for p in parts]
    return shapely.union_all(shifted)


def wrap_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Split a geometry whose longitudes run past +/-180 into parts within [-180, 180]."""
    minx, _, maxx, _ = geom.bounds
    if minx >= -180.0 and maxx <= 180.0:
        return geom
    parts: list[BaseGeometry] = []
    for offset in (-360.0, 0.0, 360.0):
        piece = translate(geom, xoff=offset).intersection(_WORLD)
        if not piece.is_empty:
            parts.append(piece)
    polys: list[Polygon] = []
    for part in parts:
        polys.extend(p for p in getattr(part, "geoms", [part]) if isinstance(p, Polygon))
    return MultiPolygon(polys) if len(polys) > 1 else polys[0]


def rfc7946_geometry(geom: BaseGeometry, precision: int = 7) -> dict[str, Any]:
    """A GeoJSON geometry dict: split at the antimeridian, CCW exterior rings, rounded."""
    geom = wrap_antimeridian(geom)
    if precision:
        geom = shapely.set_precision(geom, 10.0**-precision)
    if isinstance(geom, Polygon):
        geom = orient(geom, 1.0)
    elif isinstance(geom, MultiPolygon):
        geom = MultiPolygon([orient(p, 1.0) for p in geom.geoms])
    return dict(mapping(geom))


def feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}
