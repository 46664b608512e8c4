"""Several processes on one store (real processes, started together at a barrier): a lock
is taken by one, an alert is delivered once, no acknowledgement is lost, and two runs of
the same sites never compute a chip twice.  Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sitewatch.activity.alerts import Alert
from sitewatch.pipeline.monitor import deliver_alerts
from sitewatch.sites.watchlist import demo_sites
from sitewatch.store import Store
from tests.webhook import serve_webhook

pytestmark = pytest.mark.both_stores

SPAWN = multiprocessing.get_context("spawn")  # children open their own connections
PROCESSES = 4
T0 = datetime(2020, 1, 1, tzinfo=UTC)


def _start(target: Any, *args: Any) -> list[int]:
    """Run ``target(barrier, queue, *args, i)`` in :data:`PROCESSES` processes; returns
    what each put on the queue, in the order they finished."""
    barrier = SPAWN.Barrier(PROCESSES)
    queue = SPAWN.Queue()
    procs = [
        SPAWN.Process(target=target, args=(barrier, queue, *args, i)) for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def _take_lock(barrier: Any, queue: Any, url: str, name: str, i: int) -> None:
    with Store(url) as store:
        barrier.wait()
        queue.put(int(store.acquire_lock(name, f"holder-{i}", timedelta(minutes=5))))


def _deliver(barrier: Any, queue: Any, url: str, _i: int) -> None:
    with Store(url) as store:
        barrier.wait()
        queue.put(deliver_alerts(store)["delivered"])


def _acknowledge_or_recompute(
    barrier: Any, queue: Any, url: str, alerts: list[Alert], ids: list[int], i: int
) -> None:
    """Process 0 rewrites the site's alerts again and again (a re-run); the others
    acknowledge their share of the alerts meanwhile."""
    with Store(url) as store:
        barrier.wait()
        if i == 0:
            for _ in range(15):
                store.put_alerts(alerts, complete_for=[alerts[0].site_id])
        else:
            for alert_id in ids[i - 1 :: PROCESSES - 1]:
                store.acknowledge_alert(alert_id)
        queue.put(i)


def _alerts(n: int) -> list[Alert]:
    return [
        Alert("sohae", "vehicle_count", "high", t, t, f"constructed alert {d}")
        for d in range(n)
        for t in [T0 + timedelta(days=d)]
    ]


def test_one_process_of_many_takes_a_lock(db_url: str, store: Store) -> None:
    for round_ in range(2):
        name = f"site:race-{round_}"
        if round_ == 1:  # an expired lease that every process tries to take over
            assert store.acquire_lock(name, "gone", timedelta(seconds=-1))
        assert sum(_start(_take_lock, db_url, name)) == 1


def test_concurrent_deliveries_send_each_alert_once(db_url: str, store: Store) -> None:
    store.put_alerts(_alerts(20))
    with serve_webhook() as (hook, received):
        store.add_webhook(f"{hook}/a")
        store.add_webhook(f"{hook}/b")
        store.put_alerts(_alerts(30))  # 10 raised after the webhooks were added
        delivered = _start(_deliver, db_url)
        sent = [(path, body["alerts"][0]["id"]) for path, _, body in received.requests]
    assert sum(delivered) == 20
    assert len(sent) == len(set(sent)) == 20  # ten alerts to two webhooks, once each
    assert store.delivery_counts() == {"pending": 0, "delivered": 20, "failed": 0}


def test_acknowledgements_survive_a_concurrent_rerun(db_url: str, store: Store) -> None:
    alerts = _alerts(40)
    store.put_alerts(alerts)
    ids = [a.id for a in store.list_alerts("sohae") if a.id is not None]
    assert len(ids) == 40
    _start(_acknowledge_or_recompute, db_url, alerts, ids)
    after = store.list_alerts("sohae")
    assert sorted(a.id for a in after if a.id is not None) == ids  # same ids, none lost
    assert all(a.acknowledged for a in after)


@pytest.mark.slow
def test_two_runs_of_the_same_sites_compute_each_chip_once(
    db_url: str, store: Store, data_dir: Path
) -> None:
    """Two `sitewatch run` processes over the same three sites at once: each site is run
    by one of them, so every chip and pair is computed once (one try), with no doubled
    observation."""
    sites = [s for s in demo_sites() if s.id == "demo-naip-nd"]
    store.import_sites(sites)
    for n, offset in enumerate((0.004, 0.008)):
        minx, miny, maxx, maxy = sites[0].aoi.bounds
        bbox = f"{minx + offset},{miny},{maxx + offset},{maxy}"
        subprocess.run(
            [sys.executable, "-m", "sitewatch", "--db", db_url, "sites", "add", f"nd{n}",
             "--name", f"ND {n}", "--bbox", bbox],
            check=True, capture_output=True,
        )  # fmt: skip
    naip = data_dir / "timeseries" / "naip"
    ingest = [sys.executable, "-m", "sitewatch", "--db", db_url, "ingest", str(naip),
              "--band-names", "red,green,blue,nir"]  # fmt: skip
    subprocess.run(ingest, check=True, capture_output=True)
    run = [sys.executable, "-m", "sitewatch", "--db", db_url, "run", "--all", "--no-detect"]
    procs = [subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    ran = store.list_sites()
    chips = [c for s in ran for c in store.chips(s.id).values()]
    pairs = [p for s in ran for p in store.pairs(s.id).values()]
    assert (len(chips), len(pairs)) == (30, 27)
    assert {c.tries for c in chips} | {p.tries for p in pairs} == {1}
    with store.engine.connect() as conn:
        doubled = conn.exec_driver_sql(
            "select count(*) from (select site_id, zone, figure, scene_id, ref_scene_id "
            "from observations group by 1, 2, 3, 4, 5 having count(*) > 1) as d"
        ).scalar()
    assert doubled == 0
