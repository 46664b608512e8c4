"""Train the siamese change model on OSCD and SZTAKI Szada, and export it to ONNX.

One command trains every model the package ships and writes the manifest::

    python -m sitewatch.train.change --out src/sitewatch/models/change --seed 0

Two families: ``rgb`` (red, green, blue: any sensor; trained on OSCD and SZTAKI
Szada together) and ``s2`` (Sentinel-2's six 10/20 m bands; OSCD only).  It trains,
each for the same number of steps with the same seed:

* ``<family>-fold-K.onnx`` for K in 0..6: leave-cities-out folds; fold K holds out
  OSCD cities K and K+7 (and, for rgb, Szada pair K+1), so every labelled city and
  pair is scored by exactly one model that never saw it;
* ``rgb-oscd-only.onnx`` and ``rgb-airchange-only.onnx``: cross-dataset scores;
* ``<family>-all.onnx``: trained on everything; what ``sitewatch change`` uses.

A third family, ``vhr`` (true colour at 0.2-2 m), is trained on every true-colour
source: the ``vhr-change`` pairs (DSIFN, NCC, CDD), SZTAKI Szada and OSCD's true-colour
bands, with finer pairs brought to 1 m, each source sharing the crops equally, and
stronger augmentation (scale 0.5-2x; per date: colour shifts, haze, blur; a
misregistration of up to 2 px).  ``vhr-fold-<source>`` holds out one source entirely
(Szada, DSIFN or NCC): ``sitewatch eval change --dataset vhr --protocol
leave-source-out`` scores each source with the fold that never saw it.  Train only it
with ``--only vhr-fold-szada,vhr-fold-dsifn,vhr-fold-ncc,vhr-all``.

Decision thresholds are chosen from out-of-fold predictions on each model's own
training pairs (see :func:`calibrate`), never on the data it is scored on.

Architecture: FC-Siam-diff style; a shared encoder of four levels (widths
16-32-48-64), absolute feature differences as skip connections, and a light
decoder; about 0.23 M parameters.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812
from scipy import ndimage
from torch import nn

from sitewatch.change.models import (
    BAND_SETS,
    STRIDE,
    InputPrep,
    PrepKind,
    fit_normalisation,
    model_info,
    model_input,
    on_grid,
    predict_probability,
    working_factor,
    zoomed,
)
from sitewatch.datasets.change import (
    ChangePair,
    airchange_pairs,
    oscd_cities,
    oscd_pairs,
    vhr_pairs,
)
from sitewatch.datasets.paths import data_dir
from sitewatch.evaluation.metrics import best_threshold
from sitewatch.train.export import export_onnx

WIDTHS = (16, 32, 48, 64)
N_FOLDS = 7
#: How each family's input is scaled (see sitewatch.change.models.InputPrep): true colour
#: standardised per image with one scale for all bands; Sentinel-2 through fixed
#: per-band constants fitted on each model's own training images.
FAMILY_PREP: dict[str, PrepKind] = {"rgb": "shared", "s2": "fixed", "vhr": "shared"}
#: The ``vhr`` family: sources held out one at a time (leave-one-source-out folds), the
#: working pixel size its inputs are brought to, and which sources share a sampling
#: group (CDD's one seasonal pair joins DSIFN: both are Google Earth crops).
VHR_HELD_OUT = ("szada", "dsifn", "ncc")
VHR_WORKING_GSD = 1.0
VHR_GROUPS = {"cdd": "dsifn"}
#: Folds a family must have before its thresholds are calibrated out of fold.
FAMILY_FOLDS = {"rgb": 7, "s2": 7, "vhr": len(VHR_HELD_OUT)}


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SiamDiff(nn.Module):
    """Siamese encoder with absolute-difference skips; input (N, 6, H, W), H, W % 8 == 0."""

    def __init__(self, bands: int = 3, widths: Sequence[int] = WIDTHS) -> None:
        super().__init__()
        self.bands = bands
        w = list(widths)
        self.enc = nn.ModuleList([_block(bands, w[0])] + [_block(w[i], w[i + 1]) for i in range(3)])
        self.dec = nn.ModuleList([_block(w[i + 1] + w[i], w[i]) for i in range(3)])
        self.head = nn.Conv2d(w[0], 1, 1)

    def _encode(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for i, block in enumerate(self.enc):
            if i:
                x = F.max_pool2d(x, 2)
            x = block(x)
            feats.append(x)
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self._encode(x[:, : self.bands])
        b = self._encode(x[:, self.bands :])
        diffs = [torch.abs(fa - fb) for fa, fb in zip(a, b, strict=True)]
        y = diffs[-1]
        for i in (2, 1, 0):
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            y = self.dec[i](torch.cat([y, diffs[i]], dim=1))
        out: torch.Tensor = self.head(y)
        return out


@dataclass
class Sample:
    """A prepared training pair: model input, label, valid mask, and the group (its
    dataset or source) that shares the crops equally with the other groups."""

    name: str
    x: npt.NDArray[np.float32]
    label: npt.NDArray[np.bool_]
    valid: npt.NDArray[np.bool_]
    dataset: str


def at_working_scale(pair: ChangePair, working: float) -> ChangePair:
    """``pair`` resampled to ``working`` metres per pixel when it is finer (the label by
    area: a working pixel is change when most of it is), else unchanged."""
    factor = working_factor(pair.gsd, working)
    if factor == 1.0:
        return pair
    before, after = (zoomed(img, factor) for img in (pair.before, pair.after))
    share = on_grid(pair.label.astype("float32"), before.shape, order=1)
    return replace(pair, before=before, after=after, label=share >= 0.5, gsd=working)


def prepare(
    pair: ChangePair,
    bands: tuple[str, ...],
    prep: InputPrep = InputPrep(),  # noqa: B008 (frozen, immutable default)
    group: str = "",
) -> Sample:
    x = model_input(pair.before, pair.after, bands, prep)
    return Sample(pair.name, x, pair.label, pair.valid, group or pair.dataset)


class Sampler:
    """Random crops with scale, flip, rotation, date-swap and brightness augmentation."""

    def __init__(
        self,
        samples: Sequence[Sample],
        crop: int,
        rng: np.random.Generator,
        *,
        strong: bool = False,
    ) -> None:
        self.samples = list(samples)
        self.crop = crop
        self.rng = rng
        self.strong = strong
        # Each dataset gets half the crops (when both are present), pairs by area within.
        by_ds: dict[str, list[int]] = {}
        for i, s in enumerate(self.samples):
            by_ds.setdefault(s.dataset, []).append(i)
        weights = np.zeros(len(self.samples))
        for idx in by_ds.values():
            areas = np.array([self.samples[i].label.size for i in idx], dtype="float64")
            weights[idx] = areas / areas.sum() / len(by_ds)
        self.weights = weights / weights.sum()
        self.change_px = [np.argwhere(s.label & s.valid) for s in self.samples]

    def one(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        rng = self.rng
        i = int(rng.choice(len(self.samples), p=self.weights))
        s = self.samples[i]
        low, high = (0.5, 2.0) if self.strong else (0.7, 1.4)
        scale = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        size = max(STRIDE, round(self.crop * scale))
        rows, cols = s.label.shape
        size = min(size, rows, cols)
        pts = self.change_px[i]
        if len(pts) and rng.random() < 0.5:
            cy, cx = pts[rng.integers(len(pts))]
            y0 = int(np.clip(cy - rng.integers(size), 0, rows - size))
            x0 = int(np.clip(cx - rng.integers(size), 0, cols - size))
        else:
            y0 = int(rng.integers(rows - size + 1))
            x0 = int(rng.integers(cols - size + 1))
        x = torch.from_numpy(s.x[:, y0 : y0 + size, x0 : x0 + size].copy())
        t = torch.from_numpy(
            np.stack([s.label, s.valid])[:, y0 : y0 + size, x0 : x0 + size].astype("float32")
        )
        if size != self.crop:
            x = F.interpolate(x[None], size=(self.crop, self.crop), mode="bilinear")[0]
            t = F.interpolate(t[None], size=(self.crop, self.crop), mode="nearest")[0]
        xa, ta = x.numpy().copy(), t.numpy().copy()
        k = int(rng.integers(4))
        xa, ta = np.rot90(xa, k, axes=(1, 2)), np.rot90(ta, k, axes=(1, 2))
        if rng.random() < 0.5:
            xa, ta = xa[:, :, ::-1], ta[:, :, ::-1]
        nb = xa.shape[0] // 2
        if rng.random() < 0.5:
            xa = np.concatenate([xa[nb:], xa[:nb]])
        gain = rng.uniform(0.85, 1.15, size=(2, 1, 1, 1))
        bias = rng.uniform(-0.15, 0.15, size=(2, nb, 1, 1))
        xa = (xa.reshape(2, nb, self.crop, self.crop) * gain + bias).reshape(xa.shape)
        if self.strong:
            xa = self._between_dates(xa.reshape(2, nb, self.crop, self.crop)).reshape(xa.shape)
        return np.ascontiguousarray(xa, dtype="float32"), np.ascontiguousarray(ta)

    def _between_dates(self, x: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
        """What differs between two dates and two sensors without construction, each at
        random and to one date only: per-band colour shifts, haze (contrast pulled
        towards a bright veil), blur, and a misregistration of up to 2 pixels."""
        rng = self.rng
        out = x.astype("float32")
        for d in range(2):
            if rng.random() < 0.5:
                out[d] = out[d] * rng.uniform(0.8, 1.2, size=(x.shape[1], 1, 1)) + rng.uniform(
                    -0.3, 0.3, size=(x.shape[1], 1, 1)
                )
            if rng.random() < 0.2:
                a = rng.uniform(0.1, 0.5)
                out[d] = out[d] * (1 - a) + a * rng.uniform(0.5, 2.0)
            if rng.random() < 0.2:
                out[d] = ndimage.gaussian_filter(out[d], (0, *(2 * [rng.uniform(0.5, 1.5)])))
        if rng.random() < 0.3:
            dy, dx = (int(v) for v in rng.integers(-2, 3, size=2))
            out[1] = np.roll(out[1], (dy, dx), axis=(1, 2))
        return out

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ts = zip(*(self.one() for _ in range(n)), strict=True)
        return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ts))


def loss_fn(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Masked BCE plus soft Dice on the change class."""
    label, valid = target[:, :1], target[:, 1:]
    bce = F.binary_cross_entropy_with_logits(logits, label, reduction="none")
    bce = (bce * valid).sum() / valid.sum().clamp(min=1.0)
    prob = torch.sigmoid(logits) * valid
    inter = (prob * label).sum()
    dice = 1.0 - (2 * inter + 1.0) / (prob.sum() + (label * valid).sum() + 1.0)
    return bce + dice


