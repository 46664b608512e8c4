"""Change detection between two dates.

On top, :func:`detect_change` and its :class:`ChangeResult`, and :func:`compare` (co-
registration, then change) with its :class:`Comparison`.  Below them: the unsupervised
methods (CVA, IR-MAD, radiometric normalisation), the learned models and their manifest
(``models``), the tree features, co-registration (``align``) and change objects.
"""

from sitewatch.change.align import (
    Shift,
    ShiftField,
    apply_shift,
    coregister,
    coregister_local,
    estimate_shift,
    estimate_shift_field,
)
from sitewatch.change.compare import ALIGN_MODES, Comparison, align_pair, compare
from sitewatch.change.detect import METHODS, ChangeResult, detect_change
from sitewatch.change.models import ModelInfo, default_model, predict_probability
from sitewatch.change.objects import (
    CHANGE_TYPES,
    ChangeObject,
    change_objects,
    changed_area_m2,
    objects_geojson,
)
from sitewatch.change.unsupervised import cva, irmad, normalise_radiometry

__all__ = [
    "ALIGN_MODES",
    "CHANGE_TYPES",
    "METHODS",
    "ChangeObject",
    "ChangeResult",
    "Comparison",
    "ModelInfo",
    "Shift",
    "ShiftField",
    "align_pair",
    "apply_shift",
    "change_objects",
    "changed_area_m2",
    "compare",
    "coregister",
    "coregister_local",
    "cva",
    "default_model",
    "detect_change",
    "estimate_shift",
    "estimate_shift_field",
    "irmad",
    "normalise_radiometry",
    "objects_geojson",
    "predict_probability",
]
