"""The labelled corpus of real reporting and the scoring of claim extraction against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from sitewatch.cli.main import cli
from sitewatch.evaluation.claims import LabelledClaim, LabelledText, evaluate_claims, load_corpus
from sitewatch.sites.watchlist import builtin_sites


def test_the_corpus_is_labelled_findable_and_split_by_story() -> None:
    texts = load_corpus()
    assert len(texts) >= 30
    assert len({t.id for t in texts}) == len(texts)
    # Every text carries where it came from; every label finds its sentence.
    for t in texts:
        assert t.url.startswith("http")
        assert t.publisher
        assert t.published.year >= 2000
        for c in t.claims:
            assert c.sentence in t.text, (t.id, c.sentence)
            assert c.site_id in {"sanumdong", "sohae", "yongbyon"}
            assert c.polarity in {"positive", "negative"}
            assert c.attribution
    # No story (group) is in both splits, and the held-out texts include distractors.
    splits: dict[str, set[str]] = {}
    for t in texts:
        splits.setdefault(t.group, set()).add(t.split)
    assert all(len(s) == 1 for s in splits.values())
    test = [t for t in texts if t.split == "test"]
    assert len(test) >= 15
    assert any(not t.claims for t in test)
    assert sum(len(t.claims) for t in test) >= 25


def _text(text: str, claims: list[LabelledClaim], split: str = "test") -> LabelledText:
    return LabelledText(
        id="t", url="https://example.org/t", publisher="The Paper",
        published=date(2019, 3, 8), group="g", split=split, text=text, claims=tuple(claims),
    )  # fmt: skip


def _label(sentence: str, polarity: str = "positive", who: str = "38 North") -> LabelledClaim:
    return LabelledClaim(
        sentence, "sohae", ("construction/rebuilding",), polarity, "observed", (who,)
    )


def test_scores_count_sentence_site_units_and_each_kind_of_failure() -> None:
    text = (
        "38 North said workers are rebuilding the launch pad at Sohae. "
        "Imagery shows no new construction at Sohae since March 1. "
        "It rained in Pyongyang. "
        "Trucks were seen at Sanumdong on March 2."
    )
    labels = [
        _label("workers are rebuilding"),  # found, speaker right
        _label("no new construction", polarity="negative", who="Beyond Parallel"),  # wrong who
        _label("It rained"),  # a claim the extractor cannot find
    ]
    report = evaluate_claims([_text(text, labels)], builtin_sites())
    # Units: 3 labelled; extracted: Sohae twice plus Sanumdong (unlabelled).
    assert (report["labelled_claims"], report["extracted_claims"], report["matched"]) == (3, 3, 2)
    assert report["precision"] == round(2 / 3, 4)
    assert report["recall"] == round(2 / 3, 4)
    assert report["attribution_correct"] == 0.5
    assert report["negated"] == {"labelled": 1, "matched": 1, "marked_negative": 1}
    kinds = Counter({k: v for k, v in report["failures_by_kind"].items()})
    assert kinds == Counter(
        {"wrong attribution": 1, "missed: no activity found": 1, "spurious: not a claim": 1}
    )


def test_a_text_naming_only_unwatched_places_is_counted() -> None:
    text = "Tunnel entrances were excavated at Punggye-ri in May."
    report = evaluate_claims([_text(text, [])], builtin_sites())
    assert report["unwatched_only_texts"] == {"texts": 1, "claims": 0}
    assert report["precision"] is None
    assert report["recall"] is None


def test_eval_claims_cli_json_and_a_bad_corpus(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", "claims", "--split", "test", "--json", "--failures"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["split"] == "test"
    assert report["texts"] >= 15
    assert 0 <= report["precision"] <= 1
    assert len(report["precision_interval"]) == 2
    assert all({"kind", "text", "sentence"} <= set(f) for f in report["failures"])

    bad = tmp_path / "corpus.json"
    bad.write_text('[{"id": "x"}]')
    result = runner.invoke(cli, ["eval", "claims", "--corpus", str(bad)])
    assert result.exit_code == 2
    assert "is not a claims corpus" in result.output
    assert "Traceback" not in result.output


def test_failures_come_out_in_the_same_order_whatever_the_string_hashing() -> None:
    # Many failures over two sites and several sentences of one text; each run of a fresh
    # interpreter hashes strings with another seed.
    script = (
        "import json; from datetime import date\n"
        "from sitewatch.evaluation.claims import LabelledText, evaluate_claims\n"
        "from sitewatch.sites.watchlist import builtin_sites\n"
        "text = ' '.join(f'Trucks were seen at {s} on March {d}.' for d in range(1, 5)"
        " for s in ('Sohae', 'Sanumdong', 'Yongbyon'))\n"
        "t = LabelledText('t', 'https://example.org/t', 'P', date(2019, 3, 8), 'g', 'test',"
        " text, ())\n"
        "print(json.dumps(evaluate_claims([t], builtin_sites())['failures']))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(4)
    }  # fmt: skip
    assert len(outputs) == 1
    failures = json.loads(outputs.pop())
    assert len(failures) == 12
    assert [f["sentence"] for f in failures] == sorted(
        (f["sentence"] for f in failures), key=lambda s: int(s.rstrip(".").split()[-1])
    )
