"""Claims from published text: who says what activity happened where and when (rule-based).

Each sentence is matched against the watchlist (names and aliases, ignoring case,
spaces and hyphens: "Sanum-dong" finds Sanumdong), against activity patterns
(vehicle movement, construction/rebuilding, operating, launch preparation, test),
against attribution patterns (an agency, a think tank, an official, a news
outlet), and against hedging words ("may", "appears to", "reportedly"...).  Facility
names ("the engine test stand", "the launch pad") are masked first: they say where,
not what.
Each claim has a polarity (negative: "no signs of", "stopped", "dormant") and a
modality (observed, planned, possible, capable).  A sentence with an activity but no
site name inherits the last named site when it is in the same paragraph, follows a
sentence naming one (sentences with neither a place nor an activity in between do not
count), or refers back ("the site", "the launch pad", "there"); an
activity at "the factory" before any site is named goes to the site the next sentence
names; a sentence about a known place that is not watched (Punggye-ri, Kangson...)
stops the inheritance.  A wire dateline ("SEOUL, March 5 (Yonhap) --") is neither a
site, nor the activity's date, nor (unless nothing else is) the attribution.

Dates: explicit dates ("March 4, 2019", "Feb. 22", "2019-03-04", "March 2019", "since
March 1") and relative ones resolved against the publication date ("on Tuesday", "yesterday",
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
        r"\b(launch (preparations?|pad activity)|prepar\w* (for |to conduct |to )?(a |another )?"
        r"(satellite |rocket |missile )?launch|fuel(l)?ing|erect(ed|ing|or)|"
        r"on the (launch )?pad|"
        r"(?:conduct\w*|carr(?:y|ies|ied|ying) out) (?:[\w-]+ ){0,3}launch(?:es)?|"
        r"(?:pending|impending|imminent|upcoming|forthcoming|planned|possible|delayed|postponed) "
        r"(?:[\w-]+ ){0,3}launch|"
        r"launch (?:was |is |had been |has been )?(?:planned|scheduled|cancell?ed|postponed|"
        r"delayed)|"
        r"possibility of (?:a |an )?(?:[\w-]+ ){0,2}launch|"
        r"preps? for (?:a |the )?(?:[\w-]+ )?launch|"
        r"(?:placed|put|moved|installed|erected) (?:the |a |its )?(?:[\w-]+ )?"
        r"(?:rocket|missile|SLV|launch vehicle)s?\b|"
        r"(?:will|plans? to|planning to) (?:\w+ )?launch|stack(?:ed|ing)|into position|"
        # "preparing a long-range missile launch", "could launch a rocket", "vowed to launch",
        # "the announced launch window", "a ... rocket launch appears unlikely", "no sign of
        # preparations"
        r"prepar\w* (?:for )?(?:a|an|another|the) (?:[\w-]+ ){0,3}?launch(?:es)?\b|"
        r"(?:could|might|may) launch (?:a|an|the|another)\b|"
        r"(?:vow\w*|pledg\w*|promis\w*) to launch\b|launch windows?\b|"
        r"launch(?:es)? (?:[\w.-]+ ){0,2}?(?:appears?|seems?|looks?) (?:\w+ )?(?:unlikely|likely|"
        r"imminent)\b|(?:signs?|indications?) of (?:any )?(?:launch )?preparations?\b|"
        r"(?:launch vehicle|rocket|missile|SLV|stages?)s? (?:\w+ ){0,3}(?:loaded|mounted|installed|"
        r"placed)|preparations? (?:(?:may|might|could|appear to|seem to) )?(?:be |are |were |is )?"
        r"(?:at|under ?way)|preparations? (?:[\w-]+ ){0,4}?for (?:a |an |the )?"
        r"(?:[\w'\u2019-]+ ){0,3}"
        r"launch|prepar\w* to (?:fire|launch)\b|"
        r"(?:building|structure|shelter)s? (?:\w+ ){0,2}moved|"
        r"(?:delivery of|delivering) (?:fuel|oxidizer|propellants?)|"
        # "injecting fuel into its space rocket", "Fuel injection could begin", "supply the
        # rocket with fuel"
        r"inject\w* (?:[\w-]+ ){0,2}?fuel|fuel injection|"
        r"suppl\w* (?:the |a |its )?(?:rocket|missile)s? with fuel|"
        r"(?:fuel|oxidizer|propellant) (?:tanks?|containers?|delivery|trucks?)|"
        r"(?:fuel|oxidizer|propellants?) (?:was |were |had been |being )?(?:moved|transported|"
        r"delivered)|assemble (?:a |the )?(?:[\w-]+ ){0,2}rocket|"
        r"launch(?:es)? (?:will|would|could) be conducted|launch is (?:in the offing|imminent)|"
        # "such activity has occurred 1-2 weeks prior to a launch event"
        r"(?:prior to|ahead of) (?:a|an|the|its) (?:[\w-]+ ){0,2}?launch|"
        r"(?:rockets?|missiles?|launchers?) (?:is |are |was |were )?(?:present|visible|"
        r"being moved|moved to)|prevent\w* (?:[\w-]+ ){0,2}launch(?:es)?)\b",
        re.I,
    ),
    "test": re.compile(
        r"\b((missile|rocket|engine|nuclear|weapons?|static|ground|flight)[- ]tests?(ed|ing)?|"
        r"test[- ](fired|firing|launch(ed)?)|tested|test of|detonat\w*|"
        r"conduct\w* (?:\w+ ){0,2}tests?|test[- ]fir\w*|"
        r"fired (?:a |an |the |two |three )?(?:[\w-]+ ){0,2}(?:rocket|missile)s?|"
        r"(?:carried out|conducted) (?:a |an |the |another )?"
        r"(?:[\w\u201c\u201d\"-]+ ){0,3}tests?|tests? (?:\w+ ){0,2}(?:carried out|conducted|"
        r"taken place|took place|performed)|tests?, (?:\w+ ){0,2}(?:carried out|conducted)|test at|"
        r"testing|(?:engine|seconds?|prolonged|long) burn\b|combustion (?:tests?|experiments?)|"
        r"tests? (?:the|a|an|its) (?:[\w-]+ ){0,2}(?:rocket|missile|engine)s?\b|"
        r"(?:more|several|further|new) (?:[\w-]+ ){0,2}launches\b|"
        r"-based tests?|launched|launch exercises?|"
        r"(?:the|these|this|that|recent|next) (?:[\w-]+ )?launch(?:es)?\b|launch attempts?|"
        r"(?:latest|last) (?:[\w-]+ ){0,2}launch(?:es)?\b|"
        r"launches of\b|"
        r"of (?:[\w-]+ )?launches\b|"
        r"(?:the|this|that|its|an?) (?:[\w-]+ ){0,2}?tests?\b(?! (?:sites?|stands?|facilit))|"
        r"(?<!future )attempt(?:s|ed)? to launch|lift(?:s|ed)?[- ]?off|blast(?:s|ed)?[- ]off|"
        r"launch (?:attempts?|efforts?)|(?:rocket|missile)s? (?:[\w-]+ ){0,3}fired|"
        # how a launch ended: "the rocket launch ended quickly in failure", "a botched launch",
        # "the rocket disintegrated", "failed to enter its preset orbit", "the satellite was
        # fired from", "a launch of the ... missile"
        r"launch(?:es)? (?:[\w-]+ ){0,3}?(?:ended|failed|fizzled)\b|(?:failed|botched|unsuccessful|"
        r"aborted) (?:[\w-]+ ){0,2}launch(?:es)?\b|"
        r"(?:rocket|missile)s? (?:[\w-]+ ){0,2}?(?:disintegrated|exploded|splintered|"
        r"broke (?:up|apart)|split into)\b|"
        r"fail(?:ed|s)? to (?:enter|reach|achieve) (?:its |an? |the )?(?:[\w-]+ ){0,2}orbit|"
        r"(?:satellite|rocket|missile)s? (?:was|were) (?:fired|launched)\b|"
        r"\ba launch of (?:a|an|the|its) (?:[\w-]+ ){0,4}?(?:rockets?|missiles?|satellites?|"
        r"SLVs?)\b|"
        r"(?:placed|placing|put|sent|deploy\w*|entered) (?:[\w-]+ ){0,4}?(?:into|in) (?:its )?"
        r"(?:preset )?orbit|achieve\w* orbit|entered (?:its |an? |the )?(?:[\w-]+ ){0,2}orbit|"
        r"(?:burn(?:ed|t)|scorched|dead) vegetation|"
        r"vegetation (?:die-off|burn\w*)|(?:ground )?scarring|scorch marks?|"
        r"(?:launch(?:ed|ing)|(?:tri(?:ed|es)|try(?:ing)?|failed)(?: \w+){0,2} to launch) "
        r"(?:a|an|the|its|their) (?:[\w-]+ ){0,3}(?:satellite|"
        r"rocket|missile|"
        r"SLV|ICBM|projectile)s?|"
        r"fir(?:ed|ing) (?:a |an |the |two |its )?"
        r"(?:[\w-]+ ){0,3}(?:rockets?|missiles?|projectiles?)|"
        r"trajectory|capab\w* (?:\w+ ){0,2}(?:to test|of testing)|"
        r"prepar\w* for (?:a |an |another )?(?:\w+ )?"
        r"tests?)\b",
        re.I,
    ),
    "vehicle movement": re.compile(
        r"\b((cargo |military |large |heavy )?(vehicles?|trucks?|convoys?|transporters?|"
        r"TELs?|trailers?|railcars?|tankers?|containers?|(?<!to )trains?)\b.{0,60}\b(mov\w*|"
        r"arriv\w*|"
        r"depart\w*|seen|spotted|parked|observed|gather\w*|around|near|on|at|outside|enter\w*|"
        r"leav\w*|"
        r"coming|going|remain\w*|visible|captured|present|close to|next to|pull\w* up)|"
        r"movements? of|"
        r"movements? (?:have been |has been |were |was )?(?:observed|seen|detected|spotted) "
        r"(?:at|near|around|in)\b|"
        r"(?:shows?|showed|see|saw|seen) (?:just |only )?(?:a |an |one |two |three |several |"
        r"multiple |\d+ )?(?:[\w-]+ )?(?:vehicles?|trucks?)\b|"
        r"transport(?:ing|ed)? (?:the |its )?(?:[\w-]+ ){0,2}(?:rods|fuel|material|equipment|"
        r"cargo)|"
        r"arrival of|movements? (?:around|at|near|inside|outside|in and out of) (?:the|a|an|its)\b|"
        r"vehic(?:le|ular) (?:[\w-]+ ){0,3}?(?:movements?|activit(?:y|ies)|traffic|tracks)|"
        r"(?:material|materials|fuel|equipment) (?:was|were|being|had been) (?:\w+ )?moved|"
        r"(?:vehicle |unusual |truck )?traffic|(?:their|its) movements?|"
        r"transfer of (?:[\w-]+ ){0,2}(?:material|fuel|equipment|cargo)|"
        r"(?:inbound|outbound) shipments?|shipments? of|(?:tire|tyre|wheel) tracks|"
        r"(?:noticed|spotted|observed|detected|saw) (?:[\w,-]+ ){0,4}?(?:vehicles?|trucks?|"
        r"containers?|railcars?|trailers?)\b|"
        r"unload\w* (?:[\w-]+ ){0,2}?(?:materials?|cargo|equipment))",
        re.I,
    ),
    "construction/rebuilding": re.compile(
        r"\b(rebuil\w*|reconstruct\w*|construct\w*|build(ing|s)? (a |new )|new (?:[\w-]+ ){0,2}?"
        r"(buildings?|structures?)|built in \d{4}|installation of|refurbish\w*|dug|digging|"
        r"foundations? (?:for|of) (?:a |an |another |the )?(?:new )?(?:building|structure)|"
        r"expan\w*|restor\w*|reassembl\w*|dismantl\w*|excavat\w*|renovat\w*|"
        r"renew(?:s|ing|al)? (?:a |an |the |its |of )(?!(?:panel|mandate|resolution|sanctions|"
        r"agreement|call|pledge|commitment)\b)|raz(?:e|ed|ing)|reconstitut\w*|disassembl\w*|"
        r"scrap(?:ped|ping)|to scrap\b|disabl(?:e|es|ed|ement|ing)|completion of|trenching|"
        # work done, under way or going on: "work was carried out at", "Work has also been
        # ongoing", "Work is also continuing at"
        r"work (?:on|at)\b|work (?:(?:has |had |was |is )?(?:been )?(?:done|carried out|performed) "
        r"(?:at|on)|(?:has |had |is |was )?(?:also )?(?:been )?ongoing|"
        r"(?:is |was |has been )?(?:also )?continu\w*)|"
        r"put (?:\w+ ){0,4}back|"
        r"putting back|(?<!state of )repairs?|repairing|(?:externally|nearly|almost) complete|"
        r"nearing completion|install(?:ation|ing|ed)? (?:of )?(?:roof|equipment|new)|"
        r"(?:has been|have been|was|were|been) completed|"
        r"(?:new|restoration|construction|repair|ongoing|continuing|continued) work|"
        r"(?:moves?|moving|proceed\w*) (?:to|toward|towards) completion|"
        r"(?:(?:is|are|was|were) )?being (?:built|constructed|erected)|"
        r"(?:significant|notable|major|visible|substantial) changes? (?:at|to|on)\b|"
        r"install(?:ed|ing)\]? (?:a |an |the )?(?:[\w-]+ )?(?:cover|roof|shelter|canopy)|"
        r"(?:has|have|had|was|were|been) set up|"
        r"moderni[sz]\w*(?! (?:the |its |their )?(?:country's |nation's )?"
        r"(?:military |defen[cs]e |nuclear )?(?:capabilit|forces|arsenal))|development project|"
        r"upgrad\w*|improvements?|dredging|addition of|"
        r"new (?:launch pads?|tunnels?|piers?|roads?)|ongoing development|unchanged|"
        r"(?:has |have |had |was |were |been )(?:\w+ly )?"
        r"(?:built|completed|finished|erected|enlarged|extended)|"
        r"completed (?:a |an |the |its )?"
        r"(?:[\w-]+ ){0,3}(?:tower|building|pad|road|hall|structure)|"
        r"(?:basically |largely |now )?finished|demoli\w*|destr(?:oy|oyed|oying|uction)|"
        r"changes to (?:the |this |its |that )?(?:[\w-]+ )?(?:building|structure|facility|"
        r"infrastructure|system)|fabricat\w* (?:of )?(?:[\w-]+ ){0,2}components\b|"
        r"(?:parts?|components?) assembly\b|transfer of (?:[\w-]+ ){0,2}(?:parts|components)\b|"
        r"(?:alter|modifi|modify)\w* (?:the |its |a )?(?:[\w-]+ ){0,2}(?:roof|structure|building|"
        r"bunker|wall|tower|gantry)s?|changes? (?:in|to) (?:the |its )?(?:[\w-]+ ){0,2}?roof|"
        r"(?:blown|blew) up|t(?:orn|ore|earing) down|"
        r"(?:work|construction|excavation) (?:has been |had been |is |was |are |were )?under ?way|"
        r"doubled in size|enlarg\w*|extension|(?:re)?pav(?:ed|ing)|new additions?|"
        r"cranes? (?:can be |could be |were |are |is |was )?(?:seen|visible|observed|present|"
        r"around|erected)|stripped off|(?:roof(?:ing)?|walls?) (?:was |were |has been |had been )?"
        r"(?:stripped|removed|added|installed)|"
        r"(?:beams?|trusses|girders|dome|roof|steel structure|scaffold\w*|tower)\b.{0,80}?\b"
        r"(?:placed|"
        r"installed|lifted|raised|erected|mounted|emplaced|put in place)|"
        r"(?:put|placed|hoisted|lifted) (?:a|the) (?:[\w-]+ ){0,2}dome|"
        r"(?:it|they) (?:is|are|was|were) building|working on (?:a|the) new|"
        r"progress (?:[\w-]+ ){0,4}?towards? (?:the )?(?:operationali[sz]ation|completion)|"
        r"(?:could|would|will|to) be (?:completed|finished|built)|"
        r"new (?:bridges?|rail (?:spurs?|lines?)|railways?)|"
        r"(?:new|future|second|parallel) (?:[\w-]+ ){0,3}(?:quays?|jett(?:y|ies)|wharf|piers?|"
        r"seaports?)|(?:has|have) been added|grading|modifications? (?:to|of)|"
        r"progress in (?:the )?(?:building|construction)|"
        r"progress (?:[\w\u201c\u201d\"-]+ ){0,6}?on (?:a|an|the) new\b|"
        r"develop(?:ing|ment of) (?:the |its )?(?:[\w-]+ ){0,3}(?:site|facility|complex|station)|"
        r"(?:covered|topped|capped) with (?:the |a |its )?(?:dome|roof)|"
        r"(?:concrete|foundations?)(?: slabs?)? (?:had been |has been |was |were |being )?poured|"
        r"revamp\w*|(?:build|builds|building|built) out\b|"
        r"switchyard|earth[- ]?moving|earthworks?|roofless|"
        r"additions? to (?:the |its )?(?:[\w-]+ ){0,2}(?:infrastructure|facilit(?:y|ies)|complex|"
        r"buildings?)|"
        r"roof(?:ing)? (?:of (?:[\w-]+ ){1,12}?)?(?:was|were|has been|had been) "
        r"(?:stripped|removed)|"
        r"remains? (?:pretty much |largely |essentially )?the same)\b",
        re.I,
    ),
    "operating": re.compile(
        r"\b(operat(?:e|es|ing|ions?|ional|ed)|(kept|keep|keeps|remain\w*) (running|active|"
        r"operating)|smoke clouds?|(?:putting|puts|put|giving|gives|gave) (?:out|off) "
        r"(?:[\w-]+ ){0,2}(?:smoke|steam|vapou?r)|ramp(?:ed|ing)? up|undergoing maintenance|"
        r"functioning|active since|in operation|producing|production|enrich\w*|reprocess\w*|"
        r"dormant|idle|inactive|functional|resum\w*|restart\w*|reviv\w*|manufactur\w*|decommission\w*|"
        r"suspen(?:ded|sion)|shut(?:ting)?[ -]?down|mothball\w*|"
        r"(?:is|are|was|were|been) closed|closure of|"
        r"(?:re)?introduc\w* (?:\w+ )?nuclear material|"
        r"commission\w*|test-run\w*|running|(?:come|came|brought) online|"
        r"produc(?:e|es|ed) (?:[\w-]+ ){0,4}(?:plutonium|uranium|fissile|material|HEU|LEU)\b|"
        r"in full swing|"
        r"discharges? (?:was|were|is|are|has been|had been) (?:also )?"
        r"(?:detected|observed|seen|spotted)|"
        r"(?:liquid |water |steady )?effluent|generat\w* (?:[\w-]+ ){0,4}plutonium|"
        r"burning of (?:the )?(?:uranium |nuclear )?fuel|"
        r"(?:unload|remov|extract|dump|discharg)\w* (?:[\w,]+ ){0,3}?(?:spent |used )?fuel rods|"
        r"shutter\w*|re-open\w*|re-start\w*|(?:went|go|goes|gone|going) (?:back )?online|"
        r"power(?:ed|ing)? (?:down|off)|"
        r"signatures? (?:\w+ )?(?:are |is |were |was )?(?:missing|absent)|"
        r"(?:been|was|were|is|are|remains?|remained) frozen|"
        r"(?:white |black )?smoke (?:coming|rising|billowing|wafting|emanating|drifting)|"
        r"(?:smoke|steam|plumes?|vapou?r) from (?:the |its |a )?(?:[\w-]+ ){0,2}?(?:chimneys?|"
        r"stacks?|smokestacks?|cooling towers?)\b|(?:is|are|was|were) being maintained\b|"
        r"closed (?:down )?(?:the|its|a) (?:[\w-]+ ){0,2}?(?:reactors?|plants?|facilit(?:y|ies))\b|"
        r"(?:infrared|thermal) (?:sensors?|"
        r"signatures?|anomal\w+)|heat signatures?|"
        r"start(?:s|ed|ing)?(?: up)? (?:the |its |a )?(?:[\w-]+ )?(?:reactor|reprocessing)|"
        r"(?<!the )extract\w* (?:[\w-]+ ){0,4}?plutonium|"
        r"(?:spent|used) fuel (?:rods )?(?:that |which )?"
        r"(?:was |were |had been |has been )?(?:unloaded|removed|extracted|reprocessed)|"
        r"(?:is|are|remains?) [\u201c\"]?active|ice[- ]free|ice melt\w*|snow melt\w*|thawed|"
        r"spent fuel (?:rods )?(?:have been |has been |were |was )?(?:transferred|removed|"
        r"unloaded)|"
        r"(?:the|this|new|renewed|recent|unusual|increased|continued|continuing|ongoing) "
        r"activit(?:y|ies)|reactivat\w*|reopen\w*|replenish\w*|exhaust plumes?|"
        r"smoke (?:emissions?|emitting|plumes?)|melted snow|snow (?:had )?melted|"
        r"steam (?:rising|venting|vented|coming)|"
        r"(?:columns?|plumes?|curl) of steam|(?:warm|hot) water|"
        r"uptick in activity|levels? of (?:[\w-]+ )?activity\b|"
        r"(?:been|was|were|is|are|remains?|remained|gone|went|taken) offline|"
        r"(?:showed|shows|show|reported|spotted|seen|observed|detected) steam|steam at|"
        r"(?:water|coolant)\b.{0,30}?\bdischarg\w*|(?:increasingly|more|highly|very) active|"
        r"bright (?:lights?|spots?)|light sources?|(?:nighttime|night-time|late-night) activit\w*|"
        r"(?:campaign|effort)s? to (?:separate|extract|reprocess)|"
        r"activit(?:y|ies)[\u201d\"]? (?:[\w\u201c\u201d\"-]+ ){0,5}?(?:at|near|around|in|on|"
        r"throughout|related to|associated with|involving)|[\w-]+-related activit(?:y|ies)|"
        r"plumes? of (?:exhaust |white )?(?:steam|smoke|vapou?r)|"
        r"heating (?:of )?(?:their |the |its )?buildings?|(?:stack|chimney|exhaust) emissions?|"
        r"venting|(?:heat|thermal) patterns?|start-?up (?:date |of )|"
        r"(?:plutonium|uranium) separation|"
        r"(?:building|assembling|to build) (?:[\w-]+ ){0,6}(?:missiles?|ICBMs?|"
        r"rockets?)|(?:steam|vapou?r) (?:plumes?|discharges?|emissions?)|(?:cooling )?water "
        r"(?:discharges?|being discharged|outflow)|"
        r"(?:discharges?|release|outflow) of (?:\w+ )?water|"
        r"hot water|"
        r"foam (?:discharges?|reappear\w*|(?:was |is |were |are )?(?:present|visible|observed|"
        r"seen))|"
        r"personnel (?:\w+ ){0,3}(?:observed|seen|visible|present|activity))\b",
        re.I,
    ),
}

#: Names of facilities, not activities: "the engine test stand", "the launch pad", "the
#: uranium enrichment plant" say where, not what happened (masked before the activity
#: patterns are matched).
FACILITY_NOUNS = re.compile(
    r"\b(?:(?:vertical |rocket |missile )?engine |rocket |missile )?test (?:stands?|sites?|"
    r"facilit(?:y|ies)|pads?|ranges?)\b|"
    r"\b(?<!new )launchpads?\b|"
    r"\b(?<!new )launch(?:ing)? (?:pads?|stations?|sites?|facilit(?:y|ies)|towers?|complex(?:es)?|"
    r"gantr(?:y|ies))\b|"
    r"\bconstruction (?:support )?(?:yards?|areas?|sheds?)\b|"
    r"\b(?:uranium )?enrichment (?:plants?|facilit(?:y|ies)|complex(?:es)?|sites?|"
    r"buildings?|halls?|centrifuges?|cascades?)\b|"
    r"\breprocessing (?:plants?|facilit(?:y|ies)|buildings?)\b|"
    r"\b(?:production|assembly) (?:halls?|buildings?|facilit(?:y|ies)|plants?|lines?)\b",
    re.I,
)

#: Negation: the activity is said not to happen ("no signs of", "stopped", "dormant").
NEGATION = re.compile(
    r"\b(no (?:[\w-]+ ){0,3}?"
    r"(?:activit(?:y|ies)|signs?|evidence|indications?|indicators?|movements?|"
    r"tests?|launch(?:es)?|preparations?|operations?|scarring|"
    r"vehicles?|work|construction|changes?|rockets?|missiles?|steam|water|discharges?|"
    r"emissions?|venting|smoke|plumes?|(?:heat )?signatures?|deviations?|anomal(?:y|ies))|"
    r"no (?:[\w-]+ ){0,3}(?:has|have|was|were|is|are) (?:yet )?(?:been )?(?:observed|detected|"
    r"seen|spotted|visible)|not (?:yet )?(?:capable|operational|functional|ready|able)|"
    r"precludes?|prevent(?:s|ed|ing)?|zap(?:s|ped|ping)?|"
    r"(?:extremely |highly |very )?unlikely that|doubts? (?:about|over)|not at all|"
    r"difficult(?:y|ies) (?:in )?operating|decommission\w*|unchanged|died down|slowed down|"
    r"wound down|tapered off|(?:came|comes|come|coming) to a (?:halt|standstill)|"
    r"(?:is|are|was|were|seems?|looks?|appears?) (?:\w+ )?unlikely|"
    r"not appear to (?:have been |be )?|not indicative of|"
    r"remains? (?:pretty much |largely |essentially )?the same|"
    r"not (?:been |be |yet )?(?:\w+ed|operating|active|running)|"
    r"(?:has|have|had|did|does|do|is|are|was|were)n't|(?:has|have|had|did|does|do|is|are|"
    r"was|were) not|never|stopped|halted|suspended|ceased|shut (?:it |down)|shut-?down|"
    r"shutting down|shutter\w*|terminat\w*|(?:been|was|were|is|are|remains?|remained) frozen|"
    r"(?:is|are|was|were|been) closed|closure|"
    r"closed (?:down )?(?:the|its|a) (?:[\w-]+ ){0,2}?(?:reactors?|plants?|facilit(?:y|ies))|"
    r"no longer|power(?:ed|ing)? (?:down|off)|missing|absent|absence of|den(?:y|ies|ied) that|"
    r"(?:been|was|were|is|are|remains?|remained|gone|went|taken) offline|"
    r"(?:has|have|had) yet to be|mothball\w*|"
    r"campaign (?:[\w-]+ ){0,8}?(?:be |been |is |was )?(?:finished|over|completed|ended)|"
    r"none (?:has|have|was|were) been (?:observed|seen|detected|spotted)|"
    r"little (?:to no )?(?:activity|signs?)|nothing (?:to indicate|to suggest|indicat\w*|"
    r"suggest\w*)|"
    r"(?:chose|chosen|decided|opted) not to|cancell?ed|called off|"
    r"(?:forced|forcing|ordered|obliged) (?:[\w-]+ ){0,3}?to (?:suspend|stop|halt|cease|abandon)|"
    r"ruled out|(?:low|slim|little) (?:possibility|likelihood|probability|chance)|"
    r"not (?:much|many) (?:[\w-]+ ){0,2}?(?:activit(?:y|ies)|movements?|signs?|work|change)|"
    r"(?<!once-)(?<!once )(?<!formerly )dormant|idle|inactive|without any|"
    r"(?:has|have|had|was|were|is|are|been|remains?|remained) (?:long |largely )?abandoned|"
    r"without (?:actually )?(?:conducting|carrying out|doing|performing))\b",
    re.I,
)
#: How sure the sentence is that the activity happens: planned, possible or capable
#: (else observed); the first that matches wins, in this order.
MODALITY: list[tuple[str, re.Pattern[str]]] = [
    (
        "capable",
        re.compile(
            r"\b(capable of|capability to|able to|"
            r"can (?:reach|produce|generate|strike|hit|carry|launch)"
            r"|(?:can|could) be (?:used|modified|adjusted|converted) to"
            r"|if (?:it is |they are )?\w+ed)\b",
            re.I,
        ),
    ),
    (
        "planned",
        re.compile(
            r"\b(plans? to|planning to|intends? to|is expected to|are expected to|"
            r"agree[sd]? to|offer(?:s|ed)? (?:to|\w+ing)|pledge[sd]? to|promise[sd]? to|"
            r"vow(?:s|ed)? to|willing to|intention to|suggested \w+ing|proposed \w+ing|"
            r"will (?:be )?\w+|scheduled to|prepar\w* to)\b",
            re.I,
        ),
    ),
    (
        "possible",
        re.compile(
            r"\b(could|might|may|possibl[ey]|potential(?:ly)?|likely|sign of|signs? that)\b"
        ),
    ),
]

#: "may" is matched in lower case only, so the month May is not a hedge.
_MAY = re.compile(r"\bmay\b")
HEDGES = re.compile(
    r"\b(might|could|appears?|appeared|seems?|seemed|suggests?|suggested|possibl[ey]|"
    r"likely|reportedly|believed|apparent(ly)?|indicat\w*|allegedly|probabl[ey])\b",
    re.I,
)

#: An organisation's name: up to 8 words, starting at a word's start.  Both bounds keep
#: matching linear in the text's length (no backtracking over long runs of capitals).
_ORG_WORD = r"[A-Z0-9][\w.'\u2019&-]*"
_ORG_BODY = (
    r"(?<![\w.'\u2019&-])" + _ORG_WORD + r"(?:\s+(?:of|for|and|the|" + _ORG_WORD + r")(?!\w)){0,8}"
)
_ORG = f"({_ORG_BODY})"
#: A speaker's noun after its name ("Beyond Parallel analysts", "South Korean media").
_SPEAKER_NOUN = (
    r"(?:(?:['\u2019]s?)?(?:\s+(?:nuclear|atomic|state|top|senior|chief|defen[cs]e|foreign|"
    r"unification))?\s+(?:analysts|"
    r"researchers|experts|officials?|diplomats?|envoy|negotiator|chief|director|head|programm?e?|"
    r"website|report|statement|media|newspapers?|(?i:news agency|agency)|watchdog|ministry|"
    r"television|TV|radio|"
    r"intelligence|"
    r"(?:analysis\s+|monitoring\s+|research\s+)?group|blog|"
    r"military|government|spokes(?:man|woman|person))(?!\s+[A-Z]))?"
)
#: Who an anaphor ("the website said", "it added") points back to: the last speaker named.
_ANAPHOR = re.compile(
    r"(?:^|[,\u201d\"]\s*)(?:the|The) (?:(?:U\.S\.|US|American|UN|U\.N\.) )?(?:website|report|"
    r"group|think tank|institute|agency|analysis|assessment|study|"
    r"newspaper|outlet|watchdog|monitor|briefing|statement|academy|document|organi[sz]ation)\b"
    r"(?:\s+\w+){0,8}?\s+"
    r"(?:said|says|added|noted|argued|reported|shared|assess(?:ed|es)|jots|stressed|reads|"
    r"highlight(?:s|ed)|"
    r"(?:has |have )?not ruled out|concluded|admitted|claimed|warned|cautioned|wrote)\b|"
    r"\b(?:said|says|added|noted) the (?:website|report|group|think tank|institute|agency|"
    r"analysis|study|newspaper|outlet|watchdog|monitor|organi[sz]ation)\b|"
    r"\b(?:it|It) (?:also )?(?:said|says|added|noted|concluded|argued|reported|"
    r"pointed (?:to|out))\b|"
    r"\b[Aa]ccording (?:to )?(?:the|\w+'s|\w+\u2019s) "
    r"(?:report|briefing|statement|agency|website|group|"
    r"article|analysis)\b"
)
#: Adverbs between a speaker and the verb ("Voice of America earlier reported").
_ADVERB = (
    r"(?:also|earlier|previously|recently|later|further|has|have|had|both|all|on\s+\w+day|"
    r"on\s+[A-Z][a-z]+\.?\s+\d{1,2}|in\s+[A-Z][a-z]+|allegedly|reportedly|publicly|"
    r"separately|officially|repeatedly)\s+"
)
_SAYS = (
    r"(?:said|says|say|reported|reports|showed|shows|told|noted|assess(?:ed|es)|estimated|detected|"
    r"found|"
    r"observed|concluded|argued|suggest(?:s|ed)?|speculated?|added|revealed|spotted|believes?|"
    r"presented|announced|confirmed|warned|stated|determined|briefed|expressed|released|"
    r"commented|spoke|called for|admitted|denied|denies|linked|urged|made the announcement|"
    r"informed|claimed|claims|predicts|predicted|forecasts?|wrote|writes|explained|stressed|"
    r"ran (?:a|an) (?:[\w-]+ )?(?:article|report|story|editorial)|"
    r"(?:was|were|has been|have been) quoted|"
    r"shared exclusively|issued an? (?:\w+ )?(?:assessment|statement|report)|"
    r"made (?:the|these|those|his|her|its) (?:remarks|comments)|"
    r"delivered (?:a|an|the|his|her|its) (?:[\w-]+ ){0,2}statement)"
)
ATTRIBUTION = [
    # A headline that names its source after a colon ("N. Korea finished work on ...: 38 North")
    re.compile(
        r"^[^.:;\n]{10,200}:\s+((?:[A-Z0-9][\w.'\u2019&-]*\s+){0,3}(?:North|Parallel|News|Times|"
        r"Post|Institute|Agency|Monitor|Ministry|Yonhap|Reuters|AFP|AP|VOA|NHK|KBS|CNN|IAEA|NIS|"
        r"CSIS|KCNA|Seoul|Washington|Tokyo|Beijing|Moscow))\s*$"
    ),
    # A headline that names its source before a colon ("VOA: Buildings Spotted Near ...")
    re.compile(
        r"^((?!(?:NOTE|UPDATE|VIDEO|PHOTOS?|WATCH|BREAKING|LIVE|READ|ALSO|EXCLUSIVE)\b)[A-Z]{2,6}|"
        r"\d{1,3} [A-Z][a-z]+):\s+\S"
    ),
    # "A weapons expert, Jeffrey Lewis at the Middlebury Institute, told CNN"
    re.compile(
        r"\b(?:[Aa]n?|[Tt]he) (?:[\w-]+ ){0,3}?(?:expert|analyst|researcher|scientist|specialist|"
        r"official|professor|fellow), ([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){1,3})"
        r"(?:\s+(?:at|of|from|with)\s+[^,;\u201c\u201d\"]{3,80})?,\s+(?:told|said|says)\b"
    ),
    # "analysts Joseph S. Bermudez Jr., Frank Pabian and Jack Li stated" (up to ten names:
    # an unbounded list made a long run of "Aa Bb, " quadratic)
    re.compile(
        r"((?<![\w.'-])[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){1,3}(?:,\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)"
        r"{0,3}){1,8},?\s+and\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s+(?:"
        + _ADVERB
        + r")*(?:said|say|says|stated|wrote|noted|reported|found)\b"
    ),
    # "Suh Hoon, the NIS chief, said"; "Joseph S. Bermudez Jr., a senior fellow ..., told NPR"
    re.compile(
        r"((?<![\w.'-])[A-Z0-9][\w.'-]*(?:\s+(?:(?:of|for|and|the)\s+)?[A-Z][\w.'-]*){1,5}),\s+"
        r"[^,;\u201c\u201d\"]{3,120}?"
        r"(?:,\s+[^,;\u201c\u201d\"]{1,40}?)?,"
        r"\s+(?:"
        + _ADVERB
        + r")*(?:said|says|told|added|noted|outlined|presented|revealed|announced|"
        r"stated|explained|claims|claimed|concluded|found|assessed|confirmed|believes?|"
        r"warned|reported|expressed|spoke|commented|(?:was|were) quoted)\b"
    ),
    # "South Korea's military, which tracked the launch, also confirmed"
    re.compile(
        "("
        + _ORG_BODY
        + _SPEAKER_NOUN
        + r"),\s+(?:which|who|citing)\s+[^,;]{3,120}?,\s+(?:"
        + _ADVERB
        + ")*"
        + _SAYS
        + r"\b"
    ),
    # "a spokesperson for North Korea's Academy of National Defense Science announced"
    re.compile(
        r"\b((?:spokes(?:man|woman|person)|official|director|chief|head)\s+(?:for|of|at|from)\s+"
        r"(?:the\s+)?"
        + _ORG_BODY
        + _SPEAKER_NOUN
        + r")(?:\s*\([A-Z]{2,6}\))?\s+(?:"
        + _ADVERB
        + ")*"
        + _SAYS
        + r"\b"
    ),
    # "nuclear envoy Chun Yung-woo called the shutdown a milestone"
    re.compile(
        r"\b(?:envoy|minister|spokes(?:man|woman|person)|negotiator|ambassador)\s+"
        r"((?:[A-Z][\w'-]+\s+){1,2}[A-Z][\w'-]+)\s+(?:said|says|told|called|described|added|"
        r"claimed|claims|noted)\b"
    ),
    # "Pyongyang, however, announced in early April"
    re.compile(
        r"^((?:[A-Z][\w.'-]*\s+){0,3}[A-Z][\w.'-]*),\s+(?:however|meanwhile|in turn|"
        r"for (?:its|his|her|their) part),\s+(?:also\s+)?(?:said|says|announced|claimed|claims|"
        r"insisted|insists|stated|declared|reported)\b"
    ),
    # "Research being published on the institute's website, 38 North, says"
    re.compile(
        r"\b(?:website|blog|group|think[- ]tank|monitor)\s*,\s+(" + _ORG_BODY + r"),\s+(?:also\s+)?"
        r"(?:says|said|reports|reported|notes|noted)\b"
    ),
    # "38 North, an American website devoted to the matters linked to the regime, analyzed"
    re.compile(
        r"((?<![\w.'-])[A-Z0-9][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}),\s+(?:a|an|the)\s+[^,;]{3,60}?\b"
        r"(?:group|website|think[- ]tank|institute|monitor)\b[^,;]{0,60},\s+(?:analy[sz]ed|studied|"
        r"examined|reviewed)\b"
    ),
    # "One of the report's authors, Victor Cha, said"
    re.compile(
        r"(?:^|,\s+)(?:the\s+[a-z-]+['\u2019]s\s+|the\s+)?([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){1,3}),"
        r"\s+(?:also\s+)?(?:said|says|told|added|noted|released|"
        r"revealed|reported|stated|explained|warned|claimed)\b"
    ),
    # "... ,\u201d read a joint statement"; "stated the North Korean news agency KCNA."
    re.compile(
        r"\b(?:read|reads|said|says|stated)\s+(?:a|an|the)\s+((?:joint\s+)?(?:statement|"
        r"declaration|report|agreement))\b"
    ),
    re.compile(
        r"\b(?:[Tt]he|[Aa]n?)\s+((?:[A-Z][\w.'-]*\s+){0,3}(?:joint\s+)?(?:statement|declaration|"
        r"agreement|document))\s+(?:that\s+)?(?:read|reads|said|says|stated|added)\b"
    ),
    re.compile(
        r"\b(?:said|says|stated|reported|added)\s+(?:the\s+)?(?:[\w'\u2019-]+\s+){0,4}?"
        r"(?:news agency|agency|media|newspaper|outlet)\s+(" + _ORG_BODY + r")(?=\s*(?:[.,;]|$))"
    ),
    # "A researcher at the Middlebury Institute told NHK"; "An independent analyst who has
    # seen imagery of the site said yesterday"
    re.compile(
        r"\b((?:[Aa]n?\s+|[Tt]he\s+)?(?:[a-z-]+\s+)?(?:researcher|analyst|expert|scientist|"
        r"official|source)"
        r"(?:\s+(?:at|with|from)\s+(?:the\s+)?"
        + _ORG_BODY
        + r")?)(?:\s+(?:who|familiar with|close to)\s+[^,.;]{0,60}?|"
        # "The official, speaking on condition of anonymity, told AFP"
        r",\s+(?:speaking|asking|requesting|declining)\b[^,.;]{0,60},)?\s+"
        r"(?:also\s+|yesterday\s+|today\s+)?(?:said|told|says)\b"
    ),
    # "Grossi provided no further details but said"; "In a letter to ElBaradei on Friday,
    # North Korea demanded ... and announced"
    re.compile(
        r"^(?:[^,]{0,60},\s+)?((?:[Tt]he\s+)?(?:authors|researchers|analysts|experts)|"
        + _ORG_BODY
        + r")(?<!['\u2019]s)\s[^.;]{0,120}?\b(?:and|but)\s+(?:also\s+)?"
        r"(?:said|told|noted|announced|added)\b"
    ),
    # "North Korea alarmed the world Saturday with an announcement it was beginning to reprocess"
    re.compile(
        r"^(" + _ORG_BODY + r")\s[^.;,]{0,80}?\bwith (?:an|its|a) (?:[\w-]+ )?announcement\b"
    ),
    # "North Korea also unveiled a uranium enrichment plant ..., saying that it was enriching"
    re.compile(r"^(" + _ORG_BODY + r")\s[^.;]{0,120}?,\s+saying\b"),
    # "Lawmakers briefed by Seoul's intelligence service said"
    re.compile(
        r"^((?:[A-Z][\w'.-]*\s+){0,3}(?i:lawmakers|officials|analysts|experts|researchers|"
        r"sources|diplomats|technicians|engineers|scientists|inspectors|authorities))\b"
        r"[^.;]{0,120}?\b(?:said|say|says|told|insisted|suspect|suspected|pointed out|judged)\b"
    ),
    # "KCNA quoted a spokesman at its atomic energy agency as saying"
    re.compile(_ORG_BODY + r"\s+quoted\s+((?:a|an|the)\s+[^.;]{0,80}?)\s+as\s+saying"),
    re.compile(r"\bquoted\s+((?:the\s+)?[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s+as\s+saying"),
    # "NHK television network quoted Japanese defence officials who said"
    re.compile(
        r"\bquoted\s+((?:[A-Z][\w.'-]*\s+){0,3}(?:[a-z-]+\s+){0,2}?(?:officials?|sources?|experts|"
        r"analysts|spokes(?:man|woman|person)))\s+(?:who\s+said|as\s+saying)\b"
    ),
    re.compile(
        r"((?:(?<![\w.'-])[A-Z][\w.'-]*\s+){0,3}(?:spy|intelligence|defen[cs]e|foreign|"
        r"unification|state|news|military|nuclear)\s+(?:agency|service|ministry|media|outlet|"
        r"authorities|officials?|watchdog)(?:\s+\([A-Z]{2,6}\))?)\s+(?:also\s+|has\s+|have\s+)?"
        r"(?:said|says|told|reported|reports|assessed|believes?|was quoted|were quoted|detected|"
        r"spotted|noted|confirmed|confirms)\b"
    ),
    re.compile(
        r"((?:(?<![\w.'-])(?:[A-Z][\w.'-]*|the|nuclear|atomic|agency|intelligence|military|"
        r"government|defen[cs]e|senior|state|foreign|administration|security|news|"
        r"international|local|anonymous|unnamed|high-ranking|vice|deputy|prime)\s+){0,4}"
        r"(?:officials?|sources?|analysts|"
        r"diplomats?|experts|lawmakers|chief|director|inspectors?|insiders?|ministers?|president|"
        r"researchers|authors|spokes(?:man|woman|person)))"
        # "independent foreign sources who analyzed commercial satellite images have speculated"
        r"(?:\s+who\s+[^,.;]{0,60}?(?=\s+(?:have|has)\s))?"
        r"\s+(?:also\s+|have\s+|has\s+|worldwide\s+|"
        r"here\s+|\w+ly\s+|later\s+|earlier\s+){0,2}(?:said|say|says|told|suspect|suspected|"
        r"speculated|"
        r"pointed (?:out|to)|stated|"
        r"issued|confirmed|(?:have |has )?seen|concluded|"
        r"insisted|indicated|suggested|admitted|wrote|writes?|added|"
        r"reported|reports|"
        r"believe|"
        r"think)\b"
    ),
    re.compile(
        r"\b[Aa]ccording to (?:the |a |an |its |their )?((?:(?:senior|unnamed|unidentified|"
        r"anonymous)\s+)?"
        r"(?:U\.S\.|US|American|South Korean|Japanese|Western)?\s*(?:government|military|"
        r"intelligence|administration|defen[cs]e|research|monitoring)?\s*(?:"
        r"(?:state(?:-run)?|official)\s+(?:news\s+agency|media)|officials?|sources?|"
        r"analysts|experts|group|website|think[- ]tank|institute|news\s+agency|newspaper)"
        r"(?:\s+" + _ORG_BODY + r")?)\b"
    ),
    re.compile(
        r"\b[Aa]ccording (?:to )?(?:the |a )?(?:(?:US|U\.S\.|American|South Korean)\s+)?"
        r"(?:(?:[\w-]+\s+){0,3}?(?:think[- ]tank|website|group|monitor|institute)\s+)?"
        + r"(?:(?:senior|unnamed|unidentified|anonymous|state(?:-run)?|official)\s+)?("
        + _ORG_BODY
        + _SPEAKER_NOUN
        + ")"
    ),
    # "According to the military, Pyongyang started restoring the site"
    re.compile(
        r"\b[Aa]ccording to the ((?:(?:South|North) Korean |U\.S\. |US |American |Japanese )?"
        r"(?:military|government|ministry|authorities|army|navy|air force))\b"
    ),
    # "according to a recent report from a U.S. think tank"
    re.compile(
        r"\b[Aa]ccording to (?:(?:a|the) )?(?:recent |new |latest )?"
        r"(?:report|analysis|findings|assessment|estimates?)"
        r" (?:from|by|(?:posted|published)(?: \w+)? (?:on|by)) (?:the |a |an )?"
        r"((?:U\.S\.|US|American|South Korean|Japanese)?\s*"
        r"(?:[\w-]+\s+){0,2}?(?i:think[- ]tank|website|group|institute|monitor))\b"
    ),
    re.compile(
        r"\b(?:assessment|analysis|report|(?:was|were|is|been) reported|published|released|"
        r"provided|shared|findings|study|analy[sz]ed|studied|examined|obtained|results?)"
        r"(?:\s+of\s+(?:[\w-]+\s+){0,2}?(?:images?|imagery|photos?|pictures?|data))?"
        r"(?:\s+(?:first|on\s+\w+day|\w+day|recently|earlier))* (?:by|from) (?:the )?"
        r"(?:[a-z][\w-]*\s+){0,5}?(?:[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*['\u2019]s\s+(?=[a-z])"
        r"(?:official\s+|state\s+)?)?"
        r"(?:(?:US|U\.S\.|American|South Korean)\s+)?(?:(?:think[- ]tank|website|group|"
        r"monitoring group)\s+)?(" + _ORG_BODY + _SPEAKER_NOUN + ")"
    ),
    re.compile(
        "("
        + _ORG_BODY
        + _SPEAKER_NOUN
        + r")(?:\s*\([A-Z]{2,6}\))?"
        + r"(?:\s+(?:in|of|at)\s+"
        + _ORG_BODY
        + r",?)?\s+(?:"
        + _ADVERB
        + ")*"
        + _SAYS
        + r"\b"
    ),
    re.compile(
        r"(?<!the )\b(?:said|says|reported|reports|wrote)\s+(?:the\s+|an?\s+)?("
        + _ORG_BODY
        + r"(?:\s+(?:statement|report|government|military|ministry))?)(?=\s*(?:[,.;]|$|in\b|on\b))"
    ),
    # "..., said officials at the North American Aerospace Defence Command"; "said image
    # experts Nick Hansen and Jack Liu"
    re.compile(
        r"\bsaid\s+((?:senior\s+|U\.S\.\s+|US\s+)?officials?\s+(?:at|from|with)\s+(?:the\s+)?"
        + _ORG_BODY
        + r")"
    ),
    re.compile(r"\bsaid\s+(?:[a-z]+\s+)?((?:experts|analysts|researchers)\s+" + _ORG_BODY + r")"),
    # "...,\u201d said image analyst Allison Puccioni."; "said 38 North image analyst Nick
    # Hansen in a report for the website"
    re.compile(
        r"\bsaid\s+(?:[A-Z0-9][\w.'-]*\s+){0,3}(?:[a-z-]+\s+){0,3}?(?:analyst|expert|researcher|"
        r"scientist|specialist|professor|fellow|director)\s+([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){1,3})"
        r"(?=\s*(?:[.,;]|$)|\s+(?:in|of|at|from|with|for)\b)"
    ),
    # "..., 38 North, a Washington-based monitoring group announced on Tuesday."
    re.compile(
        r"((?<![\w.'-])[A-Z0-9][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}),\s+(?:a|an|the)\s+[^,;]{3,80}?\s+"
        r"(?:group|website|think[- ]tank|institute|monitor|agency|organi[sz]ation|outlet)\s+(?:"
        + _ADVERB
        + r")*(?:said|says|announced|reported|noted)\b"
    ),
    # "The images were assessed for ISIS by a reactor expert."
    re.compile(
        r"\b(?:assessed|analy[sz]ed|reviewed|examined|studied)\s+(?:for\s+[A-Z][\w.-]*\s+)?by\s+"
        r"(?:a|an|the)\s+((?:[\w-]+\s+){0,2}?(?:expert|analyst|specialist|researcher|engineer|"
        r"scientist))\b"
    ),
    # "Satellite images from Aug. 22 analyzed on 38 North, a Johns Hopkins University website"
    re.compile(r"\banaly[sz]ed on (?:the )?(" + _ORG_BODY + r")(?=\s*,|\s+(?:website|blog)\b)"),
    # "according to an analysis posted yesterday on 38 North"
    re.compile(
        r"\b[Aa]ccording to (?:a|an|the) (?:report|analysis|study|assessment)(?: \w+)? "
        r"(?:posted|published)(?: \w+)? (?:on|by) (" + _ORG_BODY + ")"
    ),
    # "an analysis of imagery by a U.S. think tank has shown"
    re.compile(
        r"\b(?:analysis|assessment|report|study)(?:\s+of\s+[\w-]+)?\s+by\s+(?:a|an|the)\s+("
        r"(?:U\.S\.|US|American|South Korean)?[\w\s.-]{0,20}?(?:think[- ]tank|institute|"
        r"research group|monitoring group|website))\b"
    ),
    # "..., confirmed a Bush administration official on Wednesday."
    re.compile(
        r"\b(?:said|confirmed|added|told)\s+(?:a|an|the)\s+((?:[A-Z][\w.-]*\s+){0,3}"
        r"(?:(?:senior|high-ranking|top|unnamed|anonymous)\s+)?"
        r"(?:administration\s+|government\s+)?(?:official|spokes(?:man|woman|person)|source|"
        r"diplomat))\b"
    ),
    # "A U.S.-based North Korea monitoring Web site has assessed"; "a monitoring group said"
    re.compile(
        r"((?:\b[Aa]n?|\b[Tt]he)\s+(?:U\.[SN]\.|[^,.;]){0,60}?(?:website|[Ww]eb site|think[- ]tank|"
        r"(?:nuclear |atomic )?agency(?: chief| head)?|monitor|"
        r"research cent(?:er|re)|"
        r"monitoring group|institute|watchdog|outlet|newspaper|broadcaster|journal|report))"
        r"\b[^,.;]{0,40}?\s(?:"
        + _ADVERB
        + r")*(?:said|says|reported|assessed|noted|concluded|argued|speculated|claimed|claims|"
        r"announced|revealed)\b"
    ),
    re.compile(r"\bwith (" + _ORG_BODY + r"(?:\s+[Nn]ews)?)\s+saying\b"),
    re.compile(
        r"\b((?:U\.S\.|US|South Korean|American|Japanese)\s+intelligence)\s+"
        r"(?:estimates?|believes?|assesse[sd]|suspects?)\b"
    ),
    re.compile(
        r"\b((?:U\.S\.|US|South Korean|American|Japanese)?\s*(?:intelligence|military)\s+"
        r"(?:officials?|sources?|agenc(?:y|ies)|assessments?))",
        re.I,
    ),
    re.compile(
        r"\b((?:think[- ]tanks?|analysts|researchers|experts)(?:\s+at\s+" + _ORG + r")?)"
        r"(?=\s+(?:say|said|says|told|believe|think|noted|warned|suggest))",
        re.I,
    ),
    # "Pompeo's comment that"
    re.compile(
        r"(?:^|\s)((?:[A-Z][\w.'-]*\s+|of\s+){0,5}[A-Z][\w'-]*)['\u2019]s\s+(?:comment|statement|"
        r"remarks?|"
        r"assessment|claim)s?\s+that\b"
    ),
]
ATTRIBUTION_TYPES = [
    (
        "agency",
        re.compile(
            r"intelligence|\bNIS\b|\bCIA\b|\bDIA\b|\bIAEA\b|\bKCNA\b|agency|ministry|military|"
            r"Joint Chiefs|Pentagon|command",
            re.I,
        ),
    ),
    (
        "think tank",
        re.compile(
            r"think[- ]tank|38 North|CSIS|Beyond Parallel|Center|Centre|"
            r"(?:monitoring|analysis|research) group|"
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
    (
        "news outlet",
        re.compile(
            r"news|Yonhap|Reuters|\bAP\b|AFP|NK News|Times|Post|CNN|NHK|Shimbun|Ilbo|Herald|"
            r"television|\bTV\b|radio|broadcast",
            re.I,
        ),
    ),
]
_REFERS_BACK = re.compile(r"\b((?:the|this|these|both) (?:[\w-]+ ){0,3}?(sites?|facility|"
                          r"facilities|plant|factory|laborator(?:y|ies)|locations?|"
                          r"station|complex|compound|center|project|LWR|ELWR|UEP|"
                          r"centre|launch ?pad|pad|(?:vertical )?(?:engine )?test stand|reactor|"
                          r"enrichment (?:plant|facility)|assembly building|"
                          r"(?:centrifuge|cascade|turbine|generator) halls?|transfer "
                          r"(?:building|structure))|its|"
                          r"there(?!\s+(?:is|are|was|were|will|has|have|had|may|might|could|"
                          r"would|seems?|appears?)\b))\b", re.I)  # fmt: skip

#: Sites named together before, referred to together ("these sites", "both facilities").
_ALL_OF_THEM = re.compile(
    r"\b(?:these|those|both|the two|the three|all three) (?:[\w-]+ ){0,2}?(?:sites|facilities|"
    r"locations|complexes)\b",
    re.I,
)

#: Month numbers by the first three letters of the name ("Feb." and "February" alike).
MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    start=1)}  # fmt: skip
_MONTH = (r"(Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
          r"Aug(?:ust|\.)?|Sep(?:tember|t\.|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|"
          r"Dec(?:ember|\.)?)(?![a-z])")  # fmt: skip
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DEFAULT_DAYS = 30
_ABBREV = re.compile(r"\b(U\.S|U\.N|Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sen|Rep|St|No|Jan|Feb|Mar|Apr|Jun|"
                     r"Jul|Aug|Sep|Sept|Oct|Nov|Dec|a\.m|p\.m|e\.g|i\.e|"
                     r"[NS](?=\.\s+Korea)|(?-i:(?<=[a-z] )[A-Z](?=\.\s+[A-Z][a-z])))\.",
                     re.I)  # fmt: skip


#: A wire dateline: "SEOUL (Reuters) -", "SEOUL, March 5 (Yonhap) --", "WASHINGTON --".
_DATELINE = re.compile(
    r"^[A-Z]{2}[A-Z .'/-]*?,?\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s*(?:\d{4}\s*)?)?"
    r"(?:\((?P<agency>[^)]{1,40})\)\s*)?(?<=\s|\))[-\u2013\u2014]+\s*"
)
#: Places in North Korea that are not on the watchlist unless a user adds them: a
#: sentence about one of them is not about the watched site named before it.
OTHER_PLACES = (
    "Punggye-ri", "Punggye", "Kilju", "Kangson", "Kangsong", "Sinpo", "Sinpho", "Musudan-ri",
    "Tonghae", "Sunan", "Yongdoktong", "Sakkanmol", "Sino-ri", "Hamhung", "Chamjin",
    "Wonsan", "Kusong", "Pyongsong", "Sil-li", "Hoejung-ri", "Yeongjeo-dong", "Kalma",
    "Nampo", "Sohung", "Majon", "Panghyon", "Mayang-do", "Pyongsan",
)  # fmt: skip
#: Words that are when something was said, not who said it ("said Tuesday").
_NOT_WHO = re.compile(
    r"^(?:(?:on|last|this|late|early)\s+)?(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|today|yesterday|tonight|week|month|year|morning|evening|afternoon|"
    r"earlier|later|recently|that|in|it)\b|^" + _MONTH + r"|"
    r"^(?:while|although|though|whereas|despite|because|since|unless|if|when|as)\b|"
    r"^(?:figure|fig\.?|table)\s*\d|"
    r"^\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"|"
    r"^(?:new |recent |commercial |satellite |the |latest )*(?:imagery|images?|photos?|"
    r"pictures?|data|analysis|activit(?:y|ies)|construction|work|evidence)\b",
    re.I,
)
_PRONOUN_SAID = re.compile(
    r"\b(they|he|she) (?:also )?(said|say|says|added|told|noted|stressed|warned|explained|wrote|"
    r"speculated|believes?|thinks?|suggested|concluded|admitted|argued|estimated|predicted|"
    r"revealed)\b",
    re.I,
)
#: Kinds of source whose report a paragraph goes on relaying once named.
_REPORTED_KINDS = frozenset({"agency", "think tank", "official", "news outlet"})
#: A sentence that only names the source of the one before ("This is according to 38 North").
_SOURCE_AFTER = re.compile(r"(?:This|That|It)(?: is|'s| was)(?: all)? according to\b")
#: A sentence that cites another source as agreeing ("This is consistent with statements by
#: the IAEA that ..."): its source speaks for that sentence, not for the paragraph after it.
_CORROBORATES = re.compile(
    r"\W*(?:This|That|These|Which|It)\s+(?:is|are|was|were|appears?|seems?)\s+(?:\w+\s+){0,2}?"
    r"(?:consistent with|in line with|corroborated by|confirmed by)\b"
)
#: A line that names whose text follows, as aggregators reprint reports ("38 North:").
_SOURCE_LINE = re.compile(r"^\s*(" + _ORG_BODY + r")\s*:\s*$")


def _relayed_source(text: str) -> tuple[str, str]:
    """The source a text reprints, when a line of its own names one (an agency, think tank,
    official or outlet): the voice of the whole text, headline included."""
    for line in text.splitlines():
        m = _SOURCE_LINE.match(line)
        if m is not None:
            kind = next((k for k, p in ATTRIBUTION_TYPES if p.search(m.group(1))), "other")
            if kind in _REPORTED_KINDS:
                return m.group(1), kind
    return "", ""


#: A sentence that is all quotation ("\u201cThere are also indications ...\u201d").
_WHOLE_QUOTE = re.compile(r"^\s*[\u201c\"][^\u201c\u201d\"]+[\u201d\"]\s*$")
#: Refers forward to a place the next sentence names ("at a North Korean missile factory", a
#: headline's "at nuclear research center", "North Korea's Experimental Light Water Reactor").
_FORWARD = re.compile(
    r"(?:\b(?:a|an|the|its|at)|[\w-]+['\u2019]s) (?:[\w-]+ ){0,5}(?:factory|plant|site|facility|"
    r"complex|station|cent(?:er|re)|launch ?pad)\b|"
    r"[\w-]+['\u2019]s (?:[\w-]+ ){0,5}reactor\b",
    re.I,
)


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
    #: "negative" when the text says the activity is *not* happening.
    polarity: str = "positive"
    #: observed, planned, possible or capable.
    modality: str = "observed"

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
            "polarity": self.polarity,
            "modality": self.modality,
            "source": self.source,
            "published": iso_utc(self.published) if self.published else None,
            "sentence": self.sentence,
            "status": self.status,
            "evidence": self.evidence,
        }


def split_sentences(text: str) -> list[str]:
    """Sentences of plain text (abbreviations such as "U.S." do not end one)."""
    protected = _ABBREV.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    parts = re.split(
        r"(?<=[.!?])[\"'\u201d\u2019)\]]?\s+(?=[\"'(\[\u201c\u2018]?[A-Z0-9])|\n\s*\n", protected
    )
    return [" ".join(p.replace("\x00", ".").split()) for p in parts if p.strip()]


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def site_names(sites: Sequence[Site]) -> list[tuple[str, str]]:
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


#: Text before a match that makes it a comparison, not a source ("consistent with a report by").
_NOT_SOURCE = re.compile(r"\bconsistent with (?:a |an |the )?(?:recent |latest )?$", re.I)


#: A speaker in a relative clause is an aside ("the reactor - which experts say is ...", "a
#: rocket that the North claimed put a satellite into orbit").
_RELATIVE = re.compile(r"\b(?:which|who|whom|what|(?<=(?-i:[a-z]) )that)\s+(?:the\s+)?$", re.I)
#: A name right after a preposition is a place or an object, not who says it.
_PREPOSITION = re.compile(
    r"\b(?:of|near|in|at|from|to|for|on|with|about|over|outside)\s+(?:the\s+|a\s+|an\s+)?$", re.I
)


#: An apposition's start: what follows describes the name before it.
_APPOSITION = re.compile(r"(?<![\w.'-])[A-Z0-9][\w.'-]*,\s+(?:a|an)\s+$")
_GROUP_NOUN = re.compile(r"(?:group|website|think[- ]tank|institute|monitor|blog|outlet)$", re.I)
#: Who works at the organisation named next ("analysts at 38 North, ..., have concluded").
_STAFF_OF = re.compile(
    r"\b(?:analysts|researchers|experts|officials?|scientists|fellows?|director|head|chief)\s+"
    r"(?:at|with|from|of)\s+(?:the\s+)?$",
    re.I,
)


#: Text after a quotation closes, up to the next one ("...,\u201d the statement read, \u201c...").
_BETWEEN_QUOTES = re.compile(r'(?<=[\u201d"])[^\u201c\u201d"]+(?=[\u201c"]|$)')


#: A source named at the sentence's end, who reports what its subject said.
_TRAILING_SOURCE = re.compile(
    r",\s+" + _ORG_BODY + r"(?:\s+[Nn]ews)?\s+(?:reports?|reported)\.?[\u201d\"]?\s*$|"
    # "..., a US arms control institute said."
    r",\s+(?:a|an|the)\s+(?:[\w.-]+\s+){0,4}?(?:institute|think[- ]tank|group|website|monitor|"
    r"watchdog|organi[sz]ation)\s+(?:said|says|reported|reports)\.?[\u201d\"]?\s*$"
)


#: A backtick typed for an apostrophe ("IAEA`s spokesperson", "North`s").
_BACKTICK = re.compile(r"(?<=\w)`(?=\w)")
#: A name in single quotation marks ("a monitoring group called '38 North'").
_SINGLE_QUOTED = re.compile(
    r"(?<![\w'\u2019])['\u2018]([A-Z0-9][^'\u2018\u2019]{0,40}?)['\u2019](?!\w)"
)


def _attribution(sentence: str) -> tuple[str, str]:
    """Who a sentence says said it: a speaker after the quotation's close ("...,\u201d said
    X") before one ahead of it ("X reported that \u201c...") before one inside it, else the
    first pattern that matches."""
    sentence = _SINGLE_QUOTED.sub(r"\1", sentence)
    sentence = _BACKTICK.sub("'", sentence)  # "IAEA`s spokesperson": a typed apostrophe
    trailing = _TRAILING_SOURCE.search(sentence)
    if trailing:  # "North Korea said it plans ..., Yonhap News reports."
        who = _first_speaker(trailing.group(0).lstrip(", "))
        if who[0]:
            return who
    for between in _BETWEEN_QUOTES.finditer(sentence):
        if sentence[between.start() - 1] == '"' and sentence.count('"', 0, between.start()) % 2:
            continue  # after a straight mark that opens a quotation: inside it
        after = _first_speaker(between.group(0))
        if after[0]:
            return after
    opening = sentence.find("\u201c")
    if opening > 0:  # "Kyunghyang Shinmun reported that \u201c... a report by KCNA ...\u201d"
        ahead = _first_speaker(sentence[:opening])
        if ahead[0]:
            return ahead
    return _first_speaker(sentence)


def _first_speaker(sentence: str) -> tuple[str, str]:
    """The first pattern's first acceptable match: a pattern whose first match is a place
    ("at Yongbyon showed") goes on to its next ("38 North said")."""
    for pattern in ATTRIBUTION:
        for m in pattern.finditer(sentence):
            who = _speaker(sentence, m)
            if who is not None:
                return who
    return "", ""


#: A participle of seeing before a place is passive ("Activity observed at the reactor"), not
#: a speaker's verb.
_SEEN = re.compile(r"(?:observed|detected|spotted|seen|found)$")
_PLACE_AFTER = re.compile(r"\s+(?:at|in|near|around|inside|outside|behind|along|on)\b")


#: A province's or county's name is where, not who ("..., North Pyongan Province, said a
#: high-ranking government official").
_PLACE_NAME = re.compile(r"\b(?:Province|County|Prefecture)$")
#: Pronouns and determiners, not names ("These reports are raising concerns").
_NOT_A_SPEAKER = frozenset({"it", "he", "she", "they", "we", "the", "this", "these", "those"})


def _speaker(sentence: str, m: re.Match[str]) -> tuple[str, str] | None:
    """The speaker a pattern's match names, or None when the match is not one."""
    if _NOT_SOURCE.search(sentence[max(0, m.start() - 40) : m.start()]):
        return None
    before = sentence[max(0, m.start() - 12) : m.start()]
    if (
        m.start() == m.start(1)
        and _PREPOSITION.search(before)
        and not _STAFF_OF.search(sentence[max(0, m.start() - 40) : m.start()])
    ):
        return None
    text = re.sub(r"^(?:the|an?)\s+", "", m.group(1).strip(" ,."), flags=re.I)
    if len(text) < 2 or text.lower() in _NOT_A_SPEAKER:
        return None
    if _RELATIVE.search(before):  # "- which experts say -": an aside, not the source
        return None
    if _APPOSITION.search(sentence[max(0, m.start(1) - 40) : m.start(1)]) and _GROUP_NOUN.search(
        text
    ):
        return None  # "38 North, a Washington-based group said": the name before is the source
    if not re.search(r"[A-Za-z]{2}", text):  # "Nov. 26, 2012 shows": a year, not a source
        return None
    # "said Tuesday", "North Pyongan Province, said": when or where, not who
    if _NOT_WHO.match(text) or _PLACE_NAME.search(text):
        return None
    if _SEEN.search(m.group(0)) and _PLACE_AFTER.match(sentence, m.end()):
        return None
    return text, next((k for k, p in ATTRIBUTION_TYPES if p.search(text)), "other")


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
    + _MONTH
    + r"\s+\d{1,2}(,?\s+\d{4})?)",
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


