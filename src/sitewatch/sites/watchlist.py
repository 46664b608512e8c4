"""The watchlist: sites of interest, their areas and zones, and GeoJSON import/export."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

from shapely.geometry import Polygon

from sitewatch.errors import InvalidGeoJSONError, InvalidSiteError
from sitewatch.geo.geojson import (
    area_polygon_from_geojson,
    feature_collection,
    read_json,
    rfc7946_geometry,
)

SITE_KINDS: Final = ("missile-production", "launch-site", "nuclear", "airbase", "other")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Zone:
    """A named part of a site (e.g. "assembly hall", "parking"), inside its AOI."""

    name: str
    geometry: Polygon


@dataclass(frozen=True)
class Site:
    """One watched site. ``aoi`` is a lon/lat polygon (unwrapped across the antimeridian)."""

    id: str
    name: str
    kind: str
    aoi: Polygon
    country: str = ""
    aliases: tuple[str, ...] = ()
    zones: tuple[Zone, ...] = ()
    notes: str = ""
    location_source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _ID_RE.fullmatch(self.id):
            raise InvalidSiteError(
                f"site id {self.id!r} is invalid: use 1-64 lower-case letters, digits, '-' or '_'"
            )
        if not self.name.strip():
            raise InvalidSiteError(f"site {self.id!r} has no name")
        if self.kind not in SITE_KINDS:
            raise InvalidSiteError(
                f"site {self.id!r} has kind {self.kind!r}; choose one of {', '.join(SITE_KINDS)}"
            )
        if self.aoi.is_empty or not self.aoi.is_valid or self.aoi.area == 0:
            raise InvalidSiteError(f"site {self.id!r} has an empty or invalid area of interest")
        for zone in self.zones:
            if not zone.geometry.intersects(self.aoi):
                raise InvalidSiteError(
                    f"zone {zone.name!r} of site {self.id!r} lies outside the site's area"
                )

    @property
    def names(self) -> tuple[str, ...]:
        """Name followed by aliases, for matching text against the watchlist."""
        return (self.name, *self.aliases)

    def to_feature(self) -> dict[str, Any]:
        """The site as an RFC 7946 GeoJSON Feature."""
        props: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "country": self.country,
            "aliases": list(self.aliases),
            "notes": self.notes,
            "location_source": self.location_source,
            "zones": [
                {"name": z.name, "geometry": rfc7946_geometry(z.geometry)} for z in self.zones
            ],
            **self.extra,
        }
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": rfc7946_geometry(self.aoi),
            "properties": props,
        }

    @classmethod
    def from_feature(cls, feature: Any, where: str = "feature") -> Site:
        """Build a site from a GeoJSON Feature, with errors that name the bad field."""
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidGeoJSONError(f"{where}: expected a GeoJSON Feature")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InvalidGeoJSONError(f"{where}: 'properties' must be an object")
        site_id = props.get("id", feature.get("id"))
        if not isinstance(site_id, str | int) or str(site_id) == "":
            raise InvalidGeoJSONError(f"{where}: needs an 'id' (in properties or on the feature)")
        where = f"{where} (site {site_id})"
        name = props.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidGeoJSONError(f"{where}: needs a 'name' property")
        aoi = area_polygon_from_geojson(feature.get("geometry"), f"{where} geometry")
        zones = []
        raw_zones: Any = props.get("zones") or []
        if not isinstance(raw_zones, list):
            raise InvalidGeoJSONError(f"{where}: 'zones' must be a list of {{name, geometry}}")
        for i, z in enumerate(raw_zones):
            if not isinstance(z, dict) or not isinstance(z.get("name"), str):
                raise InvalidGeoJSONError(f"{where}: zone {i} needs a 'name' and a 'geometry'")
            zones.append(
                Zone(z["name"], area_polygon_from_geojson(z.get("geometry"), f"{where} zone {i}"))
            )
        aliases = props.get("aliases") or []
        if isinstance(aliases, str):
            aliases = [a.strip() for a in aliases.split(",") if a.strip()]
        known = {"id", "name", "kind", "country", "aliases", "notes", "location_source", "zones"}
        return cls(
            id=str(site_id),
            name=name.strip(),
            kind=str(props.get("kind", "other")),
            aoi=aoi,
            country=str(props.get("country") or ""),
            aliases=tuple(str(a) for a in aliases),
            zones=tuple(zones),
            notes=str(props.get("notes") or ""),
            location_source=str(props.get("location_source") or ""),
            extra={k: v for k, v in props.items() if k not in known},
        )


def sites_to_geojson(sites: list[Site]) -> dict[str, Any]:
    """A FeatureCollection of sites (RFC 7946)."""
    return feature_collection([s.to_feature() for s in sites])


def sites_from_geojson(obj: Any, where: str = "GeoJSON") -> list[Site]:
    """Parse a FeatureCollection (or one Feature) of sites; ids must be unique."""
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        features: Any = [obj]
    elif isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise InvalidGeoJSONError(f"{where}: FeatureCollection has no 'features' list")
    else:
        raise InvalidGeoJSONError(f"{where}: expected a FeatureCollection or a Feature of sites")
    sites: list[Site] = []
    seen: set[str] = set()
    for i, feat in enumerate(features):
        try:
            site = Site.from_feature(feat, f"{where} feature {i}")
        except InvalidSiteError as exc:
            raise InvalidGeoJSONError(f"{where} feature {i}: {exc}") from None
        if site.id in seen:
            raise InvalidGeoJSONError(f"{where}: site id {site.id!r} appears twice")
        seen.add(site.id)
        sites.append(site)
    if not sites:
        raise InvalidGeoJSONError(f"{where}: contains no sites")
    return sites


def load_sites_file(path: str) -> list[Site]:
    """Read sites from a GeoJSON file."""
    return sites_from_geojson(read_json(path), str(path))


def _packaged(name: str) -> list[Site]:
    text = resources.files("sitewatch.data").joinpath(name).read_text(encoding="utf-8")
    return sites_from_geojson(json.loads(text), f"sitewatch/data/{name}")


def builtin_sites() -> list[Site]:
    """Sanumdong, Sohae and Yongbyon, with cited locations (``data/sites.geojson``)."""
    return _packaged("sites.geojson")


def demo_sites() -> list[Site]:
    """Demo sites over the sample imagery (OSCD cities, NAIP and Landsat series)."""
    return _packaged("demo_sites.geojson")
