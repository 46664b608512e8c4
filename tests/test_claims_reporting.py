"""Claims in the way real reporting words them: the failures listed in the claims issue
(negation, capability, facility nouns, spellings, places not watched, who said it,
datelines, abbreviated months), each as the sentence the issue quotes or one of its
kind, and a negative claim checked against imagery."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sitewatch.activity.figures import Observation
from sitewatch.claims.check import check_claim
from sitewatch.claims.extract import Claim, extract_claims, paragraphs, parse_date
from sitewatch.cli.main import cli
from sitewatch.sites.watchlist import builtin_sites
from tests.helpers import assert_one_line_error, run_cli

PUB = date(2019, 3, 8)


def claims(text: str, publisher: str = "") -> list[Claim]:
    return extract_claims(text, builtin_sites(), PUB, source="t.txt", publisher=publisher)


def only(found: list[Claim]) -> Claim:
    assert len(found) == 1, [(c.site_id, c.activity, c.sentence) for c in found]
    return found[0]


def assert_polarities(rows: list[tuple[str, str, str]]) -> None:
    """Each (text, activity, polarity): the text's claims of that activity have that polarity."""
    for text, activity, polarity in rows:
        assert {c.polarity for c in claims(text) if c.activity == activity} == {polarity}, text


def assert_no_claims(texts: list[str]) -> None:
    for text in texts:
        assert claims(text) == [], text


def assert_speakers(rows: list[tuple[str, str, str]]) -> None:
    """Each (text, publisher, speaker): the text has claims, and all have that speaker."""
    for text, publisher, speaker in rows:
        found = claims(text, publisher=publisher)
        assert found, text
        assert {c.attribution for c in found} == {speaker}, text


def assert_speakers_in_the_paper(rows: list[tuple[str, str]]) -> None:
    """Each (text, speaker), published by "The Paper": see :func:`assert_speakers`."""
    assert_speakers([(text, "The Paper", speaker) for text, speaker in rows])


def test_negated_and_dormant_activity_is_negative() -> None:
    stopped = only(claims("North Korea stopped the operation of its 5-megawatt reactor at "
                          "Yongbyon in 2018."))  # fmt: skip
    assert (stopped.site_id, stopped.activity, stopped.polarity) == (
        "yongbyon", "operating", "negative"
    )  # fmt: skip
    quiet = claims("There were no signs of an imminent test launch at Sohae.")
    assert {(c.activity, c.polarity) for c in quiet} == {
        ("test", "negative"), ("launch preparation", "negative")
    }  # fmt: skip
    dormant = only(claims("The Sohae station has been dormant since August 2018."))
    assert (dormant.activity, dormant.polarity) == ("operating", "negative")
    busy = only(claims("Trucks were seen moving at Sanumdong on March 2."))
    assert (busy.polarity, busy.modality) == ("positive", "observed")


def test_possibility_plan_and_capability_are_not_observation() -> None:
    maybe = only(claims("Vehicle movements at Sanumdong could be a preparatory sign of a "
                        "satellite launch."))  # fmt: skip
    assert maybe.modality == "possible"
    able = claims("The Yongbyon reactor is capable of producing weapons-grade plutonium if "
                  "reprocessed.")  # fmt: skip
    assert {c.modality for c in able} == {"capable"}
    plan = only(claims("North Korea is preparing to launch a satellite from Sohae."))
    assert (plan.activity, plan.modality) == ("launch preparation", "planned")


def test_facility_nouns_are_places_not_activity() -> None:
    text = (
        "Uranium Enrichment Complex\n\n"
        "The engine test stand at Sohae lies 1.5 km north of the launch pad. "
        "The construction support yard at Sohae is next to the coast road."
    )
    assert claims(text) == []


def test_the_site_is_followed_into_the_next_paragraph() -> None:
    text = (
        "Imagery of the Sohae Satellite Launching Station taken on March 2 shows the engine "
        "test stand being rebuilt.\n\n"
        "On the launch pad, the rail-mounted transfer building is being reassembled."
    )
    rebuilt = [c for c in claims(text) if c.activity == "construction/rebuilding"]
    assert [c.site_id for c in rebuilt] == ["sohae", "sohae"]


def test_a_site_named_in_the_next_sentence_is_linked() -> None:
    text = (
        "Cargo trucks were seen moving in and out of the factory on March 2. "
        "The factory, Sanumdong, has assembled ICBMs."
    )
    moving = only(claims(text))
    assert (moving.site_id, moving.activity) == ("sanumdong", "vehicle movement")
    assert moving.sentence.startswith("Cargo trucks")
    # A wire lead is a paragraph of its own: the next paragraph's first sentence names
    # the place ("New activity was detected at a missile factory ... \n\n ... Sanumdong").
    across = only(claims(text.replace(". The", ".\n\nThe")))
    assert (across.site_id, across.sentence) == ("sanumdong", moving.sentence)
    # Only the very next sentence: one in between breaks the link.
    assert claims(text.replace(". The", ". It rained. The")) == []
    # A lead that names no place is about the site where the next sentence places the
    # same event; a next sentence about another kind of event does not take it.
    lead = "North Korea has conducted a ground test of a new type of rocket engine.\n\n"
    tested = claims(lead + "Kim applauded the successful test at the Sohae launch site.")
    assert [(c.site_id, c.sentence) for c in tested] == [
        ("sohae", lead.strip()), ("sohae", "Kim applauded the successful test at the Sohae "
                                           "launch site.")
    ]  # fmt: skip
    other = claims(lead + "Trucks were seen moving at Sanumdong.")
    assert [(c.site_id, c.activity) for c in other] == [("sanumdong", "vehicle movement")]
    # The chain goes on while each sentence refers back to the one before it.
    chain = claims(
        "North Korea is planning to reintroduce nuclear material at its bomb-producing "
        "complex, officials have said.\n\nMonitors were removed from the complex, which had "
        "been shut down.\n\nNorth Korea said it was working to reactivate the Yongbyon "
        "reactor complex."
    )
    assert [(c.site_id, c.polarity, c.attribution) for c in chain] == [
        ("yongbyon", "positive", "officials"), ("yongbyon", "negative", ""),
        ("yongbyon", "positive", "North Korea"),
    ]  # fmt: skip


def test_a_facility_of_another_kind_is_not_the_site_named_before() -> None:
    # "a missile engine test site" is not the nuclear complex of the sentence before; "his
    # main nuclear weapons facility" is the one the next sentence names, not the launch
    # station named before it.
    text = (
        "Kim has agreed to dismantle his main nuclear complex at Nyongbyon. "
        "The North would dismantle a missile engine test site and launch pad. "
        "There will be no rocket testing.\n\n"
        "The North agreed to terminate the Tongchang-ri engine testing site. "
        "Kim even offered to shut down his main nuclear weapons facility. "
        "The statement named the permanent dismantlement of the Yongbyon nuclear center."
    )
    found = [(c.site_id, c.sentence.split()[1], c.polarity, c.modality) for c in claims(text)]
    assert found == [
        ("yongbyon", "has", "positive", "planned"),
        ("sohae", "North", "negative", "planned"),
        ("yongbyon", "even", "negative", "planned"),
        ("yongbyon", "statement", "positive", "observed"),
    ]


def test_not_saying_is_not_negating_and_initials_do_not_end_a_sentence() -> None:
    unsaid = only(claims("Pompeo's comment that Pyongyang did not specify what it would do to "
                         "dismantle the Yongbyon nuclear facility."))  # fmt: skip
    assert (unsaid.polarity, unsaid.attribution) == ("positive", "Pompeo")
    lead = "North Korea has secretly built a vast facility to enrich uranium.\n\n"
    hecker = claims(lead + "Professor Siegfried S. Hecker said centrifuges at the Yongbyon "
                           "complex were operated from a modern control room.")  # fmt: skip
    # the lead's claims (building, enriching) and the professor's, all at Yongbyon
    assert [c.site_id for c in hecker] == ["yongbyon"] * 3
    assert hecker[-1].attribution == "Professor Siegfried S. Hecker"


