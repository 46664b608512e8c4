"""``sitewatch claims extract FILE`` and ``sitewatch claims check``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.table import Table

from sitewatch.claims.extract import Claim, extract_claims
from sitewatch.cli.options import CliState, console, emit_json, json_option, pass_state
from sitewatch.errors import InputNotFoundError, InvalidTextError
from sitewatch.pipeline.evidence import check_stored_claims


@click.group("claims")
def claims_group() -> None:
    """Claims from published reports, checked against imagery."""


@claims_group.command("extract")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--published", help="Publication date YYYY-MM-DD (relative dates resolve against it)."
)
@click.option("--no-store", is_flag=True, help="Print only; do not store the claims.")
@json_option
@pass_state
def claims_extract(
    state: CliState, path: str, published: str | None, no_store: bool, as_json: bool
) -> None:
    """Read a plain-text article and list (and store) the claims it makes about sites."""
    file = Path(path)
    if not file.is_file():
        raise InputNotFoundError(f"{path} does not exist")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidTextError(f"{path} is not UTF-8 plain text") from None
    try:
        pub = date.fromisoformat(published) if published else None
    except ValueError:
        raise click.BadParameter(f"{published!r} is not a YYYY-MM-DD date") from None
    claims = extract_claims(text, state.store.list_sites(), pub, source=file.name)
    if not no_store:
        claims = state.store.put_claims(claims)
    if as_json:
        emit_json([c.to_dict() for c in claims])
        return
    _table(claims, f"{len(claims)} claim(s) in {file.name}")


@claims_group.command("list")
@click.option("--site", "site_id")
@json_option
@pass_state
def claims_list(state: CliState, site_id: str | None, as_json: bool) -> None:
    """Stored claims and their status."""
    claims = state.store.list_claims(site_id)
    if as_json:
        emit_json([c.to_dict() for c in claims])
        return
    _table(claims, f"{len(claims)} claim(s)")


@claims_group.command("check")
@click.option("--site", "site_id", help="Only this site's claims.")
@json_option
@pass_state
def claims_check(state: CliState, site_id: str | None, as_json: bool) -> None:
    """Set each stored claim's status against the imagery-derived observations in its
    window: supported, not supported, or no imagery, with the evidence."""
    claims = check_stored_claims(state.store, site_id)
    if as_json:
        emit_json([c.to_dict() for c in claims])
        return
    _table(claims, f"{len(claims)} claim(s) checked")


def _table(claims: list[Claim], title: str) -> None:
    table = Table(title=title)
    for col in ("id", "site", "activity", "window", "attribution", "hedged", "status", "sentence"):
        table.add_column(col)
    for c in claims:
        table.add_row(
            str(c.id or ""), c.site_id or "", c.activity,
            f"{c.window_start:%Y-%m-%d}..{c.window_end:%Y-%m-%d}",
            f"{c.attribution} ({c.attribution_type})" if c.attribution else "",
            "yes" if c.hedged else "", c.status, c.sentence,
        )  # fmt: skip
    console().print(table)
