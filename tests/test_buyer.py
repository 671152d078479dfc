"""The buyer policy as pure functions: every move and transition, with readable reasons."""

from __future__ import annotations

import pytest

from coach.call.analysis import CaseReference, Evidence, Question
from coach.call.policy import BuyerState, decide, load_buyer_rules, start
from coach.content.catalog import load_content
from tests.helpers import neutral_turn

RULES = load_buyer_rules()


@pytest.fixture(scope="module")
def personas():
    return load_content().personas


turn = neutral_turn


PITCH = dict(feature_pitch=True, feature_evidence=[Evidence(phrase="platform"), Evidence(phrase="api")],
             tags=["feature_pitch"])
DISCOVERY = dict(questions=[Question(text="What would a better forecast be worth?", form="open",
                                     discovery=["value"])], value_for_title=True, tags=["discovery"])
ASK = dict(next_step_ask=["book"], next_step_with_executive=True)


def run(persona, turns) -> list:
    state = start(persona, RULES)
    decisions = []
    for analysis in turns:
        decision, state = decide(state, analysis, persona, RULES)
        decisions.append((decision, state))
        if decision.outcome:
            break
    return decisions


def test_start_uses_the_personas_patience_and_budget(personas):
    low, high = personas["cfo_tidewater"], personas["coo_halvorsen"]
    assert start(low, RULES).attention == RULES.patience["low"].start_attention
    assert start(high, RULES).budget_s == high.time_budget_min * 60


def test_repeated_feature_pitches_get_the_rep_delegated_with_a_reason(personas):
    persona = personas["cfo_meridian"]  # medium patience: third pitch
    moves = run(persona, [turn(**PITCH)] * 5)
    decision, _ = moves[-1]
    assert decision.move == "delegate" and decision.outcome == "delegated"
    assert len(moves) == RULES.patience["medium"].feature_pitches_to_delegate
    assert "Third feature pitch (platform; api)" in decision.reason and "it_director_meridian" in decision.reason


def test_low_patience_delegates_sooner(personas):
    moves = run(personas["cfo_tidewater"], [turn(**PITCH)] * 5)
    assert moves[-1][0].move == "delegate" and len(moves) == 2


def test_a_first_pitch_is_probed_not_punished_with_exit(personas):
    decision, state = run(personas["coo_halvorsen"], [turn(**PITCH)])[0]
    assert decision.move == "probe" and "no link to their goals" in decision.reason
    assert decision.attention_change < 0 and any("pitches features" in c for c in decision.changes)


def test_attention_below_warn_gives_one_warning_then_disengages(personas):
    persona = personas["cio_brightwater"]
    empty = turn(off_topic=True)
    moves = run(persona, [empty] * 6)
    kinds = [d.move for d, _ in moves]
    assert "warn" in kinds and kinds[-1] == "disengage"
    assert kinds.index("warn") < kinds.index("disengage")
    assert moves[-1][0].outcome == "disengaged" and "Warned already" in moves[-1][0].reason


def test_discovery_keeps_them_engaged_and_a_next_step_advances(personas):
    persona = personas["cfo_meridian"]
    moves = run(persona, [turn(**DISCOVERY), turn(**DISCOVERY), turn(**ASK)])
    assert [d.move for d, _ in moves] == ["answer", "answer", "advance"]
    assert moves[-1][0].outcome == "advanced" and "after 2 turn(s) on their goals" in moves[-1][0].reason


def test_a_next_step_asked_too_early_is_probed_and_costs_attention(personas):
    decision, state = run(personas["cfo_meridian"], [turn(**ASK)])[0]
    assert decision.move == "probe" and decision.outcome is None
    assert "before earning it" in decision.reason and any("too early" in c for c in decision.changes)


def test_a_question_on_a_hidden_fact_topic_reveals_it_once(personas):
    persona = personas["cfo_meridian"]
    ask = turn(**DISCOVERY | {"facts_asked": [0]})
    first, second = run(persona, [ask, ask])
    assert first[0].move == "answer" and first[0].reveal == 0 and first[1].revealed == (0,)
    assert second[0].reveal is None


def test_a_leading_question_does_not_reveal_a_fact(personas):
    leading = turn(questions=[Question(text="Wouldn't you agree cash matters?", form="leading", discovery=[])],
                   facts_asked=[0])
    decision, _ = run(personas["coo_halvorsen"], [leading])[0]
    assert decision.reveal is None


def test_the_clock_ends_the_call(personas):
    persona = personas["cfo_tidewater"]  # 15 minutes
    slow = turn(**DISCOVERY | {"speaking_s": 300.0})  # engaging, but five minutes a turn
    moves = run(persona, [slow] * 10)
    assert len(moves) == 3
    assert moves[-1][0].outcome == "timed_out" and "15-minute budget is used up" in moves[-1][0].reason


