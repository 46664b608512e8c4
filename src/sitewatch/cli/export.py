"""``sitewatch export OUT``: sites, scenes and findings for GIS tools."""

from __future__ import annotations

import click

from sitewatch.cli.options import CliState, chosen_sites, emit_json, json_option, pass_state
from sitewatch.export.gis import export


@click.command("export")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--site", "site_ids", multiple=True, help="Only this site (repeatable).")
@json_option
@pass_state
def export_cmd(state: CliState, out: str, site_ids: tuple[str, ...], as_json: bool) -> None:
    """Write sites, zones, scene footprints, change objects and detections to OUT.

    OUT.gpkg is a GeoPackage with one layer each; OUT.fgb is one FlatGeobuf file per
    layer (OUT_sites.fgb, ...); OUT.geojson is one RFC 7946 FeatureCollection whose
    features name their layer.  Findings carry their site, scenes and datetimes (for
    QGIS's temporal controller), method and SiteWatch version.
    """
    sites = chosen_sites(state.store, site_ids, not site_ids)
    result = export(state.store, out, sites)
    if as_json:
        emit_json(result)
        return
    counts = ", ".join(f"{n} {k}" for k, n in result["layers"].items())
    click.echo(f"{counts}; wrote {', '.join(result['files'])}")
