"""Shared fixtures: the real sample data in ../shared/data, a fresh store, the CLI runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from sitewatch.datasets.change import ChangePair, airchange_pairs
from sitewatch.datasets.detection import DetImage
from sitewatch.store import Store
from tests.pgserver import PostgresServer, postgres_server

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("SITEWATCH_DATA") or ROOT.parent / "shared" / "data")
    if not (path / "oscd" / "catalog.json").exists():
        pytest.fail(f"sample data not found at {path}; set SITEWATCH_DATA")
    return path


@pytest.fixture(scope="session")
def detection_set(data_dir: Path) -> Callable[[str], list[DetImage]]:
    """Labelled detection images of a dataset, loaded once per session."""
    from sitewatch.datasets.detection import load_detection

    cache: dict[str, list[DetImage]] = {}

    def load(name: str) -> list[DetImage]:
        if name not in cache:
            cache[name] = load_detection(data_dir, name)
        return cache[name]

    return load


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 + PostGIS 3 server for the session (tests/pgserver.py)."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store's database: ``sqlite``, or ``postgresql`` in modules marked
    ``both_stores`` (each of their tests runs on both)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str:
    """A new, empty store's URL; its workspace is under ``tmp_path`` on either backend
    (beside the SQLite file, or ``./sitewatch-workspace`` in ``tmp_path`` as the
    working directory)."""
    if backend == "postgresql":
        monkeypatch.chdir(tmp_path)
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.new_database()
    return f"sqlite:///{tmp_path / 'test.db'}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_stores"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store(db_url) as s:
        yield s


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def szada1(data_dir: Path) -> ChangePair:
    """SZTAKI Szada pair 1 (1.5 m aerial RGB, co-registered)."""
    return next(airchange_pairs(data_dir / "airchange"))


@pytest.fixture
def client(web_store: tuple[str, str]) -> Iterator[TestClient]:
    """The web app over ``web_store`` through the ASGI client (server errors as responses)."""
    from sitewatch.web import WebSettings, create_app

    with TestClient(create_app(WebSettings(db=web_store[0])), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def auth(web_store: tuple[str, str]) -> dict[str, str]:
    """The bearer token header of ``web_store``."""
    return {"Authorization": f"Bearer {web_store[1]}"}


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[str, str]:
    """(database URL, API token) of a store with one site run (tests/webstore.py)."""
    from tests.webstore import build_web_store

    return build_web_store(tmp_path_factory.mktemp("web"), data_dir)


@pytest.fixture
def web_store_copy(web_store: tuple[str, str], tmp_path: Path) -> str:
    """The database URL of a copy of ``web_store`` (and its workspace) a test may change."""
    import shutil

    db = Path(web_store[0].removeprefix("sqlite:///"))
    shutil.copy(db, tmp_path / "web.db")
    shutil.copytree(db.with_name("web-workspace"), tmp_path / "web-workspace")
    return f"sqlite:///{tmp_path / 'web.db'}"
