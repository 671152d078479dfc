"""With a capable model, the model writes the buyer's line from the content and move the buyer chose;
the decisions and the grade are the same whatever the voice."""

from __future__ import annotations

import pytest

from coach.call.engine import Call
from coach.content.catalog import load_content
from coach.grading.grade import grade_call
from coach.llm.scripted import ScriptedBackend

QUESTION = "Who owns the payables process today, and how many people touch an invoice?"


@pytest.fixture(scope="module")
def content():
    return load_content()


def _capable_reply(request) -> str:  # noqa: ANN001
    """What a capable model does with the prompt: says the chosen line in other words, same facts."""
    prompt = request.messages[0].content
    line = prompt.split("The line to say:\n\"", 1)[1].split("\"\n", 1)[0]
    return f"Honestly? {line}"


def test_the_capable_models_prompt_carries_the_chosen_answer_and_move(content, shipped_store):
    store, _ = shipped_store
    capable = ScriptedBackend(["Forty-two people in AP. Nine hospitals, each doing it their own way."] * 4,
                              model="gpt-4o-mini")
    call = Call(content.personas["cfo_meridian"], content, store, llm=capable)
    call.opening()
    decided = call.decide(QUESTION)
    assert decided.reply.kind == "statement" and decided.reply.statement in decided.line
    call.speak(decided).finish()
    system = capable.requests[-1].messages[0].content
    assert decided.reply.statement in system  # the content the buyer chose
    assert "You answer the rep's question" in system  # and the move
    assert "Dana Okafor" in system and "Meridian" in system


def test_decisions_and_the_grade_do_not_depend_on_the_voice(content, shipped_store):
    store, _ = shipped_store
    lines = [QUESTION, "What did that cost you last year?", "A seven-hospital system cut invoice cost from ten "
             "dollars to four in six months.", "Could we take thirty minutes next week with you and your controller?"]
    silent = Call(content.personas["cfo_meridian"], content, store)
    silent.play(lines)

    class Paraphrasing(ScriptedBackend):
        def _open(self, request):  # noqa: ANN001, ANN202
            self.requests.append(request)
            yield _capable_reply(request)

    voiced = Call(content.personas["cfo_meridian"], content, store, llm=Paraphrasing(model="gpt-4o-mini"))
    voiced.play(lines)
    assert any(t.voice == "model" for t in voiced.turns)  # the model's words were spoken
    assert [t.move for t in voiced.turns] == [t.move for t in silent.turns]
    assert [t.attention for t in voiced.turns] == [t.attention for t in silent.turns]
    assert grade_call(voiced).overall == grade_call(silent).overall


def test_a_resumed_call_never_repeats_what_the_buyer_already_said(content, shipped_store):
    store, _ = shipped_store
    first = ["Who owns the payables process today?", "How long does the close take?", "What did you try before?"]
    live = Call(content.personas["cfo_meridian"], content, store)
    live.play(first)
    resumed = Call(content.personas["cfo_meridian"], content, store)
    resumed.play(first, heard=[t.buyer for t in live.turns])
    more = ["Who owns the payables process today, and who signs off?", "And the close: how many days?"]
    resumed.play(more)
    lines = [t.buyer for t in resumed.turns]
    assert len(set(lines)) == len(lines), lines


def test_after_the_reps_goodbye_the_buyer_asks_nothing_more(content, shipped_store):
    store, _ = shipped_store
    for persona_id in ("cfo_meridian", "coo_halvorsen", "vpsales_kestrel"):
        call = Call(content.personas[persona_id], content, store)
        call.play(["What's the biggest thing on your plate this quarter?",
                   "Thanks, that's all I needed today. Have a good afternoon, goodbye."])
        last = call.turns[-1]
        assert last.move == "answer" and "?" not in last.buyer, (persona_id, last.buyer)
