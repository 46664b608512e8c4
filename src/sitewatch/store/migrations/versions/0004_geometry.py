"""Geometry columns: site areas and scene footprints as PostGIS ``geometry(POLYGON, 4326)``
with GiST indexes on PostgreSQL (WKT text on SQLite); the columns lose their ``_wkt``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (("sites", "aoi", "ix_sites_aoi"), ("scenes", "footprint", "ix_scenes_footprint"))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, index in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(f"{column}_wkt", new_column_name=column)
        if postgres:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE geometry(POLYGON, 4326) "
                f"USING ST_GeomFromText({column}, 4326)"
            )
            op.create_index(index, table, [column], postgresql_using="gist")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, index in COLUMNS:
        if postgres:
            op.drop_index(index, table)
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE text USING ST_AsText({column})"
            )
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, new_column_name=f"{column}_wkt")
