"""Web app latency and throughput on loopback: map tiles and a site's timeline, with 1
and 4 concurrent clients, against `sitewatch serve` on the demo store (run `make demo`
first).  The baseline, measured in the same run, is `/api/settings` (the app's
smallest answer: routing, middleware and JSON only), so the ratios say what reading
the store or the imagery adds.

Tiles are every web-mercator tile of the demo NAIP site's chips at zooms 14-16, asked
in turn (so the tile cache of each chip's stretch is warm after its first tile, as when
an analyst pans).  Each case is bounded: at most REQUESTS requests or SECONDS seconds.

Run:  .venv/bin/python benchmarks/bench_web.py [--db out/demo/sitewatch.db]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import morecantile

SITE = "demo-naip-nd"
REQUESTS = 400
SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def tile_urls(base: str) -> list[str]:
    chips = httpx.get(f"{base}/api/sites/{SITE}/chips").json()
    tms = morecantile.tms.get("WebMercatorQuad")
    urls = []
    for chip in chips:
        west, south, east, north = chip["bounds"]
        for z in (14, 15, 16):
            for t in tms.tiles(west, south, east, north, [z]):
                urls.append(base + chip["tiles"].format(z=t.z, x=t.x, y=t.y))
    return urls


def run_case(urls: list[str], clients: int) -> tuple[list[float], float]:
    """Latencies (s) of up to REQUESTS requests over ``urls`` (cycled) with ``clients``
    concurrent clients, and the wall time."""
    wanted = [urls[i % len(urls)] for i in range(REQUESTS)]
    latencies: list[float] = []
    stop = time.perf_counter() + SECONDS

    def worker(part: list[str]) -> list[float]:
        out = []
        with httpx.Client() as client:
            for url in part:
                if time.perf_counter() > stop:
                    break
                t0 = time.perf_counter()
                response = client.get(url)
                out.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code} {response.text[:200]}")
        return out

    parts = [wanted[i::clients] for i in range(clients)]
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for result in pool.map(worker, parts):
            latencies.extend(result)
    return latencies, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="out/demo/sitewatch.db")
    args = parser.parse_args()
    if not Path(args.db).is_file():
        raise SystemExit(f"{args.db} not found: run `make demo` first")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sitewatch = Path(sys.executable).with_name("sitewatch")
    server = subprocess.Popen(
        [str(sitewatch), "--db", args.db, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/api/settings")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start") from None
                time.sleep(0.2)
        cases = {
            "baseline /api/settings": [f"{base}/api/settings"],
            "tile (PNG, 256 px)": tile_urls(base),
            f"/api/sites/{SITE}/timeline": [f"{base}/api/sites/{SITE}/timeline"],
        }
        print(f"{'case':<34} {'clients':>7} {'requests':>8} {'median ms':>9} {'p95 ms':>7} "
              f"{'req/s':>7} {'x base':>7}")  # fmt: skip
        for clients in (1, 4):
            base_median = 0.0
            for name, urls in cases.items():
                run_case(urls[:8], 1)  # warm-up
                lat, wall = run_case(urls, clients)
                median = statistics.median(lat) * 1000
                p95 = statistics.quantiles(lat, n=20)[18] * 1000
                if name.startswith("baseline"):
                    base_median = median
                print(f"{name:<34} {clients:>7} {len(lat):>8} {median:>9.1f} {p95:>7.1f} "
                      f"{len(lat) / wall:>7.0f} {median / base_median:>7.1f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
