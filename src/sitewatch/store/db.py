"""The SiteWatch store: sites, scenes and what they show, in SQL (SQLite by default).

Every public method runs in its own transaction: it is written whole or not at
all.  The schema is created and upgraded by Alembic migrations when the store
is opened.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from shapely.geometry import Polygon
from sqlalchemy import Engine, create_engine, delete, event, func, inspect, make_url, select
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sitewatch.activity.alerts import Alert
from sitewatch.activity.figures import Observation
from sitewatch.claims.extract import Claim
from sitewatch.errors import (
    AlertNotFoundError,
    InvalidSceneError,
    SceneNotFoundError,
    SiteExistsError,
    SiteNotFoundError,
    StoreError,
)
from sitewatch.geo.grid import coverage_of
from sitewatch.imagery.scene import BandRef, Scene
from sitewatch.sites.watchlist import Site, Zone, builtin_sites
from sitewatch.store.models import (
    EXTENSION_TABLES,
    SRID,
    AlertRow,
    ClaimRow,
    ObservationRow,
    SceneRow,
    SceneSiteRow,
    SiteRow,
    ZoneRow,
    as_wkt,
)
from sitewatch.store.runs import RunRecords, row_to_alert, upsert_observations
from sitewatch.store.tokens import TokenRecords

log = logging.getLogger(__name__)

DEFAULT_DB = "sitewatch.db"


def resolve_db_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, ``SITEWATCH_DB`` or the default ``./sitewatch.db``.

    A value containing ``://`` is used as is; anything else is a SQLite file path.
    """
    value = db or os.environ.get("SITEWATCH_DB") or DEFAULT_DB
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _shown(text: str, url: str | None = None) -> str:
    """``text`` (a database URL, or a message about ``url``) without its password."""
    try:
        parsed = make_url(url or text)
    except Exception:
        return text
    if not parsed.password:
        return text
    return text.replace(str(parsed.password), "***")


def resolve_workspace(url: str, explicit: str | os.PathLike[str] | None = None) -> Path:
    """The workspace folder: ``explicit``, else ``$SITEWATCH_HOME``, else beside a SQLite
    store (``watch.db`` -> ``watch-workspace/``), else ``./sitewatch-workspace``."""
    chosen = explicit or os.environ.get("SITEWATCH_HOME")
    if chosen:
        return Path(chosen)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///") :])
        return db.with_name(f"{db.stem}-workspace")
    return Path("sitewatch-workspace")


