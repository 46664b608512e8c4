"""Durable storage (SQLAlchemy; SQLite by default) with Alembic-versioned schema."""

from sitewatch.store.db import SceneEntry, Store, migrate, resolve_db_url

__all__ = ["SceneEntry", "Store", "migrate", "resolve_db_url"]
