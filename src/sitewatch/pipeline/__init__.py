"""Monitoring: per-site runs (incremental: chips, figures per date, change per pair of
dates, alerts), runs over many sites with their imagery subscriptions and alert
delivery, the watch loop, and the stored results read back; runs compute in this
process or on a Dask distributed cluster (executors)."""

from sitewatch.pipeline.executor import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    TaskFailed,
    open_executor,
)
from sitewatch.pipeline.monitor import RunReport, deliver_alerts, run_sites, watch
from sitewatch.pipeline.site import SiteRun, SiteView, load_site, run_site

__all__ = [
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "RunReport",
    "SiteRun",
    "SiteView",
    "TaskFailed",
    "deliver_alerts",
    "load_site",
    "open_executor",
    "run_site",
    "run_sites",
    "watch",
]
