"""Change detection's entry point: :func:`detect_change` and its :class:`ChangeResult`.

One method, ``cva``, ``irmad`` or ``model`` (the learned models of
:mod:`sitewatch.change.models`), or ``auto`` (the model when the bands allow, else
IR-MAD), turned into a change mask: the model's own threshold, or Otsu's on the smoothed
unsupervised statistic.  Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from sitewatch.change.models import default_model, named_model, predict_probability
from sitewatch.change.unsupervised import (
    _valid_pair,
    auto_threshold,
    cva,
    irmad_statistic,
    normalise_radiometry,
)
from sitewatch.errors import MissingBandError, ModelNotFoundError
from sitewatch.geo.grid import GeoImage

if TYPE_CHECKING:
    from sitewatch.change.models import ModelInfo
METHODS = ("auto", "cva", "irmad", "model")


@dataclass(frozen=True, eq=False)
class ChangeResult:
    """A change mask with the statistic it was thresholded from and how it was made."""

    mask: npt.NDArray[np.bool_]
    statistic: npt.NDArray[np.float32]
    threshold: float
    method: str
    valid: npt.NDArray[np.bool_]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def changed_fraction(self) -> float:
        n = int(self.valid.sum())
        return float((self.mask & self.valid).sum() / n) if n else 0.0


def _smooth(
    statistic: npt.NDArray[np.float32], valid: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float32]:
    """Gaussian smoothing (sigma 1 px) that ignores invalid pixels."""
    w = ndimage.gaussian_filter(valid.astype("float32"), 1.0)
    s = ndimage.gaussian_filter(np.where(valid, statistic, 0).astype("float32"), 1.0)
    out: npt.NDArray[np.float32] = np.where(valid, s / np.maximum(w, 1e-6), 0).astype("float32")
    return out


def _pick_model(before: GeoImage, after: GeoImage, gsd: float | None) -> ModelInfo | None:
    """The installed model these images can feed, or None (no model, or bands missing)."""

    try:
        return default_model(before, after, gsd)
    except (ModelNotFoundError, MissingBandError):
        return None


def detect_change(
    before: GeoImage,
    after: GeoImage,
    method: str = "auto",
    *,
    gsd: float | None = None,
    threshold: float | None = None,
    model_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ChangeResult:
    """Change mask between two images on one grid (already co-registered).

    ``cva`` and ``irmad`` use all shared bands after radiometric normalisation and an
    Otsu threshold; ``model`` uses the committed ONNX model and the threshold chosen on
    its training data.  ``auto`` picks the model when it can run on these bands.
    ``model_name`` (with ``model`` or ``auto``) names the installed model to use
    instead of the default choice.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    valid = _valid_pair(before, after)
    model: ModelInfo | None = None
    if model_name is not None and method in ("model", "auto"):
        model = named_model(model_name)
    elif method == "model":
        model = default_model(before, after, gsd)
    elif method == "auto":
        model = _pick_model(before, after, gsd)
    chosen = "model" if model is not None else "irmad" if method == "auto" else method
    details: dict[str, Any] = {}
    if model is not None:
        stat = predict_probability(before, after, model, gsd=gsd, progress=progress)
        thr = model.threshold if threshold is None else threshold
        details["model"] = model.name
    else:
        normalised, details = normalise_radiometry(before, after, "pif")
        if chosen == "cva":
            stat = cva(before, normalised)
        else:
            stat, res = irmad_statistic(before, normalised)
            details["rho"] = [round(float(r), 4) for r in res.rho]
            details["iterations"] = res.iterations
        stat = _smooth(stat, valid)
        thr = auto_threshold(stat, valid) if threshold is None else threshold
    mask = (stat >= thr) & valid
    return ChangeResult(mask, stat, float(thr), chosen, valid, details)
