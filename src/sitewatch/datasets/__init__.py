"""Labelled data: the data folder lookup, change pairs (OSCD, SZTAKI) and detection
images (KIT AIS, Minsk drone, Airbus)."""

from sitewatch.datasets.change import (
    ChangePair,
    airchange_pairs,
    load_pairs,
    oscd_cities,
    oscd_pairs,
)
from sitewatch.datasets.detection import (
    Box,
    DetImage,
    load_detection,
    unlabelled_regions,
    without_regions,
)
from sitewatch.datasets.paths import data_dir

__all__ = [
    "Box",
    "ChangePair",
    "DetImage",
    "airchange_pairs",
    "data_dir",
    "load_detection",
    "load_pairs",
    "oscd_cities",
    "oscd_pairs",
    "unlabelled_regions",
    "without_regions",
]
