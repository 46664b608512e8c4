"""Training code (needs the ``train`` extra: torch, onnx, scikit-learn); run as
``python -m sitewatch.train.change|trees|detect``.  Inference never imports this
package: the trained models ship as ONNX files read with onnxruntime."""
