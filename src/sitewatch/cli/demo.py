"""``sitewatch demo``."""

from __future__ import annotations

import click

from sitewatch.cli.options import data_option, echo_run, progress_bar, stage_steps
from sitewatch.demo import run_demo


@click.command()
@click.option("--out", "out_dir", default="out/demo", show_default=True, type=click.Path())
@data_option
def demo(out_dir: str, data: str | None) -> None:
    """Run the demo on the sample data and write out/demo/report.html (path printed last)."""
    with progress_bar() as bar:
        result = run_demo(out_dir, data, stage_steps(bar))
    echo_run(result.run.to_dict())
    click.echo(str(result.report.resolve()))
