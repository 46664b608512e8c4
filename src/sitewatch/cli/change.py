"""``sitewatch change BEFORE AFTER --out OUT`` and ``sitewatch eval change``."""

from __future__ import annotations

from typing import Any

import click

from sitewatch.align import coregister, coregister_local
from sitewatch.change import METHODS
from sitewatch.chips import to_rgb8
from sitewatch.cli.options import emit_json, json_option, progress_bar
from sitewatch.objects import change_objects, changed_area_m2, objects_geojson
from sitewatch.pairs import read_pair
from sitewatch.pipeline import ALIGN_MODES, compare
from sitewatch.raster import write_cog, write_json, write_mask, write_png


@click.command("change")
@click.argument("before", type=click.Path(dir_okay=False))
@click.argument("after", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Mask: .png gets 0/255, anything else a uint8 GeoTIFF (1 = change).",
)
@click.option(
    "--gsd",
    type=click.FloatRange(min=0, min_open=True),
    help="Pixel size in metres (default: from the georeference).",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="auto = the learned model when it can run on these bands, else irmad.",
)
@click.option(
    "--vectors",
    type=click.Path(dir_okay=False),
    help="Also write the change objects as GeoJSON (lon/lat when georeferenced).",
)
@click.option(
    "--align",
    type=click.Choice(ALIGN_MODES),
    default="global",
    show_default=True,
    help="Co-registration of AFTER onto BEFORE: global shift, local shift field, or none.",
)
@json_option
def change_cmd(
    before: str,
    after: str,
    out: str,
    gsd: float | None,
    method: str,
    vectors: str | None,
    align: str,
    as_json: bool,
) -> None:
    """Detect change between BEFORE and AFTER (GeoTIFF/COG, STAC item JSON, or PNG/JPEG).

    AFTER is warped onto BEFORE's grid and co-registered; OUT has BEFORE's size.
    """
    img_before, img_after = read_pair(before, after)
    with progress_bar() as bar:
        task = bar.add_task("change", total=None, what="")

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        cmp = compare(img_before, img_after, method, gsd=gsd, align=align, progress=step)
    write_mask(cmp.result.mask, out, img_before)
    objects = change_objects(cmp.result, img_before, cmp.after, gsd=cmp.gsd)
    summary: dict[str, Any] = {
        "out": out,
        "method": cmp.result.method,
        "threshold": round(cmp.result.threshold, 4),
        "alignment": cmp.align_note,
        "changed_fraction": round(cmp.result.changed_fraction, 5),
        "objects": len(objects),
        "changed_area_m2": round(changed_area_m2(objects), 1) if cmp.gsd else None,
        "details": cmp.result.details,
    }
    if vectors:
        write_json(
            objects_geojson(objects, before=before, after=after, method=cmp.result.method), vectors
        )
        summary["vectors"] = vectors
    if as_json:
        emit_json(summary)
        return
    area = summary["changed_area_m2"]
    click.echo(f"method {summary['method']} (threshold {summary['threshold']}); {cmp.align_note}")
    click.echo(
        f"changed {summary['changed_fraction']:.2%} of valid pixels, {len(objects)} object(s)"
        + (f", {area:,.0f} m2" if area is not None else "")
    )
    click.echo(f"wrote {out}" + (f" and {vectors}" if vectors else ""))


@click.group("eval")
def eval_group() -> None:
    """Score detectors on the labelled datasets in the data folder."""