def parse_date(text: str) -> date:
    """A publication date written any common way: ``2019-03-08``, ``2019/03/08``,
    ``March 8, 2019``, ``8 March 2019``, ``Mar. 8 2019``; ValueError otherwise (a date
    without its year is refused: nothing to resolve it against)."""
    t = " ".join(text.split())
    refused = ValueError(f"{text!r} is not a date with a year (2019-03-08, March 8, 2019)")
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?", t)
    found: tuple[str, str, str] | None = (m[1], m[2], m[3]) if m else None
    for pattern, order in (
        (_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", (3, 1, 2)),
        (r"(\d{1,2})\s+" + _MONTH + r",?\s+(\d{4})", (3, 2, 1)),
    ):
        m = None if found else re.fullmatch(pattern, t, re.I)
        if m:
            year, month, day = (m[i] for i in order)
            found = (year, str(MONTHS[month[:3].lower()]), day)
    if found is None:
        raise refused
    try:
        return date(int(found[0]), int(found[1]), int(found[2]))
    except ValueError:
        raise refused from None


def _resolve(s: str, published: date) -> tuple[datetime, datetime, str] | None:
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", s)
    if m:
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return (*_day(d), f"explicit date {m[0]}")
    m = re.search(_MONTH + r"\s+(\d{1,2})(?!\d)(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?", s)
    m2 = re.search(r"\b(\d{1,2})\s+" + _MONTH + r"(?:\s+(\d{4}))?", s)
    if m or m2:
        if m:
            month, day, year = MONTHS[m[1][:3].lower()], int(m[2]), m[3]
            text = m[0]
        else:
            assert m2 is not None
            month, day, year = MONTHS[m2[2][:3].lower()], int(m2[1]), m2[3]
            text = m2[0]
        y = int(year) if year else published.year
        d = date(y, month, day)
        if not year and d > published:
            d = date(y - 1, month, day)
        start = (m or m2).start()  # type: ignore[union-attr]
        if re.search(r"\bsince\s+$", s[:start]) and d <= published:
            return (*_span(d, published), f"since {text} to publication")
        return (*_day(d), f"explicit date {text}")
    m = re.search(r"\b(?:in|during|since|throughout)\s+" + _MONTH + r"(?:\s+(\d{4}))?", s)
    if m:
        month = MONTHS[m[1][:3].lower()]
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


#: Facilities of each kind of site: a sentence that speaks of "a missile engine test site"
#: is not about the nuclear complex named before it, nor "his main nuclear weapons
#: facility" about the launch station.
_KIND_WORDS = {
    "nuclear": re.compile(
        r"\bnuclear (?!(?:weapons? )?test)(?:[\w-]+ ){0,2}(?:facilit(?:y|ies)|complex|site|"
        r"cent(?:er|re)|plant)\b|"
        r"\breactors?\b",
        re.I,
    ),
    "launch-site": re.compile(
        r"\blaunch(?:ing)? (?:pads?|sites?|stations?|grounds?|facilit(?:y|ies))\b|"
        r"\b(?:engine )?test (?:sites?|stands?)\b",
        re.I,
    ),
    "nuclear-test-site": re.compile(
        r"\bnuclear (?:weapons? )?(?:tests?|test explosions?|explosions?|detonations?)\b|"
        r"\bunderground (?:nuclear )?tests?\b",
        re.I,
    ),
    "missile-production": re.compile(
        r"\b(?:missile|ICBM|rocket) (?:factor(?:y|ies)|plants?|production|facilit(?:y|ies))\b",
        re.I,
    ),
}


def _kinds_named(sentence: str) -> set[str]:
    """The kinds of site whose facilities the sentence speaks of."""
    return {k for k, p in _KIND_WORDS.items() if p.search(sentence)}


def _names_other_kind(sentence: str, kind: str) -> bool:
    """The sentence speaks of facilities of another kind of site, and none of ``kind``."""
    named = _kinds_named(sentence)
    return bool(named) and kind not in named


def _other_places(sites: Sequence[Site]) -> list[str]:
    """:data:`OTHER_PLACES` less any the watchlist names (normalised)."""
    watched = {name for name, _ in site_names(sites)}
    return [n for n in {_norm(p) for p in OTHER_PLACES} if n not in watched]


#: Clause boundaries that end a negation's reach ("vehicles moved, but do not show ...").
_CLAUSE = re.compile(
    r"[;:]|,\s+so\b|,?\s+(?:but(?!\s+(?:then\s+)?(?:has\s+|had\s+|was\s+|were\s+)?(?:stopped|halted|"
    r"ceased|suspended|paused|cancell?ed|called off))|although|though|whereas|however)\b|"
    r",\s*(?:while|yet|and|citing)\b|"
    r"\s(?:while|whereas)\s|"
    # "Amano said the activities may be related to ..., adding that the reactor was shut down"
    r",\s*\u201d?\"?\s*(?:adding|noting) that\b|"
    # what a sign suggests is a clause of its own ("Movement observed at X suggests that a
    # launch was planned but was canceled")
    r"\s(?=(?:suggests?|suggested|indicates?|indicated) that\b)|"
    # "the shutdown of the reactor for maintenance": what the pause is for goes on
    r"\s(?=for (?:maintenance|repairs?|renovations?|refurbishment|refuel\w*|upgrades?)\b)"
)
#: A leading subordinate clause ("While there is almost no activity at X, ...").
_LEADING = re.compile(r"^\s*[\u201c\"]?(?:While|Although|Though|Whereas|Despite)\b[^,]*,")
#: A restart outweighs the idleness it ends ("put back in operation after being idle").
_RESUMED = re.compile(
    r"\b(restart\w*|resum\w*|put back|back (?:in|into) operation|reactivat\w*|back to normal|"
    r"(?:under construction|operating|operational|in operation|working|active) again)\b",
    re.I,
)


#: Negated stopping is continuing ("work never stopped").
_CONTINUED = re.compile(r"\b(?:never|not) (?:stopped|ceased|halted|paused|suspended)\b", re.I)
#: Negated saying or knowing, not a negated activity ("did not specify what they would do").
_NOT_SAID = re.compile(
    r"\b(?:did|does|do|could|can|has|have|had)(?:n't| not) (?:specify|say|disclose|reveal|"
    r"mention|confirm|verify|comment|know|explain)\w*|\bnot un\w+|not out of the ordinary|"
    r"\b(?:not possible|impossible|unable|not able|not sufficient|insufficient|not enough)"
    r"(?: for \w+)? to (?:\w+ )?(?:determine|"
    r"conclude|confirm|verify|say|know|tell)\b|"
    r"\b(?:a|the) (?:partially|partly|once|formerly) (?:decommissioned|dismantled|shut)\b|"
    r"\b(?:does|do|did|could|can|cannot|would)(?:n't| not)? (?:\w+ )?rule out\b|"
    r"\bnot (?:be |been )?ruled out\b|"
    r"\bin order to prevent\b|\bnot preclude\b|"
    r"\bprecludes? (?:\w+ )?(?:determining|confirming|knowing|concluding|saying|telling)\b",
    re.I,
)


#: A relative clause set off by commas ("The plant, which was closed in 2007, has also
#: doubled in size") is a clause of its own, after the main clause: its negation is not
#: the main clause's.
_ASIDE = re.compile(r",\s+(?:which|who)\b[^,;]{0,200},")


def _clauses(sentence: str) -> list[str]:
    text = _NOT_SAID.sub(" ", _CONTINUED.sub(" continued ", FACILITY_NOUNS.sub(" ", sentence)))
    asides = [m.group(0).strip(", ") for m in _ASIDE.finditer(text)]
    text = _ASIDE.sub(" ", text)
    leading = _LEADING.match(text)
    if leading is None:
        return [*_CLAUSE.split(text), *asides]
    return [leading.group(0), *_CLAUSE.split(text[leading.end() :]), *asides]


def _clause_polarity(clause: str) -> str:
    """A clause is negative when it negates, unless a restart comes before the negation
    ("put back in operation after being idle")."""
    negation, restart = NEGATION.search(clause), _RESUMED.search(clause)
    negated = negation is not None and (restart is None or restart.start() > negation.start())
    return "negative" if negated else "positive"


def polarities_of(sentence: str, activity: str) -> list[str]:
    """The polarities the sentence gives an activity, one per clause that speaks of it, first
    clause first and without repeats: ``["positive", "negative"]`` for "there were
    indications of intermittent operation, and in December there were no indications of
    operation"."""
    found = [_clause_polarity(c) for c in _clauses(sentence) if ACTIVITIES[activity].search(c)]
    return list(dict.fromkeys(found)) or [_clause_polarity(_clauses(sentence)[0])]


def polarity_of(sentence: str, activity: str | None = None) -> str:
    """``negative`` when the sentence says the activity is not happening, else
    ``positive``.  With ``activity``, the first clause that speaks of it decides (see
    :func:`polarities_of` for all of them); without, any negated clause makes it negative."""
    if activity is not None:
        return polarities_of(sentence, activity)[0]
    negated = any(_clause_polarity(c) == "negative" for c in _clauses(sentence))
    return "negative" if negated else "positive"


def modality_of(sentence: str) -> str:
    """``capable``, ``planned``, ``possible`` or ``observed`` (see :data:`MODALITY`)."""
    return next((name for name, p in MODALITY if p.search(sentence)), "observed")


#: Watching for activity is not activity ("no way to monitor the activities there").
_WATCHING = re.compile(
    r"\b(?:monitor|verify|track|watch|inspect|examin)\w* (?:the |its |any |all )?(?:[\w-]+ )?"
    r"(?:signs of )?activit(?:y|ies)\b|\bactivit(?:y|ies) (?:[\w-]+ ){0,6}?(?:is|are) "
    r"(?:closely |being |carefully )?(?:watched|monitored)\b|"
    r"\b(?:assess|review|analy[sz])\w* (?:the )?activit(?:y|ies)\b|"
    r"\b(?:nature|status|purpose|meaning|implications?) of (?:the |these |those |this |any )?"
    r"(?!ongoing |continuing |continued )(?:[\w-]+ )?"
    r"(?:activit(?:y|ies)|excavations?|construction|work)\b|"
    r"\b(?:an? |the )?update on (?:the |these )?activit(?:y|ies)\b|"
    r"\bwhat (?:the |this )?(?:[\w-]+ )?activit(?:y|ies) (?:could|might|may) mean\b|"
    # how activity is watched for: "... can track reactor activity by observing vehicles"
    r"\bby (?:observing|monitoring|tracking|watching|counting)\b[^.;]*",
    re.I,
)


#: What a facility is for, not what it does now ("which is used to reprocess spent fuel").
_PURPOSE = re.compile(
    r"\b(?:is|are|be) (?:also |mainly |primarily |mostly |typically )?used "
    r"(?:to|for)\b(?:(?!,\s+(?:and|but|while|which|although|though|whereas|yet)\b)"
    r"[^.;()\u2013\u2014])*|"
    # what a kind of facility is ("A graphite-moderated reactor is a facility to produce ...")
    r"^(?:A|An) [^,.;]{0,60}? (?:is|are) (?:a|an) (?:[\w-]+ ){0,3}?(?:facility|plant|"
    r"installation|reactor) (?:to|for|that|which|used)\b[^.;]*|"
    # what something is used for ("North Korea uses a coal-fired plant to generate steam for
    # work at the reprocessing plant")
    r"\buses? (?:a |an |the |its )?(?:[\w-]+ ){0,3}?(?:plant|facility|reactor|building)s? to "
    r"(?:generate|produce|supply|make|heat)\b[^.;]*|"
    # what a test stand is for ("a Horizontal Engine Test Stand for testing solid-fueled rocket
    # motors")
    r"\bfor (?:testing|checking the performance of) (?:[\w-]+ ){0,3}?(?:rocket |missile )?"
    r"(?:motors?|engines?)\b",
    re.I,
)


#: Who runs an organisation, not a facility operating ("the website 38 North, which is
#: operated by the U.S.-Korea Institute").
_RUN_BY = re.compile(
    r"\b(?:which|that|who) (?:is|are|was|were) (?:also )?(?:run|operated|managed) by\b|"
    r"\bwebsites? (?:[\w-]+ ){0,4}?(?:run|operated|managed) by\b",
    re.I,
)


#: What someone demands or watches, what a tool does and what a facility was for, not
#: activity at the site: "demanded that the regime should not take further actions for
#: reactivation", "urged, \u201cNorth Korea should ... not reactivate\u201d", "the operation of the
#: inspection cameras", "The ban was extended", "the process of monitoring ... had resumed",
#: "which was used to produce plutonium", "keeping its eyes and ears alert on activities",
#: "doesn't possess the technology to hoist rockets".
_NOT_ACTIVITY = re.compile(
    r"\b(?:demand(?:ed|s)?|urg(?:ed|es))(?:,| that)[^.;]{0,200}?\bshould\b[^.;]{0,300}|"
    r"\boperation of (?:the |its )?(?:[\w-]+ ){0,2}(?:cameras?|devices?|seals?|equipment)\b|"
    r"\b(?:ban|deadline|moratorium|mandate|sanctions?|talks|invitation|offer)s? (?:was|were|"
    r"has been|had been|is|are) (?:\w+ly )?(?:extended|renewed|lifted|expanded)\b|"
    r"\b(?:monitoring|inspections?|verification|talks|negotiations|dialogue)\b[^.;]{0,60}?"
    r"\b(?:resum\w*|restart\w*)|"
    r"\b(?:was|were) used to (?:produce|make|extract|separate|reprocess)\b[^.;,]{0,300}|"
    r"\b(?:eyes|ears) (?:and ears )?(?:alert )?on (?:the )?activit(?:y|ies)\b|"
    r"\b(?:possess(?:es)?|have|has|lacks?) (?:the )?(?:technology|means|know-how) to\b[^.;]{0,300}",
    re.I,
)


#: What a sign usually means, not what was seen ("Steam emissions typically indicate ...",
#: "the cooling system where frequent discharge of hot water indicates reactor operation").
_GENERIC = re.compile(
    r"\b(?:typically|usually|generally|normally)\s+(?:indicates?|signals?|means?|suggests?)\b|"
    r"\bwhere (?:[\w-]+ ){1,6}(?:indicates?|signals?|means?)\b|"
    # what doing something does in general ("Conducting an engine test allows them to ...")
    r"^(?:Conducting|Carrying out|Running|Holding) [^,.;]{0,60}? (?:allows?|enables?|helps?|"
    r"lets?)\b",
    re.I,
)


#: What could be seen or done, not what was ("dismantlement ... will also be observable by
#: commercial satellites", "the most important action would be to demolish its foundation"):
#: the clause that says it is masked.
_OBSERVABLE = re.compile(
    r"\b(?:will|would|should|could) (?:also )?be (?:easily )?(?:observable|visible|verifiable|"
    r"detectable)\b",
    re.I,
)
_WOULD_BE_TO = re.compile(r"\bwould be to \w+[^.;]{0,300}", re.I)


def _mask_hypothetical(text: str) -> str:
    # split at punctuation first: a pattern reaching back over the clause would make long
    # runs of words without punctuation quadratic
    text = _WOULD_BE_TO.sub(" ", text)
    return "".join(" " if _OBSERVABLE.search(part) else part for part in re.split(r"([,;.])", text))


def activities_of(sentence: str) -> list[str]:
    """The kinds of activity a sentence speaks of (facility names, watching and purposes
    masked first; none in a statement of what a sign usually means)."""
    if _GENERIC.search(sentence):
        return []
    masked = FACILITY_NOUNS.sub(" ", sentence)
    for mask in (_WATCHING, _PURPOSE, _RUN_BY, _NOT_ACTIVITY):
        masked = mask.sub(" ", masked)
    masked = _mask_hypothetical(masked)
    return [a for a, p in ACTIVITIES.items() if p.search(masked)]


#: Where a paragraph ends: a blank line, or a line break after a sentence's end (text
#: with a paragraph per line); a line break inside a sentence is wrapping.
_PARAGRAPH_END = re.compile(r"\n\s*\n|(?:(?<=[.!?])|(?<=[.!?][\"'\u201d\u2019)]))[ \t]*\n")


def paragraphs(text: str) -> list[list[str]]:
    """The text's paragraphs, each as its sentences."""
    return [split_sentences(p) for p in _PARAGRAPH_END.split(text) if p.strip()]


def extract_claims(
    text: str,
    sites: Sequence[Site],
    published: date | None = None,
    source: str = "",
    publisher: str = "",
) -> list[Claim]:
    """Claims in an article's text (see module doc).  ``published`` defaults to today;
    ``publisher`` (the outlet or think tank that published the text) is the attribution
    of claims the text makes in its own voice."""
    if not text.strip():
        raise InvalidTextError(f"{source or 'the text'} is empty; give a news article or briefing")
    if "\x00" in text:
        raise InvalidTextError(f"{source or 'the text'} is not plain text")
    pub = published or datetime.now(UTC).date()
    names = site_names(sites)
    kinds = {s.id: s.kind for s in sites}
    others = _other_places(sites)
    claims: list[Claim] = []
    last_sites: list[str] = []
    named_together: list[str] = []  # the sites the last sentence naming several named
    previous_named = False
    previous_who = ("", "")
    previous_body = ("", "")  # the last organisation named, for "it said", "the agency added"
    wire = ""  # the agency of the first dateline, e.g. "(Yonhap)"
    #: Sentences with an activity before any site was named (a lead, "... at a factory",
    #: and those after it that refer back to it); the next sentence may name the site
    #: ("... at the factory. Sanumdong, ...").
    pending: list[tuple[str, str, list[str], bool, set[str]]] = []
    last_sentence_claims = 0  # where the previous sentence's claims start
    quoted: list[Claim] = []  # claims of a quotation whose speaker is not yet named
    # The text's own voice: the source it reprints, else its publisher, else (below) the
    # agency of its dateline.
    relayed = _relayed_source(text)
    voice = relayed if relayed[0] else (publisher, "publication") if publisher else ("", "")
    for paragraph in paragraphs(text):
        straight_open = False  # a straight-quoted quotation is open at the sentence's start
        depth = 0  # quotations open at the sentence's start
        quote_speaker = ("", "")  # who the sentence that opened the quotation named
        in_paragraph = False  # a watched site was named earlier in this paragraph
        reporting = ("", "")  # the source this paragraph reports, once named
        #: The paragraph has moved to a place not watched ("... at Tonghae. Those facilities
        #: ..."): a sentence naming no site is about that place, not a lead for the next.
        away = False
        for raw in paragraph:
            dateline = _DATELINE.match(raw)
            if dateline is not None and dateline.group("agency") and not wire:
                wire = dateline.group("agency").strip()
            # Who says what the text says in its own voice: the source the paragraph
            # reports (an agency, think tank, official or outlet named earlier in it), else
            # the text's own voice.
            own = voice if voice[0] else (wire, "news outlet")
            fallback = reporting if reporting[0] else own
            # A dateline names where and when the report was filed, not a site or a date
            # of activity.
            sentence = raw[dateline.end() :] if dateline is not None else raw
            opens, closes = _quote_marks(raw, straight_open)
            straight_open ^= raw.count('"') % 2 == 1
            named = match_sites(sentence, names)
            flat = _norm(sentence)
            elsewhere = not named and any(o in flat for o in others)
            activities = activities_of(sentence)
            refers_back = (
                previous_named
                or in_paragraph
                or _REFERS_BACK.search(sentence)
                or (closes > opens and previous_named)  # the rest of a quotation about it
            )
            if elsewhere:  # about a place not watched: nothing carries over past it
                last_sites, in_paragraph, pending, previous_named = [], False, [], False
                away = True
                continue
            other_kind = bool(last_sites) and _names_other_kind(sentence, kinds[last_sites[-1]])
            if other_kind and not named:  # the text has moved on to another place
                in_paragraph = previous_named = False
            if len(named) > 1:
                named_together = named
            if not named and activities and last_sites and refers_back and not other_kind:
                plural = named_together if _ALL_OF_THEM.search(sentence) else []
                named = plural if set(last_sites) <= set(plural) else last_sites[-1:]
            # A sentence whose claims are on a site, named or carried over, lets the next one
            # carry it on ("... at the site. Personnel and vehicles were observed ..."); a
            # sentence with neither a place nor an activity ("VOA said the images were taken
            # on October 2.") passes it on.
            if named or activities:
                previous_named = bool(named)
            for earlier, earlier_raw, earlier_activities, forward, of_kinds in pending:
                # a lead with no place ("North Korea has conducted a ground test ...") is
                # about the site of the next sentence that speaks of the same event
                # ("... applauded the successful test at the Sohae launch site"), unless it
                # speaks of facilities of another kind.
                if (
                    len(named) == 1
                    and (forward or set(earlier_activities) & set(activities))
                    and (not of_kinds or kinds[named[0]] in of_kinds)
                ):
                    claims += _claims_of(
                        earlier, earlier_raw, named, earlier_activities, pub, source, fallback,
                        (previous_who, previous_body),
                    )  # fmt: skip
            if named:
                last_sites, in_paragraph, pending, away = named, True, [], False
            elif (
                activities
                and not away
                and (not last_sites or other_kind)
                and (not claims or other_kind)
            ):
                of_kinds = _kinds_named(sentence)
                forward = bool(
                    other_kind or _REFERS_BACK.search(sentence) or _FORWARD.search(sentence)
                )
                # "... at its atomic bomb-producing complex. ... from the complex, which had
                # been shut down. ... the Yongbyon reactor complex": the chain goes on while
                # each sentence refers back to the one before.
                pending = [*pending, (sentence, raw, activities, forward, of_kinds)] if (
                    pending
                    and (_REFERS_BACK.search(sentence) or set(activities) & set(pending[0][2]))
                ) else [(sentence, raw, activities, forward, of_kinds)]  # fmt: skip
            else:
                pending = []
            before = len(claims)
            said_by = _attribution(sentence)
            if activities and named:
                claims += _claims_of(
                    sentence, raw, named, activities, pub, source, fallback,
                    (previous_who, previous_body), closes > opens, said_by,
                )  # fmt: skip
            own_voice = [
                c for c in claims[before:] if (c.attribution, c.attribution_type) == fallback
            ]
            if depth and not opens and not closes:  # wholly inside a quotation opened before
                if quote_speaker[0]:  # "X reported that \u201c... . [this] . ...\u201d"
                    for c in own_voice:
                        c.attribution, c.attribution_type = quote_speaker
                else:
                    quoted += own_voice
            if opens > closes:  # a quotation opens: its speaker may be named where it closes
                quoted = own_voice
                quote_speaker = said_by
            elif closes > opens and quoted:
                speaker = (
                    said_by if said_by[0] else _earlier_speaker(raw, previous_who, previous_body)
                )
                if speaker[0]:
                    for c in quoted:
                        c.attribution, c.attribution_type = speaker
                quoted = []
            depth = max(0, depth + opens - closes)
            if not said_by[0] and previous_body[1] in _REPORTED_KINDS and _points_to_body(sentence):
                # "..., the website admitted.": the paragraph goes on relaying it
                reporting = previous_body
            if said_by[0]:  # the last speaker named, for "it said", "the website added"
                previous_who = said_by
                if said_by[1] in _REPORTED_KINDS and not _CORROBORATES.match(sentence):
                    reporting = said_by
                if said_by[1] not in ("other", "official"):  # "it said" is not a person
                    previous_body = said_by
                if _SOURCE_AFTER.match(sentence):  # "No new activity at X. This is according
                    for c in claims[last_sentence_claims:before]:  # to 38 North."
                        if (c.attribution, c.attribution_type) == fallback:
                            c.attribution, c.attribution_type = said_by
            last_sentence_claims = before
    return claims


def _quote_marks(raw: str, straight_open: bool) -> tuple[int, int]:
    """How many quotations a sentence opens and closes: curly marks say which they are;
    an odd number of straight marks closes the quotation open before the sentence, else
    opens one."""
    opens, closes = raw.count("\u201c"), raw.count("\u201d")
    if raw.count('"') % 2 == 1:
        return (opens, closes + 1) if straight_open else (opens + 1, closes)
    return opens, closes


def _points_to_body(sentence: str) -> bool:
    """The sentence points back to an organisation ("it said", "the website admitted"),
    not to a person ("he added")."""
    return bool(_ANAPHOR.search(sentence)) and not _PRONOUN_SAID.search(sentence)


def _earlier_speaker(
    sentence: str, previous_who: tuple[str, str], previous_body: tuple[str, str]
) -> tuple[str, str]:
    """Who a sentence that names no speaker points back to: "it said" and "the agency
    added" to the last organisation named, anything else to the last speaker."""
    if previous_body[0] and _points_to_body(sentence):
        return previous_body
    return previous_who


def _claims_of(
    sentence: str,
    raw: str,
    named: list[str],
    activities: list[str],
    pub: date,
    source: str,
    fallback: tuple[str, str],
    earlier: tuple[tuple[str, str], tuple[str, str]],
    closes_quote: bool = False,
    said_by: tuple[str, str] | None = None,
) -> list[Claim]:
    """The claims of one sentence (one per site and activity)."""
    window = resolve_dates(sentence, pub)
    if window is None:
        start, end = _span(pub - timedelta(days=DEFAULT_DAYS), pub)
        basis = f"no date in the sentence: the {DEFAULT_DAYS} days before publication"
    else:
        start, end, basis = window
    who, kind = said_by if said_by is not None else _attribution(sentence)
    #: The rest of a quotation opened in an earlier sentence is still its speaker's.
    continues_quote = closes_quote or bool(_WHOLE_QUOTE.match(raw))
    if not who and (_PRONOUN_SAID.search(sentence) or _ANAPHOR.search(sentence) or continues_quote):
        who, kind = _earlier_speaker(sentence, *earlier)
    if not who and fallback[0]:
        who, kind = fallback
    hedges = sorted(
        {m.group(0).lower() for m in HEDGES.finditer(sentence)}
        | {m.group(0) for m in _MAY.finditer(sentence)}
    )
    modality = modality_of(sentence)
    return [
        Claim(
            activity=activity,
            sentence=raw,
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
            polarity=polarity,
            modality=modality,
        )
        for site_id in named
        for activity in activities
        for polarity in polarities_of(sentence, activity)
    ]
