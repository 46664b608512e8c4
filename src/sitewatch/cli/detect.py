"""``sitewatch detect IMAGE --out DETS.geojson`` (or many images ``--out-dir DIR``):
vehicles and aircraft as GeoJSON."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from sitewatch.cli.options import (
    POSITIVE,
    FiniteFloat,
    detector_option,
    emit_json,
    end_batch,
    json_option,
    progress_bar,
    split_list,
)
from sitewatch.detection.detector import (
    CLASSES,
    DetectorInfo,
    counts,
    default_detector,
    detect_file,
    detections_geojson,
)
from sitewatch.errors import InputNotFoundError, SitewatchError
from sitewatch.imagery.raster import write_json


def _classes(text: str | None) -> tuple[str, ...]:
    chosen = tuple(split_list(text) or CLASSES)
    bad = [c for c in chosen if c not in CLASSES]
    if bad:
        raise click.BadParameter(
            f"unknown class(es) {', '.join(bad)}; choose from {', '.join(CLASSES)}"
        )
    return chosen


@click.command("detect")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out", type=click.Path(dir_okay=False), help="GeoJSON FeatureCollection (one image)."
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False),
    help="Folder for many images: one DIR/<image stem>.geojson each.",
)
@click.option(
    "--gsd",
    type=POSITIVE,
    help="Pixel size in metres (default: from the georeference; required for plain pictures).",
)
@click.option("--classes", default="vehicle,aircraft", show_default=True)
@click.option(
    "--min-score",
    type=FiniteFloat(0, 1),
    help="Score threshold (default: per class, chosen on validation data).",
)
@detector_option
@json_option
def detect_cmd(
    images: tuple[str, ...],
    out: str | None,
    out_dir: str | None,
    gsd: float | None,
    classes: str,
    min_score: float | None,
    model_dir: Path | None,
    as_json: bool,
) -> None:
    """Detect vehicles and aircraft in IMAGES; write boxes as GeoJSON and print counts.

    One image: `--out FILE`. Many in one call (the model is loaded once): `--out-dir DIR`,
    one `DIR/<image stem>.geojson` each. A batch goes on past an image that cannot be
    read, lists it on stderr and exits 1 (2 when its only image failed)."""
    if (out is None) == (out_dir is None):
        raise click.UsageError("give --out FILE (one image) or --out-dir DIR")
    if out is not None and len(images) > 1:
        raise click.UsageError(f"{len(images)} images need --out-dir DIR, not --out")
    targets = [Path(out)] if out is not None else batch_outputs(images, Path(out_dir or "."))
    chosen = _classes(classes)
    info = default_detector(model_dir)
    rows: list[dict[str, Any]] = []  # per image, in order: its result or its error
    failed: list[tuple[str, str]] = []
    with progress_bar() as bar:
        task = bar.add_task("detect", total=len(images), what="")
        for n, (image, target) in enumerate(zip(images, targets, strict=True)):
            bar.update(task, completed=n, what=Path(image).name)

            def windows(done: int, total: int) -> None:  # one image: its windows
                bar.update(task, completed=done, total=total)

            step = windows if len(images) == 1 else None
            try:
                rows.append(_detect_one(image, target, info, gsd, chosen, min_score, step))
            except SitewatchError as exc:
                if len(images) == 1:
                    raise
                failed.append((image, str(exc)))
                rows.append({"image": image, "error": str(exc)})
        bar.update(task, completed=len(images))
    if as_json:
        emit_json(rows[0] if out is not None else rows)
    else:
        for r in rows:
            if "counts" in r:
                line = ", ".join(f"{c}: {k}" for c, k in r["counts"].items())
                click.echo(f"{line}; wrote {r['out']}")
    end_batch(failed, len(images), "image(s)")


def batch_outputs(images: Sequence[str], folder: Path) -> list[Path]:
    """``folder/<stem>.geojson`` per image; two images with one stem are refused (one
    would overwrite the other)."""
    stems: dict[str, str] = {}
    for image in images:
        stem = Path(image).stem
        if stem in stems:
            raise click.BadParameter(
                f"{stems[stem]} and {image} would both write {stem}.geojson; rename one",
                param_hint="IMAGES",
            )
        stems[stem] = image
    return [folder / f"{Path(i).stem}.geojson" for i in images]


def _detect_one(
    image: str,
    target: Path,
    info: DetectorInfo,
    gsd: float | None,
    classes: tuple[str, ...],
    min_score: float | None,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Any]:
    if not Path(image).exists():
        raise InputNotFoundError(f"{image} does not exist")
    dets, frame = detect_file(
        image, info, gsd=gsd, classes=classes, min_score=min_score, progress=progress
    )
    fc = detections_geojson(dets, frame, image=image, gsd_m=float(frame.meta["gsd"]))
    write_json(fc, target)
    return {"image": image, "out": str(target), "counts": counts(dets)}
