"""Grading a call as it happened: the buyer's own lines, the outcome read from them, every rep line
analysed, and proof checked figure by figure against the case note a story tells."""

from __future__ import annotations

import json

import pytest

from coach.call.engine import Call
from coach.call.simulate import TranscriptFile, grade_transcript
from coach.content.catalog import load_content
from tests.helpers import invoke_coach

OPENING = {"speaker": "buyer", "text": "Walt Brennan. You have twenty minutes."}
STORY_TRUE = ("A compressor maker's service division with 420 technicians went from 3.1 to 4.4 jobs per technician "
              "a day, and drive time fell from 2.3 to 1.5 hours.")
STORY_INVENTED = ("A compressor maker's service division with 420 technicians went from 3.1 to 5.9 jobs per "
                  "technician a day, and drive time fell from 2.3 to 0.4 hours.")


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def grade(content, shipped_store):
    store, _ = shipped_store

    def run(turns, outcome=None):
        file = TranscriptFile(persona="coo_halvorsen", turns=[OPENING, *turns], outcome=outcome)
        return grade_transcript(file, Call(content.personas["coo_halvorsen"], content, store))
    return run


def rep(text):
    return {"speaker": "rep", "text": text}


def buyer(text):
    return {"speaker": "buyer", "text": text}


def test_a_hand_off_in_the_buyers_words_is_the_outcome_and_later_lines_still_count(grade):
    card = grade([rep("Walt, our optimizer has a constraint engine, a REST API and a mobile app."),
                  buyer("This is one for my service manager. Let me hand you to Kristy Olsen; she'll take it from "
                        "here."),
                  rep("Thanks, Kristy. How do your coordinators plan a day today?"),
                  buyer("Whiteboards, mostly.")])
    assert card.outcome == "delegated" and card.outcome_source == "buyer_lines"
    assert "Kristy" in card.outcome_evidence
    assert card.metrics.rep_turns == 2  # nothing the rep said after the hand-off is dropped


def test_an_outcome_in_the_file_wins_over_reading(grade):
    card = grade([rep("Is twenty minutes still right?"), buyer("Fine.")], outcome="advanced")
    assert card.outcome == "advanced" and card.outcome_source == "file" and card.outcome_evidence is None


def test_send_me_something_leaves_the_call_open(grade):
    card = grade([rep("Where is service margin leaking today?"),
                  buyer("Drive time and parts, mostly. Look, send me a one-pager and I'll read it over the weekend.")])
    assert card.outcome == "open"


def test_a_next_step_agreed_at_the_end_advances_the_call(grade):
    card = grade([rep("Where is service margin leaking today?"), buyer("Drive time and missing parts."),
                  rep("Could we take forty-five minutes next Tuesday with you and your service VP to size it?"),
                  buyer("Fine. Tuesday at nine, my office. Bring the numbers.")])
    assert card.outcome == "advanced" and "Tuesday" in card.outcome_evidence


def test_a_case_story_with_the_notes_figures_is_proof(grade):
    card = grade([rep("Where is service margin leaking today?"), buyer("Drive time, mostly."), rep(STORY_TRUE),
                  buyer("Go on.")])
    results = {c.id: c for c in card.criteria}
    assert results["value_backed_by_case_note"].result == "yes"
    assert "cn-mfg-service-margin" in card.metrics.case_notes_used
    assert results["no_unsupported_claims"].result == "yes"


def test_invented_figures_in_a_case_story_are_a_conduct_fault(grade):
    card = grade([rep("Where is service margin leaking today?"), buyer("Drive time, mostly."), rep(STORY_INVENTED),
                  buyer("Go on.")])
    results = {c.id: c for c in card.criteria}
    assert results["value_backed_by_case_note"].result == "no"
    assert results["no_unsupported_claims"].result == "no"
    assert any("5.9" in q.quote for q in results["value_backed_by_case_note"].evidence)
    assert card.overall is not None and card.overall <= 50  # the rubric's cap for invented proof


