"""The shared filters give scipy.ndimage's values (reflect borders, 4-sigma kernels)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from scipy import ndimage

from sitewatch.change.filters import FFT_SIGMA, gaussian, gaussian_kernel, sobel, sobel_magnitude

SHAPES = [(96, 130), (37, 23), (5, 300), (1, 7), (2, 2)]


def _image(shape: tuple[int, int], seed: int = 0) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    # Smooth structure plus noise and a step, on the scale of standardised bands.
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    step = (xx > shape[1] // 2).astype("float32") * 3.0
    out: npt.NDArray[np.float32] = (np.sin(yy / 7.0) + step + rng.normal(0, 1, shape)).astype(
        "float32"
    )
    return out


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("sigma", [1.0, 2.0, FFT_SIGMA, 16.0, 48.0])
def test_gaussian_matches_scipy(shape: tuple[int, int], sigma: float) -> None:
    x = _image(shape)
    ours = gaussian(x, sigma)
    assert ours.dtype == np.float32
    assert ours.shape == x.shape
    assert ours.flags.c_contiguous
    # Kernels wider than the image reflect more than once: scipy's rule, kept.
    np.testing.assert_allclose(ours, ndimage.gaussian_filter(x, sigma), atol=2e-6, rtol=0)


def test_gaussian_kernel_is_scipys() -> None:
    k = gaussian_kernel(8.0)
    assert k.size == 2 * 32 + 1
    assert abs(k.sum() - 1.0) < 1e-12
    impulse = np.zeros(101)
    impulse[50] = 1.0
    np.testing.assert_allclose(ndimage.gaussian_filter1d(impulse, 8.0)[18:83], k, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_sobel_matches_scipy(shape: tuple[int, int]) -> None:
    x = _image(shape, seed=1)
    d0, d1 = sobel(x)
    np.testing.assert_allclose(d0, ndimage.sobel(x, 0), atol=1e-5, rtol=0)
    np.testing.assert_allclose(d1, ndimage.sobel(x, 1), atol=1e-5, rtol=0)
    np.testing.assert_allclose(
        sobel_magnitude(x), np.hypot(ndimage.sobel(x, 0), ndimage.sobel(x, 1)), atol=1e-5
    )
