"""Engineered per-pixel features of an image pair, for the tree change model.

Pure numpy/scipy (wide Gaussians by FFT, see :mod:`sitewatch.change.filters`).  The
input is the model input of the ``rgb`` family (see
:func:`sitewatch.change.models.model_input`): the red, green and blue bands of each date,
standardised per image with one median and MAD for the three bands, after the
after-image was histogram-matched to the before-image.  Each pixel then gets:

* the six standardised bands themselves;
* the colour difference of the two dates smoothed at 1, 2, 4, 8, 16 and 32 px
  (three bands and their Euclidean magnitude per scale), so that the trees see both
  the pixel and its surroundings (a new house, a field worked over);
* each date's colour smoothed at 4 and 16 px (what was there, what is there now);
* texture: local standard deviation of brightness at 2 and 6 px and gradient
  magnitude at 1 and 3 px, per date and as a difference;
* the magnitude of the unsmoothed colour difference, averaged at 4, 16 and 48 px;
* a green-red chromaticity per date and its difference (vegetation cue);
* band-pass texture: the difference of Gaussians (sigma s and 2s, s = 1-8 px) of each
  date's brightness, their difference, and the change of its local energy;
* colour texture: the summed per-band local standard deviation at 3 and 8 px per
  date and its difference;
* edge coherence (structure tensor, 2 px): how much the gradients in a neighbourhood
  share one orientation (straight walls and roofs, field borders), per date and as a
  difference.

The list and its order are fixed by :data:`FEATURE_SET`; a model records the name of
the set it was trained on, and :func:`pair_features` refuses any other.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from sitewatch.change.filters import gaussian, gaussian_radius, sobel
from sitewatch.limits import thread_map

FloatArray = npt.NDArray[np.float32]

#: Name of the feature list below; stored with every tree model.
FEATURE_SET = "rgb-v2"
DIFF_SCALES = (1, 2, 4, 8, 16, 32)
COLOUR_SCALES = (4, 16)
TEXTURE_SCALES = (2, 6)
GRADIENT_SCALES = (1, 3)
MAGNITUDE_SCALES = (4, 16, 48)
BANDPASS_SCALES = (1, 2, 4, 8)
COLOUR_STD_SCALES = (3, 8)
COHERENCE_SCALE = 2


#: Rows (or columns) of context each feature needs on either side: the widest chain of
#: filters (the magnitude smoothed at 48 px; a band-pass smoothed again at twice its
#: scale).  Features computed on a band of rows with this much context above and below
#: equal those of the whole image there.
CONTEXT = max(
    gaussian_radius(max(DIFF_SCALES + MAGNITUDE_SCALES)),
    max(2 * gaussian_radius(2 * s) for s in BANDPASS_SCALES),
)


def feature_names() -> list[str]:
    """Names of the features, in the order :func:`pair_features` stacks them."""
    names = [f"{d}_{b}" for d in ("before", "after") for b in "rgb"]
    for s in DIFF_SCALES:
        names += [f"diff_{b}_s{s}" for b in "rgb"] + [f"diff_norm_s{s}"]
        if s in COLOUR_SCALES:
            names += [f"{d}_{b}_s{s}" for b in "rgb" for d in ("before", "after")]
    for s in TEXTURE_SCALES:
        names += [f"local_std_before_s{s}", f"local_std_after_s{s}", f"local_std_diff_s{s}"]
    for s in GRADIENT_SCALES:
        names += [f"gradient_before_s{s}", f"gradient_after_s{s}", f"gradient_diff_s{s}"]
    names += [f"diff_norm_mean_s{s}" for s in MAGNITUDE_SCALES]
    names += ["green_red_before", "green_red_after", "green_red_diff"]
    for s in BANDPASS_SCALES:
        names += [f"bandpass_before_s{s}", f"bandpass_after_s{s}", f"bandpass_diff_s{s}"]
        names += [f"bandpass_energy_diff_s{s}"]
    for s in COLOUR_STD_SCALES:
        names += [f"colour_std_before_s{s}", f"colour_std_after_s{s}", f"colour_std_diff_s{s}"]
    names += ["coherence_before", "coherence_after", "coherence_diff"]
    return names


def _local_std(grey: FloatArray, sigma: float) -> FloatArray:
    mean = gaussian(grey, sigma)
    var = gaussian(grey * grey, sigma) - mean * mean
    out: FloatArray = np.sqrt(np.maximum(var, 0.0)).astype("float32")
    return out


def _gradient(grey: FloatArray, sigma: float) -> FloatArray:
    out: FloatArray = ndimage.gaussian_gradient_magnitude(grey, sigma)
    return out


def _bandpass(grey: FloatArray, sigma: float) -> FloatArray:
    """Difference of Gaussians of ``sigma`` and ``2 * sigma``."""
    out: FloatArray = gaussian(grey, sigma) - gaussian(grey, 2 * sigma)
    return out


def _colour_std(rgb: FloatArray, sigma: float) -> FloatArray:
    """Sum over bands of the local standard deviation (Gaussian window ``sigma``)."""
    out: FloatArray = sum(
        (_local_std(band, sigma) for band in rgb), np.zeros(rgb.shape[1:], dtype="float32")
    )
    return out


def _coherence(grey: FloatArray, sigma: float) -> FloatArray:
    """Structure-tensor coherence: 1 where the local gradients share one orientation,
    0 where they have none (flat) or every one (clutter)."""
    gy, gx = sobel(grey)
    jxx = gaussian(gx * gx, sigma)
    jyy = gaussian(gy * gy, sigma)
    jxy = gaussian(gx * gy, sigma)
    out: FloatArray = (np.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy) / (jxx + jyy + 1e-3)).astype(
        "float32"
    )
    return out


def _green_red(rgb: FloatArray, floor: float) -> FloatArray:
    shifted = rgb - floor + 1e-3
    out: FloatArray = ((shifted[1] - shifted[0]) / shifted.sum(axis=0)).astype("float32")
    return out


def masked_input(x: FloatArray, valid: npt.NDArray[np.bool_] | None = None) -> FloatArray:
    """A float32 copy of a (6, rows, cols) model input with invalid pixels set to 0, so
    that they do not carry arbitrary values into the smoothed features."""
    if x.ndim != 3 or x.shape[0] != 6:
        raise ValueError(f"expected a (6, rows, cols) input, got shape {x.shape}")
    out = x.astype("float32", copy=True)
    if valid is not None:
        out[:, ~valid] = 0.0
    return out


def floors(x: FloatArray) -> tuple[float, float]:
    """The lowest value of each date's bands in a :func:`masked_input`: the offset of the
    green-red chromaticity, taken over the whole image when features are computed in
    bands."""
    return float(x[:3].min()), float(x[3:].min())


def pair_features(
    x: FloatArray,
    valid: npt.NDArray[np.bool_] | None = None,
    floor: tuple[float, float] | None = None,
) -> FloatArray:
    """(features, rows, cols) float32 from a (6, rows, cols) model input (before's red,
    green, blue, then after's), invalid pixels first set to 0 (:func:`masked_input`).
    ``floor`` (from :func:`floors` of the whole image) is given when ``x`` is a band of
    it; by default it comes from ``x``."""
    x = masked_input(x, valid)
    floor_b, floor_a = floor if floor is not None else floors(x)
    before, after = x[:3], x[3:]
    # Written plane by plane into the result: no list of planes and no second copy.
    out = np.empty((len(feature_names()), *x.shape[1:]), dtype="float32")
    filled = 0

    def put(*planes: FloatArray) -> None:
        nonlocal filled
        for plane in planes:
            out[filled] = plane
            filled += 1

    put(*before, *after)
    # Each step's filters of the two dates (or six bands) run on SITEWATCH_THREADS
    # threads; the planes are the same as one after the other.
    for s in DIFF_SCALES:
        smoothed = thread_map(partial(gaussian, sigma=s), list(x))
        sb, sa = np.stack(smoothed[:3]), np.stack(smoothed[3:])
        diff = sa - sb
        put(*diff, np.sqrt((diff * diff).sum(axis=0)))
        if s in COLOUR_SCALES:
            put(*(p for pair in zip(sb, sa, strict=True) for p in pair))
    greys = (before.mean(axis=0), after.mean(axis=0))
    for s in TEXTURE_SCALES:
        tb, ta = thread_map(partial(_local_std, sigma=s), greys)
        put(tb, ta, ta - tb)
    for s in GRADIENT_SCALES:
        gb, ga = thread_map(partial(_gradient, sigma=s), greys)
        put(gb, ga, ga - gb)
    norm = np.sqrt(((after - before) ** 2).sum(axis=0))
    put(*thread_map(partial(gaussian, norm), MAGNITUDE_SCALES))
    cb, ca = _green_red(before, floor_b), _green_red(after, floor_a)
    put(cb, ca, ca - cb)
    for s in BANDPASS_SCALES:
        db, da = thread_map(partial(_bandpass, sigma=s), greys)
        put(db, da, da - db, gaussian(np.abs(da) - np.abs(db), 2 * s))
    for s in COLOUR_STD_SCALES:
        sb, sa = thread_map(partial(_colour_std, sigma=s), (before, after))
        put(sb, sa, sa - sb)
    hb, ha = thread_map(partial(_coherence, sigma=COHERENCE_SCALE), greys)
    put(hb, ha, ha - hb)
    if filled != len(out):
        raise RuntimeError(f"{filled} feature planes written for {len(out)} names")
    return out
