"""Watchlist: built-in sites, GeoJSON per RFC 7946, the `sites` commands and their errors."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapely.geometry import Polygon, shape

from sitewatch.errors import InvalidGeoJSONError, InvalidSiteError
from sitewatch.geo.geojson import rfc7946_geometry, unwrap_antimeridian, wrap_antimeridian
from sitewatch.sites.watchlist import Site, builtin_sites, sites_from_geojson, sites_to_geojson
from sitewatch.store import Store
from tests.helpers import assert_one_line_error, run_cli


def _ring_is_ccw(ring: list[list[float]]) -> bool:
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
    return area2 > 0


def test_builtin_sites_have_cited_locations_and_aois() -> None:
    sites = {s.id: s for s in builtin_sites()}
    assert set(sites) == {"sanumdong", "sohae", "yongbyon"}
    assert sites["sohae"].kind == "launch-site"
    assert "Tongchang-ri" in sites["sohae"].aliases
    assert "Sanum-dong" in sites["sanumdong"].aliases
    # Published centres lie inside the AOIs.
    assert sites["sohae"].aoi.contains(shape({"type": "Point", "coordinates": [124.705, 39.660]}))
    assert sites["yongbyon"].aoi.contains(
        shape({"type": "Point", "coordinates": [125.755, 39.795]})
    )
    for s in sites.values():
        assert s.location_source, s.id
        assert s.country == "KP"


def test_geojson_round_trip_is_rfc7946() -> None:
    fc = sites_to_geojson(builtin_sites())
    for feat in fc["features"]:
        ring = feat["geometry"]["coordinates"][0]
        assert _ring_is_ccw(ring)
        assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
    again = sites_from_geojson(json.loads(json.dumps(fc)))
    assert [s.id for s in again] == ["sanumdong", "sohae", "yongbyon"]
    assert again[1].aoi.symmetric_difference(builtin_sites()[1].aoi).area < 1e-12


def test_clockwise_input_is_written_counter_clockwise() -> None:
    cw = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    out = rfc7946_geometry(cw)
    assert _ring_is_ccw(out["coordinates"][0])


def test_antimeridian_split_and_join() -> None:
    # A site on Taveuni, Fiji straddling 180 degrees, held unwrapped internally.
    unwrapped = Polygon([(179.8, -16.9), (180.2, -16.9), (180.2, -16.7), (179.8, -16.7)])
    site = Site(id="taveuni", name="Taveuni", kind="other", aoi=unwrapped)
    geom = site.to_feature()["geometry"]
    assert geom["type"] == "MultiPolygon"
    parts = [shape({"type": "Polygon", "coordinates": c}) for c in geom["coordinates"]]
    assert sorted(round(p.bounds[0], 6) for p in parts) == [-180.0, 179.8]
    assert all(_ring_is_ccw(c[0]) for c in geom["coordinates"])
    back = Site.from_feature(site.to_feature())
    assert back.aoi.area == pytest.approx(unwrapped.area)
    split = wrap_antimeridian(unwrapped)
    joined = unwrap_antimeridian(split)  # type: ignore[arg-type]
    assert joined.symmetric_difference(unwrapped).area < 1e-12


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f["properties"].pop("name"), "needs a 'name'"),
        (
            lambda f: f.update(geometry={"type": "Polygon", "coordinates": [[[0, 0], [1]]]}),
            "malformed",
        ),
        (
            lambda f: f.update(geometry={"type": "Point", "coordinates": [125.0, 39.0]}),
            "one Polygon",
        ),
        (
            lambda f: f.update(
                geometry={
                    "type": "Polygon",
                    "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]],
                }
            ),
            "out of lon/lat range",
        ),
        (lambda f: f["properties"].update(kind="bakery"), "choose one of"),
        (lambda f: f["properties"].update(id="Bad Id!"), "site id"),
    ],
)
def test_malformed_site_features_are_rejected(mutate: object, message: str) -> None:
    feat = builtin_sites()[0].to_feature()
    mutate(feat)  # type: ignore[operator]
    with pytest.raises((InvalidGeoJSONError, InvalidSiteError), match=message):
        sites_from_geojson({"type": "FeatureCollection", "features": [feat]})


def test_sites_list_json_lists_builtins(runner: CliRunner, db_url: str) -> None:
    result = run_cli(runner, db_url, "sites", "list", "--json")
    assert result.exit_code == 0, result.output
    fc = json.loads(result.stdout)
    assert fc["type"] == "FeatureCollection"
    ids = [f["properties"]["id"] for f in fc["features"]]
    assert ids == ["sanumdong", "sohae", "yongbyon"]
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])


def test_sites_add_show_export_remove(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    r = run_cli(
        runner,
        db_url,
        "sites",
        "add",
        "kaesong",
        "--name",
        "Kaesong test",
        "--kind",
        "other",
        "--bbox",
        "126.5,37.9,126.6,38.0",
        "--alias",
        "Kaesong",
    )
    assert r.exit_code == 0, r.output
    shown = json.loads(run_cli(runner, db_url, "sites", "show", "kaesong", "--json").stdout)
    assert shown["properties"]["aliases"] == ["Kaesong"]
    dup = run_cli(runner, db_url, "sites", "add", "kaesong", "--name", "x", "--bbox", "1,1,2,2")
    assert_one_line_error(dup, "already in the watchlist")
    out = tmp_path / "watchlist.geojson"
    assert run_cli(runner, db_url, "sites", "export", str(out)).exit_code == 0
    exported = json.loads(out.read_text())
    assert len(exported["features"]) == 4
    assert run_cli(runner, db_url, "sites", "remove", "kaesong").exit_code == 0
    assert_one_line_error(run_cli(runner, db_url, "sites", "show", "kaesong"), "no site 'kaesong'")
    # Re-import what was exported: the removed site comes back.
    r = run_cli(runner, db_url, "sites", "import", str(out), "--replace", "--json")
    assert json.loads(r.stdout) == {
        "sites": ["kaesong", "sanumdong", "sohae", "yongbyon"],
        "added": 1,
        "replaced": 3,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "FeatureCollection"}', "no 'features' list"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}',
            "needs an 'id'",
        ),
    ],
)
def test_import_malformed_geojson_loses_nothing(
    runner: CliRunner, db_url: str, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text(content)
    assert_one_line_error(run_cli(runner, db_url, "sites", "import", str(bad)), message)
    with Store(db_url) as store:
        assert [s.id for s in store.list_sites()] == ["sanumdong", "sohae", "yongbyon"]


def test_import_is_all_or_nothing(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    good = Site(id="new-one", name="New", kind="other", aoi=Polygon([(0, 0), (1, 0), (1, 1)]))
    clash = builtin_sites()[0]
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps(sites_to_geojson([good, clash])))
    assert_one_line_error(run_cli(runner, db_url, "sites", "import", str(path)), "--replace")
    with Store(db_url) as store:
        assert "new-one" not in [s.id for s in store.list_sites()]


def test_missing_file_is_one_line_error(runner: CliRunner, db_url: str) -> None:
    assert_one_line_error(
        run_cli(runner, db_url, "sites", "import", "/nonexistent/sites.geojson"), "not found"
    )
