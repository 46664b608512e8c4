"""A site's stored results as evidence a reader can check: detections on a date and
change objects between two dates as RFC 7946 GeoJSON, and stored claims checked
against the observations and alerts in their windows."""

from __future__ import annotations

from typing import Any

import numpy as np

from sitewatch.activity.alerts import Alert
from sitewatch.activity.figures import Observation
from sitewatch.change.detect import ChangeResult
from sitewatch.change.objects import change_objects, objects_geojson
from sitewatch.claims.check import check_claim
from sitewatch.claims.extract import Claim
from sitewatch.detection.detector import detections_geojson
from sitewatch.errors import ChipNotFoundError
from sitewatch.imagery.provenance import provenance
from sitewatch.imagery.raster import read_image
from sitewatch.pipeline.site import detections_of, read_stored_chip
from sitewatch.store import Store
from sitewatch.store.runs import OK, ChipRecord
from sitewatch.times import iso_utc


def _chip_record(store: Store, site_id: str, scene_id: str) -> ChipRecord:
    rec = store.chips(site_id).get(scene_id)
    if rec is None or rec.status != OK:
        raise ChipNotFoundError(
            f"site {site_id} has no chip of scene {scene_id}; run `sitewatch run {site_id}`"
        )
    return rec


def chip_file(store: Store, site_id: str, scene_id: str) -> str:
    """The stored chip COG of ``scene_id`` at ``site_id`` (a path inside the workspace)."""
    path = store.workspace / _chip_record(store, site_id, scene_id).path
    if not path.is_file():
        raise ChipNotFoundError(f"chip {path} is missing from the workspace; it will be remade")
    return str(path)


def detections_on(store: Store, site_id: str, scene_id: str) -> dict[str, Any]:
    """The vehicles and aircraft detected in a site's chip of ``scene_id`` (boxes in
    lon/lat), with the scene as evidence."""
    rec = _chip_record(store, site_id, scene_id)
    chip = read_stored_chip(store.workspace, rec)
    dets = detections_of(rec.detections)
    origin = provenance(store.get_scene(scene_id))
    return detections_geojson(
        dets, chip, site=site_id, scene=scene_id, detected=rec.detections is not None,
        files=origin["files"], software=origin["software"],
    )  # fmt: skip


def change_between(store: Store, site_id: str, before_id: str, after_id: str) -> dict[str, Any]:
    """The change objects of a stored pair (outlines in lon/lat, areas, coarse type),
    with the two scenes and how the change was found."""
    pair = store.pairs(site_id).get((before_id, after_id))
    if pair is None or pair.status != OK or not pair.mask_path:
        raise ChipNotFoundError(
            f"site {site_id} has no change between {before_id} and {after_id}; "
            f"pairs are consecutive dates (see /api/sites/{site_id}/pairs)"
        )
    before = read_stored_chip(store.workspace, _chip_record(store, site_id, before_id))
    after = read_stored_chip(store.workspace, _chip_record(store, site_id, after_id))
    mask = read_image(store.workspace / pair.mask_path).pixels[0] > 0
    valid = before.mask & after.mask
    result = ChangeResult(
        mask=mask & valid,
        statistic=mask.astype(np.float32),
        threshold=0.5,
        method=str(pair.meta.get("method", "")),
        valid=valid,
    )
    objects = change_objects(result, before, after)
    times = {e.scene.id: iso_utc(e.scene.time_utc) for e in store.list_scenes(site_id)}
    origin = provenance(store.get_scene(before_id), store.get_scene(after_id))
    provenance_fields = {
        "site": site_id,
        "before": before_id,
        "after": after_id,
        "before_datetime": times.get(before_id),
        "after_datetime": times.get(after_id),
        "method": result.method,
        "alignment": str(pair.meta.get("alignment", "")),
        "software": origin["software"],
    }
    fc = objects_geojson(objects, **provenance_fields, files=origin["files"])
    for feature in fc["features"]:  # each outline says where and when it is from
        feature["properties"].update(provenance_fields)
    return fc


def check_stored_claims(store: Store, site_id: str | None = None) -> list[Claim]:
    """Set each stored claim's status (supported, not supported, no imagery) against the
    observations and alerts in its window, store it, and return the claims checked."""
    claims = [c for c in store.list_claims(site_id) if c.site_id]
    cache: dict[str, tuple[list[Observation], list[Alert]]] = {}
    for c in claims:
        assert c.site_id is not None
        if c.site_id not in cache:
            cache[c.site_id] = (store.observations(c.site_id), store.list_alerts(c.site_id))
        check_claim(c, *cache[c.site_id])
        store.set_claim_status(c)
    return claims
