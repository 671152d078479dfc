"""Many reps writing at once, on SQLite and PostgreSQL: every turn stored once, no error reaching a rep."""

from __future__ import annotations

import threading
import time

import pytest

from coach.errors import StoreUnavailable
from coach.db import Viewer, add_user, get_session, record_buyer_reply, record_rep_line, start_session
from coach.db.db import Database
from coach.transcript import CallTurn


def reply(index: int, rep: str) -> CallTurn:
    return CallTurn(index=index, rep=rep, buyer=f"Answer {index}.", buyer_persona="cfo_meridian",
                           move="answer", reason="a real question", attention=60, elapsed_s=40.0 * index,
                           tags=["discovery"], voice="composed", notice=None, analysis=None)


def test_sqlite_runs_in_wal_with_a_busy_timeout(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'coach.db'}", wait_s=2.0)
    with db.engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")}
    db.close()
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 2000, "foreign_keys": 1}


def test_reps_writing_at_the_same_time_lose_no_turn(db):
    reps = [add_user(db, f"rep{n}", "password-123", role="rep", team="load") for n in range(12)]
    turns = 12
    errors: list[str] = []
    sessions: dict[int, str] = {}
    start = threading.Barrier(len(reps))

    def hold_call(rep: Viewer) -> None:
        start.wait()
        try:
            sid = sessions[rep.id] = start_session(db, rep, "cfo_meridian")
            for index in range(1, turns + 1):
                line = f"Line {index} from {rep.name}: what matters most to you this quarter?"
                record_rep_line(db, rep, sid, index, line)
                record_buyer_reply(db, rep, sid, reply(index, line))
        except Exception as exc:  # noqa: BLE001 - anything reaching the rep fails the test
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=hold_call, args=(rep,)) for rep in reps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for rep in reps:
        stored = get_session(db, rep, sessions[rep.id]).turns
        assert [t.index for t in stored] == list(range(1, turns + 1))
        assert all(t.rep.startswith(f"Line {t.index} from {rep.name}") and t.buyer for t in stored)


def test_a_write_that_can_never_succeed_fails_at_once(db):
    """Only a locked or restarting database is waited out; a broken write is not tried again."""
    db.wait_s = 3.0
    ghost = Viewer(id=987654, name="ghost", display_name="Ghost", role="rep", team_id=None)  # no such user
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        start_session(db, ghost, "cfo_meridian")
    assert time.monotonic() - started < 1.5
    assert "\n" not in caught.value.message and "Fix:" in caught.value.message
