"""Who may see and change which call, through every door: the store (SQLite and PostgreSQL), `coach calls`, the app.

Two teams: east (manager erin, reps ann and bob) and west (manager wes, rep cat), plus an admin. Each rep has
one finished call with a line only that rep said, so any leak of another rep's call shows up as text.
"""

from __future__ import annotations

import base64
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
import streamlit as st
from sqlalchemy import text, update
from streamlit.testing.v1 import AppTest

from coach.config import Settings
from coach.errors import AccessDenied, NotFound
from coach.call.practice import PracticeCall
from coach.db import (Database, SessionFilter, SignInLocked, add_comment, add_user, assign, assignments, ensure_demo,
                         finish_session, get_session, my_sessions, open_database, override_criterion,
                         record_buyer_reply, record_rep_line, set_password, sign_in, start_session, team_members,
                         team_sessions, team_trends)
from coach.db.accounts import MAX_FAILURES, WINDOW
from coach.db.models import SignInThrottle, now
from coach.grading.scorecard import Coaching, CriterionResult, Metrics, Scorecard
from coach.transcript import CallTurn
from tests.helpers import invoke_coach, page_text
from tests.store.conftest import db, postgres_server  # noqa: F401 - the store fixtures: real SQLite and PostgreSQL

PASSWORD = "access-pass-1"
REVIEW, TEAM, HISTORY = "coach/ui/pages/review.py", "coach/ui/pages/team.py", "coach/ui/pages/history.py"


def line_of(name: str) -> str:
    """What only this rep said: finding it anywhere else is a leak."""
    return f"Only {name} asked this: what did the late close cost you, {name.upper()}-7731?"


def finished_call(db: Database, who, line: str, overall: int = 70) -> str:  # noqa: ANN001 - a Viewer
    """A stored, graded one-turn call (written through the store, as the app writes it)."""
    criterion = CriterionResult(id="relevant_to_title", result="yes", question="Relevant to the title?", evidence=[],
                                tip="Name their priority.")
    card = Scorecard(overall=overall, band="solid", rating=4, outcome="advanced", criteria=[criterion],
                     metrics=Metrics(questions=1), coaching=Coaching(), judge=None, grader_version="test")
    sid = start_session(db, who, "cfo_meridian")
    record_rep_line(db, who, sid, 1, line)
    record_buyer_reply(db, who, sid, CallTurn(
        index=1, rep=line, buyer="Eleven days to close. Go on.", buyer_persona="cfo_meridian", move="answer",
        reason="a real question", attention=60, elapsed_s=40.0, tags=["discovery"], voice="composed", notice=None,
        analysis=None))
    finish_session(db, who, sid, "advanced", None, card)
    return sid


def world(db: Database) -> SimpleNamespace:
    """Two teams and an admin; one finished call per rep."""
    w = SimpleNamespace(
        erin=add_user(db, "erin", PASSWORD, role="manager", team="east"),
        ann=add_user(db, "ann", PASSWORD, role="rep", team="east"),
        bob=add_user(db, "bob", PASSWORD, role="rep", team="east"),
        wes=add_user(db, "wes", PASSWORD, role="manager", team="west"),
        cat=add_user(db, "cat", PASSWORD, role="rep", team="west"),
        root=add_user(db, "root", PASSWORD, role="admin"))
    w.calls = {name: finished_call(db, getattr(w, name), line_of(name)) for name in ("ann", "bob", "cat")}
    return w


def ids(records) -> set[str]:  # noqa: ANN001
    return {r.id for r in records}


# --- the store, on SQLite and PostgreSQL -------------------------------------------------------------------------

