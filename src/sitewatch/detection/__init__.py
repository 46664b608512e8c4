"""Vehicle and aircraft detection (onnxruntime), boxes (one IoU, one NMS) and movement
between two dates."""

from sitewatch.detection.boxes import box_iou, nms_keep
from sitewatch.detection.detector import (
    CLASSES,
    Detection,
    DetectorInfo,
    counts,
    default_detector,
    detect_array,
    detect_file,
    detections_geojson,
    kind_by_length,
    nms,
)
from sitewatch.detection.movement import MovementReport, Placed, movement, place, read_detections

__all__ = [
    "CLASSES",
    "Detection",
    "DetectorInfo",
    "MovementReport",
    "Placed",
    "box_iou",
    "counts",
    "default_detector",
    "detect_array",
    "detect_file",
    "detections_geojson",
    "kind_by_length",
    "movement",
    "nms",
    "nms_keep",
    "place",
    "read_detections",
]
