"""The learned change model at inference time: input preparation and tiled ONNX inference.

The models are compact siamese networks (see ``sitewatch.train.change``) that take
the same bands of both dates (red, green, blue for any sensor; or Sentinel-2's six)
and return a change logit per pixel.  True-colour input is standardised on its own
image (one median and scaled MAD for all three bands, so colour survives), since
brightness scales differ between sensors; Sentinel-2 input, calibrated reflectance,
goes through fixed per-band constants of log(1 + reflectance) stored with the model.  Inference runs
with onnxruntime only, tile by tile with overlap, so any image size runs in bounded
memory; tiles are blended with a tapered weight so that seams do not show.  Images
finer than the model's finest working GSD are resampled down to it first, and the
result is brought back to the input grid.

Two more kinds of model sit beside the networks in the manifest (``kind``): ``trees``,
gradient-boosted trees on engineered per-pixel features (:mod:`sitewatch.change.features`;
run at 1.5 m, after histogram matching of the after-image), and ``ensemble``, a weighted
mean of member models' probabilities, smoothed, optionally averaged over segments of the
after-image (:class:`Segmentation`), with its own threshold (the ``aerial`` family:
network and trees, for true-colour imagery up to 2 m).

The input preparation here is the one used in training, so the two cannot drift.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from sitewatch.change.features import CONTEXT, FEATURE_SET, floors, masked_input, pair_features
from sitewatch.change.unsupervised import normalise_radiometry
from sitewatch.errors import MissingBandError, ModelNotFoundError
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.bands import PLAIN_RGB, TRUE_COLOUR
from sitewatch.inference import manifest as manifests
from sitewatch.inference.manifest import model_file, models_dir
from sitewatch.inference.session import onnx_session, window_size, window_starts
from sitewatch.limits import thread_map, threads

FloatArray = npt.NDArray[np.float32]
MODEL_BANDS = TRUE_COLOUR
#: Band sets the models are trained on: true colour (any sensor; ``vhr``: trained for
#: very-high-resolution sources) and Sentinel-2's six.
BAND_SETS: dict[str, tuple[str, ...]] = {
    "rgb": MODEL_BANDS,
    "s2": ("red", "green", "blue", "nir", "swir16", "swir22"),
    "vhr": MODEL_BANDS,
}
#: Spatial size of the network's inputs must be a multiple of this.
STRIDE = 8
#: Largest side (px) of the windows the networks run on (memory and speed: onnxruntime
#: on the CPU is fastest per pixel on windows of about 512-768 px).
MAX_WINDOW = 768
#: Working pixel size (m) of the tree model: that of the aerial photographs it learnt.
TREE_GSD = 1.5
#: Rows of the feature table sent to onnxruntime at once (bounded memory).
TREE_CHUNK = 1 << 18
#: Pixels of one band of rows whose tree features are held at once (about 1.4 GB of
#: features; larger images are computed band by band, with context rows around each).
TREE_BAND_PIXELS = 4_000_000


def standardise_band(band: npt.NDArray[Any], valid: npt.NDArray[np.bool_]) -> FloatArray:
    """(band - median) / (1.4826 MAD) over valid pixels, clipped to +-6; invalid pixels 0."""
    everywhere = bool(valid.all())
    values = (band if everywhere else band[valid]).astype("float64").ravel()
    if values.size == 0:
        return np.zeros(band.shape, dtype="float32")
    # ``values`` is a private copy: the medians may reorder it in place.
    med = float(np.median(values, overwrite_input=True))
    np.abs(np.subtract(values, med, out=values), out=values)
    scale = 1.4826 * float(np.median(values, overwrite_input=True))
    if scale <= 1e-9:
        scale = float((band if everywhere else band[valid]).astype("float64").std()) or 1.0
    out: FloatArray = band.astype("float32")
    out -= med
    out /= scale
    np.clip(out, -6.0, 6.0, out=out)
    if not everywhere:
        out[~valid] = 0.0
    return out


def image_bands(image: GeoImage, bands: tuple[str, ...] = MODEL_BANDS) -> tuple[str, ...]:
    """The model's band names as found in ``image`` (plain b1..b3 stand for red, green, blue)."""
    if all(b in image.band_names for b in bands):
        return bands
    # A plain three-band picture (PNG/JPEG) is taken as red, green, blue.
    if bands == MODEL_BANDS and image.band_names == PLAIN_RGB:
        return PLAIN_RGB
    raise MissingBandError(
        f"the change model needs bands {', '.join(bands)}; the image has "
        f"{', '.join(image.band_names)}. Use --method cva or irmad for other band sets"
    )


