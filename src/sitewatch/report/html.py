"""HTML report: per site a before/after pair of chips, the latest detected change outlined
on its after-chip, the activity figures over time, and the metadata of every scene used.
Pictures are written beside the HTML.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import numpy.typing as npt
from scipy import ndimage

import sitewatch
from sitewatch.activity.figures import CHANGE_MAGNITUDE, CHANGED_AREA
from sitewatch.detection.detector import Detection, counts, resample_rgb
from sitewatch.imagery.bands import TRUE_COLOUR
from sitewatch.imagery.display import display_bands, to_rgb8
from sitewatch.imagery.raster import atomic_path, write_png
from sitewatch.pipeline.site import SiteView, load_site
from sitewatch.report.plots import plot_activity, plot_reach
from sitewatch.sites.watchlist import Site
from sitewatch.store.db import Store
from sitewatch.times import iso_utc


def outline_rgb(
    rgb: npt.NDArray[np.uint8],
    mask: npt.NDArray[np.bool_],
    colour: tuple[int, int, int] = (255, 230, 0),
) -> npt.NDArray[np.uint8]:
    """``rgb`` with the outline of ``mask`` burnt in (2 px wide where the chip allows)."""
    edge = mask & ~ndimage.binary_erosion(mask)
    if min(mask.shape) >= 200:
        edge = ndimage.binary_dilation(edge)
    out = rgb.copy()
    out[edge, :3] = colour
    return out


def _site_context(run: SiteView, out_dir: Path, asset_dir: str) -> dict[str, Any]:
    site = run.site
    ctx: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "kind": site.kind,
        "country": site.country,
        "notes": site.notes,
        "location_source": site.location_source,
        "scenes": [],
        "observations": [o.to_dict() for o in run.observations],
        "failures": run.failures,
        "before": None,
        "after": None,
        "change": None,
        "plot": None,
        "pairs": _pair_rows(run),
        "alerts": [a.to_dict() for a in run.alerts],
    }
    for scene in run.scenes:
        chip = run.chips[scene.id]
        ctx["scenes"].append(
            {
                "id": scene.id,
                "time": iso_utc(scene.datetime)
                + ("" if scene.time_precision == "second" else f" ({scene.time_precision})"),
                "platform": scene.platform,
                "crs": scene.crs if len(scene.crs) < 40 else scene.crs[:37] + "...",
                "gsd": scene.gsd,
                "bands": ", ".join(chip.band_names),
                "coverage": float(chip.mask.mean()),
            }
        )
    if len(run.scenes) >= 2:
        for key, scene in (("before", run.scenes[0]), ("after", run.scenes[-1])):
            chip = run.chips[scene.id]
            rel = f"{asset_dir}/{site.id}_{key}.png"
            write_png(draw_boxes(to_rgb8(chip), run.detections.get(scene.id, [])), out_dir / rel)
            names = display_bands(chip)
            label = "true colour" if names == TRUE_COLOUR else "bands " + "/".join(names)
            ctx[key] = {
                "png": rel,
                "scene": scene.id,
                "time": iso_utc(scene.datetime),
                "bands": label,
            }
    latest = next(((k, c) for k, c in reversed(run.changes.items()) if k[1] in run.chips), None)
    if latest is not None:
        (first_id, last_id), change = latest
        rel = f"{asset_dir}/{site.id}_change.png"
        write_png(outline_rgb(to_rgb8(run.chips[last_id]), change.mask), out_dir / rel)
        area = next(
            (
                o.value
                for o in run.observations
                if o.figure == CHANGED_AREA and o.scene_id == last_id
            ),
            0.0,
        )
        ctx["change"] = {
            "png": rel,
            "before": first_id,
            "after": last_id,
            "method": change.method,
            "area_ha": area / 1e4,
            "alignment": change.alignment,
        }
    if run.observations:
        rel = f"{asset_dir}/{site.id}_activity.png"
        plot_activity(run, out_dir / rel)
        ctx["plot"] = rel
    return ctx


BOX_COLOURS = {"vehicle": (0, 220, 255), "aircraft": (255, 60, 200)}
#: Large vehicles (trucks, tractor-trailers, buses) stand out from cars.
LARGE_COLOUR = (255, 150, 0)


def draw_boxes(
    rgb: npt.NDArray[np.uint8], dets: Sequence[Detection], scale: float = 1.0
) -> npt.NDArray[np.uint8]:
    """``rgb`` (rows, cols, 3|4) with detection boxes (scaled by ``scale``) burnt in."""
    out = rgb.copy()
    rows, cols = out.shape[:2]
    for d in dets:
        x0, y0 = int(d.x0 * scale), int(d.y0 * scale)
        x1, y1 = min(cols - 1, int(d.x1 * scale)), min(rows - 1, int(d.y1 * scale))
        colour = LARGE_COLOUR if d.kind == "large" else BOX_COLOURS.get(d.cls, (255, 255, 255))
        for xa, xb, ya, yb in (
            (x0, x1, y0, y0),
            (x0, x1, y1, y1),
            (x0, x0, y0, y1),
            (x1, x1, y0, y1),
        ):
            out[max(0, ya) : yb + 1, max(0, xa) : xb + 1, :3] = colour
    return out


def _pair_rows(run: SiteView) -> list[dict[str, Any]]:
    """One table row per consecutive scene pair: magnitude, changed area, evidence."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for o in run.observations:
        row = rows.setdefault(
            (o.ref_scene_id, o.scene_id),
            {"before": o.ref_scene_id, "after": o.scene_id, "time": iso_utc(o.time),
             "magnitude": None, "valid": None, "area_ha": None, "method": "", "objects": None},
        )  # fmt: skip
        if o.figure == CHANGE_MAGNITUDE:
            row["magnitude"] = o.value
            row["valid"] = o.evidence.get("valid_fraction")
        elif o.figure == CHANGED_AREA:
            row["area_ha"] = o.value / 1e4
            row["method"] = o.evidence.get("method", "")
            row["objects"] = o.evidence.get("objects")
    return list(rows.values())


