"""``sitewatch reach --from SITE --range-km N``."""

from __future__ import annotations

from typing import Any

import click

from sitewatch.cli.options import POSITIVE, CliState, emit_json, json_option, pass_state
from sitewatch.imagery.raster import write_json
from sitewatch.reach.ranges import (
    KM_PER_MILE,
    SORTS,
    distance_km,
    find_target,
    reach_features,
    reach_report,
)


@click.command("reach")
@click.option("--from", "site_id", required=True, help="Site id (its area's centroid is used).")
@click.option("--range-km", type=POSITIVE, help="Range in km.")
@click.option("--range-mi", type=POSITIVE, help="Range in statute miles.")
@click.option("--target", help="Only the distance to this target (capital, big city, US place).")
@click.option(
    "--limit", type=click.IntRange(min=1), help="List only this many targets (default: all)."
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="distance",
    show_default=True,
    help="Order of the targets in range.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the ring and the targets in range as GeoJSON (RFC 7946).",
)
@json_option
@pass_state
def reach_cmd(
    state: CliState,
    site_id: str,
    range_km: float | None,
    range_mi: float | None,
    target: str | None,
    limit: int | None,
    sort: str,
    out: str | None,
    as_json: bool,
) -> None:
    """Missile reach from a site: geodesic range ring, targets in range, US coverage.

    Lists every listed target (national capitals, cities of 1M+ people) in range, with
    capitals flagged, the distance to Washington, and whether the range covers the
    contiguous United States, with its farthest point."""
    site = state.store.get_site(site_id)
    centre = site.aoi.centroid
    lon, lat = ((centre.x + 180.0) % 360.0) - 180.0, centre.y
    if target is not None:
        t = find_target(target)
        d = distance_km(lon, lat, t.lon, t.lat)
        answer: dict[str, Any] = {
            "from": site_id,
            "target": t.to_dict(),
            "distance_km": round(d, 3),
            "distance_mi": round(d / KM_PER_MILE, 3),
        }
        if range_km or range_mi:
            limit_km = range_km or (range_mi or 0.0) * KM_PER_MILE
            answer["in_range"] = d <= limit_km
        if as_json:
            emit_json(answer)
        else:
            click.echo(
                f"{site.name} to {t.name} ({t.country}): {d:,.1f} km ({d / KM_PER_MILE:,.1f} mi)"
            )
        return
    if (range_km is None) == (range_mi is None):
        raise click.UsageError("give exactly one of --range-km and --range-mi")
    km = range_km if range_km is not None else (range_mi or 0.0) * KM_PER_MILE
    report = reach_report(site, km, limit, sort)
    report.pop("conus_points")
    report.pop("site_name")
    if out is not None:
        write_json(reach_features(report), out)
    if as_json:
        emit_json(report)
        return
    conus, far, dc = (
        report["contiguous_us"],
        report["contiguous_us"]["farthest"],
        report["washington"],
    )
    click.echo(
        f"{site.name}: {km:,.0f} km ({km / KM_PER_MILE:,.0f} mi); "
        f"{report['targets_in_range']} listed targets in range "
        f"({report['capitals_in_range']} capitals)"
    )
    for t in report["targets"][:10]:
        flag = " (capital)" if t["capital"] else ""
        click.echo(f"  {t['name']} ({t['country']}){flag} {t['distance_km']:,.0f} km")
    click.echo(
        f"Washington: {dc['distance_km']:,.0f} km ({dc['distance_mi']:,.0f} mi), "
        f"{'in range' if dc['in_range'] else 'out of range'}"
    )
    click.echo(
        f"contiguous US {'covered' if conus['covered'] else 'not covered'}: farthest point "
        f"{far['name']} at {far['distance_km']:,.0f} km ({far['distance_mi']:,.0f} mi)"
    )
    if out is not None:
        click.echo(f"wrote {out}")
