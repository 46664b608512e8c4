"""A local STAC API (landing page, conformance, /search) over the OSCD sample items.

Serves real item JSON from ``shared/data/oscd`` with asset hrefs made absolute,
filtering by ``collections``, ``bbox``, ``datetime`` and ``limit`` as a STAC API
does, with ``next`` links for paging.  Runs on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pystac
import shapely.geometry

from sitewatch.imagery.scene import Scene
from tests.webhook import serve_local

CONFORMS = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/item-search",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


def load_items(oscd: Path) -> list[dict[str, Any]]:
    items = []
    for path in sorted((oscd / "sentinel-2-l1c-oscd").glob("*/*.json")):
        item = json.loads(path.read_text())
        for asset in item["assets"].values():
            asset["href"] = str((path.parent / asset["href"]).resolve())
        item["links"] = []
        item["collection"] = "sentinel-2-l1c-oscd"
        items.append(item)
    return items


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _matches(item: dict[str, Any], params: dict[str, Any]) -> bool:
    if params.get("collections") and item["collection"] not in params["collections"]:
        return False
    if params.get("bbox"):
        w, s, e, n = params["bbox"]
        iw, is_, ie, in_ = item["bbox"]
        if iw > e or ie < w or is_ > n or in_ < s:
            return False
    if params.get("datetime"):
        start, _, end = str(params["datetime"]).partition("/")
        t = _parse_time(item["properties"]["datetime"])
        if start not in ("", "..") and t < _parse_time(start):
            return False
        if end not in ("", "..") and t > _parse_time(end):
            return False
    return True


class _Handler(BaseHTTPRequestHandler):
    items: ClassVar[list[dict[str, Any]]] = []
    requests: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, obj: Any, status: int = 200) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _base(self) -> str:
        address: Any = self.server.server_address
        return f"http://{address[0]}:{address[1]}"

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.requests.append(f"GET {url.path}")
        if url.path in ("", "/"):
            base = self._base()
            self._send(
                {
                    "type": "Catalog",
                    "id": "local-stac",
                    "stac_version": "1.0.0",
                    "description": "test STAC API",
                    "conformsTo": CONFORMS,
                    "links": [
                        {"rel": "self", "href": f"{base}/", "type": "application/json"},
                        {"rel": "root", "href": f"{base}/", "type": "application/json"},
                        {
                            "rel": "search",
                            "href": f"{base}/search",
                            "type": "application/geo+json",
                            "method": "GET",
                        },
                        {
                            "rel": "search",
                            "href": f"{base}/search",
                            "type": "application/geo+json",
                            "method": "POST",
                        },
                    ],
                }
            )
        elif url.path == "/conformance":
            self._send({"conformsTo": CONFORMS})
        elif url.path == "/search":
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            params: dict[str, Any] = {
                "collections": q["collections"].split(",") if "collections" in q else None,
                "bbox": [float(v) for v in q["bbox"].split(",")] if "bbox" in q else None,
                "datetime": q.get("datetime"),
                "limit": int(q.get("limit", 10)),
                "offset": int(q.get("offset", 0)),
            }
            self._search(params)
        else:
            self._send({"code": "NotFound", "description": self.path}, 404)

    def do_POST(self) -> None:
        self.requests.append(f"POST {urlparse(self.path).path}")
        length = int(self.headers.get("Content-Length", 0))
        params = json.loads(self.rfile.read(length) or b"{}")
        if urlparse(self.path).path != "/search":
            self._send({"code": "NotFound"}, 404)
            return
        self._search(params)

    def _search(self, params: dict[str, Any]) -> None:
        if params.get("bbox") and len(params["bbox"]) != 4:
            self._send({"code": "BadRequest", "description": "bbox needs 4 numbers"}, 400)
            return
        found = [i for i in self.items if _matches(i, params)]
        limit = int(params.get("limit") or 10)
        offset = int(params.get("offset") or 0)
        page = found[offset : offset + limit]
        links = []
        if offset + limit < len(found):
            nxt = {k: v for k, v in params.items() if v is not None}
            nxt["offset"] = offset + limit
            links.append(
                {
                    "rel": "next",
                    "href": f"{self._base()}/search",
                    "method": "POST",
                    "body": nxt,
                    "type": "application/geo+json",
                }
            )
        self._send(
            {
                "type": "FeatureCollection",
                "features": page,
                "links": links,
                "numberMatched": len(found),
                "numberReturned": len(page),
            }
        )


def items_from_scenes(scenes: Iterable[Scene], collection: str) -> list[dict[str, Any]]:
    """STAC items (JSON) for scenes read from local files: one multi-band GeoTIFF asset
    with its eo:bands, the footprint, time, projection and GSD."""
    items = []
    for scene in scenes:
        href = scene.bands[0].href
        item = pystac.Item(
            id=scene.id.replace("/", "-"),
            geometry=shapely.geometry.mapping(scene.footprint),
            bbox=list(scene.footprint.bounds),
            datetime=scene.datetime,
            properties={"gsd": scene.gsd, "platform": "naip"},
        )
        item.add_asset(
            "image",
            pystac.Asset(
                href,
                media_type=pystac.MediaType.GEOTIFF,
                roles=["data"],
                extra_fields={
                    "eo:bands": [
                        {"name": b.name, "common_name": b.common_name} for b in scene.bands
                    ]
                },
            ),
        )
        item.collection_id = collection
        d = item.to_dict(include_self_link=False)
        d["collection"] = collection
        items.append(d)
    return items


@contextmanager
def serve_stac_api(
    oscd: Path | None = None, items: list[dict[str, Any]] | None = None
) -> Iterator[tuple[str, list[str]]]:
    """Run the API over the OSCD items, or over ``items`` (served by reference: items
    appended later are served from then on); yields (root URL, request lines received)."""
    requests: list[str] = []
    served = items if items is not None else load_items(oscd) if oscd else []
    handler = type("Handler", (_Handler,), {"items": served, "requests": requests})
    with serve_local(handler) as url:
        yield f"{url}/", requests
