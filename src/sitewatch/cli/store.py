"""``sitewatch store copy``: move a store to another database."""

from __future__ import annotations

import click

from sitewatch.cli.options import CliState, emit_json, json_option, pass_state


@click.group("store")
def store_group() -> None:
    """The store itself: copy it to another database (SQLite file or server URL)."""


@store_group.command("copy")
@click.option("--from", "source", metavar="URL", help="Store to copy (default: --db).")
@click.option(
    "--to",
    "dest",
    required=True,
    metavar="URL",
    help="A new or empty database: a SQLite path or a SQLAlchemy URL.",
)
@click.option(
    "--to-workspace",
    metavar="DIR",
    help="Folder for the copied chips and masks (default: beside a SQLite --to).",
)
@json_option
@pass_state
def store_copy(
    state: CliState, source: str | None, dest: str, to_workspace: str | None, as_json: bool
) -> None:
    """Copy every table, row for row, and the workspace files, to DEST (refused when
    DEST holds any rows)."""
    from sitewatch.store import Store, copy_store

    if source is None:
        counts = copy_store(state.store, dest, dest_workspace=to_workspace)
    else:
        with Store(source, seed_builtin=False) as src:
            counts = copy_store(src, dest, dest_workspace=to_workspace)
    if as_json:
        emit_json(counts)
        return
    rows = sum(n for k, n in counts.items() if k != "workspace files")
    click.echo(f"copied {rows} row(s) in {len(counts) - 1} table(s) and "
               f"{counts['workspace files']} workspace file(s) to {dest}")  # fmt: skip
