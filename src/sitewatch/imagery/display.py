"""The display stretch: imagery of any bit depth to 8-bit pictures (one place for it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sitewatch.errors import MissingBandError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.bands import TRUE_COLOUR

#: Percentiles of the valid pixels that map to 0 and 255.
PERCENTILES = (2.0, 98.0)


def stretch_band(
    band: npt.NDArray[Any],
    valid: npt.NDArray[np.bool_] | None = None,
    percentiles: tuple[float, float] = PERCENTILES,
) -> npt.NDArray[np.uint8]:
    """One band to 0-255, linear between ``percentiles`` of its ``valid`` finite pixels
    (all finite pixels when None); a flat band, and NaN or infinite pixels, become 0."""
    values = band.astype("float64")
    finite = np.isfinite(values)
    sample = values[finite if valid is None else finite & valid]
    lo, hi = np.percentile(sample, percentiles) if sample.size else (0.0, 1.0)
    scale = 255.0 / (hi - lo) if hi > lo else 0.0
    scaled = np.where(finite, (values - lo) * scale, 0.0)
    out: npt.NDArray[np.uint8] = np.clip(scaled, 0, 255).astype(np.uint8)
    return out


def display_bands(image: GeoImage) -> tuple[str, ...]:
    """Bands for a picture: true colour when red, green and blue exist, else the first three."""
    if all(b in image.band_names for b in TRUE_COLOUR):
        return TRUE_COLOUR
    if image.pixels.shape[0] >= 3:
        return image.band_names[:3]
    return (image.band_names[0],) * 3


def to_rgb8(
    image: GeoImage,
    bands: Sequence[str] | None = None,
    percentiles: tuple[float, float] = PERCENTILES,
) -> npt.NDArray[np.uint8]:
    """An 8-bit RGB picture, each band stretched between percentiles of its valid pixels.

    Masked pixels become transparent (an RGBA array is returned when any are masked).
    """
    names = tuple(bands) if bands else display_bands(image)
    if len(names) != 3:
        raise MissingBandError(f"a picture needs three bands, got {len(names)}")
    valid = image.mask
    rgb = np.dstack([stretch_band(image.band(n), valid, percentiles) for n in names])
    if valid.all():
        return rgb
    alpha = np.where(valid, 255, 0).astype(np.uint8)
    return np.dstack([rgb, alpha])
