"""Monitoring runs: chips, pairs, subscriptions, webhooks, deliveries, locks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sitewatch.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _site() -> sa.Column[str]:
    return sa.Column(
        "site_id",
        sa.String(64),
        sa.ForeignKey("sites.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


def _scene(name: str) -> sa.Column[str]:
    return sa.Column(
        name, sa.String(256), sa.ForeignKey("scenes.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "chips",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _site(),
        _scene("scene_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("detections", sa.JSON(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("site_id", "scene_id", name="uq_chip"),
    )
    op.create_table(
        "pairs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _site(),
        _scene("before_id"),
        _scene("after_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mask_path", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("site_id", "before_id", "after_id", name="uq_pair"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _site(),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("collection", sa.String(256), nullable=False),
        sa.Column("band_names", sa.JSON(), nullable=False),
        sa.Column("max_cloud", sa.Float(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text(), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "webhook_id",
            sa.Integer(),
            sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_attempt", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("alert_id", "webhook_id", name="uq_delivery"),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(256), primary_key=True),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("locks", "deliveries", "webhooks", "subscriptions", "pairs", "chips"):
        op.drop_table(table)
