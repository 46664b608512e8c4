"""Two images compared: co-registration, then change."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sitewatch.change.align import Shift, ShiftField, coregister, coregister_local
from sitewatch.change.detect import ChangeResult, detect_change
from sitewatch.errors import InsufficientDataError
from sitewatch.geo.grid import GeoImage, gsd_metres
from sitewatch.times import stopwatch

ALIGN_MODES = ("global", "local", "none")


@dataclass
class Comparison:
    """Change between two images: the result, the alignment applied, the aligned after image."""

    result: ChangeResult
    after: GeoImage
    alignment: Shift | ShiftField | None
    align_note: str
    gsd: float | None

    def to_dict(self) -> dict[str, Any]:
        """Method, threshold, alignment and how much changed (no pixels)."""
        return {
            "method": self.result.method,
            "threshold": round(self.result.threshold, 4),
            "alignment": self.align_note,
            "changed_fraction": round(self.result.changed_fraction, 5),
            "gsd_m": self.gsd,
            "details": self.result.details,
        }


def align_pair(
    before: GeoImage, after: GeoImage, mode: str = "global"
) -> tuple[GeoImage, Shift | ShiftField | None, str]:
    """``after`` co-registered onto ``before`` (``global``, ``local`` or ``none``), what was
    applied, and a one-line note.  Too little data to match leaves ``after`` as it is."""
    if mode not in ALIGN_MODES:
        raise ValueError(f"unknown alignment {mode!r}; choose {', '.join(ALIGN_MODES)}")
    if mode == "none":
        return after, None, "not aligned (--align none)"
    try:
        if mode == "local":
            aligned, shift_field = coregister_local(before, after)
            return (
                aligned,
                shift_field,
                f"local shift field from {shift_field.accepted}/{len(shift_field.points)} "
                f"windows, residual {shift_field.residual_rmse:.2f} px",
            )
        aligned, shift = coregister(before, after)
    except InsufficientDataError as exc:
        return after, None, f"not aligned: {exc}"
    return (
        aligned,
        shift,
        f"shifted by ({shift.dy:+.2f}, {shift.dx:+.2f}) px, reliability {shift.reliability:.2f}",
    )


def compare(
    before: GeoImage,
    after: GeoImage,
    method: str = "auto",
    *,
    gsd: float | None = None,
    align: str = "global",
    model_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    timings: dict[str, float] | None = None,
) -> Comparison:
    """Co-register ``after`` onto ``before`` (see :func:`align_pair`), then detect change.

    ``gsd`` (metres) defaults to the georeference's pixel size; plain pixel grids
    without ``gsd`` have none (areas then stay unknown).
    """
    with stopwatch(timings, "align"):
        after, alignment, note = align_pair(before, after, align)
    if gsd is None and before.transform is not None and before.crs is not None:
        rows, cols = before.shape
        gsd = gsd_metres(before.crs, before.transform, cols, rows)
    with stopwatch(timings, "change"):
        result = detect_change(
            before, after, method, gsd=gsd, model_name=model_name, progress=progress
        )
    return Comparison(result, after, alignment, note, gsd)
