"""Claims: extraction from wire-style texts written for these tests, and checking."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitewatch.activity.alerts import Alert
from sitewatch.activity.figures import Observation
from sitewatch.claims.check import check_claim
from sitewatch.claims.extract import Claim, extract_claims, resolve_dates, split_sentences
from sitewatch.sites.watchlist import builtin_sites
from tests.helpers import assert_one_line_error, run_cli

PUB = date(2019, 3, 8)  # a Friday

WIRE = """SEOUL (Reuters) - North Korea appears to be rebuilding facilities at the Sohae Satellite
Launching Station, according to 38 North, a Washington-based think tank, citing commercial
satellite imagery taken on March 2, 2019.

Cargo vehicles were seen moving around the Sanum-dong missile factory in Pyongyang earlier
this week, U.S. officials said on Tuesday. The activity may indicate preparations for a launch,
they said.

South Korea's National Intelligence Service told lawmakers that the Yongbyon uranium enrichment
plant kept operating last week.

Imagery also showed a rocket on the pad at Tongchang-ri in May. Engine tests were reportedly
conducted at the site on Wednesday.
"""


def _claims(text: str = WIRE) -> list[Claim]:
    return extract_claims(text, builtin_sites(), PUB, source="wire.txt")


def _find(claims: list[Claim], site: str, activity: str) -> Claim:
    hits = [c for c in claims if c.site_id == site and c.activity == activity]
    assert hits, [(c.site_id, c.activity) for c in claims]
    return hits[0]


def test_every_activity_site_alias_and_date_kind() -> None:
    claims = _claims()
    rebuild = _find(claims, "sohae", "construction/rebuilding")
    assert (rebuild.window_start.date(), rebuild.window_end.date()) == (date(2019, 3, 2),) * 2
    assert rebuild.attribution == "38 North"
    assert rebuild.attribution_type == "think tank"
    assert rebuild.hedged
    assert "appears" in rebuild.hedges

    moving = _find(claims, "sanumdong", "vehicle movement")  # alias "Sanum-dong"
    # "earlier this week", not "said on Tuesday": Monday 4 to Friday 8 March.
    assert (moving.window_start.date(), moving.window_end.date()) == (date(2019, 3, 4), PUB)
    assert moving.attribution == "U.S. officials"
    assert moving.attribution_type == "official"
    assert not moving.hedged

    prep = _find(claims, "sanumdong", "launch preparation")  # follows the named sentence
    assert prep.hedged
    assert prep.attribution == "U.S. officials"  # "they said"

    operating = _find(claims, "yongbyon", "operating")
    assert (operating.window_start.date(), operating.window_end.date()) == (
        date(2019, 2, 25),
        date(2019, 3, 3),
    )
    assert operating.attribution_type == "agency"

    pad = _find(claims, "sohae", "launch preparation")  # alias "Tongchang-ri"
    assert (pad.window_start.date(), pad.window_end.date()) == (date(2018, 5, 1), date(2018, 5, 31))
    assert not pad.hedged  # the month May is not a hedge

    test = _find(claims, "sohae", "test")  # "the site" refers back to Tongchang-ri
    assert test.window_start.date() == date(2019, 3, 6)  # the Wednesday before
    assert "reportedly" in test.hedges
    assert all(c.sentence and c.source == "wire.txt" for c in claims)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("on Tuesday", date(2019, 3, 5), date(2019, 3, 5)),
        ("on Friday", PUB, PUB),
        ("last Friday", date(2019, 3, 1), date(2019, 3, 1)),
        ("yesterday", date(2019, 3, 7), date(2019, 3, 7)),
        ("last week", date(2019, 2, 25), date(2019, 3, 3)),
        ("earlier this month", date(2019, 3, 1), PUB),
        ("last month", date(2019, 2, 1), date(2019, 2, 28)),
        ("in recent weeks", date(2019, 2, 8), PUB),
        ("on 14 February", date(2019, 2, 14), date(2019, 2, 14)),
        ("on December 24", date(2018, 12, 24), date(2018, 12, 24)),
        ("2018-11-30", date(2018, 11, 30), date(2018, 11, 30)),
        ("in August 2017", date(2017, 8, 1), date(2017, 8, 31)),
        ("in 2016", date(2016, 1, 1), date(2016, 12, 31)),
    ],
)
def test_relative_and_explicit_dates(text: str, start: date, end: date) -> None:
    found = resolve_dates(f"Trucks were seen {text}.", PUB)
    assert found is not None
    assert (found[0].date(), found[1].date()) == (start, end)


def test_undated_claims_get_a_stated_default_window() -> None:
    (c,) = _claims("Satellite images show construction at Yongbyon, experts said.")
    assert (PUB - c.window_start.date()).days == 30
    assert "no date" in c.date_basis
    assert c.attribution == "experts"


def test_sentence_splitting_keeps_abbreviations() -> None:
    parts = split_sentences("U.S. officials said trucks moved. Gen. Kim visited Sohae. It rained.")
    assert parts == ["U.S. officials said trucks moved.", "Gen. Kim visited Sohae.", "It rained."]


def test_checking_against_observations() -> None:
    c = _find(_claims(), "sanumdong", "vehicle movement")
    t = datetime(2019, 3, 5, tzinfo=UTC)
    counts = [
        Observation("sanumdong", "vehicle_count", v, t.replace(day=d), f"s{d}")
        for v, d in ((4, 4), (11, 6))
    ]
    assert check_claim(c, counts, []).status == "supported"
    assert "vehicle counts varied" in c.evidence["reasons"][0]
    steady = [
        Observation("sanumdong", "vehicle_count", 4, t.replace(day=d), f"s{d}") for d in (4, 6)
    ]
    assert check_claim(c, steady, []).status == "not supported"
    assert check_claim(c, [], []).status == "no imagery"
    coarse = [Observation("sanumdong", "changed_area", 0.0, t, "s5")]  # 10 m imagery: no vehicles
    assert check_claim(c, coarse, []).status == "no imagery"
    rebuild = _find(_claims(), "sohae", "construction/rebuilding")
    alert = Alert("sohae", "changed_area", "high", t.replace(day=1), t.replace(day=3), "m", id=7)
    small = [Observation("sohae", "changed_area", 120.0, t.replace(day=2), "x")]
    assert check_claim(rebuild, small, [alert]).status == "supported"
    assert rebuild.evidence["alerts"] == [7]
    assert check_claim(rebuild, small, []).status == "not supported"


def test_cargo_vehicle_claims_are_checked_against_large_vehicles() -> None:
    """'Cargo vehicles were seen moving' is about trucks: with large-vehicle counts at
    the site, cars coming and going do not support it, trucks do."""
    c = _find(_claims(), "sanumdong", "vehicle movement")
    assert "Cargo vehicles" in c.sentence
    t = datetime(2019, 3, 5, tzinfo=UTC)

    def obs(figure: str, values: tuple[float, float]) -> list[Observation]:
        return [
            Observation("sanumdong", figure, v, t.replace(day=d), f"s{d}")
            for v, d in zip(values, (4, 6), strict=True)
        ]

    cars_only = obs("vehicle_count", (4, 11)) + obs("large_vehicle_count", (2, 2))
    assert check_claim(c, cars_only, []).status == "not supported"
    assert {o["figure"] for o in c.evidence["observations"]} == {"large_vehicle_count"}
    trucks = obs("vehicle_count", (4, 11)) + obs("large_vehicle_count", (1, 6))
    assert check_claim(c, trucks, []).status == "supported"
    assert "large-vehicle counts varied from 1 to 6" in c.evidence["reasons"][0]
    # Without large-vehicle counts (an older model), all vehicles are the evidence.
    assert check_claim(c, obs("vehicle_count", (4, 11)), []).status == "supported"


def test_claims_cli_extract_store_and_check(runner: CliRunner, db_url: str, tmp_path: Path) -> None:
    article = tmp_path / "wire.txt"
    article.write_text(WIRE, encoding="utf-8")
    r = run_cli(
        runner, db_url, "claims", "extract", str(article), "--published", "2019-03-08", "--json"
    )
    assert r.exit_code == 0, r.output
    extracted = json.loads(r.stdout)
    assert len(extracted) >= 6
    assert all(c["id"] for c in extracted)
    again = json.loads(
        run_cli(
            runner, db_url, "claims", "extract", str(article), "--published", "2019-03-08", "--json"
        ).stdout
    )
    assert [c["id"] for c in again] == [c["id"] for c in extracted]  # stored once
    checked = json.loads(run_cli(runner, db_url, "claims", "check", "--json").stdout)
    assert {c["status"] for c in checked} == {"no imagery"}  # no imagery of these sites here
    listed = json.loads(
        run_cli(runner, db_url, "claims", "list", "--site", "sohae", "--json").stdout
    )
    assert {c["site_id"] for c in listed} == {"sohae"}
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    assert_one_line_error(run_cli(runner, db_url, "claims", "extract", str(empty)), "empty")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    assert_one_line_error(run_cli(runner, db_url, "claims", "extract", str(binary)))
