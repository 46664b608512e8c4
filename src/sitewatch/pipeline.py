"""Per-site processing: chips for each stored scene, and activity figures between dates."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sitewatch.activity import (
    CHANGE_MAGNITUDE,
    CHANGED_AREA,
    NDVI,
    Observation,
    change_magnitude,
    spectral_indices,
)
from sitewatch.alerts import Alert, alerts_for_site
from sitewatch.align import Shift, ShiftField, coregister, coregister_local
from sitewatch.change import ChangeResult, detect_change
from sitewatch.chips import read_chip, to_rgb8
from sitewatch.detect import CLASSES, MAX_GSD, Detection, default_detector, detect_array
from sitewatch.errors import InsufficientDataError, SitewatchError, StoreError
from sitewatch.geo import GeoImage, gsd_metres
from sitewatch.objects import CHANGE_TYPES, change_objects, changed_area_m2
from sitewatch.scene import Scene
from sitewatch.sites import Site
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
                    unit="" if figure == NDVI else "DN",
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
                figure=f"{cls}_count",
                value=float(sum(d.cls == cls for d in dets)),
                unit="count",
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
            unit="m2",
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


ALIGN_MODES = ("global", "local", "none")


@dataclass
class Comparison:
    """Change between two images: the result, the alignment applied, the aligned after image."""

    result: ChangeResult
    after: GeoImage
    alignment: Shift | ShiftField | None
    align_note: str
    gsd: float | None


def align_pair(
    before: GeoImage, after: GeoImage, mode: str = "global"
) -> tuple[GeoImage, Shift | ShiftField | None, str]:
    """``after`` co-registered onto ``before`` (``global``, ``local`` or ``none``), what was
    applied, and a one-line note.  Too little data to match leaves ``after`` as it is."""
    if mode not in ALIGN_MODES:
        raise ValueError(f"unknown alignment {mode!r}; choose {', '.join(ALIGN_MODES)}")
    if mode == "none":
        return after, None, "not aligned (--align none)"
    try:
        if mode == "local":
            aligned, shift_field = coregister_local(before, after)
            return (
                aligned,
                shift_field,
                f"local shift field from {shift_field.accepted}/{len(shift_field.points)} "
                f"windows, residual {shift_field.residual_rmse:.2f} px",
            )
        aligned, shift = coregister(before, after)
    except InsufficientDataError as exc:
        return after, None, f"not aligned: {exc}"
    return (
        aligned,
        shift,
        f"shifted by ({shift.dy:+.2f}, {shift.dx:+.2f}) px, reliability {shift.reliability:.2f}",
    )


def compare(
    before: GeoImage,
    after: GeoImage,
    method: str = "auto",
    *,
    gsd: float | None = None,
    align: str = "global",
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Co-register ``after`` onto ``before`` (see :func:`align_pair`), then detect change.

    ``gsd`` (metres) defaults to the georeference's pixel size; plain pixel grids
    without ``gsd`` have none (areas then stay unknown).
    """
    after, alignment, note = align_pair(before, after, align)
    if gsd is None and before.transform is not None and before.crs is not None:
        rows, cols = before.shape
        gsd = gsd_metres(before.crs, before.transform, cols, rows)
    result = detect_change(before, after, method, gsd=gsd, progress=progress)
    return Comparison(result, after, alignment, note, gsd)
