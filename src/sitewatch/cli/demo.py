"""``sitewatch demo``."""

from __future__ import annotations

import click
from rich.progress import TaskID

from sitewatch.activity.figures import CHANGE_MAGNITUDE, CHANGED_AREA
from sitewatch.cli.options import data_option, progress_bar
from sitewatch.demo import run_demo


@click.command()
@click.option("--out", "out_dir", default="out/demo", show_default=True, type=click.Path())
@data_option
def demo(out_dir: str, data: str | None) -> None:
    """Run the demo on the sample data and write out/demo/report.html (path printed last)."""
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def step(stage: str, done: int, total: int, what: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total, what="")
            bar.update(tasks[stage], completed=done, total=total, what=what)

        result = run_demo(out_dir, data, step)
    for rep in result.ingests:
        click.echo(f"ingested {rep.recorded} scene(s) from {rep.source}")
        for ref, err in rep.failed:
            click.echo(f"  skipped {ref}: {err}", err=True)
    for run in result.runs:
        mags = [o.value for o in run.observations if o.figure == CHANGE_MAGNITUDE]
        areas = [o.value / 1e4 for o in run.observations if o.figure == CHANGED_AREA]
        click.echo(
            f"{run.site.id}: {len(run.scenes)} scene(s); change magnitude "
            f"{', '.join(f'{v:.2f}' for v in mags) or '-'}; changed area (ha) "
            f"{', '.join(f'{v:.1f}' for v in areas) or '-'}"
        )
    click.echo(str(result.report.resolve()))