#: Per-band (centre, scale) of log(1 + value), shared by both dates of every image.
Normalisation = dict[str, tuple[float, float]]


def fit_normalisation(
    images: Sequence[GeoImage], bands: tuple[str, ...], step: int = 7
) -> Normalisation:
    """Median and 1.4826 MAD of log(1 + value) per band over the valid pixels of
    ``images`` (every ``step``-th pixel): fixed constants for calibrated sensors such as
    Sentinel-2, where absolute reflectance carries meaning that per-image
    standardisation would discard."""
    out: Normalisation = {}
    for band in bands:
        values = np.concatenate(
            [np.log1p(np.maximum(img.band(band)[img.mask][::step], 0.0)) for img in images]
        ).astype("float64")
        if values.size == 0:
            raise ValueError(f"no valid pixels of band {band!r} to fit a normalisation on")
        centre = float(np.median(values))
        scale = 1.4826 * float(np.median(np.abs(values - centre))) or float(values.std()) or 1.0
        out[band] = (round(centre, 6), round(scale, 6))
    return out


def _fixed_band(band: npt.NDArray[Any], centre: float, scale: float) -> FloatArray:
    x = (np.log1p(np.maximum(band.astype("float32"), 0.0)) - centre) / scale
    out: FloatArray = np.clip(x, -6.0, 6.0).astype("float32")
    return out


PrepKind = Literal["band", "shared", "fixed"]


@dataclass(frozen=True)
class Segmentation:
    """Object averaging of an ensemble's probability: the after-image is cut into
    segments (Felzenszwalb and Huttenlocher's graph method on its standardised colours,
    at the ensemble's working scale), and each pixel's probability becomes
    ``mix * own + (1 - mix) * mean of its segment``, so that a new house or a worked
    field is judged as a whole rather than pixel by pixel.

    ``scale`` is the method's scale parameter in units of the standardised colours
    (larger: fewer, bigger segments); ``min_size`` the smallest segment in pixels.
    """

    mix: float
    scale: float = 2500.0
    min_size: int = 20

    def __post_init__(self) -> None:
        if not 0.0 <= self.mix <= 1.0:
            raise ValueError(f"segment mix must lie in [0, 1], got {self.mix}")

    @classmethod
    def from_manifest(cls, entry: dict[str, Any]) -> Segmentation | None:
        """From an ensemble entry's ``segments`` object; None when it has none."""
        seg = entry.get("segments")
        if not seg:
            return None
        return cls(float(seg["mix"]), float(seg["scale"]), int(seg["min_size"]))

    def manifest_fields(self) -> dict[str, Any]:
        return {"segments": {"mix": self.mix, "scale": self.scale, "min_size": self.min_size}}


@dataclass(frozen=True)
class InputPrep:
    """How a model's bands are scaled before the network sees them.

    ``"band"``: each band standardised on its own image (median and 1.4826 MAD);
    ``"shared"``: all bands of an image by one median and MAD, so that colour (the
    ratios between bands) survives; ``"fixed"``: per-band ``constants`` of
    log(1 + value), the same for every image (calibrated sensors such as Sentinel-2).
    """

    kind: PrepKind = "band"
    constants: Normalisation | None = None

    def __post_init__(self) -> None:
        if (self.kind == "fixed") != (self.constants is not None):
            raise ValueError("fixed input preparation needs constants, and only it")

    @classmethod
    def fixed(cls, constants: Normalisation) -> InputPrep:
        return cls("fixed", constants)

    @classmethod
    def from_manifest(cls, entry: dict[str, Any]) -> InputPrep:
        """Read from a manifest entry (keys ``normalisation`` or ``standardise``)."""
        if entry.get("normalisation"):
            return cls.fixed(
                {b: (float(c), float(k)) for b, (c, k) in entry["normalisation"].items()}
            )
        return cls("shared") if entry.get("standardise") == "shared" else cls()

    def manifest_fields(self) -> dict[str, Any]:
        """The manifest keys that :meth:`from_manifest` reads back."""
        if self.constants is not None:
            return {"normalisation": {b: list(v) for b, v in self.constants.items()}}
        return {"standardise": "shared"} if self.kind == "shared" else {}


