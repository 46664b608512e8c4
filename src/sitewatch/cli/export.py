"""``sitewatch export OUT``: sites, scenes and findings for GIS tools."""

from __future__ import annotations

import click

from sitewatch.cli.options import CliState, chosen_sites, emit_json, json_option, pass_state
from sitewatch.export.gis import export
from sitewatch.export.stac import export_stac


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--stac",
    "stac_dir",
    type=click.Path(file_okay=False),
    help="Instead: write chips and change as a static STAC catalog in this folder.",
)
@click.option("--site", "site_ids", multiple=True, help="Only this site (repeatable).")
@json_option
@pass_state
def export_cmd(
    state: CliState, out: str | None, stac_dir: str | None, site_ids: tuple[str, ...],
    as_json: bool,
) -> None:  # fmt: skip
    """Write sites, zones, scene footprints, change objects and detections to OUT.

    OUT.gpkg is a GeoPackage with one layer each; OUT.fgb is one FlatGeobuf file per
    layer (OUT_sites.fgb, ...); OUT.geojson is one RFC 7946 FeatureCollection whose
    features name their layer.  Findings carry their site, scenes and datetimes (for
    QGIS's temporal controller), method and SiteWatch version.  With --stac DIR, the
    chips and change masks and objects are written as a STAC catalog instead, with
    checksums and links to what they derive from.
    """
    if (out is None) == (stac_dir is None):
        raise click.UsageError("give OUT, or --stac DIR (not both)")
    sites = chosen_sites(state.store, site_ids, not site_ids)
    if stac_dir is not None:
        done = export_stac(state.store, stac_dir, sites)
        if as_json:
            emit_json(done)
        else:
            items = done["items"]
            click.echo(f"{items['chip']} chip and {items['change']} change item(s); "
                       f"wrote {done['catalog']}")  # fmt: skip
        return
    assert out is not None
    result = export(state.store, out, sites)
    if as_json:
        emit_json(result)
        return
    counts = ", ".join(f"{n} {k}" for k, n in result["layers"].items())
    click.echo(f"{counts}; wrote {', '.join(result['files'])}")
