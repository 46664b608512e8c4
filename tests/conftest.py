"""Shared fixtures: the real sample data in ../shared/data, a fresh store, the CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitewatch.datasets.change import ChangePair, airchange_pairs
from sitewatch.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("SITEWATCH_DATA") or ROOT.parent / "shared" / "data")
    if not (path / "oscd" / "catalog.json").exists():
        pytest.fail(f"sample data not found at {path}; set SITEWATCH_DATA")
    return path


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


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
