"""Raster IO at the edge of the pipeline: reading onto a grid, writing COG and PNG.

Every GDAL call goes through here, inside a scoped :class:`rasterio.Env`, and
every GDAL failure becomes a :class:`~sitewatch.errors.SitewatchError` naming
the file.  Files are written atomically (temporary file, then rename).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import rasterio
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError
from rasterio.vrt import WarpedVRT

from sitewatch.errors import (
    CorruptImageError,
    InputNotFoundError,
    NotGeoreferencedError,
    OutputError,
)
from sitewatch.geo.grid import GeoImage, Grid
from sitewatch.imagery.bands import plain_name
from sitewatch.imagery.scene import BandRef
from sitewatch.limits import check_grid
from sitewatch.network import check_gdal_href, gdal_options, is_url, local_path

log = logging.getLogger(__name__)

#: GDAL settings for reading local files and cloud-optimised GeoTIFFs over HTTP.
GDAL_READ_OPTIONS: dict[str, Any] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.tiff,.TIF,.TIFF,.jp2",
    "GDAL_HTTP_MULTIRANGE": "YES",
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
}


def gdal_path(href: str) -> str:
    """A path GDAL can open under the network policy: strips file://, checks local files
    exist, refuses GDAL connection strings and URLs the policy does not allow."""
    href = local_path(href)
    check_gdal_href(href)
    if not is_url(href) and not Path(href).exists():
        raise InputNotFoundError(f"image file not found: {href}")
    return href


_OPEN_LOCK = threading.Lock()


@contextlib.contextmanager
def open_raster(href: str) -> Iterator[Any]:
    """Open a raster for reading, mapping GDAL errors to SitewatchErrors."""
    path = gdal_path(href)
    with rasterio.Env(**GDAL_READ_OPTIONS, **gdal_options()):
        try:
            # Opening is where rasterio warns of a missing georeference (plain PNG/JPEG).
            # warnings.catch_warnings changes process-wide state and is not thread-safe,
            # so SiteWatch's threads take turns here; reading runs outside the lock.
            with _OPEN_LOCK, warnings.catch_warnings():
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                ds = rasterio.open(path)
        except RasterioIOError as exc:
            raise CorruptImageError(
                f"cannot read {href} as an image ({first_line(exc)}); "
                "check that it is a complete GeoTIFF/COG, PNG or JPEG"
            ) from None
        with ds:
            t = ds.transform
            if not (math.isfinite(t.determinant) and t.determinant != 0):
                raise CorruptImageError(
                    f"{href} has a zero or non-finite pixel size in its geotransform ({t.a}, "
                    f"{t.e}); fix its georeference (for example with gdal_edit.py -a_ullr)"
                )
            yield ds


def _finite(pixels: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Where every band holds a finite value (NaN and infinities are not data)."""
    if not np.issubdtype(pixels.dtype, np.floating):
        return np.ones(pixels.shape[1:], dtype=bool)
    finite: npt.NDArray[np.bool_] = np.isfinite(pixels).all(axis=0)
    return finite


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_bands_to_grid(
    bands: Sequence[BandRef],
    grid: Grid,
    *,
    time: datetime | None = None,
    resampling: Resampling = Resampling.bilinear,
    dtype: str = "float32",
) -> GeoImage:
    """Read bands (possibly from several files, CRSs and resolutions) onto ``grid``.

    Only the source window under the grid is read (GDAL's warper reads the
    blocks it needs).  The mask is True where every band has valid data.
    """
    pixels = np.zeros((len(bands), grid.height, grid.width), dtype=dtype)
    mask = np.ones(grid.shape, dtype=bool)
    # Bands that share a file are warped together: one open, one warp.
    by_file: dict[str, list[int]] = {}
    for i, ref in enumerate(bands):
        by_file.setdefault(ref.href, []).append(i)
    for href, positions in by_file.items():
        indexes = [bands[i].index for i in positions]
        with open_raster(href) as src:
            if src.crs is None:
                raise NotGeoreferencedError(
                    f"{href} has no CRS; only georeferenced images can be placed on a site grid"
                )
            if not all(1 <= k <= src.count for k in indexes):
                raise CorruptImageError(
                    f"{href} has {src.count} band(s); band indexes {indexes} do not all exist"
                )
            vrt_opts: dict[str, Any] = {
                "crs": grid.crs.to_wkt(),
                "transform": grid.transform,
                "width": grid.width,
                "height": grid.height,
                "resampling": resampling,
                "warp_extras": {"NUM_THREADS": "ALL_CPUS"},
            }
            if src.nodata is not None:
                vrt_opts["src_nodata"] = src.nodata
                vrt_opts["nodata"] = src.nodata
            else:
                vrt_opts["add_alpha"] = True  # marks pixels outside the source
            try:
                with WarpedVRT(src, **vrt_opts) as vrt:
                    if src.nodata is None:
                        data = vrt.read([*indexes, vrt.count], out_dtype=dtype)
                        pixels[positions] = data[:-1]
                        mask &= data[-1] > 0
                    else:
                        data = vrt.read(indexes, out_dtype=dtype)
                        pixels[positions] = data
                        mask &= np.all(data != src.nodata, axis=0)
            except RasterioIOError as exc:
                raise CorruptImageError(f"cannot read {href}: {first_line(exc)}") from None
    mask &= _finite(pixels)
    pixels[:, ~mask] = 0
    return GeoImage(
        pixels=pixels,
        mask=mask,
        band_names=tuple(b.common_name or b.name for b in bands),
        transform=grid.transform,
        crs=grid.crs,
        time=time,
    )


