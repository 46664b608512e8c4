"""Imagery: scenes and their bands, raster reading and writing (COG), site chips, image
pairs, display pictures, and the sources scenes come from (files, STAC)."""

from sitewatch.imagery.bands import TRUE_COLOUR, common_bands, rgb_bands
from sitewatch.imagery.chips import chip_grid, read_chip
from sitewatch.imagery.display import display_bands, stretch_band, to_rgb8
from sitewatch.imagery.pairs import read_pair
from sitewatch.imagery.raster import (
    read_bands_to_grid,
    read_image,
    write_cog,
    write_json,
    write_mask,
    write_png,
)
from sitewatch.imagery.scene import BandRef, Scene
from sitewatch.imagery.sources import (
    FileSource,
    ImagerySource,
    StacApiSource,
    StaticStacSource,
    open_source,
)

__all__ = [
    "TRUE_COLOUR",
    "BandRef",
    "FileSource",
    "ImagerySource",
    "Scene",
    "StacApiSource",
    "StaticStacSource",
    "chip_grid",
    "common_bands",
    "display_bands",
    "open_source",
    "read_bands_to_grid",
    "read_chip",
    "read_image",
    "read_pair",
    "rgb_bands",
    "stretch_band",
    "to_rgb8",
    "write_cog",
    "write_json",
    "write_mask",
    "write_png",
]
