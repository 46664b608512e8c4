"""``sitewatch run [SITE ...] [--all]``: bring sites up to date."""

from __future__ import annotations

import click

from sitewatch.cli.options import (
    CliState,
    chosen_sites,
    echo_run,
    emit_json,
    executor_options,
    json_option,
    parse_since,
    pass_state,
    progress_bar,
    stage_steps,
)
from sitewatch.pipeline.executor import open_executor
from sitewatch.pipeline.monitor import run_sites
from sitewatch.pipeline.site import RunProgress
from sitewatch.sites.watchlist import Site


@click.command("run")
@click.argument("site_ids", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Every site in the watchlist.")
@click.option("--since", help="Only scenes acquired at or after this date (YYYY-MM-DD).")
@click.option("--no-ingest", is_flag=True, help="Skip checking the sites' subscriptions.")
@click.option(
    "--no-detect", is_flag=True, help="Only spectral figures and change magnitude (faster)."
)
@executor_options
@json_option
@pass_state
def run_cmd(
    state: CliState,
    site_ids: tuple[str, ...],
    all_sites: bool,
    since: str | None,
    no_ingest: bool,
    no_detect: bool,
    executor: str,
    workers: int | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Bring sites up to date: new imagery, chips, figures, change, detections, alerts.

    For each site: ingest what is new from its subscriptions (`sitewatch sources add`),
    cut a chip of every covering scene (kept as a COG in the workspace), figures per date
    (brightness, NDVI, vehicle and aircraft counts where the pixels are fine enough),
    change between consecutive dates, then alerts, delivered to the webhooks
    (`sitewatch webhooks add`). Only what is missing is computed: a second run with no
    new scene does nothing. The summary ends with the run's time.

    With `--executor dask`, chips and pairs are tasks on a Dask distributed cluster
    (`--workers N` starts one here, `--scheduler` joins a running one); results are
    stored by this process as they come, the same as a local run's.
    """
    store = state.store
    sites = chosen_sites(store, site_ids, all_sites)
    with (
        open_executor(executor, workers=workers, scheduler=scheduler) as pool,
        progress_bar() as bar,
    ):

        def site_progress(site: Site) -> RunProgress:
            return stage_steps(bar, f"{site.id}: ")

        report = run_sites(
            store,
            sites,
            since=parse_since(since),
            detect=not no_detect,
            ingest_subscriptions=not no_ingest,
            progress=site_progress,
            executor=pool,
        )
        summary = {**report.to_dict(), **pool.describe()}
    if as_json:
        emit_json(summary)
    else:
        echo_run(summary)
