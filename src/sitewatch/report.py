"""HTML report: per site a before/after pair of chips, the activity figure over time,
and the metadata of every scene used.  Pictures are written beside the HTML."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import matplotlib.dates as mdates
from matplotlib.figure import Figure

import sitewatch
from sitewatch.activity import CHANGE_MAGNITUDE
from sitewatch.chips import display_bands, to_rgb8
from sitewatch.pipeline import SiteRun
from sitewatch.raster import atomic_path, write_png
from sitewatch.scene import iso_utc


def plot_activity(run: SiteRun, dest: Path) -> Path:
    """Line plot of the change magnitude against the later date of each pair."""
    obs = [o for o in run.observations if o.figure == CHANGE_MAGNITUDE]
    # A bare Figure (no pyplot): no global backend state, nothing to close.
    fig = Figure(figsize=(7, 2.8), dpi=100)
    ax = fig.subplots()
    times = mdates.date2num([o.time for o in obs])  # type: ignore[no-untyped-call]
    ax.plot(times, [o.value for o in obs], marker="o", color="#b5442c")
    ax.xaxis_date()
    for scene in run.scenes:
        when = float(mdates.date2num(scene.time_utc))  # type: ignore[no-untyped-call]
        ax.axvline(when, color="#bbb", linewidth=0.6, zorder=0)
    ax.set_ylabel("change magnitude")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{run.site.name}: change between consecutive scenes", fontsize=10)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format="png")
    return dest


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
        "plot": None,
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
            write_png(to_rgb8(chip), out_dir / rel)
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
    if run.observations:
        rel = f"{asset_dir}/{site.id}_activity.png"
        plot_activity(run, out_dir / rel)
        ctx["plot"] = rel
    return ctx


def write_report(
    runs: list[SiteRun], dest: str | os.PathLike[str], *, db_url: str = "", title: str = ""
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
    )
    with atomic_path(dest) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return dest
