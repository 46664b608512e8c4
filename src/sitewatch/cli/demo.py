"""``sitewatch demo``."""

from __future__ import annotations

import click
from rich.progress import TaskID

from sitewatch.cli.options import data_option, echo_run, progress_bar
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
    echo_run(result.run.to_dict())
    click.echo(str(result.report.resolve()))
