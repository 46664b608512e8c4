"""Monitoring: runs over many sites, their imagery subscriptions, alert delivery, and the
watch loop.

* :func:`run_sites`: for each site (under a store lock, so two processes never run one
  site at once), ingest what is new from its subscriptions, bring it up to date
  (:func:`sitewatch.pipeline.site.run_site`), then deliver new alerts to the webhooks.
* :func:`deliver_alerts`: every alert raised since a webhook was added is queued for it
  once; a delivery is retried with exponential backoff (within the run for short waits,
  then on later runs) and marked delivered as soon as the webhook answers 2xx, so it is
  never sent again.  Each POST carries an ``Idempotency-Key`` (the alert and the
  webhook), so a receiver can drop the one repeat a crash between its answer and our
  record of it could cause.
* :func:`watch`: cycles of ingest-then-run over the sites whose subscriptions brought new
  scenes, every ``every``, until stopped.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sitewatch.activity.webhook import send_webhook
from sitewatch.errors import SitewatchError, StoreError, WebhookError
from sitewatch.imagery.sources import cloud_filter, open_source
from sitewatch.pipeline.executor import Executor, LocalExecutor
from sitewatch.pipeline.site import RunProgress, SiteRun, run_site
from sitewatch.sites.watchlist import Site
from sitewatch.store.db import Store
from sitewatch.store.ingest import IngestReport, ingest
from sitewatch.store.runs import Subscription, now_utc

log = logging.getLogger(__name__)

#: How long a site's lock lasts before another process may take it over.
LOCK_TTL = timedelta(hours=2)
#: Delivery: tries before giving up, first backoff, longest backoff, longest wait in a run.
DELIVERY_TRIES = 8
BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(hours=1)
MAX_WAIT_IN_RUN = timedelta(seconds=10)


def holder_id() -> str:
    """Who holds a lock: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def holder_gone(holder: str) -> bool:
    """Whether a lock's holder was a process on this host that no longer runs (killed
    or crashed); holders on other hosts wait for their lease to expire."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class RunReport:
    """A monitoring run: per-site runs, ingests, deliveries, sites skipped (locked)."""

    sites: list[SiteRun] = field(default_factory=list)
    ingests: list[IngestReport] = field(default_factory=list)
    ingest_failures: list[tuple[str, str]] = field(default_factory=list)
    locked: list[str] = field(default_factory=list)
    deliveries: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    subscriptions_checked: int = 0

    @property
    def new_scenes(self) -> int:
        return sum(len(r.added) for r in self.ingests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sites": [r.to_dict() for r in self.sites],
            "subscriptions_checked": self.subscriptions_checked,
            "scenes_ingested": self.new_scenes,
            "ingest_failures": [{"source": s, "error": e} for s, e in self.ingest_failures]
            + [
                {"source": r.source, "ref": ref, "error": e}
                for r in self.ingests
                for ref, e in r.failed
            ],
            "chips_computed": sum(len(r.new_chips) for r in self.sites),
            "pairs_computed": sum(len(r.new_pairs) for r in self.sites),
            "observations_added": sum(len(r.observations) for r in self.sites),
            "alerts_added": sum(r.alerts["added"] for r in self.sites),
            "alerts_delivered": self.deliveries.get("delivered", 0),
            "deliveries": self.deliveries,
            "locked": self.locked,
            "seconds": round(self.seconds, 2),
        }


def ingest_subscription(store: Store, subscription: Subscription, site: Site) -> IngestReport:
    """Ingest what ``subscription`` offers now (a STAC API is searched over the site)."""
    remote = subscription.source.startswith(("http://", "https://"))
    source = open_source(
        subscription.source,
        collections=[subscription.collection] if subscription.collection else None,
        bbox=list(site.aoi.bounds) if remote else None,
        band_names=list(subscription.band_names) or None,
        max_cloud=subscription.max_cloud,
    )
    accept = None
    if subscription.max_cloud is not None and not remote:
        accept = cloud_filter(subscription.max_cloud)
    report = ingest(source, store, accept=accept)
    store.mark_checked(subscription.id)
    return report


def _ingest_all(
    store: Store,
    subscriptions: Iterable[Subscription],
    report: RunReport,
    seen: set[tuple[Any, ...]],
) -> None:
    """Ingest each subscription; a local source with the same filters as one in ``seen``
    (already ingested in this run) is only marked checked."""
    for sub in subscriptions:
        report.subscriptions_checked += 1
        key = (sub.source, sub.collection, sub.band_names, sub.max_cloud)
        remote = sub.source.startswith(("http://", "https://"))
        if not remote and key in seen:
            store.mark_checked(sub.id)
            continue
        seen.add(key)
        try:
            report.ingests.append(ingest_subscription(store, sub, store.get_site(sub.site_id)))
        except StoreError:
            raise
        except SitewatchError as exc:
            log.warning("subscription %d (%s): %s", sub.id, sub.source, exc)
            report.ingest_failures.append((sub.source, str(exc)))


def run_sites(
    store: Store,
    sites: Sequence[Site],
    *,
    since: datetime | None = None,
    detect: bool = True,
    ingest_subscriptions: bool = True,
    deliver: bool = True,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[Site], RunProgress | None] | None = None,
    executor: Executor | None = None,
) -> RunReport:
    """Ingest each site's subscriptions, bring the site up to date and deliver new alerts
    (see the module docstring).  A site another process is running is skipped and
    listed in ``locked``.  ``executor`` computes the chips and pairs (default: in this
    process); with a Dask cluster, as many sites as it has worker threads are worked on
    at once, their results stored here as they come."""
    t0 = time.perf_counter()
    executor = executor or LocalExecutor()
    report = RunReport()
    seen: set[tuple[Any, ...]] = set()  # local sources already ingested in this run
    guard = threading.Lock()  # over ``report`` and ``seen`` when sites run at once

    def one(site: Site) -> None:
        if should_stop():
            return
        with store.lock(f"site:{site.id}", holder_id(), LOCK_TTL, holder_gone) as held:
            if not held:
                log.warning("site %s is being run by another process; skipped", site.id)
                with guard:
                    report.locked.append(site.id)
                return
            if ingest_subscriptions:
                part = RunReport()
                with guard:
                    subscriptions = store.list_subscriptions(site.id)
                    _ingest_all(store, subscriptions, part, seen)
                    report.ingests += part.ingests
                    report.ingest_failures += part.ingest_failures
                    report.subscriptions_checked += part.subscriptions_checked
            done = run_site(
                store,
                site,
                since=since,
                detect=detect,
                progress=progress(site) if progress else None,
                executor=executor,
            )
            with guard:
                report.sites.append(done)

    workers = min(executor.concurrency, len(sites))
    if workers <= 1:
        for site in sites:
            one(site)
    else:
        with ThreadPoolExecutor(workers, thread_name_prefix="sitewatch-site") as pool:
            list(pool.map(one, sites))  # re-raises the first error (a store failure)
        order = {s.id: i for i, s in enumerate(sites)}
        report.sites.sort(key=lambda r: order[r.site.id])
        report.locked.sort(key=order.__getitem__)
    if deliver:
        report.deliveries = deliver_alerts(store)
    report.seconds = time.perf_counter() - t0
    return report


def _retry_in(tries: int) -> timedelta | None:
    """Backoff after ``tries`` failed attempts; None when it is time to give up."""
    if tries >= DELIVERY_TRIES:
        return None
    backoff: timedelta = BACKOFF * 2 ** (tries - 1)
    return min(backoff, MAX_BACKOFF)


def deliver_alerts(
    store: Store,
    *,
    send: Callable[..., int] = send_webhook,
    clock: Callable[[], datetime] = now_utc,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Queue and send pending alert deliveries (see the module docstring); returns how
    many were delivered now and how many are still pending or given up overall.
    Retries due within :data:`MAX_WAIT_IN_RUN` are waited for (``sleep``)."""
    store.queue_deliveries(clock())
    delivered = 0
    for _ in range(DELIVERY_TRIES):
        for d in store.due_deliveries(clock()):
            key = f"sitewatch-alert-{d.alert.id}-{d.url}"
            try:
                send([d.alert], d.url, idempotency_key=key)
            except WebhookError as exc:
                retry = _retry_in(d.tries + 1)
                store.mark_delivery_failed(
                    d.id, str(exc), None if retry is None else clock() + retry
                )
                log.warning(
                    "alert %s to %s: try %d failed: %s", d.alert.id, d.url, d.tries + 1, exc
                )
                continue
            store.mark_delivered(d.id)
            delivered += 1
        soonest = store.next_delivery_due()
        if soonest is None:
            break
        wait = (soonest - clock()).total_seconds()
        if wait > MAX_WAIT_IN_RUN.total_seconds():
            break
        sleep(max(wait, 0.0))
    counts = store.delivery_counts()
    return {"delivered": delivered, "pending": counts["pending"], "failed": counts["failed"]}


