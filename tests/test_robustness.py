"""Bad input that must not stop a batch or escape as a traceback: malformed STAC items in
a catalog (each skipped with its reason, the rest recorded), footprints that
self-intersect (mended at ingest, so later overlap tests keep working), webhook URLs
that are not http(s) or point at link-local addresses, and webhooks that never finish
answering."""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from sitewatch.activity.webhook import send_webhook
from sitewatch.claims.extract import extract_claims
from sitewatch.errors import CorruptImageError, InvalidURLError, WebhookError
from sitewatch.imagery.raster import open_raster
from sitewatch.imagery.sources.files import FileSource
from sitewatch.imagery.sources.stac import StaticStacSource
from sitewatch.pipeline.site import run_site
from sitewatch.sites.watchlist import builtin_sites, demo_sites
from sitewatch.store import Store
from sitewatch.store.ingest import ingest
from tests.helpers import assert_one_line_error, run_cli

Edit = Callable[[dict[str, Any]], None]


def _set_assets_gsd(value: object) -> Edit:
    def edit(item: dict[str, Any]) -> None:
        for asset in item["assets"].values():
            asset["gsd"] = value

    return edit


def _props(key: str, value: object) -> Edit:
    return lambda item: item["properties"].__setitem__(key, value)


def _geometry(geometry: object) -> Edit:
    return lambda item: item.__setitem__("geometry", geometry)


NAN = float("nan")
BAD_ITEMS: dict[str, tuple[Edit, str]] = {
    "string gsd": (_set_assets_gsd("ten"), "gsd 'ten' is not a positive number"),
    "NaN gsd": (_set_assets_gsd(NAN), "gsd nan is not a positive number"),
    "unknown geometry type": (
        _geometry({"type": "Blob", "coordinates": []}),
        "Unknown geometry type",
    ),
    "NaN coordinates": (
        _geometry({"type": "Polygon", "coordinates": [[[NAN, 1], [2, 2], [3, 1], [NAN, 1]]]}),
        "malformed",
    ),
    "year 1 with an offset": (_props("datetime", "0001-01-01T00:30:00+01:00"), "outside"),
    "year 9999 with an offset": (_props("datetime", "9999-12-31T23:30:00-01:00"), "outside"),
}


def _item(path: Path) -> dict[str, Any]:
    item: dict[str, Any] = json.loads(path.read_text())
    for asset in item["assets"].values():
        asset["href"] = str((path.parent / asset["href"]).resolve())
    item["links"] = []
    return item


def catalog(folder: Path, items: list[dict[str, Any]]) -> Path:
    """A static catalog of ``items``, in that order."""
    folder.mkdir(parents=True)
    links = [{"rel": "root", "href": "./catalog.json"}]
    for i, item in enumerate(items):
        (folder / f"{i}.json").write_text(json.dumps(item))
        links.append({"rel": "item", "href": f"./{i}.json"})
    root = {"type": "Catalog", "id": folder.name, "stac_version": "1.0.0",
            "description": "test catalog", "links": links}  # fmt: skip
    (folder / "catalog.json").write_text(json.dumps(root))
    return folder / "catalog.json"


@pytest.fixture(scope="module")
def good_items(data_dir: Path) -> list[dict[str, Any]]:
    paths = sorted((data_dir / "oscd" / "sentinel-2-l1c-oscd").glob("*/*.json"))[:2]
    return [_item(p) for p in paths]


