"""The ``sitewatch`` command group and its error handling."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from sitewatch import __version__
from sitewatch.cli.options import CliState
from sitewatch.errors import SitewatchError


class SitewatchGroup(click.Group):
    """A click group that turns SitewatchErrors into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SitewatchError as exc:
            message = " ".join(str(exc).split())
            click.echo(f"error: {message}", err=True)
            ctx.exit(2)


@click.group(cls=SitewatchGroup)
@click.version_option(__version__, prog_name="sitewatch")
@click.option(
    "--db",
    envvar="SITEWATCH_DB",
    metavar="URL|PATH",
    help="Store: a SQLAlchemy URL (sqlite:///path.db) or a SQLite file path. "
    "Default: $SITEWATCH_DB, else ./sitewatch.db.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: int) -> None:
    """SiteWatch: watch declared sites in satellite imagery over time."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    state = CliState(db=db)
    ctx.obj = state
    ctx.call_on_close(state.close)


def _register() -> None:
    from sitewatch.cli import (
        change,
        chip,
        claims,
        demo,
        detect,
        ingest,
        reach,
        scenes,
        sites,
        timeline,
    )

    cli.add_command(sites.sites)
    cli.add_command(ingest.ingest_cmd)
    cli.add_command(scenes.scenes)
    cli.add_command(chip.chip)
    cli.add_command(demo.demo)
    cli.add_command(change.change_cmd)
    cli.add_command(change.eval_group)
    cli.add_command(change.align_cmd)
    cli.add_command(detect.detect_cmd)
    cli.add_command(detect.movement_cmd)
    cli.add_command(reach.reach_cmd)
    cli.add_command(timeline.timeline_cmd)
    cli.add_command(timeline.alerts_group)
    cli.add_command(claims.claims_group)


_register()


def main() -> None:
    cli(prog_name="sitewatch")
