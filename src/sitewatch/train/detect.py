"""Train the vehicle and aircraft detector and export it to ONNX.

    python -m sitewatch.train.detect --out src/sitewatch/models/detect --seeds 0 --width 1.5

A CenterNet-style network (centre heatmaps for cars, large vehicles and aircraft, box
size and sub-cell offset at output stride 4) trained from scratch on the *train*
splits of KIT AIS, Minsk drone, SIMD and Airbus aircraft (see
:mod:`sitewatch.datasets.detection`; splits by place).  One network serves both
classes at two working scales: vehicles are seen at 0.3 m per pixel, aircraft at
2.0 m (so both span 10-50 px).

Augmentation follows how sites differ: vehicle crops are degraded to a random source
GSD in [native, 0.6 m] before being brought to 0.3 m; every crop gets the dihedral
flips and 90-degree turns, half the vehicle crops a turn by any angle up to 45 degrees
(with their boxes), per-channel colour gains (sensor colour), brightness and
contrast, haze, blur, JPEG compression and cast shadows, each at random.

One member is trained per seed; the shipped file is one ONNX graph that averages the
members' outputs, quantised to int8 (weights per channel in 7 bits, activations
calibrated on training crops), which runs about 2.3 times faster than float32 on CPUs
with VNNI instructions and 1.6 times on CPUs with AVX2 only, with the same results on
both.  Score thresholds are chosen per kind on the *val* splits (best F1), as are the
box lengths that decide a vehicle's kind, never on *test* (``--rechoose`` does only
that, for a network already trained).  ``--members`` rebuilds the ensemble from member
files already trained.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812
from scipy import ndimage
from torch import nn

from sitewatch.datasets.detection import (
    DETECTION_DATASETS,
    DetImage,
    load_detection,
    without_regions,
)
from sitewatch.datasets.paths import data_dir
from sitewatch.detection.detector import (
    CLASSES,
    STRIDE,
    WORKING_GSD,
    Detection,
    DetectorInfo,
    detect_array,
    kind_by_length,
)
from sitewatch.errors import SitewatchError
from sitewatch.evaluation.detection import detection_scores
from sitewatch.imagery.raster import atomic_path
from sitewatch.inference.manifest import MANIFEST, load_manifest, model_file
from sitewatch.train.export import export_onnx

CROP = 192
#: The heatmaps the network outputs, as (class, kind).
HEATMAPS = (("vehicle", "car"), ("vehicle", "large"), ("aircraft", ""))


def heatmap_index(cls: str, kind: str) -> int:
    """The heatmap a labelled box trains (-1: an ignore box; a vehicle of no stated
    kind trains the car heatmap)."""
    if cls == "ignore":
        return -1
    return HEATMAPS.index((cls, (kind or "car") if cls == "vehicle" else ""))


def _cbr(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class TinyCenterNet(nn.Module):
    """Input (N, 3, H, W) in [-0.5, 0.5], H, W % 8 == 0; output (N, heads + 4, H/4, W/4):
    ``heads`` heatmap logits (see :data:`HEATMAPS`), log width and height (in output
    cells), and x/y offsets of the centre within its cell."""

    def __init__(self, width: float = 1.0, heads: int = len(HEATMAPS)) -> None:
        super().__init__()
        a, b, c, d = (max(4, round(n * width)) for n in (12, 24, 64, 32))
        self.stem = nn.Sequential(_cbr(3, a, 2), _cbr(a, b, 2), _cbr(b, b))
        self.down = nn.Sequential(_cbr(b, c, 2), _cbr(c, c), _cbr(c, c, dilation=2))
        self.fuse = nn.Sequential(
            nn.Conv2d(b + c, d, 1, bias=False), nn.BatchNorm2d(d), nn.ReLU(inplace=True),
            _cbr(d, d),
        )  # fmt: skip
        self.head = nn.Conv2d(d, heads + 4, 1)
        with torch.no_grad():
            self.head.bias[:heads] = -2.19  # type: ignore[index]  # prior 0.1 for heatmaps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s4 = self.stem(x)
        s8 = self.down(s4)
        up = F.interpolate(s8, scale_factor=2.0, mode="bilinear", align_corners=False)
        out: torch.Tensor = self.head(self.fuse(torch.cat([up, s4], dim=1)))
        return out


#: A labelled box in a crop: x0, y0, x1, y1, heatmap index (-1: ignore), large vehicle.
TargetBox = tuple[float, float, float, float, int, bool]
#: Side of a crop that is turned before its central CROP x CROP is kept (a turn of up
#: to 45 degrees then leaves no corner of the kept part outside the turned crop).
TURN_CROP = math.ceil(CROP * math.sqrt(2) / 8) * 8
#: A box this many times longer than wide holds a vehicle along one of its axes, whose
#: box after a turn is the turned rectangle's; other boxes (vehicles already at an angle)
#: become regions without loss, as their outline inside the box is not known.
ELONGATED = 1.8


def turned(
    crop: torch.Tensor, boxes: Sequence[TargetBox], angle: float
) -> tuple[torch.Tensor, list[TargetBox]]:
    """``crop`` (3, S, S) turned by ``angle`` radians about its centre (clockwise on the
    screen for positive angles, image rows pointing down) and cut to its central CROP x
    CROP, with the boxes turned and moved to match."""
    size = crop.shape[-1]
    cos, sin = math.cos(angle), math.sin(angle)
    # affine_grid maps each output pixel to where it is read from: the inverse turn.
    theta = torch.tensor([[[cos, sin, 0.0], [-sin, cos, 0.0]]], dtype=crop.dtype)
    grid = F.affine_grid(theta, [1, 3, size, size], align_corners=False)
    back = F.grid_sample((crop + 0.5)[None], grid, mode="bilinear", align_corners=False)[0] - 0.5
    off = (size - CROP) / 2
    kept = back[:, int(off) : int(off) + CROP, int(off) : int(off) + CROP]
    c = size / 2
    out: list[TargetBox] = []
    for x0, y0, x1, y1, k, large in boxes:
        corners = [(x, y) for x in (x0, x1) for y in (y0, y1)]
        xs = [c + (x - c) * cos - (y - c) * sin - off for x, y in corners]
        ys = [c + (x - c) * sin + (y - c) * cos - off for x, y in corners]
        nx0, nx1, ny0, ny1 = min(xs), max(xs), min(ys), max(ys)
        if nx1 <= 0 or ny1 <= 0 or nx0 >= CROP or ny0 >= CROP:
            continue
        long, short = max(x1 - x0, y1 - y0), max(1e-3, min(x1 - x0, y1 - y0))
        if k >= 0 and long / short < ELONGATED:
            k = -1  # orientation unknown: neither reward nor penalty
        out.append((nx0, ny0, nx1, ny1, k, large))
    return kept.contiguous(), out


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(x[None], size=size, mode="bilinear", antialias=True, align_corners=False)[
        0
    ]


class CropSampler:
    """Random crops at the working scale with scale degradation and photometric jitter."""

    def __init__(
        self,
        images: Sequence[DetImage],
        rng: np.random.Generator,
        *,
        centred: float = 0.6,
        large: float = 0.0,
        rotate: float = 0.0,
    ) -> None:
        self.rng = rng
        self.centred = centred
        self.large = large
        self.rotate = rotate
        self.vehicle = [im for im in images if im.dataset != "airbus" and im.boxes]
        self.aircraft = [im for im in images if im.dataset == "airbus"]
        self.large_boxes = [(im, b) for im in self.vehicle for b in im.boxes if b.large]
        self.tensors = {id(im): torch.from_numpy(im.pixels) for im in images}

    def one(self) -> tuple[torch.Tensor, list[TargetBox]]:
        rng = self.rng
        focus = None
        if self.large > 0 and self.large_boxes and rng.random() < self.large:
            # A crop centred on a large vehicle (buses, trucks are rare in the data).
            im, focus = self.large_boxes[rng.integers(len(self.large_boxes))]
        elif self.aircraft and rng.random() < 0.35:
            im = self.aircraft[rng.integers(len(self.aircraft))]
        else:
            im = self.vehicle[rng.integers(len(self.vehicle))]
        if im.dataset == "airbus":
            target = WORKING_GSD["aircraft"] * float(np.exp(rng.uniform(-0.22, 0.22)))
            source = im.gsd
        else:
            target = WORKING_GSD["vehicle"] * float(np.exp(rng.uniform(-0.15, 0.15)))
            source = float(rng.uniform(im.gsd, 0.6)) if rng.random() < 0.7 else im.gsd
        # Vehicles are also seen at any angle: a larger crop is turned, then its centre
        # kept (the dihedral flips below give the multiples of 90 degrees).
        turn = im.dataset != "airbus" and rng.random() < self.rotate
        size = TURN_CROP if turn else CROP
        pix = self.tensors[id(im)]
        _, rows, cols = pix.shape
        span = round(size * target / im.gsd)  # native px under one crop
        boxes = list(im.boxes)
        # Centre crops on objects a share ``centred`` of the time (in the middle half of
        # a crop that is turned, so that the object stays in what is kept); regions of
        # unlabelled vehicles only take their loss away.
        objects = [b for b in boxes if not b.region]
        lo, hi = (0.25, 0.75) if turn else (0.1, 0.9)
        if focus is not None or (objects and rng.random() < self.centred):
            b = focus if focus is not None else objects[rng.integers(len(objects))]
            cx, cy = (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
            x0 = int(cx - rng.uniform(lo, hi) * span)
            y0 = int(cy - rng.uniform(lo, hi) * span)
        else:
            x0 = int(rng.integers(-span // 4, max(1, cols - 3 * span // 4)))
            y0 = int(rng.integers(-span // 4, max(1, rows - 3 * span // 4)))
        x0 = int(np.clip(x0, -span // 2, max(0, cols - span // 2)))
        y0 = int(np.clip(y0, -span // 2, max(0, rows - span // 2)))
        canvas = torch.zeros((3, span, span), dtype=torch.float32)
        sx0, sy0 = max(0, x0), max(0, y0)
        sx1, sy1 = min(cols, x0 + span), min(rows, y0 + span)
        if sx1 > sx0 and sy1 > sy0:
            canvas[:, sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = pix[:, sy0:sy1, sx0:sx1].float()
        crop = canvas / 255.0 - 0.5
        if source > im.gsd * 1.05:  # degrade to the source GSD first
            mid = max(8, round(span * im.gsd / source))
            crop = _resize(crop, (mid, mid))
        crop = _resize(crop, (size, size))
        scale = size / span
        out = []
        for b in boxes:
            bx0, by0 = (b.x0 - x0) * scale, (b.y0 - y0) * scale
            bx1, by1 = (b.x1 - x0) * scale, (b.y1 - y0) * scale
            if bx1 <= 0 or by1 <= 0 or bx0 >= size or by0 >= size:
                continue
            out.append((bx0, by0, bx1, by1, heatmap_index(b.cls, b.kind), b.large))
        if turn:
            crop, out = turned(crop, out, float(rng.uniform(-math.pi / 4, math.pi / 4)))
        # Flips, transposition (with the boxes), brightness and contrast.
        if rng.random() < 0.5:
            crop = crop.flip(2)
            out = [(CROP - x1, y0_, CROP - x0_, y1, k, lg) for x0_, y0_, x1, y1, k, lg in out]
        if rng.random() < 0.5:
            crop = crop.flip(1)
            out = [(x0_, CROP - y1, x1, CROP - y0_, k, lg) for x0_, y0_, x1, y1, k, lg in out]
        if rng.random() < 0.5:
            crop = crop.transpose(1, 2)
            out = [(y0_, x0_, y1, x1, k, lg) for x0_, y0_, x1, y1, k, lg in out]
        return photometric(crop, rng).contiguous(), out

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` crops and their targets (see :func:`encode_targets`)."""
        xs, targets = [], []
        for _ in range(n):
            x, boxes = self.one()
            xs.append(x)
            targets.append(torch.from_numpy(encode_targets(boxes)))
        return torch.stack(xs), torch.stack(targets)


