"""Scores: change masks (P/R/F1/IoU) and detections (AP, P/R, count error), and the
evaluation runs over the labelled datasets."""

from sitewatch.evaluation.change import evaluate_change
from sitewatch.evaluation.detection import (
    EvaluationDetections,
    detection_scores,
    evaluate_detection,
    evaluation_detections,
    score_evaluation,
)
from sitewatch.evaluation.metrics import Counts, average_precision, best_threshold, confusion

__all__ = [
    "Counts",
    "EvaluationDetections",
    "average_precision",
    "best_threshold",
    "confusion",
    "detection_scores",
    "evaluate_change",
    "evaluate_detection",
    "evaluation_detections",
    "score_evaluation",
]
