"""``sitewatch claims extract FILE`` and ``sitewatch claims check``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from sitewatch.claims.extract import Claim, extract_claims, parse_date
from sitewatch.cli.options import CliState, console, emit_json, json_option, pass_state
from sitewatch.errors import InputNotFoundError, InvalidTextError
from sitewatch.pipeline.evidence import check_stored_claims


@click.group("claims")
def claims_group() -> None:
    """Claims from published reports, checked against imagery."""


@claims_group.command("extract")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--published",
    help="Publication date (2019-03-08, March 8, 2019, 8 Mar. 2019); relative dates "
    "resolve against it.",
)
@click.option(
    "--source",
    "publisher",
    metavar="NAME",
    help="Who published the text (a think tank, an outlet): the attribution of what it "
    "says in its own voice, and the claims' source.",
)
@click.option("--no-store", is_flag=True, help="Print only; do not store the claims.")
@json_option
@pass_state
def claims_extract(
    state: CliState,
    path: str,
    published: str | None,
    publisher: str | None,
    no_store: bool,
    as_json: bool,
) -> None:
    """Read a plain-text article (`-`: standard input) and list (and store) the claims it
    makes about sites."""
    if path == "-":
        with click.open_file("-", encoding="utf-8") as stream:
            name, text = "stdin", str(stream.read())
    else:
        file = Path(path)
        if not file.is_file():
            raise InputNotFoundError(f"{path} does not exist")
        try:
            name, text = file.name, file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidTextError(f"{path} is not UTF-8 plain text") from None
    try:
        pub = parse_date(published) if published else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--published") from None
    claims = extract_claims(
        text, state.store.list_sites(), pub, source=publisher or name, publisher=publisher or ""
    )
    if not no_store:
        claims = state.store.put_claims(claims)
    if as_json:
        emit_json([c.to_dict() for c in claims])
        return
    _table(claims, f"{len(claims)} claim(s) in {name}")


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
    columns = ("id", "site", "activity", "polarity", "modality", "window", "attribution",
               "hedged", "status", "sentence")  # fmt: skip
    for col in columns:
        table.add_column(col)
    for c in claims:
        table.add_row(
            str(c.id or ""), c.site_id or "", c.activity, c.polarity, c.modality,
            f"{c.window_start:%Y-%m-%d}..{c.window_end:%Y-%m-%d}",
            f"{c.attribution} ({c.attribution_type})" if c.attribution else "",
            "yes" if c.hedged else "", c.status, c.sentence,
        )  # fmt: skip
    console().print(table)
