"""Unsupervised change detection between two images on one grid (pure functions).

* :func:`normalise_radiometry`: relative radiometric normalisation of the after
  image to the before image, by orthogonal regression per band on pseudo-invariant
  pixels (those IR-MAD finds unchanged with probability >= 0.9), or by histogram
  matching.  Seasonal and sensor brightness differences stop looking like change.
* :func:`cva`: change vector analysis; the length of the per-pixel difference
  vector, each band's difference scaled by its robust spread.
* :func:`irmad`: iteratively reweighted multivariate alteration detection
  (Nielsen 2007); returns the chi-square change statistic and the canonical
  correlations.
* :func:`auto_threshold`: Otsu's threshold on a smoothed statistic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import linalg, stats
from skimage.exposure import match_histograms
from skimage.filters import threshold_otsu

from sitewatch.errors import InsufficientDataError, NoOverlapError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.bands import common_bands

FloatArray = npt.NDArray[np.float64]
NORMALISATIONS = ("pif", "histogram", "none")
_MIN_VALID_PX = 64


def _valid_pair(before: GeoImage, after: GeoImage) -> npt.NDArray[np.bool_]:
    if before.shape != after.shape:
        raise ValueError(
            f"images must share a grid: shapes {before.shape} and {after.shape} differ"
        )
    valid: npt.NDArray[np.bool_] = before.mask & after.mask
    if int(valid.sum()) < _MIN_VALID_PX:
        raise NoOverlapError(
            f"the two images share only {int(valid.sum())} valid pixels; "
            "they must overlap on real data"
        )
    return valid


def _stack(image: GeoImage, bands: tuple[str, ...], valid: npt.NDArray[np.bool_]) -> FloatArray:
    """(n_valid, n_bands) float64 samples."""
    return np.stack([image.band(b)[valid].astype("float64") for b in bands], axis=1)


def _sample(n: int, limit: int, seed: int = 0) -> npt.NDArray[np.intp]:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))


@dataclass(frozen=True)
class IrmadResult:
    """IR-MAD output: chi-square statistic per valid pixel, canonical correlations."""

    chi2: FloatArray
    rho: FloatArray
    no_change_probability: FloatArray
    iterations: int


def irmad(
    x: FloatArray,
    y: FloatArray,
    *,
    max_iter: int = 10,
    tol: float = 1e-3,
    sample: int = 50_000,
) -> IrmadResult:
    """IR-MAD on (n, bands) samples of two dates; weights estimated on at most ``sample``
    pixels, statistic computed for all."""
    n, p = x.shape
    if n < max(_MIN_VALID_PX, 4 * p):
        raise InsufficientDataError(f"IR-MAD needs more valid pixels than {n}")
    idx = _sample(n, sample)
    xs, ys = x[idx], y[idx]
    w = np.ones(len(idx))
    rho = np.zeros(p)
    a = b = np.eye(p)
    mx, my = xs.mean(0), ys.mean(0)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        mx = np.average(xs, axis=0, weights=w)
        my = np.average(ys, axis=0, weights=w)
        z = np.hstack([xs - mx, ys - my])
        cov = (z * w[:, None]).T @ z / w.sum()
        cov += np.eye(2 * p) * 1e-9 * np.trace(cov)
        s11, s12, s22 = cov[:p, :p], cov[:p, p:], cov[p:, p:]
        s21 = s12.T
        c = s12 @ linalg.solve(s22, s21, assume_a="pos")
        evals, a = linalg.eigh(c, s11)  # ascending rho^2, a.T s11 a = I
        new_rho = np.sqrt(np.clip(evals, 0.0, 1.0))
        b = linalg.solve(s22, s21 @ a, assume_a="pos")
        b /= np.sqrt(np.einsum("ij,ij->j", b, s22 @ b))[None, :]
        sign = np.sign(np.einsum("ij,ij->j", a, s12 @ b))
        b *= np.where(sign == 0, 1.0, sign)[None, :]
        mad = (xs - mx) @ a - (ys - my) @ b
        var = np.maximum(2.0 * (1.0 - new_rho), 1e-9)
        chi2 = (mad**2 / var).sum(axis=1)
        w = stats.chi2.sf(chi2, p)
        done = float(np.max(np.abs(new_rho - rho))) < tol
        rho = new_rho
        if done:
            break
    # The final statistic scales each MAD variate by its robust spread over all pixels
    # (1.4826 x MAD) instead of the weighted variance 2(1 - rho): on scenes with large
    # very stable areas (sea) the weights settle there and 2(1 - rho) becomes tiny,
    # which would make nearly every land pixel look changed.
    mad_all = (x - mx) @ a - (y - my) @ b
    centre = np.median(mad_all, axis=0)
    scale = 1.4826 * np.median(np.abs(mad_all - centre), axis=0)
    scale = np.where(scale > 1e-12, scale, mad_all.std(axis=0) + 1e-12)
    chi2_all = (((mad_all - centre) / scale) ** 2).sum(axis=1)
    return IrmadResult(chi2_all, rho, stats.chi2.sf(chi2_all, p), iterations)


def _orthogonal_fit(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """Slope and intercept of y = slope x + intercept by total least squares."""
    mx, my = x.mean(), y.mean()
    sxx, syy, sxy = x.var(), y.var(), float(np.mean((x - mx) * (y - my)))
    if abs(sxy) < 1e-12:
        return 1.0, float(my - mx)
    slope = (syy - sxx + np.sqrt((syy - sxx) ** 2 + 4 * sxy**2)) / (2 * sxy)
    return float(slope), float(my - slope * mx)


def normalise_radiometry(
    before: GeoImage, after: GeoImage, method: str = "pif", *, min_pifs: int = 100
) -> tuple[GeoImage, dict[str, Any]]:
    """``after`` with its bands brought to ``before``'s radiometry; and what was done.

    ``pif``: per band, orthogonal regression of before on after over the pixels that
    IR-MAD marks unchanged with probability >= 0.9 (falls back to histogram matching
    when fewer than ``min_pifs`` are found).  ``histogram``: per-band histogram
    matching over valid pixels.  ``none``: unchanged.
    """
    if method not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {method!r}; choose {', '.join(NORMALISATIONS)}")
    if method == "none":
        return after, {"normalisation": "none"}
    valid = _valid_pair(before, after)
    bands = common_bands(before, after)
    x = _stack(before, bands, valid)
    y = _stack(after, bands, valid)
    pixels = after.pixels.astype("float32", copy=True)
    info: dict[str, Any] = {"normalisation": method}
    if method == "pif":
        res = irmad(x, y)
        pif = res.no_change_probability >= 0.9
        info["pif_count"] = int(pif.sum())
        if pif.sum() >= min_pifs:
            fits = {}
            for j, name in enumerate(bands):
                slope, icpt = _orthogonal_fit(y[pif, j], x[pif, j])
                k = after.band_names.index(name)
                pixels[k] = (pixels[k] * slope + icpt).astype("float32")
                fits[name] = [round(slope, 5), round(icpt, 4)]
            info["fits"] = fits
            pixels[:, ~after.mask] = 0
            return replace(after, pixels=pixels, meta=dict(after.meta)), info
        info["normalisation"] = "histogram (too few invariant pixels)"
    for j, name in enumerate(bands):
        k = after.band_names.index(name)
        pixels[k][valid] = match_histograms(y[:, j], x[:, j]).astype("float32")
    pixels[:, ~after.mask] = 0
    return replace(after, pixels=pixels, meta=dict(after.meta)), info


def cva(before: GeoImage, after: GeoImage) -> npt.NDArray[np.float32]:
    """Change-vector magnitude per pixel (0 outside the valid overlap).

    Each band's difference is divided by 1.4826 x its median absolute deviation, so
    bands of different units and noise weigh alike; the magnitude is divided by
    sqrt(bands).
    """
    valid = _valid_pair(before, after)
    bands = common_bands(before, after)
    diff = _stack(after, bands, valid) - _stack(before, bands, valid)
    centre = np.median(diff, axis=0)
    spread = 1.4826 * np.median(np.abs(diff - centre), axis=0)
    spread = np.where(spread > 1e-9, spread, diff.std(axis=0) + 1e-9)
    mag = np.sqrt((((diff - centre) / spread) ** 2).sum(axis=1) / len(bands))
    out = np.zeros(before.shape, dtype="float32")
    out[valid] = mag
    return out


def irmad_statistic(
    before: GeoImage, after: GeoImage
) -> tuple[npt.NDArray[np.float32], IrmadResult]:
    """IR-MAD chi-square statistic on the grid, as sqrt(chi2 / bands) (0 outside overlap)."""
    valid = _valid_pair(before, after)
    bands = common_bands(before, after)
    res = irmad(_stack(before, bands, valid), _stack(after, bands, valid))
    out = np.zeros(before.shape, dtype="float32")
    out[valid] = np.sqrt(res.chi2 / len(bands))
    return out, res


def auto_threshold(statistic: npt.NDArray[np.floating], valid: npt.NDArray[np.bool_]) -> float:
    """Otsu's threshold over the valid pixels of a change statistic."""
    values = statistic[valid]
    if values.size == 0 or float(values.max()) == float(values.min()):
        return float("inf")
    return float(threshold_otsu(values))  # type: ignore[no-untyped-call]
