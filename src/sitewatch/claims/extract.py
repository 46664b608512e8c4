"""Claims from published text: who says what activity happened where and when (rule-based).

Each sentence is matched against the watchlist (names and aliases, ignoring case,
spaces and hyphens: "Sanum-dong" finds Sanumdong), against activity patterns
(vehicle movement, construction/rebuilding, operating, launch preparation, test),
against attribution patterns (an agency, a think tank, an official, a news
outlet), and against hedging words ("may", "appears to", "reportedly"...).  A
sentence with an activity but no site name inherits the last named site when it
follows a sentence naming one or refers back ("the site", "the facility", "there").

Dates: explicit dates ("March 4, 2019", "4 March 2019", "2019-03-04", "March 2019")
and relative ones resolved against the publication date ("on Tuesday", "yesterday",
"earlier this week", "last week", "this month", "in recent weeks").  A claim
without a date gets the 30 days before publication, and says so (``date_basis``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sitewatch.errors import InvalidTextError
from sitewatch.sites.watchlist import Site
from sitewatch.times import iso_utc

ACTIVITIES: dict[str, re.Pattern[str]] = {
    "launch preparation": re.compile(
        r"\b(launch (preparations?|pad activity)|prepar\w* (for |to conduct )?(a |another )?"
        r"(satellite |rocket |missile )?launch|fuel(l)?ing|erect(ed|ing|or)|"
        r"on the (launch )?pad)\b",
        re.I,
    ),
    "test": re.compile(
        r"\b((missile|rocket|engine|nuclear|weapons?|static|ground|flight)[- ]tests?(ed|ing)?|"
        r"test[- ](fired|firing|launch(ed)?)|tested|test of|detonat\w*)\b",
        re.I,
    ),
    "vehicle movement": re.compile(
        r"\b((cargo |military |large |heavy )?(vehicles?|trucks?|convoys?|transporters?|"
        r"TELs?|trailers?)\b.{0,60}\b(mov\w*|arriv\w*|depart\w*|seen|spotted|parked|"
        r"gather\w*|around|near|enter\w*|leav\w*)|movement of)",
        re.I,
    ),
    "construction/rebuilding": re.compile(
        r"\b(rebuil\w*|reconstruct\w*|construct\w*|build(ing|s)? (a |new )|new (buildings?|"
        r"structures?)|expan\w*|restor\w*|reassembl\w*|dismantl\w*|excavat\w*|renovat\w*)\b",
        re.I,
    ),
    "operating": re.compile(
        r"\b(operat(ing|ion|ional|ed)|(kept|keep|keeps|remain\w*) (running|active|operating)|"
        r"in operation|producing|production|enrich\w*|reprocess\w*|activity at)\b",
        re.I,
    ),
}

#: "may" is matched in lower case only, so the month May is not a hedge.
_MAY = re.compile(r"\bmay\b")
HEDGES = re.compile(
    r"\b(might|could|appears?|appeared|seems?|seemed|suggests?|suggested|possibl[ey]|"
    r"likely|reportedly|believed|apparent(ly)?|indicat\w*|allegedly|probabl[ey])\b",
    re.I,
)

#: An organisation's name: up to 8 words, starting at a word's start.  Both bounds keep
#: matching linear in the text's length (no backtracking over long runs of capitals).
_ORG = r"((?<![\w.'&-])[A-Z0-9][\w.'&-]*(?:\s+(?:of|for|and|the|[A-Z0-9][\w.'&-]*)){0,8})"
ATTRIBUTION = [
    re.compile(
        r"((?:(?<![\w.'-])(?:[A-Z][\w.'-]*|the)\s+){0,4}(?:officials?|sources?|analysts|"
        r"diplomats?|experts|"
        r"researchers|spokes(?:man|woman|person)))\s+(?:said|say|says|told|believe|think)\b"
    ),
    re.compile(r"\baccording to (?:the )?" + _ORG),
    re.compile(
        _ORG + r"\s+(?:said|says|reported|reports|showed|shows|told|noted|assessed|estimated)\b"
    ),
    re.compile(r"\b(?:said|says|reported|wrote)\s+(?:the\s+)?" + _ORG),
    re.compile(
        r"\b((?:U\.S\.|US|South Korean|American|Japanese)?\s*(?:intelligence|military)\s+"
        r"(?:officials?|sources?|agenc(?:y|ies)|assessments?))",
        re.I,
    ),
    re.compile(
        r"\b((?:think[- ]tanks?|analysts|researchers|experts)(?:\s+at\s+" + _ORG + r")?)", re.I
    ),
]
ATTRIBUTION_TYPES = [
    (
        "agency",
        re.compile(
            r"intelligence|\bNIS\b|\bCIA\b|\bDIA\b|agency|ministry|military|"
            r"Joint Chiefs|Pentagon|command",
            re.I,
        ),
    ),
    (
        "think tank",
        re.compile(
            r"think[- ]tank|38 North|CSIS|Beyond Parallel|Center|Centre|"
            r"Institute|Middlebury|researchers|analysts|experts",
            re.I,
        ),
    ),
    (
        "official",
        re.compile(
            r"official|minister|spokes\w*|lawmaker|senator|president|"
            r"secretary|envoy|government",
            re.I,
        ),
    ),
    ("news outlet", re.compile(r"news|Yonhap|Reuters|\bAP\b|AFP|NK News|Times|Post|CNN|NHK", re.I)),
]
_REFERS_BACK = re.compile(r"\b(the (site|facility|plant|factory|station|complex|compound|center|"
                          r"centre)|there|its)\b", re.I)  # fmt: skip

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}  # fmt: skip
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DEFAULT_DAYS = 30
_ABBREV = re.compile(r"\b(U\.S|U\.N|Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sen|Rep|St|No|Jan|Feb|Mar|Apr|Jun|"
                     r"Jul|Aug|Sep|Sept|Oct|Nov|Dec|a\.m|p\.m|e\.g|i\.e)\.", re.I)  # fmt: skip


_DATELINE = re.compile(r"^[A-Z][A-Z ./,]+(\([^)]*\))?\s+[-\u2013\u2014]+\s+")
_PRONOUN_SAID = re.compile(r"\b(they|he|she) (said|say|says|added|told)\b", re.I)


@dataclass
class Claim:
    """One claim: a site, an activity, a date window, who says so, how firmly, the quote."""

    activity: str
    sentence: str
    site_id: str | None
    window_start: datetime
    window_end: datetime
    date_basis: str
    attribution: str = ""
    attribution_type: str = ""
    hedged: bool = False
    hedges: list[str] = field(default_factory=list)
    source: str = ""
    published: datetime | None = None
    status: str = "unchecked"
    evidence: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "activity": self.activity,
            "window": [iso_utc(self.window_start), iso_utc(self.window_end)],
            "date_basis": self.date_basis,
            "attribution": self.attribution,
            "attribution_type": self.attribution_type,
            "hedged": self.hedged,
            "hedges": self.hedges,
            "source": self.source,
            "published": iso_utc(self.published) if self.published else None,
            "sentence": self.sentence,
            "status": self.status,
            "evidence": self.evidence,
        }


def split_sentences(text: str) -> list[str]:
    """Sentences of plain text (abbreviations such as "U.S." do not end one)."""
    protected = _ABBREV.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    parts = re.split(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n", protected)
    return [" ".join(p.replace("\x00", ".").split()) for p in parts if p.strip()]


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _site_names(sites: Sequence[Site]) -> list[tuple[str, str]]:
    """(normalised name, site id), longest first so "Sohae Satellite..." beats "Sohae"."""
    names = [
        (_norm(n), s.id) for s in sites for n in (s.name, *s.aliases, s.id) if len(_norm(n)) >= 4
    ]
    return sorted(set(names), key=lambda t: -len(t[0]))


def match_sites(sentence: str, names: Sequence[tuple[str, str]]) -> list[str]:
    """Site ids named in a sentence, in order of first mention."""
    flat = _norm(sentence)
    found: list[tuple[int, str]] = []
    for name, site_id in names:
        pos = flat.find(name)
        if pos >= 0 and site_id not in [s for _, s in found]:
            found.append((pos, site_id))
    return [s for _, s in sorted(found)]


def _attribution(sentence: str) -> tuple[str, str]:
    for pattern in ATTRIBUTION:
        m = pattern.search(sentence)
        if m:
            text = m.group(1).strip(" ,.")
            if len(text) < 2 or text.lower() in {"it", "he", "she", "they", "the", "this"}:
                continue
            kind = next((k for k, p in ATTRIBUTION_TYPES if p.search(text)), "other")
            return text, kind
    return "", ""


def _day(d: date) -> tuple[datetime, datetime]:
    start = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return start, start + timedelta(days=1) - timedelta(seconds=1)


def _span(a: date, b: date) -> tuple[datetime, datetime]:
    return _day(a)[0], _day(b)[1]


def _month(year: int, month: int) -> tuple[datetime, datetime]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return _span(first, nxt - timedelta(days=1))


#: When a claim was *made* ("officials said on Tuesday") is not when the activity was seen.
_SAID_WHEN = re.compile(
    r"\b(said|says|told \w+|reported|announced|wrote)\s+(on\s+)?(\w+day|yesterday|today|"
    r"(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+\d{1,2}(,?\s+\d{4})?)",
    re.I,
)


def resolve_dates(sentence: str, published: date) -> tuple[datetime, datetime, str] | None:
    """The date window a sentence speaks of, and how it was found; None when it has none.

    Dates attached to the act of saying ("said on Tuesday") are ignored when the
    sentence has another date for the activity itself.
    """
    stripped = _SAID_WHEN.sub(" ", sentence)
    found = _resolve(stripped, published)
    return found if found is not None else _resolve(sentence, published)


def _resolve(s: str, published: date) -> tuple[datetime, datetime, str] | None:
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", s)
    if m:
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return (*_day(d), f"explicit date {m[0]}")
    m = re.search(_MONTH + r"\s+(\d{1,2})(?!\d)(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", s)
    m2 = re.search(r"\b(\d{1,2})\s+" + _MONTH + r"(?:\s+(\d{4}))?", s)
    if m or m2:
        if m:
            month, day, year = MONTHS[m[1].lower()], int(m[2]), m[3]
            text = m[0]
        else:
            assert m2 is not None
            month, day, year = MONTHS[m2[2].lower()], int(m2[1]), m2[3]
            text = m2[0]
        y = int(year) if year else published.year
        d = date(y, month, day)
        if not year and d > published:
            d = date(y - 1, month, day)
        return (*_day(d), f"explicit date {text}")
    m = re.search(r"\b(?:in|during|since|throughout)\s+" + _MONTH + r"(?:\s+(\d{4}))?", s)
    if m:
        month = MONTHS[m[1].lower()]
        y = (
            int(m[2])
            if m[2]
            else (published.year if month <= published.month else published.year - 1)
        )
        return (*_month(y, month), f"month {m[0].split(maxsplit=1)[1]}")
    low = s.lower()
    m = re.search(r"\b(?:on|last|this past)\s+(" + "|".join(WEEKDAYS) + r")\b", low)
    if m:
        target = WEEKDAYS.index(m[1])
        back = (published.weekday() - target) % 7
        if m[0].startswith("last") and back == 0:
            back = 7
        d = published - timedelta(days=back)
        return (*_day(d), f"'{m[0]}' before publication")
    rules: list[tuple[str, tuple[date, date]]] = [
        (r"\byesterday\b", (published - timedelta(days=1), published - timedelta(days=1))),
        (r"\btoday\b|\bthis morning\b", (published, published)),
        (r"\b(earlier|so far) this week\b|\bthis week\b",
         (published - timedelta(days=published.weekday()), published)),
        (r"\blast week\b|\bprevious week\b|\ba week ago\b",
         (published - timedelta(days=published.weekday() + 7),
          published - timedelta(days=published.weekday() + 1))),
        (r"\b(earlier|so far) this month\b|\bthis month\b", (published.replace(day=1), published)),
        (r"\blast month\b", ((published.replace(day=1) - timedelta(days=1)).replace(day=1),
                             published.replace(day=1) - timedelta(days=1))),
        (r"\b(in )?recent days\b|\bpast few days\b", (published - timedelta(days=7), published)),
        (r"\b(in )?recent weeks\b|\bpast few weeks\b|\blast few weeks\b",
         (published - timedelta(days=28), published)),
        (r"\b(in )?recent months\b|\bpast few months\b",
         (published - timedelta(days=120), published)),
        (r"\bthis year\b", (date(published.year, 1, 1), published)),
        (r"\blast year\b", (date(published.year - 1, 1, 1), date(published.year - 1, 12, 31))),
    ]  # fmt: skip
    for pattern, (a, b) in rules:
        mm = re.search(pattern, low)
        if mm:
            return (*_span(a, b), f"'{mm[0].strip()}' relative to publication")
    m = re.search(r"\b(?:in|since|during)\s+((?:19|20)\d{2})\b", s)
    if m:
        y = int(m[1])
        return (*_span(date(y, 1, 1), date(y, 12, 31)), f"year {y}")
    return None


def extract_claims(
    text: str,
    sites: Sequence[Site],
    published: date | None = None,
    source: str = "",
) -> list[Claim]:
    """Claims in an article's text (see module doc).  ``published`` defaults to today."""
    if not text.strip():
        raise InvalidTextError(f"{source or 'the text'} is empty; give a news article or briefing")
    if "\x00" in text:
        raise InvalidTextError(f"{source or 'the text'} is not plain text")
    pub = published or datetime.now(UTC).date()
    names = _site_names(sites)
    claims: list[Claim] = []
    last_sites: list[str] = []
    previous_named = False
    previous_who = ("", "")
    for sentence in split_sentences(text):
        # A dateline ("SEOUL (Reuters) -") names where the report was filed, not a site.
        named = match_sites(_DATELINE.sub("", sentence), names)
        activities = [a for a, p in ACTIVITIES.items() if p.search(sentence)]
        refers_back = previous_named or _REFERS_BACK.search(sentence)
        previous_named = bool(named)
        if not named and activities and last_sites and refers_back:
            named = last_sites[-1:]
        if named:
            last_sites = named
        if not activities or not named:
            continue
        window = resolve_dates(sentence, pub)
        if window is None:
            start, end = _span(pub - timedelta(days=DEFAULT_DAYS), pub)
            basis = f"no date in the sentence: the {DEFAULT_DAYS} days before publication"
        else:
            start, end, basis = window
        who, kind = _attribution(sentence)
        if not who and _PRONOUN_SAID.search(sentence):
            who, kind = previous_who
        previous_who = (who, kind)
        hedges = sorted(
            {m.group(0).lower() for m in HEDGES.finditer(sentence)}
            | {m.group(0) for m in _MAY.finditer(sentence)}
        )
        for site_id in named:
            for activity in activities:
                claims.append(
                    Claim(
                        activity=activity,
                        sentence=sentence,
                        site_id=site_id,
                        window_start=start,
                        window_end=end,
                        date_basis=basis,
                        attribution=who,
                        attribution_type=kind,
                        hedged=bool(hedges),
                        hedges=hedges,
                        source=source,
                        published=datetime(pub.year, pub.month, pub.day, tzinfo=UTC),
                    )
                )
    return claims
