"""No lost line: a rep line sent before the buyer has answered the last one is stored and answered in order.

Why: in a browser a new line re-runs the page and stops the run that was answering, and a second tab,
a refresh or a restart can reach the same call. These tests drive `PracticeCall`'s queue directly and the
practice page through Streamlit's AppTest; tests/test_browser.py does the same race in a real browser.
"""

from __future__ import annotations

import itertools

import pytest
import streamlit as st

from coach.call.practice import PracticeCall
from coach.content.catalog import load_content
from coach.db import Database, Viewer, add_user, get_session
from coach.ui import practice_page
from tests.test_app import app, button, db, said, signed_in  # noqa: F401 - fixtures and helpers

LINES = [
    "Thanks for making time today. Is thirty minutes still right for you?",
    "Before I say anything about us, what would make this quarter a good one for you?",
    "What is the board pressing you on hardest right now?",
    "How are you measuring progress on that today, and who owns the number?",
]
BUYER = "cfo_meridian"
_names = itertools.count()


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def store_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    yield database
    database.close()


@pytest.fixture
def rep(store_db) -> Viewer:
    return add_user(store_db, f"queue_rep{next(_names)}", "password-123", role="rep", team="queue")


@pytest.fixture
def start(store_db, rep, content, shipped_store):
    def make(seed: int = 11) -> PracticeCall:
        return PracticeCall.start(store_db, rep, content, shipped_store[0], None, BUYER, seed=seed)
    return make


def stored(practice: PracticeCall) -> list[tuple[int, str, bool]]:
    """(index, rep line, answered) for every turn the store holds, in order."""
    return [(t.index, t.rep, t.buyer is not None)
            for t in get_session(practice.db, practice.viewer, practice.session_id).lines()]


def answered(lines: list[str]) -> list[tuple[int, str, bool]]:
    return [(i, line, True) for i, line in enumerate(lines, 1)]


def drain(practice: PracticeCall) -> None:
    while practice.busy:
        for _ in practice.answer_next():
            pass


def state(practice: PracticeCall) -> list[tuple[str, str, int | None, float | None]]:
    return [(t.rep, t.move, t.attention, t.elapsed_s) for t in practice.turns]


def clean_call(start, lines: list[str]) -> PracticeCall:  # noqa: ANN001
    practice = start()
    for line in lines:
        for _ in practice.say(line):
            pass
    return practice


# --- the queue itself ----------------------------------------------------------------------------

def test_a_line_queued_before_the_last_is_answered_is_answered_after_it(start):
    practice = start()
    assert practice.queue(LINES[0]) == 1 and practice.queue(LINES[1]) == 2  # each line its own turn
    assert stored(practice) == [(1, LINES[0], False), (2, LINES[1], False)] and practice.busy
    drain(practice)
    assert stored(practice) == answered(LINES[:2]) and not practice.busy
    assert state(practice) == state(clean_call(start, LINES[:2]))  # the buyer heard them as if said one by one


def test_saying_a_new_line_while_one_waits_answers_both_in_order(start, content, shipped_store):
    first = start()
    first.queue(LINES[0])  # stored, then the page stopped before the buyer answered
    practice = PracticeCall.resume(first.db, first.viewer, content, shipped_store[0], None, first.session_id)
    assert practice.pending == LINES[0] and practice.held  # found stored: kept and shown, not answered by itself
    reply = "".join(practice.say(LINES[1]))  # the old page stored this over the waiting line
    assert stored(practice) == answered(LINES[:2]) and reply.count("\n\n") == 1


def test_a_reply_cut_off_half_way_is_answered_afresh_from_the_store(start):
    practice = start()
    practice.queue(LINES[0])
    reply = practice.answer_next()
    next(reply)  # the buyer has decided and begun to speak; then the page runs again
    del reply
    practice.queue(LINES[1])  # the line that interrupted it
    practice.refresh()
    drain(practice)
    assert stored(practice) == answered(LINES[:2])
    assert state(practice) == state(clean_call(start, LINES[:2]))  # the cut-off decision was not counted twice


def test_the_same_line_sent_twice_before_an_answer_is_stored_once(start):
    practice = start()
    practice.queue(LINES[0])
    practice.queue(LINES[0])  # a double Enter
    drain(practice)
    practice.queue(LINES[0])  # said again after the answer: a new turn
    drain(practice)
    assert stored(practice) == answered([LINES[0], LINES[0]])


def test_two_tabs_on_one_call_keep_every_line_once_in_order(start, content, shipped_store):
    tab_a = start()
    tab_b = PracticeCall.resume(tab_a.db, tab_a.viewer, content, shipped_store[0], None, tab_a.session_id)
    "".join(tab_a.say(LINES[0]))
    assert tab_b.queue(LINES[1]) == 2  # B has not seen turn 1, but its line goes after it
    tab_b.refresh()
    assert [t.rep for t in tab_b.turns] == [LINES[0]]  # B caught up with A's turn
    drain(tab_b)
    tab_a.refresh()
    assert [t.rep for t in tab_a.turns] == LINES[:2]

    tab_a.queue(LINES[2])  # both tabs answer the same line: the first reply stored is the one kept
    tab_b.refresh()
    assert tab_b.held and tab_b.waiting == [LINES[2]]  # B did not send it: shown, not answered by itself
    tab_b.resume_answers()
    drain(tab_a)
    drain(tab_b)
    assert stored(tab_a) == answered(LINES[:3])
    assert [t.buyer for t in tab_b.turns] == [t.buyer for t in tab_a.turns]

    tab_a.queue(LINES[3])  # A sends a line, and B sends one before A's is answered
    tab_b.queue(LINES[0])
    tab_b.refresh()
    assert not tab_b.held and tab_b.waiting == [LINES[3], LINES[0]]  # B answers A's line first, then its own
    drain(tab_b)
    tab_a.refresh()
    assert stored(tab_a) == answered([*LINES, LINES[0]]) and not tab_a.busy


