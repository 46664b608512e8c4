"""Vehicle and aircraft detection with the committed ONNX model (onnxruntime only).

GSD-aware: each class has a working scale (vehicles 0.3 m, aircraft 2.0 m per
pixel); the image is resampled to it from its georeference or a given GSD.  Large
images are read window by window (with overlap larger than any object) at the
working scale, so memory stays bounded; each window keeps only detections whose
centre lies in its own core, so objects on window borders are counted once, and a
final class-wise non-maximum suppression removes what remains of duplicates.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.windows import Window
from scipy import ndimage
from shapely.affinity import affine_transform
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from sitewatch.detection.boxes import box_array, nms_keep
from sitewatch.errors import (
    CorruptImageError,
    ImageTooCoarseError,
    MissingBandError,
    UnknownGsdError,
)
from sitewatch.geo.geojson import feature_collection, rfc7946_geometry
from sitewatch.geo.grid import WGS84, GeoImage, gsd_metres, to_crs
from sitewatch.imagery.display import stretch_band
from sitewatch.imagery.raster import first_line, open_raster
from sitewatch.inference.manifest import load_manifest, model_file
from sitewatch.inference.session import onnx_session, window_size, window_starts

log = logging.getLogger(__name__)

CLASSES = ("vehicle", "aircraft")
#: Vehicle kinds: cars, vans and minibuses; trucks, tractor-trailers and buses.
KINDS = ("car", "large")
#: The name under which large vehicles are counted beside the classes.
LARGE_VEHICLE = "large_vehicle"
STRIDE = 4
WORKING_GSD = {"vehicle": 0.3, "aircraft": 2.0}
#: Coarsest imagery each class is looked for in (a car is under 8 px at 0.6 m).
MAX_GSD = {"vehicle": 0.6, "aircraft": 3.0}
#: Largest working-scale window and the overlap (px); the overlap exceeds the largest
#: object.  Windows are sized to cover an image evenly (onnxruntime is about a sixth
#: cheaper per pixel on windows of 900 px and more than on 768 px ones).
WINDOW = 1344
OVERLAP = 96
#: Black margin (working px) added beyond the image's edges.
BORDER = 16

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Detection:
    """One detected object: class, score (0-1), box in the image's pixel coordinates
    and, for vehicles from a model that tells them apart, the kind ("car" or "large")."""

    cls: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    kind: str = ""

    @property
    def length(self) -> float:
        """The box's longer side, pixels."""
        return max(self.x1 - self.x0, self.y1 - self.y0)

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def box_px(self) -> Polygon:
        return box(self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class DetectorInfo:
    """The model file, its score thresholds and metadata.

    ``thresholds`` has one entry per class and may have one per kind
    (``"vehicle:large"``), which then applies to that kind's heatmap."""

    path: Path
    thresholds: dict[str, float]
    meta: dict[str, Any]

    @property
    def heatmaps(self) -> list[tuple[str, str]]:
        """(class, kind) of each heatmap the network outputs, in order; the four
        channels after them are log width, log height and the centre's x/y offset."""
        listed = self.meta.get("heatmaps")
        if not listed:  # models before kinds: one heatmap per class
            return [(c, "") for c in CLASSES]
        return [(str(h[0]), str(h[1])) for h in listed]

    def threshold(self, cls: str, kind: str = "") -> float:
        return self.thresholds.get(f"{cls}:{kind}", self.thresholds.get(cls, 0.3))

    @property
    def kind_lengths(self) -> tuple[float, float] | None:
        """Box lengths (m) that decide a vehicle's kind, from the manifest's
        ``kind_by_length_m``: shorter than the first is a car, at least the second long
        is a large vehicle, between them the heatmap's kind stays.  None: the kind is
        the heatmap's alone."""
        pair = self.meta.get("kind_by_length_m")
        if not pair:
            return None
        return float(pair[0]), float(pair[1])

    def decode_threshold(self, cls: str, kind: str) -> float:
        """The score down to which heatmap (``cls``, ``kind``) is decoded: its own
        threshold, or the lowest of ``cls``'s when kinds may change after decoding
        (:func:`kind_by_length`); each kind's own threshold applies after that."""
        if self.kind_lengths is None:
            return self.threshold(cls, kind)
        return min(self.threshold(c, k) for c, k in self.heatmaps if c == cls)


def kind_by_length(
    dets: Sequence[Detection], gsd: float, lengths: tuple[float, float] | None
) -> list[Detection]:
    """Each vehicle's kind from its box's longer side on the ground (``gsd`` m per
    pixel): under ``lengths[0]`` a car, from ``lengths[1]`` a large vehicle, the
    heatmap's kind between them (cars, vans and minibuses are under 6 m; trucks and
    buses longer).  Unchanged when ``lengths`` is None."""
    if lengths is None:
        return list(dets)
    car_below, large_from = lengths
    out = []
    for d in dets:
        if d.cls == "vehicle" and d.kind:
            length = d.length * gsd
            kind = "large" if length >= large_from else "car" if length < car_below else d.kind
            d = d if kind == d.kind else replace(d, kind=kind)
        out.append(d)
    return out


def default_detector(folder: Path | None = None) -> DetectorInfo:
    """The shipped detector (or the one in ``folder``) and its per-class thresholds."""
    meta = load_manifest("detect", folder)
    path = model_file("detect", meta["file"], folder)
    return DetectorInfo(path=path, thresholds=dict(meta["thresholds"]), meta=meta)


def _decode(
    out: FloatArray, k: int, n_heat: int, min_score: float, topk: int = 2000
) -> list[tuple[float, float, float, float, float]]:
    """Peaks of heatmap ``k`` (of ``n_heat``) as (score, cx, cy, w, h) in input pixels."""
    heat = 1.0 / (1.0 + np.exp(-out[k]))
    peaks = (heat == ndimage.maximum_filter(heat, size=3)) & (heat >= min_score)
    iy, ix = np.nonzero(peaks)
    if len(iy) > topk:
        keep = np.argsort(-heat[iy, ix])[:topk]
        iy, ix = iy[keep], ix[keep]
    size = np.exp(np.clip(out[n_heat : n_heat + 2, iy, ix], -3, 6)) * STRIDE
    centre = (np.stack([ix, iy]) + out[n_heat + 2 : n_heat + 4, iy, ix]) * STRIDE
    rows = np.stack([heat[iy, ix], centre[0], centre[1], size[0], size[1]], axis=1)
    return [(a, b, c, d, e) for a, b, c, d, e in rows.astype("float64").tolist()]


def nms(dets: list[Detection], iou: float = 0.5) -> list[Detection]:
    """Class-wise greedy non-maximum suppression, highest score first (a car and a
    large vehicle found on one object are one vehicle: the higher score's kind stays)."""
    out: list[Detection] = []
    for cls in {d.cls for d in dets}:
        group = sorted((d for d in dets if d.cls == cls), key=lambda d: -d.score)
        out.extend(group[i] for i in nms_keep(box_array(group), iou))
    return sorted(out, key=lambda d: -d.score)


Reader = Callable[[int, int, int, int, int, int], npt.NDArray[np.uint8]]


def _detect(
    read: Reader,
    shape: tuple[int, int],
    gsd: float,
    info: DetectorInfo,
    classes: Sequence[str],
    min_score: float | None,
    threads: int | None,
    progress: Callable[[int, int], None] | None,
) -> list[Detection]:
    """Detection over an image of ``shape`` (rows, cols) read through ``read``.

    ``read(x0, y0, w, h, out_w, out_h)`` returns a (3, out_h, out_w) uint8 window of
    the image resampled to ``out_w`` x ``out_h``.
    """
    if not (math.isfinite(gsd) and gsd > 0):
        raise UnknownGsdError(f"pixel size must be a positive number of metres, got {gsd}")
    usable = [c for c in classes if gsd <= MAX_GSD[c]]
    if not usable:
        seen = ", ".join(f"{c} at {MAX_GSD[c]:g} m" for c in classes)
        raise ImageTooCoarseError(
            f"pixel size {gsd:g} m is too coarse to detect anything asked for "
            f"(each class is looked for at its pixel size or finer: {seen})"
        )
    for cls in classes:
        if cls not in usable:
            log.warning(
                "%s not looked for: %g m pixels are coarser than %g m", cls, gsd, MAX_GSD[cls]
            )
    classes = usable
    session = onnx_session(str(info.path), threads)
    name = session.get_inputs()[0].name
    heads = info.heatmaps
    rows, cols = shape
    plans = []
    for cls in classes:
        factor = gsd / WORKING_GSD[cls]  # working px per image px
        ovl = round(OVERLAP / factor)
        high, wide = (window_size(n, ovl, max(ovl + 1, round(WINDOW / factor))) for n in shape)
        for y0 in window_starts(rows, high, high - ovl):
            for x0 in window_starts(cols, wide, wide - ovl):
                plans.append((cls, factor, x0, y0, min(wide, cols - x0), min(high, rows - y0), ovl))
    dets: list[Detection] = []
    for i, (cls, factor, x0, y0, w, h, ovl) in enumerate(plans):
        ow, oh = max(8, round(w * factor)), max(8, round(h * factor))
        pixels = read(x0, y0, w, h, ow, oh)
        # Beyond the image edge the network sees black, as in training (crops reaching
        # past an image are filled with black), so it knows where the picture ends.
        left = BORDER if x0 == 0 else 0
        top = BORDER if y0 == 0 else 0
        pw = -(-(left + ow + (BORDER if x0 + w >= cols else 0)) // 8) * 8
        ph = -(-(top + oh + (BORDER if y0 + h >= rows else 0)) // 8) * 8
        x = np.full((1, 3, ph, pw), -0.5, dtype="float32")
        x[0, :, top : top + oh, left : left + ow] = pixels.astype("float32") / 255.0 - 0.5
        out = session.run(None, {name: x})[0][0]
        sx, sy = w / ow, h / oh  # image px per working px
        # This window's core: the image px it is responsible for (half overlaps inside).
        cx0 = x0 + (ovl / 2 if x0 > 0 else 0)
        cy0 = y0 + (ovl / 2 if y0 > 0 else 0)
        cx1 = x0 + w - (ovl / 2 if x0 + w < cols else 0)
        cy1 = y0 + h - (ovl / 2 if y0 + h < rows else 0)
        for k, (head_cls, kind) in enumerate(heads):
            if head_cls != cls:
                continue
            thr = info.decode_threshold(cls, kind) if min_score is None else min_score
            for score, px, py, bw, bh in _decode(out, k, len(heads), thr):
                cx, cy = px - left, py - top
                if not (0 <= cx < ow and 0 <= cy < oh):
                    continue
                gx, gy = x0 + cx * sx, y0 + cy * sy
                if not (cx0 <= gx < cx1 and cy0 <= gy < cy1):
                    continue
                hw, hh = bw * sx / 2, bh * sy / 2
                dets.append(
                    Detection(
                        cls,
                        score,
                        max(0.0, gx - hw),
                        max(0.0, gy - hh),
                        min(float(cols), gx + hw),
                        min(float(rows), gy + hh),
                        kind,
                    )
                )
        if progress is not None:
            progress(i + 1, len(plans))
    found = kind_by_length(nms(dets), gsd, info.kind_lengths)
    if min_score is None:  # each kind at its own threshold
        found = [d for d in found if d.score >= info.threshold(d.cls, d.kind)]
    return found


def resample_rgb(a: npt.NDArray[np.uint8], out_w: int, out_h: int) -> npt.NDArray[np.uint8]:
    """Resize (3, h, w) to (3, out_h, out_w): Gaussian prefilter when shrinking."""
    _, h, w = a.shape
    zy, zx = out_h / h, out_w / w
    f = a.astype("float32")
    if zy < 1 or zx < 1:
        sigma = (0, max(0.0, (1 / zy - 1) / 2), max(0.0, (1 / zx - 1) / 2))
        f = ndimage.gaussian_filter(f, sigma)
    out = ndimage.zoom(f, (1, zy, zx), order=1, grid_mode=True, mode="nearest")
    out = out[:, :out_h, :out_w]
    if out.shape[1:] != (out_h, out_w):  # rounding left it a pixel short
        pad = ((0, 0), (0, out_h - out.shape[1]), (0, out_w - out.shape[2]))
        out = np.pad(out, pad, mode="edge")
    res: npt.NDArray[np.uint8] = np.clip(out, 0, 255).astype("uint8")
    return res


def detect_array(
    pixels: npt.NDArray[np.uint8],
    gsd: float,
    info: DetectorInfo,
    *,
    classes: Sequence[str] = CLASSES,
    min_score: float | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Detection]:
    """Detections in an in-memory (3, rows, cols) uint8 RGB image with pixel size ``gsd`` m."""

    def read(x0: int, y0: int, w: int, h: int, ow: int, oh: int) -> npt.NDArray[np.uint8]:
        return resample_rgb(pixels[:3, y0 : y0 + h, x0 : x0 + w], ow, oh)

    return _detect(read, pixels.shape[1:3], gsd, info, classes, min_score, threads, progress)


def detect_file(
    path: str | os.PathLike[str],
    info: DetectorInfo,
    *,
    gsd: float | None = None,
    classes: Sequence[str] = CLASSES,
    min_score: float | None = None,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Detection], GeoImage]:
    """Detections in an image file, read window by window at the working scales.

    Returns the detections and a pixel-less GeoImage (0 bands) carrying the file's
    grid and georeference, for placing the boxes.  The GSD comes from ``gsd`` or
    the georeference; a plain picture without ``gsd`` raises UnknownGsdError.
    """

    href = str(path)
    with open_raster(href) as src:
        georef = src.crs is not None and not src.transform.is_identity
        if gsd is None:
            if not georef:
                raise UnknownGsdError(
                    f"{href} has no georeference; give its ground sample distance with --gsd"
                )
            gsd = gsd_metres(src.crs, src.transform, src.width, src.height)
        if src.count < 3:
            raise MissingBandError(f"{href} has {src.count} band(s); the detector needs RGB")

        def read(x0: int, y0: int, w: int, h: int, ow: int, oh: int) -> npt.NDArray[np.uint8]:
            try:
                data = src.read(
                    [1, 2, 3],
                    window=Window(x0, y0, w, h),
                    out_shape=(3, oh, ow),
                    resampling=Resampling.average if ow < w else Resampling.bilinear,
                )
            except RasterioIOError as exc:
                raise CorruptImageError(f"cannot read {href}: {first_line(exc)}") from None
            if data.dtype != np.uint8:
                data = np.stack([stretch_band(band) for band in data])
            out: npt.NDArray[np.uint8] = data
            return out

        dets = _detect(
            read, (src.height, src.width), gsd, info, classes, min_score, threads, progress
        )

        frame = GeoImage(
            pixels=np.zeros((0, src.height, src.width), dtype="uint8"),
            # A read-only view of one value: no memory for the frame's size.
            mask=np.broadcast_to(np.ones(1, dtype=bool), (src.height, src.width)),
            band_names=(),
            transform=src.transform if georef else None,
            crs=CRS.from_user_input(src.crs.to_wkt()) if georef else None,
            meta={"gsd": f"{gsd}"},
        )
    return dets, frame


def detection_lonlat(d: Detection, frame: GeoImage) -> BaseGeometry | None:
    """The detection's box on the ground in lon/lat (None when ``frame`` is not
    georeferenced)."""
    if frame.transform is None or frame.crs is None:
        return None
    t = frame.transform
    in_crs = affine_transform(d.box_px(), [t.a, t.b, t.d, t.e, t.xoff, t.yoff])
    return to_crs(in_crs, frame.crs, WGS84)


def detection_feature(d: Detection, frame: GeoImage) -> dict[str, Any]:
    """A GeoJSON feature: class, score, bbox_px; lon/lat box when georeferenced."""
    lonlat = detection_lonlat(d, frame)
    return {
        "type": "Feature",
        "geometry": None if lonlat is None else rfc7946_geometry(lonlat),
        "properties": {
            "class": d.cls,
            **({"kind": d.kind} if d.kind else {}),
            "score": round(d.score, 4),
            "bbox_px": [round(d.x0, 1), round(d.y0, 1), round(d.x1, 1), round(d.y1, 1)],
        },
    }


def detections_geojson(dets: Sequence[Detection], frame: GeoImage, **props: Any) -> dict[str, Any]:
    fc = feature_collection([detection_feature(d, frame) for d in dets])
    if props:
        fc["properties"] = props
    return fc


def counts(dets: Sequence[Detection]) -> dict[str, int]:
    """Detections per class, and large vehicles among the vehicles (``large_vehicle``)."""
    out = {c: sum(d.cls == c for d in dets) for c in CLASSES}
    out[LARGE_VEHICLE] = sum(d.cls == "vehicle" and d.kind == "large" for d in dets)
    return out
