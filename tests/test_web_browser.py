"""The page in a real browser: Debian's headless Chromium driven by Playwright, against
``sitewatch serve`` on 127.0.0.1 (a process of its own, as users run it: pytest's
warnings-as-errors and its thread-unsafe warning filters stay out of the server).  The
watchlist map shows the sites, the date slider and the swipe change what is shown, an
alert is acknowledged and a report read by its URL with a token and not without, and no
request leaves 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import FilePayload, Page, Route, sync_playwright

from sitewatch.store import Store
from tests.helpers import free_port
from tests.test_claims_article import report_pdf
from tests.webhook import serve_local
from tests.webstore import SITE, build_web_store

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)"
)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[tuple[str, str, str]]:
    """(base URL, database URL, token) of ``sitewatch serve`` on a store of its own."""
    folder = tmp_path_factory.mktemp("browser")
    db, token = build_web_store(folder, data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = folder / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sitewatch", "--db", db, "serve", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"sitewatch serve exited:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/sites", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"server did not start: {log_path.read_text()}"
                time.sleep(0.1)
        yield base, db, token
    finally:
        proc.terminate()
        proc.wait(10)
    assert "Traceback" not in log_path.read_text(), log_path.read_text()


@pytest.fixture
def page(server: tuple[str, str, str]) -> Iterator[Page]:
    elsewhere: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})

        def guard(route: Route) -> None:
            url = route.request.url
            if urlparse(url).hostname != "127.0.0.1" and not url.startswith("data:"):
                elsewhere.append(url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", guard)
        pg = context.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        yield pg
        browser.close()
    assert elsewhere == [], f"requests left 127.0.0.1: {elsewhere}"
    assert errors == [], errors


def _tiles_settled(pg: Page) -> None:
    """Wait until the map has no tile still loading."""
    loading = "document.querySelectorAll('.leaflet-tile-container img:not(.leaflet-tile-loaded)')"
    pg.wait_for_function(
        f"() => {loading}.length === 0"
        " && document.querySelectorAll('.leaflet-tile-loaded').length > 0",
        timeout=30_000,
    )
    pg.wait_for_timeout(300)


def test_watchlist_map_shows_the_sites(page: Page, server: tuple[str, str, str]) -> None:
    base, db, _ = server
    pg = page
    pg.goto(base + "/")
    with Store(db) as store:
        names = {s.name for s in store.list_sites()}
    pg.wait_for_selector(".site-row")
    rows = pg.locator(".site-row")
    assert {rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())} == names
    outlines = pg.locator(".leaflet-overlay-pane path").count()
    assert outlines >= len(names)
    assert pg.locator(".alert-badge").count() == 1


def test_date_slider_and_swipe_change_the_imagery(
    page: Page, server: tuple[str, str, str], tmp_path: Path
) -> None:
    base = server[0]
    pg = page
    pg.goto(f"{base}/?site={SITE}")
    pg.wait_for_selector("#site-view:not([hidden])")
    _tiles_settled(pg)
    map_box = pg.locator("#map")
    last = map_box.screenshot(path=str(tmp_path / "last.png"))
    slider = pg.locator("#date-slider")
    slider.evaluate("(el) => { el.value = 2; el.dispatchEvent(new Event('input')); }")
    assert pg.locator("#after-label").inner_text().startswith("20")
    _tiles_settled(pg)
    earlier = map_box.screenshot(path=str(tmp_path / "earlier.png"))
    assert earlier != last
    swipe = pg.locator("#swipe")
    swipe.evaluate("(el) => { el.value = 90; el.dispatchEvent(new Event('input')); }")
    pg.wait_for_timeout(200)
    left_wide = map_box.screenshot()
    swipe.evaluate("(el) => { el.value = 10; el.dispatchEvent(new Event('input')); }")
    pg.wait_for_timeout(200)
    right_wide = map_box.screenshot()
    assert left_wide != right_wide


def test_an_alert_is_acknowledged_with_a_token_only(
    page: Page, server: tuple[str, str, str]
) -> None:
    base, db, token = server
    pg = page
    pg.goto(f"{base}/?site={SITE}")
    button = pg.locator("#alerts button[data-ack]")
    button.wait_for()
    button.click()
    pg.wait_for_function(
        "() => document.getElementById('status').textContent.startsWith('cannot acknowledge')"
    )
    with Store(db) as store:
        assert not store.list_alerts(SITE)[0].acknowledged
    pg.fill("#token", token)
    pg.locator("#alerts button[data-ack]").click()
    pg.wait_for_function(
        "() => document.getElementById('status').textContent.includes('acknowledged')"
    )
    with Store(db) as store:
        assert store.list_alerts(SITE)[0].acknowledged


REPORT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Grain trucks return to North Dakota fields | Prairie Wire</title>
<meta property="og:site_name" content="Prairie Wire">
<meta property="article:published_time" content="2012-07-20T08:00:00Z"></head>
<body><nav><a href="/">Home</a></nav><article><h1>Grain trucks return to North Dakota
fields</h1><p>Trucks were seen moving across the North Dakota fields on Wednesday, county
officials said.</p><p>The harvest is expected to start early this year.</p></article>
<footer>Copyright Prairie Wire</footer></body></html>"""


