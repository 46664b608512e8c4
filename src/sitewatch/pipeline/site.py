"""Per-site processing, incremental: a chip per covering scene, figures per date, change
per pair of consecutive dates, alerts.

What is done is kept: each chip as a COG in the store's workspace with its row and its
per-date observations (one transaction), each pair as a change-mask COG with its row and
its observations (one transaction).  A run computes only what is missing, so a second run
with no new scene computes nothing, a new scene costs one chip and one or two pairs, and a
run killed at any point is finished by the next one without duplicates.  A scene that
cannot be read is recorded as failed with its reason and retried on later runs, up to
``max_tries`` times in all.

The pure parts, :func:`date_observations` and :func:`pair_observations`, take chips and
return observations; :func:`run_site` does the reading, writing and storing around them.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

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
from sitewatch.change.compare import compare
from sitewatch.change.objects import (
    CHANGE_TYPES,
    ChangeObject,
    change_objects,
    changed_area_m2,
)
from sitewatch.detection.detector import (
    CLASSES,
    LARGE_VEHICLE,
    MAX_GSD,
    Detection,
    DetectorInfo,
    counts,
    default_detector,
    detect_array,
    detection_lonlat,
)
from sitewatch.errors import ChipNotFoundError, SitewatchError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.chips import read_chip
from sitewatch.imagery.display import to_rgb8
from sitewatch.imagery.provenance import checksum, provenance, verify_files
from sitewatch.imagery.raster import read_image, write_cog, write_mask
from sitewatch.imagery.scene import Scene
from sitewatch.inference.manifest import models_dir
from sitewatch.pipeline.executor import Executor, LocalExecutor, TaskFailed
from sitewatch.sites.watchlist import Site
from sitewatch.store.db import Store
from sitewatch.store.runs import FAILED, OK, ChipRecord, Outline
from sitewatch.times import stopwatch

log = logging.getLogger(__name__)

#: Tries (this run's included) after which a scene or pair that keeps failing is left.
MAX_TRIES = 3

#: progress(stage, done, total, what): stage is "chips" or "pairs".
RunProgress = Callable[[str, int, int, str], None]


@dataclass
class SiteRun:
    """What one run of a site did: chips and pairs computed now, observations added,
    failures (id and reason), alerts added or updated."""

    site: Site
    scenes: int = 0
    new_chips: list[str] = field(default_factory=list)
    new_pairs: list[tuple[str, str]] = field(default_factory=list)
    dropped_pairs: list[tuple[str, str]] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    alerts: dict[str, int] = field(default_factory=lambda: {"added": 0, "updated": 0})
    #: Seconds per stage: read (chips in and out), detect, align, change, store.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.new_chips or self.new_pairs or self.dropped_pairs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site.id,
            "scenes": self.scenes,
            "chips_computed": len(self.new_chips),
            "pairs_computed": len(self.new_pairs),
            "pairs_dropped": len(self.dropped_pairs),
            "observations_added": len(self.observations),
            "alerts_added": self.alerts["added"],
            "alerts_updated": self.alerts["updated"],
            "failures": [{"id": i, "reason": r} for i, r in self.failures],
            "given_up": self.given_up,
            "seconds": {k: round(v, 3) for k, v in sorted(self.timings.items())},
        }


@dataclass(frozen=True)
class ChangeView:
    """A stored pair's change: the mask on the site grid and how it was made."""

    mask: npt.NDArray[np.bool_]
    method: str
    alignment: str
    #: The changed regions (when computed in this run; not read back from the store).
    objects: tuple[ChangeObject, ...] = ()


@dataclass
class SiteView:
    """A site's stored results read back (for reports): chips from their COGs, change
    masks, detections, every observation and alert, and what failed."""

    site: Site
    scenes: list[Scene] = field(default_factory=list)
    chips: dict[str, GeoImage] = field(default_factory=dict)
    detections: dict[str, list[Detection]] = field(default_factory=dict)
    changes: dict[tuple[str, str], ChangeView] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


# --- pure stages ---------------------------------------------------------------------


