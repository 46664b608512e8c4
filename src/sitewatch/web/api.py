"""REST resources under ``/api/``: they parse the request, call the library and return
JSON (GeoJSON per RFC 7946 for places).  Every write needs a bearer token; reads need
one when the app's settings close them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, model_validator
from starlette.exceptions import HTTPException

from sitewatch.claims.article import (
    DOCUMENT_TYPES,
    Article,
    article_from_bytes,
    article_from_html,
    fetch_article,
)
from sitewatch.claims.extract import extract_claims
from sitewatch.pipeline.evidence import (
    change_between,
    check_stored_claims,
    chip_file,
    detections_on,
)
from sitewatch.reach.ranges import KM_PER_MILE, reach_report
from sitewatch.sites.watchlist import Site, sites_to_geojson
from sitewatch.store import Store
from sitewatch.store.runs import OK
from sitewatch.web import tiles
from sitewatch.web.runs import RunQueue
from sitewatch.web.settings import WebSettings

router = APIRouter()
_bearer = HTTPBearer(auto_error=False, description="A token from `sitewatch token create`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _check(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    if credentials is None:
        raise HTTPException(401, "a bearer token is needed", {"WWW-Authenticate": "Bearer"})
    if _store(request).check_token(credentials.credentials) is None:
        raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})


def writer(request: Request, credentials: Credentials) -> None:
    """Writes need a current token."""
    _check(request, credentials)


def reader(request: Request, credentials: Credentials) -> None:
    """Reads need a token when the settings close them."""
    settings: WebSettings = request.app.state.settings
    if not settings.open_reads:
        _check(request, credentials)


StoreDep = Annotated[Store, Depends(_store)]
READ = [Depends(reader)]
WRITE = [Depends(writer)]


# -- sites -------------------------------------------------------------------------------


@router.get("/sites", dependencies=READ, tags=["sites"])
def list_sites(store: StoreDep) -> dict[str, Any]:
    """The watchlist as a GeoJSON FeatureCollection, each site with its count of open
    (unacknowledged) alerts and of stored chips."""
    sites = store.list_sites()
    fc = sites_to_geojson(sites)
    open_alerts: dict[str, int] = {}
    for alert in store.list_alerts(unacknowledged=True):
        open_alerts[alert.site_id] = open_alerts.get(alert.site_id, 0) + 1
    for site, feature in zip(sites, fc["features"], strict=True):
        chips = sum(r.status == OK for r in store.chips(site.id).values())
        feature["properties"].update(open_alerts=open_alerts.get(site.id, 0), chips=chips)
    return fc


@router.get("/sites/{site_id}", dependencies=READ, tags=["sites"])
def get_site(site_id: str, store: StoreDep) -> dict[str, Any]:
    """One site as a GeoJSON Feature (area of interest and zones)."""
    return store.get_site(site_id).to_feature()


def _site_from_body(feature: dict[str, Any], site_id: str | None = None) -> Site:
    if site_id is not None:
        feature = {**feature, "id": site_id}
    return Site.from_feature(feature, "request body")


@router.post("/sites", dependencies=WRITE, status_code=201, tags=["sites"])
def create_site(feature: dict[str, Any], store: StoreDep) -> dict[str, Any]:
    """Add a site from a GeoJSON Feature (``id``; ``properties``: ``name``, ``kind``,
    ``country``, ``zones``), as in a `sitewatch sites import` file.  409 if it exists."""
    site = _site_from_body(feature)
    store.add_site(site)
    return site.to_feature()


@router.put("/sites/{site_id}", dependencies=WRITE, tags=["sites"])
def update_site(site_id: str, feature: dict[str, Any], store: StoreDep) -> dict[str, Any]:
    """Replace a site's name, kind, area and zones (its id stays)."""
    store.get_site(site_id)
    site = _site_from_body(feature, site_id)
    store.add_site(site, replace=True)
    return site.to_feature()


@router.delete("/sites/{site_id}", dependencies=WRITE, status_code=204, tags=["sites"])
def delete_site(site_id: str, store: StoreDep) -> Response:
    """Remove a site and everything stored for it."""
    store.remove_site(site_id)
    return Response(status_code=204)


@router.get("/sites/{site_id}/scenes", dependencies=READ, tags=["imagery"])
def site_scenes(site_id: str, store: StoreDep) -> list[dict[str, Any]]:
    """Scenes covering a site, oldest first, with whether a chip of each is stored."""
    store.get_site(site_id)
    chips = store.chips(site_id)
    out = []
    for entry in store.list_scenes(site_id):
        rec = chips.get(entry.scene.id)
        out.append({**entry.to_dict(), "chip": rec.status if rec else None})
    return out


