"""``sitewatch align REFERENCE MOVING``: co-register one image onto another."""

from __future__ import annotations

import click

from sitewatch.change.align import Shift, ShiftField, coregister, coregister_local
from sitewatch.cli.options import emit_json, json_option
from sitewatch.imagery.display import to_rgb8
from sitewatch.imagery.pairs import read_pair
from sitewatch.imagery.raster import write_cog, write_png


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
    alignment: Shift | ShiftField
    if mode == "local":
        aligned, alignment = coregister_local(ref_img, mov_img)
    else:
        aligned, alignment = coregister(ref_img, mov_img)
    report = alignment.to_dict()
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
