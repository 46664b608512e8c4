"""Monitoring runs end to end: `sites add` + `sources add` + `run` (incremental), `watch`
against a local STAC API with a local webhook, failures retried and given up, locks,
and runs killed with SIGKILL finished by the next run."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

from sitewatch.activity.alerts import Alert
from sitewatch.imagery.sources.files import FileSource
from sitewatch.pipeline.monitor import (
    deliver_alerts,
    holder_gone,
    holder_id,
    parse_every,
    run_sites,
)
from sitewatch.pipeline.site import run_site
from sitewatch.sites.watchlist import demo_sites
from sitewatch.store import Store
from sitewatch.store.ingest import ingest
from tests.helpers import run_cli
from tests.stac_api import items_from_scenes, serve_stac_api
from tests.webhook import serve_webhook

BBOX = "-99.17,47.01,-99.14,47.03"
NAIP_BANDS = ["red", "green", "blue", "nir"]

pytestmark = pytest.mark.both_stores


def naip_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "timeseries" / "naip").glob("*.tif"))


def js(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def paint_pad(path: Path) -> None:
    """A cleared construction pad: the central 3/4 of the image made bright bare ground
    (a real NAIP scene otherwise), as when a site is levelled for building."""
    with rasterio.open(path) as src:
        pixels, profile, tags = src.read(), src.profile, src.tags()
    rows, cols = pixels.shape[1:]
    pixels[:3, rows // 8 : 7 * rows // 8, cols // 8 : 7 * cols // 8] = 250
    profile.update(driver="GTiff")
    path.unlink()
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(pixels)
        dst.update_tags(**tags)


@pytest.mark.slow
def test_cli_run_is_incremental(
    data_dir: Path, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    files = naip_files(data_dir)
    folder = tmp_path / "naip"
    folder.mkdir()
    held_back = {files[4], files[-1]}
    for f in files:
        if f not in held_back:
            shutil.copy(f, folder / f.name)
    assert (
        run_cli(runner, db_url, "sites", "add", "nd", "--name", "ND", "--bbox", BBOX).exit_code == 0
    )
    sub = js(run_cli(runner, db_url, "sources", "add", "nd", str(folder), "--band-names",
                     ",".join(NAIP_BANDS), "--json"))  # fmt: skip
    assert sub["site_id"] == "nd"
    first = js(run_cli(runner, db_url, "run", "nd", "--json"))
    assert (first["scenes_ingested"], first["chips_computed"], first["pairs_computed"]) == (8, 8, 7)
    again = js(run_cli(runner, db_url, "run", "nd", "--json"))
    assert again["scenes_ingested"] == again["chips_computed"] == again["pairs_computed"] == 0
    assert again["observations_added"] == 0
    # One more scene at the end: one chip, one pair.
    shutil.copy(files[-1], folder / files[-1].name)
    latest = js(run_cli(runner, db_url, "run", "nd", "--json"))
    assert (latest["chips_computed"], latest["pairs_computed"]) == (1, 1)
    # One in the middle: its chip, two pairs, and the pair it splits is dropped.
    shutil.copy(files[4], folder / files[4].name)
    middle = js(run_cli(runner, db_url, "run", "nd", "--json"))
    assert (middle["chips_computed"], middle["pairs_computed"]) == (1, 2)
    assert middle["sites"][0]["pairs_dropped"] == 1
    timeline = js(run_cli(runner, db_url, "timeline", "nd", "--json"))["observations"]
    assert sum(o["figure"] == "ndvi" for o in timeline) == 10
    pairs = [o for o in timeline if o["figure"] == "change_magnitude"]
    assert len(pairs) == 9
    ordered = [p["scene_id"] for p in pairs]
    assert ordered == sorted(ordered)
    assert len(set(ordered)) == 9
    assert sum(o["figure"] == "changed_area" for o in timeline) == 9
    alerts = run_cli(runner, db_url, "alerts", "--site", "nd", "--json")
    assert alerts.exit_code == 0
    out = tmp_path / "report"
    report = run_cli(runner, db_url, "report", "nd", "--out", str(out))
    assert report.exit_code == 0, report.output
    assert Path(report.stdout.strip().splitlines()[-1]) == (out / "report.html").resolve()
    assert 'id="nd"' in (out / "report.html").read_text()
    # Chips are COGs in the workspace beside the store, and the store refers to them.
    with Store(db_url) as store:
        chips = sorted(store.workspace.glob("chips/nd/*.tif"))
    assert len(chips) == 10
    with rasterio.open(chips[0]) as src:
        assert src.crs is not None
        assert src.count == 4


def naip_items(data_dir: Path, folder: Path) -> list[dict[str, Any]]:
    """STAC items for a copy of the NAIP series whose last date shows a cleared pad."""
    folder.mkdir()
    for f in naip_files(data_dir):
        shutil.copy(f, folder / f.name)
    paint_pad(sorted(folder.glob("*.tif"))[-1])
    source = FileSource(folder, band_names=NAIP_BANDS)
    return items_from_scenes(sorted((source.load(r) for r in source.refs()),
                                    key=lambda s: s.datetime), "naip")  # fmt: skip


@pytest.mark.slow
def test_watch_ingests_new_items_and_delivers_the_alert_once(
    data_dir: Path, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    items = naip_items(data_dir, tmp_path / "naip")
    served = items[:6]
    site = next(s for s in demo_sites() if s.id == "demo-naip-nd")
    with (
        serve_stac_api(items=served) as (api, _),
        serve_webhook(fail_first=1) as (hook, received),
        Store(db_url) as store,
    ):
        store.add_site(site)
        r = run_cli(runner, db_url, "sources", "add", site.id, api, "--collection", "naip")
        assert r.exit_code == 0, r.output
        assert run_cli(runner, db_url, "webhooks", "add", f"{hook}/alerts").exit_code == 0
        one = run_cli(runner, db_url, "watch", "--once", "--no-detect")
        assert one.exit_code == 0, one.output
        assert one.stdout.startswith("cycle 1: 6 new scene(s) from 1 subscription(s); ran 1")
        assert "0 alert(s) raised" in one.stdout
        served.extend(items[6:])  # new imagery arrives
        two = run_cli(runner, db_url, "watch", "--once", "--no-detect", "--json")
        cycle = json.loads(two.stdout)
        assert cycle["scenes_ingested"] == 4
        assert cycle["chips_computed"] == 4
        assert cycle["pairs_computed"] == 4
        assert cycle["alerts_added"] == 1
        assert cycle["alerts_delivered"] == 1
        # The first POST got HTTP 500; the retry delivered it; the key is the same.
        assert len(received.requests) == 2
        keys = {headers["Idempotency-Key"] for _, headers, _ in received.requests}
        assert len(keys) == 1
        assert received.bodies[1]["alerts"][0]["figure"] == "brightness"
        three = run_cli(runner, db_url, "watch", "--once", "--no-detect", "--json")
        assert json.loads(three.stdout)["scenes_ingested"] == 0
        assert len(received.requests) == 2  # never sent twice
        listed = js(run_cli(runner, db_url, "webhooks", "list", "--json"))
        assert listed["deliveries"] == {"pending": 0, "delivered": 1, "failed": 0}


class FakeClock:
    """A clock that moves only when slept on."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.waits: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_delivery_backs_off_gives_up_and_never_resends(store: Store, tmp_path: Path) -> None:
    site = demo_sites()[4]
    store.add_site(site)
    t = datetime(2020, 1, 1, tzinfo=UTC)
    alert = Alert(site.id, "brightness", "high", t, t, "a constructed alert")
    with serve_webhook() as (hook, received):
        store.add_webhook(f"{hook}/fail")
        store.add_webhook(f"{hook}/ok")
        store.put_alerts([alert])
        clock = FakeClock(datetime.now(UTC))
        first = deliver_alerts(store, clock=clock, sleep=clock.sleep)
        assert first["delivered"] == 1
        # /fail was retried after 1, 2, 4 and 8 s; the next wait (16 s) is longer than a
        # run waits, so the delivery stays pending for later runs.
        assert clock.waits == pytest.approx([1, 2, 4, 8], abs=0.01)
        assert (first["pending"], first["failed"]) == (1, 0)
        paths = [p for p, _, _ in received.requests]
        assert (paths.count("/ok"), paths.count("/fail")) == (1, 5)
        for _ in range(3):  # later runs, an hour apart: tries 6, 7 and 8, then given up
            clock.sleep(3600)
            last = deliver_alerts(store, clock=clock, sleep=clock.sleep)
        assert (last["delivered"], last["pending"], last["failed"]) == (0, 0, 1)
        paths = [p for p, _, _ in received.requests]
        assert (paths.count("/ok"), paths.count("/fail")) == (1, 8)


