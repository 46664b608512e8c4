"""Runs started from the web API: one worker thread brings sites up to date in the
order asked (the same :func:`~sitewatch.pipeline.run_sites` as ``sitewatch run``), and
each run's status is kept for reading back."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sitewatch.errors import SitewatchError
from sitewatch.pipeline.monitor import run_sites
from sitewatch.sites.watchlist import Site
from sitewatch.store import Store
from sitewatch.store.runs import now_utc
from sitewatch.times import iso_utc

#: Runs kept for reading back (the oldest finished ones are forgotten first).
KEEP = 200


@dataclass
class WebRun:
    """A run asked for through the API: queued, running, done or failed."""

    id: int
    site_id: str
    detect: bool
    status: str = "queued"
    created_at: datetime = field(default_factory=now_utc)
    finished_at: datetime | None = None
    report: dict[str, Any] | None = None
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site": self.site_id,
            "detect": self.detect,
            "status": self.status,
            "created_at": iso_utc(self.created_at),
            "finished_at": iso_utc(self.finished_at) if self.finished_at else None,
            "report": self.report,
            "error": self.error,
        }


class RunQueue:
    """Runs one at a time on a worker thread; reading a run's status never blocks."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitewatch-run")
        self._runs: dict[int, WebRun] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, site: Site, *, detect: bool = True) -> WebRun:
        run = WebRun(next(self._ids), site.id, detect)
        with self._lock:
            self._runs[run.id] = run
            finished = [r.id for r in self._runs.values() if r.finished_at is not None]
            for old in finished[: max(0, len(self._runs) - KEEP)]:
                del self._runs[old]
        self._pool.submit(self._run, run, site)
        return run

    def _run(self, run: WebRun, site: Site) -> None:
        run.status = "running"
        try:
            report = run_sites(self.store, [site], detect=run.detect)
        except SitewatchError as exc:
            run.status, run.error = "failed", str(exc)
        else:
            run.report = report.to_dict()
            run.status = "locked" if site.id in report.locked else "done"
        finally:
            run.finished_at = now_utc()

    def get(self, run_id: int) -> WebRun | None:
        with self._lock:
            return self._runs.get(run_id)

    def list(self) -> list[WebRun]:
        with self._lock:
            return sorted(self._runs.values(), key=lambda r: -r.id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
