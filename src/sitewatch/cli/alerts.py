"""``sitewatch alerts``: list, detect, acknowledge and send alerts."""

from __future__ import annotations

import click
from rich.table import Table

from sitewatch.activity.alerts import alerts_for_site
from sitewatch.activity.webhook import check_webhook_url, send_webhook
from sitewatch.cli.options import (
    ROW_ID,
    CliState,
    FiniteFloat,
    console,
    emit_json,
    json_option,
    parse_since,
    pass_state,
)
from sitewatch.times import iso_utc


@click.group("alerts", invoke_without_command=True)
@click.option("--site", "site_id", help="Only this site.")
@click.option("--since", help="Only events still going on at or after this date (YYYY-MM-DD).")
@json_option
@click.pass_context
def alerts_group(ctx: click.Context, site_id: str | None, since: str | None, as_json: bool) -> None:
    """List alerts (default), or detect, acknowledge and send them."""
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    alerts = state.store.list_alerts(site_id, parse_since(since))
    if as_json:
        emit_json([a.to_dict() for a in alerts])
        return
    table = Table(title=f"{len(alerts)} alert(s)")
    for col in ("id", "site", "figure", "severity", "start", "end", "ack", "message"):
        table.add_column(col)
    for a in alerts:
        table.add_row(str(a.id), a.site_id, a.figure, a.severity, iso_utc(a.start)[:10],
                      iso_utc(a.end)[:10], "yes" if a.acknowledged else "", a.message)  # fmt: skip
    console().print(table)


@alerts_group.command("detect")
@click.option("--site", "site_id", help="Only this site (default: every site).")
@click.option(
    "--threshold",
    type=FiniteFloat(min=0, min_open=True),
    default=3.5,
    show_default=True,
    help="Robust z-score.",
)
@json_option
@pass_state
def alerts_detect(state: CliState, site_id: str | None, threshold: float, as_json: bool) -> None:
    """Recompute alerts from the stored observations and store them (idempotent).

    Earlier alerts of these sites that no longer hold at THRESHOLD are retracted.
    """
    sites = [state.store.get_site(site_id)] if site_id else state.store.list_sites()
    found = []
    retracted = 0
    for site in sites:
        alerts = alerts_for_site(state.store.observations(site.id), threshold=threshold)
        retracted += state.store.put_alerts(alerts, complete_for=[site.id])["retracted"]
        found.extend(alerts)
    if as_json:
        emit_json([a.to_dict() for a in found])
        return
    click.echo(
        f"{len(found)} alert(s) over {len(sites)} site(s)"
        + (f"; {retracted} earlier alert(s) no longer hold and were retracted" if retracted else "")
    )


@alerts_group.command("ack")
@click.argument("alert_id", type=ROW_ID)
@pass_state
def alerts_ack(state: CliState, alert_id: int) -> None:
    """Acknowledge an alert."""
    alert = state.store.acknowledge_alert(alert_id)
    click.echo(f"acknowledged alert {alert.id}: {alert.message}")


@alerts_group.command("send")
@click.option("--webhook", required=True, help="URL to POST the alerts to as JSON.")
@click.option("--site", "site_id")
@click.option("--since")
@click.option("--all", "include_acked", is_flag=True, help="Include acknowledged alerts.")
@pass_state
def alerts_send(
    state: CliState, webhook: str, site_id: str | None, since: str | None, include_acked: bool
) -> None:
    """Send alerts (unacknowledged ones by default) to a webhook."""
    check_webhook_url(webhook)
    alerts = state.store.list_alerts(site_id, parse_since(since), unacknowledged=not include_acked)
    if not alerts:
        click.echo("no alerts to send")
        return
    status = send_webhook(alerts, webhook)
    click.echo(f"sent {len(alerts)} alert(s) to {webhook} (HTTP {status})")