def test_failed_scene_is_retried_then_given_up(
    data_dir: Path, store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "naip"
    folder.mkdir()
    for f in naip_files(data_dir)[:3]:
        shutil.copy(f, folder / f.name)
    site = next(s for s in demo_sites() if s.id == "demo-naip-nd")
    store.add_site(site)
    ingest(FileSource(folder, NAIP_BANDS), store)
    victim = sorted(folder.glob("*.tif"))[1]
    moved = victim.rename(tmp_path / victim.name)
    for attempt in (1, 2, 3):
        run = run_site(store, site, detect=False)
        assert len(run.failures) == 1, attempt
        assert "not found" in run.failures[0][1]
    assert next(r for r in store.chips(site.id).values() if r.status == "failed").tries == 3
    moved.rename(victim)  # back, but the scene has used its tries
    fourth = run_site(store, site, detect=False)
    assert fourth.failures == []
    assert len(fourth.given_up) == 1
    assert fourth.new_chips == []


def test_locks_keep_a_second_runner_off_a_site(db_url: str, store: Store) -> None:
    with Store(db_url) as other:
        assert store.acquire_lock("site:sohae", "a", timedelta(minutes=5))
        assert not other.acquire_lock("site:sohae", "b", timedelta(minutes=5))
        report = run_sites(other, [other.get_site("sohae")], deliver=False)
        assert report.locked == ["sohae"]
        assert report.sites == []
        store.release_lock("site:sohae", "a")
        assert other.acquire_lock("site:sohae", "b", timedelta(minutes=5))
        # An expired lease is taken over.
        assert store.acquire_lock("site:x", "a", timedelta(seconds=-1))
        assert other.acquire_lock("site:x", "b", timedelta(minutes=5))
        # So is one whose holder was a process of this host that has gone (kill -9).
        code = "import os; print(os.getpid())"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        dead = f"{socket.gethostname()}:{done.stdout.strip()}:1"
        assert holder_gone(dead)
        assert not holder_gone(holder_id())
        assert store.acquire_lock("site:y", dead, timedelta(hours=2))
        assert not other.acquire_lock("site:y", "b", timedelta(minutes=5))
        assert other.acquire_lock("site:y", "b", timedelta(minutes=5), holder_gone)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), ("30", 30)]
)
def test_parse_every(text: str, seconds: int) -> None:
    assert parse_every(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "0h", "-1m", "soon"])