def test_a_greeting_is_never_the_evidence_for_a_point(grade):
    card = grade([rep("Hi Walt, great to meet you, and thanks for the time. Where is service margin leaking "
                      "between the 24% you're at and the 30% the plan needs?"), buyer("Drive time and parts.")])
    for criterion in card.criteria:
        if criterion.id != "opened_on_their_agenda" and criterion.result == "yes":
            assert all("great to meet you" not in q.quote for q in criterion.evidence), criterion.id


def test_coach_grade_says_where_the_outcome_came_from(tmp_path, tmp_path_factory):
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"persona": "coo_halvorsen", "turns": [
        OPENING, rep("Our optimizer has a REST API, SSO and forty dashboards."),
        buyer("Not my area. Talk to my service manager, Kristy.")]}))
    result = invoke_coach("grade", str(path), "--json", COACH_DATA_DIR=str(tmp_path_factory.mktemp("g")))
    assert result.returncode == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["outcome"] == "delegated" and card["outcome_source"] == "buyer_lines"
    assert "Kristy" in card["outcome_evidence"]
    text = invoke_coach("grade", str(path), COACH_DATA_DIR=str(tmp_path_factory.mktemp("h")))
    assert "read from" in text.stdout and "Kristy" in text.stdout


def test_a_call_spent_on_small_talk_wastes_the_time_and_is_capped(grade):
    card = grade([rep("Walt! How was the fishing trip up north? I hear the lake was frozen solid."),
                  buyer("It was fine."),
                  rep("My brother-in-law goes every winter, he swears by ice fishing. Did you catch anything?"),
                  buyer("A couple. What can I do for you?"),
                  rep("Ha, well, and the game on Sunday, what a finish. Anyway, how is service margin this year?"),
                  buyer("Under plan. Why do you ask?")])
    result = {c.id: c.result for c in card.criteria}
    assert result["respected_the_time"] == "no"
    assert card.outcome == "open" and card.overall is not None and card.overall <= 44  # time-wasting cap, not the outcome


SPEECH = ("Walt, before you answer, let me walk you through how we think about service in manufacturing, because "
          "the regional model you have grew up when every region had its own parts room, its own coordinator and "
          "its own customers, and that made sense when technicians drove from home to the same sites every week, "
          "but today the installed base is spread thin, the senior technicians are retiring, the parts sit in the "
          "wrong depot half the time, and every second visit costs a truck roll, a day of a technician and a little "
          "of the customer's patience, which is exactly where service margin leaks away without anyone seeing it.")


def test_one_long_answer_keeps_the_time_but_speech_after_speech_does_not(grade):
    one = grade([rep(SPEECH), buyer("Go on."), rep("Where do second visits hurt margin most today?"),
                 buyer("Compressors, mostly.")])
    two = grade([rep(SPEECH), buyer("Go on."), rep(SPEECH.replace("Walt, before you answer", "And")),
                 buyer("Hm.")])
    assert {c.id: c.result for c in one.criteria}["respected_the_time"] == "yes"
    spent = next(c for c in two.criteria if c.id == "respected_the_time")
    assert spent.result == "no" and spent.evidence and spent.evidence[0].turn == 2  # the second speech is quoted


def test_an_insight_is_a_statement_tested_with_a_question_wherever_a_lecture_fell(grade):
    questions_only = grade([rep("When a second visit happens, is it usually the part or the skills that were "
                                "missing?"), buyer("The part, mostly.")])
    lecture_then_insight = grade([
        rep("You need to fold those fourteen dispatch desks into two hubs, full stop."), buyer("Do I."),
        rep("Most service businesses your size lose more margin to second visits than to drive time. "
            "Is that what you see?"), buyer("Maybe.")])
    assert {c.id: c.result for c in questions_only.criteria}["insight_tested_with_question"] == "no"
    tested = next(c for c in lecture_then_insight.criteria if c.id == "insight_tested_with_question")
    assert tested.result == "yes" and tested.evidence[0].turn == 2