def test_lines_queued_after_the_buyer_ended_the_call_are_kept_and_named(start):
    practice = start()
    lines = ["Dana, with respect, your finance team sounds incompetent. Why do you still miss the forecast?",
             "Honestly, this is ridiculous. A first-year analyst could fix your forecast.",
             "Shut up for a second and let me finish.",
             "Frankly you are wasting my time with these questions.",
             "Whatever. Just sign the contract and stop arguing.",
             "One more thing before you go."]
    for line in lines:
        practice.queue(line)
    drain(practice)
    assert practice.ended and practice.card is not None
    spoken = len(practice.turns)
    assert spoken < len(lines) and practice.unheard == lines[spoken:]
    assert stored(practice) == [(i, line, i <= spoken) for i, line in enumerate(lines, 1)]  # nothing dropped


# --- the practice page -----------------------------------------------------------------------------

def in_call(at):  # noqa: ANN001, ANN201
    at.button(key="brief-cfo_meridian").click().run()
    return button(at, "Start the call").click().run()


def stored_lines(db, name: str = "rep1") -> list[tuple[int, str, bool]]:  # noqa: ANN001
    from coach.db import my_sessions
    from coach.db.accounts import sign_in

    viewer = sign_in(db, name, "practice-demo", delay_s=0)
    return [(t.index, t.rep, t.buyer is not None)
            for t in get_session(db, viewer, my_sessions(db, viewer)[0].id).lines()]


def test_a_line_sent_while_the_last_is_unanswered_is_answered_after_it(app, db):  # noqa: F811
    at = in_call(signed_in(app(), "rep1"))
    at.session_state[practice_page.CALL].queue(LINES[0])  # stored; the run answering it was cut short
    at.chat_input[0].set_value(LINES[1]).run()
    assert not at.exception
    assert stored_lines(db) == answered(LINES[:2])
    assert [s for s in said(at) if s in LINES] == LINES[:2] and at.chat_input[0].disabled is False


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_reply_cut_off_by_the_next_line_is_asked_again(app, db):  # noqa: F811
    at = in_call(signed_in(app(), "rep1"))
    at.chat_input[0].set_value(LINES[0]).run()
    practice = at.session_state[practice_page.CALL]
    practice.queue(LINES[1])
    cut = practice.answer_next()
    next(cut)  # the buyer began to answer, then Streamlit stopped the run for the next line
    at.chat_input[0].set_value(LINES[2]).run()
    assert not at.exception
    assert stored_lines(db) == answered(LINES[:3])
    assert [s for s in said(at) if s in LINES] == LINES[:3]


def test_while_the_buyer_answers_the_box_is_disabled_and_the_line_shown(app, monkeypatch):
    at = in_call(signed_in(app(), "rep1"))
    answer = practice_page._answer
    monkeypatch.setattr(practice_page, "_answer", lambda practice, slots: st.stop())  # look mid-answer
    at.chat_input[0].set_value(LINES[0]).run()
    assert at.chat_input[0].disabled and LINES[0] in said(at)
    assert next(b for b in at.button if b.label == "End call").disabled  # ending now would leave it unanswered
    monkeypatch.setattr(practice_page, "_answer", answer)
    at.run()
    assert not at.chat_input[0].disabled and sum(LINES[0] in s for s in said(at)) == 1


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_second_tab_on_the_same_call_keeps_both_lines_in_order(app, db):  # noqa: F811
    tab_a = in_call(signed_in(app(), "rep1"))
    tab_a.chat_input[0].set_value(LINES[0]).run()
    tab_b = signed_in(app(), "rep1")  # the same rep opens the call in a second tab
    button(tab_b, "Resume it").click().run()
    tab_b.chat_input[0].set_value(LINES[1]).run()
    tab_a.chat_input[0].set_value(LINES[2]).run()
    assert not tab_a.exception and not tab_b.exception
    assert stored_lines(db) == answered(LINES[:3])
    assert [s for s in said(tab_a) if s in LINES] == LINES[:3]


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_resumed_unanswered_line_is_answered_before_a_new_one(app, db):  # noqa: F811
    at = in_call(signed_in(app(), "rep1"))
    at.session_state[practice_page.CALL].queue(LINES[0])  # then the browser was refreshed
    fresh = signed_in(app(), "rep1")
    button(fresh, "Resume it").click().run()
    assert any("not answered it yet" in w.value for w in fresh.warning) and not fresh.chat_input[0].disabled
    fresh.chat_input[0].set_value(LINES[1]).run()
    assert not fresh.exception and not any("not answered" in w.value for w in fresh.warning)
    assert stored_lines(db) == answered(LINES[:2])
