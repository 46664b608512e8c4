"""The analyst's web app and REST API (``sitewatch serve``): FastAPI over the store,
rio-tiler tiles of the stored chips, and a single-page UI served from the package."""

from sitewatch.web.app import create_app
from sitewatch.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