def date_observations(
    site: Site,
    scene: Scene,
    chip: GeoImage,
    detector: DetectorInfo | None,
    timings: dict[str, float] | None = None,
) -> tuple[list[Observation], list[Detection] | None]:
    """Per-date figures of one chip: brightness and NDVI, and with a ``detector`` on a
    chip fine enough for a class, its vehicle/aircraft counts (and the detections).
    ``timings`` gets the seconds spent detecting."""
    obs = [
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
        for figure, value in spectral_indices(chip).items()
    ]
    gsd = chip.grid.res[0]
    classes = [c for c in CLASSES if gsd <= MAX_GSD[c]]
    if detector is None or not classes:
        return obs, None
    with stopwatch(timings, "detect"):
        rgb = to_rgb8(chip)[..., :3].transpose(2, 0, 1)
        dets = detect_array(np.ascontiguousarray(rgb), gsd, detector, classes=classes)
    found = counts(dets)
    counted = [(cls, "") for cls in classes]
    if "vehicle" in classes and ("vehicle", "large") in detector.heatmaps:
        counted.append((LARGE_VEHICLE, "large"))
    for name, kind in counted:
        cls = "vehicle" if kind else name
        obs.append(
            Observation(
                site_id=site.id,
                figure=count_figure(name),
                value=float(found[name]),
                unit=FIGURES[count_figure(name)],
                time=scene.time_utc,
                scene_id=scene.id,
                method="detector",
                evidence={
                    "scenes": [scene.id],
                    "gsd_m": gsd,
                    "threshold": detector.threshold(cls, kind),
                },
            )
        )
    return obs, dets


