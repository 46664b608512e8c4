"""Where the labelled and sample data live."""

from __future__ import annotations

import os
from pathlib import Path

from sitewatch.errors import InputNotFoundError

DEFAULT_DATA = Path("..") / "shared" / "data"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The sample data folder: argument, else ``SITEWATCH_DATA``, else ``../shared/data``."""
    path = Path(explicit or os.environ.get("SITEWATCH_DATA") or DEFAULT_DATA)
    if not path.is_dir():
        raise InputNotFoundError(
            f"sample data folder not found: {path.resolve()}; set SITEWATCH_DATA to it"
        )
    return path
