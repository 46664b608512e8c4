"""The FastAPI app: the REST API under ``/api/``, tiles, the single-page UI at ``/`` and
the OpenAPI docs, all served from the package (nothing from the internet).

Errors are JSON ``{"error": ...}`` with the status that fits: 400 bad input, 401 no or
a wrong token, 404 not found, 409 already exists or busy, 413 too large, 422 malformed
request; never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sitewatch import errors
from sitewatch.claims.article import max_page_bytes
from sitewatch.store import Store
from sitewatch.web.api import UPLOADS, router
from sitewatch.web.runs import RunQueue
from sitewatch.web.settings import WebSettings

log = logging.getLogger(__name__)

STATIC = Path(str(files("sitewatch.web") / "static"))

#: HTTP status per error class (the first match in the class's MRO wins).
STATUS: dict[type[errors.SitewatchError], int] = {
    errors.SiteExistsError: 409,
    errors.ResourceLimitError: 413,
    errors.SiteNotFoundError: 404,
    errors.SceneNotFoundError: 404,
    errors.AlertNotFoundError: 404,
    errors.ChipNotFoundError: 404,
    errors.TokenNotFoundError: 404,
    errors.TargetNotFoundError: 404,
    errors.NoOverlapError: 404,
    errors.InputNotFoundError: 404,
    errors.StoreError: 503,
}


def status_for(exc: errors.SitewatchError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The web app over the store ``settings`` names (see :class:`WebSettings`)."""
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.db, workspace=settings.workspace)
        app.state.store = store
        app.state.runs = RunQueue(store)
        try:
            yield
        finally:
            app.state.runs.shutdown()
            store.close()

    app = FastAPI(
        title="SiteWatch",
        summary="Watch declared sites in satellite imagery over time, with evidence.",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        limit = max_page_bytes() if request.url.path in UPLOADS else settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return _error(413, f"request body over {limit} bytes")
        if request.method in {"POST", "PUT", "PATCH"} and declared is None:
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return _error(413, f"request body over {limit} bytes")
            request._body = body  # read once, kept for the handler
        return await call_next(request)

    @app.exception_handler(errors.SitewatchError)
    async def sitewatch_error(request: Request, exc: errors.SitewatchError) -> JSONResponse:
        return _error(status_for(exc), " ".join(str(exc).split()))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "malformed request", "details": details}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = _error(exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "internal error; see the server log")

    app.include_router(router, prefix="/api")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="SiteWatch API",
            swagger_js_url="/static/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _version() -> str:
    from importlib.metadata import version

    return version("sitewatch")
