"""Database tables (SQLAlchemy ORM).  The schema itself is owned by the Alembic migrations
in ``migrations/versions``; a change here needs a new migration there."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from geoalchemy2 import Geometry
from geoalchemy2.shape import to_shape
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

#: Coordinates are stored as given: longitude/latitude on WGS 84 (RFC 7946).
SRID = 4326


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use a UTC-aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def polygon_type(kind: str = "POLYGON") -> Any:
    """A polygon column: PostGIS ``geometry(POLYGON, 4326)`` (or ``kind``) on PostgreSQL,
    WKT text on SQLite.  Values are written as WKT; read them with :func:`as_wkt`."""
    return Text().with_variant(Geometry(kind, srid=SRID, spatial_index=False), "postgresql")


def as_wkt(value: Any) -> str:
    """A polygon column's value as WKT, whichever backend it came from."""
    return value if isinstance(value, str) else str(to_shape(value).wkt)


#: GiST indexes on the polygon columns (PostgreSQL only).
SPATIAL_INDEXES = {
    "ix_sites_aoi",
    "ix_site_zones_geom",
    "ix_scenes_footprint",
    "ix_detections_geom",
    "ix_change_objects_geom",
}
#: Tables an extension (PostGIS) keeps in the database's public schema.
EXTENSION_TABLES = {"spatial_ref_sys"}


def spatial_index(name: str, column: str) -> Index:
    """A GiST index on a polygon column, made on PostgreSQL only."""
    assert name in SPATIAL_INDEXES
    return Index(name, column, postgresql_using="gist").ddl_if(dialect="postgresql")


def schema_filter(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a database of ``dialect``: what the schema
    comparison (autogenerate) looks at; not PostGIS's own tables, and the spatial
    indexes only on PostgreSQL."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        if type_ == "table" and name in EXTENSION_TABLES:
            return False
        return not (type_ == "index" and name in SPATIAL_INDEXES and dialect != "postgresql")

    return include


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class SiteRow(Base):
    __tablename__ = "sites"
    __table_args__ = (spatial_index("ix_sites_aoi", "aoi"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(64), default="")
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    aoi_wkt: Mapped[Any] = mapped_column("aoi", polygon_type())
    zones: Mapped[list[ZoneRow]] = relationship(
        order_by="ZoneRow.position", cascade="all, delete-orphan", lazy="selectin"
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    location_source: Mapped[str] = mapped_column(Text, default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ZoneRow(Base):
    """A named part of a site's area (a vehicle park, a launch pad), in the site's order."""

    __tablename__ = "site_zones"
    __table_args__ = (
        UniqueConstraint("site_id", "name", name="uq_zone"),
        spatial_index("ix_site_zones_geom", "geom"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer)
    geom: Mapped[Any] = mapped_column(polygon_type())


class SceneRow(Base):
    __tablename__ = "scenes"
    __table_args__ = (spatial_index("ix_scenes_footprint", "footprint"),)

    id: Mapped[str] = mapped_column(String(256), primary_key=True)
    acquired: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    time_precision: Mapped[str] = mapped_column(String(16), default="second")
    platform: Mapped[str | None] = mapped_column(String(64), nullable=True)
    footprint_wkt: Mapped[Any] = mapped_column("footprint", polygon_type())
    crs: Mapped[str] = mapped_column(Text)
    gsd: Mapped[float] = mapped_column(Float)
    bands: Mapped[list[Any]] = mapped_column()
    source: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())

    links: Mapped[list[SceneSiteRow]] = relationship(
        back_populates="scene", cascade="all, delete-orphan"
    )


class SceneSiteRow(Base):
    """Which sites a scene covers, and what fraction of each site's AOI."""

    __tablename__ = "scene_sites"

    scene_id: Mapped[str] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), primary_key=True
    )
    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    coverage: Mapped[float] = mapped_column(Float)

    scene: Mapped[SceneRow] = relationship(back_populates="links")


class ObservationRow(Base):
    """One activity figure for a site (and optionally a zone) at one scene's time."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("site_id", "zone", "figure", "scene_id", "ref_scene_id", name="uq_obs"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    zone: Mapped[str] = mapped_column(String(128), default="")
    figure: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(32), default="")
    time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    ref_scene_id: Mapped[str] = mapped_column(String(256), default="")
    method: Mapped[str] = mapped_column(String(64), default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    zone: Mapped[str] = mapped_column(String(128), default="")
    figure: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime())
    end_time: Mapped[datetime] = mapped_column(UTCDateTime())
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClaimRow(Base):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str | None] = mapped_column(
        ForeignKey("sites.id", ondelete="SET NULL"), nullable=True, index=True
    )
    activity: Mapped[str] = mapped_column(String(64))
    sentence: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")
    attribution: Mapped[str] = mapped_column(Text, default="")
    hedged: Mapped[bool] = mapped_column(Boolean, default=False)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="unchecked")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChipRow(Base):
    """A site's chip of one scene: the COG in the workspace, or why it could not be made."""

    __tablename__ = "chips"
    __table_args__ = (UniqueConstraint("site_id", "scene_id", name="uq_chip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    scene_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    tries: Mapped[int] = mapped_column(Integer, default=0)
    detections: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PairRow(Base):
    """Change between two consecutive chips of a site: the mask COG and how it was made."""

    __tablename__ = "pairs"
    __table_args__ = (UniqueConstraint("site_id", "before_id", "after_id", name="uq_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    before_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    after_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    mask_path: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    tries: Mapped[int] = mapped_column(Integer, default=0)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubscriptionRow(Base):
    """An imagery source watched for a site, with its search filters."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(Text)
    collection: Mapped[str] = mapped_column(String(256), default="")
    band_names: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_cloud: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class WebhookRow(Base):
    """A URL that new alerts are POSTed to."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryRow(Base):
    """One alert to one webhook: pending until a 2xx answer, then delivered (never again)."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "webhook_id", name="uq_delivery"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LockRow(Base):
    """A named lease (``site:ID``) held by one process until it is released or expires."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    holder: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TokenRow(Base):
    """A bearer token for the web API's writes, stored as its SHA-256 digest only."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class DetectionRow(Base):
    """A detected vehicle or aircraft on a site's chip: its box on the ground, in lon/lat
    (the chip row keeps the pixel boxes)."""

    __tablename__ = "detections"
    __table_args__ = (
        Index("ix_detections_site_scene", "site_id", "scene_id"),
        spatial_index("ix_detections_geom", "geom"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    scene_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    cls: Mapped[str] = mapped_column(String(32))
    #: ``car`` or ``large`` for vehicles of a detector with kinds, else empty.
    kind: Mapped[str] = mapped_column(String(16), default="", server_default="")
    score: Mapped[float] = mapped_column(Float)
    geom: Mapped[Any] = mapped_column(polygon_type())


class ChangeObjectRow(Base):
    """A changed region between two dates of a site, outlined in lon/lat."""

    __tablename__ = "change_objects"
    __table_args__ = (
        Index("ix_change_objects_pair", "site_id", "before_id", "after_id"),
        spatial_index("ix_change_objects_geom", "geom"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    before_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    after_id: Mapped[str] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    change_type: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    pixels: Mapped[int] = mapped_column(Integer)
    geom: Mapped[Any] = mapped_column(polygon_type("MULTIPOLYGON"))
