"""Report figures drawn with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
from matplotlib.figure import Figure

from sitewatch.activity.figures import (
    AIRCRAFT_COUNT,
    BRIGHTNESS,
    CHANGE_MAGNITUDE,
    CHANGED_AREA,
    LARGE_VEHICLE_COUNT,
    NDVI,
    VEHICLE_COUNT,
)
from sitewatch.imagery.raster import atomic_path
from sitewatch.pipeline.site import SiteView

#: Timeline panels: figure, label, scale, colour (only figures a site has are drawn).
PANELS = (
    (CHANGE_MAGNITUDE, "change magnitude", 1.0, "#b5442c"),
    (CHANGED_AREA, "changed area (ha)", 1e-4, "#2c6cb5"),
    (VEHICLE_COUNT, "vehicles", 1.0, "#0a8f9c"),
    (LARGE_VEHICLE_COUNT, "large vehicles", 1.0, "#1f5f8f"),
    (AIRCRAFT_COUNT, "aircraft", 1.0, "#a02c8f"),
    (NDVI, "mean NDVI", 1.0, "#3a8f2c"),
    (BRIGHTNESS, "brightness", 1.0, "#8f7a2c"),
)


def plot_activity(run: SiteView, dest: Path) -> Path:
    """The site's timeline: one panel per activity figure, alert events shaded."""
    panels = [p for p in PANELS if any(o.figure == p[0] for o in run.observations)]
    # A bare Figure (no pyplot): no global backend state, nothing to close.
    fig = Figure(figsize=(7, 1.0 + 1.5 * len(panels)), dpi=100)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (figure, label, scale, colour) in zip(axes, panels, strict=True):
        obs = [o for o in run.observations if o.figure == figure]
        times = mdates.date2num([o.time for o in obs])  # type: ignore[no-untyped-call]
        ax.plot(times, [o.value * scale for o in obs], marker="o", color=colour)
        ax.xaxis_date()
        for scene in run.scenes:
            when = float(mdates.date2num(scene.time_utc))  # type: ignore[no-untyped-call]
            ax.axvline(when, color="#bbb", linewidth=0.6, zorder=0)
        for alert in run.alerts:
            if alert.figure == figure:
                a0, a1 = mdates.date2num([alert.start, alert.end])  # type: ignore[no-untyped-call]
                ax.axvspan(a0 - 20, a1 + 20, color="#f2b134", alpha=0.35, zorder=0)
        ax.set_ylabel(label, fontsize=8)
        if figure != NDVI:
            ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{run.site.name}: timeline (alerts shaded)", fontsize=10)
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format="png")
    return dest


def plot_reach(reach: dict[str, Any], dest: Path) -> Path:
    """World map (plain lon/lat axes) of a range ring, the targets in range, and the
    contiguous-US places checked, with the farthest one marked."""
    from shapely.geometry import shape

    fig = Figure(figsize=(9, 4.8), dpi=100)
    ax = fig.subplots()
    geom = shape(reach["ring"]["geometry"])
    for poly in getattr(geom, "geoms", [geom]):
        x, y = poly.exterior.xy
        ax.fill(x, y, color="#d9534f", alpha=0.18, linewidth=0)
        ax.plot(x, y, color="#d9534f", linewidth=1)
    conus = reach["conus_points"]
    ax.scatter(
        [p[0] for p in conus], [p[1] for p in conus], s=1, color="#777", label="US places checked"
    )
    tx = [t["lon"] for t in reach["targets"]]
    ty = [t["lat"] for t in reach["targets"]]
    ax.scatter(tx, ty, s=4, color="#2c6cb5", label="capitals and 1M+ cities in range")
    lon, lat = reach["ring"]["properties"]["centre"]
    ax.plot([lon], [lat], marker="*", markersize=12, color="#b5442c", label=reach["site_name"])
    far = reach["contiguous_us"]["farthest"]
    ax.plot([far["lon"]], [far["lat"]], marker="x", color="k")
    ax.annotate(f"farthest: {far['name']} {far['distance_mi']:,.0f} mi", (far["lon"], far["lat"]),
                fontsize=7, xytext=(4, -10), textcoords="offset points")  # fmt: skip
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=7)
    props = reach["ring"]["properties"]
    ax.set_title(f"{reach['site_name']}: {props['range_mi']:,.0f} mi ({props['range_km']:,.0f} km) "
                 "geodesic range", fontsize=10)  # fmt: skip
    fig.tight_layout()
    with atomic_path(dest) as tmp:
        fig.savefig(tmp, format="png")
    return dest
