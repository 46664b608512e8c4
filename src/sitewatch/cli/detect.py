"""``sitewatch detect``, ``sitewatch movement`` and ``sitewatch eval detect``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sitewatch.cli.change import eval_group
from sitewatch.cli.options import (
    CliState,
    emit_json,
    json_option,
    pass_state,
    progress_bar,
    split_list,
)
from sitewatch.detect import CLASSES, counts, default_detector, detect_file, detections_geojson
from sitewatch.raster import write_json


def _classes(text: str | None) -> tuple[str, ...]:
    chosen = tuple(split_list(text) or CLASSES)
    bad = [c for c in chosen if c not in CLASSES]
    if bad:
        raise click.BadParameter(
            f"unknown class(es) {', '.join(bad)}; choose from {', '.join(CLASSES)}"
        )
    return chosen


def _run_detect(
    image: str, gsd: float | None, classes: tuple[str, ...], min_score: float | None
) -> tuple[list[Any], Any]:
    info = default_detector()
    with progress_bar() as bar:
        task = bar.add_task(f"detect {Path(image).name}", total=None, what="")

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return detect_file(
            image, info, gsd=gsd, classes=classes, min_score=min_score, progress=step
        )


@click.command("detect")
@click.argument("image", type=click.Path(dir_okay=False))
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="GeoJSON FeatureCollection."
)
@click.option(
    "--gsd",
    type=click.FloatRange(min=0, min_open=True),
    help="Pixel size in metres (default: from the georeference; required for plain pictures).",
)
@click.option("--classes", default="vehicle,aircraft", show_default=True)
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    help="Score threshold (default: per class, chosen on validation data).",
)
@json_option
def detect_cmd(
    image: str, out: str, gsd: float | None, classes: str, min_score: float | None, as_json: bool
) -> None:
    """Detect vehicles and aircraft in IMAGE; write boxes as GeoJSON and print counts."""
    if not Path(image).exists():
        from sitewatch.errors import InputNotFoundError

        raise InputNotFoundError(f"{image} does not exist")
    dets, frame = _run_detect(image, gsd, _classes(classes), min_score)
    fc = detections_geojson(dets, frame, image=image, gsd_m=float(frame.meta["gsd"]))
    write_json(fc, out)
    summary = counts(dets)
    if as_json:
        emit_json({"out": out, "counts": summary})
        return
    click.echo(", ".join(f"{c}: {n}" for c, n in summary.items()) + f"; wrote {out}")


@click.command("movement")
@click.argument("before", type=click.Path(dir_okay=False))
@click.argument("after", type=click.Path(dir_okay=False))
@click.option("--site", "site_id", help="Site id: counts are also split by its zones.")
@click.option(
    "--gsd",
    type=click.FloatRange(min=0, min_open=True),
    help="Pixel size in metres for plain pictures or pixel-only detection files.",
)
@json_option
@pass_state
def movement_cmd(
    state: CliState, before: str, after: str, site_id: str | None, gsd: float | None, as_json: bool
) -> None:
    """Vehicles and aircraft that arrived, departed or stayed between BEFORE and AFTER.

    BEFORE/AFTER are co-registered images (detected now) or `sitewatch detect` GeoJSON.
    """
    from sitewatch.movement import movement, place, read_detections

    site = state.store.get_site(site_id) if site_id else None
    placed = []
    for path in (before, after):
        if not Path(path).exists():
            from sitewatch.errors import InputNotFoundError

            raise InputNotFoundError(f"{path} does not exist")
        if path.lower().endswith((".geojson", ".json")):
            placed.append(read_detections(path, gsd))
        else:
            dets, frame = _run_detect(path, gsd, CLASSES, None)
            placed.append(place(dets, frame, gsd or float(frame.meta["gsd"])))
    report = movement(placed[0], placed[1], site=site).to_dict()
    report["before"], report["after"] = before, after
    if as_json:
        emit_json(report)
        return
    for cls, row in report["counts"].items():
        click.echo(
            f"{cls}: {row['before']} -> {row['after']}; arrived {row['arrived']}, "
            f"departed {row['departed']}, stayed {row['stayed']}"
        )


@eval_group.command("detect")
@click.option("--dataset", type=click.Choice(["kit-ais", "minsk-drone", "airbus"]), required=True)
@click.option(
    "--data",
    type=click.Path(file_okay=False),
    help="Data folder (default: SITEWATCH_DATA or ../shared/data).",
)
@json_option
def eval_detect(dataset: str, data: str | None, as_json: bool) -> None:
    """AP50, precision/recall/F1 at the default thresholds and count error on the test split."""
    from sitewatch.demo import data_dir
    from sitewatch.detdata import load_detection
    from sitewatch.evaluation import evaluate_detection

    images = [im for im in load_detection(data_dir(data), dataset) if im.split == "test"]
    with progress_bar() as bar:
        task = bar.add_task(f"eval {dataset}", total=None, what="")

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = evaluate_detection(images, default_detector(), progress=step)
    report["dataset"] = dataset
    if as_json:
        emit_json(report)
        return
    for name, s in report["results"].items():
        click.echo(
            f"{name}: AP50 {s['ap50']:.3f}, P {s['precision']:.3f}, R {s['recall']:.3f}, "
            f"F1 {s['f1']:.3f}, count error {s['count_error']}, objects {s['objects']}"
        )
