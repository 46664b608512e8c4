"""Per-site processing: chips for each stored scene, and activity figures between dates."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sitewatch.activity import CHANGE_MAGNITUDE, Observation, change_magnitude
from sitewatch.chips import read_chip
from sitewatch.errors import SitewatchError, StoreError
from sitewatch.geo import GeoImage
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


def run_site(
    store: Store,
    site: Site,
    *,
    bands: Sequence[str] | None = None,
    min_coverage: float = 0.5,
    progress: Callable[[str], None] | None = None,
) -> SiteRun:
    """Read a chip of every scene covering at least ``min_coverage`` of the site, then
    store the change magnitude between each pair of consecutive dates.

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
    store.put_observations(run.observations)
    return run
