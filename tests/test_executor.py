"""Runs on a Dask distributed cluster: the same observations, alerts and deliveries as a
local run, on a LocalCluster and on `dask scheduler` + `dask worker` processes on
loopback; a task that keeps raising is retried, then recorded as failed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sitewatch.demo import watch_demo_sites
from sitewatch.errors import ExecutorError
from sitewatch.imagery.sources import open_source
from sitewatch.pipeline.executor import DaskExecutor, LocalExecutor, TaskFailed, open_executor
from sitewatch.pipeline.monitor import run_sites
from sitewatch.store import Store
from tests.helpers import assert_one_line_error, free_port, run_cli
from tests.test_monitor import naip_files, paint_pad
from tests.webhook import serve_webhook

BIN = Path(sys.executable).parent


def outcome(store: Store, received: list[dict[str, Any]]) -> dict[str, Any]:
    """What a run left: observations (without their provenance's clock time), alerts and
    the alerts the webhook received, each sorted, ids left out (they follow the order
    in which sites finished)."""
    obs = []
    for site in store.list_sites():
        for o in store.observations(site.id):
            evidence = {k: v for k, v in o.evidence.items() if k != "provenance"}
            obs.append((o.site_id, o.zone, o.figure, o.scene_id, o.ref_scene_id, o.value,
                        o.unit, o.method, repr(sorted(evidence.items()))))  # fmt: skip
    alerts = [(a.site_id, a.zone, a.figure, a.severity, a.start, a.end, a.message)
              for a in store.list_alerts()]  # fmt: skip
    sent = [
        (a["site_id"], a["figure"], a["start"], a["message"])
        for body in received
        for a in body["alerts"]
    ]
    return {"observations": sorted(obs), "alerts": sorted(alerts), "delivered": sorted(sent)}


#: The sample sites run in the comparison: the NAIP series (with a cleared pad on its
#: last date, so that an alert is raised and delivered) and two Sentinel-2 cities.
SAMPLE = ("demo-naip-nd", "demo-dubai", "demo-abudhabi")


def sample_run(root: Path, data_dir: Path, executor: LocalExecutor | DaskExecutor) -> Any:
    """:data:`SAMPLE` of the demo's sites run with ``executor`` into a new store."""
    naip = root / "naip"
    if not naip.exists():
        naip.mkdir(parents=True)
        for f in naip_files(data_dir):
            shutil.copy(f, naip / f.name)
        paint_pad(sorted(naip.glob("*.tif"))[-1])
    with Store(f"sqlite:///{root / f'{executor.name}.db'}") as store:
        sites = [s for s in watch_demo_sites(store, data_dir) if s.id in SAMPLE]
        (sub,) = store.list_subscriptions("demo-naip-nd")
        store.remove_subscription(sub.id)
        store.add_subscription("demo-naip-nd", str(naip), band_names=sub.band_names)
        with serve_webhook() as (hook, received):
            store.add_webhook(hook)
            report = run_sites(store, sites, executor=executor)
        return report, outcome(store, received.bodies)


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Any:
    root = tmp_path_factory.mktemp("local")
    return sample_run(root, data_dir, LocalExecutor())


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    with DaskExecutor(workers=2) as executor:
        yield executor


@pytest.mark.slow
def test_dask_run_gives_the_local_runs_results(
    local_run: Any, cluster: DaskExecutor, tmp_path: Path, data_dir: Path
) -> None:
    report, got = sample_run(tmp_path, data_dir, cluster)
    local_report, expected = local_run
    assert report.to_dict()["chips_computed"] == local_report.to_dict()["chips_computed"] == 14
    assert len(expected["observations"]) == 38 + 12
    assert expected["alerts"]  # the cleared pad
    assert len(expected["delivered"]) == len(expected["alerts"])
    assert got == expected
    assert cluster.describe()["workers"] == 2


def flaky(counter: str, failures: int) -> int:
    """Raises the first ``failures`` times it is called (counted in a file), then returns
    how many calls it took."""
    path = Path(counter)
    n = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(n))
    if n <= failures:
        raise OSError(f"simulated worker failure {n}")
    return n


def test_a_raising_task_is_retried_then_given_back_as_failed(
    cluster: DaskExecutor, tmp_path: Path
) -> None:
    calls = [(str(tmp_path / "a"), 2), (str(tmp_path / "b"), 5)]
    results = dict(cluster.map(flaky, calls))
    assert results[0] == 3  # two failures, then the second retry succeeded
    failed = results[1]
    assert isinstance(failed, TaskFailed)
    assert "after 3 tries" in failed.message
    assert "simulated worker failure 3" in failed.message
    assert (tmp_path / "b").read_text() == "3"  # tried three times, not five


