"""Per-site processing: chips for each stored scene, and activity figures between dates."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sitewatch.activity.alerts import Alert, alerts_for_site
from sitewatch.activity.figures import (
    CHANGE_MAGNITUDE,
    CHANGED_AREA,
    FIGURES,
    Observation,
    change_magnitude,
    count_figure,
    spectral_indices,
)
from sitewatch.change.compare import Comparison, compare
from sitewatch.change.objects import CHANGE_TYPES, change_objects, changed_area_m2
from sitewatch.detection.detector import CLASSES, MAX_GSD, Detection, default_detector, detect_array
from sitewatch.errors import SitewatchError, StoreError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.chips import read_chip
from sitewatch.imagery.display import to_rgb8
from sitewatch.imagery.scene import Scene
from sitewatch.sites.watchlist import Site
from sitewatch.store import Store

log = logging.getLogger(__name__)


@dataclass
class SiteRun:
    """The chips, observations and failures of one site's processing."""

    site: Site
    scenes: list[Scene] = field(default_factory=list)
    chips: dict[str, GeoImage] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: Change masks between consecutive scenes, keyed by (before id, after id).
    changes: dict[tuple[str, str], Comparison] = field(default_factory=dict)
    #: Alerts over all of the site's stored observations.
    alerts: list[Alert] = field(default_factory=list)
    #: Vehicle and aircraft detections per scene id (chip pixel coordinates).
    detections: dict[str, list[Detection]] = field(default_factory=dict)


def run_site(
    store: Store,
    site: Site,
    *,
    bands: Sequence[str] | None = None,
    min_coverage: float = 0.5,
    detect: bool = True,
    progress: Callable[[str], None] | None = None,
) -> SiteRun:
    """Read a chip of every scene covering at least ``min_coverage`` of the site, then
    store the change magnitude between each pair of consecutive dates and, with
    ``detect``, the area of detected change (co-registered, ``auto`` method) and, on
    chips fine enough, vehicle and aircraft counts per date.

    A scene that cannot be read is reported in ``failures`` and skipped.
    """
    run = SiteRun(site)
    entries = [e for e in store.list_scenes(site.id) if e.sites.get(site.id, 0.0) >= min_coverage]
    for entry in entries:
        scene = entry.scene
        if progress is not None:
            progress(scene.id)
        try:
            run.chips[scene.id] = read_chip(scene, site, bands)
        except StoreError:
            raise
        except SitewatchError as exc:
            log.warning("site %s: skipped scene %s: %s", site.id, scene.id, exc)
            run.failures.append((scene.id, str(exc)))
            continue
        run.scenes.append(scene)
        for figure, value in spectral_indices(run.chips[scene.id]).items():
            run.observations.append(
                Observation(
                    site_id=site.id,
                    figure=figure,
                    value=round(value, 6),
                    unit=FIGURES[figure],
                    time=scene.time_utc,
                    scene_id=scene.id,
                    method="mean over valid site pixels",
                    evidence={"scenes": [scene.id]},
                )
            )
        if detect:
            _count_objects(run, scene, run.chips[scene.id])
    for before, after in zip(run.scenes, run.scenes[1:], strict=False):
        a, b = run.chips[before.id], run.chips[after.id]
        try:
            value = change_magnitude(a, b)
        except SitewatchError as exc:
            run.failures.append((after.id, str(exc)))
            continue
        run.observations.append(
            Observation(
                site_id=site.id,
                figure=CHANGE_MAGNITUDE,
                value=round(value, 6),
                time=after.time_utc,
                scene_id=after.id,
                ref_scene_id=before.id,
                method="standardised-band-distance",
                evidence={
                    "scenes": [before.id, after.id],
                    "valid_fraction": round(float((a.mask & b.mask).mean()), 4),
                    "bands": list(a.shared_bands(b)),
                },
            )
        )
        if detect:
            _changed_area(run, before, after, a, b)
    store.put_observations(run.observations)
    run.alerts = alerts_for_site(store.observations(site.id))
    store.put_alerts(run.alerts)
    return run


def _count_objects(run: SiteRun, scene: Scene, chip: GeoImage) -> None:
    """Vehicle/aircraft counts on a chip fine enough for them (see ``detect.MAX_GSD``)."""
    gsd = chip.grid.res[0]
    classes = [c for c in CLASSES if gsd <= MAX_GSD[c]]
    if not classes:
        return
    try:
        info = default_detector()
        rgb = to_rgb8(chip)[..., :3].transpose(2, 0, 1)
        dets = detect_array(np.ascontiguousarray(rgb), gsd, info, classes=classes)
    except SitewatchError as exc:
        run.failures.append((scene.id, f"detection: {exc}"))
        return
    run.detections[scene.id] = dets
    for cls in classes:
        run.observations.append(
            Observation(
                site_id=run.site.id,
                figure=count_figure(cls),
                value=float(sum(d.cls == cls for d in dets)),
                unit=FIGURES[count_figure(cls)],
                time=scene.time_utc,
                scene_id=scene.id,
                method="detector",
                evidence={"scenes": [scene.id], "gsd_m": gsd, "threshold": info.thresholds[cls]},
            )
        )


def _changed_area(run: SiteRun, before: Scene, after: Scene, a: GeoImage, b: GeoImage) -> None:
    """Detect change between two chips; record the comparison and a changed-area figure."""
    try:
        cmp = compare(a, b)
    except SitewatchError as exc:
        run.failures.append((after.id, f"change detection: {exc}"))
        return
    run.changes[(before.id, after.id)] = cmp
    objects = change_objects(cmp.result, a, cmp.after, gsd=cmp.gsd)
    run.observations.append(
        Observation(
            site_id=run.site.id,
            figure=CHANGED_AREA,
            value=round(changed_area_m2(objects), 1),
            unit=FIGURES[CHANGED_AREA],
            time=after.time_utc,
            scene_id=after.id,
            ref_scene_id=before.id,
            method=f"change-{cmp.result.method}",
            evidence={
                "scenes": [before.id, after.id],
                "method": cmp.result.method,
                "threshold": round(cmp.result.threshold, 4),
                "alignment": cmp.align_note,
                "objects": len(objects),
                "types": {t: sum(o.change_type == t for o in objects) for t in CHANGE_TYPES},
                **{k: v for k, v in cmp.result.details.items() if k in ("model", "normalisation")},
            },
        )
    )
