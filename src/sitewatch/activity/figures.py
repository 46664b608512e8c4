"""Activity figures computed from a site's chips over time (pure functions).

For now one figure: the *normalised change magnitude* between consecutive
scenes of a site.  Each band of each chip is standardised by its own mean and
standard deviation over the pixels valid in both (which removes overall
brightness and contrast differences between dates), and the figure is the mean
over those pixels of the Euclidean distance between the standardised band
vectors, divided by sqrt(number of bands).  0 means identical images; two
unrelated images score about 1.1 (sqrt(2) times (1 - correlation)^0.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from sitewatch.errors import NoOverlapError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.bands import TRUE_COLOUR, common_bands
from sitewatch.times import iso_utc

# The figure vocabulary: every stored observation names one of these.
CHANGE_MAGNITUDE = "change_magnitude"
CHANGED_AREA = "changed_area"
BRIGHTNESS = "brightness"
NDVI = "ndvi"
VEHICLE_COUNT = "vehicle_count"
#: Trucks, tractor-trailers and buses among the vehicles (a detector with kinds).
LARGE_VEHICLE_COUNT = "large_vehicle_count"
AIRCRAFT_COUNT = "aircraft_count"

#: Figure -> unit.
FIGURES: dict[str, str] = {
    CHANGE_MAGNITUDE: "",
    CHANGED_AREA: "m2",
    BRIGHTNESS: "DN",
    NDVI: "",
    VEHICLE_COUNT: "count",
    LARGE_VEHICLE_COUNT: "count",
    AIRCRAFT_COUNT: "count",
}


def count_figure(object_class: str) -> str:
    """The figure counting detections of a class (``vehicle`` -> ``vehicle_count``), or
    of large vehicles (``large_vehicle`` -> ``large_vehicle_count``)."""
    figure = f"{object_class}_count"
    if figure not in FIGURES:
        raise ValueError(f"no count figure for object class {object_class!r}")
    return figure


@dataclass(frozen=True)
class Observation:
    """One activity figure for a site (and zone) at a scene's time, with its evidence."""

    site_id: str
    figure: str
    value: float
    time: datetime
    scene_id: str
    ref_scene_id: str = ""
    zone: str = ""
    unit: str = ""
    method: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "zone": self.zone,
            "figure": self.figure,
            "value": self.value,
            "unit": self.unit,
            "time": iso_utc(self.time),
            "scene_id": self.scene_id,
            "ref_scene_id": self.ref_scene_id,
            "method": self.method,
            "evidence": self.evidence,
        }


def change_magnitude(before: GeoImage, after: GeoImage, min_valid: float = 0.05) -> float:
    """Normalised change magnitude between two images on the same grid (see module doc)."""
    if before.shape != after.shape:
        raise ValueError(
            f"images must share a grid: shapes {before.shape} and {after.shape} differ"
        )
    valid = before.mask & after.mask
    if valid.sum() < max(16, min_valid * valid.size):
        raise NoOverlapError(
            f"the two images overlap on only {int(valid.sum())} valid pixels; "
            "need at least 5% of the grid"
        )
    bands = common_bands(before, after)
    sq = np.zeros(int(valid.sum()), dtype="float64")
    for name in bands:
        a = before.band(name)[valid].astype("float64")
        b = after.band(name)[valid].astype("float64")
        za = (a - a.mean()) / (a.std() or 1.0)
        zb = (b - b.mean()) / (b.std() or 1.0)
        sq += (zb - za) ** 2
    return float(np.sqrt(sq / len(bands)).mean())


def spectral_indices(image: GeoImage) -> dict[str, float]:
    """Per-date indices over the valid pixels: mean ``brightness`` of the visible bands
    (in the image's own units) and mean ``ndvi`` when red and near-infrared exist."""
    valid = image.mask
    if not valid.any():
        return {}
    out: dict[str, float] = {}
    visible = [b for b in TRUE_COLOUR if b in image.band_names]
    if visible:
        out[BRIGHTNESS] = float(
            np.mean([image.band(b)[valid].astype("float64").mean() for b in visible])
        )
    if "red" in image.band_names and "nir" in image.band_names:
        red = image.band("red")[valid].astype("float64")
        nir = image.band("nir")[valid].astype("float64")
        out[NDVI] = float(np.mean((nir - red) / np.maximum(nir + red, 1e-9)))
    return out
