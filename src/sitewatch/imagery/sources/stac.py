"""STAC sources: a static catalog/collection/item on disk, and a STAC API (pystac-client).

Bands are taken from each data asset's ``eo:bands`` (STAC 1.0) or ``bands``
(STAC 1.1) list, keyed by band name and ``common_name`` so that a request for
"red" finds ``B04`` on Sentinel-2 and ``red`` on Earth Search alike.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pystac
import shapely
from pystac.stac_io import DefaultStacIO
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from sitewatch.errors import EmptyCatalogError, InvalidSceneError, NotImageryError, SourceError
from sitewatch.geo.geojson import unwrap_antimeridian
from sitewatch.geo.grid import bbox_polygon, gsd_metres
from sitewatch.imagery.bands import common_name
from sitewatch.imagery.raster import open_raster
from sitewatch.imagery.scene import BandRef, Scene
from sitewatch.imagery.sources.base import ImagerySource
from sitewatch.network import (
    check_url,
    connect_timeout,
    is_url,
    local_path,
    max_json_bytes,
    read_timeout,
    urlopen,
)

log = logging.getLogger(__name__)

_IMAGE_TYPES = ("image/tiff", "image/jp2", "image/vnd.stac.geotiff", "application/x-geotiff")
#: What pystac and shapely raise on a malformed document (pystac's errors are not
#: ValueErrors); each becomes one failed item.
_READ_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
    ShapelyError,
    pystac.STACError,
    pystac.errors.STACTypeError,
    pystac.errors.DuplicateObjectKeyError,
    pystac.errors.RequiredPropertyMissing,
    pystac.errors.ExtensionTypeError,
    pystac.errors.ExtensionNotImplemented,
)


def _asset_bands(asset: pystac.Asset) -> list[dict[str, Any]]:
    fields = asset.extra_fields
    bands = fields.get("eo:bands") or fields.get("bands") or []
    return [b for b in bands if isinstance(b, dict)]


def _is_image_asset(key: str, asset: pystac.Asset) -> bool:
    roles = asset.roles or []
    if any(r in roles for r in ("thumbnail", "overview", "metadata")):
        return False
    media = (asset.media_type or "").lower()
    if media and not any(media.startswith(t) for t in _IMAGE_TYPES):
        return False
    return "data" in roles or bool(_asset_bands(asset)) or media.startswith("image/tiff")


def _gsd(value: Any, item_id: str) -> float | None:
    """A ``gsd`` field: None when absent, else a positive finite number or refused."""
    if value is None:
        return None
    try:
        gsd = float(value)
    except (TypeError, ValueError):
        gsd = math.nan
    if not math.isfinite(gsd) or gsd <= 0:
        raise InvalidSceneError(f"STAC item {item_id}: gsd {value!r} is not a positive number")
    return gsd


def item_bands(item: pystac.Item) -> tuple[BandRef, ...]:
    """One BandRef per band of each image asset; single-band assets win name clashes."""
    item_gsd = item.properties.get("gsd")
    single: list[BandRef] = []
    multi: list[BandRef] = []
    for key, asset in item.assets.items():
        if not _is_image_asset(key, asset):
            continue
        href = asset.get_absolute_href() or asset.href
        gsd = _gsd(asset.extra_fields.get("gsd", item_gsd), item.id)
        bands = _asset_bands(asset)
        if len(bands) <= 1:
            info = bands[0] if bands else {}
            common = info.get("common_name") or info.get("eo:common_name")
            if common is None:
                common = common_name(key)
            single.append(BandRef(str(info.get("name") or key), href, 1, common, gsd))
        else:
            for i, info in enumerate(bands):
                common = info.get("common_name") or info.get("eo:common_name")
                name = str(info.get("name") or f"{key}_{i + 1}")
                multi.append(BandRef(name, href, i + 1, common, gsd))
    refs = list(single)
    for ref in multi:
        if not any(
            r.matches(ref.name) or (ref.common_name and r.matches(ref.common_name)) for r in refs
        ):
            refs.append(ref)
    return tuple(refs)


def _footprint(item: pystac.Item) -> Polygon:
    if item.geometry:
        geom: BaseGeometry = shape(item.geometry)
        if not shapely.is_valid(geom):
            # A self-intersecting ring (a "bow tie") is mended, not stored as it is:
            # every later overlap test would fail on it.
            geom = shapely.make_valid(geom)
            parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
            geom = MultiPolygon(parts) if len(parts) > 1 else parts[0] if parts else geom
        if isinstance(geom, MultiPolygon):
            geom = unwrap_antimeridian(geom)
        if not isinstance(geom, Polygon):
            geom = shapely.convex_hull(geom)
        if not isinstance(geom, Polygon):
            raise InvalidSceneError(f"STAC item {item.id} has a degenerate geometry")
        return geom
    if item.bbox:
        return bbox_polygon(item.bbox[:2] + item.bbox[-2:] if len(item.bbox) == 6 else item.bbox)
    raise InvalidSceneError(f"STAC item {item.id} has neither geometry nor bbox")


def _crs_and_gsd(item: pystac.Item, bands: Sequence[BandRef]) -> tuple[str, float]:
    """CRS and GSD from ``proj:*`` and ``gsd`` fields, opening the first band only if needed."""
    props = item.properties
    crs = props.get("proj:code")
    if crs is None and props.get("proj:epsg") is not None:
        crs = f"EPSG:{props['proj:epsg']}"
    if crs is None and props.get("proj:wkt2"):
        crs = str(props["proj:wkt2"])
    native = [b.gsd for b in bands if b.gsd]
    gsd = min(native) if native else None
    if crs is not None and gsd is not None:
        return str(crs), float(gsd)

    with open_raster(bands[0].href) as src:
        if src.crs is None:
            raise InvalidSceneError(f"STAC item {item.id}: band {bands[0].href} has no CRS")
        return (
            str(crs) if crs is not None else src.crs.to_string(),
            float(gsd)
            if gsd is not None
            else gsd_metres(src.crs, src.transform, src.width, src.height),
        )


def scene_from_item(item: pystac.Item, source: str) -> Scene:
    """Turn a STAC item into a Scene; raises InvalidSceneError naming what is missing or
    malformed (a bad value in one item never escapes as another error)."""
    try:
        return _scene_from_item(item, source)
    except _READ_ERRORS as exc:
        if isinstance(exc, InvalidSceneError | NotImageryError):
            raise
        raise _item_error(item.id, exc) from None


def _scene_from_item(item: pystac.Item, source: str) -> Scene:
    if item.properties.get("sitewatch:product") == "change":
        raise NotImageryError(f"STAC item {item.id} is a SiteWatch change product, not imagery")
    when = item.datetime or item.common_metadata.start_datetime
    if when is None:
        raise InvalidSceneError(f"STAC item {item.id} has no datetime or start_datetime")
    bands = item_bands(item)
    if not bands:
        raise InvalidSceneError(
            f"STAC item {item.id} has no image assets (GeoTIFF/COG/JP2 with role 'data')"
        )
    crs, gsd = _crs_and_gsd(item, bands)
    footprint = _footprint(item)
    platform = item.properties.get("platform") or item.properties.get("constellation")
    keep = ("constellation", "instruments", "eo:cloud_cover", "proj:shape", "collection")
    props = {k: v for k, v in item.properties.items() if k in keep}
    if item.collection_id:
        props["collection"] = item.collection_id
    if item.get_self_href():
        props["stac_item"] = item.get_self_href()
    return Scene(
        id=item.id,
        datetime=when,
        footprint=footprint,
        crs=crs,
        gsd=float(gsd),
        bands=bands,
        platform=str(platform) if platform else None,
        source=source,
        time_precision="second",
        properties=props,
    )


class _PolicyStacIO(DefaultStacIO):
    """pystac's reader under the network policy: http(s) only with timeouts, and no
    document larger than the JSON limit (a link to /dev/zero is an error, not a hang)."""

    def read_text_from_href(self, href: str) -> str:
        limit = max_json_bytes()
        if is_url(href):
            check_url(href, "STAC URL")
            request = urllib.request.Request(href, headers={"User-Agent": "sitewatch"})
            with urlopen(request, timeout=read_timeout()) as response:
                data: bytes = response.read(limit + 1)
        else:
            with open(local_path(href), "rb") as f:
                data = f.read(limit + 1)
        if len(data) > limit:
            raise InvalidSceneError(
                f"{href} is larger than {limit} bytes (SITEWATCH_MAX_JSON_BYTES); not read"
            )
        return data.decode("utf-8")


def read_stac(href: str) -> pystac.STACObject:
    try:
        return pystac.read_file(href, stac_io=_PolicyStacIO())
    except FileNotFoundError:
        raise InvalidSceneError(f"STAC file not found: {href}") from None
    except json.JSONDecodeError as exc:
        raise InvalidSceneError(
            f"{href} is not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except _READ_ERRORS as exc:
        raise InvalidSceneError(f"{href} is not a readable STAC object ({exc})") from None


class StaticStacSource(ImagerySource):
    """A static STAC catalog, collection or single item on disk (or any href pystac reads)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()
        self.description = f"stac:{self.path}"

    def refs(self) -> list[str]:
        root = read_stac(str(self.path))
        if isinstance(root, pystac.Item):
            return [str(self.path)]
        if not isinstance(root, pystac.Catalog):
            raise InvalidSceneError(f"{self.path} is not a STAC catalog, collection or item")
        hrefs: list[str] = []
        stack: list[pystac.Catalog] = [root]
        seen: set[str] = set()
        while stack:
            cat = stack.pop()
            for link in cat.get_links(pystac.RelType.ITEM):
                hrefs.append(link.get_absolute_href() or link.href)
            for link in cat.get_links(pystac.RelType.CHILD):
                href = link.get_absolute_href() or link.href
                if href in seen:
                    continue
                seen.add(href)
                try:
                    child = read_stac(href)
                except InvalidSceneError:
                    hrefs.append(href)  # reported as a failed item when loaded
                    continue
                if isinstance(child, pystac.Catalog):
                    stack.append(child)
        if not hrefs:
            raise EmptyCatalogError(
                f"STAC catalog {self.path} has no items; check its 'item' and 'child' links"
            )
        return sorted(set(hrefs))

    def load(self, ref: str) -> Scene:
        obj = read_stac(ref)
        if not isinstance(obj, pystac.Item):
            raise InvalidSceneError(f"{ref} is a STAC {obj.STAC_OBJECT_TYPE.value}, not an item")
        return scene_from_item(obj, self.description)


