"""Small test helpers: writing synthetic rasters and invoking the CLI."""

from __future__ import annotations

import socket
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from click.testing import CliRunner, Result
from rasterio.errors import NotGeoreferencedWarning

from sitewatch.cli.main import cli


def write_tif(
    path: Path,
    *,
    crs: str | None = "EPSG:32636",
    transform: Affine | None = None,
    count: int = 3,
    size: int = 32,
    tags: dict[str, str] | None = None,
    seed: int = 0,
) -> Path:
    """A small GeoTIFF of random uint8 pixels (georeferenced unless crs is None)."""
    rng = np.random.default_rng(seed)
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": count,
        "dtype": "uint8",
    }
    if crs is not None:
        profile["crs"] = crs
        profile["transform"] = transform or Affine(10, 0, 730000, 0, -10, 3750000)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        dst = rasterio.open(path, "w", **profile)
    with dst:
        dst.write(rng.integers(1, 255, (count, size, size), dtype="uint8"))
        if tags:
            dst.update_tags(**tags)
    return path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_cli(runner: CliRunner, db_url: str, *args: str, input: str | None = None) -> Result:
    return runner.invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)


def assert_one_line_error(result: Result, *needles: str) -> None:
    """Exit code 2, a single 'error: ...' line on stderr, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
