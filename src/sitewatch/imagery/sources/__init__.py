"""Imagery sources behind one interface (:class:`ImagerySource`).

:func:`open_source` picks the implementation from what ``spec`` is: an
``http(s)://`` URL is a STAC API, a ``.json`` file a static STAC catalog,
collection or item, and a folder or ``.tif`` file local GeoTIFF/COG files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sitewatch.errors import InputNotFoundError
from sitewatch.imagery.sources.base import ImagerySource
from sitewatch.imagery.sources.files import FileSource
from sitewatch.imagery.sources.stac import StacApiSource, StaticStacSource

__all__ = ["FileSource", "ImagerySource", "StacApiSource", "StaticStacSource", "open_source"]


def open_source(
    spec: str,
    *,
    collections: Sequence[str] | None = None,
    datetime: str | None = None,
    bbox: Sequence[float] | None = None,
    max_items: int | None = None,
    band_names: Sequence[str] | None = None,
) -> ImagerySource:
    """Open the imagery source that ``spec`` names."""
    if spec.startswith(("http://", "https://")):
        return StacApiSource(
            spec, collections=collections, datetime=datetime, bbox=bbox, max_items=max_items
        )
    path = Path(spec)
    if not path.exists():
        raise InputNotFoundError(
            f"imagery source not found: {spec} (give a folder of GeoTIFFs, a STAC JSON file "
            "or a STAC API URL)"
        )
    if path.is_file() and path.suffix.lower() == ".json":
        return StaticStacSource(path)
    return FileSource(path, band_names=band_names)
