"""Scoring claim extraction against hand-labelled real reporting.

The corpus (``sitewatch/data/claims_corpus.json``, or any file of the same shape) is a
list of texts, each with its source address, publisher, publication date, story
``group`` and ``split`` (``dev`` or ``test``), and its labelled claims: the sentence
(a substring that finds it), the watched site, the activities, polarity, modality and
who says it (alternatives, any one of which in the extracted attribution counts).

A unit of scoring is one (sentence, site) pair, as an analyst would record it:
precision and recall count units, each with a 90% bootstrap interval over texts.  Among
matched units the report gives the share whose attribution names the labelled speaker,
whose activity, polarity and modality agree, whether every negated claim was marked
negative, and how many claims were put on a watched site from texts that name only
unwatched places.  Each failure is listed with its sentence and kind.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sitewatch.claims.extract import (
    Claim,
    activities_of,
    extract_claims,
    match_sites,
    paragraphs,
    site_names,
)
from sitewatch.errors import InvalidTextError
from sitewatch.evaluation.metrics import BOOTSTRAP, percentile_interval, resampled_sums
from sitewatch.sites.watchlist import Site

CLAIM_SPLITS = ("dev", "test", "all")


@dataclass(frozen=True)
class LabelledClaim:
    sentence: str
    site_id: str
    activity: tuple[str, ...]
    polarity: str
    modality: str
    attribution: tuple[str, ...]


@dataclass(frozen=True)
class LabelledText:
    id: str
    url: str
    publisher: str
    published: date
    group: str
    split: str
    text: str
    claims: tuple[LabelledClaim, ...] = field(default_factory=tuple)


def load_corpus(path: str | Path | None = None) -> list[LabelledText]:
    """The labelled texts of a corpus file (default: the packaged corpus)."""
    if path is None:
        raw = resources.files("sitewatch.data").joinpath("claims_corpus.json").read_text("utf-8")
        where = "sitewatch/data/claims_corpus.json"
    else:
        try:
            raw = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidTextError(f"cannot read the corpus {path}: {exc.strerror}") from None
        where = str(path)
    try:
        return [_labelled_text(t) for t in json.loads(raw)]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidTextError(f"{where} is not a claims corpus: {exc!r}") from None


def _labelled_text(t: dict[str, Any]) -> LabelledText:
    claims = tuple(
        LabelledClaim(
            sentence=c["sentence"],
            site_id=c["site_id"],
            activity=tuple(c["activity"]),
            polarity=c["polarity"],
            modality=c["modality"],
            attribution=tuple(c["attribution"]),
        )
        for c in t["claims"]
    )
    return LabelledText(
        id=t["id"],
        url=t["url"],
        publisher=t["publisher"],
        published=date.fromisoformat(t["published"]),
        group=t["group"],
        split=t["split"],
        text=t["text"],
        claims=claims,
    )


def _sentences(text: str) -> list[str]:
    return [s for p in paragraphs(text) for s in p]


def _index_of(key: str, sentences: Sequence[str], where: str) -> int:
    for i, s in enumerate(sentences):
        if key in s:
            return i
    raise InvalidTextError(f"{where}: no sentence contains the labelled {key!r}")


@dataclass
class _Scored:
    """One text's units: labelled and extracted (sentence index, site) pairs."""

    text: LabelledText
    sentences: list[str]
    labels: dict[tuple[int, str], list[LabelledClaim]]
    predicted: dict[tuple[int, str], list[Claim]]

    @property
    def tp(self) -> int:
        return len(self.labels.keys() & self.predicted.keys())


def _score_text(text: LabelledText, sites: Sequence[Site]) -> _Scored:
    sentences = _sentences(text.text)
    labels: dict[tuple[int, str], list[LabelledClaim]] = {}
    for c in text.claims:
        labels.setdefault((_index_of(c.sentence, sentences, text.id), c.site_id), []).append(c)
    claims = extract_claims(text.text, sites, text.published, text.id, text.publisher)
    predicted: dict[tuple[int, str], list[Claim]] = {}
    for claim in claims:
        if claim.site_id is not None:
            predicted.setdefault((sentences.index(claim.sentence), claim.site_id), []).append(claim)
    return _Scored(text, sentences, labels, predicted)


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _interval(rows: list[tuple[int, int]], seed: int) -> tuple[float, float] | None:
    """90% bootstrap interval of sum(a)/sum(b), resampling texts."""
    if not rows or not sum(b for _, b in rows):
        return None
    num, den = resampled_sums(rows, BOOTSTRAP, seed)
    return percentile_interval(np.divide(num, den, out=np.zeros_like(num), where=den > 0))


def _who_matches(extracted: str, alternatives: Sequence[str]) -> bool:
    low = extracted.lower()
    return bool(low) and any(a.lower() in low for a in alternatives)


