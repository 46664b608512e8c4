"""SiteWatch: watch declared sites of interest in satellite imagery over time.

The public API, loaded on first use (``import sitewatch`` itself imports nothing
heavy)::

    import sitewatch as sw

    with sw.Store("sqlite:///watch.db") as store:
        sw.ingest(sw.open_source("imagery/"), store)
        run = sw.run_site(store, store.get_site("sanumdong"))

Each capability is a subpackage with its own public names (``sitewatch.change``,
``sitewatch.detection``, ...); the names below are the ones most work starts from.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from sitewatch.errors import SitewatchError

if TYPE_CHECKING:
    from sitewatch.activity import Alert, Observation, alerts_for_site, send_webhook
    from sitewatch.change import (
        ChangeResult,
        Comparison,
        change_objects,
        compare,
        coregister,
        detect_change,
    )
    from sitewatch.claims import Article, Claim, check_claim, extract_claims, read_article
    from sitewatch.datasets import data_dir
    from sitewatch.detection import (
        Detection,
        default_detector,
        detect_array,
        detect_file,
        movement,
    )
    from sitewatch.evaluation import evaluate_change, evaluate_detection
    from sitewatch.geo import GeoImage, Grid
    from sitewatch.imagery import (
        Scene,
        open_source,
        read_chip,
        read_image,
        read_pair,
        to_rgb8,
        write_cog,
    )
    from sitewatch.pipeline import (
        DaskExecutor,
        SiteRun,
        load_site,
        open_executor,
        run_site,
        run_sites,
        watch,
    )
    from sitewatch.reach import KM_PER_MILE, reach_report
    from sitewatch.report import write_report, write_site_report
    from sitewatch.sites import Site, Zone, load_sites_file
    from sitewatch.store import Store, ingest

__version__ = "0.1.0"

#: Public name -> the subpackage that defines it.
_API: dict[str, str] = {
    "Alert": "activity",
    "Observation": "activity",
    "alerts_for_site": "activity",
    "send_webhook": "activity",
    "ChangeResult": "change",
    "Comparison": "change",
    "change_objects": "change",
    "compare": "change",
    "coregister": "change",
    "detect_change": "change",
    "Article": "claims",
    "Claim": "claims",
    "check_claim": "claims",
    "extract_claims": "claims",
    "read_article": "claims",
    "data_dir": "datasets",
    "Detection": "detection",
    "default_detector": "detection",
    "detect_array": "detection",
    "detect_file": "detection",
    "movement": "detection",
    "evaluate_change": "evaluation",
    "evaluate_detection": "evaluation",
    "GeoImage": "geo",
    "Grid": "geo",
    "Scene": "imagery",
    "open_source": "imagery",
    "read_chip": "imagery",
    "read_image": "imagery",
    "read_pair": "imagery",
    "to_rgb8": "imagery",
    "write_cog": "imagery",
    "SiteRun": "pipeline",
    "DaskExecutor": "pipeline",
    "open_executor": "pipeline",
    "load_site": "pipeline",
    "run_site": "pipeline",
    "run_sites": "pipeline",
    "watch": "pipeline",
    "KM_PER_MILE": "reach",
    "reach_report": "reach",
    "write_report": "report",
    "write_site_report": "report",
    "Site": "sites",
    "Zone": "sites",
    "load_sites_file": "sites",
    "Store": "store",
    "ingest": "store",
}

__all__ = [
    "KM_PER_MILE",
    "Alert",
    "Article",
    "ChangeResult",
    "Claim",
    "Comparison",
    "DaskExecutor",
    "Detection",
    "GeoImage",
    "Grid",
    "Observation",
    "Scene",
    "Site",
    "SiteRun",
    "SitewatchError",
    "Store",
    "Zone",
    "__version__",
    "alerts_for_site",
    "change_objects",
    "check_claim",
    "compare",
    "coregister",
    "data_dir",
    "default_detector",
    "detect_array",
    "detect_change",
    "detect_file",
    "evaluate_change",
    "evaluate_detection",
    "extract_claims",
    "ingest",
    "load_site",
    "load_sites_file",
    "movement",
    "open_executor",
    "open_source",
    "reach_report",
    "read_article",
    "read_chip",
    "read_image",
    "read_pair",
    "run_site",
    "run_sites",
    "send_webhook",
    "to_rgb8",
    "watch",
    "write_cog",
    "write_report",
    "write_site_report",
]


def __getattr__(name: str) -> Any:
    package = _API.get(name)
    if package is None:
        raise AttributeError(f"module 'sitewatch' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sitewatch.{package}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


logging.getLogger(__name__).addHandler(logging.NullHandler())