def pair_observations(
    site: Site,
    before: Scene,
    after: Scene,
    a: GeoImage,
    b: GeoImage,
    *,
    detect_change: bool,
    timings: dict[str, float] | None = None,
) -> tuple[list[Observation], ChangeView | None, str]:
    """Figures between two consecutive chips: the change magnitude and, with
    ``detect_change``, the area of detected change (co-registered, ``auto`` method).
    Returns the observations, the change (None when not detected) and why change
    detection failed ("" when it did not); ``timings`` gets the seconds spent aligning
    and detecting change."""
    obs = [
        Observation(
            site_id=site.id,
            figure=CHANGE_MAGNITUDE,
            value=round(change_magnitude(a, b), 6),
            unit=FIGURES[CHANGE_MAGNITUDE],
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
    ]
    if not detect_change:
        return obs, None, ""
    try:
        cmp = compare(a, b, timings=timings)
    except SitewatchError as exc:
        return obs, None, f"change detection: {exc}"
    with stopwatch(timings, "change"):
        objects = change_objects(cmp.result, a, cmp.after, gsd=cmp.gsd)
    obs.append(
        Observation(
            site_id=site.id,
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
    change = ChangeView(cmp.result.mask, cmp.result.method, cmp.align_note, tuple(objects))
    return obs, change, ""


# --- tasks (what an executor computes; pure but for reading imagery) -----------------


@dataclass
class ChipOutcome:
    """A chip task's result: the chip and its per-date figures, or why it failed."""

    chip: GeoImage | None
    observations: list[Observation] = field(default_factory=list)
    detections: list[Detection] | None = None
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class PairOutcome:
    """A pair task's result: the figures and change between two chips, or why it failed."""

    observations: list[Observation] = field(default_factory=list)
    change: ChangeView | None = None
    problem: str = ""
    error: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def chip_task(site: Site, scene: Scene, bands: Sequence[str] | None, detect: bool) -> ChipOutcome:
    """Read ``scene``'s chip of ``site`` and its per-date figures (with the shipped
    detector when ``detect``); a scene that cannot be read is an outcome with its error."""
    timings: dict[str, float] = {}
    try:
        with stopwatch(timings, "read"):
            chip = read_chip(scene, site, bands)
        detector = default_detector() if detect else None
        obs, dets = date_observations(site, scene, chip, detector, timings)
    except SitewatchError as exc:
        return ChipOutcome(None, error=str(exc), timings=timings)
    return ChipOutcome(chip, with_provenance(obs, scene), dets, timings=timings)


def pair_task(
    site: Site, before: Scene, after: Scene, a: GeoImage, b: GeoImage, detect: bool
) -> PairOutcome:
    """The figures and (with ``detect``) the change between two chips of ``site``."""
    timings: dict[str, float] = {}
    try:
        obs, change, problem = pair_observations(
            site, before, after, a, b, detect_change=detect, timings=timings
        )
    except SitewatchError as exc:
        return PairOutcome(error=str(exc), timings=timings)
    return PairOutcome(with_provenance(obs, before, after), change, problem, timings=timings)


def _multipolygon(geometry: BaseGeometry | None) -> MultiPolygon:
    """A change object's outline as one MultiPolygon (the column's type), its polygons
    kept and anything thinner (lines, points from a degenerate outline) left out."""
    parts = [] if geometry is None else getattr(geometry, "geoms", [geometry])
    return MultiPolygon([p for p in parts if isinstance(p, Polygon)])


def _merge(timings: dict[str, float], more: dict[str, float]) -> None:
    for k, v in more.items():
        timings[k] = timings.get(k, 0.0) + v


# --- the workspace -------------------------------------------------------------------


def with_provenance(observations: list[Observation], *scenes: Scene) -> list[Observation]:
    """``observations`` with their provenance in the evidence: the scenes' files and
    SHA-256, the software and the time, and the model manifest's SHA-256 when a learned
    model made the figure."""
    base = provenance(*scenes)
    counted = {count_figure(c) for c in (*CLASSES, LARGE_VEHICLE)}
    manifests: dict[str, str] = {}  # each family's manifest hashed once
    out = []
    for o in observations:
        family = "change" if "model" in o.evidence else "detect" if o.figure in counted else ""
        prov = dict(base)
        if family:
            if family not in manifests:
                manifests[family] = checksum(models_dir(family) / "manifest.json")
            prov["manifest_sha256"] = manifests[family]
        out.append(replace(o, evidence={**o.evidence, "provenance": prov}))
    return out


def safe_name(text: str) -> str:
    """A file-name-safe, collision-free form of an id."""
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', text)[:80]}-{digest}"


def chip_path(site_id: str, scene_id: str) -> str:
    """Where a chip lives, relative to the workspace."""
    return f"chips/{site_id}/{safe_name(scene_id)}.tif"


def mask_path(site_id: str, before_id: str, after_id: str) -> str:
    return f"change/{site_id}/{safe_name(before_id + '__' + after_id)}.tif"


def read_stored_chip(workspace: Path, record: ChipRecord) -> GeoImage:
    path = workspace / record.path
    if not path.is_file():
        raise ChipNotFoundError(f"chip {path} is missing from the workspace; it will be remade")
    return read_image(path, require_georef=True)


def detections_of(items: list[dict[str, Any]] | None) -> list[Detection]:
    return [Detection(**d) for d in items or []]


# --- a run -----------------------------------------------------------------------------


def run_site(
    store: Store,
    site: Site,
    *,
    bands: Sequence[str] | None = None,
    min_coverage: float = 0.5,
    detect: bool = True,
    since: datetime | None = None,
    max_tries: int = MAX_TRIES,
    progress: RunProgress | None = None,
    executor: Executor | None = None,
) -> SiteRun:
    """Bring ``site`` up to date with the scenes in ``store`` covering at least
    ``min_coverage`` of it (acquired at or after ``since``); see the module docstring.
    With ``detect``, chips fine enough get vehicle/aircraft counts and pairs get the
    area of detected change; without, only the spectral figures and change magnitude.
    The chips and pairs are computed by ``executor`` (default: in this process, one
    after another) and stored here as each completes."""
    executor = executor or LocalExecutor()
    workspace = store.workspace
    run = SiteRun(site)
    entries = [e for e in store.list_scenes(site.id) if e.sites.get(site.id, 0.0) >= min_coverage]
    scenes = [e.scene for e in entries if since is None or e.scene.time_utc >= since]
    run.scenes = len(scenes)
    records = store.chips(site.id)
    detector = _detector(run) if detect else None
    chips: dict[str, GeoImage] = {}
    stored: set[str] = set()  # scenes whose chip is done and still in the workspace
    todo: list[Scene] = []
    for scene in scenes:
        verify_files(scene)  # a source file changed since ingest stops the run
        rec = records.get(scene.id)
        if rec is not None and rec.status == OK and (workspace / rec.path).is_file():
            stored.add(scene.id)
            continue
        if rec is not None and rec.status == FAILED and rec.tries >= max_tries:
            run.given_up.append(scene.id)
            continue
        todo.append(scene)
    calls = [(site, scene, bands, detector is not None) for scene in todo]
    for n, (i, outcome) in enumerate(executor.map(chip_task, calls)):
        if progress is not None:
            progress("chips", n, len(todo), todo[i].id)
        _store_chip(store, run, todo[i], outcome, chips)
    if progress is not None:
        progress("chips", len(todo), len(todo), "")
    ready = [s for s in scenes if s.id in chips or s.id in stored]
    _run_pairs(
        store, run, ready, chips, records, detect=detect, max_tries=max_tries,
        progress=progress, executor=executor,
    )  # fmt: skip
    if run.changed:
        run.alerts = store.put_alerts(
            alerts_for_site(store.observations(site.id)), complete_for=[site.id]
        )
    return run


def _store_chip(
    store: Store,
    run: SiteRun,
    scene: Scene,
    outcome: ChipOutcome | TaskFailed,
    chips: dict[str, GeoImage],
) -> None:
    """Write a chip task's COG and record it with its figures, or record its failure."""
    site = run.site
    if isinstance(outcome, TaskFailed) or outcome.chip is None:
        reason = outcome.message if isinstance(outcome, TaskFailed) else outcome.error
        tries = store.record_chip_failure(site.id, scene.id, reason)
        log.warning("site %s: scene %s failed (try %d): %s", site.id, scene.id, tries, reason)
        run.failures.append((scene.id, reason))
        return
    _merge(run.timings, outcome.timings)
    rel = chip_path(site.id, scene.id)
    with stopwatch(run.timings, "read"):
        write_cog(outcome.chip, store.workspace / rel)
    with stopwatch(run.timings, "store"):
        dets = outcome.detections
        detections = None if dets is None else [asdict(d) for d in dets]
        outlines = [
            Outline(d.cls, shape.wkt, score=d.score, vehicle_kind=d.kind)
            for d in dets or []
            for shape in [detection_lonlat(d, outcome.chip)]
            if shape is not None
        ]
        store.record_chip(site.id, scene.id, rel, detections, outcome.observations, outlines)
    chips[scene.id] = outcome.chip
    run.new_chips.append(scene.id)
    run.observations += outcome.observations


def _detector(run: SiteRun) -> DetectorInfo | None:
    try:
        return default_detector()
    except SitewatchError as exc:
        run.failures.append(("detector", str(exc)))
        return None


def _run_pairs(
    store: Store,
    run: SiteRun,
    ready: list[Scene],
    chips: dict[str, GeoImage],
    records: dict[str, ChipRecord],
    *,
    detect: bool,
    max_tries: int,
    progress: RunProgress | None,
    executor: Executor,
) -> None:
    """Pairs of consecutive ``ready`` scenes; each chip is the one made in this run
    (``chips``) or the stored one its record, read before the run, points at."""
    site = run.site
    workspace = store.workspace
    wanted = list(itertools.pairwise(ready))
    done = store.pairs(site.id)
    stale = [k for k in done if k not in {(a.id, b.id) for a, b in wanted}]
    if stale:
        store.drop_pairs(site.id, stale)
        run.dropped_pairs += stale
    todo: list[tuple[Scene, Scene]] = []
    calls: list[tuple[Any, ...]] = []
    for before, after in wanted:
        rec = done.get((before.id, after.id))
        if rec is not None and rec.status == OK:
            continue
        if rec is not None and rec.status == FAILED and rec.tries >= max_tries:
            run.given_up.append(f"{before.id} -> {after.id}")
            continue
        try:
            with stopwatch(run.timings, "read"):
                a, b = (
                    chips.get(s.id) or read_stored_chip(workspace, records[s.id])
                    for s in (before, after)
                )
        except SitewatchError as exc:
            store.record_pair_failure(site.id, before.id, after.id, str(exc))
            run.failures.append((f"{before.id} -> {after.id}", str(exc)))
            continue
        todo.append((before, after))
        calls.append((site, before, after, a, b, detect))
    for n, (i, outcome) in enumerate(executor.map(pair_task, calls)):
        before, after = todo[i]
        if progress is not None:
            progress("pairs", n, len(todo), f"{before.id} -> {after.id}")
        _store_pair(store, run, before, after, outcome, calls[i][3])
    if progress is not None:
        progress("pairs", len(todo), len(todo), "")


def _store_pair(
    store: Store,
    run: SiteRun,
    before: Scene,
    after: Scene,
    outcome: PairOutcome | TaskFailed,
    grid_of: GeoImage,
) -> None:
    """Write a pair task's mask and record it with its figures, or record its failure."""
    site = run.site
    name = f"{before.id} -> {after.id}"
    if isinstance(outcome, TaskFailed) or outcome.error:
        reason = outcome.message if isinstance(outcome, TaskFailed) else outcome.error
        store.record_pair_failure(site.id, before.id, after.id, reason)
        run.failures.append((name, reason))
        return
    _merge(run.timings, outcome.timings)
    if outcome.problem:
        run.failures.append((name, outcome.problem))
    rel = ""
    meta: dict[str, Any] = {"problem": outcome.problem} if outcome.problem else {}
    if outcome.change is not None:
        rel = mask_path(site.id, before.id, after.id)
        with stopwatch(run.timings, "read"):
            write_mask(outcome.change.mask, store.workspace / rel, grid_of)
        meta = {"method": outcome.change.method, "alignment": outcome.change.alignment}
    objects = outcome.change.objects if outcome.change is not None else ()
    outlines = [
        Outline(o.change_type, shape.wkt, area_m2=o.area_m2, pixels=o.pixels)
        for o in objects
        for shape in [_multipolygon(o.geometry_lonlat)]
        if not shape.is_empty
    ]
    with stopwatch(run.timings, "store"):
        store.record_pair(site.id, before.id, after.id, rel, meta, outcome.observations, outlines)
    run.new_pairs.append((before.id, after.id))
    run.observations += outcome.observations


def load_site(store: Store, site: Site) -> SiteView:
    """The site's stored results (see :class:`SiteView`); missing chip files are listed
    as failures, not errors."""
    view = SiteView(site)
    workspace = store.workspace
    scenes = {e.scene.id: e.scene for e in store.list_scenes(site.id)}
    for scene_id, rec in store.chips(site.id).items():
        if rec.status == FAILED:
            view.failures.append((scene_id, rec.reason))
            continue
        try:
            view.chips[scene_id] = read_stored_chip(workspace, rec)
        except SitewatchError as exc:
            view.failures.append((scene_id, str(exc)))
            continue
        if rec.detections is not None:
            view.detections[scene_id] = detections_of(rec.detections)
    view.scenes = sorted((scenes[i] for i in view.chips if i in scenes), key=lambda s: s.time_utc)
    order = {s.id: n for n, s in enumerate(view.scenes)}
    for (before_id, after_id), pair in sorted(
        store.pairs(site.id).items(), key=lambda kv: order.get(kv[0][1], -1)
    ):
        if pair.status == FAILED:
            view.failures.append((f"{before_id} -> {after_id}", pair.reason))
        elif pair.mask_path and (workspace / pair.mask_path).is_file():
            mask = read_image(workspace / pair.mask_path).pixels[0] > 0
            view.changes[(before_id, after_id)] = ChangeView(
                mask, str(pair.meta.get("method", "")), str(pair.meta.get("alignment", ""))
            )
    view.observations = store.observations(site.id)
    view.alerts = store.list_alerts(site.id)
    return view