def model_input(
    before: GeoImage,
    after: GeoImage,
    bands: tuple[str, ...] = MODEL_BANDS,
    prep: InputPrep = InputPrep(),
) -> FloatArray:
    """(2 x bands, rows, cols) float32: the bands of before, then of after, scaled as
    ``prep`` says (see :class:`InputPrep`)."""
    valid = before.mask & after.mask

    def planes(img: GeoImage) -> list[FloatArray]:
        names = image_bands(img, bands)
        if prep.kind == "shared":
            stack = np.stack([img.band(n) for n in names]).astype("float32")
            flat = standardise_band(
                stack.reshape(-1, *valid.shape[1:]), np.tile(valid, (len(names), 1))
            )
            return list(flat.reshape(stack.shape))
        out: list[FloatArray] = []
        for model_band, name in zip(bands, names, strict=True):
            if prep.constants is None:
                out.append(standardise_band(img.band(name), valid))
            else:
                plane = _fixed_band(img.band(name), *prep.constants[model_band])
                plane[~valid] = 0.0
                out.append(plane)
        return out

    first, second = thread_map(planes, (before, after))
    return np.stack(first + second)


@dataclass(frozen=True)
class ModelInfo:
    """A model file and what it needs: working GSD range, threshold, tile size."""

    path: Path
    threshold: float
    min_gsd: float
    tile: int
    meta: dict[str, Any]
    bands: tuple[str, ...] = MODEL_BANDS
    prep: InputPrep = InputPrep()
    #: "network", "trees" or "ensemble" (see the module docstring).
    kind: str = "network"
    #: Ensembles: member models and their weights, the smoothing sigma in pixels and
    #: the object averaging (None: none).
    members: tuple[tuple[ModelInfo, float], ...] = ()
    smooth: float = 0.0
    segments: Segmentation | None = None

    @property
    def name(self) -> str:
        """What produced the result: the file, or the ensemble's members."""
        if self.kind == "ensemble":
            return "+".join(m.path.name for m, _ in self.members)
        return self.path.name


def load_manifest(folder: Path | None = None) -> dict[str, Any]:
    """The change models' manifest (the shipped one, or the one in ``folder``)."""
    return manifests.load_manifest("change", folder)


def model_info(
    entry: dict[str, Any],
    folder: Path | None = None,
    models: dict[str, dict[str, Any]] | None = None,
) -> ModelInfo:
    """The model of a manifest ``entry``; an ensemble's members are looked up in
    ``models`` (the manifest's entries; read from ``folder`` when not given)."""
    folder = folder or models_dir("change")
    kind = str(entry.get("kind", "network"))
    if kind == "ensemble":
        models = models if models is not None else load_manifest(folder)["models"]
        missing = [n for n in entry["members"] if n not in models]
        if missing:
            raise ModelNotFoundError(
                f"ensemble member(s) {', '.join(missing)} missing from the manifest; "
                "reinstall sitewatch"
            )
        members = tuple(
            (model_info(models[n], folder, models), float(w)) for n, w in entry["members"].items()
        )
        return ModelInfo(
            path=folder / "manifest.json",
            threshold=float(entry["threshold"]),
            min_gsd=0.0,
            tile=0,
            meta=entry,
            bands=tuple(entry.get("bands", MODEL_BANDS)),
            kind=kind,
            members=members,
            smooth=float(entry.get("smooth", 0.0)),
            segments=Segmentation.from_manifest(entry),
        )
    path = model_file("change", entry["file"], folder)
    if kind == "trees" and entry.get("features") != FEATURE_SET:
        raise ModelNotFoundError(
            f"tree model {path.name} was trained on features {entry.get('features')!r}, "
            f"this version computes {FEATURE_SET!r}; reinstall sitewatch"
        )
    return ModelInfo(
        kind=kind,
        path=path,
        threshold=float(entry["threshold"]),
        min_gsd=float(entry.get("min_gsd", 0.0)),
        tile=int(entry.get("tile", 256)),
        meta=entry,
        bands=tuple(entry.get("bands", MODEL_BANDS)),
        prep=InputPrep.from_manifest(entry),
    )


def _has_bands(image: GeoImage, bands: tuple[str, ...]) -> bool:
    try:
        image_bands(image, bands)
    except MissingBandError:
        return False
    return True


