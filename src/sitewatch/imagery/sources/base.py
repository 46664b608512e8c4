"""The interface every imagery source implements.

A source lists cheap references first (file paths, item links, item ids) and
loads each into a :class:`~sitewatch.scene.Scene` separately, so a batch can
report a bad item and carry on with the rest.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sitewatch.imagery.scene import Scene


class ImagerySource(ABC):
    """Somewhere scenes come from: a folder of GeoTIFFs, a static STAC catalog, a STAC API."""

    #: Human-readable description, recorded with each scene.
    description: str

    @abstractmethod
    def refs(self) -> list[str]:
        """References to every candidate scene; raises EmptyCatalogError when there are none."""

    @abstractmethod
    def load(self, ref: str) -> Scene:
        """Load one scene; raises a SitewatchError naming the problem when it cannot."""
