"""``sitewatch report [SITE ...] [--all] --out DIR``: the HTML report of stored results."""

from __future__ import annotations

from pathlib import Path

import click

from sitewatch.cli.options import CliState, chosen_sites, pass_state
from sitewatch.report.html import write_site_report


@click.command("report")
@click.argument("site_ids", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Every site in the watchlist.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--title", default="", help="Report title.")
@pass_state
def report_cmd(
    state: CliState, site_ids: tuple[str, ...], all_sites: bool, out_dir: str, title: str
) -> None:
    """Write OUT/report.html for sites from what `run` stored: pictures, change, the
    timeline with alerts, claims and scenes (path printed last)."""
    store = state.store
    sites = chosen_sites(store, site_ids, all_sites)
    path = write_site_report(store, sites, Path(out_dir) / "report.html", title=title)
    click.echo(str(path.resolve()))