def test_an_observation_put_with_a_tag_is_offered_and_tested_in_one_sentence(grade):
    tagged = grade([rep("My guess is most of the margin you lose on second visits comes from the parts, not the "
                        "skills, isn't it?"), buyer("Mostly, yes.")])
    plain = grade([rep("Is it mostly the parts or the skills on a second visit?"), buyer("The parts.")])
    tested = next(c for c in tagged.criteria if c.id == "insight_tested_with_question")
    assert tested.result == "yes" and tested.evidence[0].turn == 1
    assert {c.id: c.result for c in plain.criteria}["insight_tested_with_question"] == "no"


def test_telling_them_what_they_know_or_burying_the_point_in_a_speech_is_no_tested_insight(grade):
    known = grade([rep("I understand service has to carry more of the margin as equipment orders flatten. "
                       "How are you planning for that?"), buyer("Carefully.")])
    buried = grade([rep("Most service businesses your size lose more margin to second visits than to drive time, "
                        "and honestly it's something we see over and over again across the industry, with the "
                        "parts, the skills, the scheduling, the whole picture of how the day runs, and the way "
                        "the techs get sent out before anyone checks the van, which is where it all starts. "
                        "Is that what you see?"), buyer("Maybe.")])
    assert {c.id: c.result for c in known.criteria}["insight_tested_with_question"] == "no"
    assert {c.id: c.result for c in buried.criteria}["insight_tested_with_question"] == "no"


def test_figures_count_as_claims_even_when_the_sentence_is_read_unsurely(grade):
    card = grade([rep("Totally. So margin-wise, customers typically hit 80% touchless within 60 days, and the "
                      "forecast is basically 99% accurate."), buyer("Says who?")])
    claims = next(c for c in card.criteria if c.id == "no_unsupported_claims")
    assert claims.result == "no" and "80%" in claims.evidence[0].quote


def test_one_sentence_about_their_priority_ties_a_long_turn_to_it(grade):
    card = grade([rep("Thanks, Walt. Most of the second visits I saw last week were a missing part, not a missing "
                      "skill: the van had the wrong kit, the coordinator found out at four, and the customer got a "
                      "new date two days later. You decide how many technicians to hire for next year in eight "
                      "weeks. Where does a second visit hurt you most, the margin or the customer?"),
                  buyer("The customer.")])
    tied = next(c for c in card.criteria if c.id == "tied_to_a_priority")
    assert tied.result == "yes" and tied.evidence


def test_soft_praise_is_no_unsupported_claim_but_a_promise_is(grade):
    """Managers mark down a figure or a promise nothing backs, not empty praise (which still earns no proof)."""
    soft = grade([rep("Where is service margin leaking today?"), buyer("Drive time, mostly."),
                  rep("Honestly, our customers really love it."), buyer("Go on.")])
    promise = grade([rep("Where is service margin leaking today?"), buyer("Drive time, mostly."),
                     rep("I guarantee every one of your regions will double its jobs per technician this year."),
                     buyer("Go on.")])
    soft_claims = next(c for c in soft.criteria if c.id == "no_unsupported_claims")
    promised = next(c for c in promise.criteria if c.id == "no_unsupported_claims")
    assert soft_claims.result == "yes" and promised.result == "no"
    assert any("guarantee" in q.quote for q in promised.evidence)
    unbacked = next(c for c in soft.criteria if c.id == "value_backed_by_case_note")
    assert unbacked.result == "no" and any("love it" in q.quote for q in unbacked.evidence)  # what to back next time