def test_denials_refusals_and_litotes() -> None:
    denied = only(claims("But major US newspapers denied that the reprocessing facility at "
                         "Youngbyon has been reactivated in any way."))  # fmt: skip
    assert (denied.site_id, denied.polarity, denied.attribution) == (
        "yongbyon", "negative", "US newspapers"
    )  # fmt: skip
    chosen = only(claims("So far they have chosen not to start the reactor at Yongbyon."))
    assert chosen.polarity == "negative"
    litotes = only(claims("The action was not unexpected, since Pyongyang had already "
                          "re-opened the Yongbyon complex."))  # fmt: skip
    assert litotes.polarity == "positive"


def test_sources_at_the_sentence_end() -> None:
    wire = only(claims("North Korea on Tuesday said it plans to restart the reactor at "
                       "Yongbyon, Yonhap News reports."))  # fmt: skip
    assert wire.attribution == "Yonhap News"
    quoted = only(claims("North Korea will restart the reactor at Yongbyon, KCNA quoted a "
                         "spokesman at its atomic energy agency as saying."))  # fmt: skip
    # The one quoted is the speaker; the agency that quoted them relays it.
    assert quoted.attribution == "spokesman at its atomic energy agency"
    confirmed = only(claims("North Korea restarted its Youngbyon reactor, confirmed a Bush "
                            "administration official on Wednesday."))  # fmt: skip
    assert confirmed.attribution == "Bush administration official"


def test_absent_signatures_power_and_undetermined_status() -> None:
    missing = only(claims("At Yongbyon, in imagery from late September both these signatures "
                          "are missing, the think tank said."))  # fmt: skip
    assert (missing.polarity, missing.attribution) == ("negative", "think tank")
    assert only(claims("The Yongbyon reactor had been powered down in 2007.")).polarity == (
        "negative"
    )  # fmt: skip
    assert only(claims("The Yongbyon reactor went back online last year.")).polarity == "positive"
    unknown = only(claims("It is not possible to determine whether the Yongbyon reactor has "
                          "been re-started."))  # fmt: skip
    assert unknown.polarity == "positive"
    assert claims("There is no way to monitor the activities at Yongbyon.") == []


def test_asides_and_speakers_with_their_titles() -> None:
    aside = only(claims("Pyongyang announced in April that it would revive the reactor at "
                        "Yongbyon - which experts say can produce plutonium."))  # fmt: skip
    assert aside.attribution == "Pyongyang"
    chief = only(claims("Activities were observed at Yongbyon consistent with a restart, the UN "
                        "nuclear agency chief said on Thursday."))  # fmt: skip
    assert chief.attribution == "UN nuclear agency chief"
    analysed = only(claims("Satellite photos analyzed by the International Atomic Energy Agency "
                           "had shown that the Yongbyon reactor was operational."))  # fmt: skip
    assert analysed.attribution == "International Atomic Energy Agency"


def test_launch_stories_and_test_signatures() -> None:
    # A launch story names its site late: every sentence before it that speaks of the
    # launch is about that site.
    story = claims(
        "North Korea has successfully launched a long range rocket. The launch occurred at "
        "9:51 a.m. local time, according to Yonhap.\n\nThe rocket lifted off from the Sohae "
        "Space Center on Wednesday."
    )
    assert [c.site_id for c in story] == ["sohae"] * 3
    assert story[1].attribution == "Yonhap"
    burned = only(claims("Imagery of the Sohae engine test stand showed burned vegetation and "
                         "scarring of the ground."))  # fmt: skip
    assert burned.activity == "test"
    fired = only(claims("This is the second long range rocket North Korea fired this year "
                        "from Sohae."))  # fmt: skip
    assert fired.activity == "test"


def test_sources_named_after_their_role() -> None:
    experts = only(claims("Imagery revealed notable progress on construction at the "
                          "Dongchang-ri rocket site, said image experts Nick Hansen and Jack "
                          "Liu in a report."))  # fmt: skip
    assert experts.attribution == "experts Nick Hansen and Jack Liu"
    group = only(claims("New satellite images have shown suspicious activity at Yongbyon, 38 "
                        "North, a Washington-based monitoring group announced."))  # fmt: skip
    assert group.attribution == "38 North"
    tank = only(claims("North Korea conducted a test of a rocket engine at Sohae, an analysis "
                       "of imagery by a U.S. think tank has shown."))  # fmt: skip
    assert tank.attribution == "U.S. think tank"


def test_a_place_before_the_speaker_and_quiet_sites() -> None:
    # The first match of a speaker pattern may be a place ("at Yongbyon showed"); the next
    # one is the speaker.
    quiet = only(claims("The reactors at Yongbyon showed no clear signs of operations, 38 North "
                        "said on its website."))  # fmt: skip
    assert (quiet.attribution, quiet.polarity) == ("38 North", "negative")
    monitor = only(claims("Little to no activity is spotted at Yongbyon, a US monitor said."))
    assert (monitor.attribution, monitor.polarity) == ("US monitor", "negative")
    swing = only(claims("38 North says the Yongbyon Nuclear Center is in full swing."))
    assert (swing.activity, swing.polarity) == ("operating", "positive")
    ordinary = claims("38 North said that activity at the Yongbyon site is not out of the "
                      "ordinary.")  # fmt: skip
    assert {c.polarity for c in ordinary} == {"positive"}


def test_lists_of_names_state_media_and_engine_burns() -> None:
    names = only(claims("Analysts Joseph S. Bermudez Jr., Frank Pabian and Jack Li stated that "
                        "images show preparation for an engine test at Sohae."))  # fmt: skip
    assert names.attribution == "Joseph S. Bermudez Jr., Frank Pabian and Jack Li"
    state = only(claims("Kim guided the ground test at Sohae, according to the state-run Korean "
                        "Central News Agency."))  # fmt: skip
    assert state.attribution == "Korean Central News Agency"
    paper = only(claims("Rodong Sinmun ran a front-page article that showed the engine test at "
                        "Sohae."))  # fmt: skip
    assert paper.attribution == "Rodong Sinmun"
    burn = only(claims("During a 200 seconds burn at Sohae, the engine reached full thrust."))
    assert burn.activity == "test"
    unchanged = only(claims("There do not appear to be any major changes to this building at "
                            "Yongbyon."))  # fmt: skip
    assert (unchanged.activity, unchanged.polarity) == ("construction/rebuilding", "negative")


def test_spellings_and_places_not_on_the_watchlist() -> None:
    assert only(claims("Vehicles have been observed at Dongchang-ri.")).site_id == "sohae"
    assert only(claims("Cargo trucks were spotted near Saneum-dong.")).site_id == "sanumdong"
    text = (
        "The Yongbyon reactor kept operating last week. "
        "Meanwhile, tunnel entrances at Punggye-ri were being excavated. "
        "Construction there continued through February."
    )
    found = claims(text)
    assert [(c.site_id, c.activity) for c in found] == [("yongbyon", "operating")]
    distractor = "The Kangson enrichment plant is operating. Construction there continued."
    assert claims(distractor) == []


def test_who_said_it() -> None:
    spy = only(claims("South Korea's spy agency said Tuesday that vehicular movements were "
                      "seen at Sanumdong."))  # fmt: skip
    assert (spy.activity, spy.attribution, spy.attribution_type) == (
        "vehicle movement", "South Korea's spy agency", "agency"
    )  # fmt: skip
    nis = only(claims("The National Intelligence Service told lawmakers that the Yongbyon "
                      "enrichment plant kept operating."))  # fmt: skip
    assert (nis.attribution, nis.attribution_type) == ("National Intelligence Service", "agency")
    quoted = only(claims("Jeffrey Lewis was quoted as saying that trucks moved at Sanumdong."))
    assert quoted.attribution == "Jeffrey Lewis"
    # "it added" points back to the agency, not to the person it quoted.
    text = (
        "Kim ordered the expansion of Sohae, the Korean Central News Agency reported. "
        "Kim called for modernizing the launch pad. "
        "\u201cHe assigned tasks for reconstructing the launching ground,\u201d it added."
    )
    assert [c.attribution for c in claims(text)] == [
        "Korean Central News Agency", "Kim", "Korean Central News Agency"
    ]  # fmt: skip
    # A quotation in straight marks goes on into the next sentence, still its speaker's.
    straight = claims('IAEA director general Mohamed ElBaradei said: "Our inspectors are at '
                      'Yongbyon. They verified the shutting down of the reactor."')  # fmt: skip
    assert [(c.attribution, c.polarity) for c in straight] == [("Mohamed ElBaradei", "negative")]
    said = 'Officials "plan to introduce nuclear material to the Yongbyon reprocessing plant'
    statement = only(claims(said + ' in one week," said an IAEA statement.'))
    assert (statement.attribution, statement.modality) == ("IAEA statement", "planned")
    # The speaker after a quotation closes, not a subject inside it.
    said_so = "\u201cThe North has expressed its intention to dismantle the Yongbyon center,\u201d"
    read = only(claims(said_so + " the statement read, \u201cif the U.S. acts.\u201d"))
    assert read.attribution == "statement"
    typo = only(claims("Kim attended the test at Sohae, according KCNA."))
    assert (typo.attribution, typo.attribution_type) == ("KCNA", "agency")
    own = only(claims("Imagery shows the transfer structure at Sohae being rebuilt.",
                      publisher="38 North"))  # fmt: skip
    assert (own.attribution, own.attribution_type, own.source) == (
        "38 North", "publication", "t.txt"
    )  # fmt: skip


