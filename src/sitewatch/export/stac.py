"""SiteWatch's derived products as a static STAC catalog (STAC 1.1, written with pystac).

One child catalog per site holds:

* a **chip** item per stored chip: the COG (copied into the catalog) with its bands
  (``bands`` with common names, so ``sitewatch ingest`` reads it back as imagery), the
  scene's datetime and platform, and ``derived_from`` links to the source scene's
  assets;
* a **change** item per stored pair of dates: the change mask COG, the change objects as
  GeoJSON, ``start_datetime``/``end_datetime`` of the two dates, the change model as
  an asset when a learned model made it, and ``derived_from`` links to the two chip
  items.

Every asset has ``file:checksum`` (SHA-256 multihash) and ``file:size``; every item
the processing extension's ``processing:software`` and ``processing:lineage``.  Change
items are marked ``sitewatch:product = change``; ingest skips them (they are findings,
not imagery).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pystac

from sitewatch.activity.figures import CHANGED_AREA
from sitewatch.errors import OutputError
from sitewatch.geo.geojson import rfc7946_geometry
from sitewatch.geo.grid import bbox_polygon, footprint_lonlat
from sitewatch.imagery.provenance import checksum
from sitewatch.imagery.raster import open_raster
from sitewatch.inference.manifest import model_file
from sitewatch.pipeline.evidence import change_between, chip_file
from sitewatch.pipeline.site import safe_name
from sitewatch.sites.watchlist import Site
from sitewatch.store import Store
from sitewatch.store.runs import OK

PRODUCT = "sitewatch:product"
COG = "image/tiff; application=geotiff; profile=cloud-optimized"
EXTENSIONS = [
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
    "https://stac-extensions.github.io/processing/v1.2.0/schema.json",
]


def _file_asset(src: Path, dest: Path, media: str, roles: list[str], title: str,
                **extra: Any) -> pystac.Asset:  # fmt: skip
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src != dest:
        shutil.copyfile(src, dest)
    fields = {"file:checksum": checksum(dest), "file:size": dest.stat().st_size, **extra}
    return pystac.Asset(str(dest), title=title, media_type=media, roles=roles,
                        extra_fields=fields)  # fmt: skip


def _processing(lineage: str) -> dict[str, Any]:
    return {
        "processing:software": {"sitewatch": version("sitewatch")},
        "processing:lineage": lineage,
    }


def _chip_item(store: Store, site: Site, scene_id: str, folder: Path) -> pystac.Item:
    scene = store.get_scene(scene_id)
    path = Path(chip_file(store, site.id, scene_id))
    with open_raster(str(path)) as src:
        names = [d or f"b{i}" for i, d in enumerate(src.descriptions, start=1)]
        gsd = float(abs(src.transform.a))
        outline = footprint_lonlat(src.crs, src.transform, src.width, src.height)
    west, south, east, north = outline.bounds
    item = pystac.Item(
        id=f"{site.id}-chip-{safe_name(scene_id)}",
        geometry=rfc7946_geometry(outline),
        bbox=[west, south, east, north],
        datetime=scene.time_utc,
        properties={
            PRODUCT: "chip",
            "sitewatch:site": site.id,
            "sitewatch:scene": scene_id,
            "platform": scene.platform or "unknown",
            "gsd": gsd,
            **_processing(
                f"scene {scene_id} resampled onto site {site.id}'s local UTM grid (bilinear)"
            ),
        },
        stac_extensions=EXTENSIONS,
    )
    bands = [{"name": n, "common_name": n} if n in _COMMON else {"name": n} for n in names]
    item.add_asset("data", _file_asset(path, folder / "chips" / path.name, COG, ["data"],
                                       "chip (COG)", bands=bands))  # fmt: skip
    for href in sorted({b.href for b in scene.bands}):
        item.add_link(pystac.Link("derived_from", href, title=f"source asset of {scene_id}"))
    return item


_COMMON = {"coastal", "blue", "green", "red", "rededge", "yellow", "pan", "nir", "nir08",
           "nir09", "cirrus", "swir16", "swir22", "lwir", "lwir11", "lwir12"}  # fmt: skip


def _model_assets(store: Store, site: Site, before: str, after: str,
                  out: Path) -> dict[str, pystac.Asset]:  # fmt: skip
    """The learned change model(s) that made a pair, as assets (none for classical
    methods): the file names recorded in the pair's changed-area evidence."""
    names = ""
    for o in store.observations(site.id, CHANGED_AREA):
        if o.scene_id == after and o.ref_scene_id == before:
            names = str(o.evidence.get("model", ""))
    assets = {}
    for i, name in enumerate(n for n in names.split("+") if n):
        path = model_file("change", name)
        key = "model" if i == 0 else f"model-{i + 1}"
        assets[key] = _file_asset(path, out / "models" / path.name, "application/octet-stream",
                                  ["processing"], f"change model {path.name} (ONNX)")  # fmt: skip
    return assets


