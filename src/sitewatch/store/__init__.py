"""Durable storage (SQLAlchemy; SQLite by default) with Alembic-versioned schema, and
ingest of scenes from an imagery source into it."""

from sitewatch.store.copy import copy_store
from sitewatch.store.db import SceneEntry, Store, migrate, resolve_db_url
from sitewatch.store.ingest import IngestReport, ingest

__all__ = [
    "IngestReport",
    "SceneEntry",
    "Store",
    "copy_store",
    "ingest",
    "migrate",
    "resolve_db_url",
]
