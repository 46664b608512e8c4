"""Missile reach: geodesic range rings from a site, places in range, CONUS coverage."""

from sitewatch.reach.ranges import (
    KM_PER_MILE,
    Target,
    distance_km,
    find_target,
    in_range,
    range_ring,
    reach_report,
)

__all__ = [
    "KM_PER_MILE",
    "Target",
    "distance_km",
    "find_target",
    "in_range",
    "range_ring",
    "reach_report",
]
