"""``sitewatch movement BEFORE AFTER``: arrivals and departures between two dates."""

from __future__ import annotations

from pathlib import Path

import click

from sitewatch.cli.options import (
    POSITIVE,
    CliState,
    StepFn,
    emit_json,
    json_option,
    pass_state,
    with_progress,
)
from sitewatch.detection.detector import Detection, default_detector, detect_file
from sitewatch.detection.movement import movement, place, read_detections
from sitewatch.errors import InputNotFoundError
from sitewatch.geo.grid import GeoImage


@click.command("movement")
@click.argument("before", type=click.Path(dir_okay=False))
@click.argument("after", type=click.Path(dir_okay=False))
@click.option("--site", "site_id", help="Site id: counts are also split by its zones.")
@click.option(
    "--gsd",
    type=POSITIVE,
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
    site = state.store.get_site(site_id) if site_id else None
    placed = []
    for path in (before, after):
        if not Path(path).exists():
            raise InputNotFoundError(f"{path} does not exist")
        if path.lower().endswith((".geojson", ".json")):
            placed.append(read_detections(path, gsd))
        else:

            def work(step: StepFn, image: str = path) -> tuple[list[Detection], GeoImage]:
                return detect_file(image, default_detector(), gsd=gsd, progress=step)

            dets, frame = with_progress(f"detect {Path(path).name}", work)
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