@router.get("/sites/{site_id}/chips", dependencies=READ, tags=["imagery"])
def site_chips(site_id: str, store: StoreDep) -> list[dict[str, Any]]:
    """A site's stored chips, oldest first: scene, time, bounds and tile URL template."""
    store.get_site(site_id)
    scenes = {e.scene.id: e.scene for e in store.list_scenes(site_id)}
    out = []
    for scene_id, rec in store.chips(site_id).items():
        scene = scenes.get(scene_id)
        if rec.status != OK or scene is None:
            continue
        path = chip_file(store, site_id, scene_id)
        out.append(
            {
                "scene": scene_id,
                "datetime": scene.to_dict()["datetime"],
                "platform": scene.platform,
                "gsd": scene.gsd,
                "bounds": tiles.chip_bounds(path),
                "detections": None if rec.detections is None else len(rec.detections),
                "tiles": f"/api/sites/{site_id}/tiles/{{z}}/{{x}}/{{y}}?scene={quote(scene_id)}",
            }
        )
    return sorted(out, key=lambda c: c["datetime"])


@router.get("/sites/{site_id}/pairs", dependencies=READ, tags=["change"])
def site_pairs(site_id: str, store: StoreDep) -> list[dict[str, Any]]:
    """A site's stored change pairs (consecutive dates) and how each was made."""
    store.get_site(site_id)
    return [
        {"before": b, "after": a, "status": p.status, "reason": p.reason, **p.meta}
        for (b, a), p in store.pairs(site_id).items()
    ]


def _chip_and_sensor(store: Store, site_id: str, scene_id: str) -> tuple[str, list[str]]:
    """A chip's file and the files of the site's chips from the same platform."""
    path = chip_file(store, site_id, scene_id)
    platform = {e.scene.id: e.scene.platform for e in store.list_scenes(site_id)}
    same = [
        str(store.workspace / rec.path)
        for sid, rec in store.chips(site_id).items()
        if rec.status == OK and platform.get(sid) == platform.get(scene_id)
        and (store.workspace / rec.path).is_file()
    ]  # fmt: skip
    return path, same


TILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}, "image/webp": {}}, "description": "An image."}
}


@router.get(
    "/sites/{site_id}/tiles/{z}/{x}/{y}",
    dependencies=READ,
    tags=["imagery"],
    response_class=Response,
    responses=TILE_RESPONSES,
)
async def site_tile(
    site_id: str,
    z: Annotated[int, Field(ge=0, le=24)],
    x: Annotated[int, Field(ge=0)],
    y: Annotated[int, Field(ge=0)],
    scene: Annotated[str, Query(description="Scene id of a stored chip.")],
    store: StoreDep,
    format: Annotated[Literal["png", "webp"], Query()] = "png",
) -> Response:
    """A 256 px web-mercator tile (PNG, or WebP) of a site's chip of ``scene``,
    transparent outside the chip."""
    if x >= 2**z or y >= 2**z:
        raise HTTPException(404, f"no tile {z}/{x}/{y}")
    path, same_sensor = _chip_and_sensor(store, site_id, scene)
    data = await run_in_threadpool(tiles.chip_tile, path, z, x, y, format.upper(), same_sensor)
    return Response(data, media_type=f"image/{format}", headers={"Cache-Control": "max-age=3600"})


@router.get(
    "/sites/{site_id}/preview",
    dependencies=READ,
    tags=["imagery"],
    response_class=Response,
    responses=TILE_RESPONSES,
)
async def site_preview(
    site_id: str,
    scene: Annotated[str, Query(description="Scene id of a stored chip.")],
    store: StoreDep,
    max_size: Annotated[int, Query(ge=16, le=2048)] = 1024,
) -> Response:
    """The whole chip of ``scene`` as one PNG (the same stretch as its tiles)."""
    path, same_sensor = _chip_and_sensor(store, site_id, scene)
    png = await run_in_threadpool(tiles.chip_preview, path, max_size, "PNG", same_sensor)
    return Response(png, media_type="image/png")


