"""The HTML report: per-site pictures, activity charts, change and detections, claims
and reach."""

from sitewatch.report.evidence import alert_finding, build_bundle, claim_finding, verify_bundle
from sitewatch.report.html import write_report, write_site_report

__all__ = [
    "alert_finding",
    "build_bundle",
    "claim_finding",
    "verify_bundle",
    "write_report",
    "write_site_report",
]