def test_a_rep_can_list_open_and_change_only_their_own_calls(db):
    w = world(db)
    mine, others = w.calls["ann"], [w.calls["bob"], w.calls["cat"]]
    assert ids(team_sessions(db, w.ann)) == {mine} == ids(my_sessions(db, w.ann))
    assert team_sessions(db, w.ann, SessionFilter(rep="bob")) == []
    assert team_trends(db, w.ann).outcomes == {"advanced": 1}
    assert team_members(db, w.ann) == [] and assignments(db, w.ann) == []
    with pytest.raises(AccessDenied):
        assign(db, w.ann, "bob", "cfo_meridian")
    for sid in others:
        with pytest.raises(NotFound):
            get_session(db, w.ann, sid)
        with pytest.raises(NotFound):
            add_comment(db, w.ann, sid, "Nice call")
        with pytest.raises(NotFound):
            override_criterion(db, w.ann, sid, "relevant_to_title", "no", "I say so")
        with pytest.raises(NotFound):
            record_rep_line(db, w.ann, sid, 2, "Slipped into your call")
        with pytest.raises(NotFound):
            PracticeCall.resume(db, w.ann, None, None, None, sid)  # the app's "Resume it" path
    with pytest.raises(NotFound):  # reps do not review, not even their own calls
        override_criterion(db, w.ann, mine, "relevant_to_title", "no", "I say so")
    for name in ("bob", "cat"):  # nothing was written to the others' calls
        record = get_session(db, w.root, w.calls[name])
        assert record.reviews == [] and [t.rep for t in record.turns] == [line_of(name)]


def test_a_manager_sees_and_reviews_only_their_own_team(db):
    w = world(db)
    assert ids(team_sessions(db, w.erin)) == {w.calls["ann"], w.calls["bob"]}
    assert ids(team_sessions(db, w.wes)) == {w.calls["cat"]}
    assert {r.name for r in team_members(db, w.erin)} == {"ann", "bob"}
    assert sum(team_trends(db, w.erin).outcomes.values()) == 2
    with pytest.raises(NotFound):
        get_session(db, w.erin, w.calls["cat"])
    with pytest.raises(NotFound):
        add_comment(db, w.erin, w.calls["cat"], "Not my rep")
    with pytest.raises(NotFound):
        override_criterion(db, w.erin, w.calls["cat"], "relevant_to_title", "no", "Not my rep")
    with pytest.raises(NotFound):
        assign(db, w.erin, "cat", "cfo_meridian")
    with pytest.raises(NotFound):  # a manager reviews a rep's call but never speaks in it
        record_rep_line(db, w.erin, w.calls["ann"], 2, "Words in ann's mouth")
    add_comment(db, w.erin, w.calls["ann"], "Lead with her close.", 1)
    override_criterion(db, w.erin, w.calls["ann"], "relevant_to_title", "no", "Too generic")
    seen_by_ann = get_session(db, w.ann, w.calls["ann"]).reviews
    assert [(r.author, r.kind) for r in seen_by_ann] == [("erin", "comment"), ("erin", "override")]
    assert get_session(db, w.root, w.calls["cat"]).reviews == []


def test_an_admin_sees_and_reviews_every_call(db):
    w = world(db)
    assert ids(team_sessions(db, w.root)) == set(w.calls.values())
    assert {r.name for r in team_members(db, w.root)} == {"ann", "bob", "cat"}
    for name, sid in w.calls.items():
        assert get_session(db, w.root, sid).turns[0].rep == line_of(name)
    add_comment(db, w.root, w.calls["cat"], "Seen by the admin")
    assert get_session(db, w.cat, w.calls["cat"]).reviews[0].author == "root"


def test_session_ids_are_random_not_sequential(db):
    rep = add_user(db, "ann", PASSWORD, role="rep", team="east")
    made = [start_session(db, rep, "cfo_meridian") for _ in range(200)]  # in creation order
    assert len(set(made)) == 200
    alphabet = set("".join(made))
    bits = min(len(i) for i in made) * math.log2(len(alphabet))
    assert bits >= 96, (bits, made[:3])
    assert os.path.commonprefix(made) == ""
    for position in range(min(len(i) for i in made)):  # a counter or a clock would repeat in its leading characters
        assert len({i[position] for i in made}) >= min(8, len(alphabet)), position
    counts = Counter("".join(made))
    expected = len("".join(made)) / len(alphabet)
    assert all(abs(n - expected) < expected / 3 for n in counts.values()), counts  # about uniform
    rising = sum(a < b for a, b in zip(made, made[1:], strict=False))
    assert made != sorted(made) and made != sorted(made, reverse=True)
    assert 0.25 < rising / 199 < 0.75, rising  # neither increasing nor decreasing with time
    assert not all(i.isdigit() for i in made)  # not numbers (one random hex id in ~80,000 is all digits)