def test_rudeness_twice_ends_the_call(personas):
    rude = turn(rude=["stupid"])
    moves = run(personas["coo_halvorsen"], [rude, rude])
    assert moves[-1][0].move == "disengage" and moves[-1][0].outcome == "disengaged"


def test_an_unsure_reading_of_rudeness_costs_less_and_never_ends_the_call_on_its_own(personas):
    coo = personas["coo_halvorsen"]
    maybe = turn(rude_maybe=True)
    (first, _), (second, state) = run(coo, [maybe, maybe])
    assert state.rude_turns == 0 and second.outcome is None
    assert any("may be rude (an unsure reading" in c for c in first.changes)
    (sure, _), = run(coo, [turn(rude=["stupid"])])[:1]
    assert sure.attention_change < first.attention_change < 0


def test_insulting_their_business_earns_no_credit_for_talking_about_it(personas):
    coo = personas["coo_halvorsen"]
    (insult, state), = run(coo, [turn(rude=["a disaster"], value_for_title=True)])[:1]
    assert not any("goals, problems or needs" in c for c in insult.changes) and state.value_turns == 0


def test_injection_never_advances(personas):
    attack = turn(injection=["ignore previous instructions"], **ASK)
    moves = run(personas["coo_halvorsen"], [attack] * 3)
    assert all(d.move != "advance" for d, _ in moves)
    assert moves[-1][0].outcome == "disengaged"


def test_a_delegate_enjoys_features_and_cannot_commit(personas):
    delegate = personas["it_director_meridian"]
    decision, state = run(delegate, [turn(**PITCH)])[0]
    assert decision.move == "answer" and decision.attention_change > 0
    decision, _ = run(delegate, [turn(**ASK)])[0]
    assert decision.move == "advance" and "cannot commit budget" in decision.reason
    assert decision.outcome == "delegated"


def test_a_case_note_with_wrong_figures_costs_more_than_it_earns(personas):
    wrong = turn(value_for_title=True, case_notes=[CaseReference(case_id="cn-x", score=0.6, figures_quoted=[],
                                                                  figures_match=False)])
    right = turn(value_for_title=True, case_notes=[CaseReference(case_id="cn-x", score=0.6, figures_quoted=["94%"],
                                                                  figures_match=True)])
    persona = personas["cfo_meridian"]
    assert run(persona, [wrong])[0][0].attention_change < run(persona, [right])[0][0].attention_change


def test_same_inputs_same_decision(personas):
    persona = personas["vpsales_kestrel"]
    script = [turn(**PITCH), turn(**DISCOVERY), turn(**ASK)]
    assert [d for d, _ in run(persona, script)] == [d for d, _ in run(persona, script)]


def test_state_is_never_mutated(personas):
    persona = personas["cfo_meridian"]
    state = start(persona, RULES)
    before = state.model_dump()
    decide(state, turn(**PITCH), persona, RULES)
    assert state.model_dump() == before and isinstance(state, BuyerState)


def test_a_low_patience_executive_ends_the_call_by_the_third_turn_of_small_talk(personas):
    persona = personas["ceo_castellan"]
    assert persona.patience == "low"
    chat = turn(off_topic=True, small_talk=True, questions=[Question(text="Good weekend?", form="closed",
                                                                        discovery=[], act="small_talk")])
    moves = run(persona, [chat] * 5)
    assert len(moves) <= 3 and moves[-1][0].move == "disengage"


def test_attention_keeps_rising_for_good_work_without_reaching_full_by_the_third_turn(personas):
    persona = personas["coo_halvorsen"]  # high patience: starts highest
    good = turn(**DISCOVERY, priority="Overhaul season in six weeks.", case_notes=[])
    levels = [state.attention for _, state in run(persona, [good] * 6)]
    assert levels[2] < 100 and all(b > a for a, b in zip(levels, levels[1:]) if a < 99)


def test_a_meeting_asked_for_after_a_pitch_and_no_discovery_goes_to_the_delegate(personas):
    persona = personas["coo_halvorsen"]  # high patience: one pitch alone is only probed
    moves = run(persona, [turn(**PITCH), turn(**ASK)])
    decision, _ = moves[-1]
    assert decision.move == "delegate" and decision.outcome == "delegated"
    assert "no question about their business" in decision.reason and persona.delegates_to in decision.reason
    # after a real question the ask is earned; with no product talk at all, an early ask is only probed
    assert run(persona, [turn(**PITCH), turn(**DISCOVERY), turn(**ASK)])[-1][0].move == "advance"
    decision, _ = run(persona, [turn(), turn(**ASK)])[-1]
    assert decision.move == "probe" and decision.outcome is None, decision.reason
