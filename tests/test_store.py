"""Store: migrations, transactions, crash consistency, locations, observations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

from sitewatch.activity.alerts import Alert
from sitewatch.activity.figures import Observation
from sitewatch.errors import StoreError
from sitewatch.geo import grid
from sitewatch.imagery.sources.files import FileSource
from sitewatch.sites.watchlist import demo_sites
from sitewatch.store import Store, resolve_db_url
from sitewatch.store import db as store_db
from sitewatch.store.ingest import ingest
from tests.helpers import assert_one_line_error, run_cli

pytestmark = pytest.mark.both_stores


def test_new_store_is_migrated_and_seeded(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "sites",
        "scenes",
        "scene_sites",
        "observations",
        "alerts",
        "claims",
        "chips",
        "pairs",
        "subscriptions",
        "webhooks",
        "deliveries",
        "locks",
        "alembic_version",
    } <= tables
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("select version_num from alembic_version").scalar() == "0007"
    if store.engine.dialect.name == "postgresql":  # geometry columns with GiST indexes
        with store.engine.connect() as conn:
            columns = conn.exec_driver_sql(
                "select f_table_name, f_geometry_column, type, srid from geometry_columns "
                "order by 1"
            ).all()
            indexes = conn.exec_driver_sql(
                "select indexname from pg_indexes where indexdef like '%%USING gist%%' order by 1"
            ).scalars()
            assert [tuple(c) for c in columns] == [
                ("change_objects", "geom", "MULTIPOLYGON", 4326),
                ("detections", "geom", "POLYGON", 4326),
                ("scenes", "footprint", "POLYGON", 4326),
                ("site_zones", "geom", "POLYGON", 4326),
                ("sites", "aoi", "POLYGON", 4326),
            ]
            assert list(indexes) == [
                "ix_change_objects_geom",
                "ix_detections_geom",
                "ix_scenes_footprint",
                "ix_site_zones_geom",
                "ix_sites_aoi",
            ]
    assert [s.id for s in store.list_sites()] == ["sanumdong", "sohae", "yongbyon"]


def test_migrations_build_the_schema_the_models_describe(store: Store) -> None:
    """Alembic's autogenerate finds nothing to add: migrations and ORM models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from sitewatch.store.models import Base, schema_filter

    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": schema_filter(conn.dialect.name)}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_reopening_keeps_data_and_does_not_reseed(db_url: str) -> None:
    with Store(db_url) as s:
        s.remove_site("sohae")
    with Store(db_url) as s:
        assert [x.id for x in s.list_sites()] == ["sanumdong", "yongbyon"]


def test_db_location_from_path_url_and_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    assert resolve_db_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert resolve_db_url("sqlite:///x.db") == "sqlite:///x.db"
    monkeypatch.setenv("SITEWATCH_DB", str(tmp_path / "env.db"))
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    from sitewatch.cli.main import cli

    r = runner.invoke(cli, ["sites", "list", "--json"])
    assert r.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_not_a_database_is_one_line_error(tmp_path: Path, runner: CliRunner) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    r = run_cli(runner, str(junk), "sites", "list")
    assert_one_line_error(r, "cannot open the database")
    missing_dir = tmp_path / "no" / "such" / "dir.db"
    assert_one_line_error(run_cli(runner, str(missing_dir), "sites", "list"), "does not exist")


