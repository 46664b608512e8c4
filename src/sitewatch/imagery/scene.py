"""Scene metadata: what an imagery source yields and the store records.

A :class:`Scene` is one acquisition: its id, UTC acquisition time, lon/lat
footprint, CRS, ground sample distance and a list of :class:`BandRef`, each
naming the file (or URL) and band index holding one spectral band.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Literal

import shapely
from shapely.geometry import Polygon, mapping, shape

from sitewatch.errors import InvalidSceneError, MissingBandError
from sitewatch.times import iso_utc, parse_iso_utc

#: STAC ``eo`` common band names (https://github.com/stac-extensions/eo).

TimePrecision = Literal["second", "day", "year"]


@dataclass(frozen=True)
class BandRef:
    """Where one band lives: a file or URL and a 1-based band index in it."""

    name: str
    href: str
    index: int = 1
    common_name: str | None = None
    gsd: float | None = None

    def matches(self, key: str) -> bool:
        k = key.lower()
        return self.name.lower() == k or (self.common_name or "").lower() == k

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "href": self.href,
            "index": self.index,
            "common_name": self.common_name,
            "gsd": self.gsd,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BandRef:
        return cls(
            name=str(d["name"]),
            href=str(d["href"]),
            index=int(d.get("index", 1)),
            common_name=d.get("common_name"),
            gsd=None if d.get("gsd") is None else float(d["gsd"]),
        )


#: Acquisition years accepted (imagery older or newer is a data error).
MIN_YEAR, MAX_YEAR = 1850, 2200


def check_footprint(scene_id: str, footprint: Polygon) -> None:
    """A footprint must be a valid, non-empty lon/lat polygon with finite coordinates."""
    if not isinstance(footprint, Polygon) or footprint.is_empty:
        raise InvalidSceneError(f"scene {scene_id}: footprint must be a non-empty polygon")
    w, s, e, n = footprint.bounds
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise InvalidSceneError(f"scene {scene_id}: footprint has non-finite coordinates")
    if not (-360 <= w <= e <= 360 and -90 <= s <= n <= 90):
        raise InvalidSceneError(
            f"scene {scene_id}: footprint bounds {(w, s, e, n)} are not lon/lat degrees"
        )
    if not footprint.is_valid:
        raise InvalidSceneError(f"scene {scene_id}: footprint is not a valid polygon")


@dataclass(frozen=True)
class Scene:
    """One acquisition of imagery, as recorded in the store."""

    id: str
    datetime: dt.datetime
    footprint: Polygon
    crs: str
    gsd: float
    bands: tuple[BandRef, ...]
    platform: str | None = None
    source: str = ""
    time_precision: TimePrecision = "second"
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidSceneError("a scene needs a non-empty id")
        if self.datetime.tzinfo is None:
            raise InvalidSceneError(f"scene {self.id}: acquisition time must be timezone-aware")
        if not self.bands:
            raise InvalidSceneError(f"scene {self.id}: has no image bands")
        if not (isinstance(self.gsd, float | int) and math.isfinite(self.gsd) and self.gsd > 0):
            raise InvalidSceneError(
                f"scene {self.id}: ground sample distance must be a positive number, "
                f"got {self.gsd!r}"
            )
        try:
            year = self.datetime.astimezone(UTC).year
        except OverflowError:
            year = self.datetime.year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidSceneError(
                f"scene {self.id}: acquisition time {self.datetime.isoformat()} is outside "
                f"{MIN_YEAR}-{MAX_YEAR}"
            )
        check_footprint(self.id, self.footprint)

    @property
    def time_utc(self) -> dt.datetime:
        return self.datetime.astimezone(UTC)

    def band(self, key: str) -> BandRef:
        """The band whose name or common name is ``key`` (case-insensitive)."""
        for b in self.bands:
            if b.matches(key):
                return b
        names = ", ".join(
            b.name + (f" ({b.common_name})" if b.common_name else "") for b in self.bands
        )
        raise MissingBandError(f"scene {self.id} has no band {key!r}; it has: {names}")

    def has_band(self, key: str) -> bool:
        return any(b.matches(key) for b in self.bands)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (footprint as GeoJSON, time as ISO 8601 UTC)."""
        return {
            "id": self.id,
            "datetime": iso_utc(self.datetime),
            "time_precision": self.time_precision,
            "platform": self.platform,
            "footprint": dict(mapping(self.footprint)),
            "crs": self.crs,
            "gsd": self.gsd,
            "bands": [b.to_dict() for b in self.bands],
            "source": self.source,
            "properties": self.properties,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Scene:
        geom = shape(d["footprint"])
        if not isinstance(geom, Polygon):
            hull = shapely.convex_hull(geom)
            assert isinstance(hull, Polygon)
            geom = hull
        return cls(
            id=str(d["id"]),
            datetime=parse_iso_utc(str(d["datetime"])),
            footprint=geom,
            crs=str(d["crs"]),
            gsd=float(d["gsd"]),
            bands=tuple(BandRef.from_dict(b) for b in d["bands"]),
            platform=d.get("platform"),
            source=str(d.get("source", "")),
            time_precision=d.get("time_precision", "second"),
            properties=dict(d.get("properties") or {}),
        )
