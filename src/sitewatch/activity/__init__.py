"""Activity over time: the figure vocabulary and its observations, alerts on unusual
values, and their delivery to webhooks."""

from sitewatch.activity.alerts import Alert, alerts_for_site, detect_alerts
from sitewatch.activity.figures import (
    AIRCRAFT_COUNT,
    BRIGHTNESS,
    CHANGE_MAGNITUDE,
    CHANGED_AREA,
    FIGURES,
    LARGE_VEHICLE_COUNT,
    NDVI,
    VEHICLE_COUNT,
    Observation,
    change_magnitude,
    count_figure,
    spectral_indices,
)
from sitewatch.activity.webhook import send_webhook

__all__ = [
    "AIRCRAFT_COUNT",
    "BRIGHTNESS",
    "CHANGED_AREA",
    "CHANGE_MAGNITUDE",
    "FIGURES",
    "LARGE_VEHICLE_COUNT",
    "NDVI",
    "VEHICLE_COUNT",
    "Alert",
    "Observation",
    "alerts_for_site",
    "change_magnitude",
    "count_figure",
    "detect_alerts",
    "send_webhook",
    "spectral_indices",
]