def test_speakers_in_appositions_quotes_and_pronouns() -> None:
    """The sixteenth round's families: a name in single quotation marks, adverbs before
    the verb, staff of an organisation before an apposition, a speaker introduced by an
    organisation's possessive, the longer "official media", a pronoun after a name, an
    anaphor that goes on relaying the organisation, straight quotation marks that open."""
    called = only(claims("A monitoring group called '38 North' has confirmed that North Korea "
                         "tested an engine at Sohae on 22 June."))  # fmt: skip
    assert called.attribution == "38 North"
    alleged = only(claims("A US official has allegedly suggested that the Sohae test could "
                          "be a step toward an ICBM."))  # fmt: skip
    assert alleged.attribution == "US official"
    staff = only(claims("Engine tests appear to have taken place at Sohae in late March, "
                        "analysts at 38 North, a blog run by the School of Advanced "
                        "International Studies at Johns Hopkins University, have "
                        "concluded."))  # fmt: skip
    assert (staff.attribution, staff.attribution_type) == ("38 North", "think tank")
    group = only(claims("New images show activity at Yongbyon, 38 North, a Washington-based "
                        "monitoring group announced on Tuesday."))  # fmt: skip
    assert group.attribution == "38 North"
    media = only(claims("The engine test was carried out at Sohae, according to its official "
                        "media."))  # fmt: skip
    assert media.attribution == "official media"
    claimed = only(claims("In March, North Korea claimed it successfully tested a new "
                          "engine at Sohae."))  # fmt: skip
    assert claimed.attribution == "North Korea"
    text = ("Satellite photos show the Yongbyon reactor is not operating, the institute's "
            "David Albright, said. But he speculated that the North probably keeps operating the "
            "enrichment plant at Yongbyon.")  # fmt: skip
    assert [c.attribution for c in claims(text)] == ["David Albright", "David Albright"]
    relayed = claims("The reactor at Yongbyon is edging closer to operation, the website 38 "
                     "North claimed. Construction will finish soon, the website admitted. "
                     "The exterior of the reactor was completed in October.",
                     publisher="Koogle TV")  # fmt: skip
    assert [c.attribution for c in relayed if c.activity == "construction/rebuilding"] == [
        "38 North", "38 North"
    ]  # fmt: skip
    inside = only(claims('"Since it is preparing to restart the facilities at Yongbyon, the '
                         'DPRK has informed the IAEA," the U.N. nuclear watchdog '
                         "said."))  # fmt: skip
    assert inside.attribution == "U.N. nuclear watchdog"


def test_offline_lights_repaving_and_the_stages_of_a_building() -> None:
    """The sixteenth round's vocabulary: a reactor offline, lights at night, repaving,
    cranes, roofing, beams and a dome, a building to be completed, a campaign that is
    over; watching activity is not activity; a forecast's and an expert's speaker."""
    offline = only(claims("The Yongbyon reactor has been offline since August."))
    assert (offline.activity, offline.polarity) == ("operating", "negative")
    lights = only(claims("Imagery detected bright lights at the Sohae launch station."))
    assert (lights.activity, lights.polarity) == ("operating", "positive")
    paving = only(claims("Imagery shows repaving efforts began at Sohae on June 16."))
    assert paving.activity == "construction/rebuilding"
    for sentence in (
        "Cranes can be seen around the reactor building at Yongbyon.",
        "Roofing was stripped off two buildings at Yongbyon.",
        "Two metal beams appear to have been placed across the roof at Yongbyon.",
        "The Yongbyon reactor could be completed in 2013.",
        "A new bridge is in place at Sohae.",
    ):
        assert only(claims(sentence)).activity == "construction/rebuilding", sentence
    dome = only(claims("The reactor building at Yongbyon has yet to be covered with the dome."))
    assert (dome.activity, dome.polarity) == ("construction/rebuilding", "negative")
    over = [c for c in claims("The campaign to separate plutonium at the Yongbyon plant may be "
                              "finished.") if c.activity == "operating"]  # fmt: skip
    assert [c.polarity for c in over] == ["negative"]
    assert claims("Activity at the Yongbyon reactor is closely watched.") == []
    forecast = only(claims("The South Korean defense ministry predicts that the Yongbyon "
                           "reactor will go into normal operations this summer."))  # fmt: skip
    assert forecast.attribution == "South Korean defense ministry"
    expert = claims("The images of Yongbyon were assessed for ISIS by a reactor expert. He "
                    "estimated that the reactor could be completed in 2013.")  # fmt: skip
    assert [c.attribution for c in expert] == ["reactor expert"]


def test_mothballed_completed_and_the_products_of_reprocessing() -> None:
    """The seventeenth round's families: a complex mothballed is negative, reprocessing
    completed is positive (it took place), the extracted plutonium is a product and not
    an activity, an analysis "of satellite images by" a named source, and a centrifuge
    hall refers back to its site."""
    mothballed = only(claims("The Yongbyon complex had been mothballed under an accord."))
    assert (mothballed.activity, mothballed.polarity) == ("operating", "negative")
    done = only(claims("North Korea said it completed reprocessing of 8,000 spent fuel rods "
                       "at its Yongbyon complex by the end of August."))  # fmt: skip
    assert (done.activity, done.polarity) == ("operating", "positive")
    product = claims("Yongbyon restarted its reactor. Successes have been made in turning the "
                     "extracted plutonium weapon-grade, it added.")  # fmt: skip
    assert [c.sentence[:9] for c in product] == ["Yongbyon "]
    jane = only(claims("According to an analysis of satellite images by IHS Jane's "
                       "Intelligence Review, North Korea appears to be operating a uranium "
                       "centrifuge hall at Yongbyon."))  # fmt: skip
    assert jane.attribution == "IHS Jane's Intelligence Review"
    hall = claims("A second centrifuge hall at Yongbyon began operating.\n\n\"Many are "
                  "concerned,\" an analyst said.\n\nIf the new centrifuge hall is "
                  "operational, it could double production.")  # fmt: skip
    assert [c.site_id for c in hall] == ["yongbyon", "yongbyon"]


