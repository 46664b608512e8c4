"""``sitewatch scenes list``."""

from __future__ import annotations

import click
from rich.table import Table

from sitewatch.cli.options import CliState, console, emit_json, json_option, pass_state
from sitewatch.times import iso_utc


@click.group()
def scenes() -> None:
    """Ingested scenes."""


@scenes.command("list")
@click.option("--site", "site_id", help="Only scenes covering this site.")
@json_option
@pass_state
def list_scenes(state: CliState, site_id: str | None, as_json: bool) -> None:
    """List ingested scenes by acquisition time."""
    entries = state.store.list_scenes(site_id)
    if as_json:
        emit_json([e.to_dict() for e in entries])
        return
    table = Table("id", "acquired (UTC)", "platform", "GSD m", "bands", "sites")
    for e in entries:
        sc = e.scene
        table.add_row(
            sc.id,
            iso_utc(sc.datetime),
            sc.platform or "",
            f"{sc.gsd:g}",
            ",".join(b.common_name or b.name for b in sc.bands),
            ", ".join(f"{k} {v:.0%}" for k, v in sorted(e.sites.items())),
        )
    console().print(table)
    click.echo(f"{len(entries)} scene(s)")


@scenes.command("remove")
@click.argument("scene_id")
@pass_state
def remove_scene(state: CliState, scene_id: str) -> None:
    """Forget a scene, with its chips, pairs and the figures made from it."""
    state.store.remove_scene(scene_id)
    click.echo(f"removed scene {scene_id}")