def _blur(crop: torch.Tensor, sigma: float) -> torch.Tensor:
    """Each band blurred by a Gaussian of ``sigma`` px (edges repeated)."""
    out = ndimage.gaussian_filter(crop.numpy(), (0, sigma, sigma), mode="nearest", truncate=2.5)
    return torch.from_numpy(out)


def _jpeg(crop: torch.Tensor, quality: int) -> torch.Tensor:
    import io

    from PIL import Image

    rgb = ((crop + 0.5).clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    back = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return torch.from_numpy(back.copy()).permute(2, 0, 1).float() / 255.0 - 0.5


def photometric(crop: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """How another sensor, date or delivery changes a picture, at random: per-band
    gains, brightness and contrast, a cast shadow (a dark half-plane), haze, blur and
    JPEG compression.  ``crop`` (3, H, W) in [-0.5, 0.5]."""
    _, rows, cols = crop.shape
    crop = crop * torch.tensor(rng.uniform(0.85, 1.15, 3), dtype=crop.dtype).view(3, 1, 1)
    crop = crop * float(rng.uniform(0.7, 1.3)) + float(rng.uniform(-0.15, 0.15))
    if rng.random() < 0.25:  # a shadow across part of the crop
        angle = rng.uniform(0, 2 * math.pi)
        ys, xs = torch.meshgrid(
            torch.arange(rows, dtype=crop.dtype), torch.arange(cols, dtype=crop.dtype),
            indexing="ij",
        )  # fmt: skip
        side = (xs - cols * rng.uniform(0.2, 0.8)) * math.cos(angle) + (
            ys - rows * rng.uniform(0.2, 0.8)
        ) * math.sin(angle)
        dark = float(rng.uniform(0.45, 0.8))
        crop = torch.where(side > 0, (crop + 0.5) * dark - 0.5, crop)
    if rng.random() < 0.25:  # haze: towards a bright, slightly blue veil
        a = float(rng.uniform(0.1, 0.45))
        veil = torch.tensor([0.25, 0.28, 0.33], dtype=crop.dtype).view(3, 1, 1)
        crop = crop * (1 - a) + veil * a
    if rng.random() < 0.25:
        crop = _blur(crop, float(rng.uniform(0.4, 1.3)))
    if rng.random() < 0.3:
        crop = _jpeg(crop, int(rng.integers(25, 90)))
    return crop


#: Heatmap targets above this keep their loss inside ignore regions.
OBJECT_WEIGHT_FLOOR = 0.05


def encode_targets(
    boxes: Sequence[TargetBox],
    heads: int = len(HEATMAPS),
) -> npt.NDArray[np.float32]:
    """(2 heads + 5, H/4, W/4): heatmaps, ignore weights (one per heatmap), size (2),
    offset (2), centre mask."""
    g = CROP // STRIDE
    n = heads
    t = np.zeros((2 * n + 5, g, g), dtype="float32")
    t[n : 2 * n] = 1.0
    ys, xs = np.mgrid[0:g, 0:g].astype("float32")
    for x0, y0, x1, y1, k, _ in boxes:
        cx, cy = (x0 + x1) / 2 / STRIDE, (y0 + y1) / 2 / STRIDE
        w, h = max(1e-3, (x1 - x0) / STRIDE), max(1e-3, (y1 - y0) / STRIDE)
        if k < 0:  # ignore region: no loss on either heatmap
            m = (
                (xs >= x0 / STRIDE - 1)
                & (xs <= x1 / STRIDE)
                & (ys >= y0 / STRIDE - 1)
                & (ys <= y1 / STRIDE)
            )
            t[n : 2 * n, m] = 0.0
            continue
        if not (0 <= cx < g and 0 <= cy < g):
            continue
        sx, sy = max(0.5, w / 6), max(0.5, h / 6)
        gauss = np.exp(-((xs - cx + 0.5) ** 2) / (2 * sx**2) - ((ys - cy + 0.5) ** 2) / (2 * sy**2))
        t[k] = np.maximum(t[k], gauss)
        ix, iy = int(cx), int(cy)
        t[k, iy, ix] = 1.0
        t[2 * n, iy, ix], t[2 * n + 1, iy, ix] = math.log(w), math.log(h)
        t[2 * n + 2, iy, ix], t[2 * n + 3, iy, ix] = cx - ix, cy - iy
        t[2 * n + 4, iy, ix] = 1.0
    # An ignore region (a boat, or a rectangle over unlabelled vehicles) takes no loss
    # away from a labelled object inside it.
    t[n : 2 * n] = np.where(t[:n] > OBJECT_WEIGHT_FLOOR, 1.0, t[n : 2 * n])
    return t


def loss_fn(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Focal loss on the heatmaps (CornerNet form) plus L1 on size and offset at centres."""
    n = (t.shape[1] - 5) // 2
    heat = torch.sigmoid(out[:, :n]).clamp(1e-4, 1 - 1e-4)
    gt, weight = t[:, :n], t[:, n : 2 * n]
    pos = (gt >= 1.0).float()
    neg = (1 - pos) * (1 - gt) ** 4
    pos_loss = -(torch.log(heat) * (1 - heat) ** 2 * pos * weight).sum()
    neg_loss = -(torch.log(1 - heat) * heat**2 * neg * weight).sum()
    n_pos = pos.sum().clamp(min=1.0)
    centre = t[:, 2 * n + 4 : 2 * n + 5]
    reg = (torch.abs(out[:, n : n + 4] - t[:, 2 * n : 2 * n + 4]) * centre).sum()
    reg = reg / centre.sum().clamp(min=1.0)
    return (pos_loss + neg_loss) / n_pos + reg


def choose_thresholds(info: DetectorInfo, images: Sequence[DetImage]) -> dict[str, float]:
    """Per heatmap, the score threshold with the best F1 on the given (validation) images.

    Keys are the class, or ``class:kind`` for a vehicle kind; ``vehicle`` is then also
    given the car threshold, for readers that know one threshold per class."""
    thresholds: dict[str, float] = {}
    found: dict[str, tuple[list[DetImage], list[list[Detection]]]] = {}
    for cls, kind in info.heatmaps:
        if cls not in found:  # each class detected once, for all its kinds
            subset = [im for im in images if any(b.cls == cls for b in im.boxes)]
            found[cls] = (
                subset,
                [
                    detect_array(im.pixels, im.gsd, info, classes=(cls,), min_score=0.05)
                    for im in subset
                ],
            )
        subset, preds = found[cls]
        best, best_f1 = 0.3, -1.0
        for thr in np.arange(0.1, 0.9, 0.025):
            s = detection_scores(subset, preds, cls, float(thr), kind=kind or None)
            if s["f1"] > best_f1:
                best, best_f1 = float(thr), s["f1"]
        thresholds[f"{cls}:{kind}" if kind else cls] = round(best, 3)
    if "vehicle" not in thresholds and "vehicle:car" in thresholds:
        thresholds["vehicle"] = thresholds["vehicle:car"]
    return thresholds


#: Candidate box lengths (m) for deciding kinds: under the first a car, from the second
#: a large vehicle (see sitewatch.detection.detector.kind_by_length).
KIND_LENGTH_GRID = tuple(
    (lo, hi) for lo in (5.0, 5.5, 6.0, 6.5) for hi in (6.0, 6.5, 7.0, 7.5, 8.0) if hi >= lo
)


def choose_kind_lengths(
    info: DetectorInfo, images: Sequence[DetImage]
) -> tuple[float, float] | None:
    """The box lengths that decide vehicle kinds with the highest sum of car and large
    vehicle AP50 on the given (validation) images, pooled; None if no pair in
    :data:`KIND_LENGTH_GRID` beats the heatmaps' own kinds."""
    plain = DetectorInfo(
        info.path, info.thresholds, {k: v for k, v in info.meta.items() if k != "kind_by_length_m"}
    )
    subset = [im for im in images if any(b.cls == "vehicle" and b.kind for b in im.boxes)]
    preds = [
        detect_array(im.pixels, im.gsd, plain, classes=("vehicle",), min_score=0.05)
        for im in subset
    ]

    def score(lengths: tuple[float, float] | None) -> float:
        kinded = [kind_by_length(p, im.gsd, lengths) for im, p in zip(subset, preds, strict=True)]
        return sum(
            float(detection_scores(subset, kinded, "vehicle", 0.5, kind=kind)["ap50"])
            for kind in ("car", "large")
        )

    best: tuple[float, float] | None = None
    best_score = score(None)
    for lengths in KIND_LENGTH_GRID:
        if (s := score(lengths)) > best_score:
            best, best_score = lengths, s
    return best


def choose_on_val(meta: dict[str, Any], path: Path, val: Sequence[DetImage]) -> None:
    """Set ``meta``'s kind lengths and thresholds from the val images (in place)."""
    info = DetectorInfo(path=path, thresholds=meta["thresholds"], meta=meta)
    meta.pop("kind_by_length_m", None)
    if any(kind for _, kind in info.heatmaps):
        lengths = choose_kind_lengths(info, val)
        if lengths is not None:
            meta["kind_by_length_m"] = list(lengths)
    meta["thresholds"] = choose_thresholds(info, val)
    meta["threshold_basis"] = (
        "best F1 per class on the val splits (never on test), SIMD's with the audited "
        "regions of its unlabelled vehicles; kind lengths: best sum of car and large "
        "vehicle AP50 on val"
    )


def merge_members(paths: Sequence[Path], out: Path) -> None:
    """One ONNX graph that runs every member detector on the shared input ``x`` and
    returns the mean of their outputs (heatmap logits, log sizes and offsets)."""
    import onnx
    from onnx import compose, helper

    members = [onnx.load(str(p)) for p in paths]
    first = members[0]
    nodes: list[Any] = []
    inits: list[Any] = []
    outputs = []
    for i, m in enumerate(members):
        g = compose.add_prefix_graph(m.graph, f"m{i}/", rename_inputs=False)
        nodes.extend(g.node)
        inits.extend(g.initializer)
        outputs.append(g.output[0].name)
    nodes.append(helper.make_node("Mean", outputs, [first.graph.output[0].name], name="mean"))
    graph = helper.make_graph(
        nodes, "detector", list(first.graph.input), list(first.graph.output), inits
    )
    model = helper.make_model(graph, opset_imports=list(first.opset_import))
    model.ir_version = first.ir_version
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))


def quantize(src: Path, out: Path, images: Sequence[DetImage], seed: int, crops: int = 128) -> None:
    """Static int8 quantisation (:func:`sitewatch.train.quantize.quantize_int8`: QDQ,
    per-channel weights in 7 bits, percentile-calibrated activations) from ``crops``
    training crops: about 2.3 times faster on CPUs with VNNI instructions, run by
    onnxruntime as is, with the same results on CPUs without VNNI."""
    from sitewatch.train.quantize import quantize_int8

    sampler = CropSampler(images, np.random.default_rng(seed))
    quantize_int8(src, out, [sampler.one()[0].numpy()[None] for _ in range(crops)])


def train_member(train: Sequence[DetImage], seed: int, args: argparse.Namespace) -> TinyCenterNet:
    """One detector trained from scratch with ``seed``."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TinyCenterNet(args.width)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05
    )
    sampler = CropSampler(train, rng, centred=args.centred, large=args.large, rotate=args.rotate)
    t0 = time.perf_counter()
    running = 0.0
    model.train()
    for step in range(1, args.steps + 1):
        x, t = sampler.batch(args.batch)
        loss = loss_fn(model(x), t)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        sched.step()
        running += loss.item()
        if step % 100 == 0:
            print(
                f"[seed {seed}] step {step}/{args.steps} loss {running / 100:.4f} "
                f"{time.perf_counter() - t0:.0f}s",
                flush=True,
            )
            running = 0.0
    model.eval()
    return model


def _seed_list(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 0,1, got {text!r}"
        ) from None


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("src/sitewatch/models/detect"))
    p.add_argument("--data", type=Path, default=None)
    p.add_argument(
        "--seeds",
        type=_seed_list,
        default="0,1",
        help="one ensemble member per seed (with --members: the seeds they were trained with)",
    )
    p.add_argument(
        "--members", default="", help="comma-separated member ONNX files to use instead of training"
    )
    p.add_argument("--work", type=Path, default=Path("out/detect-members"), help="member files")
    p.add_argument("--float", action="store_true", help="keep float32 (no int8 quantisation)")
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--batch", type=int, default=12)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--width", type=float, default=1.0, help="channel multiplier")
    p.add_argument("--centred", type=float, default=0.6, help="share of object-centred crops")
    p.add_argument(
        "--large", type=float, default=0.2, help="share of crops centred on large vehicles"
    )
    p.add_argument(
        "--rotate", type=float, default=0.5, help="share of vehicle crops turned by 0-45 degrees"
    )
    p.add_argument(
        "--unlabelled-regions",
        action="store_true",
        help="no loss inside the audited rectangles over SIMD's unlabelled training vehicles "
        "(one run was better on val and worse on test than the shipped recipe)",
    )
    p.add_argument(
        "--rechoose",
        action="store_true",
        help="keep the network in --out; choose its kind lengths and thresholds on val "
        "again and rewrite its manifest",
    )
    args = p.parse_args(argv)
    root = data_dir(args.data)
    if args.rechoose:
        try:
            rechoose(args.out, root)
        except SitewatchError as exc:
            p.error(str(exc))
        return
    members = [Path(m) for m in args.members.split(",") if m]
    missing = [str(m) for m in members if not m.is_file()]
    if missing:
        p.error(f"member file(s) not found: {', '.join(missing)}")
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)  # before training, not after it
    # Val keeps SIMD's audited regions (neither true nor false when choosing); training
    # keeps them (no loss there) only with --unlabelled-regions.
    images = audited_images(root)
    train = [im for im in images if im.split == "train"]
    if not args.unlabelled_regions:
        train = without_regions(train)
    val = [im for im in images if im.split == "val"]
    t0 = time.perf_counter()
    seconds: dict[str, float] = {}
    if not members:
        for seed in args.seeds:
            model = train_member(train, seed, args)
            members.append(args.work / f"detector-seed{seed}.onnx")
            export_onnx(model, members[-1], 3, "out")
            seconds[f"seed {seed}"] = round(time.perf_counter() - t0, 1)
    path = args.out / "detector.onnx"
    merged = path if args.float else args.work / "detector-f32.onnx"
    merge_members(members, merged)
    if not args.float:
        quantize(merged, path, train, seed=0)
    meta: dict[str, Any] = {
        "file": path.name,
        "classes": list(CLASSES),
        "heatmaps": [list(h) for h in HEATMAPS],
        "working_gsd": WORKING_GSD,
        "stride": STRIDE,
        "thresholds": {c: 0.3 for c in CLASSES},
        "width": args.width,
        "members": [m.name for m in members],
        "parameters": sum(p.numel() for p in TinyCenterNet(args.width).parameters()) * len(members),
        "int8": not args.float,
        "weight_bits": 32 if args.float else 7,
        "steps": args.steps,
        "batch": args.batch,
        "rotate": args.rotate,
        "unlabelled_regions": args.unlabelled_regions,
        "seeds": ",".join(str(seed) for seed in args.seeds),
        "train_images": {ds: sum(im.dataset == ds for im in train) for ds in DETECTION_DATASETS},
        # Members given with --members were trained elsewhere: their time is in their logs.
        "train_seconds": seconds or None,
    }
    choose_on_val(meta, path, val)
    write_manifest(args.out, meta)
    print(f"thresholds {meta['thresholds']}, {round(time.perf_counter() - t0, 1)} s", flush=True)


def write_manifest(folder: Path, meta: dict[str, Any]) -> None:
    """``folder``'s manifest, replaced whole or not at all."""
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps(meta, indent=2) + "\n")


def audited_images(root: Path) -> list[DetImage]:
    """Every dataset's images, SIMD's with the audited regions of the vehicles its
    labels miss (so that a detection of one is not scored as false when choosing)."""
    return [im for ds in DETECTION_DATASETS for im in load_detection(root, ds, audited=True)]


def rechoose(folder: Path, root: Path) -> None:
    """Choose the kind lengths and thresholds of the detector in ``folder`` on the val
    splits again, and rewrite its manifest."""
    meta = load_manifest("detect", folder)
    val = [im for im in audited_images(root) if im.split == "val"]
    choose_on_val(meta, model_file("detect", meta["file"], folder), val)
    write_manifest(folder, meta)
    print(f"kind lengths {meta.get('kind_by_length_m')}, thresholds {meta['thresholds']}")


if __name__ == "__main__":
    main()
