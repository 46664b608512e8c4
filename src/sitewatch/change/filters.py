"""Image filters the change stages share, with scipy.ndimage's results and less time.

* :func:`gaussian`: :func:`scipy.ndimage.gaussian_filter` (``reflect`` borders, kernel
  truncated at 4 sigma) for float32 images.  Wide kernels (sigma >= :data:`FFT_SIGMA`)
  are applied by FFT along each axis of the reflect-padded image: the same sums,
  computed in O(n log n) instead of O(n x kernel); the values agree with scipy's to
  float32 rounding (about 1e-7 of the image's range).
* :func:`sobel` and :func:`sobel_magnitude`: ``sobel(x, 0)``, ``sobel(x, 1)`` and their
  ``hypot`` with ``reflect`` borders, from array slices (scipy's generic 1-D
  correlation was the slow part of vectorising change at 0.5 m).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.fft
from scipy import ndimage

FloatArray = npt.NDArray[np.float32]

#: From this sigma (pixels) on, :func:`gaussian` convolves by FFT.
FFT_SIGMA = 8.0
#: scipy.ndimage's default truncation of the Gaussian kernel, in sigmas.
TRUNCATE = 4.0


def gaussian_radius(sigma: float) -> int:
    """How far a Gaussian of ``sigma`` px reaches: scipy.ndimage's ``int(4 sigma + 0.5)``."""
    return int(TRUNCATE * sigma + 0.5)


def gaussian_kernel(sigma: float) -> npt.NDArray[np.float64]:
    """The normalised 1-D Gaussian scipy.ndimage uses (see :func:`gaussian_radius`)."""
    radius = gaussian_radius(sigma)
    x = np.arange(-radius, radius + 1, dtype="float64")
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    out: npt.NDArray[np.float64] = kernel / kernel.sum()
    return out


def _fft_gaussian_1d(image: FloatArray, kernel: npt.NDArray[np.float64], axis: int) -> FloatArray:
    radius = kernel.size // 2
    moved = np.moveaxis(image, axis, -1)
    n = moved.shape[-1]
    # numpy's "symmetric" padding is scipy.ndimage's "reflect" (d c b a | a b c d),
    # repeated for pads wider than the image as scipy does.
    padded = np.pad(moved, [(0, 0)] * (moved.ndim - 1) + [(radius, radius)], mode="symmetric")
    length = scipy.fft.next_fast_len(padded.shape[-1] + 2 * radius, real=True)
    spectrum = scipy.fft.rfft(padded, length, axis=-1, workers=-1)
    spectrum *= scipy.fft.rfft(kernel.astype("float32"), length)
    full = scipy.fft.irfft(spectrum, length, axis=-1, workers=-1)
    out: FloatArray = np.moveaxis(full[..., 2 * radius : 2 * radius + n], -1, axis)
    return out


def gaussian(image: npt.NDArray[np.floating], sigma: float) -> FloatArray:
    """A 2-D float32 image smoothed by a Gaussian of ``sigma`` pixels (see the module)."""
    image = np.asarray(image, dtype="float32")
    if sigma < FFT_SIGMA:
        small: FloatArray = ndimage.gaussian_filter(image, sigma)
        return small
    kernel = gaussian_kernel(sigma)
    out = _fft_gaussian_1d(_fft_gaussian_1d(image, kernel, 0), kernel, 1)
    return np.ascontiguousarray(out, dtype="float32")


def _smooth_diff(padded: FloatArray, axis: int) -> FloatArray:
    """Sobel along ``axis`` (central difference there, [1, 2, 1] across) of an image
    padded by one pixel on every side; the result has the unpadded shape."""
    if axis == 0:
        diff = padded[2:] - padded[:-2]
        out: FloatArray = diff[:, :-2] + 2 * diff[:, 1:-1]
        out += diff[:, 2:]
    else:
        diff = padded[:, 2:] - padded[:, :-2]
        out = diff[:-2] + 2 * diff[1:-1]
        out += diff[2:]
    return out


def sobel(image: npt.NDArray[np.floating]) -> tuple[FloatArray, FloatArray]:
    """``(sobel(x, 0), sobel(x, 1))`` of a 2-D image as float32, ``reflect`` borders."""
    padded = np.pad(np.asarray(image, dtype="float32"), 1, mode="symmetric")
    return _smooth_diff(padded, 0), _smooth_diff(padded, 1)


def sobel_magnitude(image: npt.NDArray[np.floating]) -> FloatArray:
    """Gradient magnitude of a 2-D image by the Sobel operator, ``reflect`` borders
    (float32 ``sqrt(gx**2 + gy**2)``, computed in place)."""
    gx, gy = sobel(image)
    gx *= gx
    gy *= gy
    gx += gy
    out: FloatArray = np.sqrt(gx, out=gx)
    return out
