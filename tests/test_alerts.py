"""Alerts: constructed series with known change points, real series, storage, webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from sitewatch.activity.alerts import alerts_for_site, detect_alerts
from sitewatch.activity.figures import Observation
from sitewatch.activity.webhook import send_webhook
from sitewatch.demo import DEMO_SOURCES
from sitewatch.errors import WebhookError
from sitewatch.imagery.sources import open_source
from sitewatch.pipeline.site import load_site, run_site
from sitewatch.sites.watchlist import demo_sites
from sitewatch.store import Store
from sitewatch.store.ingest import ingest
from tests.helpers import assert_one_line_error, run_cli
from tests.webhook import Received, serve_webhook

T0 = datetime(2019, 1, 1, tzinfo=UTC)


NAIP_BANDS = ["red", "green", "blue", "nir"]


def _series(
    values: list[float], figure: str = "vehicle_count", gaps: list[int] | None = None
) -> list[Observation]:
    days = np.cumsum([0, *(gaps or [7] * (len(values) - 1))])
    return [
        Observation(
            site_id="s", figure=figure, value=v, time=T0 + timedelta(days=int(d)), scene_id=f"sc{i}"
        )
        for i, (v, d) in enumerate(zip(values, days, strict=True))
    ]


def test_known_change_point_gives_one_alert_per_event() -> None:
    rng = np.random.default_rng(0)
    values = [
        *list(20 + rng.normal(0, 1.5, 15)),
        45.0,
        47.0,
        44.0,
        *list(20 + rng.normal(0, 1.5, 8)),
    ]
    alerts = detect_alerts(_series(values))
    assert len(alerts) == 1  # three dates of one event: one alert, no storm
    a = alerts[0]
    assert a.start == T0 + timedelta(days=7 * 15)
    assert a.end == T0 + timedelta(days=7 * 17)
    assert a.severity == "high"
    assert [o["scene_id"] for o in a.evidence["observations"]] == ["sc15", "sc16", "sc17"]
    assert "rose" in a.message


def test_an_alert_carries_the_provenance_of_its_figures() -> None:
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    values = [5, 6, 5, 4, 6, 5, 30, 5]
    obs = [
        Observation("s", "vehicle_count", float(v), t0 + timedelta(days=30 * i), f"scene{i}",
                    evidence={"provenance": {"files": {f"/data/{i}.tif": f"1220{i:064x}"},
                                             "software": "sitewatch 9.9"}})
        for i, v in enumerate(values)
    ]  # fmt: skip
    (alert,) = alerts_for_site(obs)
    assert alert.evidence["provenance"] == {
        "files": {"/data/6.tif": f"1220{6:064x}"},
        "software": ["sitewatch 9.9"],
    }


def test_drop_and_irregular_revisits() -> None:
    gaps = [3, 40, 5, 90, 12, 7, 200, 30, 8, 15]
    values = [100.0, 98, 103, 101, 99, 102, 100, 97, 101, 40, 100]
    alerts = detect_alerts(_series(values, "changed_area", gaps))
    assert len(alerts) == 1
    assert "fell" in alerts[0].message


@pytest.mark.parametrize("seed", range(20))
def test_stable_noisy_series_rarely_alert(seed: int) -> None:
    """Gaussian noise, 30 dates: the false-alert count is recorded across seeds below."""
    rng = np.random.default_rng(seed)
    alerts = detect_alerts(_series(list(50 + rng.normal(0, 5, 30))))
    assert len(alerts) <= 1


def test_false_alert_rate_on_stable_series() -> None:
    rng = np.random.default_rng(42)
    n_series, total = 200, 0
    for _ in range(n_series):
        total += len(detect_alerts(_series(list(50 + rng.normal(0, 5, 30)))))
    # 200 stable series x 26 tested dates: Gaussian tails beyond 3.5 robust sigma are rare.
    assert total / n_series < 0.15, total


@pytest.mark.slow
def test_real_series_from_the_sample_imagery(tmp_path: Path, data_dir: Path) -> None:
    """NAIP (10 dates), Landsat (8) and OSCD-derived figures: alerts are few and traceable."""
    with Store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        sites = {s.id: s for s in demo_sites()}
        store.import_sites(list(sites.values()))
        for sid in ("demo-naip-nd", "demo-pucallpa"):
            rel, bands = DEMO_SOURCES[sid]
            ingest(open_source(str(data_dir / rel), band_names=bands), store)
        counts = {}
        for sid in ("demo-naip-nd", "demo-pucallpa"):
            run_site(store, sites[sid])
            obs = store.observations(sid)
            n_tested = sum(max(0, n - 4) for n in _per_series(obs).values())
            alerts = store.list_alerts(sid)
            counts[sid] = (len(alerts), n_tested)
            for alert in alerts:
                assert set(alert.evidence["scenes"]) <= set(load_site(store, sites[sid]).chips)
        stored = store.list_alerts()
    assert len(stored) == sum(n for n, _ in counts.values())
    # Farmland and a growing city: some alerts, far fewer than dates tested.
    for n, tested in counts.values():
        assert n <= max(2, tested // 5), counts


def _per_series(obs: list[Observation]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for o in obs:
        out[(o.zone, o.figure)] = out.get((o.zone, o.figure), 0) + 1
    return out


@pytest.fixture
def hook() -> Iterator[tuple[str, Received]]:
    with serve_webhook() as server:
        yield server


def test_store_ack_list_and_webhook(
    runner: CliRunner, db_url: str, store: Store, hook: tuple[str, Received], data_dir: Path
) -> None:
    url, received = hook
    site = demo_sites()[4]  # NAIP
    store.add_site(site)
    ingest(open_source(str(data_dir / "timeseries" / "naip"), band_names=NAIP_BANDS), store)
    obs = store.observations(site.id)
    assert obs == []
    # Constructed observations on real scenes: one event of two dates.
    scenes = [e.scene for e in store.list_scenes(site.id)]
    values = [5, 6, 5, 4, 6, 5, 30, 31, 5, 6]
    store.put_observations(
        Observation(site.id, "vehicle_count", float(v), sc.time_utc, sc.id)
        for v, sc in zip(values, scenes, strict=True)
    )
    alerts = alerts_for_site(store.observations(site.id))
    assert len(alerts) == 1
    assert store.put_alerts(alerts) == {"added": 1, "updated": 0, "retracted": 0}
    assert store.put_alerts(alerts) == {"added": 0, "updated": 1, "retracted": 0}  # idempotent
    listed = json.loads(run_cli(runner, db_url, "alerts", "--site", site.id, "--json").stdout)
    assert len(listed) == 1
    assert listed[0]["evidence"]["scenes"] == [scenes[6].id, scenes[7].id]
    since = scenes[8].time_utc.date().isoformat()
    assert json.loads(run_cli(runner, db_url, "alerts", "--since", since, "--json").stdout) == []
    r = run_cli(runner, db_url, "alerts", "send", "--webhook", f"{url}/ok")
    assert r.exit_code == 0, r.output
    assert received.bodies[0]["alerts"][0]["figure"] == "vehicle_count"
    r = run_cli(runner, db_url, "alerts", "ack", str(listed[0]["id"]))
    assert r.exit_code == 0
    assert json.loads(run_cli(runner, db_url, "alerts", "--json").stdout)[0]["acknowledged"]
    # Acknowledged alerts are not sent again; a failing hook is a one-line error.
    assert "no alerts" in run_cli(runner, db_url, "alerts", "send", "--webhook", f"{url}/ok").stdout
    r = run_cli(runner, db_url, "alerts", "send", "--webhook", f"{url}/fail", "--all")
    assert_one_line_error(r, "HTTP 500")
    with pytest.raises(WebhookError, match=r"could not be reached: .*; alerts not delivered"):
        send_webhook(alerts, "http://127.0.0.1:9/nothing-listens", timeout=2)
    assert_one_line_error(run_cli(runner, db_url, "alerts", "ack", "999"))
    # A recomputation at a threshold the event does not reach retracts it.
    r = run_cli(runner, db_url, "alerts", "detect", "--site", site.id, "--threshold", "1000")
    assert "1 earlier alert(s) no longer hold and were retracted" in r.stdout
    assert json.loads(run_cli(runner, db_url, "alerts", "--json").stdout) == []
    r = run_cli(runner, db_url, "alerts", "detect", "--site", site.id)
    assert r.stdout.startswith("1 alert(s) over 1 site(s)\n")


def test_timeline_lists_every_figure(
    runner: CliRunner, db_url: str, store: Store, data_dir: Path
) -> None:
    site = demo_sites()[4]
    store.add_site(site)
    ingest(open_source(str(data_dir / "timeseries" / "naip"), band_names=NAIP_BANDS), store)
    run_site(store, site, detect=False)
    out = json.loads(run_cli(runner, db_url, "timeline", site.id, "--json").stdout)
    figures = {o["figure"] for o in out["observations"]}
    assert {"change_magnitude", "ndvi", "brightness"} <= figures
    ndvi = [o for o in out["observations"] if o["figure"] == "ndvi"]
    assert len(ndvi) == 10
    assert all(-1 <= o["value"] <= 1 and o["scene_id"] for o in ndvi)
    assert_one_line_error(run_cli(runner, db_url, "timeline", "nowhere"))