@dataclass
class Cycle:
    """One watch cycle: its number, the run it made, and when the next is due."""

    number: int
    report: RunReport
    next_at: datetime | None

    def line(self) -> str:
        r = self.report.to_dict()
        nxt = f"; next at {self.next_at:%Y-%m-%dT%H:%M:%SZ}" if self.next_at else ""
        return (
            f"cycle {self.number}: {r['scenes_ingested']} new scene(s) from "
            f"{self.report.subscriptions_checked} subscription(s); "
            f"ran {len(self.report.sites)} site(s): "
            f"{r['chips_computed']} chip(s), {r['pairs_computed']} pair(s), "
            f"{r['observations_added']} observation(s), {r['alerts_added']} alert(s) raised, "
            f"{r['alerts_delivered']} delivered; {len(r['ingest_failures'])} failure(s)"
            + (f"; locked: {', '.join(self.report.locked)}" if self.report.locked else "")
            + nxt
        )


def watch(
    store: Store,
    *,
    every: timedelta,
    once: bool = False,
    stop: threading.Event | None = None,
    detect: bool = True,
    on_cycle: Callable[[Cycle], None] | None = None,
    executor: Executor | None = None,
) -> int:
    """Cycle until ``stop`` is set (or once): ingest each subscription, run the sites
    whose subscriptions brought new or changed scenes (every subscribed site on the
    first cycle, to finish what earlier runs left), deliver alerts; ``executor`` as in
    :func:`run_sites`.  Returns the number of cycles."""
    stop = stop or threading.Event()
    number = 0
    while not stop.is_set():
        number += 1
        report = RunReport()
        t0 = time.perf_counter()
        subscriptions = store.list_subscriptions()
        _ingest_all(store, subscriptions, report, set())
        fresh = {i for r in report.ingests for i in (*r.added, *r.updated)}
        subscribed = {s.site_id for s in subscriptions}
        touched = {
            site_id
            for entry in store.list_scenes()
            if entry.scene.id in fresh
            for site_id in entry.sites
        }
        wanted = subscribed if number == 1 else subscribed & touched
        sites = [s for s in store.list_sites() if s.id in wanted]
        run = run_sites(
            store,
            sites,
            detect=detect,
            ingest_subscriptions=False,
            should_stop=stop.is_set,
            executor=executor,
        )
        report.sites, report.locked, report.deliveries = run.sites, run.locked, run.deliveries
        report.seconds = time.perf_counter() - t0
        last = once or stop.is_set()
        next_at = None if last else now_utc() + every
        if on_cycle is not None:
            on_cycle(Cycle(number, report, next_at))
        if last:
            break
        stop.wait(every.total_seconds())
    return number


def parse_every(text: str) -> timedelta:
    """``90s``, ``15m``, ``6h``, ``1d`` (or a bare number of seconds) as a timedelta."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    unit = units.get(text[-1:])
    number = text[:-1] if unit else text
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        raise ValueError(f"{text!r}: expected a duration such as 90s, 15m, 6h or 1d") from None
    if value <= 0:
        raise ValueError(f"{text!r}: the interval must be positive")
    return timedelta(seconds=value)
