"""The store as the queue of rep lines: every line its own turn, in order, once; the first reply stored wins.

Why: two tabs (or two app processes) on one call, a quick second line and a retried write must never put
two lines on one turn or replace a reply the rep has already read.
"""

from __future__ import annotations

import itertools
import threading

from coach.db import Database, Viewer, add_user, get_session, start_session
from coach.db.practice import queue_rep_line, record_buyer_reply
from coach.transcript import CallTurn

_names = itertools.count()


def a_rep(db: Database) -> Viewer:
    return add_user(db, f"queue{next(_names)}", "password-123", role="rep", team="queue")


def reply(index: int, rep: str, buyer: str) -> CallTurn:
    return CallTurn(index=index, rep=rep, buyer=buyer, buyer_persona="cfo_meridian", move="answer",
                           reason="r", attention=60, elapsed_s=30.0, tags=[], voice="composed", notice=None,
                           analysis=None)


def test_each_queued_line_gets_the_next_turn_and_a_repeat_is_stored_once(db):
    rep = a_rep(db)
    sid = start_session(db, rep, "cfo_meridian", seed=1)
    assert queue_rep_line(db, rep, sid, "First line") == 1
    assert queue_rep_line(db, rep, sid, "Second line") == 2  # before the first is answered
    assert queue_rep_line(db, rep, sid, "Second line") == 2  # sent twice, or a retried write
    assert record_buyer_reply(db, rep, sid, reply(1, "First line", "An answer."))
    assert record_buyer_reply(db, rep, sid, reply(2, "Second line", "Another."))
    assert queue_rep_line(db, rep, sid, "Second line") == 3  # said again after its answer: a new turn
    turns = get_session(db, rep, sid).lines()
    assert [(t.index, t.rep, t.buyer) for t in turns] == [
        (1, "First line", "An answer."), (2, "Second line", "Another."), (3, "Second line", None)]


def test_the_first_reply_stored_is_kept(db):
    rep = a_rep(db)
    sid = start_session(db, rep, "cfo_meridian", seed=1)
    queue_rep_line(db, rep, sid, "A line")
    assert record_buyer_reply(db, rep, sid, reply(1, "A line", "What this tab showed."))
    assert not record_buyer_reply(db, rep, sid, reply(1, "A line", "What the other tab showed."))
    assert get_session(db, rep, sid).turns[0].buyer == "What this tab showed."


def test_lines_queued_at_once_from_many_tabs_each_get_their_own_turn(db):
    rep = a_rep(db)
    sid = start_session(db, rep, "cfo_meridian", seed=1)
    lines = [f"Line from tab {n}" for n in range(8)]
    indices: dict[str, int] = {}
    start = threading.Barrier(len(lines))

    def tab(line: str) -> None:
        start.wait()
        indices[line] = queue_rep_line(db, rep, sid, line)

    threads = [threading.Thread(target=tab, args=(line,)) for line in lines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    turns = get_session(db, rep, sid).lines()
    assert sorted(indices.values()) == list(range(1, len(lines) + 1))
    assert sorted(t.rep for t in turns) == sorted(lines) and len(turns) == len(lines)
    assert all(turns[indices[line] - 1].rep == line for line in lines)