def test_disablement_wire_copy_and_places_not_watched() -> None:
    """The eighteenth round's families: disabling, work done at a site, material produced;
    a process that prevents launches or zaps production is negative; speakers "officials
    here said", "reports Agence France Presse", "the document said", a long apposition
    before "said," and "He added" after it; a nuclear test is a test site's, not the
    complex named before; after an unwatched place, the paragraph's sentences are its."""
    disable = only(claims("North Korea promised to disable the Yongbyon reactor."))
    assert (disable.activity, disable.modality) == ("construction/rebuilding", "planned")
    done = only(claims("He could not say what work had been done at the Yongbyon complex."))
    assert done.activity == "construction/rebuilding"
    made = only(claims("North Korea has produced weapons-grade material at the Yongbyon site."))
    assert made.activity == "operating"
    prevented = claims("Imagery of the Sohae pad shows construction still ongoing, which would "
                       "prevent launches in the near future.")  # fmt: skip
    assert ("test", "negative") in {(c.activity, c.polarity) for c in prevented} or (
        "launch preparation", "negative"
    ) in {(c.activity, c.polarity) for c in prevented}  # fmt: skip
    zapped = [c for c in claims("Disabling Yongbyon will zap plutonium production for a year.")
              if c.activity == "operating"]  # fmt: skip
    assert [c.polarity for c in zapped] == ["negative"]
    here = only(claims("North Korea has begun disabling the Yongbyon complex, officials here "
                       "said."))  # fmt: skip
    assert here.attribution == "officials"
    afp = only(claims("North Korea has begun disabling Yongbyon, reports Agence France "
                      "Presse."))  # fmt: skip
    assert afp.attribution == "Agence France Presse"
    document = only(claims("The document said the disabling of the reactor at Yongbyon would be "
                           "completed by Dec. 31."))  # fmt: skip
    assert document.attribution == "document"
    hill = claims('Christopher Hill, US assistant secretary of state, speaking in Tokyo, said, '
                  '"They will begin dismantling the facilities in Yongbyon." He added, "It is '
                  'the first time it is going to start dismantling its nuclear '
                  'program."')  # fmt: skip
    assert [c.attribution for c in hill] == ["Christopher Hill", "Christopher Hill"]
    test = claims("The North shut down the Yongbyon reactor in July. The country conducted "
                  "its first nuclear test in October.")  # fmt: skip
    assert [c.activity for c in test] == ["operating"]
    away = claims("Construction resumed at the Tonghae launch ground. Those facilities appear "
                  "designed to test larger rockets. There was no construction at the new "
                  "pad.\nConstruction of major new projects at the Sohae station began this "
                  "summer.")  # fmt: skip
    assert [c.sentence[:12] for c in away] == ["Construction"]
    # A line break after a sentence's end starts a paragraph; one inside a sentence wraps.
    assert paragraphs('A wrapped\nline. "A quote."\nNext one.') == [
        ['A wrapped line.', '"A quote."'], ["Next one."]
    ]  # fmt: skip


def test_steam_quays_railcars_and_named_appositions() -> None:
    """The nineteenth round's families: steam seen, water discharged, a site more active,
    quays and jetties, material moved; speakers whose name has "for" and "and" in it,
    "the organization said", "the authors ... and added", a name in apposition before
    "also reported", an analysis "posted on" a website, "..., saying"."""
    steam = only(claims("A Dec. 3 image of Yongbyon showed steam at its fuel fabrication plant."))
    assert steam.activity == "operating"
    water = only(claims("Water continues to be discharged from the Yongbyon reactor's pipe."))
    assert water.activity == "operating"
    quay = only(claims("Approximately 180 meters of new quay wall has been added at Sohae."))
    assert quay.activity == "construction/rebuilding"
    moved = [c.activity for c in claims("It was unclear whether any material was actually "
                                         "moved at Yongbyon.")]  # fmt: skip
    assert "vehicle movement" in moved
    isis = only(claims("The Institute for Science and International Security, a private "
                       "research group, said that an image of Yongbyon showed steam."))  # fmt: skip
    assert isis.attribution == "Institute for Science and International Security"
    iaea = only(claims("The U.N. nuclear watchdog, the International Atomic Energy Agency, "
                       "also reported steam at Yongbyon."))  # fmt: skip
    assert iaea.attribution == "International Atomic Energy Agency"
    authors = only(claims("The authors used satellite photos of Yongbyon to verify the "
                          "movements of the railcars and added that they were seen in "
                          "April."))  # fmt: skip
    assert authors.attribution == "authors"
    posted = only(claims("North Korea resumed building in Yongbyon, according to an analysis "
                         "posted yesterday on 38 North."))  # fmt: skip
    assert posted.attribution == "38 North"
    saying = only(claims("North Korea unveiled a plant in Yongbyon, saying that it was "
                         "enriching uranium."))  # fmt: skip
    assert saying.attribution == "North Korea"


def test_thermal_signs_purposes_and_participles_of_seeing() -> None:
    """The twentieth round's families: stack emissions, heat patterns, start-up and
    separation as operating (and "no ... emissions", "abandoned", "without actually
    conducting any" as their negation); earthmoving and a roof removed as building; what
    a facility is used for, and talk about the activity's nature, are not activity; a
    shutdown "for maintenance" is a pause, not the end of the work; a date and a thing
    "observed at" a place are not speakers; "X earlier suggested" names X."""
    stack = only(claims("Materials are seen at Yongbyon, but there were no stack emissions "
                        "from the thermal plant."))  # fmt: skip
    assert (stack.activity, stack.polarity) == ("operating", "negative")
    heat = only(claims("In spring 2016, thermal imagery showed concentrated heat patterns at "
                       "Yongbyon."))  # fmt: skip
    assert (heat.activity, heat.polarity) == ("operating", "positive")
    abandoned = only(claims("Since the Yongbyon 50 MWe reactor has been abandoned since 1994, "
                            "the operation is of interest."))  # fmt: skip
    assert abandoned.polarity == "negative"
    signal = only(claims("North Korea may be trying to signal plutonium separation activities "
                         "at Yongbyon without actually conducting any."))  # fmt: skip
    assert (signal.activity, signal.polarity) == ("operating", "negative")
    earth = only(claims("Earthmoving is noted south of the Yongbyon engineering building."))
    assert earth.activity == "construction/rebuilding"
    roof = only(claims("ONN noted that the roof of one of the buildings adjacent to the main "
                       "reactor hall at Yongbyon had been removed."))  # fmt: skip
    assert (roof.activity, roof.attribution) == ("construction/rebuilding", "ONN")
    assert claims("The Yongbyon complex includes a plant which is used to reprocess spent "
                  "fuel.") == []  # fmt: skip
    assert claims("The nature of the recent activity at Yongbyon remained unclear.") == []
    pause = claims("Imagery continues to show signatures consistent with the shutdown of the "
                   "Yongbyon reactor for maintenance or renovations.")  # fmt: skip
    assert {(c.activity, c.polarity) for c in pause} == {
        ("operating", "negative"), ("construction/rebuilding", "positive")
    }  # fmt: skip
    dated = only(claims("Satellite imagery from Planet dated 23 June 2021 revealed that a "
                        "building at Yongbyon had been razed.", publisher="ONN"))  # fmt: skip
    assert dated.attribution == "ONN"
    seen = claims("The 5 MWe Reactor Activity observed at the Yongbyon reactor is at normal "
                  "levels, including light traffic.", publisher="38 North")  # fmt: skip
    assert {c.attribution for c in seen} == {"38 North"}
    earlier = only(claims("Beyond Parallel earlier suggested possible activities at the "
                          "Yongbyon reprocessing facilities.", publisher="The Paper"))  # fmt: skip
    assert earlier.attribution == "Beyond Parallel"


def test_headline_sources_refurbishing_and_sentences_between() -> None:
    """The twenty-first round's families: a headline's source before its colon, "a source
    familiar with ... said", "X speculated"; refurbishing, digging, a building's foundation,
    a new blue-roofed building, an installation, a building built in a year; preparations
    that "may be under way", preparing to fire, railcars' movement and a transfer of
    material; "does not rule out" is not a negation; a sign's usual meaning and how
    activity is watched for are not activity; a sentence with neither a place nor an
    activity does not break the site's thread."""
    voa = only(claims("VOA: Transportable Building at Sohae Partially Dismantled",
                      publisher="KBS World"))  # fmt: skip
    assert (voa.activity, voa.attribution) == ("construction/rebuilding", "VOA")
    source = [c.attribution for c in claims(
        "A source familiar with US government assessments said the movements of railcars at "
        "Yongbyon were related to reprocessing.", publisher="The Paper")]  # fmt: skip
    assert set(source) == {"source"}
    for text in ("North Korea is reportedly refurbishing its Yongbyon nuclear facility.",
                 "About 40 pits were dug in a courtyard at Yongbyon.",
                 "Imagery revealed a new blue-roofed building at Yongbyon.",
                 "Images indicate the installation of six heat exchangers at Yongbyon.",
                 "The Sanum-dong facility was built in 2012."):  # fmt: skip
        assert "construction/rebuilding" in {c.activity for c in claims(text)}, text
    prep = claims("An analysis suggests preparations may be under way for a large rocket "
                  "launch from Sohae.")  # fmt: skip
    assert "launch preparation" in {c.activity for c in prep}
    moved = claims("Five railcars stood at Yongbyon. It said their movement could indicate "
                   "the transfer of radioactive material.")  # fmt: skip
    assert [c.activity for c in moved if "their movement" in c.sentence] == ["vehicle movement"]
    ruled = claims("The activity at Yongbyon does not rule out a reprocessing campaign.")
    assert {c.polarity for c in ruled} == {"positive"}
    assert claims("Steam emissions from the Yongbyon plant typically indicate plutonium "
                  "production.") == []  # fmt: skip
    assert claims("Analysts can track reactor activity at Yongbyon by observing vehicle "
                  "presence near the facility.") == []  # fmt: skip
    thread = claims("Trucks were seen at Sohae.\n\nVOA said the images were taken on October "
                    "2.\n\nAnother structure has also been built.")  # fmt: skip
    assert [(c.site_id, c.activity) for c in thread if c.sentence.startswith("Another")] == [
        ("sohae", "construction/rebuilding")
    ]  # fmt: skip


