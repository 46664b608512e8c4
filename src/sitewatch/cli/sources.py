"""``sitewatch sources``: the imagery each site is subscribed to."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from sitewatch.cli.options import (
    ROW_ID,
    CliState,
    FiniteFloat,
    console,
    emit_json,
    json_option,
    pass_state,
    split_list,
)


@click.group("sources")
def sources_group() -> None:
    """Imagery subscriptions per site: where `run` and `watch` look for new scenes."""


@sources_group.command("add")
@click.argument("site_id")
@click.argument("source")
@click.option("--collection", default="", help="STAC collection (STAC API sources).")
@click.option("--band-names", help="Files: names of the bands in order, e.g. red,green,blue,nir.")
@click.option(
    "--max-cloud",
    type=FiniteFloat(0, 100),
    help="Only scenes with eo:cloud_cover at most this (percent).",
)
@json_option
@pass_state
def sources_add(
    state: CliState,
    site_id: str,
    source: str,
    collection: str,
    band_names: str | None,
    max_cloud: float | None,
    as_json: bool,
) -> None:
    """Subscribe SITE_ID to SOURCE: a folder of GeoTIFFs, a static STAC catalog, or a STAC
    API URL (searched over the site's area)."""
    remote = source.startswith(("http://", "https://"))
    if not remote:
        if not Path(source).exists():
            raise click.BadParameter(f"{source} does not exist", param_hint="SOURCE")
        source = str(Path(source).resolve())
    sub = state.store.add_subscription(
        site_id,
        source,
        collection=collection,
        band_names=split_list(band_names) or (),
        max_cloud=max_cloud,
    )
    if as_json:
        emit_json(sub.to_dict())
    else:
        click.echo(f"subscription {sub.id}: {site_id} <- {source}")


@sources_group.command("list")
@click.option("--site", "site_id", help="Only this site's subscriptions.")
@json_option
@pass_state
def sources_list(state: CliState, site_id: str | None, as_json: bool) -> None:
    """List subscriptions."""
    subs = state.store.list_subscriptions(site_id)
    if as_json:
        emit_json([s.to_dict() for s in subs])
        return
    table = Table("id", "site", "source", "collection", "bands", "max cloud", "checked")
    for s in subs:
        d = s.to_dict()
        table.add_row(
            str(s.id),
            s.site_id,
            s.source,
            s.collection,
            ",".join(s.band_names),
            "" if s.max_cloud is None else f"{s.max_cloud:g}",
            d["checked_at"] or "never",
        )
    console().print(table)


@sources_group.command("remove")
@click.argument("subscription_id", type=ROW_ID)
@pass_state
def sources_remove(state: CliState, subscription_id: int) -> None:
    """Remove a subscription (the scenes it brought stay)."""
    state.store.remove_subscription(subscription_id)
    click.echo(f"removed subscription {subscription_id}")
