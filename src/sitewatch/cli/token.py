"""``sitewatch token``: bearer tokens for the web API's writes."""

from __future__ import annotations

import click

from sitewatch.cli.options import ROW_ID, CliState, emit_json, json_option, pass_state


@click.group("token")
def token_group() -> None:
    """Bearer tokens for the web API's writes (stored hashed; shown once)."""


@token_group.command("create")
@click.option("--name", default="analyst", show_default=True, help="Who or what it is for.")
@pass_state
def token_create(state: CliState, name: str) -> None:
    """Create a token and print it (the only time it is shown)."""
    info, token = state.store.create_token(name)
    click.echo(token)
    click.echo(f"token {info.id} ({info.name}); send it as 'Authorization: Bearer TOKEN'",
               err=True)  # fmt: skip


@token_group.command("list")
@json_option
@pass_state
def token_list(state: CliState, as_json: bool) -> None:
    """List tokens (ids, names, when made and last used; never the tokens)."""
    tokens = state.store.list_tokens()
    if as_json:
        emit_json([t.to_dict() for t in tokens])
        return
    for t in tokens:
        d = t.to_dict()
        click.echo(f"{d['id']}\t{d['name']}\tcreated {d['created_at']}\tlast used {d['last_used']}")
    click.echo(f"{len(tokens)} token(s)")


@token_group.command("revoke")
@click.argument("token_id", type=ROW_ID)
@pass_state
def token_revoke(state: CliState, token_id: int) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    state.store.revoke_token(token_id)
    click.echo(f"revoked token {token_id}")
