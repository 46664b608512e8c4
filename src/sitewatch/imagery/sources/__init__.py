"""Imagery sources behind one interface (:class:`ImagerySource`).

:func:`open_source` picks the implementation from what ``spec`` is: an
``http(s)://`` URL is a STAC API, a ``.json`` file a static STAC catalog,
collection or item, and a folder or ``.tif`` file local GeoTIFF/COG files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sitewatch.errors import InputNotFoundError
from sitewatch.imagery.scene import Scene
from sitewatch.imagery.sources.base import ImagerySource
from sitewatch.imagery.sources.files import FileSource
from sitewatch.imagery.sources.stac import StacApiSource, StaticStacSource

__all__ = [
    "FileSource",
    "ImagerySource",
    "StacApiSource",
    "StaticStacSource",
    "cloud_filter",
    "open_source",
]


def cloud_filter(max_cloud: float) -> Callable[[Scene], bool]:
    """Accept scenes whose ``eo:cloud_cover`` is at most ``max_cloud`` percent (scenes
    that do not say are accepted)."""

    def accept(scene: Scene) -> bool:
        cover = scene.properties.get("eo:cloud_cover")
        return cover is None or float(cover) <= max_cloud

    return accept


def open_source(
    spec: str,
    *,
    collections: Sequence[str] | None = None,
    datetime: str | None = None,
    bbox: Sequence[float] | None = None,
    max_items: int | None = None,
    band_names: Sequence[str] | None = None,
    max_cloud: float | None = None,
) -> ImagerySource:
    """Open the imagery source that ``spec`` names.  ``max_cloud`` (percent) is searched
    for server-side on a STAC API; other sources are filtered at ingest
    (:func:`cloud_filter`)."""
    if spec.startswith(("http://", "https://")):
        return StacApiSource(
            spec,
            collections=collections,
            datetime=datetime,
            bbox=bbox,
            max_items=max_items,
            query={"eo:cloud_cover": {"lte": max_cloud}} if max_cloud is not None else None,
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
