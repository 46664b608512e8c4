"""Labelled change datasets read from the shared data folder (OSCD, SZTAKI AirChange,
and the very-high-resolution pairs of ``vhr-change/``).

Each dataset yields :class:`ChangePair` objects: before and after images on one
grid (the after image co-registered onto the before image), the change label,
and where they come from.  Training (``sitewatch.train``) and evaluation
(``sitewatch.evaluation``) read the data through this module only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sitewatch.change.align import coregister
from sitewatch.errors import InputNotFoundError, InsufficientDataError
from sitewatch.geo.grid import GeoImage, Grid
from sitewatch.imagery.bands import TRUE_COLOUR
from sitewatch.imagery.raster import open_raster, read_bands_to_grid, read_image
from sitewatch.imagery.scene import Scene
from sitewatch.imagery.sources.stac import StaticStacSource

#: Bands read from OSCD scenes (Sentinel-2 common names).
OSCD_BANDS = ("red", "green", "blue", "nir", "swir16", "swir22")
AIRCHANGE_BANDS = TRUE_COLOUR
DATASETS = ("oscd", "airchange", "vhr")
#: The sources of ``vhr-change/`` and their ground sample distance in metres (DSIFN's is
#: estimated, NCC's is reported for EGY-BCD, CDD's varies from 0.03 to 1 m).
VHR_SOURCES = {"dsifn": 1.3, "ncc": 0.25, "cdd": 0.5}


@dataclass(frozen=True, eq=False)
class ChangePair:
    """Two co-registered images of one place and its change label (True = change)."""

    dataset: str
    name: str
    before: GeoImage
    after: GeoImage
    label: npt.NDArray[np.bool_]
    gsd: float

    @property
    def valid(self) -> npt.NDArray[np.bool_]:
        out: npt.NDArray[np.bool_] = self.before.mask & self.after.mask
        return out

    @property
    def source(self) -> str:
        """Where the pair comes from: the OSCD city's collection, ``szada``, ``dsifn``..."""
        return "oscd" if self.dataset == "oscd" else self.name.split("/", 1)[0]


def _oscd_scenes(root: Path) -> dict[str, list[Scene]]:

    source = StaticStacSource(root / "catalog.json")
    by_city: dict[str, list[Scene]] = {}
    for ref in source.refs():
        scene = source.load(ref)
        city = scene.id.rsplit("_", 1)[0]
        by_city.setdefault(city, []).append(scene)
    for scenes in by_city.values():
        scenes.sort(key=lambda s: s.time_utc)
    return by_city


def oscd_cities(root: Path) -> list[str]:
    """The labelled OSCD cities, in the order of ``split.json``."""
    split = root / "split.json"
    if not split.is_file():
        raise InputNotFoundError(f"{split} not found; is {root} the OSCD folder?")
    cities: list[str] = json.loads(split.read_text())["labelled"]
    return cities


def oscd_pairs(root: Path, cities: Sequence[str] | None = None) -> Iterator[ChangePair]:
    """OSCD city pairs on the first date's 10 m grid (the label's grid)."""
    wanted = list(cities) if cities is not None else oscd_cities(root)
    scenes = _oscd_scenes(root)
    for city in wanted:
        if city not in scenes or len(scenes[city]) < 2:
            raise InputNotFoundError(f"OSCD city {city!r} has no image pair in {root}")
        with open_raster(str(root / "labels" / f"{city}.tif")) as src:
            label = src.read(1) > 0
            grid = Grid(src.crs, src.transform, src.width, src.height)
        first, second = scenes[city][0], scenes[city][-1]
        before = read_bands_to_grid([first.band(b) for b in OSCD_BANDS], grid, time=first.time_utc)
        after = read_bands_to_grid([second.band(b) for b in OSCD_BANDS], grid, time=second.time_utc)
        after = _coregistered(before, after)
        yield ChangePair("oscd", city, before, after, label, gsd=10.0)


def _coregistered(before: GeoImage, after: GeoImage) -> GeoImage:
    try:
        aligned, _ = coregister(before, after)
    except InsufficientDataError:
        return after
    return aligned


def _plain_rgb(path: Path) -> GeoImage:
    image = read_image(path)
    pixels = image.pixels[:3].astype("float32")
    return GeoImage(pixels=pixels, mask=image.mask, band_names=AIRCHANGE_BANDS)


def _folder_pairs(
    folder: Path, dataset: str, prefix: str, gsd: float, what: str
) -> Iterator[ChangePair]:
    """Pairs stored as ``<pair>/{before,after,change}.png`` (pixel grids; 255 = change)."""
    if not folder.is_dir():
        raise InputNotFoundError(f"{folder} not found; is {folder.parent} the {what} folder?")
    for pair_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        before = _plain_rgb(pair_dir / "before.png")
        after = _coregistered(before, _plain_rgb(pair_dir / "after.png"))
        label = read_image(pair_dir / "change.png").pixels[0] > 127
        yield ChangePair(dataset, f"{prefix}/{pair_dir.name}", before, after, label, gsd=gsd)


def airchange_pairs(root: Path, subset: str = "szada") -> Iterator[ChangePair]:
    """SZTAKI AirChange pairs (1.5 m aerial RGB, pixel grids) of one subset."""
    return _folder_pairs(root / subset, "airchange", subset, 1.5, "AirChange")


def vhr_pairs(root: Path, sources: Sequence[str] = tuple(VHR_SOURCES)) -> Iterator[ChangePair]:
    """The very-high-resolution true-colour pairs of ``vhr-change/`` (pixel grids)."""
    for source in sources:
        yield from _folder_pairs(root / source, "vhr", source, VHR_SOURCES[source], "vhr-change")


def load_pairs(data: Path, dataset: str) -> list[ChangePair]:
    """All labelled pairs of ``dataset`` under the data folder: "oscd", "airchange", or
    "vhr" (the ``vhr-change/`` pairs with SZTAKI Szada: true colour finer than 2 m)."""
    if dataset == "oscd":
        return list(oscd_pairs(data / "oscd"))
    if dataset == "airchange":
        return list(airchange_pairs(data / "airchange"))
    if dataset == "vhr":
        return [*vhr_pairs(data / "vhr-change"), *airchange_pairs(data / "airchange")]
    raise ValueError(f"unknown dataset {dataset!r}; choose one of {', '.join(DATASETS)}")
