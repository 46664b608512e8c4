"""``sitewatch reach --from SITE --range-km N``."""

from __future__ import annotations

from typing import Any

import click

from sitewatch.cli.options import POSITIVE, CliState, emit_json, json_option, pass_state
from sitewatch.reach.ranges import KM_PER_MILE, distance_km, find_target, reach_report


@click.command("reach")
@click.option("--from", "site_id", required=True, help="Site id (its area's centroid is used).")
@click.option("--range-km", type=POSITIVE, help="Range in km.")
@click.option("--range-mi", type=POSITIVE, help="Range in statute miles.")
@click.option("--target", help="Only the distance to this target (capital, big city, US place).")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Targets listed (nearest first).",
)
@json_option
@pass_state
def reach_cmd(
    state: CliState,
    site_id: str,
    range_km: float | None,
    range_mi: float | None,
    target: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Missile reach from a site: geodesic range ring, targets in range, US coverage.

    Also says whether the range covers the contiguous United States, with its farthest
    point."""
    site = state.store.get_site(site_id)
    centre = site.aoi.centroid
    lon, lat = ((centre.x + 180.0) % 360.0) - 180.0, centre.y
    if target is not None:
        t = find_target(target)
        d = distance_km(lon, lat, t.lon, t.lat)
        out: dict[str, Any] = {"from": site_id, "target": t.to_dict(), "distance_km": round(d, 3),
                               "distance_mi": round(d / KM_PER_MILE, 3)}  # fmt: skip
        if range_km or range_mi:
            limit_km = range_km or (range_mi or 0.0) * KM_PER_MILE
            out["in_range"] = d <= limit_km
        if as_json:
            emit_json(out)
        else:
            click.echo(
                f"{site.name} to {t.name} ({t.country}): {d:,.1f} km ({d / KM_PER_MILE:,.1f} mi)"
            )
        return
    if (range_km is None) == (range_mi is None):
        raise click.UsageError("give exactly one of --range-km and --range-mi")
    km = range_km if range_km is not None else (range_mi or 0.0) * KM_PER_MILE
    out = reach_report(site, km, limit)
    out.pop("conus_points")
    out.pop("site_name")
    if as_json:
        emit_json(out)
        return
    conus, far = out["contiguous_us"], out["contiguous_us"]["farthest"]
    click.echo(
        f"{site.name}: {km:,.0f} km ({km / KM_PER_MILE:,.0f} mi); "
        f"{out['targets_in_range']} listed targets in range"
    )
    for t in out["targets"][:10]:
        click.echo(f"  {t['name']} ({t['country']}) {t['distance_km']:,.0f} km")
    click.echo(
        f"contiguous US {'covered' if conus['covered'] else 'not covered'}: farthest point "
        f"{far['name']} at {far['distance_km']:,.0f} km ({far['distance_mi']:,.0f} mi)"
    )
