"""``sitewatch watch``: ingest new imagery and run the sites it touches, every interval."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType

import click

from sitewatch.cli.options import CliState, executor_options, pass_state
from sitewatch.pipeline.executor import open_executor
from sitewatch.pipeline.monitor import Cycle, parse_every, watch


@click.command("watch")
@click.option("--every", default="6h", show_default=True, help="Interval: 90s, 15m, 6h, 1d.")
@click.option("--once", is_flag=True, help="One cycle, then exit.")
@click.option("--no-detect", is_flag=True, help="Only spectral figures and change magnitude.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per cycle.")
@executor_options
@pass_state
def watch_cmd(
    state: CliState,
    every: str,
    once: bool,
    no_detect: bool,
    as_json: bool,
    executor: str,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Every interval: ingest what is new from each subscription, run the sites it
    touched, deliver alerts; one line per cycle.

    Stops cleanly on Ctrl-C or SIGTERM (after the site in progress). Sites are locked in
    the store, so two watchers on one store never run the same site at once. With
    `--executor dask`, the work is done on a Dask cluster as in `sitewatch run`."""
    try:
        interval = parse_every(every)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from None
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: stopping after the current site", err=True)
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def report(cycle: Cycle) -> None:
        if as_json:
            click.echo(json.dumps({"cycle": cycle.number, **cycle.report.to_dict()}))
        else:
            click.echo(cycle.line())

    try:
        with open_executor(executor, workers=workers, scheduler=scheduler) as pool:
            watch(state.store, every=interval, once=once, stop=stop, detect=not no_detect,
                  on_cycle=report, executor=pool)  # fmt: skip
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
