"""The demo end to end: sample data in, report out, last line is the report's path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitewatch.cli.main import cli
from sitewatch.store import Store


@pytest.mark.slow
def test_demo_writes_report(data_dir: Path, tmp_path: Path, runner: CliRunner) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", "--out", str(out), "--data", str(data_dir)])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    report = Path(last)
    assert report == (out / "report.html").resolve()
    assert report.exists()
    html = report.read_text()
    for site in (
        "demo-beirut",
        "demo-dubai",
        "demo-lasvegas",
        "demo-abudhabi",
        "demo-naip-nd",
        "demo-pucallpa",
    ):
        assert f'id="{site}"' in html
        for kind in ("before", "after", "activity"):
            img = out / "report_files" / f"{site}_{kind}.png"
            assert img.stat().st_size > 1000, img
            assert f"report_files/{site}_{kind}.png" in html
    assert "beirut_20150820" in html
    assert "beirut_20171003" in html
    assert re.search(r"EPSG:4326", html)
    with Store(f"sqlite:///{out / 'sitewatch.db'}") as store:
        assert len(store.list_scenes()) == 50
        assert len(store.observations("demo-naip-nd", "change_magnitude")) == 9
        assert len(store.observations("demo-naip-nd", "changed_area")) == 9
        assert len(store.observations("demo-beirut", "changed_area")) == 1
        claims = store.list_claims()
        assert {c.status for c in claims} <= {"supported", "not supported", "no imagery"}
        assert any(c.site_id == "sohae" and c.status == "no imagery" for c in claims)
    for needle in (
        "Claims checked against imagery",
        "Reach: Sanumdong",
        "Detected change",
        "Pixel-grid images",
        "aircraft",
    ):
        assert needle in html, needle
    assert (out / "report_files" / "reach.png").stat().st_size > 1000


def test_demo_without_data_is_one_line_error(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["demo", "--out", str(tmp_path), "--data", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: sample data folder not found")