@router.get("/sites/{site_id}/timeline", dependencies=READ, tags=["activity"])
def site_timeline(site_id: str, store: StoreDep, figure: str | None = None) -> dict[str, Any]:
    """Every activity figure of a site over time with the scenes behind each value, and
    the site's alerts."""
    site = store.get_site(site_id)
    return {
        "site": site.id,
        "observations": [o.to_dict() for o in store.observations(site_id, figure)],
        "alerts": [a.to_dict() for a in store.list_alerts(site_id)],
    }


@router.get("/sites/{site_id}/detections", dependencies=READ, tags=["detection"])
def site_detections(
    site_id: str, scene: Annotated[str, Query()], store: StoreDep
) -> dict[str, Any]:
    """Vehicles and aircraft detected in the site's chip of ``scene`` (GeoJSON boxes)."""
    return detections_on(store, site_id, scene)


@router.get("/sites/{site_id}/change", dependencies=READ, tags=["change"])
def site_change(
    site_id: str,
    before: Annotated[str, Query()],
    after: Annotated[str, Query()],
    store: StoreDep,
) -> dict[str, Any]:
    """Change objects between two consecutive dates of a site (GeoJSON outlines)."""
    return change_between(store, site_id, before, after)


@router.get("/sites/{site_id}/reach", dependencies=READ, tags=["reach"])
def site_reach(
    site_id: str,
    store: StoreDep,
    range_km: Annotated[float | None, Query(gt=0, le=40_075)] = None,
    range_mi: Annotated[float | None, Query(gt=0, le=24_901)] = None,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    sort: Annotated[Literal["distance", "population", "name"], Query()] = "distance",
) -> dict[str, Any]:
    """Missile reach from a site: the range ring (GeoJSON), every target in range
    (capitals flagged; ``limit`` keeps the first ones in ``sort`` order), the distance to
    Washington and contiguous-US coverage.  Give ``range_km`` or ``range_mi``."""
    if (range_km is None) == (range_mi is None):
        raise HTTPException(400, "give exactly one of range_km or range_mi")
    km = range_km if range_km is not None else float(range_mi or 0) * KM_PER_MILE
    return reach_report(store.get_site(site_id), km, limit, sort)


# -- alerts ------------------------------------------------------------------------------


@router.get("/alerts", dependencies=READ, tags=["activity"])
def list_alerts(
    store: StoreDep, site: str | None = None, unacknowledged: bool = False
) -> list[dict[str, Any]]:
    """Alerts, oldest first, with their evidence (scenes and values)."""
    if site is not None:
        store.get_site(site)
    return [a.to_dict() for a in store.list_alerts(site, unacknowledged=unacknowledged)]


@router.post("/alerts/{alert_id}/ack", dependencies=WRITE, tags=["activity"])
def acknowledge_alert(
    alert_id: Annotated[int, Field(ge=1, le=2**62)], store: StoreDep
) -> dict[str, Any]:
    """Acknowledge an alert (it is not sent to webhooks again)."""
    return store.acknowledge_alert(alert_id).to_dict()


# -- claims ------------------------------------------------------------------------------