def test_dateline_is_not_the_activity_date_and_abbreviated_months() -> None:
    wire = only(claims("SEOUL, March 5 (Yonhap) -- Trucks were spotted moving at Sanumdong on "
                       "Feb. 22, officials said."))  # fmt: skip
    assert (wire.window_start.date(), wire.window_end.date()) == (date(2019, 2, 22),) * 2
    assert wire.sentence.startswith("SEOUL, March 5 (Yonhap)")
    assert wire.attribution == "officials"
    undated = only(claims("SEOUL, March 5 (Yonhap) -- Work continues at Sohae to rebuild the "
                          "launch pad."))  # fmt: skip
    assert undated.date_basis.startswith("no date in the sentence")
    assert (undated.attribution, undated.attribution_type) == ("Yonhap", "news outlet")
    tests = only(claims("North Korea conducted two tests at Sohae in Dec. 2017."))
    assert tests.activity == "test"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2019-03-08", date(2019, 3, 8)), ("March 8, 2019", date(2019, 3, 8)),
     ("8 March 2019", date(2019, 3, 8)), ("Mar. 8 2019", date(2019, 3, 8)),
     ("2019/03/08", date(2019, 3, 8)), ("2019-03-08T09:00:00Z", date(2019, 3, 8))],
)  # fmt: skip
def test_free_form_publication_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["March 8", "yesterday", "2019-13-01", ""])
def test_publication_dates_without_a_year_or_invalid_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


def test_negative_claim_is_supported_by_imagery_without_activity() -> None:
    quiet = only(claims("There has been no construction at Sohae since March 1."))
    assert quiet.polarity == "negative"
    assert quiet.window_start.date() == date(2019, 3, 1)
    assert quiet.window_end.date() == PUB
    t = datetime(2019, 3, 4, tzinfo=UTC)
    calm = [Observation("sohae", "changed_area", 40.0, t, "s1", "s0")]
    assert check_claim(quiet, calm, []).status == "supported"
    busy = [Observation("sohae", "changed_area", 9000.0, t, "s1", "s0")]
    assert check_claim(quiet, busy, []).status == "not supported"
    assert check_claim(quiet, [], []).status == "no imagery"


def test_cli_reads_standard_input_with_source_and_free_form_date(
    runner: CliRunner, db_url: str
) -> None:
    text = "Imagery shows the transfer structure at Sohae being rebuilt last week."
    r = runner.invoke(cli, ["--db", db_url, "claims", "extract", "-", "--source", "38 North",
                            "--published", "March 8, 2019", "--json"], input=text)  # fmt: skip
    assert r.exit_code == 0, r.output
    (claim,) = json.loads(r.stdout)
    assert (claim["attribution"], claim["attribution_type"]) == ("38 North", "publication")
    assert (claim["polarity"], claim["modality"]) == ("positive", "observed")
    assert claim["window"] == ["2019-02-25T00:00:00Z", "2019-03-03T23:59:59Z"]
    stored = json.loads(run_cli(runner, db_url, "claims", "list", "--json").stdout)
    assert stored[0]["polarity"] == "positive"
    assert stored[0]["source"] == "38 North"
    bad = runner.invoke(cli, ["--db", db_url, "claims", "extract", "-", "--published",
                              "March 8"], input=text)  # fmt: skip
    assert_one_line_error(bad, "not a date with a year")


def test_extraction_stays_linear_on_adversarial_text(tmp_path: Path) -> None:
    """Long runs of abbreviations, dots and capitalised words: extraction time grows
    with the text, not faster (each doubling of the text at most ~3x the time)."""
    import time

    unit = ("U.S. Dr. Gen. Lt. Col. " * 20 + ". . . . " * 20 + "North Korean Central "
            "Military Commission Agency Institute " * 20 + "said Sohae rebuilt. ")  # fmt: skip
    times = []
    for n in (20, 40, 80):
        t0 = time.perf_counter()
        extract_claims(unit * n, builtin_sites(), PUB)
        times.append(time.perf_counter() - t0)
    assert times[2] < 3.5 * times[1] + 0.05
    assert times[1] < 3.5 * times[0] + 0.05


def test_twenty_second_round_rules() -> None:
    """Held-out round 22: a subordinator is not a speaker, an appositive expert and a
    pronoun after "made the remarks" are, a restart outweighs an earlier stop, "nothing to
    indicate" negates, and smoke put out is operation."""
    text = "While previously reported repair work continues at Yongbyon, smoke is observed."
    assert only(claims(text, publisher="38 North")).attribution == "38 North"
    text = (
        "IAEA chief Rafael Grossi made the remarks on Yongbyon in Vienna.\n\u201cThere are "
        "indications that the plant at Yongbyon continues to operate,\u201d he said."
    )
    assert [c.attribution for c in claims(text, publisher="Korea Daily")] == ["Rafael Grossi"]
    text = (
        "A weapons expert, Jeffrey Lewis at the Middlebury Institute, told CNN that the "
        "images show the North is repairing the Yongbyon reactor."
    )
    assert only(claims(text)).attribution == "Jeffrey Lewis"
    text = (
        "CNN reported that the reactor at Yongbyon is under construction again, work having "
        "stopped in 1994."
    )
    assert only(claims(text)).polarity == "positive"
    text = "The launch pad at Sohae appears quiet, with nothing to indicate a launch is imminent."
    assert only(claims(text)).polarity == "negative"
    c = only(claims("Satellite photos showed Yongbyon putting out mysterious smoke clouds."))
    assert (c.activity, c.polarity) == ("operating", "positive")


def test_twenty_third_round_rules() -> None:
    """Held-out round 23: an anaphor after its verb ("said the institute") and one a few
    words from it ("The report based on imagery taken April 20 said") name the source
    named before, in a paragraph of its own; who runs a website is not a facility
    operating."""
    text = (
        "North Korea appears to be running a new fuel plant in Yongbyon, a U.S. think tank "
        'said Monday.\nThe resumed operation of the facilities in Yongbyon is "more '
        'extensive than previously understood," said the institute.'
    )
    found = claims(text, publisher="Korea Herald")
    assert [c.attribution for c in found] == ["U.S. think tank"] * 2
    text = (
        "38 North, a U.S. think tank, said Friday that construction goes on at Yongbyon.\nThe "
        "report based on satellite imagery taken April 20 said construction has been "
        "detected at Yongbyon."
    )
    assert [c.attribution for c in claims(text, publisher="Yonhap")] == ["38 North"] * 2
    text = (
        "The new information on Yongbyon was published by the website 38 North, which is "
        "operated by the U.S.-Korea Institute."
    )
    assert claims(text) == []


