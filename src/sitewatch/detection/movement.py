"""Movement between two dates: match detections, count arrived / departed / stayed.

Detections of each class are matched one-to-one between the before and after
scenes: as many pairs as possible within the class's gate (vehicles 3 m, aircraft
15 m by default), then the least total distance between box centres (scipy's sparse
minimum-weight bipartite matching over the pairs a k-d tree finds within the gate,
so memory grows with the neighbours, not with the product of the counts).  Matched objects
*stayed*; unmatched before-objects *departed*; unmatched after-objects *arrived*.
Positions are compared in metres: on a local UTM grid for georeferenced scenes,
or in pixels times the GSD for plain pixel grids of one scene footprint (which
must already be co-registered).  With a site, counts are also split by zone (the
zone containing the object's centre; ``outside zones`` otherwise).  When the detector
tells vehicle kinds apart, ``car`` and ``large_vehicle`` rows count them beside the
``vehicle`` total (an object keeps the kind it had on the earlier date when it stayed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching
from scipy.spatial import cKDTree
from shapely.geometry import Point

from sitewatch.detection.detector import CLASSES, Detection
from sitewatch.errors import InvalidGeoJSONError, ResourceLimitError
from sitewatch.geo.geojson import read_json
from sitewatch.geo.grid import WGS84, GeoImage, utm_crs_for
from sitewatch.limits import max_matches
from sitewatch.sites.watchlist import Site

GATES_M = {"vehicle": 3.0, "aircraft": 15.0}
OUTSIDE = "outside zones"


@dataclass(frozen=True)
class Placed:
    """A detection with its position in metres (common frame) and lon/lat (if known)."""

    det: Detection
    xy: tuple[float, float]
    lonlat: tuple[float, float] | None


@dataclass
class MovementReport:
    """Counts per class (and zone) and the matched pairs, with their distances."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    zones: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    pairs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "zones": self.zones, "pairs": self.pairs}


def _placed(dets: Sequence[Detection], lonlats: Sequence[tuple[float, float]]) -> list[Placed]:
    """Detections with lon/lat centres, positioned in metres on the first one's UTM zone."""
    if not dets:
        return []
    utm = utm_crs_for(*lonlats[0])
    to_utm = Transformer.from_crs(WGS84, utm, always_xy=True)
    xs, ys = to_utm.transform([ll[0] for ll in lonlats], [ll[1] for ll in lonlats])
    return [
        Placed(d, (float(x), float(y)), ll)
        for d, x, y, ll in zip(dets, xs, ys, lonlats, strict=True)
    ]


def place(dets: Sequence[Detection], frame: GeoImage, gsd: float | None) -> list[Placed]:
    """Positions of detection centres: lon/lat and UTM metres when georeferenced, else
    pixel coordinates times ``gsd`` (1 when unknown)."""
    if frame.transform is None or frame.crs is None:
        scale = gsd or 1.0
        return [Placed(d, (d.centre[0] * scale, d.centre[1] * scale), None) for d in dets]
    t = frame.transform
    to_ll = Transformer.from_crs(frame.crs, WGS84, always_xy=True)
    crs_xy = [t * d.centre for d in dets]
    lons, lats = to_ll.transform([p[0] for p in crs_xy], [p[1] for p in crs_xy])
    return _placed(dets, [(float(a), float(b)) for a, b in zip(lons, lats, strict=True)])


def _zone_of(p: Placed, site: Site | None) -> str:
    if site is None or p.lonlat is None:
        return OUTSIDE
    pt = Point(*p.lonlat)
    for zone in site.zones:
        if zone.geometry.contains(pt):
            return zone.name
    return OUTSIDE


#: Row of a vehicle kind in the movement counts, beside the class rows.
KIND_ROWS = {"car": "car", "large": "large_vehicle"}


def _rows(
    counts: dict[str, dict[str, int]], zone: dict[str, dict[str, int]], det: Detection
) -> list[tuple[dict[str, dict[str, int]], str]]:
    """The count rows a detection adds to: its class, and its kind's row when it has one
    (in the totals and in its zone).  A vehicle that stayed is counted under its kind
    on the earlier date."""
    keys = [det.cls] + ([KIND_ROWS[det.kind]] if det.kind in KIND_ROWS else [])
    return [(table, key) for key in keys for table in (counts, zone)]


def _bump(table: dict[str, dict[str, int]], key: str, what: str) -> None:
    row = table.setdefault(key, {"before": 0, "after": 0, "arrived": 0, "departed": 0, "stayed": 0})
    row[what] += 1


