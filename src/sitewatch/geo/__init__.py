"""Georeferencing: the pixel grid, the georeferenced image that carries pixels between
stages, CRS helpers and GeoJSON (RFC 7946)."""

from sitewatch.geo.geojson import (
    area_polygon_from_geojson,
    feature_collection,
    geometry_from_geojson,
    read_json,
    rfc7946_geometry,
)
from sitewatch.geo.grid import (
    WGS84,
    GeoImage,
    Grid,
    area_m2,
    bbox_polygon,
    check_bbox,
    coverage_of,
    footprint_lonlat,
    gsd_metres,
    site_grid,
    to_crs,
    utm_crs_for,
)

__all__ = [
    "WGS84",
    "GeoImage",
    "Grid",
    "area_m2",
    "area_polygon_from_geojson",
    "bbox_polygon",
    "check_bbox",
    "coverage_of",
    "feature_collection",
    "footprint_lonlat",
    "geometry_from_geojson",
    "gsd_metres",
    "read_json",
    "rfc7946_geometry",
    "site_grid",
    "to_crs",
    "utm_crs_for",
]
