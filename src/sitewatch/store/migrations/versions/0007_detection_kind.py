"""Detections keep their vehicle kind (``car`` or ``large``; empty for aircraft and for
detections stored before kinds).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("detections", sa.Column("kind", sa.String(16), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("detections") as batch:
        batch.drop_column("kind")
