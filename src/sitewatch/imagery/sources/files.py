"""Local GeoTIFF/COG files: a folder (searched recursively) or one file.

Acquisition time comes, in order, from an acquisition-time tag
(``ACQUISITIONDATETIME`` in GDAL's IMAGERY domain or the default domain),
from the file name (``..._20190304.tif``, ``2019-03-04``, ``20190304T101500``,
or a bare year such as ``2015.tif``), and last from ``TIFFTAG_DATETIME``
(often the processing time, so it is trusted least).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sitewatch.errors import EmptyCatalogError, InvalidSceneError, NotGeoreferencedError
from sitewatch.geo.grid import footprint_lonlat, gsd_metres
from sitewatch.imagery.bands import TRUE_COLOUR, common_name, plain_name
from sitewatch.imagery.raster import open_raster
from sitewatch.imagery.scene import BandRef, Scene, TimePrecision
from sitewatch.imagery.sources.base import ImagerySource
from sitewatch.times import parse_iso_utc

TIFF_SUFFIXES = (".tif", ".tiff")
_ACQ_TAGS = ("ACQUISITIONDATETIME", "ACQUISITION_DATETIME", "ACQUISITION_TIME", "DATETIME_ACQUIRED")

_STAMP_RE = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?:[T_-]?(\d{2}):?(\d{2}):?(\d{2}))?(?!\d)"
)
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def time_from_name(name: str) -> tuple[datetime, TimePrecision] | None:
    """Acquisition time encoded in a file name, or None."""
    for m in _STAMP_RE.finditer(name):
        y, mo, d, hh, mm, ss = m.groups()
        try:
            if hh is not None:
                t = datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss), tzinfo=UTC)
                return t, "second"
            return datetime(int(y), int(mo), int(d), tzinfo=UTC), "day"
        except ValueError:
            continue
    years = _YEAR_RE.findall(name)
    if len(years) == 1:
        return datetime(int(years[0]), 1, 1, tzinfo=UTC), "year"
    return None


def parse_tag_time(text: str) -> datetime | None:
    """Parse ISO 8601 or TIFF ``YYYY:MM:DD HH:MM:SS`` times; None when unparseable."""
    text = text.strip()
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    try:
        return parse_iso_utc(text)
    except ValueError:
        return None


def acquisition_time(tags: dict[str, str], name: str) -> tuple[datetime, TimePrecision, str]:
    """(time, precision, where it came from) for a file; raises InvalidSceneError if none."""
    for key in _ACQ_TAGS:
        if key in tags and (t := parse_tag_time(tags[key])) is not None:
            return t, "second", f"tag {key}"
    found = time_from_name(name)
    if found is not None:
        return found[0], found[1], "file name"
    if "TIFFTAG_DATETIME" in tags and (t := parse_tag_time(tags["TIFFTAG_DATETIME"])) is not None:
        return t, "second", "tag TIFFTAG_DATETIME"
    raise InvalidSceneError(
        f"{name}: no acquisition time in its tags or name; add a date to the file name "
        "(e.g. site_20190304.tif) or set the ACQUISITIONDATETIME tag"
    )


def band_refs_for(
    href: str,
    descriptions: Sequence[str | None],
    colorinterp: Sequence[str],
    gsd: float,
    band_names: Sequence[str] | None = None,
) -> tuple[BandRef, ...]:
    """Name each band: from ``band_names``, else descriptions, else colour interpretation."""
    count = len(descriptions)
    if band_names and len(band_names) != count:
        raise InvalidSceneError(
            f"{href} has {count} band(s) but {len(band_names)} band names were given "
            f"({', '.join(band_names)})"
        )
    refs = []
    for i in range(count):
        if band_names:
            name = band_names[i]
        elif descriptions[i]:
            name = str(descriptions[i])
        else:
            name = colorinterp[i] if colorinterp[i] in TRUE_COLOUR else plain_name(i + 1)
        common = common_name(name)
        refs.append(BandRef(name=name, href=href, index=i + 1, common_name=common, gsd=gsd))
    return tuple(refs)


class FileSource(ImagerySource):
    """GeoTIFF/COG files in a folder (recursively) or a single file."""

    def __init__(self, path: str | Path, band_names: Sequence[str] | None = None) -> None:
        self.path = Path(path).resolve()
        self.band_names = tuple(band_names) if band_names else None
        self.description = f"files:{self.path}"
        self._stems: dict[Path, int] = {}

    def refs(self) -> list[str]:
        if self.path.is_file():
            return [str(self.path)]
        files = sorted(
            str(p)
            for p in self.path.rglob("*")
            if p.is_file() and p.suffix.lower() in TIFF_SUFFIXES
        )
        if not files:
            raise EmptyCatalogError(
                f"no GeoTIFF/COG files (*.tif, *.tiff) in {self.path}; point at a folder of images"
            )
        self._stems = {}
        for f in map(Path, files):
            stem = f.with_suffix("")
            self._stems[stem] = self._stems.get(stem, 0) + 1
        return files

    def scene_id(self, path: Path) -> str:
        """The file's path below the source folder, prefixed by that folder's name,
        without its suffix: ``naip/m_4709963_se_14_1_20090818``; nested folders stay in
        it (``a/x/img``), and two files differing only by suffix keep theirs
        (``x/img.tif``, ``x/img.tiff``)."""
        root = self.path if self.path.is_dir() else self.path.parent
        try:
            relative = path.relative_to(root)
        except ValueError:
            relative = Path(path.name)
        if self._stems.get(path.with_suffix(""), 0) < 2:
            relative = relative.with_suffix("")
        return f"{root.name}/{relative.as_posix()}" if root.name else relative.as_posix()

    def load(self, ref: str) -> Scene:
        path = Path(ref)
        with open_raster(ref) as src:
            if src.crs is None or src.transform.is_identity:
                raise NotGeoreferencedError(
                    f"{ref} has no CRS or geotransform; SiteWatch needs georeferenced "
                    "GeoTIFF/COG files to place scenes on sites"
                )
            tags: dict[str, Any] = dict(src.tags())
            tags.update(src.tags(ns="IMAGERY") or {})
            time, precision, time_source = acquisition_time(tags, path.name)
            gsd = gsd_metres(src.crs, src.transform, src.width, src.height)
            footprint = footprint_lonlat(src.crs, src.transform, src.width, src.height)
            bands = band_refs_for(
                str(path),
                list(src.descriptions),
                [c.name for c in src.colorinterp],
                gsd,
                self.band_names,
            )
            crs = src.crs.to_string()
            props = {
                "shape": [src.height, src.width],
                "dtype": src.dtypes[0],
                "time_source": time_source,
            }
        return Scene(
            id=self.scene_id(path),
            datetime=time,
            footprint=footprint,
            crs=crs,
            gsd=round(gsd, 4),
            bands=bands,
            platform=tags.get("PLATFORM") or tags.get("SATELLITEID") or None,
            source=self.description,
            time_precision=precision,
            properties=props,
        )