def train_model(
    samples: Sequence[Sample],
    *,
    steps: int,
    seed: int,
    crop: int = 96,
    batch: int = 12,
    lr: float = 3e-3,
    log_every: int = 50,
    tag: str = "",
    strong: bool = False,
) -> SiamDiff:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SiamDiff(bands=samples[0].x.shape[0] // 2)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    sampler = Sampler(samples, crop, rng, strong=strong)
    model.train()
    start = time.perf_counter()
    running = 0.0
    for step in range(1, steps + 1):
        x, t = sampler.batch(batch)
        loss = loss_fn(model(x), t)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        sched.step()
        running += loss.item()
        if step % log_every == 0:
            el = time.perf_counter() - start
            print(
                f"[{tag}] step {step}/{steps} loss {running / log_every:.4f} {el:.0f}s", flush=True
            )
            running = 0.0
    model.eval()
    return model


def calibrate(
    manifest: dict[str, Any], folder: Path, pairs: Mapping[str, Sequence[ChangePair]]
) -> None:
    """Re-choose thresholds from out-of-fold predictions, without touching scored data.

    Each fold model scores the pairs it held out.  Fold K's threshold is then the
    best pooled-F1 threshold over the out-of-fold predictions of the *other* folds'
    pairs (all of them training pairs of fold K, predicted by models that did not see
    them), which estimates how the model behaves on unseen data far better than its
    own training predictions.  ``*-all`` models use every out-of-fold prediction of
    their family; ``rgb-<dataset>-only`` models those of their training dataset.  The
    ``vhr`` folds hold out whole sources, so each fold's threshold comes from the other
    sources' out-of-fold predictions.
    """
    models: dict[str, dict[str, Any]] = manifest["models"]
    for family, fam_pairs in pairs.items():
        folds = {n: e for n, e in models.items() if e.get("family") == family and "held_out" in e}
        oof: dict[str, tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]] = {}
        by_name = {p.name: p for p in fam_pairs}
        for entry in folds.values():
            info = model_info(entry, folder)
            for name in entry["held_out"]:
                p = by_name[name]
                prob = predict_probability(p.before, p.after, info, gsd=p.gsd)
                oof[name] = (prob[p.valid], p.label[p.valid])
        if len(folds) < FAMILY_FOLDS[family]:
            continue

        def best(names: Sequence[str], oof: dict[str, Any] = oof) -> float:
            probs = np.concatenate([oof[n][0] for n in names])
            labels = np.concatenate([oof[n][1] for n in names])
            return best_threshold(probs, labels)

        for name, entry in models.items():
            if entry.get("family") != family:
                continue
            if "held_out" in entry:
                pool = [n for n in oof if n not in entry["held_out"]]
            elif family == "vhr":
                pool = list(oof)
            else:
                datasets = set(entry.get("trained_on", []))
                pool = [n for n in oof if by_name[n].dataset in datasets]
            entry["threshold"] = round(best(pool), 4)
            entry["threshold_basis"] = (
                f"best pooled F1 over out-of-fold predictions on {len(pool)} of its "
                "training pairs (never on pairs it is scored on)"
            )
            print(f"[{name}] calibrated threshold {entry['threshold']}", flush=True)