def _match(a: Sequence[Placed], b: Sequence[Placed], gate: float) -> list[tuple[int, int, float]]:
    """One-to-one matches (index in ``a``, index in ``b``, distance) within ``gate``:
    as many as possible, then the least total distance.

    Only pairs within the gate are candidates (a k-d tree finds them), so memory grows
    with the candidates, not with ``len(a) * len(b)``.  Leaving an object unmatched
    costs more than all matches together, through one stand-in per object: ``a[i]`` may take its
    own stand-in ``b'[i]``, ``b[j]`` its own ``a'[j]``, and for each candidate
    ``(i, j)`` the stand-ins ``a'[j]`` and ``b'[i]`` may pair, so a full matching of the
    doubled graph always exists and scipy's sparse solver finds the cheapest.
    """
    if not a or not b:
        return []
    tree_a = cKDTree(np.array([p.xy for p in a]))
    tree_b = cKDTree(np.array([p.xy for p in b]))
    candidates = int(tree_a.count_neighbors(tree_b, gate))
    if candidates > max_matches():
        raise ResourceLimitError(
            f"{candidates:,} candidate pairs of objects within {gate:g} m of each other, over "
            f"the limit of {max_matches():,}; raise it with SITEWATCH_MAX_MATCHES"
        )
    near = tree_a.sparse_distance_matrix(tree_b, gate, output_type="coo_matrix").tocoo()
    if near.nnz == 0:
        return []
    na, nb = len(a), len(b)
    # Costlier than all matches together, so the count of matches comes first.
    unmatched = gate * (min(na, nb) + 1)
    tiny = 1e-9  # explicit zeros would read as missing edges
    rows = np.concatenate([near.row, np.arange(na), na + near.col, na + np.arange(nb)])
    cols = np.concatenate([near.col, nb + np.arange(na), nb + near.row, np.arange(nb)])
    cost = np.concatenate(
        [near.data + tiny, np.full(na, unmatched), np.full(near.nnz, tiny), np.full(nb, unmatched)]
    )
    graph = coo_matrix((cost, (rows, cols)), shape=(na + nb, nb + na)).tocsr()
    _, partner = min_weight_full_bipartite_matching(graph)
    dist = dict(
        zip(zip(near.row.tolist(), near.col.tolist(), strict=True), near.data.tolist(), strict=True)
    )
    return [(i, int(partner[i]), dist[(i, int(partner[i]))]) for i in range(na) if partner[i] < nb]


def movement(
    before: Sequence[Placed],
    after: Sequence[Placed],
    *,
    site: Site | None = None,
    gates: dict[str, float] | None = None,
) -> MovementReport:
    """Match two dates' placed detections class by class (see module doc)."""
    gates = {**GATES_M, **(gates or {})}
    report = MovementReport()
    for cls in CLASSES:
        a = [p for p in before if p.det.cls == cls]
        b = [p for p in after if p.det.cls == cls]
        matched = _match(a, b, gates[cls])
        matched_a = {i for i, _, _ in matched}
        matched_b = {j for _, j, _ in matched}
        for i, j, dist in matched:
            report.pairs.append(
                {
                    "class": cls,
                    **({"kind": a[i].det.kind} if a[i].det.kind else {}),
                    "before": list(a[i].det.centre),
                    "after": list(b[j].det.centre),
                    "distance_m": round(dist, 2),
                }
            )
        for i, p in enumerate(a):
            what = "stayed" if i in matched_a else "departed"
            zone = report.zones.setdefault(_zone_of(p, site), {})
            for table, key in _rows(report.counts, zone, p.det):
                _bump(table, key, "before")
                _bump(table, key, what)
        for j, p in enumerate(b):
            zone = report.zones.setdefault(_zone_of(p, site), {})
            for table, key in _rows(report.counts, zone, p.det):
                _bump(table, key, "after")
                if j not in matched_b:
                    _bump(table, key, "arrived")
        report.counts.setdefault(
            cls, {"before": 0, "after": 0, "arrived": 0, "departed": 0, "stayed": 0}
        )
    return report


def read_detections(path: str, gsd: float | None = None) -> list[Placed]:
    """Placed detections from a ``sitewatch detect`` GeoJSON file (lon/lat boxes when
    present, else pixel boxes times ``gsd``)."""
    from shapely.geometry import shape

    fc = read_json(path)
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
        raise InvalidGeoJSONError(f"{path}: not a GeoJSON FeatureCollection")
    dets: list[Detection] = []
    lonlats: list[tuple[float, float] | None] = []
    for i, feat in enumerate(fc.get("features", [])):
        try:
            props = feat["properties"]
            x0, y0, x1, y1 = (float(v) for v in props["bbox_px"])
            det = Detection(
                str(props["class"]), float(props["score"]), x0, y0, x1, y1,
                str(props.get("kind", "")),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidGeoJSONError(
                f"{path}: feature {i} lacks class/score/bbox_px ({exc}); "
                "use a file written by `sitewatch detect`"
            ) from None
        dets.append(det)
        geom = feat.get("geometry")
        lonlats.append(None if geom is None else tuple(shape(geom).centroid.coords[0])[:2])  # type: ignore[arg-type]
    known = [ll for ll in lonlats if ll is not None]
    if dets and len(known) == len(dets):
        return _placed(dets, known)
    scale = gsd or 1.0
    return [Placed(d, (d.centre[0] * scale, d.centre[1] * scale), None) for d in dets]
