"""Foundation benchmark: ingest speed and chip (read + reproject to site grid) throughput.

Run:  .venv/bin/python benchmarks/bench_foundation.py [--data ../shared/data] [--repeat 3]

Prints a table; results are recorded in docs/benchmarks.md with the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from functools import partial

import rasterio

from sitewatch.datasets.paths import data_dir
from sitewatch.geo.grid import area_m2
from sitewatch.imagery.chips import chip_bands, read_chip
from sitewatch.imagery.scene import Scene
from sitewatch.imagery.sources import open_source
from sitewatch.sites.watchlist import Site, demo_sites
from sitewatch.store import Store
from sitewatch.store.ingest import ingest


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def read_chips(scenes: list[Scene], site: Site) -> None:
    for scene in scenes:
        read_chip(scene, site)


def raw_read(store: Store, scene_ids: list[str]) -> None:
    """Only reading the source pixels (whole band files), no reprojection: the floor."""
    for sid in scene_ids:
        for ref in chip_bands(store.get_scene(sid)):
            with rasterio.open(ref.href) as src:
                src.read(ref.index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = data_dir(args.data)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        store.import_sites(demo_sites())
        for rel, names in (
            ("oscd/catalog.json", None),
            ("timeseries/naip", ["red", "green", "blue", "nir"]),
        ):
            source = open_source(str(root / rel), band_names=names)
            t0 = time.perf_counter()
            report = ingest(source, store)
            first = time.perf_counter() - t0
            again = best_of(args.repeat, partial(ingest, source, store))
            rows.append(
                (
                    f"ingest {rel}",
                    f"{report.recorded} scenes",
                    f"first {first:.2f} s ({report.recorded / first:.0f} scenes/s); "
                    f"re-ingest {again:.2f} s",
                )
            )
        for site_id in ("demo-beirut", "demo-naip-nd"):
            site = store.get_site(site_id)
            scenes = [e.scene for e in store.list_scenes(site_id)]
            area_km2 = area_m2(site.aoi) / 1e6 * len(scenes)

            t_chip = best_of(args.repeat, partial(read_chips, scenes, site))
            t_raw = best_of(args.repeat, partial(raw_read, store, [x.id for x in scenes]))
            sample = read_chip(scenes[0], site)
            rows.append(
                (
                    f"chip {site_id}",
                    f"{len(scenes)} x {sample.shape[1]}x{sample.shape[0]} px x "
                    f"{len(sample.band_names)} bands @ {sample.grid.res[0]:g} m",
                    f"{t_chip:.2f} s = {area_km2 / t_chip:.1f} km²/s; "
                    f"plain read {t_raw:.2f} s; ratio {t_chip / t_raw:.2f}",
                )
            )
        store.close()
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'step':<{width[0]}}  {'size':<{width[1]}}  result")
    for r in rows:
        print(f"{r[0]:<{width[0]}}  {r[1]:<{width[1]}}  {r[2]}")
    print(f"times are the best of {args.repeat} runs, after a first (cold) ingest")


if __name__ == "__main__":
    main()
