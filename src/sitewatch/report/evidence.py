"""Evidence bundles: everything another analyst needs to check one alert or one claim,
in one zip.

A bundle holds the before and after chips (COG, and PNG pictures), the change objects
between them and the detections on the after date (GeoJSON), the figures behind the
finding (JSON), a one-page PDF brief (title, site, dates, the two pictures with a
scale bar and north arrow, the numbers, the provenance, and the claim with its status)
and ``manifest.json`` with every file's SHA-256.  :func:`verify_bundle` recomputes the
hashes; a file changed, added or missing since the bundle was made fails it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import matplotlib.image
from matplotlib.figure import Figure

from sitewatch.activity.figures import Observation
from sitewatch.errors import (
    AlertNotFoundError,
    ChipNotFoundError,
    EvidenceMismatchError,
    InputNotFoundError,
)
from sitewatch.geo.grid import GeoImage
from sitewatch.imagery.display import to_rgb8
from sitewatch.imagery.raster import atomic_path
from sitewatch.pipeline.evidence import change_between, chip_file, detections_on
from sitewatch.pipeline.site import read_stored_chip
from sitewatch.store import Store
from sitewatch.times import iso_utc

MANIFEST = "manifest.json"


@dataclass
class Finding:
    """What a bundle is about: its title, site, the two dates shown and the numbers."""

    kind: str
    id: int
    site_id: str
    title: str
    statement: str
    before: str | None
    after: str | None
    figures: list[dict[str, Any]] = field(default_factory=list)
    status: str = ""
    record: dict[str, Any] = field(default_factory=dict)


def _scene_pair(
    store: Store, site_id: str, observations: list[dict[str, Any]], scene_ids: list[str]
) -> tuple[str | None, str | None]:
    """The two dates to show: the first observation measured between two dates (its
    reference and its scene), else the date before the first evidence scene and it."""
    chips = store.chips(site_id)
    for o in observations:
        before, after = o.get("ref_scene_id"), o.get("scene_id")
        if before and after and before in chips and after in chips:
            return str(before), str(after)
    order = [e.scene.id for e in store.list_scenes(site_id) if e.scene.id in chips]
    seen = [s for s in order if s in scene_ids]
    if not seen:
        return None, None
    i = order.index(seen[0])
    return (order[i - 1] if i > 0 else None), seen[0]


def alert_finding(store: Store, alert_id: int) -> Finding:
    alert = next((a for a in store.list_alerts() if a.id == alert_id), None)
    if alert is None:
        raise AlertNotFoundError(f"no alert {alert_id}; list them with `sitewatch alerts`")
    ev = alert.evidence
    scenes = [str(s) for s in ev.get("scenes", [])]
    before, after = _scene_pair(store, alert.site_id, list(ev.get("observations", [])), scenes)
    return Finding("alert", alert_id, alert.site_id, f"Alert {alert_id}: {alert.figure}",
                   alert.message, before, after, list(ev.get("observations", [])),
                   alert.severity, alert.to_dict())  # fmt: skip


def claim_finding(store: Store, claim_id: int) -> Finding:
    claim = next((c for c in store.list_claims() if c.id == claim_id), None)
    if claim is None or claim.site_id is None:
        raise InputNotFoundError(
            f"no claim {claim_id} about a watched site; list them with `sitewatch claims list`"
        )
    obs = claim.evidence.get("observations", [])
    scenes = [str(o["scene_id"]) for o in obs if o.get("scene_id")]
    before, after = _scene_pair(store, claim.site_id, list(obs), scenes)
    who = f"{claim.attribution}: " if claim.attribution else ""
    return Finding("claim", claim_id, claim.site_id, f"Claim {claim_id}: {claim.activity}",
                   f'{who}"{claim.sentence}" ({claim.source})', before, after, list(obs),
                   claim.status, claim.to_dict())  # fmt: skip


def _scale_bar(ax: Any, image: GeoImage) -> None:
    """A scale bar (a round number of metres, about a quarter of the width) and a north
    arrow (the site grid is local UTM: up is grid north, within a degree of true north)."""
    rows, cols = image.shape
    gsd = abs(image.transform.a) if image.transform is not None else 0.0
    if gsd > 0:
        target = cols * gsd / 4
        nice = max(n * 10**e for e in range(0, 6) for n in (1, 2, 5) if n * 10**e <= target)
        px = nice / gsd
        x0, y0 = cols * 0.05, rows * 0.93
        ax.plot([x0, x0 + px], [y0, y0], color="white", linewidth=4, solid_capstyle="butt")
        ax.plot([x0, x0 + px], [y0, y0], color="black", linewidth=2, solid_capstyle="butt")
        label = f"{nice / 1000:g} km" if nice >= 1000 else f"{nice:g} m"
        box = {"facecolor": "white", "alpha": 0.7, "pad": 1, "lw": 0}
        ax.text(x0 + px / 2, y0 - rows * 0.03, label, ha="center", va="bottom", fontsize=7,
                color="black", bbox=box)  # fmt: skip
    ax.annotate("N", xy=(cols * 0.92, rows * 0.08), xytext=(cols * 0.92, rows * 0.22),
                ha="center", fontsize=8, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})  # fmt: skip


def _brief(finding: Finding, pictures: dict[str, GeoImage], files: dict[str, str],
           site_name: str, dates: dict[str, str]) -> bytes:  # fmt: skip
    """The one-page PDF brief (A4 portrait)."""
    buf = io.BytesIO()
    fig = Figure(figsize=(8.27, 11.69))
    fig.text(0.06, 0.965, finding.title, fontsize=15, fontweight="bold", va="top")
    fig.text(0.06, 0.935, f"Site: {site_name} ({finding.site_id})", fontsize=10, va="top")
    status = f"Status: {finding.status}" if finding.status else ""
    fig.text(0.06, 0.915, status, fontsize=10, va="top")
    fig.text(0.06, 0.895, finding.statement[:300], fontsize=8.5, va="top", wrap=True)
    for i, key in enumerate(("before", "after")):
        ax = fig.add_axes((0.06 + i * 0.46, 0.50, 0.42, 0.34))
        image = pictures.get(key)
        if image is None:
            ax.text(0.5, 0.5, "no imagery", ha="center", va="center")
            ax.set_axis_off()
            continue
        ax.imshow(to_rgb8(image), interpolation="nearest")
        _scale_bar(ax, image)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{key}: {dates.get(key, '')}", fontsize=9)
    ev = finding.record.get("evidence", {})
    why = "; ".join(ev.get("reasons", [])) or ev.get("rule", "")
    lines = [f"Why: {why}" if why else "", "", "Figures:"]
    for o in finding.figures[:12]:
        when = str(o.get("time", ""))[:10]
        value = o.get("value", "")
        name = o.get("figure", finding.record.get("figure", ""))
        lines.append(f"  {when}  {name} = {value}  (scene {o.get('scene_id', '')})")
    lines.append("")
    lines.append("Provenance (SHA-256 of each file in this bundle, first 16 hex digits):")
    for name, digest in sorted(files.items()):
        lines.append(f"  {name}: {digest[:16]}")
    lines.append(f"Made by sitewatch {version('sitewatch')} at "
                 f"{iso_utc(datetime.now(UTC))}")  # fmt: skip
    fig.text(0.06, 0.47, "\n".join(lines), fontsize=7.5, va="top", family="monospace")
    fig.savefig(buf, format="pdf", metadata={"Title": finding.title, "Creator": "SiteWatch"})
    return buf.getvalue()


def _png(image: GeoImage) -> bytes:
    buf = io.BytesIO()
    matplotlib.image.imsave(buf, to_rgb8(image), format="png")
    return buf.getvalue()


def build_bundle(store: Store, finding: Finding, out: str | os.PathLike[str]) -> dict[str, Any]:
    """Write ``finding``'s evidence bundle to ``out`` (a .zip); returns its manifest."""
    site = store.get_site(finding.site_id)
    files: dict[str, bytes] = {}
    pictures: dict[str, GeoImage] = {}
    dates: dict[str, str] = {}
    times = {e.scene.id: iso_utc(e.scene.time_utc) for e in store.list_scenes(site.id)}
    records = store.chips(site.id)
    for key, scene_id in (("before", finding.before), ("after", finding.after)):
        if scene_id is None or scene_id not in records:
            continue
        path = Path(chip_file(store, site.id, scene_id))
        image = read_stored_chip(store.workspace, records[scene_id])
        pictures[key] = image
        dates[key] = times.get(scene_id, "")[:10]
        files[f"{key}.tif"] = path.read_bytes()
        files[f"{key}.png"] = _png(image)
    if finding.before and finding.after:
        try:
            change = change_between(store, site.id, finding.before, finding.after)
            files["change.geojson"] = json.dumps(change, ensure_ascii=False).encode()
        except ChipNotFoundError:
            pass  # not a stored consecutive pair: no change outlines
    if finding.after and finding.after in records and records[finding.after].detections:
        dets = detections_on(store, site.id, finding.after)
        files["detections.geojson"] = json.dumps(dets, ensure_ascii=False).encode()
    observations: list[Observation] = store.observations(site.id)
    shown = {finding.before, finding.after} - {None}
    figures = {
        finding.kind: finding.record,
        "scenes": {k: {"id": v, "datetime": times.get(v or "")}
                   for k, v in (("before", finding.before), ("after", finding.after))},
        "observations": [o.to_dict() for o in observations if o.scene_id in shown],
    }  # fmt: skip
    files["figures.json"] = json.dumps(figures, indent=2, ensure_ascii=False).encode()
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    files["brief.pdf"] = _brief(finding, pictures, digests, site.name, dates)
    digests["brief.pdf"] = hashlib.sha256(files["brief.pdf"]).hexdigest()
    manifest = {
        "finding": {"kind": finding.kind, "id": finding.id, "site": site.id,
                    "title": finding.title, "before": finding.before, "after": finding.after},
        "software": f"sitewatch {version('sitewatch')}",
        "created": iso_utc(datetime.now(UTC)),
        "files": {n: {"sha256": d, "size": len(files[n])} for n, d in sorted(digests.items())},
    }  # fmt: skip
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            z.writestr(name, data)
        z.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest


def verify_bundle(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Recompute every file's SHA-256 against the bundle's manifest; EvidenceMismatchError
    names what differs, is missing or was added."""
    try:
        with zipfile.ZipFile(path) as z:
            manifest: dict[str, Any] = json.loads(z.read(MANIFEST))
            listed: dict[str, Any] = manifest["files"]
            names = set(z.namelist()) - {MANIFEST}
            bad = sorted(
                n for n in listed
                if n not in names or hashlib.sha256(z.read(n)).hexdigest() != listed[n]["sha256"]
            )  # fmt: skip
    except FileNotFoundError:
        raise InputNotFoundError(f"{path} does not exist") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise EvidenceMismatchError(f"{path} is not a SiteWatch evidence bundle ({exc})") from None
    extra = sorted(names - set(listed))
    if bad or extra:
        what = [f"{n} differs or is missing" for n in bad] + [f"{n} is not listed" for n in extra]
        raise EvidenceMismatchError(f"{path} does not match its manifest: {'; '.join(what)}")
    return manifest


__all__ = ["Finding", "alert_finding", "build_bundle", "claim_finding", "verify_bundle"]