def _item_error(item_id: str, exc: Exception) -> InvalidSceneError:
    return InvalidSceneError(f"STAC item {item_id} is malformed: {type(exc).__name__}: {exc}")


class StacApiSource(ImagerySource):
    """A STAC API searched with pystac-client (``/search`` with collections, bbox, datetime)."""

    def __init__(
        self,
        url: str,
        *,
        collections: Sequence[str] | None = None,
        datetime: str | None = None,
        bbox: Sequence[float] | None = None,
        max_items: int | None = None,
        query: dict[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.query = query
        self.collections = list(collections) if collections else None
        self.datetime = datetime
        self.bbox = list(bbox) if bbox else None
        self.max_items = max_items
        self.description = f"stac-api:{url}"
        self._items: dict[str, pystac.Item] = {}

    def refs(self) -> list[str]:
        from pystac_client import Client
        from pystac_client.exceptions import APIError

        check_url(self.url, "STAC API URL")
        try:
            client = Client.open(self.url, timeout=(connect_timeout(), read_timeout()))
            search = client.search(
                collections=self.collections,
                bbox=self.bbox,
                datetime=self.datetime,
                max_items=self.max_items,
                query=self.query,
            )
            items = list(search.items())
        except APIError as exc:
            if getattr(exc, "status_code", None) is None:
                raise SourceError(
                    f"cannot reach the STAC API at {self.url}; check the URL and your network"
                ) from None
            raise SourceError(
                f"STAC API {self.url} refused the search (HTTP {exc.status_code}): {exc}"
            ) from None
        except (OSError, ValueError) as exc:
            raise SourceError(
                f"cannot reach the STAC API at {self.url} ({type(exc).__name__}); "
                "check the URL and your network"
            ) from None
        if not items:
            raise EmptyCatalogError(
                f"STAC API search returned no items (collections={self.collections}, "
                f"bbox={self.bbox}, datetime={self.datetime}); widen the search"
            )
        self._items = {item.id: item for item in items}
        return list(self._items)

    def load(self, ref: str) -> Scene:
        return scene_from_item(self._items[ref], self.description)


__all__ = ["StacApiSource", "StaticStacSource", "item_bands", "scene_from_item"]