def test_passwords_are_stored_as_salted_scrypt_hashes(db):
    add_user(db, "ann", "same-password-1", role="rep", team="east")
    add_user(db, "bob", "same-password-1", role="rep", team="east")
    with db.engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT name, password_hash FROM users")).all())
    salts, digests = set(), set()
    for value in stored.values():
        scheme, n, r, p, salt, digest = value.split("$")
        assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
        assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
        assert "same-password-1" not in value and base64.b64encode(b"same-password-1").decode() not in value
        salts.add(salt)
        digests.add(digest)
    assert len(salts) == 2 and len(digests) == 2  # equal passwords, different salts, different hashes
    assert sign_in(db, "ann", "same-password-1", delay_s=0).name == "ann"


def failures(db: Database, name: str) -> int | None:
    with db.transaction() as s:
        row = s.get(SignInThrottle, name)
        return row.failures if row else None


def test_sign_in_locks_after_five_failures_even_for_the_right_password(db):
    add_user(db, "ann", PASSWORD, role="rep", team="east")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AccessDenied) as wrong:
            sign_in(db, "ann", "not-the-password", delay_s=0)
        assert not isinstance(wrong.value, SignInLocked)
    assert sign_in(db, "ann", PASSWORD, delay_s=0).name == "ann"  # a success clears the count
    assert failures(db, "ann") is None
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AccessDenied) as wrong:
            sign_in(db, "ann", "not-the-password", delay_s=0)
        assert not isinstance(wrong.value, SignInLocked)
    with pytest.raises(SignInLocked, match="not right, 5 times in 15 minutes, so sign-in is locked"):
        sign_in(db, "ann", "not-the-password", delay_s=0)
    with pytest.raises(SignInLocked) as locked:  # the 6th attempt: refused even with the right password
        sign_in(db, "ann", PASSWORD, delay_s=0)
    message = locked.value.message
    assert message.startswith("Too many failed sign-ins")
    assert f"try again after {locked.value.until:%H:%M} UTC" in message and "coach users passwd ann" in message
    assert timedelta(minutes=14) < locked.value.until - now() <= WINDOW
    set_password(db, "ann", "a-new-password")  # an admin's reset lifts the lock
    assert sign_in(db, "ann", "a-new-password", delay_s=0).name == "ann"


def test_a_lock_ends_with_its_window_and_unknown_names_lock_alike(db):
    add_user(db, "ann", PASSWORD, role="rep", team="east")
    for name in ("ann", "nobody"):
        for _ in range(MAX_FAILURES):
            with pytest.raises(AccessDenied):
                sign_in(db, name, "not-the-password", delay_s=0)
        with pytest.raises(SignInLocked, match="Too many failed sign-ins"):  # the same answer: no name is revealed
            sign_in(db, name, PASSWORD, delay_s=0)
    with db.transaction() as s:  # the window started 16 minutes ago
        s.execute(update(SignInThrottle).values(window_start=now() - WINDOW - timedelta(minutes=1)))
    assert sign_in(db, "ann", PASSWORD, delay_s=0).name == "ann"
    with pytest.raises(AccessDenied) as wrong:
        sign_in(db, "nobody", PASSWORD, delay_s=0)
    assert not isinstance(wrong.value, SignInLocked) and failures(db, "nobody") == 1  # a fresh window


ATTEMPTS = """
import sys, time
from pathlib import Path
from coach.errors import AccessDenied
from coach.db import Database, SignInLocked, sign_in
db = Database(sys.argv[1], run_migrations=False)
while not Path(sys.argv[2]).exists():
    time.sleep(0.01)
for _ in range(4):
    try:
        sign_in(db, "ann", "not-the-password", delay_s=0)
        print("in")
    except SignInLocked:
        print("locked")
    except AccessDenied:
        print("denied")
"""


@pytest.mark.slow  # four Python processes
def test_the_limit_holds_across_processes(db, tmp_path):
    add_user(db, "ann", PASSWORD, role="rep", team="east")
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", ATTEMPTS, db.url, str(go)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(1.0)
    go.touch()  # all four start guessing at once
    answers = Counter()
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr
        answers.update(stdout.split())
    # 16 guesses in 4 processes: only the first 5 were checked (4 "wrong", the 5th "wrong, now locked")
    assert answers == {"denied": MAX_FAILURES - 1, "locked": 16 - MAX_FAILURES + 1}, answers
    assert failures(db, "ann") == 16
    with pytest.raises(SignInLocked):
        sign_in(db, "ann", PASSWORD, delay_s=0)


