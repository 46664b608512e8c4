"""Monitoring: per-site runs (incremental: chips, figures per date, change per pair of
dates, alerts), runs over many sites with their imagery subscriptions and alert
delivery, the watch loop, and the stored results read back."""

from sitewatch.pipeline.monitor import RunReport, deliver_alerts, run_sites, watch
from sitewatch.pipeline.site import SiteRun, SiteView, load_site, run_site

__all__ = [
    "RunReport",
    "SiteRun",
    "SiteView",
    "deliver_alerts",
    "load_site",
    "run_site",
    "run_sites",
    "watch",
]
