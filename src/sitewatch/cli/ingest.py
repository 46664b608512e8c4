"""``sitewatch ingest SOURCE``."""

from __future__ import annotations

import click

from sitewatch.cli.options import (
    CliState,
    emit_json,
    json_option,
    parse_bbox,
    pass_state,
    progress_bar,
    split_list,
)
from sitewatch.errors import SitewatchError
from sitewatch.imagery.sources import open_source
from sitewatch.store.ingest import ingest


@click.command("ingest")
@click.argument("source")
@click.option(
    "--collection", "collections", multiple=True, help="STAC API collection (repeatable)."
)
@click.option("--datetime", "datetime_", help="STAC API time range, e.g. 2019-01-01/2019-03-31.")
@click.option("--site", "site_id", help="STAC API: search over this site's area.")
@click.option("--bbox", help="STAC API: search over W,S,E,N.")
@click.option("--max-items", type=click.IntRange(min=1), help="STAC API: stop after N items.")
@click.option("--band-names", help="Files: names of the bands in order, e.g. red,green,blue,nir.")
@json_option
@pass_state
def ingest_cmd(
    state: CliState,
    source: str,
    collections: tuple[str, ...],
    datetime_: str | None,
    site_id: str | None,
    bbox: str | None,
    max_items: int | None,
    band_names: str | None,
    as_json: bool,
) -> None:
    """Record the scenes in SOURCE and which sites each covers.

    SOURCE is a folder of GeoTIFF/COG files, a single GeoTIFF, a static STAC
    catalog/collection/item JSON file, or a STAC API URL. Re-ingesting is safe.
    Exit code 1 when some items failed (they are listed), 2 when SOURCE is unusable.
    """
    if site_id and bbox:
        raise click.UsageError("give --site or --bbox, not both")
    box = parse_bbox(bbox)
    if site_id:
        box = list(state.store.get_site(site_id).aoi.bounds)
    src = open_source(
        source,
        collections=collections or None,
        datetime=datetime_,
        bbox=box,
        max_items=max_items,
        band_names=split_list(band_names),
    )
    with progress_bar() as bar:
        task = bar.add_task("ingest", total=None, what="")

        def step(done: int, total: int, ref: str) -> None:
            bar.update(task, completed=done, total=total, what=ref.rsplit("/", 1)[-1])

        report = ingest(src, state.store, step)
    if report.failed and not report.recorded and len(report.failed) == 1:
        # Nothing usable at all: the input itself is bad.
        raise SitewatchError(report.failed[0][1])
    if as_json:
        emit_json(report.to_dict())
    else:
        click.echo(
            f"{report.recorded} scene(s) recorded from {src.description}: {len(report.added)} "
            f"added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
        )
        for ref, err in report.failed:
            click.echo(f"skipped {ref}: {' '.join(err.split())}", err=True)
    if report.failed:
        click.echo(f"{len(report.failed)} item(s) failed", err=True)
        raise SystemExit(1)
