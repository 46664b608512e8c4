"""A throw-away PostgreSQL 15 + PostGIS 3 server for the tests (Debian's packages).

The server runs from a temporary folder as a non-root user (``nobody`` when the tests run
as root, else the current user), listens on 127.0.0.1 only, and is stopped and removed
after the session.  Each test gets a new database cloned from a template that already
has the PostGIS extension, so a test starts from an empty database in milliseconds.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import free_port

TEMPLATE = "sitewatch_template"
MAJOR = "15"


def _bindir() -> Path:
    path = Path(f"/usr/lib/postgresql/{MAJOR}/bin")
    if not (path / "initdb").is_file():
        raise RuntimeError(
            f"PostgreSQL {MAJOR} is not installed (no {path}/initdb): run `make postgres` "
            "(apt-get install postgresql-15 postgresql-15-postgis-3)"
        )
    if not Path(f"/usr/share/postgresql/{MAJOR}/extension/postgis.control").is_file():
        raise RuntimeError("PostGIS 3 is not installed: apt-get install postgresql-15-postgis-3")
    return path


class PostgresServer:
    """A running server; :meth:`new_database` makes an empty database with PostGIS."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="sitewatch-pg-"))
        self.port = free_port()
        self.user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._counter = itertools.count(1)
        if os.geteuid() == 0:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, self.user)
        self._as_user(
            "initdb", "-D", str(self.root / "data"), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._as_user(
            "pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        self._sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        self._sql(TEMPLATE, "CREATE EXTENSION postgis")

    def _as_user(self, program: str, *args: str) -> None:
        cmd = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root, check=False)
        if done.returncode != 0:
            log = self.root / "log"
            raise RuntimeError(
                f"{program} failed: {done.stderr or done.stdout}"
                + (log.read_text() if log.exists() else "")
            )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _sql(self, database: str, statement: str) -> None:
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self) -> str:
        """The SQLAlchemy URL of a new, empty database with PostGIS."""
        name = f"t{next(self._counter)}"
        self._sql("postgres", f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._as_user("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()
