"""``sitewatch eval change|detect|claims``: score the shipped models and the claims
extractor on labelled data."""

from __future__ import annotations

from pathlib import Path

import click

from sitewatch.cli.options import (
    console,
    data_option,
    detector_option,
    emit_json,
    json_option,
    progress_bar,
    with_progress,
)
from sitewatch.datasets.change import DATASETS, load_pairs
from sitewatch.datasets.detection import DETECTION_DATASETS, SPLITS, load_detection
from sitewatch.datasets.paths import data_dir
from sitewatch.detection.detector import (
    default_detector,
)
from sitewatch.errors import InsufficientDataError
from sitewatch.evaluation.change import PROTOCOLS, evaluate_change
from sitewatch.evaluation.claims import CLAIM_SPLITS
from sitewatch.evaluation.detection import evaluate_detection


@click.group("eval")
def eval_group() -> None:
    """Score change detection, detection and claim extraction on labelled data."""


@eval_group.command("change")
@click.option(
    "--dataset",
    type=click.Choice(DATASETS),
    required=True,
    help="oscd, airchange (SZTAKI Szada), or vhr: true colour finer than 2 m from DSIFN, "
    "NCC, CDD and Szada.",
)
@click.option(
    "--method",
    type=click.Choice(["model", "auto", "cva", "irmad"]),
    default="model",
    show_default=True,
    help="model: held-out models of the protocol; auto: the shipped default models as "
    "`sitewatch change` uses them; cva, irmad: unsupervised.",
)
@click.option(
    "--protocol",
    type=click.Choice(PROTOCOLS),
    default="cv",
    show_default=True,
    help="cv: cross-validation folds; cross: model trained on the other dataset only; "
    "leave-source-out: each source scored by a model that never saw that source.",
)
@data_option
@click.option(
    "--bands",
    "family",
    type=click.Choice(["auto", "rgb", "s2", "trees", "aerial", "vhr", "vhr-trees"]),
    default="auto",
    show_default=True,
    help="Model family: rgb or s2 networks, trees (RGB features), aerial (network and "
    "trees averaged), vhr and vhr-trees (network and trees on true colour from many "
    "sources); auto = s2 for OSCD, aerial for airchange, vhr-trees (what change uses on "
    "true colour finer than 1 m) for leave-source-out, else rgb.",
)
@json_option
def eval_change(
    dataset: str, method: str, protocol: str, data: str | None, family: str, as_json: bool
) -> None:
    """Precision, recall, F1 and IoU of the change class, per pair and pooled."""

    pairs = load_pairs(data_dir(data), dataset)
    with progress_bar() as bar:
        task = bar.add_task(f"eval {dataset}", total=len(pairs), what="")

        def step(name: str) -> None:
            bar.update(task, advance=1, what=name)

        report = evaluate_change(pairs, method, protocol, family=family, progress=step)
    report["dataset"] = dataset
    if as_json:
        emit_json(report)
        return
    from rich.table import Table

    table = Table(title=f"{dataset}: {report['how']}")
    for col in ("pair", "precision", "recall", "F1", "IoU"):
        table.add_column(col)
    rows = [*report["pairs"].items(), ("overall (pooled)", report["overall"])]
    for name, s in rows:
        table.add_row(name, *(f"{s[k]:.3f}" for k in ("precision", "recall", "f1", "iou")))
    console().print(table)
    if len(report["sources"]) > 1:
        by = Table(title="per source (pooled over its pairs)")
        for col in (
            "source",
            "pairs",
            "precision",
            "recall",
            "F1",
            "90% interval",
            "all-change F1",
        ):
            by.add_column(col)
        for source, s in report["sources"].items():
            lo, hi = s["f1_interval"]
            scores = (f"{s[k]:.3f}" for k in ("precision", "recall", "f1"))
            by.add_row(source, str(s["pairs"]), *scores, f"{lo:.3f}-{hi:.3f}",
                       f"{s['all_change_f1']:.3f}")  # fmt: skip
        console().print(by)