@eval_group.command("change")
@click.option("--dataset", type=click.Choice(["oscd", "airchange"]), required=True)
@click.option(
    "--method", type=click.Choice(["model", "cva", "irmad"]), default="model", show_default=True
)
@click.option(
    "--protocol",
    type=click.Choice(["cv", "cross"]),
    default="cv",
    show_default=True,
    help="cv: cross-validation folds; cross: model trained on the other dataset only.",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False),
    help="Data folder (default: SITEWATCH_DATA or ../shared/data).",
)
@click.option(
    "--bands",
    "family",
    type=click.Choice(["auto", "rgb", "s2", "trees", "aerial"]),
    default="auto",
    show_default=True,
    help="Model family: rgb or s2 networks, trees (RGB features), aerial (network and "
    "trees averaged); auto = s2 for OSCD, aerial for airchange, else rgb.",
)
@json_option
def eval_change(
    dataset: str, method: str, protocol: str, data: str | None, family: str, as_json: bool
) -> None:
    """Precision, recall, F1 and IoU of the change class, per pair and pooled."""
    from sitewatch.datasets import load_pairs
    from sitewatch.demo import data_dir
    from sitewatch.evaluation import evaluate_change

    pairs = load_pairs(data_dir(data), dataset)
    with progress_bar() as bar:
        task = bar.add_task(f"eval {dataset}", total=len(pairs), what="")

        def step(name: str) -> None:
            bar.update(task, advance=1, what=name)

        report = evaluate_change(pairs, method, protocol, family=family, progress=step)
    report["dataset"] = dataset
    if as_json:
        emit_json(report)
        return
    from rich.table import Table

    from sitewatch.cli.options import console

    table = Table(title=f"{dataset}: {report['how']}")
    for col in ("pair", "precision", "recall", "F1", "IoU"):
        table.add_column(col)
    rows = [*report["pairs"].items(), ("overall (pooled)", report["overall"])]
    for name, s in rows:
        table.add_row(name, *(f"{s[k]:.3f}" for k in ("precision", "recall", "f1", "iou")))
    console().print(table)


@click.command("align")
@click.argument("reference", type=click.Path(dir_okay=False))
@click.argument("moving", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write MOVING aligned onto REFERENCE's grid (GeoTIFF/COG, or .png for a picture).",
)
@click.option("--mode", type=click.Choice(["global", "local"]), default="global", show_default=True)
@json_option
def align_cmd(reference: str, moving: str, out: str | None, mode: str, as_json: bool) -> None:
    """Measure (and optionally apply) the sub-pixel shift of MOVING against REFERENCE."""
    ref_img, mov_img = read_pair(reference, moving)
    if mode == "local":
        aligned, shift_field = coregister_local(ref_img, mov_img)
        report: dict[str, Any] = {
            "mode": "local",
            "points": len(shift_field.points),
            "accepted": shift_field.accepted,
            "reliability": round(shift_field.reliability, 4),
            "residual_rmse_px": round(shift_field.residual_rmse, 4),
            "dy_range_px": [
                round(float(shift_field.dy.min()), 3),
                round(float(shift_field.dy.max()), 3),
            ],
            "dx_range_px": [
                round(float(shift_field.dx.min()), 3),
                round(float(shift_field.dx.max()), 3),
            ],
            "tie_points": [
                {
                    "row": p.row,
                    "col": p.col,
                    "dy": round(p.dy, 4),
                    "dx": round(p.dx, 4),
                    "reliability": round(p.reliability, 4),
                    "accepted": p.accepted,
                    "reason": p.reason,
                }
                for p in shift_field.points
            ],
        }
    else:
        aligned, shift = coregister(ref_img, mov_img)
        report = {
            "mode": "global",
            "dy_px": round(shift.dy, 4),
            "dx_px": round(shift.dx, 4),
            "magnitude_px": round(shift.magnitude, 4),
            "reliability": round(shift.reliability, 4),
            "valid_fraction": round(shift.valid_fraction, 4),
        }
    if out:
        if out.lower().endswith(".png"):
            write_png(to_rgb8(aligned), out)
        elif aligned.is_georeferenced:
            write_cog(aligned, out)
        else:
            raise click.UsageError("a plain pixel grid can only be written as .png")
        report["out"] = out
    if as_json:
        emit_json(report)
        return
    if mode == "local":
        click.echo(
            f"local: {report['accepted']}/{report['points']} windows kept, residual "
            f"{report['residual_rmse_px']} px, dy {report['dy_range_px']}, "
            f"dx {report['dx_range_px']}"
        )
    else:
        click.echo(
            f"shift dy {report['dy_px']:+.3f} px, dx {report['dx_px']:+.3f} px "
            f"(reliability {report['reliability']:.2f})"
        )
