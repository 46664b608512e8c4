"""Alembic migrations for the SiteWatch store (run by :func:`sitewatch.store.db.migrate`)."""
