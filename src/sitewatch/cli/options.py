"""Shared CLI state, options and output helpers."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from sitewatch.sites.watchlist import Site
    from sitewatch.store import Store

F = TypeVar("F", bound=Callable[..., Any])


class FiniteFloat(click.FloatRange):
    """A float range that refuses NaN and infinity (which every comparison lets through)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


#: Positive finite numbers (pixel sizes, ranges); ids that fit a 64-bit database key.
POSITIVE = FiniteFloat(min=0, min_open=True)
ROW_ID = click.IntRange(min=1, max=2**63 - 1)
T = TypeVar("T")
#: progress(done, total), as the library's long-running functions take it.
StepFn = Callable[[int, int], None]


@dataclass
class CliState:
    """What the top-level options set up; the store opens on first use."""

    db: str | None = None
    workspace: str | None = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def store(self) -> Store:
        if self._store is None:
            from sitewatch.store import Store  # opened on first use: --help stays fast

            self._store = Store(self.db, workspace=self.workspace)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_state = click.make_pass_decorator(CliState)


def json_option(f: F) -> F:
    """``--json``: machine-readable output on stdout instead of a table."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)


def executor_options(f: F) -> F:
    """``--executor local|dask``, ``--workers N``, ``--scheduler ADDRESS``: where the
    chips and pairs are computed."""
    f = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --executor dask: an existing cluster's scheduler (tcp://host:8786).",
    )(f)
    f = click.option(
        "--workers",
        type=click.IntRange(min=1, max=4096),
        help="With --executor dask: start a local cluster of N worker processes.",
    )(f)
    return click.option(
        "--executor",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Compute in this process, or as tasks on a Dask distributed cluster.",
    )(f)


def data_option(f: F) -> F:
    """``--data``: the sample/labelled data folder."""
    return click.option(
        "--data",
        type=click.Path(file_okay=False),
        help="Data folder (default: $SITEWATCH_DATA or ../shared/data).",
    )(f)


def detector_option(f: F) -> F:
    """``--model DIR``: a detector folder written by ``python -m sitewatch.train.detect``."""
    return click.option(
        "--model",
        "model_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="A detector folder (manifest.json and its ONNX file) written by "
        "`python -m sitewatch.train.detect --out DIR` (default: the shipped detector).",
    )(f)


def emit_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def console() -> Console:
    """Rich console on stdout (tables)."""
    from rich.console import Console

    return Console(soft_wrap=False)


def progress_bar() -> Progress:
    """Progress on stderr, so stdout stays clean for --json and pipes; hidden when not a tty."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[what]}"),
        console=Console(file=sys.stderr),
        transient=True,
        disable=not sys.stderr.isatty(),
    )


def end_batch(failed: Sequence[tuple[str, str]], total: int, noun: str) -> None:
    """After a batch that went on past bad items: list each on stderr, then exit 1 (2
    when every item failed); nothing when none failed."""
    if not failed:
        return
    for item, err in failed:
        click.echo(f"skipped {item}: {' '.join(err.split())}", err=True)
    click.echo(f"{len(failed)} of {total} {noun} failed", err=True)
    raise SystemExit(2 if len(failed) == total else 1)


def with_progress(label: str, work: Callable[[StepFn], T]) -> T:
    """Run ``work(step)`` under one progress bar labelled ``label``; ``step(done, total)``
    moves the bar."""
    with progress_bar() as bar:
        task = bar.add_task(label, total=None, what="")

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return work(step)


def stage_steps(bar: Progress, prefix: str = "") -> Callable[[str, int, int, str], None]:
    """``step(stage, done, total, what)`` that keeps one bar per stage (labelled
    ``prefix + stage``) on ``bar``."""
    tasks: dict[str, Any] = {}

    def step(stage: str, done: int, total: int, what: str) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(prefix + stage, total=total, what="")
        bar.update(tasks[stage], completed=done, total=total, what=what)

    return step


def chosen_sites(store: Store, site_ids: Sequence[str], all_sites: bool) -> list[Site]:
    """The sites named, or with ``all_sites`` every site (one of the two, not both)."""
    if all_sites == bool(site_ids):
        raise click.UsageError("name one or more SITE ids, or give --all (not both)")
    return store.list_sites() if all_sites else [store.get_site(i) for i in site_ids]


def parse_since(text: str | None) -> datetime | None:
    """``--since``: an ISO 8601 date or time (UTC when naive), or None."""
    if text is None:
        return None
    from sitewatch.times import parse_iso_utc

    try:
        return parse_iso_utc(text if "T" in text else text + "T00:00:00Z")
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 date or time") from None


def echo_run(summary: dict[str, Any]) -> None:
    """A monitoring run's summary (``RunReport.to_dict()``), a line per site."""
    for site in summary["sites"]:
        click.echo(
            f"{site['site']}: {site['scenes']} scene(s); computed {site['chips_computed']} "
            f"chip(s), {site['pairs_computed']} pair(s); {site['observations_added']} "
            f"observation(s) added; alerts {site['alerts_added']} new, "
            f"{site['alerts_updated']} updated"
            + (f"; {len(site['failures'])} failure(s)" if site["failures"] else "")
        )
        for failure in site["failures"]:
            click.echo(f"  failed {failure['id']}: {failure['reason']}", err=True)
    for failure in summary["ingest_failures"]:
        click.echo(f"  ingest {failure['source']}: {failure['error']}", err=True)
    for site_id in summary["locked"]:
        click.echo(f"{site_id}: being run by another process; skipped", err=True)
    deliveries = summary["deliveries"]
    click.echo(
        f"{summary['scenes_ingested']} new scene(s) ingested; "
        f"{deliveries.get('delivered', 0)} alert delivery(ies) made, "
        f"{deliveries.get('pending', 0)} pending, {deliveries.get('failed', 0)} given up; "
        f"{summary['seconds']:.1f} s"
    )


def parse_bbox(text: str | None) -> list[float] | None:
    """``W,S,E,N`` in degrees, or None."""
    from sitewatch.geo.grid import check_bbox

    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected four numbers W,S,E,N") from None
    if len(values) != 4:
        raise click.BadParameter(f"{text!r}: expected four numbers W,S,E,N")
    return list(check_bbox(values))


def split_list(text: str | None) -> list[str] | None:
    """Comma-separated list, or None."""
    if not text:
        return None
    return [v.strip() for v in text.split(",") if v.strip()]
