"""The shipped models and their manifests: one lookup for change and detection models.

Each model family has a folder under ``sitewatch/models/`` holding its ONNX files and a
``manifest.json`` written by the family's training script (``python -m
sitewatch.train.<family>``); code finds files only through this module.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from sitewatch.errors import ModelNotFoundError

#: Model family -> the training module that writes its folder.
FAMILIES = {"change": "sitewatch.train.change", "detect": "sitewatch.train.detect"}
MANIFEST = "manifest.json"


def models_dir(family: str) -> Path:
    """The installed folder of a model family (``change`` or ``detect``)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; choose {', '.join(FAMILIES)}")
    return Path(str(resources.files("sitewatch") / "models" / family))


def load_manifest(family: str, folder: Path | None = None) -> dict[str, Any]:
    """The manifest of ``folder`` (default: the family's installed folder)."""
    path = (folder or models_dir(family)) / MANIFEST
    if not path.is_file():
        raise ModelNotFoundError(
            f"no {family} model manifest at {path}; train one with `python -m {FAMILIES[family]}`"
        )
    manifest: dict[str, Any] = json.loads(path.read_text())
    return manifest


def model_file(family: str, name: str, folder: Path | None = None) -> Path:
    """A model file named in a manifest, checked to exist."""
    path = (folder or models_dir(family)) / name
    if not path.is_file():
        raise ModelNotFoundError(f"{family} model file {path} is missing; reinstall sitewatch")
    return path