def test_parse_every_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|positive"):
        parse_every(text)


def _observations(db: Path) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(
            "select site_id, figure, scene_id, ref_scene_id, value from observations "
            "order by site_id, figure, scene_id, ref_scene_id"
        ).fetchall()


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "sitewatch", "--db", str(db), *args]


@pytest.mark.slow
def test_kill_9_during_runs_then_the_next_run_finishes_the_same(
    data_dir: Path, tmp_path: Path
) -> None:
    folder = str(data_dir / "timeseries" / "naip")
    setup = ["sites", "add", "nd", "--name", "ND", "--bbox", BBOX]
    source = ["sources", "add", "nd", folder, "--band-names", ",".join(NAIP_BANDS)]
    ref = tmp_path / "ref.db"
    for args in (setup, source):
        subprocess.run(_cli(ref, *args), check=True, capture_output=True)
    t0 = time.perf_counter()
    subprocess.run(_cli(ref, "run", "nd"), check=True, capture_output=True)
    full = time.perf_counter() - t0
    expected = _observations(ref)
    assert len(expected) == 10 * 2 + 9 * 2  # brightness, NDVI per date; magnitude, area per pair
    killed = tmp_path / "killed.db"
    for args in (setup, source):
        subprocess.run(_cli(killed, *args), check=True, capture_output=True)
    rng = random.Random(0)
    for _ in range(4):
        proc = subprocess.Popen(_cli(killed, "run", "nd"), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.3, 0.9) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with contextlib.closing(sqlite3.connect(killed)) as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    subprocess.run(_cli(killed, "run", "nd"), check=True, capture_output=True)
    got = _observations(killed)
    assert [row[:4] for row in got] == [row[:4] for row in expected]
    np.testing.assert_allclose([r[4] for r in got], [r[4] for r in expected], rtol=1e-9)
    with contextlib.closing(sqlite3.connect(killed)) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("select count(*) from chips where status = 'ok'").fetchone()[0] == 10
        assert conn.execute("select count(*) from pairs where status = 'ok'").fetchone()[0] == 9
    assert os.path.isdir(tmp_path / "killed-workspace")


def test_a_file_changed_after_ingest_stops_the_run_in_one_line(
    data_dir: Path, tmp_path: Path, runner: CliRunner
) -> None:
    """The scene's bytes are recorded at ingest; a run that finds them changed says so
    in one line (exit 2) and keeps what was stored; re-ingesting accepts the new file."""
    folder = tmp_path / "naip"
    shutil.copytree(data_dir / "timeseries" / "naip", folder)
    db = f"sqlite:///{tmp_path / 's.db'}"
    site = ["sites", "add", "nd", "--name", "ND", "--bbox", "-99.17,47.01,-99.14,47.03"]
    assert run_cli(runner, db, *site).exit_code == 0
    bands = "red,green,blue,nir"
    assert run_cli(runner, db, "ingest", str(folder), "--band-names", bands).exit_code == 0
    first = run_cli(runner, db, "run", "nd", "--no-detect", "--json")
    assert first.exit_code == 0, first.output
    with Store(db) as store:
        kept = store.observations("nd")
        scene = store.list_scenes("nd")[3].scene
    assert all("provenance" in o.evidence for o in kept)
    href = scene.bands[0].href
    assert kept[0].evidence["provenance"]["software"].startswith("sitewatch ")
    changed = Path(href)
    data = bytearray(changed.read_bytes())
    data[-100] ^= 0xFF  # one byte of the pixels
    changed.write_bytes(bytes(data))
    again = run_cli(runner, db, "run", "nd", "--no-detect")
    assert again.exit_code == 2
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {changed} changed since it was ingested")
    with Store(db) as store:
        assert store.observations("nd") == kept  # nothing stored is lost
    assert run_cli(runner, db, "ingest", str(folder), "--band-names", bands).exit_code == 0
    assert run_cli(runner, db, "run", "nd", "--no-detect").exit_code == 0
