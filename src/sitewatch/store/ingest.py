"""Ingest: record every scene an imagery source offers, and which sites each covers.

Each scene is written in its own transaction, so an interrupted ingest keeps
what it finished and nothing half-written.  A bad file or item is reported and
skipped; the batch goes on.  Ingesting the same source twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sitewatch.errors import NotImageryError, SitewatchError, StoreError
from sitewatch.imagery.provenance import with_file_records
from sitewatch.imagery.scene import Scene
from sitewatch.imagery.sources.base import ImagerySource
from sitewatch.store.db import Store

log = logging.getLogger(__name__)

#: progress(done, total, current reference)
ProgressFn = Callable[[int, int, str], None]


@dataclass
class IngestReport:
    """What an ingest did: scene ids per outcome, and failures with their reasons."""

    source: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Scenes left out by the ``accept`` filter (e.g. too cloudy).
    skipped: list[str] = field(default_factory=list)

    @property
    def recorded(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "recorded": self.recorded,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": [{"ref": r, "error": e} for r, e in self.failed],
            "skipped": self.skipped,
        }


def ingest(
    source: ImagerySource,
    store: Store,
    progress: ProgressFn | None = None,
    *,
    accept: Callable[[Scene], bool] | None = None,
) -> IngestReport:
    """Record all scenes of ``source`` in ``store`` (those ``accept`` takes, when given);
    see the module docstring."""
    report = IngestReport(source=source.description)
    refs = source.refs()
    for i, ref in enumerate(refs):
        if progress is not None:
            progress(i, len(refs), ref)
        try:
            scene = source.load(ref)
            if accept is not None and not accept(scene):
                report.skipped.append(scene.id)
                continue
            scene = with_file_records(scene)  # which bytes: checked before each use
            status = store.record_scene(scene)
        except StoreError:
            raise
        except NotImageryError:  # a finding in a catalog of SiteWatch's products
            report.skipped.append(ref)
            continue
        except SitewatchError as exc:
            log.info("skipped %s: %s", ref, exc)
            report.failed.append((ref, str(exc)))
            continue
        getattr(report, status).append(scene.id)
    if progress is not None:
        progress(len(refs), len(refs), "")
    return report
