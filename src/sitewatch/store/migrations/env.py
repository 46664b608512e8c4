"""Alembic environment: migrations always run on the connection SiteWatch hands over."""

from __future__ import annotations

from alembic import context

from sitewatch.store.models import Base, schema_filter

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
    include_object=schema_filter(connection.dialect.name),
)
with context.begin_transaction():
    context.run_migrations()
