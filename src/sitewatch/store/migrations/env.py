"""Alembic environment: migrations always run on the connection SiteWatch hands over."""

from __future__ import annotations

from alembic import context

from sitewatch.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
)
with context.begin_transaction():
    context.run_migrations()
