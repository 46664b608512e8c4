"""``sitewatch change BEFORE AFTER --out OUT``: change mask, objects and summary."""

from __future__ import annotations

from typing import Any

import click

from sitewatch.change.compare import ALIGN_MODES, compare
from sitewatch.change.detect import METHODS
from sitewatch.change.objects import change_objects, changed_area_m2, objects_geojson
from sitewatch.cli.options import POSITIVE, emit_json, json_option, with_progress
from sitewatch.imagery.pairs import read_pair
from sitewatch.imagery.raster import write_json, write_mask


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
    type=POSITIVE,
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
    "--model",
    "model_name",
    help="An installed change model by name (e.g. vhr-all, aerial-all, rgb-all) instead of "
    "the automatic choice.",
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
    model_name: str | None,
    vectors: str | None,
    align: str,
    as_json: bool,
) -> None:
    """Detect change between BEFORE and AFTER (GeoTIFF/COG, STAC item JSON, or PNG/JPEG).

    AFTER is warped onto BEFORE's grid and co-registered; OUT has BEFORE's size.
    """
    img_before, img_after = read_pair(before, after)
    cmp = with_progress(
        "change",
        lambda step: compare(
            img_before,
            img_after,
            method,
            gsd=gsd,
            align=align,
            model_name=model_name,
            progress=step,
        ),
    )
    write_mask(cmp.result.mask, out, img_before)
    objects = change_objects(cmp.result, img_before, cmp.after, gsd=cmp.gsd)
    summary: dict[str, Any] = {
        "out": out,
        **cmp.to_dict(),
        "objects": len(objects),
        "changed_area_m2": round(changed_area_m2(objects), 1) if cmp.gsd else None,
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
    model = summary["details"].get("model")
    click.echo(
        f"method {summary['method']}" + (f" {model}" if model else "")
        + f" (threshold {summary['threshold']}); {cmp.align_note}"
    )  # fmt: skip
    click.echo(
        f"changed {summary['changed_fraction']:.2%} of valid pixels, {len(objects)} object(s)"
        + (f", {area:,.0f} m2" if area is not None else "")
    )
    click.echo(f"wrote {out}" + (f" and {vectors}" if vectors else ""))
