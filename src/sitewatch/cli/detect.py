"""``sitewatch detect IMAGE --out DETS.geojson``: vehicles and aircraft as GeoJSON."""

from __future__ import annotations

from pathlib import Path

import click

from sitewatch.cli.options import (
    POSITIVE,
    FiniteFloat,
    emit_json,
    json_option,
    split_list,
    with_progress,
)
from sitewatch.detection.detector import (
    CLASSES,
    counts,
    default_detector,
    detect_file,
    detections_geojson,
)
from sitewatch.errors import InputNotFoundError
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
@click.argument("image", type=click.Path(dir_okay=False))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="GeoJSON FeatureCollection."
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
@json_option
def detect_cmd(
    image: str, out: str, gsd: float | None, classes: str, min_score: float | None, as_json: bool
) -> None:
    """Detect vehicles and aircraft in IMAGE; write boxes as GeoJSON and print counts."""
    if not Path(image).exists():
        raise InputNotFoundError(f"{image} does not exist")
    chosen = _classes(classes)
    dets, frame = with_progress(
        f"detect {Path(image).name}",
        lambda step: detect_file(
            image, default_detector(), gsd=gsd, classes=chosen, min_score=min_score, progress=step
        ),
    )
    fc = detections_geojson(dets, frame, image=image, gsd_m=float(frame.meta["gsd"]))
    write_json(fc, out)
    summary = counts(dets)
    if as_json:
        emit_json({"out": out, "counts": summary})
        return
    click.echo(", ".join(f"{c}: {n}" for c, n in summary.items()) + f"; wrote {out}")