def _grid_context(grid: dict[str, Any], out_dir: Path, asset_dir: str) -> dict[str, Any]:
    """A pixel-grid image with its detections: picture (downscaled to <= 1024 px) and counts."""
    pixels: npt.NDArray[np.uint8] = grid["pixels"]
    dets: list[Detection] = grid["detections"]
    rows, cols = pixels.shape[1:]
    scale = min(1.0, 1024 / max(rows, cols))

    small = resample_rgb(pixels, max(1, round(cols * scale)), max(1, round(rows * scale)))
    rel = f"{asset_dir}/grid_{grid['name']}.png"
    write_png(draw_boxes(small.transpose(1, 2, 0), dets, scale), out_dir / rel)
    return {
        "name": grid["name"],
        "title": grid["title"],
        "png": rel,
        "gsd": grid["gsd"],
        "counts": counts(dets),
        "truth": grid.get("truth", {}),
    }


def _reach_context(reach: dict[str, Any], out_dir: Path, asset_dir: str) -> dict[str, Any]:
    rel = f"{asset_dir}/reach.png"
    plot_reach(reach, out_dir / rel)
    props = reach["ring"]["properties"]
    return {
        "png": rel,
        "site": reach["site_name"],
        "range_km": props["range_km"],
        "range_mi": props["range_mi"],
        "targets_in_range": reach["targets_in_range"],
        "nearest": reach["targets"][:8],
        "conus": reach["contiguous_us"],
    }


def write_report(
    runs: Sequence[SiteView],
    dest: str | os.PathLike[str],
    *,
    db_url: str = "",
    title: str = "",
    pixel_grids: Sequence[dict[str, Any]] = (),
    claims: Sequence[dict[str, Any]] = (),
    reach: dict[str, Any] | None = None,
) -> Path:
    """Render the report and its pictures; returns the HTML path."""
    dest = Path(dest)
    out_dir = dest.parent
    asset_dir = f"{dest.stem}_files"
    (out_dir / asset_dir).mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sitewatch.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    html = env.get_template("report.html.j2").render(
        title=title or "SiteWatch activity report",
        generated=iso_utc(datetime.now(UTC)),
        version=sitewatch.__version__,
        db_url=db_url,
        sites=[_site_context(r, out_dir, asset_dir) for r in runs],
        pixel_grids=[_grid_context(g, out_dir, asset_dir) for g in pixel_grids],
        claims=list(claims),
        reach=_reach_context(reach, out_dir, asset_dir) if reach else None,
    )
    with atomic_path(dest) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return dest


def write_site_report(
    store: Store,
    sites: Sequence[Site],
    dest: str | os.PathLike[str],
    *,
    title: str = "",
    pixel_grids: Sequence[dict[str, Any]] = (),
    reach: dict[str, Any] | None = None,
) -> Path:
    """The report for ``sites`` from what the store holds (chips and masks from the
    workspace, observations, alerts, and the claims about these sites); returns the
    HTML path."""
    ids = {s.id for s in sites}
    claims = [c.to_dict() for c in store.list_claims() if c.site_id in ids]
    return write_report(
        [load_site(store, site) for site in sites],
        dest,
        db_url=store.url,
        title=title,
        pixel_grids=pixel_grids,
        claims=claims,
        reach=reach,
    )
