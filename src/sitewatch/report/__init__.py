"""The HTML report: per-site pictures, activity charts, change and detections, claims
and reach."""

from sitewatch.report.html import write_report, write_site_report

__all__ = ["write_report", "write_site_report"]