def named_model(name: str) -> ModelInfo:
    """The installed change model called ``name`` (``vhr-all``, ``aerial-all``...)."""
    models: dict[str, dict[str, Any]] = load_manifest().get("models", {})
    if name not in models:
        usable = sorted(n for n in models if "fold" not in n)
        raise ModelNotFoundError(f"no change model {name!r}; installed: {', '.join(usable)}")
    return model_info(models[name], models=models)


def default_model(before: GeoImage, after: GeoImage, gsd: float | None = None) -> ModelInfo:
    """The best shipped model these images can feed (each trained on all labelled data):
    the Sentinel-2 six-band network when both have its bands; else, for true colour,
    the ``vhr-trees`` model when the pixels are finer than its ``auto_below_gsd``
    (1 m: satellite imagery of 0.3-0.5 m), the aerial ensemble when they are at most its
    ``max_gsd`` (or ``gsd`` is unknown, as for plain pixel grids), and the true-colour
    network otherwise.

    Raises ModelNotFoundError when none is installed and MissingBandError when the
    images lack red, green and blue.
    """
    manifest = load_manifest()
    defaults: dict[str, str] = manifest.get("default", {})
    for family in ("s2", "vhr-trees", "aerial", "rgb"):
        name = defaults.get(family)
        if name is None:
            continue
        entry = manifest["models"][name]
        if gsd is not None and gsd > float(entry.get("max_gsd", np.inf)):
            continue
        below = entry.get("auto_below_gsd")
        if below is not None and (gsd is None or gsd >= float(below)):
            continue
        info = model_info(entry, models=manifest["models"])
        if _has_bands(before, info.bands) and _has_bands(after, info.bands):
            return info
    if not defaults:
        raise ModelNotFoundError("the change model manifest names no default model")
    image_bands(before)
    image_bands(after)
    raise ModelNotFoundError("no installed change model fits these bands")


def _ramp(size: int, overlap: int) -> FloatArray:
    """Blending weights along one side of a window: rising over the first ``overlap``
    pixels, falling over the last."""
    ramp = np.ones(size, dtype="float32")
    if overlap > 0:
        edge = (np.arange(overlap, dtype="float32") + 0.5) / overlap
        ramp[:overlap] = edge
        ramp[-overlap:] = edge[::-1]
    return ramp


