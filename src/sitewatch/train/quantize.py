"""Int8 models that give the same results on every x86 CPU: weights in 7 bits.

onnxruntime runs an int8 convolution (uint8 activations, int8 weights) with VNNI
instructions where the CPU has them and with AVX2's ``vpmaddubsw`` where it does not.
The latter adds two products of an activation and a weight in 16 bits, which
saturates when both are near their ends (255 x 127 x 2 > 32,767): on such CPUs the
network computes something other than the quantised model, and the shipped detector
scored Airbus aircraft AP50 0.907 instead of 0.961.  Weights in 7 bits (-64..64,
onnxruntime's symmetric range) keep every such sum inside 16 bits (255 x 64 x 2 =
32,640), so both paths give the model's exact integer sums; this is onnxruntime's
``reduce_range`` option, which :func:`quantize_int8` uses.

:func:`reduce_weight_range` brings the int8 weights of a model quantised without that
option (QDQ format, per-channel or per-tensor weights) to 7 bits: each weight is halved
and rounded and its scale doubled (so is each convolution bias, whose scale is the
input's times the weight's); the activations' calibration is kept.  New models get
7-bit weights from :func:`quantize_int8` directly.

    python -m sitewatch.train.quantize IN.onnx OUT.onnx
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from google.protobuf.message import DecodeError
from onnx import numpy_helper

#: The weights' range with ``reduce_range`` (onnxruntime's symmetric 7-bit range): every
#: pair sum stays inside 16 bits (255 x 64 x 2 = 32,640 <= 32,767).
WEIGHT_MIN, WEIGHT_MAX = -64, 64


def quantize_int8(
    src: Path,
    out: Path,
    calibration: Sequence[npt.NDArray[np.float32]],
    *,
    seven_bits: bool = True,
    input_name: str = "x",
) -> None:
    """Static int8 quantisation of a float ONNX model by onnxruntime: QDQ format, uint8
    activations calibrated (percentiles) on the ``calibration`` inputs, int8 weights per
    channel, in 7 bits unless ``seven_bits`` is False (``reduce_range``, see the
    module)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    feeds = iter([{input_name: x} for x in calibration])

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def get_next(self) -> dict[str, Any] | None:
            return next(feeds, None)

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        quantize_static(
            str(pre),
            str(out),
            Reader(),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=seven_bits,
            calibrate_method=CalibrationMethod.Percentile,
        )


def weight_dequantizers(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    """The DequantizeLinear nodes of a QDQ model that read an int8 initializer (the
    weights)."""
    int8 = {i.name for i in model.graph.initializer if i.data_type == onnx.TensorProto.INT8}
    return [n for n in model.graph.node if n.op_type == "DequantizeLinear" and n.input[0] in int8]


def weights_fit_seven_bits(model: onnx.ModelProto) -> bool:
    """Whether every int8 weight of the model lies in -64..64 (7 bits, symmetric)."""
    arrays = {i.name: i for i in model.graph.initializer}
    for node in weight_dequantizers(model):
        q = numpy_helper.to_array(arrays[node.input[0]])
        if q.min() < WEIGHT_MIN or q.max() > WEIGHT_MAX:
            return False
    return True


def reduce_weight_range(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of a QDQ int8 model with its weights (and the biases of the convolutions
    that use them) requantised to 7 bits; see the module.  Raises ``ValueError`` for a
    model without int8 weights, or whose weights are in 7 bits already."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    weights = weight_dequantizers(out)
    if not weights:
        raise ValueError("the model has no int8 weights (not a QDQ int8 model)")
    if weights_fit_seven_bits(out):
        raise ValueError("the model's weights are in 7 bits already")
    arrays = {i.name: i for i in out.graph.initializer}
    producer = {n.output[0]: n for n in out.graph.node if n.op_type == "DequantizeLinear"}

    def halve(node: onnx.NodeProto, low: int, high: int) -> None:
        values, scale = (numpy_helper.to_array(arrays[name]) for name in node.input[:2])
        zero = numpy_helper.to_array(arrays[node.input[2]]) if len(node.input) > 2 else 0
        if np.any(zero != 0):
            raise ValueError(f"{node.name}: weights with a zero point are not handled")
        halved = np.clip(np.round(values / 2.0), low, high).astype(values.dtype)
        arrays[node.input[0]].CopyFrom(numpy_helper.from_array(halved, node.input[0]))
        arrays[node.input[1]].CopyFrom(
            numpy_helper.from_array((scale * 2).astype(scale.dtype), node.input[1])
        )

    halved = {n.output[0] for n in weights}
    for node in weights:
        halve(node, WEIGHT_MIN, WEIGHT_MAX)
    info = np.iinfo(np.int32)
    biases = [
        producer[node.input[2]]
        for node in out.graph.node
        if node.op_type in ("Conv", "ConvTranspose", "Gemm")
        and len(node.input) > 2
        and node.input[1] in halved
        and node.input[2] in producer
    ]
    for bias in biases:
        halve(bias, info.min, info.max)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("source", type=Path, help="a QDQ int8 ONNX model")
    p.add_argument("out", type=Path, help="where to write the 7-bit-weight copy")
    args = p.parse_args(argv)
    try:
        converted = reduce_weight_range(onnx.load(str(args.source)))
    except (OSError, ValueError, DecodeError) as exc:
        print(f"error: {args.source}: {exc or 'not an ONNX model'}", file=sys.stderr)
        sys.exit(2)
    onnx.checker.check_model(converted)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(converted, str(args.out))
    print(f"{args.out}: {len(weight_dequantizers(converted))} weight tensors in 7 bits")


if __name__ == "__main__":
    main()
