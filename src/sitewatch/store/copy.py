"""Copy a whole store to another database (and its workspace files to another folder):
every table, row for row with the same ids, in one transaction at the destination.

The destination is a new or empty database at SiteWatch's newest schema (it is created
or migrated by opening it); a destination that already holds any rows is refused, so
nothing there is overwritten.  Chips and change masks are copied before the rows are
committed, so a copy that fails leaves no rows pointing at missing files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from geoalchemy2.elements import WKBElement
from sqlalchemy import Integer, func, insert, select

from sitewatch.errors import StoreError
from sitewatch.store.db import Store
from sitewatch.store.models import Base, as_wkt

#: Rows inserted per statement.
BATCH = 1000


def _workspace_files(store: Store) -> list[str]:
    files = [r.path for site in store.list_sites() for r in store.chips(site.id).values() if r.path]
    files += [p.mask_path for site in store.list_sites() for p in store.pairs(site.id).values()
              if p.mask_path]  # fmt: skip
    return sorted(set(files))


def copy_store(
    source: Store, dest_url: str, *, dest_workspace: str | os.PathLike[str] | None = None
) -> dict[str, int]:
    """Copy ``source`` into the database at ``dest_url`` (see the module docstring);
    returns the rows copied per table and the workspace files copied."""
    with Store(dest_url, workspace=dest_workspace, seed_builtin=False) as dest:
        tables = Base.metadata.sorted_tables
        with dest.engine.connect() as conn:
            held = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in tables}  # fmt: skip
        if any(held.values()):
            busy = ", ".join(f"{n} {k}" for k, n in held.items() if n)
            raise StoreError(
                f"the destination {dest.url.split('://')[0]} store is not empty ({busy}); "
                "copy into a new database"
            )
        copied = 0
        for rel in _workspace_files(source):
            src, dst = source.workspace / rel, dest.workspace / rel
            if src.is_file() and src.resolve() != Path(dst).resolve():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
                copied += 1
        counts: dict[str, int] = {}
        with source.engine.connect() as read, dest.engine.begin() as write:
            for table in tables:
                rows = [
                    {k: as_wkt(v) if isinstance(v, WKBElement) else v for k, v in r.items()}
                    for r in read.execute(select(table)).mappings()
                ]
                for i in range(0, len(rows), BATCH):
                    write.execute(insert(table), rows[i : i + BATCH])
                counts[table.name] = len(rows)
                serial = "id" in table.c and isinstance(table.c.id.type, Integer)
                if write.dialect.name == "postgresql" and serial and rows:
                    # the copied ids were given, so the id sequence must move past them
                    write.execute(
                        select(func.setval(func.pg_get_serial_sequence(table.name, "id"),
                                           func.max(table.c.id))).select_from(table)
                    )  # fmt: skip
        counts["workspace files"] = copied
    return counts