def evaluate_claims(
    texts: Sequence[LabelledText],
    sites: Sequence[Site],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score :func:`~sitewatch.claims.extract_claims` on labelled texts (module doc)."""
    scored: list[_Scored] = []
    for done, text in enumerate(texts, start=1):
        scored.append(_score_text(text, sites))
        if progress is not None:
            progress(done, len(texts))
    names = site_names(sites)
    n_labels = sum(len(s.labels) for s in scored)
    n_pred = sum(len(s.predicted) for s in scored)
    tp = sum(s.tp for s in scored)
    agree: Counter[str] = Counter()
    negated = Counter[str]()
    # Failures in text order and, within a text, by sentence and site (sets of units
    # would list them in an order that changes with Python's string hashing).
    failures: list[dict[str, Any]] = []
    kinds: Counter[str] = Counter()
    off_watchlist = {"texts": 0, "claims": 0}
    for s in scored:
        negated["labelled"] += sum(
            c.polarity == "negative" for labels in s.labels.values() for c in labels
        )
        if not match_sites(s.text.text, names):
            off_watchlist["texts"] += 1
            off_watchlist["claims"] += len(s.predicted)
        for unit in sorted(s.labels.keys() & s.predicted.keys()):
            labels, preds = s.labels[unit], s.predicted[unit]
            who = {a for c in labels for a in c.attribution}
            agree["attribution"] += _who_matches(preds[0].attribution, sorted(who))
            agree["activity"] += bool(
                {p.activity for p in preds} & {a for c in labels for a in c.activity}
            )
            agree["modality"] += preds[0].modality in {c.modality for c in labels}
            # Polarity per labelled activity, against the extracted claims of that activity
            # (or of the sentence, when the extractor named another activity).
            polarity_ok = True
            for c in labels:
                same = [p for p in preds if p.activity in c.activity] or preds
                got = any(p.polarity == c.polarity for p in same)
                polarity_ok &= got
                if c.polarity == "negative":
                    negated["matched"] += 1
                    negated["marked negative"] += got
                if not got:
                    kind = (
                        "negation missed"
                        if c.polarity == "negative"
                        else "positive read as negative"
                    )
                    kinds[kind] += 1
                    failures.append(_failure(kind, s, unit, list(c.activity), same[0]))
            agree["polarity"] += polarity_ok
            if not _who_matches(preds[0].attribution, sorted(who)):
                kinds["wrong attribution"] += 1
                failures.append(_failure("wrong attribution", s, unit, sorted(who), preds[0]))
        for unit in sorted(s.labels.keys() - s.predicted.keys()):
            i, _ = unit
            if any(p == i for p, _ in s.predicted):
                kind = "missed: claim put on another site"
            elif activities_of(s.sentences[i]):
                kind = "missed: site not linked"
            else:
                kind = "missed: no activity found"
            kinds[kind] += 1
            failures.append(_failure(kind, s, unit, [], None))
        for unit in sorted(s.predicted.keys() - s.labels.keys()):
            i, _ = unit
            kind = (
                "spurious: claim on the wrong site"
                if any(p == i for p, _ in s.labels)
                else "spurious: not a claim"
            )
            kinds[kind] += 1
            failures.append(_failure(kind, s, unit, [], s.predicted[unit][0]))
    return {
        "texts": len(scored),
        "labelled_claims": n_labels,
        "extracted_claims": n_pred,
        "matched": tp,
        "precision": _ratio(tp, n_pred),
        "precision_interval": _interval([(x.tp, len(x.predicted)) for x in scored], 1),
        "recall": _ratio(tp, n_labels),
        "recall_interval": _interval([(x.tp, len(x.labels)) for x in scored], 2),
        "attribution_correct": _ratio(agree["attribution"], tp),
        "activity_agrees": _ratio(agree["activity"], tp),
        "polarity_agrees": _ratio(agree["polarity"], tp),
        "modality_agrees": _ratio(agree["modality"], tp),
        "negated": {
            "labelled": negated["labelled"],
            "matched": negated["matched"],
            "marked_negative": negated["marked negative"],
        },
        "unwatched_only_texts": off_watchlist,
        "failures_by_kind": dict(kinds.most_common()),
        "failures": failures,
    }


def _failure(
    kind: str, s: _Scored, unit: tuple[int, str], expected: list[str], claim: Claim | None
) -> dict[str, Any]:
    """One failure: its kind, text, site and sentence, what was expected (the speakers or
    the activity in question) and what was extracted."""
    row: dict[str, Any] = {
        "kind": kind,
        "text": s.text.id,
        "site_id": unit[1],
        "sentence": s.sentences[unit[0]],
    }
    if expected:
        row["expected"] = expected
    if claim is not None:
        row["extracted"] = {
            "activity": claim.activity,
            "attribution": claim.attribution,
            "polarity": claim.polarity,
            "modality": claim.modality,
        }
    return row