def fold_of(index: int, n_folds: int = N_FOLDS) -> int:
    return index % n_folds


def plan_vhr_jobs(
    vhr: Sequence[ChangePair], oscd: Sequence[ChangePair]
) -> list[tuple[str, str, list[ChangePair], dict[str, Any]]]:
    """The ``vhr`` family: true colour from every source (the ``vhr-change`` pairs,
    SZTAKI Szada and OSCD's true-colour bands); ``vhr-fold-<source>`` holds out one of
    :data:`VHR_HELD_OUT` entirely, ``vhr-all`` trains on everything."""
    pairs = [*vhr, *oscd]
    jobs: list[tuple[str, str, list[ChangePair], dict[str, Any]]] = []
    for source in VHR_HELD_OUT:
        held = sorted(p.name for p in pairs if p.source == source)
        train = [p for p in pairs if p.source != source]
        jobs.append((f"vhr-fold-{source}", "vhr", train,
                     {"held_out": held, "held_out_sources": [source]}))  # fmt: skip
    sources = sorted({p.source for p in pairs})
    jobs.append(("vhr-all", "vhr", pairs, {"trained_on": sources}))
    return jobs


def plan_jobs(
    oscd: Sequence[ChangePair], szada: Sequence[ChangePair]
) -> list[tuple[str, str, list[ChangePair], dict[str, Any]]]:
    """(name, family, training pairs, manifest extras) for every model to train.

    ``rgb`` models train on OSCD and Szada together; fold K holds out OSCD cities K and
    K+7 and Szada pair K+1.  ``s2`` models use Sentinel-2's six bands, OSCD only, with
    the same city folds.
    """
    jobs: list[tuple[str, str, list[ChangePair], dict[str, Any]]] = []
    for family in ("rgb", "s2"):
        ox = list(oscd)
        sx = list(szada) if family == "rgb" else []
        for k in range(N_FOLDS):
            held = {s.name for i, s in enumerate(ox) if fold_of(i) == k}
            held |= {s.name for i, s in enumerate(sx) if fold_of(i) == k}
            train = [s for s in ox + sx if s.name not in held]
            jobs.append((f"{family}-fold-{k}", family, train, {"held_out": sorted(held)}))
        if family == "rgb":
            jobs.append(("rgb-oscd-only", family, ox, {"trained_on": ["oscd"]}))
            jobs.append(("rgb-airchange-only", family, sx, {"trained_on": ["airchange"]}))
        trained_on = ["oscd", "airchange"] if sx else ["oscd"]
        jobs.append((f"{family}-all", family, ox + sx, {"trained_on": trained_on}))
    return jobs


