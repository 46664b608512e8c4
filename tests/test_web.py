"""The REST API through the ASGI client: every resource, tokens, tiles, and the error
statuses (400, 401, 404, 409, 413, 422) as JSON, never a traceback."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import morecantile
import numpy as np
from click.testing import CliRunner
from fastapi.testclient import TestClient
from PIL import Image

from sitewatch.web import WebSettings, create_app
from tests.helpers import run_cli
from tests.webstore import SITE


def _is_error(response: Any, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert "Traceback" not in response.text


def test_watchlist_and_one_site(client: TestClient) -> None:
    sites = client.get("/api/sites").json()
    assert sites["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in sites["features"]}
    assert by_id[SITE]["properties"]["chips"] == 10
    assert by_id[SITE]["properties"]["open_alerts"] == 1
    one = client.get(f"/api/sites/{SITE}").json()
    assert one["geometry"]["type"] == "Polygon"
    _is_error(client.get("/api/sites/nowhere"), 404)


def test_scenes_chips_pairs_and_timeline(client: TestClient) -> None:
    scenes = client.get(f"/api/sites/{SITE}/scenes").json()
    assert len(scenes) == 10
    assert {s["chip"] for s in scenes} == {"ok"}
    chips = client.get(f"/api/sites/{SITE}/chips").json()
    assert [c["datetime"] for c in chips] == sorted(c["datetime"] for c in chips)
    west, south, east, north = chips[0]["bounds"]
    assert -100 < west < east < -98
    assert 46 < south < north < 48
    pairs = client.get(f"/api/sites/{SITE}/pairs").json()
    assert len(pairs) == 9
    timeline = client.get(f"/api/sites/{SITE}/timeline").json()
    figures = {o["figure"] for o in timeline["observations"]}
    assert {"vehicle_count", "change_magnitude", "ndvi"} <= figures
    assert len(timeline["alerts"]) == 1
    only = client.get(f"/api/sites/{SITE}/timeline", params={"figure": "vehicle_count"}).json()
    assert {o["figure"] for o in only["observations"]} == {"vehicle_count"}


def test_tiles_show_the_chip_and_nothing_outside_it(client: TestClient) -> None:
    chip = client.get(f"/api/sites/{SITE}/chips").json()[3]
    west, south, east, north = chip["bounds"]
    tile = morecantile.tms.get("WebMercatorQuad").tile((west + east) / 2, (south + north) / 2, 15)
    url = chip["tiles"].format(z=tile.z, x=tile.x, y=tile.y)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    rgba = np.asarray(Image.open(io.BytesIO(response.content)))
    assert rgba.shape == (256, 256, 4)
    assert rgba[..., 3].mean() > 200  # the chip fills the centre tile
    assert rgba[..., :3].std() > 10  # real imagery, stretched
    webp = client.get(url + "&format=webp")
    assert webp.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(webp.content)).format == "WEBP"
    _is_error(client.get(url + "&format=gif"), 422)
    far = morecantile.tms.get("WebMercatorQuad").tile(0.0, 0.0, 15)
    _is_error(client.get(chip["tiles"].format(z=far.z, x=far.x, y=far.y)), 404)
    _is_error(client.get(f"/api/sites/{SITE}/tiles/15/0/0", params={"scene": "no/such"}), 404)
    _is_error(client.get(f"/api/sites/{SITE}/tiles/2/9/9", params={"scene": chip["scene"]}), 404)
    _is_error(client.get(f"/api/sites/{SITE}/tiles/-1/0/0", params={"scene": chip["scene"]}), 422)
    preview = client.get(f"/api/sites/{SITE}/preview", params={"scene": chip["scene"]})
    assert Image.open(io.BytesIO(preview.content)).size[0] > 100


def test_change_and_detections_as_geojson(client: TestClient) -> None:
    pairs = client.get(f"/api/sites/{SITE}/pairs").json()
    biggest = None
    for pair in pairs:
        fc = client.get(
            f"/api/sites/{SITE}/change", params={"before": pair["before"], "after": pair["after"]}
        ).json()
        assert fc["type"] == "FeatureCollection"
        assert fc["properties"]["before"] == pair["before"]
        assert len(fc["properties"]["files"]) == 2  # each date's file with its SHA-256
        assert all(len(d) == 68 for d in fc["properties"]["files"].values())
        if biggest is None or len(fc["features"]) > len(biggest["features"]):
            biggest = fc
    assert biggest is not None
    assert biggest["features"], "some pair of the NAIP series has change objects"
    assert biggest["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    backwards = {"before": pairs[1]["after"], "after": pairs[0]["before"]}
    _is_error(client.get(f"/api/sites/{SITE}/change", params=backwards), 404)
    scene = pairs[0]["before"]
    dets = client.get(f"/api/sites/{SITE}/detections", params={"scene": scene}).json()
    assert dets["features"] == []
    assert dets["properties"]["detected"] is False  # 5 m pixels: too coarse to look
    _is_error(client.get(f"/api/sites/{SITE}/change"), 422)


def test_reach(client: TestClient) -> None:
    out = client.get("/api/sites/sanumdong/reach", params={"range_mi": 8000}).json()
    assert out["ring"]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert out["targets_in_range"] > 0
    _is_error(client.get("/api/sites/sanumdong/reach"), 400)
    _is_error(client.get("/api/sites/sanumdong/reach", params={"range_km": "nan"}), 422)
    _is_error(client.get("/api/sites/sanumdong/reach", params={"range_km": -3}), 422)


def test_writes_need_a_token(client: TestClient, auth: dict[str, str]) -> None:
    alert = client.get("/api/alerts", params={"site": SITE}).json()[0]
    _is_error(client.post(f"/api/alerts/{alert['id']}/ack"), 401)
    bad = {"Authorization": "Bearer not-a-token"}
    _is_error(client.post(f"/api/alerts/{alert['id']}/ack", headers=bad), 401)
    assert not client.get("/api/alerts", params={"site": SITE}).json()[0]["acknowledged"]
    done = client.post(f"/api/alerts/{alert['id']}/ack", headers=auth)
    assert done.status_code == 200
    assert done.json()["acknowledged"]
    _is_error(client.post("/api/alerts/999999/ack", headers=auth), 404)
    _is_error(client.post("/api/alerts/99999999999999999999/ack", headers=auth), 422)
    assert client.get("/api/alerts", params={"unacknowledged": True}).json() == []


def test_site_create_update_delete(client: TestClient, auth: dict[str, str]) -> None:
    ring = [[10, 10], [10.1, 10], [10.1, 10.1], [10, 10.1], [10, 10]]
    feature = {"type": "Feature", "id": "new-site",
               "geometry": {"type": "Polygon", "coordinates": [ring]},
               "properties": {"name": "New", "kind": "other"}}  # fmt: skip
    _is_error(client.post("/api/sites", json=feature), 401)
    assert client.post("/api/sites", json=feature, headers=auth).status_code == 201
    _is_error(client.post("/api/sites", json=feature, headers=auth), 409)
    renamed = {**feature, "properties": {"name": "Renamed", "kind": "other"}}
    assert (
        client.put("/api/sites/new-site", json=renamed, headers=auth).json()["properties"]["name"]
        == "Renamed"
    )
    broken = {**feature, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}
    _is_error(client.put("/api/sites/new-site", json=broken, headers=auth), 400)
    _is_error(client.post("/api/sites", content=b"{not json", headers=auth), 422)
    assert client.delete("/api/sites/new-site", headers=auth).status_code == 204
    _is_error(client.delete("/api/sites/new-site", headers=auth), 404)


def test_claims_submit_list_and_check(client: TestClient, auth: dict[str, str]) -> None:
    text = "Satellite imagery shows vehicles moving at the Sanumdong factory in March 2019."
    _is_error(client.post("/api/claims", json={"text": text}), 401)
    made = client.post("/api/claims", json={"text": text, "published": "2019-03-10"}, headers=auth)
    assert made.status_code == 201
    assert made.json()[0]["site_id"] == "sanumdong"
    listed = client.get("/api/claims", params={"site": "sanumdong"}).json()
    assert any(c["sentence"].startswith("Satellite imagery") for c in listed)
    checked = client.post("/api/claims/check", headers=auth).json()
    assert {c["status"] for c in checked} <= {"supported", "not supported", "no imagery"}
    assert next(c for c in checked if c["site_id"] == "sanumdong")["status"] == "no imagery"
    _is_error(client.post("/api/claims", json={"text": ""}, headers=auth), 422)
    _is_error(client.post("/api/claims", json={"text": "x\x00y"}, headers=auth), 400)


def test_runs_start_and_finish(client: TestClient, auth: dict[str, str]) -> None:
    _is_error(client.post(f"/api/sites/{SITE}/runs"), 401)
    started = client.post(f"/api/sites/{SITE}/runs", json={"detect": False}, headers=auth)
    assert started.status_code == 202
    run_id = started.json()["id"]
    deadline = time.monotonic() + 60
    while (run := client.get(f"/api/runs/{run_id}").json())["status"] in {"queued", "running"}:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert run["status"] == "done", run
    assert run["report"]["pairs_computed"] == 0  # up to date already
    assert client.get("/api/runs").json()[0]["id"] == run_id
    _is_error(client.get("/api/runs/12345"), 404)
    _is_error(client.post("/api/sites/nowhere/runs", headers=auth), 404)


def test_body_limit_and_closed_reads(web_store: tuple[str, str], auth: dict[str, str]) -> None:
    settings = WebSettings(db=web_store[0], open_reads=False, max_body_bytes=1000)
    with TestClient(create_app(settings)) as c:
        _is_error(c.get("/api/sites"), 401)
        assert c.get("/api/sites", headers=auth).status_code == 200
        _is_error(c.post("/api/claims", json={"text": "x" * 5000}, headers=auth), 413)

        def chunks() -> Iterator[bytes]:
            yield b'{"text": "'
            yield b"x" * 5000
            yield b'"}'

        _is_error(c.post("/api/claims", content=chunks(), headers=auth), 413)


def test_openapi_docs_and_page_are_served_from_the_package(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ["/api/sites", "/api/sites/{site_id}", "/api/sites/{site_id}/scenes",
                 "/api/sites/{site_id}/timeline", "/api/sites/{site_id}/tiles/{z}/{x}/{y}",
                 "/api/alerts/{alert_id}/ack", "/api/claims", "/api/claims/check",
                 "/api/sites/{site_id}/reach", "/api/sites/{site_id}/runs", "/api/runs/{run_id}",
                 "/api/sites/{site_id}/change", "/api/sites/{site_id}/detections"]:  # fmt: skip
        assert path in spec["paths"], path
    docs = client.get("/docs").text
    assert "/static/vendor/swagger/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert client.get("/static/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    page = client.get("/").text
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "http" not in page.replace("http-equiv", "")  # nothing from elsewhere
    _is_error(client.get("/static/../../etc/passwd"), 404)


def test_token_commands(runner: CliRunner, db_url: str) -> None:
    made = run_cli(runner, db_url, "token", "create", "--name", "desk")
    assert made.exit_code == 0
    token = made.stdout.strip()
    assert len(token) >= 40
    listed = run_cli(runner, db_url, "token", "list", "--json").stdout
    assert '"desk"' in listed
    assert token not in listed
    assert run_cli(runner, db_url, "token", "revoke", "1").exit_code == 0
    assert run_cli(runner, db_url, "token", "revoke", "1").exit_code == 2


def test_one_sensor_shares_one_stretch(web_store: tuple[str, str]) -> None:
    from sitewatch.store import Store
    from sitewatch.web.tiles import display, sensor_display

    with Store(web_store[0]) as store:
        paths = [str(store.workspace / r.path) for r in store.chips(SITE).values()]
    shared = {sensor_display(p, paths) for p in paths}
    assert len(shared) == 1  # every date of the NAIP series drawn alike
    assert len({display(p) for p in paths}) > 1  # while each chip's own range differs


def test_the_app_on_a_postgresql_store(
    web_store: tuple[str, str], auth: dict[str, str], postgres: Any, tmp_path: Any
) -> None:
    """The same store copied to PostgreSQL + PostGIS serves the same sites, chips, tiles
    and timeline, and takes writes (the copied token works; a new site and an
    acknowledgement are stored)."""
    from sitewatch.store import Store, copy_store

    url = postgres.new_database()
    with Store(web_store[0]) as source:
        copy_store(source, url, dest_workspace=tmp_path / "ws")
    settings = WebSettings(db=url, workspace=str(tmp_path / "ws"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as pg:
        sites = {f["id"]: f for f in pg.get("/api/sites").json()["features"]}
        assert sites[SITE]["properties"]["chips"] == 10
        chip = pg.get(f"/api/sites/{SITE}/chips").json()[3]
        west, south, east, north = chip["bounds"]
        tile = morecantile.tms.get("WebMercatorQuad").tile(
            (west + east) / 2, (south + north) / 2, 15
        )
        response = pg.get(chip["tiles"].format(z=tile.z, x=tile.x, y=tile.y))
        assert response.status_code == 200
        assert len(pg.get(f"/api/sites/{SITE}/timeline").json()["observations"]) > 0
        ring = [[10, 10], [10.1, 10], [10.1, 10.1], [10, 10.1], [10, 10]]
        body = {
            "type": "Feature",
            "id": "pgsite",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"name": "PG site", "kind": "other"},
        }
        assert pg.post("/api/sites", json=body, headers=auth).status_code == 201
        alert = pg.get("/api/alerts", params={"site": SITE}).json()[0]
        assert pg.post(f"/api/alerts/{alert['id']}/ack", headers=auth).status_code == 200
    with Store(url) as store:
        assert store.get_site("pgsite").name == "PG site"
        assert all(a.acknowledged for a in store.list_alerts(SITE) if a.id == alert["id"])
