"""Claims checked against a site's observations and alerts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sitewatch.activity.figures import (
    CHANGE_MAGNITUDE,
    CHANGED_AREA,
    LARGE_VEHICLE_COUNT,
    VEHICLE_COUNT,
)
from sitewatch.claims.extract import Claim
from sitewatch.times import iso_utc

# --- Checking claims against imagery -------------------------------------------------

#: Which activity figures speak to which claimed activity, and the change in a figure
#: that counts as support when no alert fired.
EVIDENCE_FIGURES: dict[str, tuple[str, ...]] = {
    "vehicle movement": (VEHICLE_COUNT,),
    "construction/rebuilding": (CHANGED_AREA,),
    "operating": (VEHICLE_COUNT, CHANGED_AREA, CHANGE_MAGNITUDE),
    "launch preparation": (VEHICLE_COUNT, CHANGED_AREA),
    "test": (CHANGED_AREA, CHANGE_MAGNITUDE),
}
MIN_CHANGED_AREA_M2 = 500.0
#: Words that make a claim about large vehicles (cargo trucks, transporters, convoys):
#: such a claim is checked against the large-vehicle counts when the site has them.
LARGE_VEHICLE_WORDS = re.compile(
    r"\b(cargo|heavy|large|trucks?|lorr(?:y|ies)|convoys?|transporters?|TELs?|"
    r"trailers?|tractor[- ]trailers?|buses)\b",
    re.I,
)


def count_figure_for(claim: Claim, observations: Sequence[Any]) -> str:
    """The count a vehicle claim is checked against: large vehicles when the sentence
    is about cargo vehicles, trucks or transporters and such counts exist, else all
    vehicles."""
    if LARGE_VEHICLE_WORDS.search(claim.sentence) and any(
        o.figure == LARGE_VEHICLE_COUNT for o in observations
    ):
        return LARGE_VEHICLE_COUNT
    return VEHICLE_COUNT


def check_claim(claim: Claim, observations: Sequence[Any], alerts: Sequence[Any]) -> Claim:
    """Set a claim's status from the site's observations and alerts within its window.

    * ``no imagery``: no observation of a relevant figure falls in the window (no
      scene, or none fine enough: vehicles need sub-metre imagery);
    * ``supported``: an alert on a relevant figure overlaps the window, or (for vehicle
      movement) vehicle counts differ between dates in the window (large-vehicle
      counts for a claim about cargo vehicles, trucks or transporters), or (for
      construction) detected change of at least 500 m2 lies in it;
    * ``not supported``: imagery exists in the window and shows none of that.

    A negative claim ("no signs of activity", "the reactor stopped") is the reverse: it
    is supported when imagery in the window shows none of that, and not supported when
    it does.  The evidence lists the observations and alerts used, with their scenes.
    """
    inside = [o for o in observations if claim.window_start <= o.time <= claim.window_end]
    counted = count_figure_for(claim, inside)
    figures = tuple(
        counted if f == VEHICLE_COUNT else f for f in EVIDENCE_FIGURES.get(claim.activity, ())
    )
    relevant = [o for o in inside if o.figure in figures]
    hits = [a for a in alerts if a.figure in figures and a.start <= claim.window_end
            and a.end >= claim.window_start]  # fmt: skip
    reasons: list[str] = []
    if hits:
        reasons.append(f"{len(hits)} alert(s) on {', '.join(sorted({a.figure for a in hits}))}")
    counts = sorted({o.value for o in relevant if o.figure == counted})
    if (
        claim.activity in ("vehicle movement", "operating", "launch preparation")
        and len(counts) > 1
    ):
        what = "large-vehicle" if counted == LARGE_VEHICLE_COUNT else "vehicle"
        reasons.append(f"{what} counts varied from {counts[0]:g} to {counts[-1]:g}")
    area = max((o.value for o in relevant if o.figure == CHANGED_AREA), default=0.0)
    if claim.activity != "vehicle movement" and area >= MIN_CHANGED_AREA_M2:
        reasons.append(f"up to {area:,.0f} m2 of detected change")
    activity_seen = bool(reasons)
    if not relevant and not hits:
        status = "no imagery"
    elif activity_seen == (claim.polarity != "negative"):
        status = "supported"
    else:
        status = "not supported"
    claim.status = status
    claim.evidence = {
        "reasons": reasons or (["imagery in the window shows none of it"] if relevant else []),
        "polarity": claim.polarity,
        "observations": [
            {"figure": o.figure, "value": o.value, "time": iso_utc(o.time), "scene_id": o.scene_id,
             "ref_scene_id": o.ref_scene_id}
            for o in relevant
        ],
        "alerts": [a.id for a in hits],
        "observations_in_window": len(inside),
    }  # fmt: skip
    return claim
