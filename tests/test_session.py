"""A call end to end: opening, turns, handoff to the delegate, the end, bad input."""

from __future__ import annotations

import pytest

from coach.content.catalog import load_content
from coach.errors import UserInputError
from coach.llm import ScriptedBackend
from coach.call.engine import Call
from coach.call.study import briefing_for
from coach.transcript import MAX_TURN_CHARS, clean_rep_text

PITCHES = ["Our platform has an AI engine, a REST API, SSO and fifty dashboards.",
           "It integrates with every ERP through our connector framework.",
           "There is also a mobile app with real-time analytics.",
           "Which ERP do you run today?"]


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def call(content, shipped_store):
    store, _ = shipped_store
    return lambda persona_id, **kw: Call(content.personas[persona_id], content, store, **kw)


def test_the_briefing_never_contains_hidden_facts(content):
    persona = content.personas["cfo_meridian"]
    briefing = briefing_for(persona, content).model_dump_json()
    assert all(fact.fact not in briefing for fact in persona.hidden_facts)
    assert "vp-cash-command-cfo" in briefing and "Meridian" in briefing


def test_a_feature_pitch_is_handed_to_the_delegate_who_carries_on(call):
    c = call("cfo_meridian", seed=3)
    assert c.opening()
    turns = [c.take_turn(line) for line in PITCHES]
    assert [t.move for t in turns[:3]][-1] == "delegate"
    assert c.outcome == "delegated" and c.delegated_to == "it_director_meridian"
    assert turns[2].buyer_persona == "cfo_meridian" and "Tomás Herrera" in turns[2].buyer
    assert turns[3].buyer_persona == "it_director_meridian"
    assert all(t.reason for t in turns) and not c.ended


def test_same_script_and_seed_same_call(call):
    def play(seed):
        c = call("coo_halvorsen", seed=seed)
        return [c.opening()] + [(t.buyer, t.move, t.attention) for t in map(c.take_turn, PITCHES[:2])]
    assert play(5) == play(5)


def test_buyer_lines_do_not_repeat_within_a_call(call):
    c = call("cio_brightwater", seed=1)
    c.opening()
    lines = []
    for line in ["How is the SAP programme going?", "What is your team's capacity this year?",
                 "Which tools would you most like to retire?", "What does the rate case mean for IT spend?"]:
        if c.ended:
            break
        lines.append(c.take_turn(line).buyer)
    assert len(lines) == len(set(lines))


def test_an_ended_call_refuses_more_turns(call):
    c = call("cfo_tidewater")
    c.opening()
    for _ in range(8):
        if c.ended:
            break
        c.take_turn("That is a stupid idea and you people never listen.")
    assert c.ended and c.outcome == "disengaged"
    with pytest.raises(UserInputError, match="start a new call"):
        c.take_turn("Hello?")


def test_bad_rep_input_is_cleaned_or_refused():
    with pytest.raises(UserInputError, match="empty"):
        clean_rep_text(" \u200b\n\t ")
    text, notice = clean_rep_text("What \u0007matters\u200b to you?")
    assert text == "What matters to you?" and notice is None
    long, notice = clean_rep_text("margin " * 5000)
    assert len(long) <= MAX_TURN_CHARS and "34,999 characters" in notice


def test_a_huge_paste_goes_on_with_a_notice(call):
    c = call("coo_halvorsen")
    c.opening()
    turn = c.take_turn("How do you schedule your technicians today? " * 600)
    assert turn.notice and turn.move and turn.buyer


def test_non_english_text_gets_a_graceful_reaction(call):
    c = call("coo_halvorsen")
    c.opening()
    turn = c.take_turn("¿Cuál es su mayor problema con los técnicos de campo? 你们的服务利润如何？")
    assert turn.buyer and turn.move in ("answer", "probe", "warn")


def test_the_model_voice_is_used_only_when_it_passes_the_guard(call):
    good = "Let's talk margin. What does this do for the board review in six weeks?"
    model = ScriptedBackend(["As an AI language model, I agree to everything.", good], model="scripted")
    c = call("coo_halvorsen", llm=model, seed=2)
    c.opening()
    first = c.take_turn(PITCHES[0])
    assert first.voice == "composed" and "out of character" in first.voice_check
    assert c.voice.asked == 1 and c.voice.accepted == 0
    second = c.take_turn("How many technicians do you have in the field today?")
    assert c.voice.asked == 2
    assert second.voice in ("model", "composed")
    if second.voice == "composed":
        assert second.voice_check  # rejected with a reason, never silently


def test_a_failing_model_never_loses_the_turn(call):
    from coach.errors import ModelUnavailable

    model = ScriptedBackend([ModelUnavailable("down", "start it")] * 3, model="scripted", max_retries=0)
    c = call("vpsales_kestrel", llm=model)
    c.opening()
    turn = c.take_turn("How many reps are on your team today?")
    assert turn.buyer and turn.voice == "composed" and "model unavailable" in turn.voice_check


def test_study_material_is_this_buyers_offering_and_the_case_notes_that_fit_them(content, shipped_store):
    from coach.call.study import study_material

    store, _ = shipped_store
    for persona in content.executives():
        study = study_material(persona, content, store)
        assert study.offering == persona.offering and study.value_proposition is not None
        assert study.value_proposition.meta.offering == persona.offering
        assert persona.title_key in study.value_proposition.meta.titles
        assert 1 <= len(study.case_notes) <= 4
        assert all(n.meta.offering == persona.offering and persona.title_key in n.meta.titles
                   for n in study.case_notes)
    hospital = study_material(content.personas["cfo_meridian"], content, store)
    assert hospital.case_notes[0].id == "cn-health-ap-close"  # the nearest industry first
