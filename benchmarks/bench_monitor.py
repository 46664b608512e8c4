"""Monitoring throughput: scene pairs per minute on the sample sites, first run and
incremental run, and where the time goes (read, align, change, detection).

A fresh store with the demo sites, each subscribed to its sample imagery (OSCD cities,
NAIP North Dakota, Landsat Pucallpa), as `sitewatch sources add` would; then
`run_sites` twice (the second finds nothing new), then once more after one more scene
arrives (a NAIP scene held back from the first runs).

Run:  .venv/bin/python benchmarks/bench_monitor.py [--data ../shared/data] [--no-detect]

Prints a table; results are recorded in docs/benchmarks.md with the machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from sitewatch.datasets.paths import data_dir
from sitewatch.demo import DEMO_SOURCES
from sitewatch.pipeline.monitor import RunReport, run_sites
from sitewatch.sites.watchlist import demo_sites
from sitewatch.store import Store

STAGES = ("read", "detect", "align", "change", "store")


def row(name: str, report: RunReport, first: float) -> str:
    pairs = sum(len(r.new_pairs) for r in report.sites)
    chips = sum(len(r.new_chips) for r in report.sites)
    total = report.seconds
    stages = {k: sum(r.timings.get(k, 0.0) for r in report.sites) for k in STAGES}
    other = total - sum(stages.values())
    shares = " ".join(f"{stages[k] / total:6.0%}" for k in STAGES)
    rate = pairs / total * 60 if total else 0.0
    return (
        f"{name:<22} {chips:5d} {pairs:5d} {total:8.2f} {rate:9.1f} {total / first:6.3f} "
        f"{shares} {other / total:6.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--no-detect", action="store_true")
    args = parser.parse_args()
    root = data_dir(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        naip = sorted((root / "timeseries" / "naip").glob("*.tif"))
        folder = Path(tmp) / "naip"
        folder.mkdir()
        for f in naip[:-1]:
            shutil.copy(f, folder / f.name)
        with Store(f"sqlite:///{tmp}/bench.db") as store:
            sites = demo_sites()
            store.import_sites(sites)
            for site in sites:
                rel, bands = DEMO_SOURCES[site.id]
                source = folder if rel == "timeseries/naip" else root / rel
                store.add_subscription(site.id, str(source), band_names=bands or ())
            detect = not args.no_detect
            first = run_sites(store, sites, detect=detect)
            again = run_sites(store, sites, detect=detect)
            shutil.copy(naip[-1], folder / naip[-1].name)
            one_more = run_sites(store, sites, detect=detect)
    print(f"{len(sites)} sites, detection {'on' if detect else 'off'}")
    head = " ".join(f"{k:>6}" for k in STAGES)
    print(f"{'run':<22} chips pairs  total s  pairs/min  ratio {head}  other")
    for name, report in (
        ("first", first),
        ("again, nothing new", again),
        ("one more scene", one_more),
    ):
        print(row(name, report, first.seconds))


if __name__ == "__main__":
    main()