def read_image(path: str | os.PathLike[str], *, require_georef: bool = False) -> GeoImage:
    """Read a whole image file (GeoTIFF, COG, PNG, JPEG) as a GeoImage."""
    href = str(path)
    with open_raster(href) as src:
        georef = src.crs is not None and not src.transform.is_identity
        if require_georef and not georef:
            raise NotGeoreferencedError(
                f"{href} has no CRS or geotransform; a georeferenced GeoTIFF/COG is needed here"
            )
        check_grid(src.width, src.height, f"reading the whole of {href}")
        try:
            data = src.read()
            mask = (src.dataset_mask() > 0) & _finite(data)
            if np.issubdtype(data.dtype, np.floating):
                data[~np.isfinite(data)] = 0
        except RasterioIOError as exc:
            raise CorruptImageError(f"cannot read {href}: {first_line(exc)}") from None
        names = tuple(d or plain_name(i + 1) for i, d in enumerate(src.descriptions))
        return GeoImage(
            pixels=data,
            mask=mask,
            band_names=names,
            transform=src.transform if georef else None,
            crs=CRS.from_user_input(src.crs.to_wkt()) if georef else None,
        )


def _umask() -> int:
    """The process's umask (read without changing it where Linux shows it)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it over ``dest`` on success only.
    A destination that cannot be written (a folder, under a file, no permission) is an
    OutputError naming it."""
    dest = Path(dest)
    if dest.is_dir():
        raise OutputError(f"cannot write {dest}: it is a folder; give a file name")
    blocker = next((p for p in dest.parents if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise OutputError(f"cannot write {dest}: {blocker} is a file, not a folder")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=dest.suffix, dir=dest.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            # mkstemp made it private (0600); give it the mode a plain open() would.
            os.chmod(tmp_path, 0o666 & ~_umask())
            os.replace(tmp_path, dest)
        except OSError as exc:
            raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
    finally:
        for leftover in (tmp_path, Path(str(tmp_path) + ".aux.xml")):
            leftover.unlink(missing_ok=True)


def write_json(obj: Any, dest: str | os.PathLike[str]) -> Path:
    """Write ``obj`` as indented UTF-8 JSON, atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Path(dest)


def write_cog(image: GeoImage, dest: str | os.PathLike[str]) -> Path:
    """Write a Cloud Optimized GeoTIFF (deflate, internal mask, band descriptions)."""
    grid = image.grid
    profile = {
        "driver": "COG",
        "width": grid.width,
        "height": grid.height,
        "count": image.pixels.shape[0],
        "dtype": image.pixels.dtype.name,
        "crs": grid.crs.to_wkt(),
        "transform": grid.transform,
        "compress": "deflate",
        "blocksize": 256,
    }
    with (
        atomic_path(dest) as tmp,
        rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True),
        rasterio.open(tmp, "w", **profile) as dst,
    ):
        dst.write(image.pixels)
        dst.write_mask(np.where(image.mask, 255, 0).astype("uint8"))
        for i, name in enumerate(image.band_names, start=1):
            dst.set_band_description(i, name)
        if image.time is not None:
            dst.update_tags(ACQUISITIONDATETIME=image.time.strftime("%Y-%m-%dT%H:%M:%SZ"))
            dst.update_tags(TIFFTAG_DATETIME=image.time.strftime("%Y:%m:%d %H:%M:%S"))
    return Path(dest)


def write_png(rgb: npt.NDArray[np.uint8], dest: str | os.PathLike[str]) -> Path:
    """Write an (rows, cols, 3|4) uint8 array as PNG."""
    import matplotlib.image

    with atomic_path(dest) as tmp:
        matplotlib.image.imsave(tmp, rgb, format="png")
    return Path(dest)


def write_mask(mask: npt.NDArray[np.bool_], dest: str | os.PathLike[str], like: GeoImage) -> Path:
    """Write a change mask with ``like``'s size: ``.png`` as 0/255, anything else as a
    uint8 GeoTIFF with 1 = change, 0 = no change (a COG when ``like`` is georeferenced)."""
    dest = Path(dest)
    if mask.shape != like.shape:
        raise ValueError(f"mask shape {mask.shape} differs from image shape {like.shape}")
    rows, cols = mask.shape
    if dest.suffix.lower() == ".png":
        profile: dict[str, Any] = {
            "driver": "PNG",
            "width": cols,
            "height": rows,
            "count": 1,
            "dtype": "uint8",
        }
        data = np.where(mask, 255, 0).astype("uint8")
    else:
        profile = {
            "driver": "COG" if like.is_georeferenced else "GTiff",
            "width": cols,
            "height": rows,
            "count": 1,
            "dtype": "uint8",
            "compress": "deflate",
        }
        if like.transform is not None and like.crs is not None:
            profile.update(crs=like.crs.to_wkt(), transform=like.transform, blocksize=256)
        data = mask.astype("uint8")
    with atomic_path(dest) as tmp:
        with _OPEN_LOCK, warnings.catch_warnings():  # see open_raster
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            dst = rasterio.open(tmp, "w", **profile)
        with dst:
            dst.write(data, 1)
            if dest.suffix.lower() != ".png":
                dst.set_band_description(1, "change")
                dst.update_tags(1, VALUES="1 = change, 0 = no change")
    return dest
