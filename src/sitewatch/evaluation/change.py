"""Change-detection evaluation runs on labelled pairs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sitewatch.change.detect import detect_change
from sitewatch.change.models import (
    default_model,
    load_manifest,
    model_info,
    predict_probability,
)
from sitewatch.errors import MissingBandError, ModelNotFoundError
from sitewatch.evaluation.metrics import Counts, bootstrap_f1, confusion

if TYPE_CHECKING:
    from sitewatch.datasets.change import ChangePair


PROTOCOLS = ("cv", "cross", "leave-source-out")


def protocol_text(dataset: str, protocol: str, method: str) -> str:
    """How the scores were obtained, for the output of ``sitewatch eval change``."""
    if method == "auto":
        return (
            "what `sitewatch change` uses by default on such imagery: the shipped models "
            "(the aerial ensemble, trained on SZTAKI Szada and OSCD, never on DSIFN, NCC or "
            "CDD; vhr-trees for true colour finer than 1 m), each pair scored by the fold of "
            "the chosen family that never saw its source where there is one (`model` per "
            "pair; `seen` lists pairs scored by a model that trained on them)"
        )
    if method != "model":
        return f"{method} with an automatic (Otsu) threshold; unsupervised, no training data"
    if protocol == "leave-source-out":
        return (
            "leave-one-source-out: each source (SZTAKI Szada, DSIFN, NCC) scored by a model "
            "trained on all other sources and never on it; thresholds chosen on the other "
            "sources' out-of-fold predictions; intervals are 90% bootstrap over pairs"
        )
    if protocol == "cross":
        other = "SZTAKI Szada" if dataset == "oscd" else "OSCD"
        return f"cross-dataset: model trained on {other} only, never on this dataset"
    if dataset == "oscd":
        return (
            "leave-cities-out cross-validation over the 14 labelled OSCD cities (7 folds of "
            "2 cities); no city is scored by a model that saw it; thresholds chosen on "
            "training folds only"
        )
    return (
        "leave-one-pair-out cross-validation over the 7 SZTAKI Szada pairs; no pair is "
        "scored by a model that saw it; thresholds chosen on training folds only"
    )


def source_fold(models: dict[str, dict[str, Any]], family: str, source: str) -> str | None:
    """The name of the ``family`` model that holds out ``source`` (None when none does)."""
    for name, entry in models.items():
        if entry.get("family") == family and source in entry.get("held_out_sources", []):
            return name
    return None


def model_entry_for(
    manifest: dict[str, Any], pair_name: str, dataset: str, protocol: str, family: str
) -> dict[str, Any]:
    """The manifest entry of the ``family`` model allowed to score ``pair_name``
    (ModelNotFoundError when none is)."""
    models: dict[str, dict[str, Any]] = manifest.get("models", {})
    if protocol == "leave-source-out":
        source = pair_name.split("/", 1)[0]
        fold = source_fold(models, family, source)
        if fold is not None:
            return models[fold]
        how = (
            "`python -m sitewatch.train.vhr_trees`"
            if family == "vhr-trees"
            else "`python -m sitewatch.train.change --only vhr-fold-szada,vhr-fold-dsifn,"
            "vhr-fold-ncc,vhr-all`"
        )
        raise ModelNotFoundError(
            f"no {family} model holds out the source {source!r}; train the family with {how}"
        )
    if protocol == "cross":
        other = "airchange" if dataset == "oscd" else "oscd"
        fam = "rgb" if family in ("auto", "aerial") else family
        for entry in models.values():
            if entry.get("family") == fam and entry.get("trained_on") == [other]:
                return entry
        raise ModelNotFoundError(f"no {fam} model trained on {other} only in the manifest")
    for entry in models.values():
        if entry.get("family") == family and pair_name in entry.get("held_out", []):
            return entry
    raise ModelNotFoundError(
        f"no {family} cross-validation fold holds out {pair_name!r}"
        + ("; score these pairs with --protocol leave-source-out" if dataset == "vhr" else "")
    )


def auto_choice(manifest: dict[str, Any], pair: ChangePair) -> tuple[str | None, bool]:
    """For ``--method auto``: the fold of the family `sitewatch change` would pick for
    ``pair`` that never saw its source (None when the family has none, or no model fits),
    and whether the model used instead trained on the pair."""
    try:
        chosen = default_model(pair.before, pair.after, pair.gsd)
    except (ModelNotFoundError, MissingBandError):
        return None, False
    fold = source_fold(manifest.get("models", {}), str(chosen.meta.get("family")), pair.source)
    if fold is not None:
        return fold, False
    seen = pair.name in chosen.meta.get("trained_on_pairs", []) or pair.dataset in (
        chosen.meta.get("trained_on", [])
    )
    return None, seen


def pick_family(manifest: dict[str, Any], dataset: str, protocol: str, family: str) -> str:
    """``auto``: what ``sitewatch change`` would use on such imagery, when installed: the
    Sentinel-2 six-band networks for OSCD, the aerial ensemble for SZTAKI's aerial
    photographs, the vhr trees (its choice for true colour finer than 1 m) for
    leave-source-out, else the true-colour networks."""
    if family != "auto":
        return family
    families = {e.get("family") for e in manifest.get("models", {}).values()}
    if protocol == "leave-source-out":
        return "vhr-trees" if "vhr-trees" in families else "vhr"
    if protocol == "cv" and dataset == "oscd" and "s2" in families:
        return "s2"
    if protocol == "cv" and dataset == "airchange" and "aerial" in families:
        return "aerial"
    return "rgb"


def evaluate_change(
    pairs: Sequence[ChangePair],
    method: str = "model",
    protocol: str = "cv",
    *,
    family: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Pooled and per-pair precision, recall, F1 and IoU of the change class."""

    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose {', '.join(PROTOCOLS)}")
    manifest = load_manifest() if method in ("model", "auto") else {}
    seen: list[str] = []
    dataset = pairs[0].dataset if pairs else ""
    family = pick_family(manifest, dataset, protocol, family) if method == "model" else ""
    not_scored: list[str] = []
    if method == "model" and protocol == "leave-source-out":
        # Only sources some fold holds out can be scored (CDD's one pair only trains).
        models = manifest.get("models", {})
        held = {p.source for p in pairs if source_fold(models, family, p.source) is not None}
        not_scored = sorted({p.source for p in pairs} - held)
        pairs = [p for p in pairs if p.source in held]
        if not pairs:
            raise ModelNotFoundError(
                f"no {family} model holds out {', '.join(not_scored) or 'any source'}; "
                "leave-source-out scores the sources of --dataset vhr"
            )
    per_pair: dict[str, dict[str, Any]] = {}
    by_source: dict[str, list[tuple[Counts, Counts]]] = {}
    total = unseen = Counts()
    for pair in pairs:
        if progress is not None:
            progress(pair.name)
        valid = pair.valid
        trained = False  # scored by a model that trained on this pair
        if method == "model":
            entry = model_entry_for(manifest, pair.name, pair.dataset, protocol, family)
            info = model_info(entry, models=manifest["models"])
            prob = predict_probability(pair.before, pair.after, info, gsd=pair.gsd)
            pred = prob >= info.threshold
            used = info.name
        else:
            fold, trained = auto_choice(manifest, pair) if method == "auto" else (None, False)
            result = detect_change(pair.before, pair.after, method, gsd=pair.gsd, model_name=fold)
            pred = result.mask
            used = str(result.details.get("model", result.method))
            if trained:
                seen.append(pair.name)
        counts = confusion(pred, pair.label, valid)
        total = total + counts
        if not trained:
            unseen = unseen + counts
        per_pair[pair.name] = {**counts.scores(), "model": used}
        everything = confusion(valid, pair.label, valid)
        by_source.setdefault(pair.source, []).append((counts, everything))
    return {
        "method": method,
        "protocol": {"model": protocol, "auto": "shipped"}.get(method, "unsupervised"),
        "bands": family,
        "how": protocol_text(dataset, protocol, method),
        "pairs": per_pair,
        "sources": {source: _source_scores(rows) for source, rows in sorted(by_source.items())},
        "overall": total.scores(),
        **({"not_scored": not_scored} if not_scored else {}),
        **({"seen": seen, "overall_unseen": unseen.scores()} if seen else {}),
    }


def _source_scores(rows: list[tuple[Counts, Counts]]) -> dict[str, Any]:
    """Pooled scores of one source's pairs with a 90% bootstrap interval of F1 over its
    pairs, and the F1 of calling every pixel changed (what a score must beat when
    much of the label is change)."""
    pooled = sum((c for c, _ in rows), Counts())
    baseline = sum((b for _, b in rows), Counts())
    return {
        **pooled.scores(),
        "pairs": len(rows),
        "f1_interval": list(bootstrap_f1([c for c, _ in rows])),
        "all_change_f1": round(baseline.f1, 4),
    }
