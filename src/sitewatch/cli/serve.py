"""``sitewatch serve``: the web app and REST API over the store."""

from __future__ import annotations

import click

from sitewatch.cli.options import ROW_ID, CliState, pass_state
from sitewatch.errors import InvalidURLError


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (another than loopback exposes the store).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--closed-reads", is_flag=True, help="Reads need a token too (writes always do).")
@click.option(
    "--basemap",
    default="",
    metavar="URL",
    help="XYZ tile URL template for a background map (default: none).",
)
@click.option(
    "--max-body",
    type=ROW_ID,
    default=1 << 20,
    show_default=True,
    help="Largest request body in bytes (larger ones get 413).",
)
@pass_state
def serve_cmd(
    state: CliState, host: str, port: int, closed_reads: bool, basemap: str, max_body: int
) -> None:
    """Serve the web app and REST API (docs at /docs) until interrupted.

    Writes (site changes, acknowledging alerts, runs, submitting text) need a bearer
    token from `sitewatch token create`.
    """
    import uvicorn

    from sitewatch.web import WebSettings, create_app

    if basemap and not basemap.startswith(("http://", "https://")):
        raise InvalidURLError(f"basemap {basemap!r} is not an http(s) URL template")
    state.store.list_sites()  # opens (and migrates) the store now: a bad --db is one line
    settings = WebSettings(db=state.db, workspace=state.workspace, open_reads=not closed_reads,
                           basemap_url=basemap, max_body_bytes=max_body)  # fmt: skip
    click.echo(f"SiteWatch on http://{host}:{port}/ (API docs: /docs); Ctrl-C stops it")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
