"""``sitewatch sites list|show|add|import|export|remove``."""

from __future__ import annotations

import click
from rich.table import Table

from sitewatch.cli.options import CliState, console, emit_json, json_option, parse_bbox, pass_state
from sitewatch.geo.geojson import area_polygon_from_geojson, read_json
from sitewatch.geo.grid import area_m2, bbox_polygon
from sitewatch.imagery.raster import write_json
from sitewatch.sites.watchlist import SITE_KINDS, Site, load_sites_file, sites_to_geojson


def _area_km2(site: Site) -> float:
    return area_m2(site.aoi) / 1e6


@click.group()
def sites() -> None:
    """The watchlist of sites."""


@sites.command("list")
@json_option
@pass_state
def list_sites(state: CliState, as_json: bool) -> None:
    """List watched sites (--json: a GeoJSON FeatureCollection)."""
    found = state.store.list_sites()
    if as_json:
        emit_json(sites_to_geojson(found))
        return
    table = Table("id", "name", "kind", "country", "area km²", "zones")
    for s in found:
        table.add_row(s.id, s.name, s.kind, s.country, f"{_area_km2(s):.2f}", str(len(s.zones)))
    console().print(table)


@sites.command("show")
@click.argument("site_id")
@json_option
@pass_state
def show(state: CliState, site_id: str, as_json: bool) -> None:
    """Show one site (--json: a GeoJSON Feature)."""
    site = state.store.get_site(site_id)
    if as_json:
        emit_json(site.to_feature())
        return
    out = console()
    out.print(f"[bold]{site.name}[/bold] ({site.id})")
    out.print(f"kind: {site.kind}   country: {site.country or '-'}")
    if site.aliases:
        out.print(f"aliases: {', '.join(site.aliases)}")
    w, s, e, n = site.aoi.bounds
    out.print(
        f"area of interest: W {w:.5f} S {s:.5f} E {e:.5f} N {n:.5f} ({_area_km2(site):.2f} km²)"
    )
    for z in site.zones:
        out.print(f"zone: {z.name}")
    if site.notes:
        out.print(f"notes: {site.notes}")
    if site.location_source:
        out.print(f"location source: {site.location_source}")
    scenes = state.store.list_scenes(site.id)
    out.print(f"scenes covering it: {len(scenes)}")


@sites.command("add")
@click.argument("site_id")
@click.option("--name", required=True, help="Display name.")
@click.option("--kind", type=click.Choice(SITE_KINDS), default="other", show_default=True)
@click.option("--country", default="", help="ISO 3166 alpha-2 code.")
@click.option("--alias", "aliases", multiple=True, help="Another name (repeatable).")
@click.option("--bbox", help="Area of interest as W,S,E,N in degrees.")
@click.option(
    "--geometry",
    "geometry_file",
    type=click.Path(dir_okay=False),
    help="Area of interest from a GeoJSON file (a Polygon, Feature or FeatureCollection).",
)
@click.option("--notes", default="")
@click.option("--source", "location_source", default="", help="Where the location comes from.")
@click.option("--replace", is_flag=True, help="Overwrite a site with the same id.")
@pass_state
def add(
    state: CliState,
    site_id: str,
    name: str,
    kind: str,
    country: str,
    aliases: tuple[str, ...],
    bbox: str | None,
    geometry_file: str | None,
    notes: str,
    location_source: str,
    replace: bool,
) -> None:
    """Add a site with an area given by --bbox or --geometry."""
    if (bbox is None) == (geometry_file is None):
        raise click.UsageError("give the area of interest with exactly one of --bbox or --geometry")
    if bbox is not None:
        aoi = bbox_polygon(parse_bbox(bbox) or [])
    else:
        obj = read_json(str(geometry_file))
        if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
            feats = obj.get("features") or [{}]
            obj = feats[0]
        if isinstance(obj, dict) and obj.get("type") == "Feature":
            obj = obj.get("geometry")
        aoi = area_polygon_from_geojson(obj, str(geometry_file))
    site = Site(
        id=site_id,
        name=name,
        kind=kind,
        aoi=aoi,
        country=country,
        aliases=aliases,
        notes=notes,
        location_source=location_source,
    )
    state.store.add_site(site, replace=replace)
    click.echo(f"added site {site.id}")


@sites.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Overwrite sites whose ids already exist.")
@json_option
@pass_state
def import_(state: CliState, path: str, replace: bool, as_json: bool) -> None:
    """Import sites from a GeoJSON FeatureCollection (all or nothing)."""
    loaded = load_sites_file(path)
    counts = state.store.import_sites(loaded, replace=replace)
    if as_json:
        emit_json({"sites": [s.id for s in loaded], **counts})
    else:
        click.echo(
            f"imported {len(loaded)} site(s): {counts['added']} added, "
            f"{counts['replaced']} replaced"
        )


@sites.command("export")
@click.argument("path", default="-")
@pass_state
def export(state: CliState, path: str) -> None:
    """Export the watchlist as RFC 7946 GeoJSON to PATH (default: stdout)."""
    collection = sites_to_geojson(state.store.list_sites())
    if path == "-":
        emit_json(collection)
        return
    write_json(collection, path)
    click.echo(f"wrote {path}", err=True)


@sites.command("remove")
@click.argument("site_id")
@pass_state
def remove(state: CliState, site_id: str) -> None:
    """Remove a site (its observations, alerts and scene links go with it)."""
    state.store.remove_site(site_id)
    click.echo(f"removed site {site_id}")
