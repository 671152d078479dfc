"""Database faults in the middle of a practice call: a locked SQLite file, a PostgreSQL restart or outage.

The promise for each: the rep's turn and everything before it is stored, the rep sees one clear
message (or nothing, when the database comes back within the wait), and the call goes on, or is
resumed once the database is back. Everything is real: a second program holding the SQLite write
lock, a PostgreSQL server stopped and started with its own tools.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from coach.content.catalog import load_content
from coach.errors import StoreUnavailable
from coach.call.practice import PracticeCall
from coach.db import Database, Viewer, add_user, get_session
from tests.pg import TempPostgres, serve

LINES = [
    "Thanks for making time today. Is thirty minutes still right for you?",
    "Before I say anything about us, what would make this quarter a good one for you?",
    "What is the board pressing you on hardest right now?",
    "How are you measuring progress on that today, and who owns the number?",
    "When that slipped last year, what did it cost you?",
    "Who else in the business feels that problem first, and how does it show up for them?",
]
BUYER = "cfo_meridian"
_names = itertools.count()

# A second program holding the SQLite write lock: BEGIN EXCLUSIVE, then hold it for `hold` seconds
# (or until a line arrives on stdin when `hold` is 0); prints when it has the lock and when it let go.
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
hold = float(sys.argv[2])
time.sleep(hold) if hold > 0 else sys.stdin.readline()
conn.execute("COMMIT")
print("released", time.time(), flush=True)
"""


