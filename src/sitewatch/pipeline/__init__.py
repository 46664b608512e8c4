"""Per-site processing: chips of every covering scene, activity figures, change between
consecutive dates, detections and alerts, stored with their evidence."""

from sitewatch.pipeline.site import SiteRun, run_site

__all__ = ["SiteRun", "run_site"]