def test_twenty_fourth_round_rules() -> None:
    """Held-out round 24: a lead about "a rocket launchpad" is about the site the next
    sentence names; "came to a halt" negates; a reporter's "said image analyst NAME" and
    "a leading defence journal said" name the speaker, and so does "The IAEA statement
    suggests"; trenching, a dome put in place and "the burning of the uranium fuel" are
    activity, "iron scrap" and what a kind of facility is for are not; a negation before
    ", citing" does not reach what is cited after it."""
    lead = only(
        claims(
            "North Korea has completed upgrades to a rocket launchpad in the country's "
            "northwest, sources said.\n\nThe cover at the launch site in Tongchang-ri is "
            "meant to evade satellites."
        )
    )
    assert (lead.site_id, lead.activity) == ("sohae", "construction/rebuilding")
    halt = only(claims("Construction at Yongbyon began in 1985 and came to a halt in 1994."))
    assert halt.polarity == "negative"
    quoted = only(
        claims(
            '"North Korea has taken a major step to build a reactor at Yongbyon," said image '
            "analyst Allison Puccioni.",
            publisher="AFP",
        )
    )
    assert quoted.attribution == "Allison Puccioni"
    journal = only(
        claims(
            "North Korea has put a dome on its reactor at Yongbyon, a leading defence journal "
            "said.",
            publisher="AFP",
        )
    )
    assert "defence journal" in journal.attribution
    statement = claims(
        "The IAEA statement suggests that Yongbyon's new building may expand enrichment.",
        publisher="CSIS",
    )
    assert statement
    assert {c.attribution for c in statement} == {"IAEA statement"}
    assert {
        c.activity
        for text in (
            "Some trenching work was observed at Yongbyon in April.",
            "The dome, which had been lying on the ground at the Yongbyon complex, has now "
            "been put in place.",
            "At Yongbyon, the burning of the uranium fuel is believed to have gone on longer.",
        )
        for c in claims(text)
    } == {"construction/rebuilding", "operating"}
    assert claims('Officials called the Yongbyon reactor "ruined concrete and iron scrap".') == []
    assert (
        claims(
            "Yongbyon is a nuclear site.\nA graphite-moderated reactor is a facility to produce "
            "plutonium by burning uranium fuel."
        )
        == []
    )
    cited = claims(
        "The shutdown of the reactor at Yongbyon appears to be temporary, 38 North said, "
        "citing the lack of steam and a large excavation project along the riverbank."
    )
    assert {(c.activity, c.polarity) for c in cited} == {
        ("operating", "negative"), ("construction/rebuilding", "positive")
    }  # fmt: skip


def test_twenty_fifth_round_rules() -> None:
    """Held-out round 25: "has reportedly built", work "ongoing", a liquid effluent and
    "generate ... plutonium" are activity; a headline's lead "at nuclear research center"
    or "North Korea's Experimental Light Water Reactor" takes the site the next sentence
    names, and ": 38 North" at its end is its source; "not indicative of" negates; what a
    sign indicates "where" it appears is not a claim; "An American website ... announced"
    and "U.S. intelligence estimates" name the speaker; an agency cited as agreeing ("This
    is consistent with statements by the IAEA") does not speak for the sentences after."""
    found = claims(
        "North Korea finished work on secondary cooling system at nuclear research center: "
        "38 North\n\nNorth Korea has reportedly built additional cooling system at its "
        "Yongbyon Nuclear Scientific Research Center."
    )
    assert [(c.site_id, c.activity) for c in found] == [("yongbyon", "construction/rebuilding")] * 2
    assert found[0].attribution == "38 North"
    heading = claims(
        "North Korea\u2019s Experimental Light Water Reactor: Possible Testing of Cooling "
        "System\n\nImagery of the Yongbyon Nuclear Scientific Research Center shows activity "
        "at the reactor."
    )
    assert heading[0].sentence.startswith("North Korea\u2019s Experimental")
    assert {heading[0].site_id} == {"yongbyon"}
    assert {
        (c.activity, c.modality)
        for text in (
            "Work has also been ongoing for several months on a dam at Yongbyon.",
            "Imagery reveals a steady liquid effluent from the reactor at Yongbyon.",
            "Experts say the reactor at Yongbyon can generate enough plutonium for a bomb a year.",
        )
        for c in claims(text)
    } == {
        ("construction/rebuilding", "observed"), ("operating", "observed"),
        ("operating", "capable"),
    }  # fmt: skip
    full = only(
        claims('"The work at Yongbyon is not indicative of full-scale construction," she said.')
    )
    assert full.polarity == "negative"
    assert (
        claims(
            "The pipe at Yongbyon is part of the cooling system where frequent discharge of "
            "hot water indicates reactor operation."
        )
        == []
    )
    website = only(
        claims(
            "An American website devoted to analysis on North Korea announced Monday, "
            "\u201cImagery of Yongbyon captured a discharge of cooling water.\u201d",
            publisher="Dong-A",
        )
    )
    assert website.attribution == "American website"
    estimate = only(
        claims(
            "U.S. intelligence estimates the reactor at Yongbyon has produced enough plutonium "
            "for nine weapons.",
            publisher="Pravda",
        )
    )
    assert estimate.attribution == "U.S. intelligence"
    cited = claims(
        "This is consistent with statements by the IAEA that the IAEA detected warm water at "
        "Yongbyon. After months of operation, the reactor at Yongbyon could make plutonium.",
        publisher="ISIS",
    )
    assert [c.attribution for c in cited] == ["IAEA", "ISIS"]


def test_twenty_sixth_round_rules() -> None:
    """Held-out round 26: work "continuing", work that "moves to completion", a roof "being
    built" and "[installed] a cover" are construction; a headline that "Preps For Launch",
    "placed the rocket" and "a possible space launch" are launch preparation; a shipment
    and a discharge "detected" are activity; "the researchers pointed to" names its
    speaker and a relative clause's "that the North claimed" does not; "should not
    preclude" negates nothing."""
    construction = [
        "Work is also continuing at the vertical engine-test stand at Sohae, the think tank said.",
        "As work moves to completion at Sohae, a more definitive conclusion will be possible.",
        "At Yongbyon, a new roof is being built north-west of the centrifuge building.",
        "North Korea has [installed] a cover over the launch pad [at Sohae].",
    ]
    for text in construction:
        assert [c.activity for c in claims(text)] == ["construction/rebuilding"], text
    launch = [
        "DigitalGlobe... Two Peeks @ Sohae As It Preps For Launch (Imagery)",
        "Reports indicate that the DPRK has placed the rocket on the launch pad at Sohae.",
        "Speculation grows given the buzz about a possible space launch from Sohae in October.",
    ]
    for text in launch:
        assert "launch preparation" in {c.activity for c in claims(text)}, text
    # (text, publisher, field of the one claim, its value)
    single = [
        ("The researchers also suggested there may be an inbound shipment to Yongbyon.", "",
         "activity", "vehicle movement"),
        ("At Yongbyon, the discharge was detected also in April imagery.", "", "activity",
         "operating"),
        ("In their assessment, the researchers pointed to imagery that shows three railcars at "
         "Yongbyon.", "KBS", "attribution", "researchers"),
        ("Sohae was used in February to launch a long-range rocket that the North claimed put a "
         "satellite into orbit.", "Stars and Stripes", "attribution", "Stars and Stripes"),
    ]  # fmt: skip
    for text, publisher, field_name, value in single:
        assert getattr(only(claims(text, publisher=publisher)), field_name) == value, text
    preclude = claims("However, ongoing work at Sohae should not preclude an October launch.")
    assert {c.polarity for c in preclude} == {"positive"}


