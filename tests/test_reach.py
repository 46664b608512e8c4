"""Reach: geodesic distances against GeographicLib, ring validity, poles, antimeridian, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from geographiclib.geodesic import Geodesic
from shapely.geometry import Point, Polygon, shape

from sitewatch.geo.geojson import rfc7946_geometry
from sitewatch.reach.ranges import (
    KM_PER_MILE,
    conus_coverage,
    distance_km,
    find_target,
    in_range,
    range_ring,
)
from tests.helpers import assert_one_line_error, run_cli

PYONGYANG = (125.7543, 39.0339)


def test_distances_agree_with_geographiclib_to_a_metre() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        lon1, lon2 = rng.uniform(-180, 180, 2)
        lat1, lat2 = rng.uniform(-89, 89, 2)
        ref = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]
        assert abs(distance_km(lon1, lat1, lon2, lat2) * 1000 - ref) < 1.0


def test_ring_points_lie_at_the_range() -> None:
    ring = range_ring(*PYONGYANG, 2000.0)
    assert isinstance(ring, Polygon)
    for lon, lat in list(ring.exterior.coords)[::37]:
        assert distance_km(*PYONGYANG, lon, lat) == pytest.approx(2000.0, abs=0.01)


@pytest.mark.parametrize(
    ("lon", "lat", "km", "pole"),
    [
        (*PYONGYANG, 1000.0, None),
        (*PYONGYANG, 13000.0, "north"),  # an ICBM ring over the Arctic
        (179.5, -16.0, 3000.0, None),  # Fiji: crosses the antimeridian
        (-70.0, -75.0, 2500.0, "south"),
        (0.0, 0.0, 15000.0, "both"),
    ],
)
def test_rings_are_valid_geojson_and_contain_the_right_points(
    lon: float, lat: float, km: float, pole: str | None
) -> None:
    geom = shape(rfc7946_geometry(range_ring(lon, lat, km)))
    assert geom.is_valid
    minx, _, maxx, _ = geom.bounds
    assert -180 <= minx <= maxx <= 180
    assert geom.buffer(1e-6).contains(Point(lon, lat))
    north, south = Point(lon, 89.999), Point(lon, -89.999)
    assert geom.buffer(1e-6).contains(north) == (pole in ("north", "both"))
    assert geom.buffer(1e-6).contains(south) == (pole in ("south", "both"))
    if lon > 179:  # split at the antimeridian, both halves present
        assert geom.geom_type == "MultiPolygon"
    # A point just inside/outside the range along some azimuth.
    az = 123.0
    inside = Geodesic.WGS84.Direct(lat, lon, az, km * 1000 * 0.97)
    outside = Geodesic.WGS84.Direct(lat, lon, az, km * 1000 * 1.03)
    assert geom.contains(Point(inside["lon2"], inside["lat2"]))
    assert not geom.contains(Point(outside["lon2"], outside["lat2"]))


def test_targets_and_us_coverage() -> None:
    near = in_range(*PYONGYANG, 250.0)
    names = [t.name for t, _ in near]
    assert "Seoul" in names
    assert all(d <= 250.0 for _, d in near)
    assert [d for _, d in near] == sorted(d for _, d in near)
    washington = find_target("Washington")
    assert washington.country == "US"
    # 8,000 miles covers the contiguous US; 6,000 does not.
    yes = conus_coverage(*PYONGYANG, 8000 * KM_PER_MILE)
    no = conus_coverage(*PYONGYANG, 6000 * KM_PER_MILE)
    assert yes["covered"]
    assert not no["covered"]
    assert yes["farthest"]["distance_mi"] < 8000
    assert yes["farthest"]["name"].endswith(", FL")  # the far south-east is farthest


def test_reach_cli(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    r = run_cli(runner, db_url, "reach", "--from", "sanumdong", "--range-mi", "8000", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["contiguous_us"]["covered"] is True
    assert out["ring"]["properties"]["range_km"] == pytest.approx(8000 * KM_PER_MILE, abs=0.01)
    assert shape(out["ring"]["geometry"]).is_valid
    # Every target in range is listed (not the nearest 50), capitals flagged, and the
    # distance to Washington is in the default answer.
    assert len(out["targets"]) == out["targets_in_range"] > 500
    names = {(t["name"], t["country"]): t for t in out["targets"]}
    assert names[("Washington", "US")]["capital"] is True
    assert names[("Washington", "US")]["distance_mi"] < 8000
    assert out["capitals_in_range"] == sum(t["capital"] for t in out["targets"])
    assert out["washington"]["in_range"] is True
    assert 6500 < out["washington"]["distance_mi"] < 7100
    distances = [t["distance_km"] for t in out["targets"]]
    assert distances == sorted(distances)
    text = run_cli(runner, db_url, "reach", "--from", "sanumdong", "--range-mi", "8000")
    assert "Washington: " in text.stdout
    assert "in range" in text.stdout
    short = run_cli(runner, db_url, "reach", "--from", "sanumdong", "--range-km", "1500",
                    "--json")  # fmt: skip
    assert json.loads(short.stdout)["washington"]["in_range"] is False
    by_pop = run_cli(runner, db_url, "reach", "--from", "sanumdong", "--range-mi", "8000",
                     "--sort", "population", "--limit", "5", "--json")  # fmt: skip
    top = json.loads(by_pop.stdout)["targets"]
    assert len(top) == 5
    assert [t["population"] for t in top] == sorted((t["population"] for t in top), reverse=True)
    assert top[0]["population"] == max(t["population"] for t in out["targets"])
    ring_file = tmp_path / "ring.geojson"
    written = run_cli(runner, db_url, "reach", "--from", "sanumdong", "--range-mi", "8000",
                      "--out", str(ring_file))  # fmt: skip
    assert written.exit_code == 0, written.output
    fc = json.loads(ring_file.read_text())
    assert fc["type"] == "FeatureCollection"
    assert shape(fc["features"][0]["geometry"]).equals(shape(out["ring"]["geometry"]))
    assert len(fc["features"]) == 1 + out["targets_in_range"]
    assert fc["features"][1]["geometry"]["type"] == "Point"
    r = run_cli(runner, db_url, "reach", "--from", "sanumdong", "--target", "Washington", "--json")
    assert 10500 < json.loads(r.stdout)["distance_km"] < 11500
    assert_one_line_error(
        run_cli(runner, db_url, "reach", "--from", "sanumdong", "--target", "Atlantis")
    )
    assert_one_line_error(run_cli(runner, db_url, "reach", "--from", "nowhere", "--range-km", "5"))
