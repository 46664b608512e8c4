"""Initial schema: sites, scenes, scene_sites, observations, alerts, claims.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sitewatch.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("country", sa.String(64), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("aoi_wkt", sa.Text(), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("location_source", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "scenes",
        sa.Column("id", sa.String(256), primary_key=True),
        sa.Column("acquired", UTCDateTime(), nullable=False, index=True),
        sa.Column("time_precision", sa.String(16), nullable=False),
        sa.Column("platform", sa.String(64), nullable=True),
        sa.Column("footprint_wkt", sa.Text(), nullable=False),
        sa.Column("crs", sa.Text(), nullable=False),
        sa.Column("gsd", sa.Float(), nullable=False),
        sa.Column("bands", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("ingested_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "scene_sites",
        sa.Column(
            "scene_id",
            sa.String(256),
            sa.ForeignKey("scenes.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "site_id",
            sa.String(64),
            sa.ForeignKey("sites.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
        sa.Column("coverage", sa.Float(), nullable=False),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "site_id",
            sa.String(64),
            sa.ForeignKey("sites.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("zone", sa.String(128), nullable=False),
        sa.Column("figure", sa.String(64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("time", UTCDateTime(), nullable=False, index=True),
        sa.Column(
            "scene_id",
            sa.String(256),
            sa.ForeignKey("scenes.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ref_scene_id", sa.String(256), nullable=False),
        sa.Column("method", sa.String(64), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("site_id", "zone", "figure", "scene_id", "ref_scene_id", name="uq_obs"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "site_id",
            sa.String(64),
            sa.ForeignKey("sites.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("zone", sa.String(128), nullable=False),
        sa.Column("figure", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("end_time", UTCDateTime(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "site_id",
            sa.String(64),
            sa.ForeignKey("sites.id", ondelete="SET NULL"),
            nullable=True,
            index=True,
        ),
        sa.Column("activity", sa.String(64), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("attribution", sa.Text(), nullable=False),
        sa.Column("hedged", sa.Boolean(), nullable=False),
        sa.Column("published", UTCDateTime(), nullable=True),
        sa.Column("window_start", UTCDateTime(), nullable=True),
        sa.Column("window_end", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("claims", "alerts", "observations", "scene_sites", "scenes", "sites"):
        op.drop_table(table)