@pytest.mark.parametrize("case", sorted(BAD_ITEMS))
def test_one_bad_item_is_skipped_and_the_rest_recorded(
    case: str, good_items: list[dict[str, Any]], tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    edit, reason = BAD_ITEMS[case]
    bad = copy.deepcopy(good_items[0])
    bad["id"] = "bad-item"
    edit(bad)
    path = catalog(tmp_path / "cat", [good_items[0], bad, good_items[1]])
    result = run_cli(runner, db_url, "ingest", str(path), "--json")
    assert result.exit_code == 1, result.output  # some failed, the batch went on
    report = json.loads(result.stdout)
    assert report["recorded"] == 2
    assert [f["ref"].rsplit("/", 1)[-1] for f in report["failed"]] == ["1.json"]
    assert reason in report["failed"][0]["error"]
    assert "Traceback" not in result.stderr


def test_self_intersecting_footprint_is_mended_at_ingest(
    good_items: list[dict[str, Any]], tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    bowtie = copy.deepcopy(good_items[0])
    bowtie["id"] = "bowtie"
    bowtie["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[35.4, 33.8], [35.6, 34.0], [35.6, 33.8], [35.4, 34.0], [35.4, 33.8]]],
    }
    path = catalog(tmp_path / "cat", [bowtie])
    with Store(db_url) as store:
        report = ingest(StaticStacSource(path), store)
        assert report.added == ["bowtie"]
        footprint = store.get_scene("bowtie").footprint
        assert footprint.is_valid
        assert footprint.area > 0
    # Sites overlapping it can still be added (this failed with a GEOS error before).
    result = run_cli(runner, db_url, "sites", "add", "over-bowtie", "--name", "Over",
                     "--bbox", "35.45,33.85,35.55,33.95")  # fmt: skip
    assert result.exit_code == 0, result.output
    scenes = json.loads(run_cli(runner, db_url, "scenes", "list", "--site", "over-bowtie",
                                "--json").stdout)  # fmt: skip
    assert [s["id"] for s in scenes] == ["bowtie"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("notaurl", "must start with http:// or https://"),
        ("", "must start with http:// or https://"),
        ("http://[::1", "malformed"),
        ("http://", "has no host"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
    ],
)
def test_bad_webhook_urls_are_one_line_errors(
    url: str, why: str, runner: CliRunner, db_url: str
) -> None:
    for args in (("alerts", "send", "--webhook", url, "--all"), ("webhooks", "add", url)):
        result = run_cli(runner, db_url, *args)
        assert result.exit_code == 2, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: ")
        assert why in lines[0]


@contextlib.contextmanager
def trickling_server() -> Iterator[str]:
    """A server that answers one connection one byte a second (a status line, repeated),
    so no read ever waits long enough to time out; yields its base URL."""
    stop = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def trickle() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\n" * 100:
                if stop.wait(1.0):
                    return
                conn.send(bytes([byte]))

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        server.close()


def test_a_trickling_webhook_is_abandoned_at_the_deadline() -> None:
    """A server that sends one byte every second never trips the per-read timeout; the
    total deadline ends the request."""
    with trickling_server() as url:
        t0 = time.perf_counter()
        with pytest.raises(WebhookError, match="did not answer within 2 s"):
            send_webhook([], f"{url}/hook", timeout=5, deadline=2)
        assert time.perf_counter() - t0 < 4


def test_a_trickling_web_page_is_abandoned_at_the_deadline(
    runner: CliRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for a report's web page: SITEWATCH_PAGE_DEADLINE ends it, in one line."""
    monkeypatch.setenv("SITEWATCH_PAGE_DEADLINE", "2")
    with trickling_server() as url:
        t0 = time.perf_counter()
        result = run_cli(runner, db_url, "claims", "extract", f"{url}/2019/03/report.html")
        assert time.perf_counter() - t0 < 4
    assert_one_line_error(result, "did not answer within 2 s (SITEWATCH_PAGE_DEADLINE)")


@pytest.mark.parametrize(
    "filler", ["A" * 100_000, "U.S." * 25_000, "Aa " * 33_000, "Aa Bb, " * 14_285]
)
def test_claims_extraction_is_not_quadratic(filler: str) -> None:
    """100,000 adversarial characters after a claim: a result, within a hang guard of
    10 s (the old patterns needed 3.4 s for 10,000 and never finished 100,000; a list of
    names without a bound took 20 s on "Aa Bb, "; the speed itself is in
    benchmarks/bench_claims.py)."""

    def hung(signum: int, frame: object) -> None:
        raise TimeoutError("claims extraction hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        claims = extract_claims(
            "Trucks were seen moving at Sohae on Tuesday, " + filler,
            builtin_sites(),
            date(2019, 3, 8),
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [c.activity for c in claims] == ["vehicle movement"]


def _rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return sorted(conn.execute(query).fetchall())


def _together(*commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    out = []
    for proc, command in zip(procs, commands, strict=True):
        stdout, stderr = proc.communicate(timeout=300)
        out.append(subprocess.CompletedProcess(command, proc.returncode, stdout, stderr))
    return out


@pytest.mark.slow
def test_concurrent_ingests_and_runs_on_one_sqlite_store(data_dir: Path, tmp_path: Path) -> None:
    """Two processes at once on a new store (both create and seed it, both ingest the
    same catalog), four times; then two runs of one site at once: no errors, and the same
    rows as one process alone."""
    catalog = str(data_dir / "oscd" / "catalog.json")
    scenes = "select id, acquired from scenes"
    links = "select scene_id, site_id, round(coverage, 9) from scene_sites"

    def cli(db: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "sitewatch", "--db", str(db), *args]

    alone = tmp_path / "alone.db"
    subprocess.run(cli(alone, "ingest", catalog), check=True, capture_output=True)
    for attempt in range(4):
        db = tmp_path / f"together-{attempt}.db"
        for done in _together(cli(db, "ingest", catalog), cli(db, "ingest", catalog)):
            assert done.returncode == 0, done.stderr
            assert "Traceback" not in done.stderr
        assert _rows(db, scenes) == _rows(alone, scenes)
        assert _rows(db, links) == _rows(alone, links)
        assert len(_rows(db, "select id from sites")) == 3
    db = tmp_path / "together-0.db"
    site = ["sites", "add", "beirut", "--name", "Beirut", "--bbox", "35.48,33.87,35.53,33.91"]
    subprocess.run(cli(db, *site), check=True, capture_output=True)
    subprocess.run(cli(alone, *site), check=True, capture_output=True)
    runs = _together(cli(db, "run", "beirut", "--no-detect", "--json"),
                     cli(db, "run", "beirut", "--no-detect", "--json"))  # fmt: skip
    for done in runs:
        assert done.returncode == 0, done.stderr
    reports = [json.loads(r.stdout) for r in runs]
    # One ran the site; the other found it locked, or found it done.
    assert sum(r["pairs_computed"] for r in reports) == 1
    subprocess.run(cli(alone, "run", "beirut", "--no-detect"), check=True, capture_output=True)
    observations = "select site_id, figure, scene_id, ref_scene_id, value from observations"
    assert _rows(db, observations) == _rows(alone, observations)


def test_scene_ids_keep_apart_files_that_share_a_stem(
    data_dir: Path, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    """a/x/img.tif, a/x/img.tiff and b/x/img.tif are three files, not one scene."""
    naip = sorted((data_dir / "timeseries" / "naip").glob("*.tif"))
    for target, source in (
        (tmp_path / "a" / "x" / "img_20200101.tif", naip[0]),
        (tmp_path / "a" / "x" / "img_20200101.tiff", naip[1]),
        (tmp_path / "b" / "x" / "img_20200101.tif", naip[2]),
    ):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    first = json.loads(run_cli(runner, db_url, "ingest", str(tmp_path / "a"), "--json").stdout)
    assert sorted(first["added"]) == ["a/x/img_20200101.tif", "a/x/img_20200101.tiff"]
    second = run_cli(runner, db_url, "ingest", str(tmp_path / "b" / "x"), "--json")
    assert json.loads(second.stdout)["added"] == ["x/img_20200101"]
    # Another folder of the same name with a file of the same name: refused with a
    # reason, not silently merged into the stored scene.
    (tmp_path / "c").mkdir()
    shutil.copytree(tmp_path / "b" / "x", tmp_path / "c" / "x")
    third = run_cli(runner, db_url, "ingest", str(tmp_path / "c" / "x"), "--json")
    assert third.exit_code == 2
    assert "already names" in third.stderr
    assert third.stderr.count("\n") == 1
    with Store(db_url) as store:
        assert len(store.list_scenes()) == 3


def test_scenes_remove_forgets_a_scene_and_what_was_made_from_it(
    data_dir: Path, runner: CliRunner, db_url: str
) -> None:
    folder = str(data_dir / "timeseries" / "naip")
    with Store(db_url) as store:
        site = next(s for s in demo_sites() if s.id == "demo-naip-nd")
        store.add_site(site)
        ingest(FileSource(folder, ["red", "green", "blue", "nir"]), store)
    with Store(db_url) as store:
        keep = [e.scene.id for e in store.list_scenes(site.id)]
        for scene_id in keep[3:]:
            store.remove_scene(scene_id)
        run_site(store, site, detect=False)
        assert len(store.pairs(site.id)) == 2
    result = run_cli(runner, db_url, "scenes", "remove", keep[1])
    assert result.exit_code == 0, result.output
    with Store(db_url) as store:
        assert keep[1] not in {e.scene.id for e in store.list_scenes()}
        figures = store.observations(site.id)
        assert not any(keep[1] in (o.scene_id, o.ref_scene_id) for o in figures)
        again = run_site(store, site, detect=False)
        assert again.new_pairs == [(keep[0], keep[2])]
    missing = run_cli(runner, db_url, "scenes", "remove", "no/such-scene")
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: no scene")


@pytest.mark.parametrize(
    "args",
    [
        ["reach", "--from", "sanumdong", "--range-km", "inf", "--json"],
        ["reach", "--from", "sanumdong", "--range-km", "nan"],
        ["reach", "--from", "sanumdong", "--range-mi", "-5"],
        ["alerts", "ack", "99999999999999999999999"],
        ["alerts", "detect", "--threshold", "-1"],
        ["chip", "--site", "sohae", "--scene", "x", "--out", "x.tif", "--gsd", "nan"],
        ["detect", "x.png", "--out", "d.json", "--gsd", "inf"],
        ["change", "a.tif", "b.tif", "--out", "c.tif", "--gsd", "-inf"],
        ["sites", "add", "abc\n", "--name", "X", "--bbox", "1,1,2,2"],
    ],
)
def test_impossible_numbers_and_ids_are_refused_in_one_line(
    args: list[str], runner: CliRunner, db_url: str
) -> None:
    result = run_cli(runner, db_url, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")


def test_reach_and_detection_refuse_non_finite_numbers_in_the_library() -> None:
    from sitewatch.detection.detector import default_detector, detect_array
    from sitewatch.errors import InvalidRangeError, UnknownGsdError
    from sitewatch.reach.ranges import range_ring

    with pytest.raises(InvalidRangeError):
        range_ring(125.0, 39.0, float("inf"))
    pixels = np.zeros((3, 64, 64), dtype=np.uint8)
    with pytest.raises(UnknownGsdError):
        detect_array(pixels, float("inf"), default_detector())


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers; yields its base URL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWATCH_CONNECT_TIMEOUT", "2")
    monkeypatch.setenv("SITEWATCH_READ_TIMEOUT", "2")


@pytest.mark.slow
@pytest.mark.usefixtures("short_timeouts")
def test_a_stac_api_that_never_answers_is_abandoned(runner: CliRunner, db_url: str) -> None:
    with silent_server() as url:
        t0 = time.perf_counter()
        result = run_cli(runner, db_url, "ingest", url + "/", "--bbox", "1,1,2,2")
        elapsed = time.perf_counter() - t0
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: cannot reach the STAC API")
    assert elapsed < 20


@pytest.mark.slow
@pytest.mark.usefixtures("short_timeouts")
def test_an_image_url_that_never_sends_data_is_abandoned() -> None:
    with silent_server() as url:
        t0 = time.perf_counter()
        with pytest.raises(CorruptImageError), open_raster(f"{url}/scene.tif"):
            pass
        assert time.perf_counter() - t0 < 20


@pytest.mark.parametrize(
    "href",
    [
        "WMS:http://127.0.0.1:9/wms?SERVICE=WMS",
        "/vsicurl/http://127.0.0.1:9/x.tif",
        "ftp://127.0.0.1/x.tif",
        "http://169.254.169.254/latest/x.tif",
    ],
)
def test_gdal_connection_strings_and_other_hosts_are_refused(href: str) -> None:
    with pytest.raises(InvalidURLError), open_raster(href):
        pass


def test_allowed_hosts_limit_every_client(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner, db_url: str
) -> None:
    monkeypatch.setenv("SITEWATCH_ALLOWED_HOSTS", "stac.example.org")
    result = run_cli(runner, db_url, "ingest", "http://127.0.0.1:9/", "--bbox", "1,1,2,2")
    assert result.exit_code == 2
    assert "not in SITEWATCH_ALLOWED_HOSTS" in result.stderr
    with pytest.raises(InvalidURLError, match="SITEWATCH_ALLOWED_HOSTS"):
        send_webhook([], "http://127.0.0.1:9/hook")


def test_a_catalog_link_to_an_endless_file_is_one_failed_item(
    good_items: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITEWATCH_MAX_JSON_BYTES", "1000000")
    path = catalog(tmp_path / "cat", good_items)
    root = json.loads(path.read_text())
    root["links"].append({"rel": "item", "href": "/dev/zero"})
    path.write_text(json.dumps(root))
    source = StaticStacSource(path)
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        report = ingest(source, store)
    assert len(report.added) == 2
    assert [ref for ref, _ in report.failed] == ["/dev/zero"]
    assert "larger than 1000000 bytes" in report.failed[0][1]


def test_a_store_from_a_newer_sitewatch_is_refused_in_one_line(
    runner: CliRunner, db_url: str
) -> None:
    with Store(db_url):
        pass
    with contextlib.closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
        conn.execute("update alembic_version set version_num = '0099'")
        conn.commit()
    result = run_cli(runner, db_url, "sites", "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the store's schema revision 0099 is newer")
    assert result.stderr.count("\n") == 1


def test_another_programs_database_is_left_alone(tmp_path: Path, runner: CliRunner) -> None:
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("create table invoices (id integer primary key, total real)")
        conn.commit()
    result = run_cli(runner, f"sqlite:///{other}", "sites", "list")
    assert result.exit_code == 2
    assert "another program's tables (invoices)" in result.stderr
    assert _rows(other, "select name from sqlite_master where type = 'table'") == [("invoices",)]


def test_a_database_password_is_never_printed(runner: CliRunner) -> None:
    result = run_cli(runner, "postgresql://analyst:s3cret@127.0.0.1:1/watch", "sites", "list")
    assert result.exit_code == 2
    assert "s3cret" not in result.output
    assert "***" in result.stderr


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"type": "Feature", "id": ' + "9" * 5000 + "}"],
    ids=["nested 100,000 deep", "a 5,000-digit number"],
)
def test_pathological_json_is_one_line_error(
    text: str, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    path = tmp_path / "sites.geojson"
    path.write_text(text)
    result = run_cli(runner, db_url, "sites", "import", str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("where", ["under a file", "onto a folder"])
def test_an_output_path_that_cannot_be_written_is_one_line(
    where: str, data_dir: Path, tmp_path: Path, runner: CliRunner, db_url: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "out" if where == "under a file" else tmp_path
    image = str(data_dir / "rasterio-rgb" / "RGB.byte.tif")
    for args in (
        ["sites", "export", str(out)],
        ["change", image, image, "--out", str(out)],
    ):
        result = run_cli(runner, db_url, *args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("error: ")
        assert "cannot write" in result.stderr or "directory" in result.stderr
        assert result.stderr.count("\n") == 1
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_follow_the_umask(umask: int, tmp_path: Path) -> None:
    import os

    from sitewatch.imagery.raster import write_json

    old = os.umask(umask)
    try:
        out = write_json({"a": 1}, tmp_path / "out.json")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


def test_areas_are_true_from_a_small_box_to_the_whole_earth(runner: CliRunner, db_url: str) -> None:
    from sitewatch.geo.grid import area_m2, bbox_polygon

    # The whole Earth: 510.07 million km2; one degree square at the equator: 12,308 km2.
    assert area_m2(bbox_polygon([-180, -90, 180, 90])) / 1e6 == pytest.approx(510.0656e6, 1e-4)
    assert area_m2(bbox_polygon([0, 0, 1, 1])) / 1e6 == pytest.approx(12308.4, 1e-3)
    # A lon/lat box's edges follow parallels (RFC 7946): 0-80N over 90 degrees of longitude.
    assert area_m2(bbox_polygon([0, 0, 90, 80])) / 1e6 == pytest.approx(62.78e6, 1e-3)
    assert run_cli(runner, db_url, "sites", "add", "w", "--name", "W",
                   "--bbox", "-180,-90,180,90").exit_code == 0  # fmt: skip
    shown = " ".join(run_cli(runner, db_url, "sites", "show", "w").stdout.split())
    assert "(510065621.72 km²)" in shown


def test_a_box_across_the_antimeridian_is_the_narrow_box(runner: CliRunner, db_url: str) -> None:
    result = run_cli(runner, db_url, "sites", "add", "am", "--name", "AM", "--bbox", "179,0,-179,1")
    assert result.exit_code == 0, result.output
    shown = " ".join(run_cli(runner, db_url, "sites", "show", "am").stdout.split())
    assert "W 179.00000 S 0.00000 E 181.00000 N 1.00000 (24616.9" in shown  # 2 x 1 degrees
    exported = json.loads(run_cli(runner, db_url, "sites", "list", "--json").stdout)
    geometry = next(f for f in exported["features"] if f["id"] == "am")["geometry"]
    assert geometry["type"] == "MultiPolygon"  # split at 180 degrees, per RFC 7946
    refused = run_cli(runner, db_url, "sites", "add", "x", "--name", "X", "--bbox", "5,0,5,1")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: 5,0,5,1: a box with no width")


def test_a_rotated_images_pixel_size_is_its_side() -> None:
    from affine import Affine
    from pyproj import CRS

    from sitewatch.geo.grid import gsd_metres

    rotated = Affine.translation(730000, 3750000) @ Affine.rotation(30) @ Affine.scale(0.3, -0.3)
    assert gsd_metres(CRS.from_epsg(32636), rotated, 100, 100) == pytest.approx(0.3)
