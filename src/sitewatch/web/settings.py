"""The web app's settings: which store, who may read, and the limits it keeps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebSettings:
    """Settings for :func:`~sitewatch.web.create_app`.

    ``db`` and ``workspace`` locate the store (as ``--db`` and ``--workspace`` do).
    Writes always need a bearer token (``sitewatch token create``); reads need one too
    when ``open_reads`` is False.  ``basemap_url`` is an optional XYZ tile URL template
    for a background map (none by default: the page never loads anything from the
    internet unless told to).  Request bodies over ``max_body_bytes`` are refused (413).
    """

    db: str | None = None
    workspace: str | None = None
    open_reads: bool = True
    basemap_url: str = ""
    max_body_bytes: int = 1 << 20
    tile_cache: int = 256
