"""Site zones as rows with their own geometry (``site_zones``: a PostGIS
``geometry(POLYGON, 4326)`` with a GiST index on PostgreSQL, WKT on SQLite) instead of
a JSON list on the site; existing zones are moved over in order.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sitewatch.store.models import as_wkt, polygon_type

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    zones = op.create_table(
        "site_zones",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "site_id", sa.String(64), sa.ForeignKey("sites.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("geom", polygon_type(), nullable=False),
        sa.UniqueConstraint("site_id", "name", name="uq_zone"),
    )  # fmt: skip
    if bind.dialect.name == "postgresql":
        op.create_index("ix_site_zones_geom", "site_zones", ["geom"], postgresql_using="gist")
    sites = sa.table("sites", sa.column("id", sa.String()), sa.column("zones", sa.JSON()))
    rows = [
        {"site_id": site_id, "name": z["name"], "position": i, "geom": z["wkt"]}
        for site_id, listed in bind.execute(sa.select(sites.c.id, sites.c.zones))
        for i, z in enumerate(listed or [])
    ]
    if rows:
        op.bulk_insert(zones, rows)
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("zones")


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("zones", sa.JSON(), nullable=False, server_default="[]"))
    zones = sa.table(
        "site_zones",
        sa.column("site_id", sa.String()),
        sa.column("name", sa.String()),
        sa.column("position", sa.Integer()),
        sa.column("geom", polygon_type()),
    )
    listed: dict[str, list[dict[str, str]]] = {}
    query = sa.select(zones.c.site_id, zones.c.name, zones.c.geom).order_by(zones.c.position)
    for site_id, name, geom in bind.execute(query):
        listed.setdefault(site_id, []).append({"name": name, "wkt": as_wkt(geom)})
    sites = sa.table("sites", sa.column("id", sa.String()), sa.column("zones", sa.JSON()))
    for site_id, items in listed.items():
        bind.execute(sa.update(sites).where(sites.c.id == site_id).values(zones=items))
    op.drop_table("site_zones")
