"""Model inference plumbing shared by change and detection: the shipped models'
manifests and files, and cached onnxruntime sessions."""

from sitewatch.inference.manifest import load_manifest, model_file, models_dir
from sitewatch.inference.session import onnx_session, window_size, window_starts

__all__ = [
    "load_manifest",
    "model_file",
    "models_dir",
    "onnx_session",
    "window_size",
    "window_starts",
]