def test_crash_mid_ingest_leaves_store_consistent(
    data_dir: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash after the scene row is written but before its links are: the scene is rolled
    back, scenes finished before it stay, nothing half-written remains."""
    store.import_sites([s for s in demo_sites() if s.id == "demo-naip-nd"])
    footprints: list[object] = []
    real = grid.coverage_of

    def crashing(footprint: object, aoi: object) -> float:
        if not any(f is footprint for f in footprints):  # a scene's own footprint object
            footprints.append(footprint)
        if len(footprints) == 4:  # the 4th scene's first link
            raise RuntimeError("simulated crash")
        return real(footprint, aoi)  # type: ignore[arg-type]

    monkeypatch.setattr(store_db, "coverage_of", crashing)
    source = FileSource(
        data_dir / "timeseries" / "naip", band_names=["red", "green", "blue", "nir"]
    )
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(source, store)
    monkeypatch.setattr(store_db, "coverage_of", real)
    entries = store.list_scenes()
    assert len(entries) == 3
    assert all(e.sites == {"demo-naip-nd": pytest.approx(1.0)} for e in entries)
    with store.engine.connect() as conn:
        orphans = conn.exec_driver_sql(
            "select count(*) from scene_sites where scene_id not in (select id from scenes)"
        ).scalar()
        assert orphans == 0
        if store.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("pragma integrity_check").scalar() == "ok"
    # Resuming finishes the job; finished scenes are not rewritten.
    report = ingest(source, store)
    assert (len(report.added), len(report.unchanged)) == (7, 3)


def test_observations_round_trip_and_cascade(data_dir: Path, store: Store) -> None:
    ingest(FileSource(data_dir / "timeseries" / "landsat"), store)
    t = datetime(1990, 1, 1, tzinfo=UTC)
    ob = Observation(
        "sohae",
        "change_magnitude",
        0.5,
        t,
        "landsat/1990",
        "landsat/1985",
        evidence={"scenes": ["landsat/1985", "landsat/1990"]},
    )
    store.put_observations([ob])
    store.put_observations(
        [Observation("sohae", "change_magnitude", 0.7, t, "landsat/1990", "landsat/1985")]
    )
    got = store.observations("sohae")
    assert len(got) == 1
    assert got[0].value == 0.7
    assert got[0].time == t
    with pytest.raises(StoreError, match="unknown site or scene"):
        store.put_observations([Observation("sohae", "x", 1.0, t, "no-such-scene")])
    assert len(store.observations("sohae")) == 1  # the failed write left nothing behind
    store.remove_site("sohae")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from observations").scalar() == 0


def test_scene_times_are_utc_in_json(data_dir: Path, runner: CliRunner, db_url: str) -> None:
    run_cli(runner, db_url, "ingest", str(data_dir / "timeseries" / "naip"))
    listed = json.loads(run_cli(runner, db_url, "scenes", "list", "--json").stdout)
    assert listed[0]["datetime"] == "2009-08-18T00:00:00Z"
    assert listed[0]["time_precision"] == "day"
    assert listed[0]["footprint"]["type"] == "Polygon"


def test_store_copy_moves_every_row_and_file(
    web_store: tuple[str, str], db_url: str, tmp_path: Path, runner: CliRunner
) -> None:
    """A SQLite store copied to ``db_url`` (SQLite or PostgreSQL) and from there to a new
    SQLite store: every row comes back as it was, the files are there, and new rows get
    new ids in the copy (its id sequences carry on past the copied rows)."""
    from sitewatch.pipeline.evidence import chip_file
    from tests.webstore import SITE

    result = run_cli(runner, web_store[0], "store", "copy", "--to", db_url, "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    back = f"sqlite:///{tmp_path / 'back.db'}"
    home = str(tmp_path / "back-workspace")
    returned = run_cli(runner, db_url, "store", "copy", "--to", back, "--to-workspace", home)
    assert returned.exit_code == 0, returned.output
    with Store(web_store[0]) as a, Store(db_url) as mid, Store(back, workspace=home) as b:
        assert mid.workspace.resolve().parent == tmp_path
        for table, n in counts.items():
            if table != "workspace files":
                with a.engine.connect() as ca, b.engine.connect() as cb:
                    rows_a = ca.exec_driver_sql(f"select * from {table} order by 1").all()
                    rows_b = cb.exec_driver_sql(f"select * from {table} order by 1").all()
                assert rows_a == rows_b, table
                assert len(rows_b) == n
        assert counts["workspace files"] == len(a.chips(SITE)) + len(a.pairs(SITE))
        scene = next(iter(mid.chips(SITE)))
        assert Path(chip_file(mid, SITE, scene)).is_file()
        assert mid.observations(SITE) == a.observations(SITE)
        assert [x.scene for x in mid.list_scenes(SITE)] == [x.scene for x in a.list_scenes(SITE)]
        newest = max(x.id or 0 for x in a.list_alerts())
        t = datetime(2030, 1, 1, tzinfo=UTC)
        mid.put_alerts([Alert(SITE, "brightness", "high", t, t, "after the copy")])
        assert max(x.id or 0 for x in mid.list_alerts()) == newest + 1
    again = run_cli(runner, web_store[0], "store", "copy", "--to", db_url)
    assert again.exit_code == 2
    assert again.stderr.startswith("error: the destination ")
    assert "store is not empty" in again.stderr


def test_detections_and_change_objects_are_rows_with_outlines(
    data_dir: Path, store: Store, tmp_path: Path
) -> None:
    """A run stores each change object with its lon/lat outline (a spatial query on
    PostgreSQL finds them inside the site); a chip's detections are rows too, replaced
    when the chip is recorded again."""
    from shapely.geometry import box

    from sitewatch.pipeline.site import run_site
    from sitewatch.store.runs import Outline
    from tests.test_monitor import NAIP_BANDS, naip_files, paint_pad

    site = next(s for s in demo_sites() if s.id == "demo-naip-nd")
    store.add_site(site)
    folder = tmp_path / "naip"
    folder.mkdir()
    for f in naip_files(data_dir)[-3:]:
        (folder / f.name).write_bytes(f.read_bytes())
    paint_pad(sorted(folder.glob("*.tif"))[-1])
    ingest(FileSource(folder, band_names=NAIP_BANDS), store)
    run = run_site(store, site)
    assert len(run.new_pairs) == 2
    contains = "ST_Within(geom, ST_GeomFromText(:aoi, 4326))"
    area = {o.scene_id: o.value for o in store.observations(site.id, "changed_area")}
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "select before_id, after_id, change_type, area_m2, pixels from change_objects"
        ).all()
        assert rows
        total = sum(r[3] for r in rows if r[1] == run.new_pairs[-1][1])
        assert total == pytest.approx(area[run.new_pairs[-1][1]], rel=1e-3)
        if store.engine.dialect.name == "postgresql":
            inside = conn.execute(
                text(f"select count(*) from change_objects where {contains}"),
                {"aoi": site.aoi.buffer(0.001).wkt},
            ).scalar()
            assert inside == len(rows)
    scene = run.new_chips[0]
    car = box(-99.15, 47.02, -99.1499, 47.0201)
    path = store.chips(site.id)[scene].path
    for n in (2, 1):
        outlines = [Outline("vehicle", car.wkt, score=0.9, vehicle_kind="large")] * n
        store.record_chip(site.id, scene, path, [], [], outlines)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("select cls, kind, score from detections").all()
        assert rows == [("vehicle", "large", 0.9)]


def test_zones_move_between_json_and_rows_across_migration_0006(db_url: str) -> None:
    """Downgrading to 0005 puts the zones back in the sites' JSON; upgrading again moves
    them to rows in the same order (each built-in site's zones survive both ways)."""
    from shapely.geometry import box

    from sitewatch.sites.watchlist import Site, Zone

    zones = (
        Zone("pad", box(10.0, 10.0, 10.01, 10.01)),
        Zone("park", box(10.02, 10.0, 10.03, 10.01)),
    )
    with Store(db_url) as s:
        s.add_site(Site("zoned", "Zoned", "other", box(10.0, 10.0, 10.05, 10.05), zones=zones))
        before = {site.id: site.zones for site in s.list_sites()}
        assert before["zoned"] == zones
        assert store_db.migrate(s.engine, "0005") == "0007"
        with s.engine.connect() as conn:
            listed: dict[str, Any] = dict(conn.exec_driver_sql("select id, zones from sites").all())
        first = next(k for k, v in before.items() if v)
        stored = listed[first] if isinstance(listed[first], list) else json.loads(listed[first])
        assert [z["name"] for z in stored] == [z.name for z in before[first]]
    with Store(db_url) as s:
        assert {site.id: site.zones for site in s.list_sites()} == before


def test_downgrade_and_upgrade_keep_every_row(web_store_copy: str) -> None:
    """Down to 0003 (before the geometry columns) and back up: every row of a store with
    a run's results is still there (SQLite rebuilds tables in batch mode; its foreign
    keys must not cascade meanwhile)."""
    with Store(web_store_copy) as s:
        tables = ["sites", "scenes", "scene_sites", "observations", "alerts", "claims",
                  "chips", "pairs", "subscriptions", "api_tokens"]  # fmt: skip

        def counts() -> dict[str, int]:
            with s.engine.connect() as conn:
                return {t: conn.exec_driver_sql(f"select count(*) from {t}").scalar() or 0
                        for t in tables}  # fmt: skip

        before = counts()
        assert before["observations"] > 0
        assert before["scene_sites"] > 0
        assert store_db.migrate(s.engine, "0003") == "0007"
        assert counts() == before
        assert store_db.migrate(s.engine) == "0003"
        assert counts() == before
        with pytest.raises(StoreError, match="no schema revision"):
            store_db.migrate(s.engine, "0042")