class ForeignWriter:
    """Another process with the SQLite file's write lock."""

    def __init__(self, path: Path, hold_s: float = 0.0) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(path), str(hold_s)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def released_at(self) -> float:
        """Let go (if still holding) and return the wall-clock time the lock was released."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
        line = self.proc.stdout.readline().split()
        self.proc.wait(timeout=10)
        assert line and line[0] == "released", line
        return float(line[1])


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def knowledge(shipped_store):
    return shipped_store[0]


def a_rep(db: Database) -> Viewer:
    return add_user(db, f"rep{next(_names)}", "password-123", role="rep", team="faults")


def say(practice: PracticeCall, line: str, said: list[str]) -> None:
    """The rep says a line and reads the whole reply; it counts as said once the call took it."""
    for _ in practice.say(line):
        pass
    said.append(line)


def stored(db: Database, viewer: Viewer, session_id: str) -> list[str]:
    """Every rep line the store holds for the call, answered or not, in order."""
    return [t.rep for t in get_session(db, viewer, session_id).lines()]


def turns_lost(db: Database, viewer: Viewer, session_id: str, said: list[str]) -> int:
    """Lines the rep said that the store does not hold, answered, at their place."""
    turns = get_session(db, viewer, session_id).lines()
    return sum(1 for i, line in enumerate(said)
               if i >= len(turns) or turns[i].rep != line or turns[i].buyer is None)


# --- SQLite: another program holds the write lock -------------------------------------------------

@pytest.fixture
def sqlite_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'coach.db'}", wait_s=1.0)
    yield database
    database.close()


def test_sqlite_lock_released_within_the_wait_stores_the_line_silently(sqlite_db, tmp_path, content, knowledge,
                                                                      fault_report):
    viewer = a_rep(sqlite_db)
    practice = PracticeCall.start(sqlite_db, viewer, content, knowledge, None, BUYER, seed=1)
    said: list[str] = []
    say(practice, LINES[0], said)
    say(practice, LINES[1], said)
    writer = ForeignWriter(tmp_path / "coach.db", hold_s=0.4)  # well inside the 1 s wait
    say(practice, LINES[2], said)
    done = time.time()
    assert done >= writer.released_at()  # the line really waited for the other program's lock
    say(practice, LINES[3], said)
    lost = turns_lost(sqlite_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(sqlite_db, viewer, practice.session_id) == said
    fault_report.add("SQLite write lock held by another program for 0.4 s (wait 1 s) while the rep says a line",
                     turns_lost=lost, message="none: the line was stored once the lock was released", recovered=True)


def test_sqlite_lock_held_past_the_wait_gives_one_message_and_the_call_resumes(sqlite_db, tmp_path, content,
                                                                               knowledge, fault_report):
    viewer = a_rep(sqlite_db)
    practice = PracticeCall.start(sqlite_db, viewer, content, knowledge, None, BUYER, seed=2)
    said: list[str] = []
    say(practice, LINES[0], said)
    say(practice, LINES[1], said)
    writer = ForeignWriter(tmp_path / "coach.db")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        say(practice, LINES[2], said)
    waited = time.monotonic() - started
    message = caught.value.message
    assert 0.9 <= waited < 5, waited  # it waited out the budget, then gave up
    assert "\n" not in message and "busy" in message and "Fix: wait a moment and try again" in message
    assert stored(sqlite_db, viewer, practice.session_id) == said  # readers are not blocked: nothing earlier lost
    writer.released_at()
    resumed = PracticeCall.resume(sqlite_db, viewer, content, knowledge, None, practice.session_id)
    assert resumed.pending is None and len(resumed.turns) == 2  # the refused line was never half-stored
    say(resumed, LINES[2], said)
    say(resumed, LINES[3], said)
    lost = turns_lost(sqlite_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(sqlite_db, viewer, practice.session_id) == said
    fault_report.add("SQLite write lock held by another program past the 1 s wait while the rep says a line",
                     turns_lost=lost, message=message, recovered=True)


def test_sqlite_lock_while_the_reply_is_stored_keeps_the_line_for_resume(sqlite_db, tmp_path, content, knowledge,
                                                                         fault_report):
    viewer = a_rep(sqlite_db)
    practice = PracticeCall.start(sqlite_db, viewer, content, knowledge, None, BUYER, seed=3)
    said: list[str] = []
    say(practice, LINES[0], said)
    reply = practice.say(LINES[1])
    next(reply)  # the rep line is stored and the buyer has started to answer
    writer = ForeignWriter(tmp_path / "coach.db")
    with pytest.raises(StoreUnavailable) as caught:
        list(reply)
    message = caught.value.message
    assert stored(sqlite_db, viewer, practice.session_id) == [LINES[0], LINES[1]]  # the rep's turn is kept
    writer.released_at()
    resumed = PracticeCall.resume(sqlite_db, viewer, content, knowledge, None, practice.session_id)
    assert resumed.pending == LINES[1] and len(resumed.turns) == 1
    say(resumed, resumed.pending, said)  # "Send it again"
    say(resumed, LINES[2], said)
    lost = turns_lost(sqlite_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(sqlite_db, viewer, practice.session_id) == said
    fault_report.add("SQLite write lock held past the wait while the buyer's reply is stored",
                     turns_lost=lost, message=message, recovered=True)


def test_sending_the_saved_line_again_on_the_same_call_stores_it_once(sqlite_db, tmp_path, content, knowledge):
    viewer = a_rep(sqlite_db)
    practice = PracticeCall.start(sqlite_db, viewer, content, knowledge, None, BUYER, seed=4)
    said: list[str] = []
    say(practice, LINES[0], said)
    reply = practice.say(LINES[1])
    next(reply)
    writer = ForeignWriter(tmp_path / "coach.db")
    with pytest.raises(StoreUnavailable):
        list(reply)
    writer.released_at()
    assert practice.pending == LINES[1]
    say(practice, practice.pending, said)  # what the page does without resuming
    assert stored(sqlite_db, viewer, practice.session_id) == said


# --- PostgreSQL: restarted or down in the middle of a call ----------------------------------------

@pytest.fixture(scope="module")
def pg_server():
    yield from serve()


def pg_down(server: TempPostgres) -> None:
    server.down()


def pg_up(server: TempPostgres) -> None:
    server.up()


def pg_restart(server: TempPostgres) -> None:
    server.restart()


def started_at(db: Database) -> object:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT pg_postmaster_start_time()")).scalar()


@pytest.fixture
def pg_db(pg_server):
    database = Database(pg_server.fresh_database(f"f{next(_names)}"), wait_s=3.0)
    yield database
    database.close()
    if pg_server.data.exists() and not (pg_server.data / "postmaster.pid").exists():
        pg_up(pg_server)  # a failed test must not leave the server down for the next one


def test_postgres_restart_between_turns_is_invisible(pg_server, pg_db, content, knowledge, fault_report):
    viewer = a_rep(pg_db)
    practice = PracticeCall.start(pg_db, viewer, content, knowledge, None, BUYER, seed=5)
    said: list[str] = []
    say(practice, LINES[0], said)
    say(practice, LINES[1], said)
    before = started_at(pg_db)
    pg_restart(pg_server)  # every pooled connection is now dead
    say(practice, LINES[2], said)
    say(practice, LINES[3], said)
    assert started_at(pg_db) != before
    lost = turns_lost(pg_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(pg_db, viewer, practice.session_id) == said
    fault_report.add("PostgreSQL restarted between two rep turns", turns_lost=lost,
                     message="none: the next line was stored on a new connection", recovered=True)


def test_postgres_restart_during_a_turn_is_invisible(pg_server, pg_db, content, knowledge, fault_report):
    viewer = a_rep(pg_db)
    practice = PracticeCall.start(pg_db, viewer, content, knowledge, None, BUYER, seed=6)
    said: list[str] = []
    say(practice, LINES[0], said)
    reply = practice.say(LINES[1])
    next(reply)  # the rep line is stored; the buyer's reply is on its way
    before = started_at(pg_db)
    pg_restart(pg_server)
    list(reply)
    said.append(LINES[1])
    say(practice, LINES[2], said)
    assert started_at(pg_db) != before
    lost = turns_lost(pg_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(pg_db, viewer, practice.session_id) == said
    fault_report.add("PostgreSQL restarted while the buyer's reply is being stored", turns_lost=lost,
                     message="none: the reply was stored on a new connection", recovered=True)


def test_postgres_down_for_a_moment_during_a_turn_is_waited_out(pg_server, pg_db, content, knowledge,
                                                                 fault_report):
    viewer = a_rep(pg_db)
    practice = PracticeCall.start(pg_db, viewer, content, knowledge, None, BUYER, seed=7)
    said: list[str] = []
    say(practice, LINES[0], said)
    pg_down(pg_server)
    back = threading.Timer(1.0, pg_up, args=(pg_server,))  # back well inside the 3 s wait
    back.start()
    try:
        started = time.monotonic()
        say(practice, LINES[1], said)
        waited = time.monotonic() - started
    finally:
        back.join()
    assert waited >= 0.9, waited  # the line really waited for the server
    say(practice, LINES[2], said)
    lost = turns_lost(pg_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(pg_db, viewer, practice.session_id) == said
    fault_report.add("PostgreSQL down for 1 s (wait 3 s) while the rep says a line", turns_lost=lost,
                     message="none: the line was stored when the server came back", recovered=True)


def test_postgres_down_past_the_wait_gives_one_message_and_the_call_resumes(pg_server, pg_db, content, knowledge,
                                                                           fault_report):
    viewer = a_rep(pg_db)
    practice = PracticeCall.start(pg_db, viewer, content, knowledge, None, BUYER, seed=8)
    said: list[str] = []
    say(practice, LINES[0], said)
    say(practice, LINES[1], said)
    pg_down(pg_server)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        say(practice, LINES[2], said)
    waited = time.monotonic() - started
    message = caught.value.message
    assert 2.5 <= waited < 8, waited
    assert "\n" not in message and "The database is unavailable" in message
    assert "Fix: check that the database at DATABASE_URL is running and reachable" in message
    pg_up(pg_server)
    resumed = PracticeCall.resume(pg_db, viewer, content, knowledge, None, practice.session_id)
    assert resumed.pending is None and len(resumed.turns) == 2
    say(resumed, LINES[2], said)
    say(resumed, LINES[3], said)
    lost = turns_lost(pg_db, viewer, practice.session_id, said)
    assert lost == 0 and stored(pg_db, viewer, practice.session_id) == said
    fault_report.add("PostgreSQL down past the 3 s wait while the rep says a line, then started again",
                     turns_lost=lost, message=message, recovered=True)


# --- What the rep reads ---------------------------------------------------------------------------

def test_store_unavailable_reads_as_one_line_with_the_fix(tmp_path, pg_server):
    """The app shows `exc.message`: one line, the problem and the fix, no driver text or links."""
    path = tmp_path / "coach.db"
    db = Database(f"sqlite:///{path}", wait_s=0.3)
    viewer = a_rep(db)
    writer = ForeignWriter(path)
    with pytest.raises(StoreUnavailable) as locked:
        add_user(db, "late", "password-123", role="rep", team="faults")
    writer.released_at()
    db.close()
    pg_down(pg_server)
    try:
        down = Database(pg_server.url, run_migrations=False, wait_s=0.3)
        with pytest.raises(StoreUnavailable) as unreachable:
            get_session(down, viewer, "no-such-call")
        down.close()
    finally:
        pg_up(pg_server)
    for error in (locked.value, unreachable.value):
        message = error.message
        assert str(error) == message and "\n" not in message and len(message) < 320, message
        assert message.startswith("The database is ") and " Fix: " in message, message
        assert "Traceback" not in message and "sqlalche.me" not in message and "[SQL" not in message, message