def job_prep(family: str, pairs: Sequence[ChangePair]) -> InputPrep:
    """The input preparation of one model: fixed constants come from its own training
    images only."""
    bands = BAND_SETS[family]
    if FAMILY_PREP[family] == "fixed":
        images = [img for p in pairs for img in (p.before, p.after)]
        return InputPrep.fixed(fit_normalisation(images, bands))
    return InputPrep(FAMILY_PREP[family])


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("src/sitewatch/models/change"))
    p.add_argument("--data", type=Path, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--only", default="", help="comma-separated model names to (re)train")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--calibrate-only", action="store_true", help="only re-choose thresholds (no training)"
    )
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    root = data_dir(args.data)
    cities = oscd_cities(root / "oscd")
    oscd_raw = list(oscd_pairs(root / "oscd", cities))
    szada_raw = list(airchange_pairs(root / "airchange"))
    vhr_raw = [*vhr_pairs(root / "vhr-change"), *szada_raw]
    only = {n for n in args.only.split(",") if n}
    manifest_path = args.out / "manifest.json"
    manifest: dict[str, Any] = (
        json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    )
    manifest.setdefault("models", {})
    manifest.setdefault("default", {})
    tile = 256
    jobs = sorted(
        plan_jobs(oscd_raw, szada_raw), key=lambda j: (not j[0].endswith("-all"), j[1] != "s2")
    ) + plan_vhr_jobs(vhr_raw, oscd_raw)
    # Inputs that do not depend on the training set are prepared once per pair.
    cache: dict[tuple[str, str], Sample] = {}
    trained: set[str] = set()
    for name, family, pairs, extra in jobs:
        if args.calibrate_only or (only and name not in only):
            continue
        t0 = time.perf_counter()
        prep = job_prep(family, pairs)
        if prep.kind == "fixed":
            train = [prepare(pair, BAND_SETS[family], prep) for pair in pairs]
        else:
            for pair in pairs:
                if (family, pair.name) not in cache:
                    cache[family, pair.name] = _sample(family, pair, prep)
            train = [cache[family, pair.name] for pair in pairs]
        model = train_model(
            train, steps=args.steps, seed=args.seed, tag=name, strong=family == "vhr"
        )
        path = args.out / f"{name}.onnx"
        export_onnx(model, path, 2 * model.bands, "logit")
        threshold = 0.5  # replaced by calibrate() once all folds exist
        entry = {
            "file": path.name,
            "family": family,
            "threshold": round(threshold, 4),
            "threshold_basis": "default 0.5, not calibrated yet",
            "min_gsd": VHR_WORKING_GSD if family == "vhr" else 1.0,
            **({"max_gsd": 2.0} if family == "vhr" else {}),
            "tile": tile,
            "bands": list(BAND_SETS[family]),
            **prep.manifest_fields(),
            "trained_on_pairs": sorted(p.name for p in pairs),
            "steps": args.steps,
            "seed": args.seed,
            "parameters": sum(p.numel() for p in model.parameters()),
            "train_seconds": round(time.perf_counter() - t0, 1),
            **extra,
        }
        manifest["models"][name] = entry
        trained.add(family)
        if name.endswith("-all") and family != "vhr":
            manifest["default"][family] = name
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        print(f"[{name}] threshold {threshold:.3f}, {entry['train_seconds']} s", flush=True)
    families = {"rgb": [*oscd_raw, *szada_raw], "s2": oscd_raw, "vhr": [*vhr_raw, *oscd_raw]}
    calibrate(
        manifest,
        args.out,
        {f: p for f, p in families.items() if args.calibrate_only or f in trained},
    )
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")


def _sample(family: str, pair: ChangePair, prep: InputPrep) -> Sample:
    """One pair prepared for a family: ``vhr`` pairs at its working scale, sampled in
    their source's group."""
    if family != "vhr":
        return prepare(pair, BAND_SETS[family], prep)
    group = VHR_GROUPS.get(pair.source, pair.source)
    return prepare(at_working_scale(pair, VHR_WORKING_GSD), BAND_SETS[family], prep, group)


if __name__ == "__main__":
    main()