def test_the_buyer_doubts_soft_praise_and_a_promise_alike(content, shipped_store):
    store, _ = shipped_store
    for line in ("Honestly, our customers really love it.",
                 "I guarantee every one of your regions will double its jobs per technician this year."):
        call = Call(content.personas["coo_halvorsen"], content, store)
        call.opening()
        decided = call.decide(line)
        assert decided.reply.kind == "doubt", (line, decided.reply)
        assert decided.analysis.unbacked_talk == [line]


def test_a_capability_promised_in_so_many_words_is_an_unsupported_claim(grade):
    card = grade([rep("Where is service margin leaking today?"), buyer("Drive time, mostly."),
                  rep("Our scheduler plugs straight into SAP, no custom code, and it's fully automated."),
                  buyer("Go on.")])
    claims = next(c for c in card.criteria if c.id == "no_unsupported_claims")
    assert claims.result == "no" and any("plugs straight into SAP" in q.quote for q in claims.evidence)


def test_a_case_figure_rounded_or_in_other_units_is_backed_but_a_wrong_one_is_not(grade):
    rounded = grade([rep("A compressor maker's service division with 420 technicians cut subcontractor spend by "
                         "about $8 million a year, and service margin went from 24% to 30%."), buyer("Go on.")])
    wrong = grade([rep("A compressor maker's service division with 420 technicians cut subcontractor spend by "
                       "$12 million a year, and service margin went from 24% to 30%."), buyer("Go on.")])
    assert {c.id: c.result for c in rounded.criteria}["no_unsupported_claims"] == "yes"
    claims = next(c for c in wrong.criteria if c.id == "no_unsupported_claims")
    assert claims.result == "no"


def test_a_product_sentence_listing_its_parts_is_vendor_language_however_short(grade):
    listed = grade([rep("We have a constraint-based optimizer, telemetry ingestion, an asset history tab and a "
                        "live route map."), buyer("Okay.")])
    plain = grade([rep("How do your coordinators plan a day today?"), buyer("Whiteboards, mostly.")])
    wordy = next(c for c in listed.criteria if c.id == "plain_and_brief")
    assert wordy.result == "no" and "optimizer" in wordy.evidence[0].quote
    assert {c.id: c.result for c in plain.criteria}["plain_and_brief"] == "yes"



def test_one_acronym_in_a_short_turn_is_plain_but_a_turn_thick_with_them_is_not(grade):
    one = grade([rep("Is AI anywhere on your plan for the field crews this year?"), buyer("Not really.")])
    thick = grade([rep("Our SaaS API syncs to GIS via SSO and SCIM."), buyer("Okay.")])
    assert {c.id: c.result for c in one.criteria}["plain_and_brief"] == "yes"
    wordy = next(c for c in thick.criteria if c.id == "plain_and_brief")
    assert wordy.result == "no"

def test_an_opener_on_their_agenda_may_say_what_we_do_but_not_choose_the_topic_or_lecture(grade):
    def opened(line):
        card = grade([rep(line), buyer("Go on.")])
        return {c.id: c.result for c in card.criteria}["opened_on_their_agenda"]
    assert opened("Thanks, Walt. We help service businesses schedule technicians. Before I say more, what's "
                  "at the top of your list for service this year?") == "yes"
    assert opened("Thanks, Walt. Do your technicians use tablets or phones in the field?") == "no"
    assert opened("Twenty minutes is fine. Here's the thing: service businesses like yours are run the way they "
                  "were in 1995, and until you fix dispatch, nothing else matters, because every other "
                  "improvement depends on it, and I've seen it at every company I've worked with, which is "
                  "why I'd like to spend our time on how dispatch should work.") == "no"


def test_a_figure_inside_an_idea_put_as_a_question_claims_nothing(grade):
    card = grade([rep("If the schedule sent the hard diagnostic jobs to those 37 senior technicians and let newer "
                      "techs take the routine ones, would you still need as many new hires?"), buyer("Maybe not.")])
    assert {c.id: c.result for c in card.criteria}["no_unsupported_claims"] == "yes"