@pytest.fixture
def dask_processes(tmp_path: Path) -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on loopback; yields the
    scheduler's address."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path, env=env,
    )  # fmt: skip
    workers = subprocess.Popen(
        [str(BIN / "dask"), "worker", address, "--nworkers", "2", "--nthreads", "1",
         "--host", "127.0.0.1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path, env=env,
    )  # fmt: skip
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        with Client(address, timeout=60) as client:  # type: ignore[no-untyped-call]
            while len(client.nthreads()) < 2:
                assert time.monotonic() < deadline, "dask workers did not start"
                time.sleep(0.2)
        yield address
    finally:
        for proc in (workers, scheduler):
            proc.terminate()
            proc.wait(timeout=30)


@pytest.mark.slow
def test_run_on_separate_dask_scheduler_and_worker_processes(
    dask_processes: str, data_dir: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """`sitewatch run --executor dask --scheduler ADDRESS` against a cluster of separate
    processes stores what a local run of the same sites stores."""
    results = {}
    for name, extra in (("local", []), ("dask", ["--executor", "dask", "--scheduler",
                                                  dask_processes])):  # fmt: skip
        db = f"sqlite:///{tmp_path / f'{name}.db'}"
        with Store(db) as store:
            watch_demo_sites(store, data_dir)
        r = run_cli(runner, db, "run", "demo-dubai", "demo-abudhabi", "--json", *extra)
        assert r.exit_code == 0, r.output
        with Store(db) as store:
            results[name] = outcome(store, [])
    assert len(results["local"]["observations"]) == 12  # 4 dates, 2 pairs
    assert results["dask"] == results["local"]


def test_executor_options_are_checked_in_one_line(runner: CliRunner, db_url: str) -> None:
    r = run_cli(runner, db_url, "run", "sohae", "--workers", "2")
    assert_one_line_error(r, "--workers and --scheduler go with --executor dask")
    port = free_port()  # nothing listens there
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler"):
        DaskExecutor(scheduler=f"tcp://127.0.0.1:{port}", timeout=2)
    with pytest.raises(ExecutorError, match="not both"):
        open_executor("dask", workers=2, scheduler=f"tcp://127.0.0.1:{port}")


def _break_one_scene(scene_id: str) -> None:
    """On a worker: reading ``scene_id`` raises an error that is not SiteWatch's own (as a
    lost mount or a crashed library would)."""
    from sitewatch.pipeline import site as site_module

    real = getattr(site_module, "read_chip")  # noqa: B009

    def read_chip(scene: Any, *args: Any, **kwargs: Any) -> Any:
        if scene.id == scene_id:
            raise OSError(f"simulated I/O failure reading {scene.id}")
        return real(scene, *args, **kwargs)

    setattr(site_module, "_real_read_chip", real)  # noqa: B010
    setattr(site_module, "read_chip", read_chip)  # noqa: B010


def _restore() -> None:
    from sitewatch.pipeline import site as site_module

    setattr(site_module, "read_chip", getattr(site_module, "_real_read_chip"))  # noqa: B009, B010


def test_a_task_failing_on_the_cluster_is_recorded_as_a_failed_chip(
    cluster: DaskExecutor, data_dir: Path, tmp_path: Path
) -> None:
    """The chip task of one scene raises on every worker, every try: the run records that
    chip as failed with the error and its try, computes the rest, and the next (local)
    run finishes it."""
    from sitewatch.pipeline.site import run_site
    from sitewatch.sites.watchlist import demo_sites
    from sitewatch.store.ingest import ingest

    site = next(s for s in demo_sites() if s.id == "demo-dubai")
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        store.add_site(site)
        ingest(open_source(str(data_dir / "oscd" / "catalog.json")), store)
        victim = store.list_scenes(site.id)[0].scene.id
        cluster.client.run(_break_one_scene, victim)
        try:
            run = run_site(store, site, detect=False, executor=cluster)
        finally:
            cluster.client.run(_restore)
        assert run.new_chips == [s.scene.id for s in store.list_scenes(site.id)][1:]
        assert [i for i, _ in run.failures] == [victim]
        assert "after 3 tries" in run.failures[0][1]
        failed = store.chips(site.id)[victim]
        assert (failed.status, failed.tries) == ("failed", 1)
        assert "simulated I/O failure" in failed.reason
        again = run_site(store, site, detect=False)
        assert again.new_chips == [victim]
        assert len(again.new_pairs) == 1