class ArticleIn(BaseModel):
    """A report to read claims from: its text, an HTML page, or the URL of a page or
    PDF (exactly one of the three)."""

    text: str | None = Field(None, min_length=1, max_length=500_000)
    html: str | None = Field(
        None, min_length=1, max_length=5_000_000, description="An HTML page's source."
    )
    url: str | None = Field(
        None,
        min_length=1,
        max_length=2_000,
        description="A web page or PDF, fetched by the server.",
    )
    published: date | None = Field(
        None, description="Publication date (default: the page's date, else today)."
    )
    publisher: str = Field(
        "",
        max_length=500,
        description="Who published it: the attribution of what it says in its own voice "
        "(default: the page's site name).",
    )
    source: str = Field(
        "",
        max_length=2_000,
        description="Where the text is from (default: the URL, else the publisher).",
    )
    store: bool = Field(True, description="Store the claims found.")

    @model_validator(mode="after")
    def _one_input(self) -> ArticleIn:
        given = [name for name in ("text", "html", "url") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of text, html and url")
        return self


@router.get("/claims", dependencies=READ, tags=["claims"])
def list_claims(store: StoreDep, site: str | None = None) -> list[dict[str, Any]]:
    """Stored claims with their status and evidence."""
    return [c.to_dict() for c in store.list_claims(site)]


@router.post("/claims", dependencies=WRITE, status_code=201, tags=["claims"])
def submit_article(article: ArticleIn, store: StoreDep) -> list[dict[str, Any]]:
    """Read the claims a report makes about watchlist sites (and store them)."""
    if article.url is not None:
        page = fetch_article(article.url)
    elif article.html is not None:
        page = article_from_html(article.html, article.source)
    else:
        page = Article(text=article.text or "", location=article.source)
    return _read_claims(
        page,
        store,
        published=article.published,
        publisher=article.publisher,
        source=article.source,
        keep=article.store,
    )


#: Upload paths whose bodies may be as large as a report (``SITEWATCH_MAX_PAGE_BYTES``)
#: rather than the app's ``max_body_bytes``.
UPLOADS = frozenset({"/api/claims/document"})


@router.post(
    "/claims/document",
    dependencies=WRITE,
    status_code=201,
    tags=["claims"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in DOCUMENT_TYPES
            },
        }
    },
)
def submit_document(
    document: Annotated[bytes, Body(media_type="application/pdf")],
    request: Request,
    store: StoreDep,
    name: Annotated[
        str, Query(max_length=500, description="The file's name: where the claims are from.")
    ] = "",
    published: Annotated[
        date | None, Query(description="Publication date (default: the document's date).")
    ] = None,
    publisher: Annotated[
        str, Query(max_length=500, description="Who published it (default: the page's).")
    ] = "",
    source: Annotated[
        str,
        Query(
            max_length=2_000,
            description="Where it is from (default: the publisher, else its name).",
        ),
    ] = "",
    keep: Annotated[bool, Query(alias="store", description="Store the claims found.")] = True,
) -> list[dict[str, Any]]:
    """Read the claims of a report sent as the request body: a PDF, an HTML page or UTF-8
    plain text (say which with Content-Type; a PDF is also known by its signature), up to
    ``SITEWATCH_MAX_PAGE_BYTES``. For a report saved on the analyst's machine."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    page = article_from_bytes(document, name or "the document", html=DOCUMENT_TYPES.get(kind))
    return _read_claims(
        page, store, published=published, publisher=publisher, source=source, keep=keep
    )


def _read_claims(
    page: Article,
    store: Store,
    *,
    published: date | None,
    publisher: str,
    source: str,
    keep: bool,
) -> list[dict[str, Any]]:
    """The claims ``page`` makes about the store's sites (stored when ``keep``); the
    request's ``published``, ``publisher`` and ``source`` win over the page's own."""
    claims = extract_claims(
        page.text,
        store.list_sites(),
        published or page.published,
        source=source or page.source(publisher),
        publisher=publisher or page.publisher,
    )
    if keep:
        claims = store.put_claims(claims)
    return [c.to_dict() for c in claims]


@router.post("/claims/check", dependencies=WRITE, tags=["claims"])
def check_claims(store: StoreDep, site: str | None = None) -> list[dict[str, Any]]:
    """Check stored claims against the imagery-derived observations and alerts in each
    claim's window: supported, not supported or no imagery, with the evidence."""
    return [c.to_dict() for c in check_stored_claims(store, site)]


# -- runs --------------------------------------------------------------------------------


class RunIn(BaseModel):
    """A run of one site."""

    detect: bool = Field(True, description="Count vehicles and aircraft where fine enough.")


def _runs(request: Request) -> RunQueue:
    runs: RunQueue = request.app.state.runs
    return runs


@router.post("/sites/{site_id}/runs", dependencies=WRITE, status_code=202, tags=["runs"])
def start_run(
    site_id: str, request: Request, store: StoreDep, body: RunIn | None = None
) -> dict[str, Any]:
    """Bring a site up to date in the background (as `sitewatch run SITE`); poll
    ``/api/runs/{id}`` for its status."""
    site = store.get_site(site_id)
    return _runs(request).start(site, detect=body.detect if body else True).to_dict()


@router.get("/runs", dependencies=READ, tags=["runs"])
def list_runs(request: Request) -> list[dict[str, Any]]:
    """Runs started through the API since the server started, newest first."""
    return [r.to_dict() for r in _runs(request).list()]


@router.get("/runs/{run_id}", dependencies=READ, tags=["runs"])
def get_run(run_id: int, request: Request) -> dict[str, Any]:
    """A run's status (queued, running, done, locked or failed) and, when done, its
    report."""
    run = _runs(request).get(run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id}")
    return run.to_dict()


@router.get("/settings", tags=["app"])
def ui_settings(request: Request) -> dict[str, Any]:
    """What the page needs to know: the optional basemap and whether reads are open."""
    settings: WebSettings = request.app.state.settings
    return {"basemap_url": settings.basemap_url, "open_reads": settings.open_reads}


__all__ = ["router"]