def test_twenty_seventh_round_rules() -> None:
    """Held-out round 27: fuel injected into a rocket and "the possibility of a launch" are
    launch preparation; a tanker "close to" the pad and movement "around" an area are
    vehicle movement; an altered roof is construction and the reactor's white foam is
    operation; "forced ... to suspend", "ruled out", "low possibility" and "not much" negate,
    "precludes determining whether" and a relative clause's "which was closed" do not;
    what "will be observable" or "would be" done is not a claim; speakers: an organisation
    and title before a name, "explained", "according to the military", "studied by", a
    headline's capital, an aggregator's source line, "these reports" (not "These") and
    "it said" (an organisation, not the official named since); "these sites" are all the
    sites named together."""
    # (text, activity, polarity of its claims)
    found = [
        ("A military insider said North Korea has begun injecting fuel into its rocket at "
         "Sohae.", "launch preparation", "positive"),
        ("At Sohae, fuel injection could begin Saturday.", "launch preparation", "positive"),
        ("Seoul sees a low possibility of a missile launch from Sohae.", "launch preparation",
         "negative"),
        ("Officials ruled out the possibility of a launch from Sohae soon.",
         "launch preparation", "negative"),
        ("Snow may have forced the North to suspend its launch preparations at Sohae.",
         "launch preparation", "negative"),
        ("Sohae's launchpad has a tanker located close to it.", "vehicle movement",
         "positive"),
        ("The South detected a heightened degree of movement around the fuel area at Sohae.",
         "vehicle movement", "positive"),
        ("There is not much significant movement at the Sohae site, the minister said.",
         "vehicle movement", "negative"),
        ("At Sohae, the North Koreans appear to have altered the roof of the bunker.",
         "construction/rebuilding", "positive"),
        ("Imagery of Sohae from July 22 reveals a change in the roof's appearance.",
         "construction/rebuilding", "positive"),
        ("At Sohae, resolution precludes determining whether this is a structural modification "
         "of the bunker.", "construction/rebuilding", "positive"),
        ("The Yongbyon plant, which was closed in 2007, has also doubled in size.",
         "construction/rebuilding", "positive"),
        ("At Yongbyon, the white foam reappears on imagery from May 18.", "operating",
         "positive"),
        ("At Yongbyon, the assessment rests on the absence of white foam discharge.",
         "operating", "negative"),
    ]  # fmt: skip
    assert_polarities(found)
    hypothetical = [
        "Dismantlement of the Sohae facility will also be observable by commercial satellites.",
        "The most important action at Sohae would be to demolish its foundation, which would "
        "be difficult to reconstitute.",
    ]
    assert_no_claims(hypothetical)
    # (text, publisher, the speaker of every claim)
    speakers = [
        ("Snow may have halted launch preparations at Sohae, said 38 North image analyst Nick "
         "Hansen in a report for the website.", "GSN", "Nick Hansen"),
        ("The military explained that the North has almost finished restoring Sohae.", "KBS",
         "military"),
        ("According to the military, the North started restoring Sohae before the summit.",
         "KBS", "military"),
        ("Satellite photos studied by the US-Korea Institute at Johns Hopkins show hot water "
         "discharged from Yongbyon.", "TIME", "US-Korea Institute"),
        ("Sohae unlikely to be fully restored, low possibility of launch: Seoul", "Arirang",
         "Seoul"),
        ("These reports raise concerns that the North is preparing a launch at Sohae.",
         "Arirang", "Arirang"),
        ("Sohae: No New Dismantlement Activity\n\n38 North:\n\nNo dismantlement activity has "
         "been observed at Sohae since August 3.", "MDAA", "38 North"),
    ]  # fmt: skip
    assert_speakers(speakers)
    asahi = claims(
        "The newspaper Asahi Shimbun said the Yongbyon reactor was restarted. A U.S. official "
        "told the newspaper that the steam could be a sign of operation at Yongbyon. It said "
        "construction work may have resumed at Yongbyon.",
        publisher="China Daily",
    )
    assert {c.attribution for c in asahi if c.sentence.startswith("It said")} == {"Asahi Shimbun"}
    together = claims(
        "Work is under way at Dongchang-ri and activity was detected at Saneum-dong. The "
        "military said these sites are not likely to be fully functional."
    )
    assert {c.site_id for c in together if c.sentence.startswith("The military")} == {
        "sohae",
        "sanumdong",
    }


def test_twenty_eighth_round_rules() -> None:
    """Held-out round 28: an impending, planned-then-canceled or delayed launch, propellants
    moved, a rocket to assemble and "Preparations ... for U\u2019nha-3 Launch" are launch
    preparation; trucks "pulling up" and rods being transported are vehicle movement; progress
    on a new launch pad is construction; a clause after "suggests that" has its own polarity;
    what is demanded, what a camera or a ban does, monitoring that resumed, what a facility
    was used for, watching activities, a technology not possessed, modernised capabilities
    and a renewed panel are not claims; speakers: a president, a prime minister who issued, a
    think-tank report that revealed, officials who stated, analysts who have seen, "IAEA`s
    spokesperson stressed", a speaker before a quotation before one inside it, and the
    speaker of a quotation for the sentences wholly inside it."""
    # (text, activity, polarity of its claims of that activity)
    found = [
        ("Japan warned of the impending satellite launch from Sohae.", "launch preparation",
         "positive"),
        ("At Sohae, the launch was planned but was canceled for unknown reasons.",
         "launch preparation", "negative"),
        ("Movement observed at the VIP facility at Sohae suggests that a launch was planned but "
         "was canceled.", "vehicle movement", "positive"),
        ("Officials said propellants were moved to Sohae after combustion tests.",
         "launch preparation", "positive"),
        ("Officials said propellants were moved to Sohae after combustion tests.", "test",
         "positive"),
        ("Preparations Continue at Sohae for U\u2019nha-3 Launch", "launch preparation",
         "positive"),
        ("It appears North Korea could assemble a three-stage rocket at Sohae.",
         "launch preparation", "positive"),
        ("At Yongbyon, some trucks were pulling up to the storage building.",
         "vehicle movement", "positive"),
        ("Analysts said workers were transporting the rods at Yongbyon.", "vehicle movement",
         "positive"),
        ("Imagery revealed significant progress at a remarkable pace on a new launch pad at "
         "Sohae.", "construction/rebuilding", "positive"),
        ("The new launch pad at Sohae includes a rail-mounted structure.",
         "construction/rebuilding", "positive"),
    ]  # fmt: skip
    assert_polarities(found)
    not_claims = [
        "Kim highlighted the Sohae station in a plan to modernize the country's military "
        "capabilities.",
        "Russia vetoed the resolution renewing the panel of experts on Sohae.",
        "The IAEA demanded that the regime at Yongbyon should not take further actions for "
        "reactivation.",
        "North Korea hindered the operation of the inspection cameras at Yongbyon.",
        "The ban was extended to all installations at Yongbyon.",
        "An official said the process of monitoring Yongbyon had resumed.",
        "The Yongbyon laboratory was used to produce plutonium in the 1990s.",
        "The U.S. is keeping its eyes and ears alert on activities taking place in Yongbyon.",
        "North Korea doesn't possess the technology to hoist rockets on the pad at Sohae after "
        "assembling them.",
    ]
    assert_no_claims(not_claims)
    # (text, the speaker of every claim, published by "The Paper")
    speakers = [
        ("The US president later confirmed that the test site at Sohae had been dismantled.",
         "US president"),
        ("The Japanese prime minister issued a warning about the impending launch from Sohae.",
         "Japanese prime minister"),
        ("A U.S.-based think tank report revealed that construction at Sohae had hit a new "
         "level of urgency.", "U.S.-based think tank"),
        ("South Korean government officials stated that the launch from Sohae was delayed.",
         "South Korean government officials"),
        ("Throughout January, intelligence analysts have seen extensive activity at Yongbyon.",
         "intelligence analysts"),
        ('IAEA`s spokesperson stressed, "We need to determine whether North Korea has '
         'extracted plutonium at Yongbyon."', "IAEA's spokesperson"),
        ("Kyunghyang Shinmun reported that \u201cNorth Korea made public its plans to launch "
         "from Sohae through a report by the Korean Central News Agency.\u201d",
         "Kyunghyang Shinmun"),
        ("Hanyoreh reported that \u201cPreparations for a launch at Sohae are under way. Trucks "
         "were seen near the pad at Sohae. It will take three days to finish.\u201d", "Hanyoreh"),
    ]  # fmt: skip
    assert_speakers_in_the_paper(speakers)


