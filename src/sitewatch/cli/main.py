"""The ``sitewatch`` command group, its lazy subcommands and its error handling.

Subcommands load on first use (click's lazy-group pattern): ``sitewatch --help`` and
``sitewatch --version`` import no command module and none of the heavy libraries
(rasterio, scipy, onnxruntime, matplotlib, alembic).  The listing in ``--help`` takes
each command's one-line help from :data:`COMMANDS`; a test checks it against the
command's own.
"""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from sitewatch import __version__
from sitewatch.cli.options import CliState
from sitewatch.errors import SitewatchError

#: Command name -> ("module:attribute", one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "sites": (
        "sitewatch.cli.sites:sites",
        "The watchlist of sites.",
    ),
    "ingest": (
        "sitewatch.cli.ingest:ingest_cmd",
        "Record the scenes in SOURCE and which sites each covers.",
    ),
    "scenes": (
        "sitewatch.cli.scenes:scenes",
        "Ingested scenes.",
    ),
    "chip": (
        "sitewatch.cli.chip:chip",
        "Cut a scene to a site on the site's grid (local UTM): a COG, or a picture for .png.",
    ),
    "change": (
        "sitewatch.cli.change:change_cmd",
        "Detect change between BEFORE and AFTER (GeoTIFF/COG, STAC item JSON, or PNG/JPEG).",
    ),
    "align": (
        "sitewatch.cli.align:align_cmd",
        "Measure (and optionally apply) the sub-pixel shift of MOVING against REFERENCE.",
    ),
    "detect": (
        "sitewatch.cli.detect:detect_cmd",
        "Detect vehicles and aircraft in IMAGES; write boxes as GeoJSON and print counts.",
    ),
    "movement": (
        "sitewatch.cli.movement:movement_cmd",
        "Vehicles and aircraft that arrived, departed or stayed between BEFORE and AFTER.",
    ),
    "sources": (
        "sitewatch.cli.sources:sources_group",
        "Imagery subscriptions per site: where `run` and `watch` look for new scenes.",
    ),
    "run": (
        "sitewatch.cli.run:run_cmd",
        "Bring sites up to date: new imagery, chips, figures, change, detections, alerts.",
    ),
    "watch": (
        "sitewatch.cli.watch:watch_cmd",
        "Every interval: ingest what is new from each subscription, run the sites it "
        "touched, deliver alerts; one line per cycle.",
    ),
    "report": (
        "sitewatch.cli.report:report_cmd",
        "Write OUT/report.html for sites from what `run` stored: pictures, change, the "
        "timeline with alerts, claims and scenes (path printed last).",
    ),
    "evidence": (
        "sitewatch.cli.evidence:evidence_group",
        "Evidence bundles: pictures, vectors, figures, a PDF brief and hashes in one zip.",
    ),
    "export": (
        "sitewatch.cli.export:export_cmd",
        "Write sites, zones, scene footprints, change objects and detections to OUT.",
    ),
    "serve": (
        "sitewatch.cli.serve:serve_cmd",
        "Serve the web app and REST API (docs at /docs) until interrupted.",
    ),
    "store": (
        "sitewatch.cli.store:store_group",
        "The store itself: copy it to another database (SQLite file or server URL).",
    ),
    "token": (
        "sitewatch.cli.token:token_group",
        "Bearer tokens for the web API's writes (stored hashed; shown once).",
    ),
    "webhooks": (
        "sitewatch.cli.webhooks:webhooks_group",
        "Webhooks: URLs that `run` and `watch` POST new alerts to (once each).",
    ),
    "timeline": (
        "sitewatch.cli.timeline:timeline_cmd",
        "Every activity figure of a site over time, with the scenes behind each value.",
    ),
    "alerts": (
        "sitewatch.cli.alerts:alerts_group",
        "List alerts (default), or detect, acknowledge and send them.",
    ),
    "claims": (
        "sitewatch.cli.claims:claims_group",
        "Claims from published reports, checked against imagery.",
    ),
    "reach": (
        "sitewatch.cli.reach:reach_cmd",
        "Missile reach from a site: geodesic range ring, targets in range, US coverage.",
    ),
    "eval": (
        "sitewatch.cli.eval:eval_group",
        "Score change detection, detection and claim extraction on labelled data.",
    ),
    "demo": (
        "sitewatch.cli.demo:demo",
        "Run the demo on the sample data and write out/demo/report.html (path printed last).",
    ),
}


class SitewatchGroup(click.Group):
    """Lazy subcommands from :data:`COMMANDS`; SitewatchErrors become one line on stderr
    and exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}:{attr} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list without importing any command module."""
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SitewatchError as exc:
            _fail(ctx, str(exc))
        except click.UsageError as exc:  # bad options or arguments: one line as well
            _fail(ctx, exc.format_message())
        except MemoryError:  # under a limit set outside (ulimit, cgroup): say which to lower
            _fail(
                ctx,
                "out of memory; lower SITEWATCH_MAX_PIXELS or use a coarser --gsd or a "
                "smaller site (see docs/security.md)",
            )


def _fail(ctx: click.Context, message: str) -> None:
    click.echo(f"error: {' '.join(message.split())}", err=True)
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
@click.option(
    "--workspace",
    envvar="SITEWATCH_HOME",
    metavar="DIR",
    help="Folder for chips and change masks. Default: $SITEWATCH_HOME, else beside a "
    "SQLite store (sitewatch.db -> sitewatch-workspace/).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, db: str | None, workspace: str | None, verbose: int) -> None:
    """SiteWatch: watch declared sites in satellite imagery over time."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    state = CliState(db=db, workspace=workspace)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    cli(prog_name="sitewatch")
