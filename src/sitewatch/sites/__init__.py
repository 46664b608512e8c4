"""The watchlist: sites of interest, their zones, and GeoJSON in and out."""

from sitewatch.sites.watchlist import (
    SITE_KINDS,
    Site,
    Zone,
    builtin_sites,
    demo_sites,
    load_sites_file,
    sites_from_geojson,
    sites_to_geojson,
)

__all__ = [
    "SITE_KINDS",
    "Site",
    "Zone",
    "builtin_sites",
    "demo_sites",
    "load_sites_file",
    "sites_from_geojson",
    "sites_to_geojson",
]
