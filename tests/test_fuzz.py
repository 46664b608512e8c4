"""Property-based fuzzing of what SiteWatch parses from outside: GeoJSON geometries and
site files, STAC items, article text and the CLI's numeric options.  Each example ends in
a result or a SitewatchError (a one-line ``error:`` and exit 2 on the command line),
never anything else, and within a time bound."""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitewatch.claims.extract import extract_claims
from sitewatch.errors import SitewatchError
from sitewatch.geo.geojson import area_polygon_from_geojson, geometry_from_geojson
from sitewatch.imagery.sources.stac import StaticStacSource
from sitewatch.sites.watchlist import builtin_sites, load_sites_file
from tests.helpers import run_cli

T = TypeVar("T")
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Seconds one parse may take.
BOUND = 2.0

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -0.0, 1e308, -1e308, 5e-324, 180.0, -180.0, 90.0, 90.0000001]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=10), inner, max_size=6)
    ),
    max_leaves=40,
)
positions = st.lists(numbers, min_size=0, max_size=4)
rings = st.lists(positions, min_size=0, max_size=8)
geometries = st.one_of(
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": positions}),
    st.fixed_dictionaries({"type": st.just("Polygon"), "coordinates": st.lists(rings, max_size=3)}),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["MultiPolygon", "LineString", "Blob", "GeometryCollection"]),
            "coordinates": json_values,
        }
    ),
    json_values,
)


def _bounded(call: Callable[[], T]) -> T | SitewatchError:
    """``call()``'s result or its SitewatchError; anything else fails the test, as does
    taking longer than BOUND."""
    start = time.perf_counter()
    try:
        result: T | SitewatchError = call()
    except SitewatchError as exc:
        result = exc
    assert time.perf_counter() - start < BOUND
    return result


@FUZZ
@given(obj=geometries)
def test_geojson_geometries_parse_or_are_refused(obj: Any) -> None:
    _bounded(lambda: geometry_from_geojson(obj))
    area = _bounded(lambda: area_polygon_from_geojson(obj))
    if not isinstance(area, SitewatchError):
        assert area.is_valid
        assert not area.is_empty
        assert all(math.isfinite(v) for v in area.bounds)


@FUZZ
@given(
    features=st.lists(
        st.fixed_dictionaries(
            {
                "type": st.just("Feature"),
                "id": scalars,
                "geometry": geometries,
                "properties": st.one_of(
                    json_values,
                    st.fixed_dictionaries({"name": scalars, "kind": scalars, "zones": json_values}),
                ),
            }
        ),
        max_size=3,
    )
)
def test_site_files_load_or_are_refused(features: list[Any], tmp_path: Path) -> None:
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    _bounded(lambda: load_sites_file(str(path)))


@pytest.fixture(scope="module")
def item(data_dir: Path) -> dict[str, Any]:
    path = sorted((data_dir / "oscd" / "sentinel-2-l1c-oscd").glob("*/*.json"))[0]
    loaded: dict[str, Any] = json.loads(path.read_text())
    for asset in loaded["assets"].values():
        asset["href"] = str((path.parent / asset["href"]).resolve())
    loaded["links"] = []
    return loaded


FIELDS = [
    ("geometry",),
    ("bbox",),
    ("properties", "datetime"),
    ("properties", "gsd"),
    ("properties", "proj:epsg"),
    ("properties", "eo:cloud_cover"),
    ("assets",),
    ("id",),
    ("type",),
    ("stac_version",),
]


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(FIELDS), json_values), min_size=1, max_size=4))
def test_stac_items_load_or_are_one_failed_item(
    edits: list[tuple[tuple[str, ...], Any]], item: dict[str, Any], tmp_path: Path
) -> None:
    doc = copy.deepcopy(item)
    for path, value in edits:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    out = tmp_path / "item.json"
    out.write_text(json.dumps(doc))
    source = StaticStacSource(out)
    scene = _bounded(lambda: source.load(str(out)))
    if not isinstance(scene, SitewatchError):
        assert scene.footprint.is_valid
        assert scene.gsd > 0
        assert math.isfinite(scene.gsd)
        assert 1850 <= scene.time_utc.year <= 2200


SITES = builtin_sites()
words = st.sampled_from(
    ["Sanumdong", "Sohae", "Yongbyon", "trucks", "moved", "construction", "said", "U.S.",
     "officials", "on", "March", "2019", "Feb.", "30,", "9999", "(Reuters)", "-", "\n",
     "satellite", "imagery", "shows", "A" * 50, "Aa", ".", '"', "according", "to"]
)  # fmt: skip
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(words, st.text(max_size=8)), max_size=300).map(" ".join),
)


@FUZZ
@given(text=texts, published=st.dates())
def test_claims_extract_or_refuse_any_text(text: str, published: Any) -> None:
    _bounded(lambda: extract_claims(text, SITES, published=published))


number_texts = st.one_of(
    numbers.map(str),
    st.sampled_from(["nan", "-inf", "inf", "1e999", "-0", "0x10", "", " ", "1,5", "½", "٣"]),
    st.text(max_size=8),
)
COMMANDS: list[Callable[[str], list[str]]] = [
    lambda v: ["reach", "--from", "sanumdong", "--range-km", v, "--json"],
    lambda v: ["reach", "--from", "sanumdong", "--range-mi", v],
    lambda v: ["alerts", "detect", "--threshold", v],
    lambda v: ["alerts", "--since", v],
    lambda v: ["alerts", "ack", v],
    lambda v: ["chip", "--site", "sohae", "--scene", "none", "--out", "x.tif", "--gsd", v],
    lambda v: ["detect", "none.png", "--out", "d.json", "--gsd", v],
    lambda v: ["sites", "add", "f", "--name", "F", "--bbox", f"{v},0,1,1"],
    lambda v: ["ingest", "none", "--max-items", v],
]


@FUZZ
@given(which=st.sampled_from(range(len(COMMANDS))), value=number_texts)
def test_numeric_options_answer_or_fail_in_one_line(
    which: int, value: str, runner: CliRunner, db_url: str
) -> None:
    args = COMMANDS[which](value)
    start = time.perf_counter()
    result = run_cli(runner, db_url, *args)
    assert time.perf_counter() - start < BOUND * 5
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        if "--json" in args:
            json.loads(result.stdout)  # strict: no NaN or Infinity
        return
    assert result.exit_code == 2, (args, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, (args, lines)
    assert lines[0].startswith("error: ")
