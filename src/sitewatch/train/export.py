"""ONNX export of trained torch models (fully convolutional, dynamic batch and size)."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn


def export_onnx(model: nn.Module, path: Path, in_channels: int, output_name: str) -> None:
    """Export a fully convolutional model to ONNX (opset 17) with dynamic batch and size.

    The TorchScript exporter is used because it needs no onnxscript; its deprecation
    notice is silenced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, in_channels, 64, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            input_names=["x"],
            output_names=[output_name],
            dynamic_axes={"x": {0: "n", 2: "h", 3: "w"}, output_name: {0: "n", 2: "h", 3: "w"}},
            opset_version=17,
            dynamo=False,
        )
