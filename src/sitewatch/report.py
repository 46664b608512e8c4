"""HTML report: per site a before/after pair of chips, the latest detected change outlined
on its after-chip, the activity figures over time, and the metadata of every scene used.
Pictures are written beside the HTML."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import matplotlib.dates as mdates
import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from scipy import ndimage

import sitewatch
from sitewatch.activity import CHANGE_MAGNITUDE, CHANGED_AREA
from sitewatch.chips import display_bands, to_rgb8
from sitewatch.detect import Detection
from sitewatch.pipeline import SiteRun
from sitewatch.raster import atomic_path, write_png
from sitewatch.scene import iso_utc


def plot_activity(run: SiteRun, dest: Path) -> Path:
    """Change magnitude and detected changed area against the later date of each pair."""
    panels = [
        (CHANGE_MAGNITUDE, "change magnitude", 1.0, "#b5442c"),
        (CHANGED_AREA, "changed area (ha)", 1e-4, "#2c6cb5"),
    ]
    panels = [p for p in panels if any(o.figure == p[0] for o in run.observations)]
    # A bare Figure (no pyplot): no global backend state, nothing to close.
    fig = Figure(figsize=(7, 1.2 + 1.6 * len(panels)), dpi=100)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (figure, label, scale, colour) in zip(axes, panels, strict=True):
        obs = [o for o in run.observations if o.figure == figure]
        times = mdates.date2num([o.time for o in obs])  # type: ignore[no-untyped-call]
        ax.plot(times, [o.value * scale for o in obs], marker="o", color=colour)
        ax.xaxis_date()
        for scene in run.scenes:
            when = float(mdates.date2num(scene.time_utc))  # type: ignore[no-untyped-call]
            ax.axvline(when, color="#bbb", linewidth=0.6, zorder=0)
        ax.set_ylabel(label, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{run.site.name}: activity between consecutive scenes", fontsize=10)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format="png")
    return dest


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


def _site_context(run: SiteRun, out_dir: Path, asset_dir: str) -> dict[str, Any]:
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
            label = (
                "true colour" if names == ("red", "green", "blue") else "bands " + "/".join(names)
            )
            ctx[key] = {
                "png": rel,
                "scene": scene.id,
                "time": iso_utc(scene.datetime),
                "bands": label,
            }
    if run.changes:
        (first_id, last_id), cmp = list(run.changes.items())[-1]
        rel = f"{asset_dir}/{site.id}_change.png"
        write_png(outline_rgb(to_rgb8(cmp.after), cmp.result.mask), out_dir / rel)
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
            "method": cmp.result.method,
            "area_ha": area / 1e4,
            "alignment": cmp.align_note,
        }
    if run.observations:
        rel = f"{asset_dir}/{site.id}_activity.png"
        plot_activity(run, out_dir / rel)
        ctx["plot"] = rel
    return ctx


BOX_COLOURS = {"vehicle": (0, 220, 255), "aircraft": (255, 60, 200)}


def draw_boxes(
    rgb: npt.NDArray[np.uint8], dets: Sequence[Detection], scale: float = 1.0
) -> npt.NDArray[np.uint8]:
    """``rgb`` (rows, cols, 3|4) with detection boxes (scaled by ``scale``) burnt in."""
    out = rgb.copy()
    rows, cols = out.shape[:2]
    for d in dets:
        x0, y0 = int(d.x0 * scale), int(d.y0 * scale)
        x1, y1 = min(cols - 1, int(d.x1 * scale)), min(rows - 1, int(d.y1 * scale))
        colour = BOX_COLOURS.get(d.cls, (255, 255, 255))
        for xa, xb, ya, yb in (
            (x0, x1, y0, y0),
            (x0, x1, y1, y1),
            (x0, x0, y0, y1),
            (x1, x1, y0, y1),
        ):
            out[max(0, ya) : yb + 1, max(0, xa) : xb + 1, :3] = colour
    return out


def _pair_rows(run: SiteRun) -> list[dict[str, Any]]:
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
    from sitewatch.detect import _resample, counts

    small = _resample(pixels, max(1, round(cols * scale)), max(1, round(rows * scale)))
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


def write_report(
    runs: list[SiteRun],
    dest: str | os.PathLike[str],
    *,
    db_url: str = "",
    title: str = "",
    pixel_grids: Sequence[dict[str, Any]] = (),
) -> Path:
    """Render the report and its pictures; returns the HTML path."""
    dest = Path(dest)
    out_dir = dest.parent
    asset_dir = f"{dest.stem}_files"
    (out_dir / asset_dir).mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sitewatch", "templates"),
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
    )
    with atomic_path(dest) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return dest
