"""The store's places and findings as files GIS tools open: GeoPackage, FlatGeobuf and
GeoJSON (RFC 7946), written through GDAL's OGR (pyogrio).

Layers: ``sites`` and ``zones`` (areas), ``scenes`` (footprints with acquisition time),
``change`` (change objects between two dates: before/after scene and datetime, type,
area, method) and ``detections`` (vehicle and aircraft boxes with their scene's
datetime, class and score).  Every feature of a finding carries its site, scenes and
datetimes, so QGIS's temporal controller can animate them, and the SiteWatch version
that wrote it.  Coordinates are lon/lat (EPSG:4326).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from sitewatch.errors import OutputError
from sitewatch.geo.geojson import feature_collection, rfc7946_geometry, wrap_antimeridian
from sitewatch.imagery.raster import atomic_path
from sitewatch.pipeline.evidence import change_between, detections_on
from sitewatch.sites.watchlist import Site
from sitewatch.store import Store
from sitewatch.store.runs import OK
from sitewatch.times import iso_utc

FORMATS = {".gpkg": "GPKG", ".fgb": "FlatGeobuf", ".geojson": "GeoJSON", ".json": "GeoJSON"}
LAYERS = ("sites", "zones", "scenes", "change", "detections")


@dataclass
class Layer:
    """Features of one layer: geometries (lon/lat) and their fields."""

    name: str
    geometries: list[BaseGeometry] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, geometry: BaseGeometry, **fields: Any) -> None:
        self.geometries.append(geometry)
        self.rows.append(fields)


def collect(store: Store, sites: Sequence[Site]) -> dict[str, Layer]:
    """Every layer's features for ``sites`` (see the module docstring)."""
    layers = {name: Layer(name) for name in LAYERS}
    software = f"sitewatch {version('sitewatch')}"
    for site in sites:
        layers["sites"].add(site.aoi, site_id=site.id, name=site.name, kind=site.kind,
                            country=site.country or "")  # fmt: skip
        for zone in site.zones:
            layers["zones"].add(zone.geometry, site_id=site.id, zone=zone.name)
        entries = store.list_scenes(site.id)
        times = {e.scene.id: e.scene.time_utc for e in entries}
        for e in entries:
            layers["scenes"].add(e.scene.footprint, site_id=site.id, scene_id=e.scene.id,
                                 datetime=e.scene.time_utc, platform=e.scene.platform or "",
                                 gsd_m=e.scene.gsd, source=e.scene.source)  # fmt: skip
        for (before, after), pair in store.pairs(site.id).items():
            if pair.status != OK or not pair.mask_path:
                continue
            fc = change_between(store, site.id, before, after)
            for f in fc["features"]:
                if f["geometry"] is None:
                    continue
                p = f["properties"]
                layers["change"].add(
                    shape(f["geometry"]), site_id=site.id, before_scene=before,
                    after_scene=after, before_datetime=times.get(before),
                    after_datetime=times.get(after), change_type=p["type"],
                    area_m2=p["area_m2"], method=p["method"], alignment=p["alignment"],
                    software=software,
                )  # fmt: skip
        for scene_id, rec in store.chips(site.id).items():
            if rec.status != OK or not rec.detections:
                continue
            for f in detections_on(store, site.id, scene_id)["features"]:
                if f["geometry"] is None:
                    continue
                p = f["properties"]
                layers["detections"].add(
                    shape(f["geometry"]), site_id=site.id, scene_id=scene_id,
                    datetime=times.get(scene_id), object_class=p["class"],
                    kind=p.get("kind", ""), score=float(p["score"]), software=software,
                )  # fmt: skip
    return layers


def _polygons(geoms: list[BaseGeometry]) -> list[MultiPolygon]:
    """Every area as a MultiPolygon within [-180, 180] (split at the antimeridian)."""
    out = []
    for g in geoms:
        g = wrap_antimeridian(g)
        out.append(MultiPolygon([g]) if isinstance(g, Polygon) else g)
    return out  # type: ignore[return-value]


def _field_arrays(rows: list[dict[str, Any]]) -> tuple[list[str], list[Any]]:
    names = list(rows[0])
    arrays: list[Any] = []
    for name in names:
        values = [r[name] for r in rows]
        sample = next((v for v in values if v is not None), "")
        if isinstance(sample, datetime):
            naive = [v.replace(tzinfo=None) if v is not None else None for v in values]
            arrays.append(np.array(naive, dtype="datetime64[ms]"))
        elif isinstance(sample, float | int) and not isinstance(sample, bool):
            arrays.append(np.array([np.nan if v is None else v for v in values], dtype="float64"))
        else:
            arrays.append(np.array(["" if v is None else str(v) for v in values], dtype=object))
    return names, arrays


def _write_ogr(path: Path, layer: Layer, driver: str, append: bool) -> None:
    geoms = _polygons(layer.geometries)
    names, arrays = _field_arrays(layer.rows)
    pyogrio.raw.write(
        str(path),
        shapely.to_wkb(np.array(geoms, dtype=object)),
        arrays,
        names,
        layer=layer.name,
        driver=driver,
        geometry_type="MultiPolygon",
        crs="EPSG:4326",
        append=append,
        gdal_tz_offsets={
            n: np.zeros(len(a), dtype="int32")
            for n, a in zip(names, arrays, strict=True)
            if a.dtype.kind == "M"
        },  # UTC
    )


def _geojson(layers: dict[str, Layer]) -> dict[str, Any]:
    features = []
    for layer in layers.values():
        for geom, row in zip(layer.geometries, layer.rows, strict=True):
            props = {"layer": layer.name}
            for k, v in row.items():
                props[k] = iso_utc(v) if isinstance(v, datetime) else v
            features.append({"type": "Feature", "geometry": rfc7946_geometry(geom),
                             "properties": props})  # fmt: skip
    return feature_collection(features)


def export(store: Store, out: str | os.PathLike[str], sites: Sequence[Site]) -> dict[str, Any]:
    """Write ``sites``' layers to ``out`` (.gpkg, .fgb or .geojson; see the module doc).

    A GeoPackage holds every non-empty layer; FlatGeobuf holds one layer per file, so
    ``OUT.fgb`` becomes ``OUT_sites.fgb``, ``OUT_change.fgb`` and so on; GeoJSON is one
    FeatureCollection whose features name their ``layer``.  Returns the files written
    and each layer's feature count.
    """
    out = Path(out)
    driver = FORMATS.get(out.suffix.lower())
    if driver is None:
        raise OutputError(f"cannot write {out}: give a .gpkg, .fgb or .geojson file name")
    layers = collect(store, sites)
    counts = {name: len(layer.rows) for name, layer in layers.items()}
    written: list[str] = []
    if driver == "GeoJSON":
        with atomic_path(out) as tmp:
            tmp.write_text(json.dumps(_geojson(layers), ensure_ascii=False) + "\n")
        written.append(str(out))
    elif driver == "GPKG":
        with atomic_path(out) as tmp:
            tmp.unlink()
            first = True
            for layer in layers.values():
                if layer.rows:
                    _write_ogr(tmp, layer, driver, append=not first)
                    first = False
        written.append(str(out))
    else:
        for layer in layers.values():
            if not layer.rows:
                continue
            dest = out.with_name(f"{out.stem}_{layer.name}{out.suffix}")
            with atomic_path(dest) as tmp:
                tmp.unlink()
                _write_ogr(tmp, layer, driver, append=False)
            written.append(str(dest))
    return {"files": written, "layers": counts}
