"""Imagery sources (files, static STAC, STAC API), ingest, and bad input in a batch."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitewatch.errors import EmptyCatalogError, InvalidSceneError, NotGeoreferencedError
from sitewatch.imagery.sources import open_source
from sitewatch.imagery.sources.files import FileSource, acquisition_time, time_from_name
from sitewatch.imagery.sources.stac import StacApiSource, StaticStacSource
from sitewatch.store import Store
from sitewatch.store.ingest import ingest
from tests.helpers import assert_one_line_error, run_cli, write_tif
from tests.stac_api import serve_stac_api


@pytest.mark.parametrize(
    ("name", "expected", "precision"),
    [
        ("m_4709963_se_14_1_20190304.tif", datetime(2019, 3, 4, tzinfo=UTC), "day"),
        ("sohae_2019-03-04.tif", datetime(2019, 3, 4, tzinfo=UTC), "day"),
        ("scene_20190304T101530.tif", datetime(2019, 3, 4, 10, 15, 30, tzinfo=UTC), "second"),
        ("2015.tif", datetime(2015, 1, 1, tzinfo=UTC), "year"),
        ("landsat_1985_composite.tif", datetime(1985, 1, 1, tzinfo=UTC), "year"),
    ],
)
def test_time_from_file_name(name: str, expected: datetime, precision: str) -> None:
    assert time_from_name(name) == (expected, precision)


def test_time_from_name_rejects_impossible_dates() -> None:
    assert time_from_name("tile_20191341.tif") is None
    assert time_from_name("no_date_here.tif") is None


def test_acquisition_tag_beats_file_name_and_tifftag_is_last() -> None:
    tags = {
        "ACQUISITIONDATETIME": "2019-03-07T01:02:03Z",
        "TIFFTAG_DATETIME": "2020:01:01 00:00:00",
    }
    t, _, where = acquisition_time(tags, "x_20190304.tif")
    assert (t, where) == (datetime(2019, 3, 7, 1, 2, 3, tzinfo=UTC), "tag ACQUISITIONDATETIME")
    t, _, where = acquisition_time({"TIFFTAG_DATETIME": "2020:01:01 00:00:00"}, "x_20190304.tif")
    assert where == "file name"
    t, _, where = acquisition_time({"TIFFTAG_DATETIME": "2020:01:02 03:04:05"}, "nodate.tif")
    assert t == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(InvalidSceneError, match="no acquisition time"):
        acquisition_time({}, "nodate.tif")


def test_naip_folder_gives_ten_dated_scenes(data_dir: Path, store: Store) -> None:
    source = FileSource(
        data_dir / "timeseries" / "naip", band_names=["red", "green", "blue", "nir"]
    )
    report = ingest(source, store)
    assert report.recorded == 10
    assert not report.failed
    scenes = [e.scene for e in store.list_scenes()]
    dates = [s.datetime.date().isoformat() for s in scenes]
    assert dates == [
        "2009-08-18",
        "2010-06-29",
        "2012-07-31",
        "2014-07-20",
        "2015-09-26",
        "2016-08-16",
        "2017-08-27",
        "2018-07-16",
        "2019-09-04",
        "2020-08-31",
    ]
    first = scenes[0]
    assert first.id == "naip/m_4709963_se_14_1_20090818"
    assert first.crs == "EPSG:26914"
    assert first.gsd == pytest.approx(5.0)
    assert [b.common_name for b in first.bands] == ["red", "green", "blue", "nir"]
    assert first.time_precision == "day"
    # The footprint is lon/lat in North Dakota.
    assert -100 < first.footprint.centroid.x < -98
    assert 46 < first.footprint.centroid.y < 48


def test_landsat_years_and_geographic_gsd(data_dir: Path, store: Store) -> None:
    report = ingest(FileSource(data_dir / "timeseries" / "landsat"), store)
    assert report.recorded == 8
    scene = store.get_scene("landsat/2015")
    assert scene.time_precision == "year"
    assert scene.datetime == datetime(2015, 1, 1, tzinfo=UTC)
    assert scene.crs == "EPSG:4326"
    assert 85 < scene.gsd < 95  # 0.000808 degrees near the equator is about 90 m
    assert [b.name for b in scene.bands] == ["b1", "b2", "b3", "b4"]


def test_oscd_catalog_gives_32_scenes_two_per_city(data_dir: Path, store: Store) -> None:
    report = ingest(StaticStacSource(data_dir / "oscd" / "catalog.json"), store)
    assert report.recorded == 32
    assert not report.failed
    scenes = [e.scene for e in store.list_scenes()]
    cities = Counter(s.id.rsplit("_", 1)[0] for s in scenes)
    assert len(cities) == 16
    assert set(cities.values()) == {2}
    for s in scenes:  # item ids carry the acquisition date
        assert s.datetime.strftime("%Y%m%d") == s.id.rsplit("_", 1)[1]
        assert s.platform == "sentinel-2"
        assert s.gsd == 10
    beirut = store.get_scene("beirut_20150820")
    assert beirut.band("red").name == "B04"
    assert beirut.band("swir16").gsd == 20
    assert beirut.band("B08").common_name == "nir"
    assert beirut.crs == "EPSG:4326"


def test_reingest_is_idempotent(data_dir: Path, store: Store) -> None:
    catalog = str(data_dir / "oscd" / "catalog.json")
    first = ingest(open_source(catalog), store)
    listed = [e.to_dict() for e in store.list_scenes()]
    second = ingest(open_source(catalog), store)
    assert len(first.added) == 32
    assert (len(second.added), len(second.updated), len(second.unchanged)) == (0, 0, 32)
    assert [e.to_dict() for e in store.list_scenes()] == listed


def _copy_catalog_subset(data_dir: Path, dest: Path, cities: tuple[str, ...]) -> Path:
    """A static catalog of a few OSCD items, asset hrefs pointing back at the real COGs."""
    src = data_dir / "oscd" / "sentinel-2-l1c-oscd"
    coll = json.loads((src / "collection.json").read_text())
    keep = []
    for link in coll["links"]:
        if link["rel"] != "item":
            keep.append(link)
            continue
        item_id = Path(link["href"]).parent.name
        if not item_id.startswith(cities):
            continue
        item = json.loads((src / link["href"]).read_text())
        for asset in item["assets"].values():
            asset["href"] = str((src / item_id / asset["href"]).resolve())
        item["links"] = [
            ln for ln in item["links"] if ln["rel"] not in ("root", "parent", "collection")
        ]
        out = dest / item_id / f"{item_id}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(item))
        keep.append(
            {"rel": "item", "href": f"./{item_id}/{item_id}.json", "type": "application/json"}
        )
    coll["links"] = [ln for ln in keep if ln["rel"] not in ("root", "parent", "self")]
    (dest / "collection.json").write_text(json.dumps(coll))
    return dest / "collection.json"


def test_bad_stac_items_are_skipped_and_reported(
    data_dir: Path, store: Store, tmp_path: Path
) -> None:
    coll = _copy_catalog_subset(data_dir, tmp_path / "cat", ("beirut", "dubai"))
    (tmp_path / "cat" / "dubai_20151211" / "dubai_20151211.json").write_text("{ truncated")
    item_path = tmp_path / "cat" / "dubai_20180330" / "dubai_20180330.json"
    item = json.loads(item_path.read_text())
    del item["properties"]["datetime"]
    item_path.write_text(json.dumps(item))
    report = ingest(StaticStacSource(coll), store)
    assert sorted(report.added) == ["beirut_20150820", "beirut_20171003"]
    failed = dict(report.failed)
    assert len(failed) == 2
    assert (
        "not valid JSON" in failed[str(tmp_path / "cat" / "dubai_20151211" / "dubai_20151211.json")]
    )
    assert any("datetime" in msg for msg in failed.values())


def test_bad_files_are_skipped_and_reported(data_dir: Path, store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("m_4709963_se_14_1_20090818.tif", "m_4709963_se_14_1_20100629.tif"):
        shutil.copy(data_dir / "timeseries" / "naip" / name, folder / name)
    (folder / "corrupt_20190101.tif").write_bytes(b"II*\x00 this is not a tiff")
    write_tif(folder / "plain_20190102.tif", crs=None)
    write_tif(folder / "nodate.tif")
    report = ingest(FileSource(folder), store)
    assert report.recorded == 2
    failed = {Path(r).name: e for r, e in report.failed}
    assert set(failed) == {"corrupt_20190101.tif", "plain_20190102.tif", "nodate.tif"}
    assert "cannot read" in failed["corrupt_20190101.tif"]
    assert "no CRS or geotransform" in failed["plain_20190102.tif"]
    assert "no acquisition time" in failed["nodate.tif"]


def test_empty_sources(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(EmptyCatalogError, match="no GeoTIFF"):
        FileSource(tmp_path / "empty").refs()
    cat = tmp_path / "catalog.json"
    cat.write_text(
        json.dumps(
            {
                "type": "Catalog",
                "id": "empty",
                "stac_version": "1.0.0",
                "description": "none",
                "links": [],
            }
        )
    )
    with pytest.raises(EmptyCatalogError, match="has no items"):
        StaticStacSource(cat).refs()


def test_non_georeferenced_single_file(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "plain_20190102.tif", crs=None)
    with pytest.raises(NotGeoreferencedError):
        FileSource(path).load(str(path))


def test_stac_api_search(data_dir: Path, store: Store) -> None:
    with serve_stac_api(data_dir / "oscd") as (url, requests):
        source = StacApiSource(
            url,
            collections=["sentinel-2-l1c-oscd"],
            bbox=[35.4, 33.7, 35.6, 34.0],
            datetime="2015-01-01/2016-12-31",
        )
        report = ingest(source, store)
        assert report.added == ["beirut_20150820"]
        assert any(r.startswith(("GET /search", "POST /search")) for r in requests)
        # Paging: 32 items in pages of 10 (the server's default) all arrive.
        everything = ingest(StacApiSource(url), store)
        assert everything.recorded == 32
    scene = store.get_scene("beirut_20150820")
    assert scene.band("red").href.endswith("cogs/beirut/20150820/B04.tif")
    assert scene.properties["collection"] == "sentinel-2-l1c-oscd"


def test_stac_api_cli_with_site(data_dir: Path, runner: CliRunner, db_url: str) -> None:
    run_cli(
        runner,
        db_url,
        "sites",
        "add",
        "beirut",
        "--name",
        "Beirut",
        "--bbox",
        "35.48,33.85,35.52,33.88",
    )
    with serve_stac_api(data_dir / "oscd") as (url, _):
        r = run_cli(runner, db_url, "ingest", url, "--site", "beirut", "--json")
        assert r.exit_code == 0, r.output
        assert sorted(json.loads(r.stdout)["added"]) == ["beirut_20150820", "beirut_20171003"]
        empty = run_cli(runner, db_url, "ingest", url, "--bbox", "0,0,1,1")
        assert_one_line_error(empty, "no items")


def test_unreachable_stac_api(runner: CliRunner, db_url: str) -> None:
    r = run_cli(runner, db_url, "ingest", "http://127.0.0.1:9/")
    assert_one_line_error(r, "cannot reach the STAC API")


def test_ingest_cli_exit_codes(
    data_dir: Path, runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(data_dir / "timeseries" / "landsat" / "1985.tif", folder / "1985.tif")
    (folder / "broken_2001.tif").write_bytes(b"garbage")
    partial = run_cli(runner, db_url, "ingest", str(folder))
    assert partial.exit_code == 1
    assert "1 scene(s) recorded" in partial.stdout
    assert "skipped" in partial.stderr
    assert "broken_2001.tif" in partial.stderr
    only_bad = run_cli(runner, db_url, "ingest", str(folder / "broken_2001.tif"))
    assert_one_line_error(only_bad, "cannot read")
    missing = run_cli(runner, db_url, "ingest", str(tmp_path / "nope"))
    assert_one_line_error(missing, "not found")
    plain = write_tif(tmp_path / "plain_20190102.tif", crs=None)
    assert_one_line_error(run_cli(runner, db_url, "ingest", str(plain)), "no CRS or geotransform")
    # What was recorded before the failures is still there.
    listed = json.loads(run_cli(runner, db_url, "scenes", "list", "--json").stdout)
    assert [s["id"] for s in listed] == ["mixed/1985"]
