"""``sitewatch webhooks``: where new alerts are delivered."""

from __future__ import annotations

import click

from sitewatch.activity.webhook import check_webhook_url
from sitewatch.cli.options import CliState, emit_json, json_option, pass_state


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhooks: URLs that `run` and `watch` POST new alerts to (once each)."""


@webhooks_group.command("add")
@click.argument("url")
@pass_state
def webhooks_add(state: CliState, url: str) -> None:
    """Deliver alerts raised from now on to URL (http or https)."""
    state.store.add_webhook(check_webhook_url(url))
    click.echo(f"alerts will be delivered to {url}")


@webhooks_group.command("list")
@json_option
@pass_state
def webhooks_list(state: CliState, as_json: bool) -> None:
    """List webhooks and the deliveries made, pending and given up."""
    urls = state.store.list_webhooks()
    counts = state.store.delivery_counts()
    if as_json:
        emit_json({"webhooks": urls, "deliveries": counts})
        return
    for url in urls:
        click.echo(url)
    click.echo(
        f"deliveries: {counts['delivered']} made, {counts['pending']} pending, "
        f"{counts['failed']} given up"
    )


@webhooks_group.command("remove")
@click.argument("url")
@pass_state
def webhooks_remove(state: CliState, url: str) -> None:
    """Stop delivering to URL."""
    state.store.remove_webhook(url)
    click.echo(f"removed {url}")
