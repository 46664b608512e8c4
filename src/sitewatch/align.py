"""Co-registration: global sub-pixel shift between two images of one site (pure functions).

The shift is found by cross-correlation in the Fourier domain, refined to
1/``upsample`` pixel with the matrix-multiply DFT of Guizar-Sicairos et al.
(scikit-image's ``phase_cross_correlation``).  Before correlating, invalid
pixels are filled with the window mean and a Tukey (tapered cosine) window is
applied, which removes the edge discontinuities that otherwise bias the
sub-pixel peak.  Plain (unnormalised) cross-correlation is used: with phase
normalisation the RMSE on cubic-spline-shifted OSCD bands was 0.099 px instead
of 0.031 px (see ``docs/benchmarks.md``).

Sign convention: a :class:`Shift` is what to apply to the *moving* image
(``scipy.ndimage.shift(moving, (dy, dx))``) to bring it onto the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy import ndimage
from scipy.signal.windows import tukey
from skimage.registration import phase_cross_correlation

from sitewatch.errors import InsufficientDataError
from sitewatch.geo import GeoImage

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Shift:
    """Sub-pixel translation (rows, cols) to apply to the moving image, and how far to trust it.

    ``reliability`` is 1 minus scikit-image's translation-invariant normalised RMS
    error at the peak (1 = identical after shifting, near 0 = unrelated);
    ``valid_fraction`` is the share of window pixels valid in both images.
    """

    dy: float
    dx: float
    reliability: float
    valid_fraction: float

    @property
    def magnitude(self) -> float:
        return float(np.hypot(self.dy, self.dx))


def _central_window(shape: tuple[int, int], size: int) -> tuple[slice, slice]:
    rows, cols = shape
    h, w = min(size, rows), min(size, cols)
    y0, x0 = (rows - h) // 2, (cols - w) // 2
    return slice(y0, y0 + h), slice(x0, x0 + w)


def _prepare(a: FloatArray, valid: npt.NDArray[np.bool_], taper: FloatArray) -> FloatArray:
    filled = np.where(valid, a, a[valid].mean())
    out: FloatArray = (filled - filled.mean()) * taper
    return out


def estimate_shift(
    reference: npt.ArrayLike,
    moving: npt.ArrayLike,
    reference_mask: npt.ArrayLike | None = None,
    moving_mask: npt.ArrayLike | None = None,
    *,
    window: int = 256,
    upsample: int = 200,
    min_valid: float = 0.5,
) -> Shift:
    """Global shift of ``moving`` against ``reference`` (two 2-D arrays on one grid).

    Uses the central ``window`` x ``window`` pixels (the whole image when smaller).
    Raises InsufficientDataError when fewer than ``min_valid`` of them are valid in
    both images or the window is under 16 pixels a side.
    """
    ref = np.asarray(reference, dtype="float64")
    mov = np.asarray(moving, dtype="float64")
    if ref.ndim != 2 or ref.shape != mov.shape:
        raise ValueError(f"need two 2-D arrays of one shape, got {ref.shape} and {mov.shape}")
    valid = np.isfinite(ref) & np.isfinite(mov)
    if reference_mask is not None:
        valid &= np.asarray(reference_mask, dtype=bool)
    if moving_mask is not None:
        valid &= np.asarray(moving_mask, dtype=bool)
    rows, cols = _central_window(ref.shape, window)
    ref, mov, valid = ref[rows, cols], mov[rows, cols], valid[rows, cols]
    if min(ref.shape) < 16:
        raise InsufficientDataError(
            f"co-registration needs at least 16x16 pixels of overlap, got {ref.shape[1]}x"
            f"{ref.shape[0]}; use a larger area"
        )
    fraction = float(valid.mean())
    if fraction < min_valid:
        raise InsufficientDataError(
            f"only {fraction:.0%} of the co-registration window is valid in both images "
            f"(need {min_valid:.0%}); the images barely overlap or are mostly nodata/cloud"
        )
    taper = np.outer(tukey(ref.shape[0], 0.5), tukey(ref.shape[1], 0.5))
    a = _prepare(ref, valid, taper)
    b = _prepare(mov, valid, taper)
    if not a.any() or not b.any():
        raise InsufficientDataError("an image is constant over the window; nothing to match")
    shift, error, _ = phase_cross_correlation(  # type: ignore[no-untyped-call]
        a, b, upsample_factor=upsample, normalization=None
    )
    return Shift(
        dy=float(shift[0]),
        dx=float(shift[1]),
        reliability=float(np.clip(1.0 - error, 0.0, 1.0)),
        valid_fraction=fraction,
    )


def apply_shift(image: GeoImage, shift: Shift, order: int = 3) -> GeoImage:
    """Resample ``image`` by ``shift`` on its own grid (cubic spline by default).

    Pixels that come from outside the image or from masked pixels are masked.
    """
    offset = (shift.dy, shift.dx)
    pixels = np.stack(
        [
            ndimage.shift(band.astype("float64"), offset, order=order, mode="nearest")
            for band in image.pixels
        ]
    ).astype(image.pixels.dtype if image.pixels.dtype.kind == "f" else "float32")
    inside = ndimage.shift(image.mask.astype("float32"), offset, order=1, mode="constant", cval=0.0)
    mask = inside > 0.999
    pixels[:, ~mask] = 0
    meta = {**image.meta, "shift_dy": f"{shift.dy:.4f}", "shift_dx": f"{shift.dx:.4f}"}
    return replace(image, pixels=pixels, mask=mask, meta=meta)


def coregister(
    reference: GeoImage,
    moving: GeoImage,
    band: str | None = None,
    *,
    window: int = 256,
    upsample: int = 200,
    min_valid: float = 0.5,
) -> tuple[GeoImage, Shift]:
    """Estimate the shift of ``moving`` on one band (default: nir, else red, else the first
    shared band) and return ``moving`` resampled onto ``reference`` with that shift."""
    if reference.shape != moving.shape:
        raise ValueError(
            f"images must share a grid first (shapes {reference.shape} and {moving.shape}); "
            "read both as chips of one site"
        )
    if band is None:
        shared = reference.shared_bands(moving)
        band = next((b for b in ("nir", "red") if b in shared), shared[0] if shared else None)
        if band is None:
            raise InsufficientDataError("the two images share no band to match on")
    shift = estimate_shift(
        reference.band(band).astype("float64"),
        moving.band(band).astype("float64"),
        reference.mask,
        moving.mask,
        window=window,
        upsample=upsample,
        min_valid=min_valid,
    )
    return apply_shift(moving, shift), shift