def test_twenty_ninth_round_rules() -> None:
    """Held-out round 29: activity weeks "prior to a launch" is launch preparation; a
    structure "being built" without its auxiliary, "significant changes at" a place and a
    tower to be raised are construction; a train that departs, tire tracks and unloaded
    materials are vehicle movement; combustion experiments and the latest launch are tests;
    information "not sufficient to determine" the reasons does not negate the activity;
    speakers: not a province named before the speaker, a high-ranking official, state
    television, a spy agency that confirms, sources who analyzed images, a name before
    "however," and a site that images were analyzed on."""
    # (text, activity, polarity of its claims of that activity)
    found = [
        ("Such trucks were seen at Sohae two weeks prior to a launch event.",
         "launch preparation", "positive"),
        ("Imagery of Yongbyon shows a large hall being built.", "construction/rebuilding",
         "positive"),
        ("Analysts saw significant changes at the rail yard at Sohae.", "construction/rebuilding",
         "positive"),
        ("The 50-meter tower at Sohae may be raised to hold larger rockets.",
         "construction/rebuilding", "positive"),
        ("A train with rocket stages departed for Sohae.", "vehicle movement", "positive"),
        ("Tire tracks led to the fuel storage at Yongbyon.", "vehicle movement", "positive"),
        ("Workers were unloading equipment at Yongbyon.", "vehicle movement", "positive"),
        ("Officials said North Korea conducted combustion experiments at Sohae.", "test",
         "positive"),
        ("Officials said the latest long-range rocket launch from Sohae was a success.", "test",
         "positive"),
        ("The imagery was not sufficient to determine the purpose of operations at Yongbyon.",
         "operating", "positive"),
    ]  # fmt: skip
    assert_polarities(found)
    # (text, the speaker of every claim, published by "The Paper")
    speakers = [
        ("Trucks were seen near the pad at Sohae in Cholsan County, said a high-ranking "
         "government official in Seoul on Monday.", "high-ranking government official"),
        ("North Korea's state television said the launch from Sohae was a success.",
         "North Korea's state television"),
        ("Japan's spy agency confirms that the reactor at Yongbyon restarted.",
         "Japan's spy agency"),
        ("Two foreign sources who analyzed the images have speculated that the reactor at "
         "Yongbyon is operating.", "Two foreign sources"),
        ("Pyongyang, however, announced that it would restart the reactor at Yongbyon.",
         "Pyongyang"),
        ("Images analyzed on Beyond Parallel, a website of the CSIS, show vehicles at the "
         "Yongbyon reactor.", "Beyond Parallel"),
    ]  # fmt: skip
    assert_speakers_in_the_paper(speakers)


def test_thirtieth_round_rules() -> None:
    """Held-out round 30: a site being revamped, a foundation slab poured and facilities built
    out are construction; smoke wafting from a site is operation; a launch North Korea could
    carry out is launch preparation; what a test stand is for, what conducting a test allows
    in general and future attempts to launch are not claims; "Figure 1" is not a speaker, nor
    is "We" inside a quotation, whose speaker is the one "he revealed" points back to."""
    # (text, activity, polarity of its claims of that activity)
    found = [
        ("Analysts said Sohae is being revamped for larger rockets.", "construction/rebuilding",
         "positive"),
        ("At Yongbyon, the foundation slab had been poured by May.", "construction/rebuilding",
         "positive"),
        ("Imagery shows North Korea building out the enrichment plant at Yongbyon.",
         "construction/rebuilding", "positive"),
        ("Imagery showed smoke wafting from the Yongbyon reprocessing plant.", "operating",
         "positive"),
        ("Officials said North Korea could carry out a rocket launch from Sohae next week.",
         "launch preparation", "positive"),
    ]  # fmt: skip
    assert_polarities(found)
    not_claims = [
        "Figure 2 shows the stand at Sohae for testing solid-fueled rocket motors.",
        "Conducting an engine test at Sohae allows engineers to find faults.",
        "The pad at Sohae prepares them for future attempts to launch a satellite.",
    ]
    assert_no_claims(not_claims)
    text = (
        "Rafael Grossi spoke in Vienna about Yongbyon.\n\u201cWe have observed indications that "
        "the enrichment plant at Yongbyon continues to operate,\u201d he revealed."
    )
    assert [c.attribution for c in claims(text, publisher="The Paper")] == ["Rafael Grossi"]


def test_thirty_first_round_rules() -> None:
    """Held-out round 31: how a launch ended ("ended in failure", "disintegrated", "failed to
    reach orbit", "a launch of the ... rocket") is a test; smoke from a chimney and a facility
    being maintained are operation, and one that was closed is not operating; containers
    noticed are vehicle movement; what a plant is used to generate is not a claim; speakers:
    an official with a participle clause, an institute named at the sentence's end, a country
    "with an announcement", a ministry's statement that says, and officials quoted "who
    said"."""
    # (text, activity, polarity of its claims of that activity)
    found = [
        ("North Korea\u2019s rocket launch from Sohae ended in failure on Friday.", "test",
         "positive"),
        ("At Sohae, the rocket disintegrated over the sea.", "test", "positive"),
        ("At Sohae, the satellite failed to reach orbit.", "test", "positive"),
        ("NORAD tracked a launch of the North Korean Unha-3 rocket from Sohae.", "test",
         "positive"),
        ("Imagery of Yongbyon shows no smoke from the chimney of the coal-fired plant.",
         "operating", "negative"),
        ("Analysts said the Yongbyon reactor is being maintained.", "operating", "positive"),
        ("North Korea closed the reactor at Yongbyon in 2007.", "operating", "negative"),
        ("Analysts noticed several white containers in the reception area of Yongbyon.",
         "vehicle movement", "positive"),
    ]  # fmt: skip
    assert_polarities(found)
    assert_no_claims(
        ["North Korea uses a coal-fired plant to generate steam for work at the Yongbyon plant."]
    )
    # (text, the speaker of every claim, published by "The Paper")
    speakers = [
        ("The official, speaking on condition of anonymity, said trucks were seen at Sohae.",
         "official"),
        ("The media reports cited spy images, but photos showed no steam at Yongbyon, a US arms "
         "control institute said.", "US arms control institute"),
        ("North Korea stunned the world Saturday with an announcement that it was reprocessing "
         "fuel at Yongbyon.", "North Korea"),
        ("Pyongyang TV read a Foreign Ministry statement that says the Yongbyon reactor "
         "restarted.", "Foreign Ministry statement"),
        ("NHK quoted Japanese defence officials who said the rocket launched from Sohae broke "
         "apart.", "Japanese defence officials"),
    ]  # fmt: skip
    assert_speakers_in_the_paper(speakers)


def test_thirty_second_round_rules() -> None:
    """Held-out round 32: preparing a long-range launch, a launch that "could" come or was
    vowed, the announced launch window, a launch that "appears unlikely" (negative) and "no
    sign of preparations" (negative) are launch preparation; placing a satellite into orbit is
    a test; an image showing "a single vehicle" and movements detected are vehicle movement; a
    level of activity is operation; fabricating reactor components and changes to a cooling
    system are construction, in a clause of their own before ", adding that"; the
    implications of activity are talk about it; speakers: a website's name set off by commas
    before "says", and a name with a long apposition before "analyzed"."""
    # (text, activity, polarity of its claims of that activity)
    found = [
        ("Yonhap said North Korea is preparing a long-range missile launch at Sohae.",
         "launch preparation", "positive"),
        ("Analysts said a rocket launch from Sohae appears unlikely this month.",
         "launch preparation", "negative"),
        ("Officials said North Korea could launch a rocket from Sohae soon.",
         "launch preparation", "positive"),
        ("Pyongyang vowed to launch more satellites from Sohae.", "launch preparation",
         "positive"),
        ("The imagery supports the announced launch window at Sohae.", "launch preparation",
         "positive"),
        ("Imagery of Sohae shows no sign of preparations.", "launch preparation", "negative"),
        ("Officials said Pyongyang succeeded in placing a satellite into orbit from Sohae.",
         "test", "positive"),
        ("The image of Yongbyon shows just a single vehicle.", "vehicle movement", "positive"),
        ("The IAEA said movements have been detected in the vicinity of Yongbyon.",
         "vehicle movement", "positive"),
        ("At Yongbyon, analysts described the level of activity as high.", "operating",
         "positive"),
        ("The IAEA observed the fabrication of reactor components at Yongbyon.",
         "construction/rebuilding", "positive"),
        ("Amano said the work at Yongbyon may be related to changes to the cooling system, "
         "adding that the reactor was shut down.", "construction/rebuilding", "positive"),
    ]  # fmt: skip
    assert_polarities(found)
    assert_no_claims(["Analysts said the implications of activity at Yongbyon remain unclear."])
    # (text, the speaker of every claim, published by "The Paper")
    speakers = [
        ("Research published on the group's website, 38 North, says trucks were seen at Sohae.",
         "38 North"),
        ("38 North, an American website devoted to the regime, analyzed images showing "
         "dredging work at Yongbyon.", "38 North"),
    ]  # fmt: skip
    assert_speakers_in_the_paper(speakers)
