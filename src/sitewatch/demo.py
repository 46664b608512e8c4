"""The demo: demo sites over the sample imagery, ingest, chips, activity figures, alerts,
change and detections, claims checked against imagery, missile reach, and the report.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sitewatch.claims.check import check_claim
from sitewatch.claims.extract import Claim, extract_claims
from sitewatch.datasets.detection import load_detection
from sitewatch.datasets.paths import data_dir
from sitewatch.detection.detector import CLASSES, LARGE_VEHICLE, default_detector, detect_array
from sitewatch.errors import ModelNotFoundError
from sitewatch.pipeline.monitor import RunReport, run_sites
from sitewatch.pipeline.site import RunProgress
from sitewatch.reach.ranges import KM_PER_MILE, reach_report
from sitewatch.report.html import write_site_report
from sitewatch.sites.watchlist import Site, demo_sites
from sitewatch.store import Store

#: Demo site -> (its imagery under the data folder, band names for files that carry none).
DEMO_SOURCES: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "demo-beirut": ("oscd/catalog.json", None),
    "demo-dubai": ("oscd/catalog.json", None),
    "demo-lasvegas": ("oscd/catalog.json", None),
    "demo-abudhabi": ("oscd/catalog.json", None),
    # NAIP 4-band imagery is red, green, blue, near-infrared (USDA NAIP specification).
    "demo-naip-nd": ("timeseries/naip", ("red", "green", "blue", "nir")),
    # The Landsat composites carry no band names; they stay b1..b4.
    "demo-pucallpa": ("timeseries/landsat", None),
}

#: progress(stage, done, total, what)
DemoProgress = Callable[[str, int, int, str], None]


def demo_claims(store: Store) -> list[Claim]:
    """Claims of the packaged demo article (a text written for the demo, labelled as
    such), stored and checked against the demo sites' observations and alerts."""
    text = (resources.files("sitewatch") / "data" / "demo_article.txt").read_text(encoding="utf-8")
    claims = store.put_claims(
        extract_claims(text, store.list_sites(), date(2019, 3, 8), source="demo_article.txt")
    )
    for c in claims:
        if c.site_id is not None:
            check_claim(c, store.observations(c.site_id), store.list_alerts(c.site_id))
            store.set_claim_status(c)
    return claims


def pixel_grid_detections(root: Path, airports: int = 3) -> list[dict[str, Any]]:
    """Detections on held-out pixel-grid images: Airbus airports (0.5 m and 1 m), a KIT
    AIS street (0.13 m) and the SIMD depot with the most trucks (about 0.11 m), for the
    report's pixel-grid section.  Empty without a detector."""

    try:
        info = default_detector()
    except ModelNotFoundError:
        return []
    chosen = [im for im in load_detection(root, "airbus") if im.split == "test"][:airports]
    chosen += [im for im in load_detection(root, "kit-ais") if im.split == "test"][:1]
    depots = [im for im in load_detection(root, "simd") if im.split == "test"]
    chosen += sorted(depots, key=lambda im: -sum(b.large for b in im.boxes))[:1]
    kind = {"airbus": "Airport", "kit-ais": "Street", "simd": "Depot"}
    out = []
    for im in chosen:
        dets = detect_array(im.pixels, im.gsd, info)
        truth = {c: sum(b.cls == c for b in im.boxes) for c in CLASSES}
        truth[LARGE_VEHICLE] = sum(b.large for b in im.boxes)
        title = f"{kind[im.dataset]} {im.name[:8]} ({im.dataset})"
        out.append({"name": im.name[:8], "title": title, "pixels": im.pixels, "gsd": im.gsd,
                    "detections": dets, "truth": truth})  # fmt: skip
    return out


def watch_demo_sites(store: Store, root: Path) -> list[Site]:
    """Add the demo sites to ``store``, each subscribed to its sample imagery under
    ``root`` (as ``sitewatch sites add`` and ``sitewatch sources add`` would)."""
    sites = demo_sites()
    store.import_sites(sites, replace=True)
    for site in sites:
        rel, band_names = DEMO_SOURCES[site.id]
        store.add_subscription(site.id, str((root / rel).resolve()), band_names=band_names or ())
    return sites


@dataclass
class DemoResult:
    report: Path
    run: RunReport


def run_demo(
    out_dir: str | os.PathLike[str] = "out/demo",
    data: str | os.PathLike[str] | None = None,
    progress: DemoProgress | None = None,
) -> DemoResult:
    """The demo as a user would do it: the demo sites, a subscription for each to its
    sample imagery (``sitewatch sources add``), a monitoring run (``sitewatch run``),
    claims and reach, and the report (``sitewatch report``); returns where it is."""
    root = data_dir(data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with Store(f"sqlite:///{(out / 'sitewatch.db').resolve()}") as store:
        sites = watch_demo_sites(store, root)

        def site_progress(site: Site) -> RunProgress | None:
            if progress is None:
                return None
            return lambda stage, done, total, what: progress(
                f"{site.id}: {stage}", done, total, what
            )

        run = run_sites(store, sites, progress=site_progress)
        if progress is not None:
            progress("detection on pixel grids", 0, 1, "")
        grids = pixel_grid_detections(root)
        if progress is not None:
            progress("claims and reach", 0, 1, "")
        demo_claims(store)
        reach = reach_report(store.get_site("sanumdong"), 8000 * KM_PER_MILE)
        report = write_site_report(
            store,
            sites,
            out / "report.html",
            title="SiteWatch demo report",
            pixel_grids=grids,
            reach=reach,
        )
    return DemoResult(report=report, run=run)