def predict_logits(
    x: FloatArray,
    model: ModelInfo,
    *,
    overlap: int = 32,
    max_window: int = MAX_WINDOW,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FloatArray:
    """Change logit per pixel for a prepared (6, rows, cols) input, window by window.

    The windows are at least the model's training tile and otherwise sized to cover the
    image evenly (:func:`~sitewatch.inference.session.window_size`); where they overlap,
    the logits are blended with linear ramps."""
    session = onnx_session(str(model.path), threads)
    name = session.get_inputs()[0].name
    _, rows, cols = x.shape
    tile = model.tile
    # Pad to at least one tile and to a multiple of the network's stride.
    ph = max(tile, -(-rows // STRIDE) * STRIDE) - rows
    pw = max(tile, -(-cols // STRIDE) * STRIDE) - cols
    padded = np.pad(
        x, ((0, 0), (0, ph), (0, pw)), mode="reflect" if min(rows, cols) > 1 else "edge"
    )
    prow, pcol = padded.shape[1:]
    high, wide = (
        window_size(n, overlap, max_window, smallest=tile, multiple=STRIDE) for n in (prow, pcol)
    )
    acc = np.zeros((prow, pcol), dtype="float32")
    weight = np.zeros((prow, pcol), dtype="float32")
    taper = np.outer(_ramp(high, overlap), _ramp(wide, overlap))
    windows = [
        (y, xx)
        for y in window_starts(prow, high, high - overlap)
        for xx in window_starts(pcol, wide, wide - overlap)
    ]
    for i, (y, xx) in enumerate(windows):
        batch = padded[None, :, y : y + high, xx : xx + wide]
        out = session.run(None, {name: np.ascontiguousarray(batch)})[0][0, 0]
        acc[y : y + high, xx : xx + wide] += out * taper
        weight[y : y + high, xx : xx + wide] += taper
        if progress is not None:
            progress(i + 1, len(windows))
    logits = (acc / np.maximum(weight, np.float32(1e-6)))[:rows, :cols]
    return logits.astype("float32")


def predict_probability(
    before: GeoImage,
    after: GeoImage,
    model: ModelInfo,
    *,
    gsd: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FloatArray:
    """Change probability per pixel of ``before``'s grid (images already on one grid).

    When the pixels are finer than the model's working GSD (``gsd`` in metres, from
    the georeference or the caller), the input is resampled down first and the
    probabilities are brought back up to the input grid.
    """
    valid = before.mask & after.mask
    if model.kind == "ensemble":
        # Smoothing and segmentation work at the members' coarsest working scale.
        working = max(m.min_gsd for m, _ in model.members)
        factor = working_factor(gsd, working)
        prob = ensemble_probability(
            [(predict_probability(before, after, m, gsd=gsd), w) for m, w in model.members],
            model.smooth / factor,
            valid,
        )
        if model.segments is None:
            return prob
        labels = after_segments(before, after, model.segments, factor)
        return object_average(prob, labels, valid, model.segments.mix)
    factor = working_factor(gsd, model.min_gsd)
    # Resampled first, so that input preparation runs at the working scale too.
    small_b, small_a = (zoomed(img, factor) for img in (before, after))
    if model.kind == "trees":
        prob = tree_probability(small_b, small_a, model, progress=progress)
    else:
        x = model_input(small_b, small_a, model.bands, model.prep)
        logits = predict_logits(x, model, progress=progress)
        prob = (1.0 / (1.0 + np.exp(-logits))).astype("float32")
    if factor != 1.0:
        prob = on_grid(prob, before.shape, order=1).astype("float32")
    prob[~valid] = 0.0
    return prob


def working_factor(gsd: float | None, working: float) -> float:
    """How much an image of pixel size ``gsd`` is shrunk to reach the ``working`` pixel
    size (1: not at all, when it is as coarse already or its size is unknown)."""
    return gsd / working if gsd is not None and 0 < gsd < working else 1.0


def on_grid(array: npt.NDArray[Any], shape: tuple[int, int], order: int) -> npt.NDArray[Any]:
    """A 2-D ``array`` computed at the working scale brought back to the input grid
    ``shape`` (``order`` 1: bilinear for values, 0: nearest for labels)."""
    rows, cols = shape
    # What ndimage.zoom does (the corner pixels' centres meet), in row blocks, one per
    # thread: input coordinate = output coordinate x (input size - 1) / (output size - 1).
    scale = np.array(
        [
            (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
            for n_in, n_out in zip(array.shape, shape, strict=True)
        ]
    )
    edges = np.linspace(0, rows, threads() + 1).round().astype(int)

    def block(span: tuple[int, int]) -> npt.NDArray[Any]:
        top, bottom = span
        part: npt.NDArray[Any] = ndimage.affine_transform(
            array, scale, offset=(top * scale[0], 0.0), output_shape=(bottom - top, cols),
            order=order,
        )  # fmt: skip
        return part

    spans = [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]
    out: npt.NDArray[Any] = np.concatenate(thread_map(block, spans))
    return out


def zoomed(image: GeoImage, factor: float) -> GeoImage:
    """``image``'s pixels and mask resampled by ``factor`` (a pixel grid: the transform is
    dropped, as only the arrays travel on)."""
    if factor == 1.0:
        return image
    pixels = np.stack(
        thread_map(lambda p: ndimage.zoom(p, factor, order=1, output=np.float32), image.pixels)
    )
    if image.mask.all():  # the zoom of all ones is all ones
        mask = np.ones(pixels.shape[1:], dtype=bool)
    else:
        mask = ndimage.zoom(image.mask.astype("float32"), factor, order=1) > 0.999
    return replace(image, pixels=pixels, mask=mask, transform=None, crs=None)


def tree_input(before: GeoImage, after: GeoImage) -> FloatArray:
    """The tree model's (6, rows, cols) input: the after-image histogram-matched to the
    before-image, then both standardised as the ``rgb`` network's input is."""

    matched, _ = normalise_radiometry(before, after, "histogram")
    return model_input(before, matched, MODEL_BANDS, InputPrep("shared"))


def predict_trees(
    features: FloatArray,
    model: ModelInfo,
    *,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FloatArray:
    """Change probability per pixel from a (features, rows, cols) stack (a view of some
    rows of a larger stack will do), in chunks of whole rows."""
    session = onnx_session(str(model.path), threads)
    name = session.get_inputs()[0].name
    n_feat, rows, cols = features.shape
    out = np.empty((rows, cols), dtype="float32")
    step = max(1, TREE_CHUNK // max(cols, 1))
    starts = range(0, rows, step)
    for i, top in enumerate(starts):
        block = features[:, top : top + step]
        chunk = np.ascontiguousarray(block.reshape(n_feat, -1).T)
        out[top : top + step] = session.run(None, {name: chunk})[0][:, 0].reshape(-1, cols)
        if progress is not None:
            progress(i + 1, len(starts))
    return out


def tree_probability(
    before: GeoImage,
    after: GeoImage,
    model: ModelInfo,
    *,
    band_pixels: int = TREE_BAND_PIXELS,
    progress: Callable[[int, int], None] | None = None,
) -> FloatArray:
    """The tree model's change probability per pixel (images at its working scale).

    The features of an image over ``band_pixels`` are computed in bands of rows, each
    with :data:`~sitewatch.change.features.CONTEXT` rows of the image around it and the
    whole image's input scaling, so that memory stays bounded and the values are those
    of the whole image at once (to float rounding)."""
    valid = before.mask & after.mask
    x = masked_input(tree_input(before, after), valid)
    rows, cols = valid.shape
    step = max(1, band_pixels // max(cols, 1))
    if rows <= step:  # x is masked already: no second masking pass
        return predict_trees(pair_features(x), model, progress=progress)
    floor = floors(x)
    out = np.empty((rows, cols), dtype="float32")
    starts = range(0, rows, step)
    for i, top in enumerate(starts):
        bottom = min(rows, top + step)
        lo, hi = max(0, top - CONTEXT), min(rows, bottom + CONTEXT)
        feats = pair_features(x[:, lo:hi], floor=floor)
        out[top:bottom] = predict_trees(feats[:, top - lo : bottom - lo], model)
        if progress is not None:
            progress(i + 1, len(starts))
    return out


def ensemble_probability(
    members: Sequence[tuple[FloatArray, float]], sigma: float, valid: npt.NDArray[np.bool_]
) -> FloatArray:
    """Weighted mean of member probabilities, Gaussian-smoothed (``sigma`` px; 0 = none),
    0 outside ``valid``.  Training chooses weights and sigma with this same function."""
    total = sum(w for _, w in members)
    if total <= 0:
        raise ValueError("ensemble weights must add up to more than 0")
    prob = sum((p * (w / total) for p, w in members), np.zeros_like(members[0][0]))
    if sigma > 0:
        prob = ndimage.gaussian_filter(prob, sigma)
    out: FloatArray = np.where(valid, prob, 0.0).astype("float32")
    return out


def after_segments(
    before: GeoImage, after: GeoImage, seg: Segmentation, factor: float = 1.0
) -> npt.NDArray[np.int64]:
    """Segment labels (0..n-1) of the after-image on ``before``'s grid, segmented at
    ``factor`` times the input's size (the working scale) on its colours as the tree
    model sees them: histogram-matched to the before-image, then standardised."""
    from skimage.segmentation import felzenszwalb

    small_b, small_a = (zoomed(img, factor) for img in (before, after))
    colours = np.moveaxis(tree_input(small_b, small_a)[3:], 0, -1)
    labels: npt.NDArray[np.int64] = felzenszwalb(
        colours, scale=seg.scale, sigma=0.5, min_size=seg.min_size, channel_axis=-1
    ).astype("int64")
    if factor != 1.0:
        labels = on_grid(labels, before.shape, order=0)
    return labels


def segment_mean(
    prob: FloatArray, labels: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """Per pixel, the mean of ``prob`` over the valid pixels of its segment."""
    flat = labels.ravel()
    weight = valid.ravel().astype("float64")
    counts = np.bincount(flat, weights=weight)
    sums = np.bincount(flat, weights=prob.ravel() * weight)
    means: npt.NDArray[np.float64] = (sums / np.maximum(counts, 1.0))[labels]
    return means


def object_average(
    prob: FloatArray,
    labels: npt.NDArray[np.int64],
    valid: npt.NDArray[np.bool_],
    mix: float,
    means: npt.NDArray[np.float64] | None = None,
) -> FloatArray:
    """``mix * prob + (1 - mix) * `` the mean of ``prob`` over the valid pixels of each
    pixel's segment (``means``, when already computed by :func:`segment_mean`); 0
    outside ``valid``.  Training chooses ``mix`` with this function."""
    if means is None:
        means = segment_mean(prob, labels, valid)
    out: FloatArray = np.where(valid, mix * prob + (1.0 - mix) * means, 0.0).astype("float32")
    return out