class _Report(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = REPORT.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_report_is_read_by_url_with_a_token_only(
    page: Page, server: tuple[str, str, str]
) -> None:
    base, db, token = server
    pg = page
    with serve_local(_Report) as news:
        url = f"{news}/2012/07/trucks.html"
        pg.goto(f"{base}/?site={SITE}")
        pg.locator("#claims tbody tr").first.wait_for()
        pg.fill("#claims-input", url)
        pg.locator("#claims-form button").click()
        pg.wait_for_function(
            "() => document.getElementById('status').textContent"
            ".startsWith('cannot read the report')"
        )
        pg.fill("#token", token)
        pg.locator("#claims-form button").click()
        pg.wait_for_function(
            "() => document.getElementById('status').textContent.includes('about this site')"
        )
        assert "1 claim(s) read, 1 about this site" in (pg.locator("#status").text_content() or "")
        pg.locator(f"#claims td:text-is('{url}')").wait_for()
    # Pasted text with who published it: that is the claims' source.
    pg.fill(
        "#claims-input",
        "Trucks were seen moving across the North Dakota fields on 18 July 2012, officials said.",
    )
    pg.fill("#claims-publisher", "County Herald")
    pg.locator("#claims-form button").click()
    pg.locator("#claims td:text-is('County Herald')").wait_for()
    assert pg.input_value("#claims-publisher") == ""
    with Store(db) as store:
        read = [c for c in store.list_claims(SITE) if c.source == url]
        pasted = [c for c in store.list_claims(SITE) if c.source == "County Herald"]
    assert [(c.activity, c.attribution, f"{c.window_start:%Y-%m-%d}") for c in read] == [
        ("vehicle movement", "officials", "2012-07-18")
    ]
    assert [(c.activity, f"{c.window_start:%Y-%m-%d}") for c in pasted] == [
        ("vehicle movement", "2012-07-18")
    ]


def test_a_report_file_is_read_from_the_analysts_machine(
    page: Page, server: tuple[str, str, str]
) -> None:
    """A PDF chosen in the page's file box is sent as it is and read by the server."""
    base, db, token = server
    pg = page
    pdf = report_pdf(
        [
            "Grain trucks return to North Dakota fields",
            "",
            "Trucks were seen moving across the North Dakota fields on Wednesday, county",
            "officials said.",
        ],
        title="Grain trucks return",
        created=datetime(2012, 7, 20, tzinfo=UTC),
    )
    pg.goto(f"{base}/?site={SITE}")
    pg.locator("#claims tbody tr").first.wait_for()
    pg.fill("#token", token)
    pg.set_input_files(
        "#claims-file",
        files=FilePayload(name="grain-trucks.pdf", mimeType="application/pdf", buffer=pdf),
    )
    pg.locator("#claims-form button").click()
    pg.wait_for_function(
        "() => document.getElementById('status').textContent.includes('about this site')"
    )
    assert "1 claim(s) read, 1 about this site" in (pg.locator("#status").text_content() or "")
    pg.locator("#claims td:text-is('grain-trucks.pdf')").wait_for()
    assert pg.eval_on_selector("#claims-file", "e => e.files.length") == 0
    with Store(db) as store:
        read = [c for c in store.list_claims(SITE) if c.source == "grain-trucks.pdf"]
    assert [(c.activity, c.attribution, f"{c.window_start:%Y-%m-%d}") for c in read] == [
        ("vehicle movement", "officials", "2012-07-18")
    ]
