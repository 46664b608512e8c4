"""Detections and change objects as their own rows with lon/lat outlines: PostGIS
geometry columns with GiST indexes on PostgreSQL (WKT text on SQLite).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sitewatch.store.models import polygon_type

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _scene(column: str) -> sa.Column[str]:
    return sa.Column(
        column, sa.String(256), sa.ForeignKey("scenes.id", ondelete="CASCADE"), nullable=False
    )


def _site() -> sa.Column[str]:
    return sa.Column(
        "site_id", sa.String(64), sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "detections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _site(),
        _scene("scene_id"),
        sa.Column("cls", sa.String(32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("geom", polygon_type(), nullable=False),
    )
    op.create_index("ix_detections_site_scene", "detections", ["site_id", "scene_id"])
    op.create_table(
        "change_objects",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _site(),
        _scene("before_id"),
        _scene("after_id"),
        sa.Column("change_type", sa.String(32), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("pixels", sa.Integer(), nullable=False),
        sa.Column("geom", polygon_type("MULTIPOLYGON"), nullable=False),
    )
    op.create_index(
        "ix_change_objects_pair", "change_objects", ["site_id", "before_id", "after_id"]
    )
    if postgres:
        op.create_index("ix_detections_geom", "detections", ["geom"], postgresql_using="gist")
        op.create_index(
            "ix_change_objects_geom", "change_objects", ["geom"], postgresql_using="gist"
        )


def downgrade() -> None:
    op.drop_table("change_objects")
    op.drop_table("detections")