# --- `coach calls`, run as a user runs it (in this process: `invoke_coach`) -------------------------------------------

@pytest.fixture
def cli(tmp_path):
    data = tmp_path / "data"
    database = open_database(Settings(_env_file=None, data_dir=data))
    w = world(database)
    w.db = database

    def run(*args: str, user: str | None = None, password: str | None = PASSWORD, stdin: str | None = "",
            **env: str):
        extra = {"COACH_DATA_DIR": str(data), "COACH_LLM": "none", **env}
        if password is not None:
            extra["COACH_PASSWORD"] = password
        return invoke_coach(*args, *(["--user", user] if user else []), stdin=stdin, **extra)

    w.run = run
    yield w
    database.close()


def one_line_error(result, *words: str) -> None:  # noqa: ANN001
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
def test_cli_a_rep_cannot_list_open_export_comment_on_or_override_another_reps_call(cli, tmp_path):
    bobs, leak = cli.calls["bob"], line_of("bob")
    listed = cli.run("calls", "list", "--json", user="ann")
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == [cli.calls["ann"]]
    shown = cli.run("calls", "show", cli.calls["ann"], user="ann")
    assert shown.returncode == 0 and line_of("ann") in shown.stdout  # the rep's own call opens
    for args in (["show", bobs], ["show", bobs, "--json"], ["comment", bobs, "Great call"],
                 ["override", bobs, "relevant_to_title", "no", "--reason", "I say so"]):
        result = cli.run("calls", *args, user="ann")
        one_line_error(result, "No practice session")
        assert leak not in result.stdout + result.stderr
    exported = tmp_path / "calls.json"
    result = cli.run("calls", "export", "--format", "json", "-o", str(exported), "--unfinished", user="ann")
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in json.loads(exported.read_text())] == [cli.calls["ann"]]
    csv_out = cli.run("calls", "export", user="ann")
    assert cli.calls["ann"] in csv_out.stdout and bobs not in csv_out.stdout and cli.calls["cat"] not in csv_out.stdout
    assert get_session(cli.db, cli.root, bobs).reviews == []


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
def test_cli_a_manager_reviews_their_team_only_and_an_admin_sees_all(cli):
    listed = cli.run("calls", "list", "--json", user="erin")
    assert {r["id"] for r in json.loads(listed.stdout)} == {cli.calls["ann"], cli.calls["bob"]}
    one_line_error(cli.run("calls", "show", cli.calls["cat"], user="erin"), "No practice session")
    one_line_error(cli.run("calls", "comment", cli.calls["cat"], "Not mine", user="erin"), "No practice session")
    comment = cli.run("calls", "comment", cli.calls["ann"], "Lead with her close.", "--turn", "1", user="erin")
    override = cli.run("calls", "override", cli.calls["ann"], "relevant_to_title", "no", "--reason", "Too generic",
                       user="erin")
    assert comment.returncode == 0 and override.returncode == 0, comment.stderr + override.stderr
    reviews = get_session(cli.db, cli.ann, cli.calls["ann"]).reviews
    assert [(r.kind, r.turn_index, r.new_result) for r in reviews] == [("comment", 1, None), ("override", None, "no")]
    shown = cli.run("calls", "show", cli.calls["ann"], user="ann")
    assert "erin: Lead with her close." in shown.stdout and "override by erin: no" in shown.stdout
    everything = cli.run("calls", "list", "--json", user="root")
    assert {r["id"] for r in json.loads(everything.stdout)} == set(cli.calls.values())
    assert {r["id"]: r["reviewed"] for r in json.loads(everything.stdout)} == \
        {cli.calls["ann"]: True, cli.calls["bob"]: False, cli.calls["cat"]: False}
    table = cli.run("calls", "list", user="erin").stdout.splitlines()
    assert table[0].split()[-1] == "reviewed" and {line.split()[-1] for line in table[1:]} == {"yes", "no"}


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
def test_cli_sign_in_takes_the_password_from_the_environment_or_standard_input_never_a_flag(cli):
    one_line_error(cli.run("calls", "list", user="ann", password="wrong-password-1"),
                   "The name or password is not right", "COACH_PASSWORD")
    piped = cli.run("calls", "list", "--json", user="ann", password=None, stdin=PASSWORD + "\n")
    assert piped.returncode == 0 and json.loads(piped.stdout)[0]["id"] == cli.calls["ann"], piped.stderr
    one_line_error(cli.run("calls", "list", user="ann", password=None, stdin=""), "No password given")
    flag = cli.run("calls", "list", "--password", PASSWORD, user="ann")
    assert flag.returncode == 2 and "No such option" in flag.stderr and "Traceback" not in flag.stderr


