"""Screenshots of the web app's main views for the docs (docs/screenshots/), taken in
Debian's headless Chromium against `sitewatch serve` on the demo store.

Run:  make demo && .venv/bin/python scripts/screenshots.py [--db out/demo/sitewatch.db]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

OUT = Path("docs/screenshots")


def settle(page: Page) -> None:
    loading = "document.querySelectorAll('.leaflet-tile-container img:not(.leaflet-tile-loaded)')"
    page.wait_for_function(f"() => {loading}.length === 0", timeout=30_000)
    page.wait_for_timeout(500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="out/demo/sitewatch.db")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    sitewatch = Path(sys.executable).with_name("sitewatch")
    server = subprocess.Popen([str(sitewatch), "--db", args.db, "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/api/settings")
                break
            except httpx.TransportError:
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 850})
            page.goto(base + "/")
            page.wait_for_selector(".site-row")
            page.screenshot(path=str(OUT / "watchlist.png"))
            page.goto(f"{base}/?site=demo-naip-nd")
            page.wait_for_selector("#site-view:not([hidden])")
            page.locator("#date-slider").evaluate(
                "(el) => { el.value = 7; el.dispatchEvent(new Event('input')); }"
            )
            page.select_option("#before-select", index=6)
            settle(page)
            page.screenshot(path=str(OUT / "site-swipe.png"))
            page.goto(f"{base}/?site=sanumdong")
            page.wait_for_selector("#site-view:not([hidden])")
            page.fill("#reach-km", "12875")
            page.click("#reach-form button")
            page.wait_for_function("() => document.getElementById('reach-summary').textContent")
            page.wait_for_timeout(500)
            page.screenshot(path=str(OUT / "reach.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print("wrote", ", ".join(str(p) for p in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
