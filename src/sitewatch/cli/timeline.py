"""``sitewatch timeline SITE``: a site's activity figures over time."""

from __future__ import annotations

import click
from rich.table import Table

from sitewatch.cli.options import CliState, console, emit_json, json_option, pass_state
from sitewatch.times import iso_utc


@click.command("timeline")
@click.argument("site_id")
@click.option("--figure", help="Only this figure (e.g. changed_area, vehicle_count, ndvi).")
@json_option
@pass_state
def timeline_cmd(state: CliState, site_id: str, figure: str | None, as_json: bool) -> None:
    """Every activity figure of a site over time, with the scenes behind each value."""
    site = state.store.get_site(site_id)
    obs = state.store.observations(site_id, figure)
    if as_json:
        emit_json({"site": site.id, "observations": [o.to_dict() for o in obs]})
        return
    table = Table(title=f"{site.name}: {len(obs)} observation(s)")
    for col in ("time (UTC)", "zone", "figure", "value", "unit", "scene", "reference scene"):
        table.add_column(col)
    for o in obs:
        table.add_row(iso_utc(o.time), o.zone, o.figure, f"{o.value:g}", o.unit, o.scene_id,
                      o.ref_scene_id)  # fmt: skip
    console().print(table)