def _change_item(store: Store, site: Site, before: str, after: str, folder: Path,
                 chips: dict[str, pystac.Item]) -> pystac.Item:  # fmt: skip
    pair = store.pairs(site.id)[(before, after)]
    fc = change_between(store, site.id, before, after)
    mask = store.workspace / pair.mask_path
    start, end = chips[before].datetime, chips[after].datetime
    assert isinstance(start, datetime)
    assert isinstance(end, datetime)
    west, south, east, north = chips[after].bbox or [0.0, 0.0, 0.0, 0.0]
    item = pystac.Item(
        id=f"{site.id}-change-{safe_name(before + '__' + after)}",
        geometry=rfc7946_geometry(bbox_polygon([west, south, east, north])),
        bbox=[west, south, east, north],
        datetime=None,
        start_datetime=start,
        end_datetime=end,
        properties={
            PRODUCT: "change",
            "sitewatch:site": site.id,
            "sitewatch:before": before,
            "sitewatch:after": after,
            "sitewatch:method": fc["properties"]["method"],
            "sitewatch:alignment": fc["properties"]["alignment"],
            "sitewatch:objects": len(fc["features"]),
            **_processing(
                f"change between {before} and {after} "
                f"({fc['properties']['method']}; "
                f"{fc['properties']['alignment']})"
            ),
        },
        stac_extensions=EXTENSIONS,
    )
    changes = folder / "change"
    item.add_asset("mask", _file_asset(mask, changes / mask.name, COG, ["data"],
                                       "change mask: 1 = change",
                                       bands=[{"name": "change"}]))  # fmt: skip
    vectors = (changes / mask.name).with_suffix(".geojson")
    vectors.parent.mkdir(parents=True, exist_ok=True)
    vectors.write_text(json.dumps(fc, ensure_ascii=False) + "\n", encoding="utf-8")
    item.add_asset("objects", _file_asset(vectors, vectors, "application/geo+json",
                                          ["data"], "change objects (GeoJSON)"))  # fmt: skip
    for key, asset in _model_assets(store, site, before, after, folder.parent).items():
        item.add_asset(key, asset)
    for scene_id in (before, after):
        item.add_link(pystac.Link("derived_from", chips[scene_id], media_type="application/json",
                                  title=f"chip of {scene_id}"))  # fmt: skip
    return item


def export_stac(store: Store, out: str | os.PathLike[str], sites: Sequence[Site]) -> dict[str, Any]:
    """Write ``sites``' chips and change as a self-contained static STAC catalog in the
    folder ``out`` (see the module docstring); returns its path and item counts."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OutputError(f"cannot write {out}: give a new or empty folder for the catalog")
    out.mkdir(parents=True, exist_ok=True)
    root = pystac.Catalog(
        "sitewatch-findings",
        "Chips and change found by SiteWatch, with the scenes they derive from.",
        title="SiteWatch findings",
    )
    counts = {"chip": 0, "change": 0}
    for site in sites:
        folder = out / site.id
        child = pystac.Catalog(site.id, f"SiteWatch products for {site.name}", title=site.name)
        root.add_child(child)
        chips: dict[str, pystac.Item] = {}
        for scene_id, rec in store.chips(site.id).items():
            if rec.status == OK:
                chips[scene_id] = _chip_item(store, site, scene_id, folder)
                child.add_item(chips[scene_id])
                counts["chip"] += 1
        for (before, after), pair in store.pairs(site.id).items():
            if pair.status == OK and pair.mask_path and before in chips and after in chips:
                child.add_item(_change_item(store, site, before, after, folder, chips))
                counts["change"] += 1
    root.normalize_hrefs(str(out))
    root.make_all_asset_hrefs_relative()
    root.save(catalog_type=pystac.CatalogType.SELF_CONTAINED)
    return {"catalog": str(out / "catalog.json"), "items": counts}