def test_cli_sign_in_is_rate_limited_with_the_app(cli):
    for _ in range(MAX_FAILURES - 2):  # e.g. in the app, another process
        with pytest.raises(AccessDenied):
            sign_in(cli.db, "ann", "not-the-password", delay_s=0)
    one_line_error(cli.run("calls", "list", user="ann", password="not-the-password"), "not right")
    assert failures(cli.db, "ann") == MAX_FAILURES - 1  # the command's failure counted in the same place
    one_line_error(cli.run("calls", "list", user="ann", password="not-the-password"), "so sign-in is locked")
    locked = cli.run("calls", "list", user="ann")  # the right password, too late
    one_line_error(locked, "Too many failed sign-ins", "try again after", "UTC", "coach users passwd ann")
    reset = cli.run("users", "passwd", "ann", password=None, COACH_NEW_PASSWORD="a-new-password")
    assert reset.returncode == 0, reset.stderr
    assert cli.run("calls", "list", user="ann", password="a-new-password").returncode == 0


# --- the app, through Streamlit's AppTest -------------------------------------------------------------------------

@pytest.fixture
def app(monkeypatch, tmp_path, repo_root):
    st.cache_resource.clear()
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_LLM", "none")
    monkeypatch.chdir(tmp_path)
    database = open_database(Settings(_env_file=None, data_dir=tmp_path / "data"))
    ensure_demo(database)  # manager, rep1 and rep2 in team "demo"; wes and cat in team "west"; root, an admin
    w = SimpleNamespace(db=database, new=lambda path="app.py": AppTest.from_file(str(repo_root / path),
                                                                                default_timeout=120))
    users = {v.name: v for v in (sign_in(database, n, "practice-demo", delay_s=0) for n in ("manager", "rep1", "rep2"))}
    users["wes"] = add_user(database, "wes", PASSWORD, role="manager", team="west")
    users["cat"] = add_user(database, "cat", PASSWORD, role="rep", team="west")
    users["root"] = add_user(database, "root", PASSWORD, role="admin")
    w.users = users
    w.calls = {name: finished_call(database, users[name], line_of(name)) for name in ("rep1", "rep2", "cat")}
    yield w
    database.close()
    st.cache_resource.clear()