@eval_group.command("detect")
@click.option("--dataset", type=click.Choice(DETECTION_DATASETS), required=True)
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="test",
    show_default=True,
    help="Which split to score (thresholds and models are chosen on val; report test).",
)
@click.option(
    "--audited",
    is_flag=True,
    help="SIMD only: detections inside the audited regions of vehicles its labels miss "
    "are neither true nor false (the labels themselves are unchanged).",
)
@data_option
@detector_option
@json_option
def eval_detect(
    dataset: str,
    split: str,
    audited: bool,
    data: str | None,
    model_dir: Path | None,
    as_json: bool,
) -> None:
    """AP50 with a 90% bootstrap interval, precision/recall/F1 at the model's thresholds and
    count error, per class and per vehicle kind, and how large-vehicle boxes fit."""

    if audited and dataset != "simd":
        raise click.BadParameter("only simd has audited regions", param_hint="--audited")
    detector = default_detector(model_dir)
    loaded = load_detection(data_dir(data), dataset, audited=audited)
    images = [im for im in loaded if im.split == split]
    if not images:
        raise InsufficientDataError(f"{dataset} has no images in its {split} split")
    report = with_progress(
        f"eval {dataset}",
        lambda step: evaluate_detection(images, detector, progress=step),
    )
    report["dataset"] = dataset
    report["split"] = split
    report["labels"] = "source + audited regions of unlabelled vehicles" if audited else "source"
    if as_json:
        emit_json(report)
        return
    from rich.table import Table

    table = Table(title=f"{dataset}, {split} split: {len(images)} images")
    for col in ("objects", "AP50", "90% interval", "precision", "recall", "F1", "count error"):
        table.add_column(col, justify="right")
    table.add_column("result", justify="left")
    boxes = report["results"].pop("large vehicle boxes", None)
    for name, s in report["results"].items():
        lo, hi = s.get("ap50_interval", (None, None))
        error = s["count_error"]
        table.add_row(
            str(s["objects"]), f"{s['ap50']:.3f}", "" if lo is None else f"{lo:.3f}-{hi:.3f}",
            f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
            "" if error is None else f"{error:.1%}", name,
        )  # fmt: skip
    console().print(table)
    if boxes and boxes["median_length_error"] is not None:
        click.echo(
            f"large vehicle boxes: median length error {boxes['median_length_error']:.1%} "
            f"({boxes['found']} of {boxes['labelled']} labelled large vehicles found)"
        )


@eval_group.command("claims")
@click.option(
    "--corpus",
    type=click.Path(dir_okay=False),
    default=None,
    help="A labelled corpus file (default: the packaged corpus of real reporting).",
)
@click.option(
    "--split",
    type=click.Choice(CLAIM_SPLITS),
    default="test",
    show_default=True,
    help="Which texts to score (rules are developed on dev; report test).",
)
@click.option("--failures", is_flag=True, help="List every failure with its sentence.")
@json_option
def eval_claims(corpus: str | None, split: str, failures: bool, as_json: bool) -> None:
    """Precision and recall of `claims extract` on hand-labelled real reporting (90%
    bootstrap intervals over texts), attribution, polarity, modality and activity among
    matched claims, negated claims, and claims put on watched sites from texts about
    unwatched places."""
    from sitewatch.evaluation.claims import evaluate_claims, load_corpus
    from sitewatch.sites.watchlist import builtin_sites

    texts = [t for t in load_corpus(corpus) if split in ("all", t.split)]
    if not texts:
        raise InsufficientDataError(f"the corpus has no texts in its {split} split")
    report = with_progress(
        f"eval claims ({split})", lambda step: evaluate_claims(texts, builtin_sites(), step)
    )
    report["split"] = split
    if not failures:
        report.pop("failures")
    if as_json:
        emit_json(report)
        return

    def pct(key: str) -> str:
        value = report[key]
        return "n/a" if value is None else f"{value:.3f}"

    def interval(key: str) -> str:
        lo_hi = report[key]
        return "" if lo_hi is None else f" ({lo_hi[0]:.3f}-{lo_hi[1]:.3f})"

    neg, off = report["negated"], report["unwatched_only_texts"]
    click.echo(
        f"{split}: {report['texts']} texts, {report['labelled_claims']} labelled claims, "
        f"{report['extracted_claims']} extracted, {report['matched']} matched\n"
        f"precision {pct('precision')}{interval('precision_interval')}, "
        f"recall {pct('recall')}{interval('recall_interval')}\n"
        f"among matched: attribution {pct('attribution_correct')}, activity "
        f"{pct('activity_agrees')}, polarity {pct('polarity_agrees')}, modality "
        f"{pct('modality_agrees')}\n"
        f"negated claims: {neg['labelled']} labelled, {neg['matched']} matched, "
        f"{neg['marked_negative']} marked negative\n"
        f"texts naming only unwatched places: {off['texts']}, claims put on watched "
        f"sites from them: {off['claims']}"
    )
    for kind, n in report["failures_by_kind"].items():
        click.echo(f"  {n:3d}  {kind}")
    for row in report.get("failures", []):
        extracted = row.get("extracted")
        got = f" [got {extracted}]" if extracted else ""
        click.echo(f"- {row['kind']} ({row['text']}, {row['site_id']}): {row['sentence']}{got}")
