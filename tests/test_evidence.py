"""Evidence bundles: the files, a PDF brief whose pictures are not blank (rendered with
poppler's pdftoppm), and a verify that fails on any tampered, missing or added file."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from sitewatch.store import Store
from tests.helpers import assert_one_line_error, run_cli
from tests.webstore import SITE


def _pages(pdf: Path, folder: Path) -> list[np.ndarray]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler's pdftoppm is not installed (make gis-tools)")
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(folder / "page")], check=True)
    return [np.asarray(Image.open(p).convert("L")) for p in sorted(folder.glob("page*.png"))]


def test_alert_bundle_verifies_and_its_brief_shows_pictures(
    web_store_copy: str, runner: CliRunner, tmp_path: Path
) -> None:
    with Store(web_store_copy) as store:
        alert = store.list_alerts(SITE)[0]
    out = tmp_path / "alert.zip"
    made = run_cli(
        runner, web_store_copy, "evidence", "alert", str(alert.id), "--out", str(out), "--json"
    )
    assert made.exit_code == 0, made.output
    manifest = json.loads(made.stdout)
    names = set(manifest["files"])
    assert {"before.tif", "after.tif", "before.png", "after.png", "figures.json",
            "brief.pdf", "change.geojson"} <= names  # fmt: skip
    assert manifest["finding"]["after"] in alert.evidence["scenes"]
    ok = run_cli(runner, web_store_copy, "evidence", "verify", str(out))
    assert ok.exit_code == 0, ok.output
    with zipfile.ZipFile(out) as z:
        z.extract("brief.pdf", tmp_path)
        figures = json.loads(z.read("figures.json"))
    assert figures["alert"]["id"] == alert.id
    pages = _pages(tmp_path / "brief.pdf", tmp_path)
    assert 1 <= len(pages) <= 2
    page = pages[0]
    rows, cols = page.shape
    pictures = page[int(rows * 0.16) : int(rows * 0.50), int(cols * 0.06) : int(cols * 0.94)]
    assert pictures.std() > 25  # imagery, not a blank page
    assert (page > 250).mean() > 0.4  # and white paper around it


def test_a_tampered_bundle_fails_verify(
    web_store_copy: str, runner: CliRunner, tmp_path: Path
) -> None:
    assert run_cli(runner, web_store_copy, "claims", "check").exit_code == 0
    with Store(web_store_copy) as store:
        claim = next(c for c in store.list_claims(SITE))
    out = tmp_path / "claim.zip"
    assert (
        run_cli(
            runner, web_store_copy, "evidence", "claim", str(claim.id), "--out", str(out)
        ).exit_code
        == 0
    )
    assert run_cli(runner, web_store_copy, "evidence", "verify", str(out)).exit_code == 0
    for name, how in (
        ("after.png", "changed"),
        ("extra.txt", "added"),
        ("figures.json", "removed"),
    ):
        bad = tmp_path / f"{how}.zip"
        with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
            for item in src.infolist():
                data = src.read(item)
                if item.filename == name and how == "removed":
                    continue
                if item.filename == name and how == "changed":
                    data = data[:-10] + bytes(10)
                dst.writestr(item, data)
            if how == "added":
                dst.writestr(name, "not from SiteWatch")
        result = run_cli(runner, web_store_copy, "evidence", "verify", str(bad))
        assert_one_line_error(result, name)
    assert_one_line_error(
        run_cli(runner, web_store_copy, "evidence", "verify", str(tmp_path / "none.zip"))
    )
    assert_one_line_error(
        run_cli(runner, web_store_copy, "evidence", "alert", "999", "--out", "x.zip")
    )
