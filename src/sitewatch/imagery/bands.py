"""Band naming: one vocabulary for band names across sources, chips and models.

Bands are named by their STAC ``eo`` common name (``red``, ``nir``, ``swir16``...)
when a source says what they are, and ``b1``, ``b2``... (1-based) when it does not.
A plain three-band picture (PNG/JPEG, or a GeoTIFF without band descriptions) is taken
as red, green and blue wherever true colour is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sitewatch.errors import MissingBandError
from sitewatch.geo.grid import GeoImage

#: STAC eo extension common names (v1.1).
COMMON_NAMES: Final = frozenset(
    {
        "pan", "coastal", "blue", "green", "green05", "yellow", "red", "rededge",
        "rededge071", "rededge075", "rededge078", "nir", "nir08", "nir09", "cirrus",
        "swir16", "swir22", "lwir", "lwir11", "lwir12",
    }
)  # fmt: skip

TRUE_COLOUR: Final = ("red", "green", "blue")
#: The names a plain three-band picture gets.
PLAIN_RGB: Final = ("b1", "b2", "b3")


def plain_name(index: int) -> str:
    """The name of an undescribed band by its 1-based index: ``b1``, ``b2``..."""
    return f"b{index}"


def common_name(name: str) -> str | None:
    """``name`` as an eo common name (case-insensitive), or None when it is not one."""
    lowered = name.lower()
    return lowered if lowered in COMMON_NAMES else None


def rgb_bands(names: Sequence[str]) -> tuple[str, str, str] | None:
    """The true-colour bands among ``names``: red/green/blue, else plain b1/b2/b3."""
    for rgb in (TRUE_COLOUR, PLAIN_RGB):
        if set(rgb) <= set(names):
            return rgb
    return None


def common_bands(before: GeoImage, after: GeoImage) -> tuple[str, ...]:
    """Band names present in both images, in ``before``'s order."""
    bands = before.shared_bands(after)
    if not bands:
        raise MissingBandError(
            f"the two images share no band (before: {', '.join(before.band_names)}; "
            f"after: {', '.join(after.band_names)})"
        )
    return bands
