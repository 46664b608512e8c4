"""Which bytes a result came from: each local image file of a scene is recorded at ingest
with its SHA-256, size and modification time, and checked again before the scene is
used.  A file whose content changed since is an :class:`~sitewatch.errors.AssetChangedError`
(re-ingest it to accept the new content), never a silent new result.

Checking is cheap: a file whose size and modification time are unchanged is trusted;
only a file that looks touched is hashed again.  Remote assets (http/https) are not
downloaded to be hashed; their hrefs are recorded as they are.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sitewatch.errors import AssetChangedError
from sitewatch.imagery.scene import Scene
from sitewatch.network import is_url, local_path
from sitewatch.times import iso_utc

#: Where a scene's file records live in its properties.
FILES = "sitewatch:files"


def checksum(path: str | os.PathLike[str]) -> str:
    """A file's SHA-256 as a multihash (``1220`` + hex digest), as STAC's
    ``file:checksum`` has it."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return "1220" + digest.hexdigest()


def _local_files(scene: Scene) -> list[str]:
    return sorted({b.href for b in scene.bands if not is_url(b.href)})


def file_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    st = os.stat(path)
    return {"sha256": checksum(path), "size": st.st_size, "mtime": st.st_mtime}


def with_file_records(scene: Scene) -> Scene:
    """``scene`` with a record (SHA-256, size, modification time) of each local file."""
    records = {
        href: file_record(local_path(href))
        for href in _local_files(scene)
        if Path(local_path(href)).is_file()
    }
    return replace(scene, properties={**scene.properties, FILES: records})


def verify_files(scene: Scene) -> None:
    """Raise AssetChangedError if a recorded file's content is not what was ingested
    (a missing file is left to the read, which names it)."""
    for href, rec in (scene.properties.get(FILES) or {}).items():
        path = local_path(href)
        try:
            st = os.stat(path)
        except OSError:
            continue
        if st.st_size == rec.get("size") and st.st_mtime == rec.get("mtime"):
            continue
        if checksum(path) != rec.get("sha256"):
            raise AssetChangedError(
                f"{path} changed since it was ingested (SHA-256 differs); results from it "
                f"would not match their evidence. Re-ingest it (`sitewatch ingest`) to "
                "accept the new content"
            )


def provenance(*scenes: Scene, **extra: Any) -> dict[str, Any]:
    """What a result was computed from and by: each scene's files with their SHA-256,
    the software version and the time of computation (plus ``extra``, e.g. the model)."""
    files = {
        href: rec.get("sha256")
        for scene in scenes
        for href, rec in (scene.properties.get(FILES) or {}).items()
    }
    return {
        "files": files,
        "software": f"sitewatch {version('sitewatch')}",
        "computed_at": iso_utc(datetime.now(UTC)),
        **extra,
    }
