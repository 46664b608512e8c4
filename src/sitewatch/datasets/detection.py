"""Labelled detection datasets in the shared data folder, with fixed, documented splits.

* ``kit-ais``: KIT AIS aerial images of Munich (about 0.13 m), YOLO labels.  The
  images are two runs of consecutive, overlapping frames (MOS74-93, MOS155-179); each
  run is split into contiguous blocks so no test frame overlaps a training frame:
  the last quarter of each run is *test*, the two frames before it *val*.
* ``minsk-drone``: Minsk drone photos (0.10 m), YOLO labels; split by flight so
  frames of one flight stay together: DJI-00760 is *test*, DJI_0762 *val*.
* ``airbus``: Airbus Pleiades airport extracts (0.5 m); images sorted by id, every
  fifth (index 0, 5, ...) is *test*, every fifth from index 1 *val*.  Some airports
  appear on several dates, so test airports may also be seen in training (the
  images carry no airport name to split on).  Two of its images (one test, one
  train) have most aircraft annotated twice; same-class boxes overlapping another
  by IoU >= 0.5 are merged into one (nowhere else in the data do two aircraft
  boxes overlap by more than IoU 0.2), see :func:`drop_duplicates`.

Classes map to SiteWatch's two: car, truck, bus, minibus -> ``vehicle`` (truck, bus
and minibus are also flagged ``large``); airplane -> ``aircraft``; cyclists and
truncated airplanes are kept as ``ignore`` boxes (neither true nor false positives).
"""

from __future__ import annotations

import ast
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sitewatch.detection.boxes import box_iou
from sitewatch.errors import InputNotFoundError
from sitewatch.imagery.raster import read_image

DETECTION_DATASETS = ("kit-ais", "minsk-drone", "airbus")
SPLITS = ("train", "val", "test")
_YOLO_CLASSES = ("car", "truck", "bus", "minibus", "cyclist")
_LARGE = {"truck", "bus", "minibus"}


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixel coordinates (x0, y0, x1, y1) with its class."""

    x0: float
    y0: float
    x1: float
    y1: float
    cls: str  # "vehicle", "aircraft" or "ignore"
    large: bool = False
    source_class: str = ""


@dataclass(frozen=True, eq=False)
class DetImage:
    """One labelled image: RGB pixels (3, rows, cols) uint8, GSD in metres, boxes."""

    dataset: str
    name: str
    split: str
    gsd: float
    pixels: npt.NDArray[np.uint8]
    boxes: tuple[Box, ...]


def _rgb(path: Path) -> npt.NDArray[np.uint8]:
    img = read_image(path)
    return np.ascontiguousarray(img.pixels[:3]).astype("uint8")


def _yolo_boxes(path: Path, width: int, height: int) -> tuple[Box, ...]:
    boxes = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != 5:
            continue
        k, cx, cy, w, h = int(parts[0]), *(float(v) for v in parts[1:])
        name = _YOLO_CLASSES[k]
        cls = "ignore" if name == "cyclist" else "vehicle"
        boxes.append(
            Box(
                (cx - w / 2) * width,
                (cy - h / 2) * height,
                (cx + w / 2) * width,
                (cy + h / 2) * height,
                cls,
                name in _LARGE,
                name,
            )
        )
    return tuple(boxes)


def _kit_split(names: list[str]) -> dict[str, str]:
    nums = sorted(int(re.sub(r"\D", "", n)) for n in names)
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    split: dict[str, str] = {}
    for run in runs:
        n_test = max(1, len(run) // 4)
        for i, n in enumerate(run):
            k = len(run) - i
            split[f"MOS{n}"] = "test" if k <= n_test else "val" if k <= n_test + 2 else "train"
    return split


def kit_ais(root: Path) -> list[DetImage]:
    images = sorted((root / "images").glob("*.png"))
    if not images:
        raise InputNotFoundError(f"no KIT AIS images in {root / 'images'}")
    split = _kit_split([p.stem for p in images])
    out = []
    for path in images:
        pixels = _rgb(path)
        boxes = _yolo_boxes(root / "labels" / f"{path.stem}.txt", pixels.shape[2], pixels.shape[1])
        out.append(DetImage("kit-ais", path.stem, split[path.stem], 0.13, pixels, boxes))
    return out


def minsk_drone(root: Path) -> list[DetImage]:
    gsd = {}
    with open(root / "images.csv", newline="") as f:
        for row in csv.DictReader(f):
            gsd[row["image"]] = float(row["gsd_est_m"])
    out = []
    for path in sorted((root / "images").glob("*.jpg")):
        flight = path.stem.rsplit("-", 1)[0] if path.stem.startswith("DJI-") else path.stem[:8]
        split = "test" if flight == "DJI-00760" else "val" if flight == "DJI_0762" else "train"
        pixels = _rgb(path)
        boxes = _yolo_boxes(root / "labels" / f"{path.stem}.txt", pixels.shape[2], pixels.shape[1])
        out.append(
            DetImage("minsk-drone", path.stem, split, gsd.get(path.stem, 0.1), pixels, boxes)
        )
    return out


#: Same-class boxes overlapping at least this much are one object annotated twice.
DUPLICATE_IOU = 0.5


def _xyxy(boxes: list[Box]) -> npt.NDArray[np.float64]:
    return np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes], dtype="float64").reshape(-1, 4)


def drop_duplicates(boxes: list[Box], iou: float = DUPLICATE_IOU) -> list[Box]:
    """The boxes without repeated annotations: a box overlapping an earlier kept box of
    the same class by IoU >= ``iou`` is dropped."""
    kept: list[Box] = []
    for box in boxes:
        same = [k for k in kept if k.cls == box.cls]
        if not same or float(box_iou(_xyxy([box]), _xyxy(same)).max()) < iou:
            kept.append(box)
    return kept


def airbus(root: Path) -> list[DetImage]:
    by_image: dict[str, list[Box]] = {}
    with open(root / "annotations.csv", newline="") as f:
        for row in csv.DictReader(f):
            pts = np.array(ast.literal_eval(row["geometry"]), dtype="float64")
            cls = "aircraft" if row["class"] == "Airplane" else "ignore"
            box = Box(
                pts[:, 0].min(),
                pts[:, 1].min(),
                pts[:, 0].max(),
                pts[:, 1].max(),
                cls,
                False,
                row["class"],
            )
            by_image.setdefault(row["image_id"], []).append(box)
    out = []
    for i, path in enumerate(sorted((root / "images").glob("*.jpg"))):
        split = "test" if i % 5 == 0 else "val" if i % 5 == 1 else "train"
        pixels = _rgb(path)
        out.append(
            DetImage(
                "airbus",
                path.stem,
                split,
                0.5,
                pixels,
                tuple(drop_duplicates(by_image.get(path.name, []))),
            )
        )
    return out


def load_detection(data: Path, dataset: str) -> list[DetImage]:
    """All images of one dataset ("kit-ais", "minsk-drone" or "airbus")."""
    folders = {"kit-ais": ("kit-ais", kit_ais), "minsk-drone": ("minsk-drone", minsk_drone),
               "airbus": ("airbus-aircraft", airbus)}  # fmt: skip
    if dataset not in folders:
        raise ValueError(f"unknown dataset {dataset!r}; choose {', '.join(DETECTION_DATASETS)}")
    folder, loader = folders[dataset]
    root = data / folder
    if not root.is_dir():
        raise InputNotFoundError(f"{root} not found; set SITEWATCH_DATA to the data folder")
    return loader(root)