def _alembic_config(connection: Any) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("sitewatch.store") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def _schema_change(engine: Engine) -> Iterator[Any]:
    """A connection in one transaction for changing the schema.  On SQLite, foreign keys
    are off meanwhile (Alembic's batch mode rebuilds a table by copying it and dropping
    the old one, which would otherwise cascade to every row that refers to it) and are
    checked before the commit."""
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, where the pragma takes effect
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise StoreError(f"schema change left a broken reference: {tuple(broken)}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def migrate(engine: Engine, to: str = "head") -> str | None:
    """Bring the schema to revision ``to`` (default the newest; an older one downgrades);
    returns the revision found before (None = new)."""
    from alembic import command

    with _schema_change(engine) as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        cfg = _alembic_config(conn)
        script = ScriptDirectory.from_config(cfg)
        head = script.get_current_head()
        known = {r.revision for r in script.walk_revisions()}
        if current is not None and current not in known:
            raise StoreError(
                f"the store's schema revision {current} is newer than this SiteWatch knows "
                f"(newest {head}); upgrade sitewatch to open it"
            )
        if engine.dialect.name == "postgresql":
            _require_postgis(conn, engine)
        if current is None:
            foreign = sorted(set(inspect(conn).get_table_names()) - EXTENSION_TABLES)
            if foreign:
                raise StoreError(
                    f"{engine.url.render_as_string(hide_password=True)} holds another "
                    f"program's tables ({', '.join(foreign[:5])}); SiteWatch will not add "
                    "its own to it: choose another --db"
                )
        target = head if to == "head" else to
        if target not in known:
            raise StoreError(f"no schema revision {to!r}; known: {', '.join(sorted(known))}")
        if current != target:
            log.info("migrating store from %s to %s", current, target)
            older = set() if current is None else {
                r.revision for r in script.iterate_revisions(current, "base")
            }  # fmt: skip
            (command.downgrade if target in older else command.upgrade)(cfg, target)
    return current


def _require_postgis(conn: Any, engine: Engine) -> None:
    """PostGIS in the database: created when missing (that needs the right to), else a
    one-line error saying what to run."""
    if conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").first():
        return
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION postgis")
    except DatabaseError as exc:
        raise StoreError(
            f"{engine.url.render_as_string(hide_password=True)} has no PostGIS and this user "
            f"may not add it ({str(exc.orig).splitlines()[0]}); as a superuser run "
            "CREATE EXTENSION postgis in that database"
        ) from None


@dataclass(frozen=True)
class SceneEntry:
    """A stored scene and the sites it covers (site id to fraction of the AOI covered)."""

    scene: Scene
    sites: dict[str, float]
    ingested_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {**self.scene.to_dict(), "sites": self.sites}


def _now() -> datetime:
    return datetime.now(UTC)


def _site_to_row(site: Site, row: SiteRow | None = None) -> SiteRow:
    now = _now()
    row = row or SiteRow(id=site.id, created_at=now)
    row.name = site.name
    row.kind = site.kind
    row.country = site.country
    row.aliases = list(site.aliases)
    row.aoi_wkt = site.aoi.wkt
    row.zones = [
        ZoneRow(name=z.name, position=i, geom=z.geometry.wkt) for i, z in enumerate(site.zones)
    ]
    row.notes = site.notes
    row.location_source = site.location_source
    row.extra = dict(site.extra)
    row.updated_at = now
    return row


def _polygon(value: Any) -> Polygon:
    """A stored polygon (WKT text, or a PostGIS geometry) as a shapely polygon."""
    geom = shapely.from_wkt(as_wkt(value))
    assert isinstance(geom, Polygon)
    return geom


def _row_to_site(row: SiteRow) -> Site:
    return Site(
        id=row.id,
        name=row.name,
        kind=row.kind,
        aoi=_polygon(row.aoi_wkt),
        country=row.country,
        aliases=tuple(row.aliases),
        zones=tuple(Zone(z.name, _polygon(z.geom)) for z in row.zones),
        notes=row.notes,
        location_source=row.location_source,
        extra=dict(row.extra),
    )


def _row_to_scene(row: SceneRow) -> Scene:
    return Scene(
        id=row.id,
        datetime=row.acquired,
        footprint=_polygon(row.footprint_wkt),
        crs=row.crs,
        gsd=row.gsd,
        bands=tuple(BandRef.from_dict(b) for b in row.bands),
        platform=row.platform,
        source=row.source,
        time_precision=row.time_precision,  # type: ignore[arg-type]
        properties=dict(row.properties),
    )


def _row_to_obs(row: ObservationRow) -> Observation:
    return Observation(
        site_id=row.site_id,
        figure=row.figure,
        value=row.value,
        time=row.time,
        scene_id=row.scene_id,
        ref_scene_id=row.ref_scene_id,
        zone=row.zone,
        unit=row.unit,
        method=row.method,
        evidence=dict(row.evidence),
    )


class Store(RunRecords, TokenRecords):
    """Durable record of the watchlist, ingested scenes, observations, alerts and claims."""

    def __init__(
        self,
        url: str | None = None,
        *,
        workspace: str | os.PathLike[str] | None = None,
        seed_builtin: bool = True,
    ) -> None:
        self.url = resolve_db_url(url)
        #: Folder for the files the store refers to (chips, change masks).
        self.workspace = resolve_workspace(self.url, workspace)
        if self.url.startswith("sqlite:///"):
            # a plain path, or a SQLite URI (sqlite:///file:path?mode=ro&uri=true)
            path = Path(self.url[len("sqlite:///") :].removeprefix("file:").partition("?")[0])
            if not path.parent.exists():
                raise StoreError(
                    f"folder for the database does not exist: {path.parent}; create it or "
                    "choose another --db"
                )
        try:
            self.engine = create_engine(self.url)
        except Exception as exc:  # invalid URL or missing DBAPI driver
            raise StoreError(
                f"cannot use database URL {_shown(self.url)!r}: {_shown(str(exc), self.url)}"
            ) from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            self._open(seed_builtin)
        except BaseException:
            self.engine.dispose()  # no connection outlives a store that failed to open
            raise

    def _open(self, seed_builtin: bool) -> None:
        try:
            before = migrate(self.engine)
        except (OperationalError, DatabaseError) as exc:
            raise StoreError(
                f"cannot open the database at {_shown(self.url)}: {exc.orig}; "
                "is it a SiteWatch database? choose another with --db or SITEWATCH_DB"
            ) from None
        if before is None and seed_builtin:
            self.import_sites(builtin_sites(), replace=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on any error."""
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as exc:
            raise StoreError(f"database write failed and was rolled back: {exc.orig}") from None

    # -- sites ---------------------------------------------------------------------------

    def list_sites(self) -> list[Site]:
        with self.transaction() as s:
            return [_row_to_site(r) for r in s.scalars(select(SiteRow).order_by(SiteRow.id))]

    def get_site(self, site_id: str) -> Site:
        with self.transaction() as s:
            return _row_to_site(_require_site(s, site_id))

    def add_site(self, site: Site, *, replace: bool = False) -> None:
        self.import_sites([site], replace=replace)

    def import_sites(self, sites: Sequence[Site], *, replace: bool = False) -> dict[str, int]:
        """Add sites (all or none) and link them to stored scenes that cover them."""
        counts = {"added": 0, "replaced": 0}
        with self.transaction() as s:
            for site in sites:
                row = s.get(SiteRow, site.id)
                if row is not None and not replace:
                    raise SiteExistsError(
                        f"site {site.id!r} is already in the watchlist; use --replace to update it"
                    )
                counts["replaced" if row is not None else "added"] += 1
                s.add(_site_to_row(site, row))
                s.execute(delete(SceneSiteRow).where(SceneSiteRow.site_id == site.id))
                s.flush()
                for scene_id, footprint in _overlapping(
                    s, SceneRow.id, SceneRow.footprint_wkt, site.aoi
                ):
                    _link(s, scene_id, footprint, site.id, site.aoi)
        return counts

    def remove_site(self, site_id: str) -> None:
        with self.transaction() as s:
            row = s.get(SiteRow, site_id)
            if row is None:
                raise SiteNotFoundError(
                    f"no site {site_id!r} to remove; see `sitewatch sites list`"
                )
            s.delete(row)

    # -- scenes --------------------------------------------------------------------------

    def record_scene(self, scene: Scene) -> str:
        """Insert or update a scene and its site links; returns added|updated|unchanged."""
        with self.transaction() as s:
            row = s.get(SceneRow, scene.id)
            bands = [b.to_dict() for b in scene.bands]
            fields: dict[str, Any] = {
                "acquired": scene.time_utc,
                "time_precision": scene.time_precision,
                "platform": scene.platform,
                "footprint_wkt": scene.footprint.wkt,  # compared as WKT below
                "crs": scene.crs,
                "gsd": scene.gsd,
                "bands": bands,
                "source": scene.source,
                "properties": scene.properties,
            }
            hrefs = {b["href"] for b in bands}
            if row is not None and row.source != scene.source:
                old = {b["href"] for b in row.bands}
                if old.isdisjoint(hrefs):
                    raise InvalidSceneError(
                        f"scene id {scene.id!r} already names {sorted(old)[0]} (from "
                        f"{row.source}); not recording {sorted(hrefs)[0]} under it: rename "
                        "the file or its folder, or remove the stored scene first"
                    )
            stored = {k: getattr(row, k) for k in fields} if row is not None else {}
            if stored:
                stored["footprint_wkt"] = as_wkt(stored["footprint_wkt"])
            if stored == fields:
                status = "unchanged"
            else:
                status = "updated" if row is not None else "added"
                if row is None:
                    row = SceneRow(id=scene.id, **fields, ingested_at=_now())
                    s.add(row)
                else:
                    for k, v in fields.items():
                        setattr(row, k, v)
                    row.ingested_at = _now()
            s.execute(delete(SceneSiteRow).where(SceneSiteRow.scene_id == scene.id))
            s.flush()
            for site_id, aoi in _overlapping(s, SiteRow.id, SiteRow.aoi_wkt, scene.footprint):
                _link(s, scene.id, scene.footprint, site_id, aoi)
        return status

    def remove_scene(self, scene_id: str) -> None:
        """Forget a scene: its site links, chips, pairs and the observations made from it
        (the next run of its sites recomputes the pairs around the gap)."""
        with self.transaction() as s:
            row = s.get(SceneRow, scene_id)
            if row is None:
                raise SceneNotFoundError(f"no scene {scene_id!r}; see `sitewatch scenes list`")
            s.execute(delete(ObservationRow).where(ObservationRow.ref_scene_id == scene_id))
            s.delete(row)

    def get_scene(self, scene_id: str) -> Scene:
        with self.transaction() as s:
            row = s.get(SceneRow, scene_id)
            if row is None:
                raise SceneNotFoundError(
                    f"no scene {scene_id!r} in the store; see `sitewatch scenes list`"
                )
            return _row_to_scene(row)

    def list_scenes(self, site_id: str | None = None) -> list[SceneEntry]:
        """Stored scenes by acquisition time, optionally only those covering a site."""
        with self.transaction() as s:
            if site_id is not None:
                _require_site(s, site_id)
            query = select(SceneRow).order_by(SceneRow.acquired, SceneRow.id)
            if site_id is not None:
                query = query.join(SceneSiteRow).where(SceneSiteRow.site_id == site_id)
            rows = list(s.scalars(query))
            links: dict[str, dict[str, float]] = {}
            for link in s.scalars(select(SceneSiteRow)):
                links.setdefault(link.scene_id, {})[link.site_id] = link.coverage
            return [SceneEntry(_row_to_scene(r), links.get(r.id, {}), r.ingested_at) for r in rows]

    # -- observations --------------------------------------------------------------------

    def put_observations(self, observations: Iterable[Observation]) -> int:
        """Insert or replace observations (keyed by site, zone, figure, scene, reference scene)."""
        with self.transaction() as s:
            return upsert_observations(s, observations)

    def observations(self, site_id: str, figure: str | None = None) -> list[Observation]:
        with self.transaction() as s:
            query = select(ObservationRow).where(ObservationRow.site_id == site_id)
            if figure is not None:
                query = query.where(ObservationRow.figure == figure)
            rows = s.scalars(query.order_by(ObservationRow.time, ObservationRow.figure))
            return [_row_to_obs(r) for r in rows]

    # -- alerts --------------------------------------------------------------------------

    def put_alerts(
        self, alerts: Iterable[Alert], *, complete_for: Iterable[str] = ()
    ) -> dict[str, int]:
        """Store alerts; one per (site, zone, figure, start). A re-run updates an event's
        end, message and evidence but keeps its id and acknowledgement.

        ``complete_for`` names sites whose alerts these are in full (a recomputation):
        their stored alerts not among ``alerts`` no longer hold and are retracted
        (removed, with any delivery still pending)."""
        counts = {"added": 0, "updated": 0, "retracted": 0}
        alerts = list(alerts)
        keep = {(a.site_id, a.zone, a.figure, a.start) for a in alerts}
        with self.transaction() as s:
            for site_id in complete_for:
                _require_site(s, site_id)
                site_alerts = select(AlertRow).where(AlertRow.site_id == site_id)
                for old in s.scalars(site_alerts.with_for_update()):
                    if (old.site_id, old.zone, old.figure, old.start_time) not in keep:
                        s.delete(old)
                        counts["retracted"] += 1
            for a in alerts:
                _require_site(s, a.site_id)
                row = s.scalars(
                    select(AlertRow)
                    .where(
                        AlertRow.site_id == a.site_id,
                        AlertRow.zone == a.zone,
                        AlertRow.figure == a.figure,
                        AlertRow.start_time == a.start,
                    )
                    .with_for_update()
                ).one_or_none()
                if row is None:
                    row = AlertRow(
                        site_id=a.site_id,
                        zone=a.zone,
                        figure=a.figure,
                        start_time=a.start,
                        created_at=_now(),
                        acknowledged=False,
                    )
                    counts["added"] += 1
                else:
                    counts["updated"] += 1
                row.severity = a.severity
                row.end_time = a.end
                row.message = a.message
                row.evidence = a.evidence
                s.add(row)
        return counts

    def list_alerts(
        self,
        site_id: str | None = None,
        since: datetime | None = None,
        *,
        unacknowledged: bool = False,
    ) -> list[Alert]:
        """Alerts, oldest first; ``since`` keeps events still going on at or after it."""
        with self.transaction() as s:
            query = select(AlertRow)
            if site_id is not None:
                _require_site(s, site_id)
                query = query.where(AlertRow.site_id == site_id)
            if since is not None:
                query = query.where(AlertRow.end_time >= since)
            if unacknowledged:
                query = query.where(AlertRow.acknowledged.is_(False))
            rows = s.scalars(query.order_by(AlertRow.start_time, AlertRow.id))
            return [row_to_alert(r) for r in rows]

    # -- claims --------------------------------------------------------------------------

    def put_claims(self, claims: Iterable[Claim]) -> list[Claim]:
        """Store claims (one per source, sentence, site and activity: re-extracting the
        same article adds nothing); returns them with their ids."""
        out = []
        with self.transaction() as s:
            for c in claims:
                if c.site_id is not None:
                    _require_site(s, c.site_id)
                row = s.scalars(
                    select(ClaimRow).where(
                        ClaimRow.source == c.source,
                        ClaimRow.sentence == c.sentence,
                        ClaimRow.site_id == c.site_id,
                        ClaimRow.activity == c.activity,
                    )
                ).one_or_none()
                if row is None:
                    row = ClaimRow(
                        source=c.source,
                        sentence=c.sentence,
                        site_id=c.site_id,
                        activity=c.activity,
                        created_at=_now(),
                        status=c.status,
                    )
                row.attribution = c.attribution
                row.hedged = c.hedged
                row.published = c.published
                row.window_start = c.window_start
                row.window_end = c.window_end
                row.evidence = {**(row.evidence or {}), **_claim_meta(c)}
                s.add(row)
                s.flush()
                c.id = row.id
                out.append(c)
        return out

    def list_claims(self, site_id: str | None = None) -> list[Claim]:
        with self.transaction() as s:
            query = select(ClaimRow)
            if site_id is not None:
                _require_site(s, site_id)
                query = query.where(ClaimRow.site_id == site_id)
            return [_row_to_claim(r) for r in s.scalars(query.order_by(ClaimRow.id))]

    def set_claim_status(self, claim: Claim) -> None:
        with self.transaction() as s:
            row = s.get(ClaimRow, claim.id)
            if row is None:
                raise StoreError(f"claim {claim.id} is not stored")
            row.status = claim.status
            row.evidence = {**_claim_meta(claim), "check": claim.evidence}

    def acknowledge_alert(self, alert_id: int) -> Alert:
        with self.transaction() as s:
            row = s.get(AlertRow, alert_id, with_for_update=True)
            if row is None:
                raise AlertNotFoundError(
                    f"no alert {alert_id}; list them with `sitewatch alerts list`"
                )
            row.acknowledged = True
            row.acknowledged_at = _now()
            s.flush()
            return row_to_alert(row)


def _claim_meta(c: Claim) -> dict[str, Any]:
    return {
        "attribution_type": c.attribution_type,
        "hedges": c.hedges,
        "date_basis": c.date_basis,
        "polarity": c.polarity,
        "modality": c.modality,
    }


def _row_to_claim(r: ClaimRow) -> Claim:
    ev = dict(r.evidence or {})
    return Claim(
        id=r.id,
        activity=r.activity,
        sentence=r.sentence,
        site_id=r.site_id,
        window_start=r.window_start or r.created_at,
        window_end=r.window_end or r.created_at,
        date_basis=str(ev.get("date_basis", "")),
        attribution=r.attribution,
        attribution_type=str(ev.get("attribution_type", "")),
        hedged=r.hedged,
        hedges=list(ev.get("hedges", [])),
        source=r.source,
        published=r.published,
        status=r.status,
        evidence=dict(ev.get("check", {})),
        polarity=str(ev.get("polarity", "positive")),
        modality=str(ev.get("modality", "observed")),
    )


def _overlapping(
    session: Session, key: Any, column: Any, area: Polygon
) -> list[tuple[str, Polygon]]:
    """(key, polygon) of the rows whose polygon ``column`` may overlap ``area``: on
    PostgreSQL a spatial query (``ST_Intersects``, answered from the GiST index); on
    SQLite every row (the caller measures the overlap)."""
    query = select(key, column)
    if session.get_bind().dialect.name == "postgresql":
        query = query.where(func.ST_Intersects(column, func.ST_GeomFromText(area.wkt, SRID)))
    return [(k, _polygon(v)) for k, v in session.execute(query)]


def _link(session: Session, scene_id: str, footprint: Polygon, site_id: str, aoi: Polygon) -> None:
    """Record that a scene covers a site, when it covers any of it."""
    cov = coverage_of(footprint, aoi)
    if cov > 0:
        session.add(SceneSiteRow(scene_id=scene_id, site_id=site_id, coverage=cov))


def _require_site(session: Session, site_id: str) -> SiteRow:
    row = session.get(SiteRow, site_id)
    if row is None:
        raise SiteNotFoundError(f"no site {site_id!r} in the watchlist; see `sitewatch sites list`")
    return row


#: How long a SQLite connection waits for another writer before giving up (ms).
SQLITE_BUSY_MS = 60_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on; write-ahead log (readers never block the writer); wait for other
    writers instead of failing; transactions begun by SQLAlchemy (see _sqlite_begin)."""
    dbapi_connection.isolation_level = None  # pysqlite must not begin on its own
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    with contextlib.suppress(sqlite3.OperationalError):  # a read-only store keeps its mode
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Every transaction takes the write lock when it begins (BEGIN IMMEDIATE), so two
    processes never both read, then both write the same row: the second waits (up to
    the busy timeout) and then sees the first one's rows (SQLAlchemy's documented
    pysqlite transaction recipe)."""
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if "readonly" not in str(exc.orig).replace("-", "").replace(" ", ""):
            raise
        connection.exec_driver_sql("BEGIN")  # a read-only store: reading still works
