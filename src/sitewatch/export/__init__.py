"""Exports for other tools: the store's places and findings as GeoPackage, FlatGeobuf
and GeoJSON layers."""

from sitewatch.export.gis import FORMATS, LAYERS, collect, export
from sitewatch.export.stac import export_stac

__all__ = ["FORMATS", "LAYERS", "collect", "export", "export_stac"]
