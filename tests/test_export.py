"""`sitewatch export`: GeoPackage, FlatGeobuf and GeoJSON that GIS tools read back
(pyogrio, and GDAL's ogrinfo), with the store's feature counts, EPSG:4326 and datetime
fields on every finding."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from click.testing import CliRunner

from sitewatch.detection.detector import Detection
from sitewatch.store import Store
from tests.helpers import run_cli
from tests.webstore import SITE


@pytest.fixture
def db_copy(web_store_copy: str) -> str:
    """A copy of the web test store (and its workspace) with detections on one chip."""
    url = web_store_copy
    with Store(url) as store:
        last = list(store.chips(SITE).values())[-1]
        boxes = [
            Detection("vehicle", 0.9, 10, 10, 14, 16),
            Detection("aircraft", 0.8, 50, 50, 70, 66),
        ]
        store.record_chip(SITE, last.scene_id, last.path, [vars(b) for b in boxes], [])
    return url


def _counts(url: str) -> dict[str, int]:
    with Store(url) as store:
        pairs = store.pairs(SITE)
        return {"sites": len(store.list_sites()), "scenes": len(store.list_scenes(SITE)),
                "pairs": sum(p.status == "ok" for p in pairs.values())}  # fmt: skip


def test_geopackage_reads_back_with_pyogrio_and_ogrinfo(
    db_copy: str, runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "findings.gpkg"
    result = run_cli(runner, db_copy, "export", str(out), "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)["layers"]
    layers = dict(pyogrio.list_layers(out))
    assert layers == {"sites": "MultiPolygon", "scenes": "MultiPolygon",
                      "change": "MultiPolygon", "detections": "MultiPolygon"}  # fmt: skip
    store = _counts(db_copy)
    assert counts["sites"] == store["sites"]
    assert counts["detections"] == 2
    for name in layers:
        info = pyogrio.read_info(out, layer=name)
        assert info["crs"] == "EPSG:4326"
        assert info["features"] == counts[name]
    change = pyogrio.read_info(out, layer="change")
    fields = dict(zip(change["fields"], change["dtypes"], strict=True))
    assert fields["before_datetime"].startswith("datetime64")
    assert fields["after_datetime"].startswith("datetime64")
    assert {"site_id", "before_scene", "after_scene", "change_type", "method", "software"} <= set(
        fields
    )
    _, _, _, values = pyogrio.raw.read(out, layer="change", columns=["before_scene", "after_scene"])
    assert len({(b, a) for b, a in zip(*values, strict=True)}) <= store["pairs"]
    dets = pyogrio.read_info(out, layer="detections")
    assert "object_class" in dets["fields"]
    if shutil.which("ogrinfo") is None:
        pytest.skip("GDAL's ogrinfo is not installed (make gis-tools)")
    summary = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(out)], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    assert f"Feature Count: {counts['change']}" in summary
    assert "before_datetime: DateTime" in summary
    assert 'ID["EPSG",4326]' in summary


def test_flatgeobuf_and_geojson(db_copy: str, runner: CliRunner, tmp_path: Path) -> None:
    result = run_cli(runner, db_copy, "export", str(tmp_path / "f.fgb"), "--site", SITE, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    names = sorted(Path(f).name for f in report["files"])
    assert names == ["f_change.fgb", "f_detections.fgb", "f_scenes.fgb", "f_sites.fgb"]
    for f in report["files"]:
        layer = Path(f).stem.removeprefix("f_")
        assert pyogrio.read_info(f)["features"] == report["layers"][layer]
    out = tmp_path / "f.geojson"
    assert run_cli(runner, db_copy, "export", str(out), "--site", SITE).exit_code == 0
    fc = json.loads(out.read_text())
    by_layer: dict[str, int] = {}
    for feature in fc["features"]:
        by_layer[feature["properties"]["layer"]] = (
            by_layer.get(feature["properties"]["layer"], 0) + 1
        )
    assert by_layer == {k: v for k, v in report["layers"].items() if v}
    change = next(f for f in fc["features"] if f["properties"]["layer"] == "change")
    assert change["properties"]["after_datetime"].endswith("Z")
    assert pyogrio.read_info(out)["features"] == len(fc["features"])


def test_bad_export_names_are_one_line_errors(
    db_copy: str, runner: CliRunner, tmp_path: Path
) -> None:
    result = run_cli(runner, db_copy, "export", str(tmp_path / "x.shp"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot write")
    assert (
        run_cli(runner, db_copy, "export", str(tmp_path / "x.gpkg"), "--site", "nowhere").exit_code
        == 2
    )


def _validators() -> dict[str, Any]:
    """Draft-7 validators for STAC 1.1 items and catalogs from the schemas pystac ships
    (no network)."""
    from jsonschema import Draft7Validator
    from pystac.validation.local_validator import get_local_schema_cache
    from referencing import Registry, Resource

    cache = get_local_schema_cache()
    registry = Registry().with_resources((k, Resource.from_contents(v)) for k, v in cache.items())
    base = "https://schemas.stacspec.org/v1.1.0"
    return {
        "Feature": Draft7Validator(
            cache[f"{base}/item-spec/json-schema/item.json"], registry=registry
        ),
        "Catalog": Draft7Validator(
            cache[f"{base}/catalog-spec/json-schema/catalog.json"], registry=registry
        ),
    }


def test_stac_catalog_of_findings_validates_and_reingests(
    db_copy: str, runner: CliRunner, tmp_path: Path
) -> None:
    from sitewatch.imagery.provenance import checksum

    out = tmp_path / "stac"
    result = run_cli(runner, db_copy, "export", "--stac", str(out), "--site", SITE, "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)["items"]
    store = _counts(db_copy)
    assert items == {"chip": store["scenes"], "change": store["pairs"]}
    validators = _validators()
    documents = sorted(out.rglob("*.json"))
    checked = 0
    for path in documents:
        doc = json.loads(path.read_text())
        if doc.get("type") not in validators:
            continue  # the change objects' GeoJSON
        errors = [e.message for e in validators[doc["type"]].iter_errors(doc)]
        assert errors == [], (path, errors)
        checked += 1
        for asset in doc.get("assets", {}).values():
            assert checksum(path.parent / asset["href"]) == asset["file:checksum"]
        for link in doc["links"]:
            if link["rel"] == "derived_from" and link.get("type") == "application/json":
                assert (path.parent / link["href"]).is_file()
        if doc["type"] == "Feature" and doc["properties"]["sitewatch:product"] == "change":
            assert doc["properties"]["start_datetime"] < doc["properties"]["end_datetime"]
            assert "model" in doc["assets"]  # the NAIP pairs are found by a learned model
            assert sum(link["rel"] == "derived_from" for link in doc["links"]) == 2
    assert checked == 2 + items["chip"] + items["change"]  # root, site, items
    # A tampered asset no longer matches its checksum.
    some = next(out.rglob("*.tif"))
    before = checksum(some)
    some.write_bytes(some.read_bytes() + b"x")
    assert checksum(some) != before
    # The chips read back as imagery; the change items are skipped, not failed.
    again = f"sqlite:///{tmp_path / 'again.db'}"
    reingest = run_cli(runner, again, "ingest", str(out / "catalog.json"), "--json")
    assert reingest.exit_code == 0, reingest.output
    with Store(again) as fresh:
        scenes = fresh.list_scenes()
        assert len(scenes) == store["scenes"]
        assert {b.common_name for b in scenes[0].scene.bands} >= {"red", "green", "blue"}
    assert run_cli(runner, db_copy, "export", "--stac", str(out)).exit_code == 2  # not empty