def signed_in(at: AppTest, name: str, password: str = "practice-demo") -> AppTest:
    at.run()
    at.text_input(key="sign_in_name").set_value(name)
    at.text_input(key="sign_in_password").set_value(password)
    return at.button[0].click().run()


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_app_a_rep_cannot_reach_review_team_or_another_reps_call(app):
    rep1_call, rep2_call = app.calls["rep1"], app.calls["rep2"]
    at = signed_in(app.new(), "rep2")
    for page in (REVIEW, TEAM):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not offered to a rep
        direct = app.new(page)  # and refused when reached anyway
        direct.session_state["viewer_id"] = app.users["rep2"].id
        direct.query_params["call"] = rep1_call
        direct.run()
        assert [e.value for e in direct.error] == ["Page not found."] and not direct.dataframe
        assert line_of("rep1") not in page_text(direct)
    for key in ("call", "session", "id", "session_id"):  # a link with rep1's call id in the query string
        for page in ("app.py", HISTORY):
            linked = app.new(page)
            linked.session_state["viewer_id"] = app.users["rep2"].id
            linked.query_params[key] = rep1_call
            linked.session_state["briefing"] = rep1_call  # what the practice page reads from the session
            linked.run()
            shown = page_text(linked)
            assert not linked.exception
            assert line_of("rep1") not in shown and rep1_call not in shown
    history = app.new(HISTORY)
    history.session_state["viewer_id"] = app.users["rep2"].id
    history.run()
    assert line_of("rep2") in page_text(history)  # the control: the rep's own call is shown
    assert len(history.selectbox[0].options) == 1


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_app_a_link_opens_the_call_it_names_for_whoever_may_see_it(app):
    older = app.calls["rep1"]
    newer = finished_call(app.db, app.users["rep1"], "A newer call, opened first without a link.")
    history = app.new(HISTORY)
    history.session_state["viewer_id"] = app.users["rep1"].id
    history.query_params["call"] = older
    history.run()
    assert not history.exception and line_of("rep1") in page_text(history)  # the linked call, not the newest
    assert history.query_params["call"] == older
    unlinked = app.new(HISTORY)
    unlinked.session_state["viewer_id"] = app.users["rep1"].id
    unlinked.run()
    assert "A newer call" in page_text(unlinked) and unlinked.query_params["call"] == newer  # the URL names it
    review = app.new(REVIEW)
    review.session_state["viewer_id"] = app.users["manager"].id
    review.query_params["call"] = app.calls["rep2"]
    review.run()
    assert not review.exception and line_of("rep2") in page_text(review)  # the manager follows a rep's link
    outsider = app.new(REVIEW)
    outsider.session_state["viewer_id"] = app.users["wes"].id  # another team's manager
    outsider.query_params["call"] = app.calls["rep2"]
    outsider.run()
    assert [w.value for w in outsider.warning] == ["The linked call was not found. Pick one from the list."]
    assert line_of("rep2") not in page_text(outsider) and line_of("cat") in page_text(outsider)


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_app_the_review_page_shows_a_manager_their_team_and_an_admin_everything(app):
    expected = {"manager": {"rep1", "rep2"}, "wes": {"cat"}, "root": {"rep1", "rep2", "cat"}}
    for viewer, reps in expected.items():
        at = signed_in(app.new(), viewer, "practice-demo" if viewer == "manager" else PASSWORD)
        at.switch_page(REVIEW).run()
        assert not at.exception
        table = set(at.dataframe[0].value["id"])
        assert table == {app.calls[r] for r in reps}, viewer
        shown = page_text(at)
        for rep in {"rep1", "rep2", "cat"} - reps:
            assert line_of(rep) not in shown and app.calls[rep] not in shown


def test_app_sign_in_is_rate_limited(app):
    for _ in range(MAX_FAILURES - 1):  # failures counted in another process (the CLI, another app server)
        with pytest.raises(AccessDenied):
            sign_in(app.db, "rep1", "not-the-password", delay_s=0)
    at = signed_in(app.new(), "rep1", "not-the-password")
    assert "so sign-in is locked" in at.error[0].value
    signed_in(at, "rep1")  # the right password, too late
    message = at.error[0].value
    assert message.startswith("Too many failed sign-ins") and "try again after" in message
    assert "coach users passwd rep1" in message
    assert at.text_input(key="sign_in_name") is not None and not any("Practice a call" == t.value for t in at.title)
    set_password(app.db, "rep1", "a-new-password")
    signed_in(at, "rep1", "a-new-password")
    assert [t.value for t in at.title] == ["Practice a call"]


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_app_new_feedback_shows_as_a_badge_until_the_rep_opens_the_call(app):
    add_comment(app.db, app.users["manager"], app.calls["rep1"], "Ask about the audit before the demo.")
    at = signed_in(app.new(), "rep1")
    assert any("New feedback** on 1 call(s)" in m.value for m in at.sidebar.markdown), [m.value for m in at.sidebar.markdown]
    history = app.new(HISTORY)
    history.session_state["viewer_id"] = app.users["rep1"].id
    history.run()
    assert history.selectbox[0].format_func(history.selectbox[0].value).startswith("NEW FEEDBACK")
    assert "Ask about the audit before the demo." in page_text(history)
    again = signed_in(app.new(), "rep1")
    assert not any("New feedback" in m.value for m in again.sidebar.markdown)
    other = signed_in(app.new(), "rep2")  # someone else's feedback is not theirs to see
    assert not any("New feedback" in m.value for m in other.sidebar.markdown)
