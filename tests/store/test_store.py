"""The store on SQLite and PostgreSQL: accounts, calls that survive failures, and access rules."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect

from coach.errors import AccessDenied, NotFound, UserInputError
from coach.db import (SessionFilter, add_comment, add_user, assign, assignments, ensure_demo, finish_session,
                         get_session, list_users, my_sessions, override_criterion, record_buyer_reply, record_rep_line,
                         set_password, sign_in, start_session, team_sessions, unfinished_session)
from coach.db.accounts import hash_password, verify_password
from coach.grading.scorecard import Coaching, CriterionResult, Metrics, Scorecard
from coach.transcript import CallTurn


def people(db):
    east_mgr = add_user(db, "erin", "password-1", role="manager", team="east", display_name="Erin")
    ann = add_user(db, "ann", "password-2", role="rep", team="east")
    bob = add_user(db, "bob", "password-3", role="rep", team="east")
    west_mgr = add_user(db, "wes", "password-4", role="manager", team="west")
    cat = add_user(db, "cat", "password-5", role="rep", team="west")
    admin = add_user(db, "root", "password-6", role="admin")
    return SimpleNamespace(east_mgr=east_mgr, ann=ann, bob=bob, west_mgr=west_mgr, cat=cat, admin=admin)


def card(overall=70, outcome="advanced"):
    criterion = CriterionResult(id="relevant_to_title", result="yes", question="q", evidence=[], tip="t")
    return Scorecard(overall=overall, band="solid", rating=4, outcome=outcome, criteria=[criterion],
                     metrics=Metrics(questions=3), coaching=Coaching(), judge=None, grader_version="t")


def buyer_turn(index, rep="What keeps you up?", buyer="Cash."):
    return CallTurn(index=index, rep=rep, buyer=buyer, buyer_persona="cfo_meridian", move="answer",
                    reason="a real question", attention=60, elapsed_s=40.0, tags=["discovery"],
                    voice="composed", notice=None, analysis=None)


def a_call(db, who, persona="cfo_meridian", overall=70):
    sid = start_session(db, who, persona)
    record_rep_line(db, who, sid, 1, "What keeps you up?")
    record_buyer_reply(db, who, sid, buyer_turn(1))
    finish_session(db, who, sid, "advanced", None, card(overall))
    return sid


def test_migrations_create_every_table(db):
    names = set(inspect(db.engine).get_table_names())
    assert {"teams", "users", "practice_sessions", "turns", "scorecards", "reviews", "assignments",
            "alembic_version"} <= names


def test_passwords_are_salted_scrypt_hashes():
    one, two = hash_password("correct horse"), hash_password("correct horse")
    assert one != two and one.startswith("scrypt$") and "correct" not in one
    assert verify_password("correct horse", one) and not verify_password("wrong horse", one)
    assert not verify_password("x", "garbage")


def test_sign_in_and_a_wrong_password_waits_and_says_so(db):
    people(db)
    assert sign_in(db, "Ann", "password-2").name == "ann"
    started = time.perf_counter()
    with pytest.raises(AccessDenied, match="name or password"):
        sign_in(db, "ann", "nope", delay_s=0.3)
    assert time.perf_counter() - started >= 0.3
    with pytest.raises(AccessDenied):
        sign_in(db, "nobody", "password-2", delay_s=0)
    set_password(db, "ann", "new-password")
    assert sign_in(db, "ann", "new-password").name == "ann"


@pytest.mark.parametrize("args, fix", [
    (("x y", "password-1"), "user name"), (("ok", "short"), "at least"), (("ok", "password-1", "boss"), "role"),
    (("ok", "password-1", "rep", None), "needs a team"),
])
def test_bad_account_input_says_how_to_fix_it(db, args, fix):
    name, password, *rest = args
    kwargs = {"role": rest[0] if rest else "rep", "team": "east"} | ({"team": rest[1]} if len(rest) > 1 else {})
    with pytest.raises(UserInputError, match=fix):
        add_user(db, name, password, **kwargs)


def test_duplicate_user_is_refused(db):
    add_user(db, "ann", "password-2", team="east")
    with pytest.raises(UserInputError, match="already exists"):
        add_user(db, "ann", "password-9", team="east")


def test_an_empty_database_gets_a_demo_team_once(db):
    created = ensure_demo(db)
    assert [r for _, r, _ in created] == ["manager", "rep", "rep"]
    assert ensure_demo(db) is None
    assert {u.name for u, _ in list_users(db)} == {"manager", "rep1", "rep2"}


def test_a_rep_line_is_stored_before_the_buyer_answers_and_the_call_resumes(db):
    p = people(db)
    sid = start_session(db, p.ann, "cfo_meridian")
    record_rep_line(db, p.ann, sid, 1, "What keeps you up at night?")
    # the model fails here: the line is still there, unanswered, and the call is resumable
    resumed = unfinished_session(db, p.ann)
    assert resumed.id == sid and resumed.waiting[0].rep == "What keeps you up at night?"
    assert resumed.turns == []
    record_rep_line(db, p.ann, sid, 1, "What keeps you up at night, Dana?")  # the retry replaces it
    record_buyer_reply(db, p.ann, sid, buyer_turn(1, rep="What keeps you up at night, Dana?"))
    with pytest.raises(AccessDenied):
        record_rep_line(db, p.ann, sid, 1, "overwrite an answered turn")
    finish_session(db, p.ann, sid, "advanced", None, card())
    stored = get_session(db, p.ann, sid)
    assert stored.ended_at is not None and stored.scorecard.overall == 70 and stored.turns[0].buyer == "Cash."
    assert unfinished_session(db, p.ann) is None


def test_reps_see_only_their_own_managers_their_team_admins_everything(db):
    p = people(db)
    ann_call, bob_call, cat_call = a_call(db, p.ann), a_call(db, p.bob), a_call(db, p.cat)
    assert get_session(db, p.ann, ann_call).user_name == "ann"
    for viewer, hidden in ((p.ann, bob_call), (p.ann, cat_call), (p.east_mgr, cat_call), (p.west_mgr, ann_call)):
        with pytest.raises(NotFound):
            get_session(db, viewer, hidden)
    assert {s.id for s in team_sessions(db, p.ann)} == {ann_call}
    assert {s.id for s in team_sessions(db, p.east_mgr)} == {ann_call, bob_call}
    assert {s.id for s in team_sessions(db, p.admin)} == {ann_call, bob_call, cat_call}
    assert [s.id for s in my_sessions(db, p.bob)] == [bob_call]
    with pytest.raises(NotFound):  # writing into someone else's call
        record_rep_line(db, p.bob, ann_call, 2, "hijack")


def test_comments_and_overrides_keep_the_original_and_respect_teams(db):
    p = people(db)
    sid = a_call(db, p.ann)
    add_comment(db, p.east_mgr, sid, "Ask about the covenant next time.", turn_index=1)
    override_criterion(db, p.east_mgr, sid, "relevant_to_title", "no", "Generic hospital talk, not CFO talk.")
    stored = get_session(db, p.ann, sid)
    kinds = {r.kind: r for r in stored.reviews}
    assert kinds["comment"].turn_index == 1 and kinds["comment"].author == "erin"
    assert kinds["override"].original_result == "yes" and kinds["override"].new_result == "no"
    assert stored.scorecard.criteria[0].result == "yes"  # the grader's result is kept
    for viewer in (p.ann, p.bob, p.west_mgr):  # the rep themself, a peer, another team's manager
        with pytest.raises(NotFound):
            add_comment(db, viewer, sid, "x")
        with pytest.raises(NotFound):
            override_criterion(db, viewer, sid, "relevant_to_title", "no", "x")
    with pytest.raises(UserInputError, match="reason"):
        override_criterion(db, p.east_mgr, sid, "relevant_to_title", "no", " ")


def test_team_table_filters_and_sorts(db):
    p = people(db)
    low, high = a_call(db, p.ann, overall=30), a_call(db, p.bob, "coo_halvorsen", overall=90)
    assert [s.id for s in team_sessions(db, p.east_mgr, SessionFilter(sort="score_high"))] == [high, low]
    assert [s.id for s in team_sessions(db, p.east_mgr, SessionFilter(rep="ann"))] == [low]
    assert [s.id for s in team_sessions(db, p.east_mgr, SessionFilter(persona_id="coo_halvorsen"))] == [high]
    assert [s.id for s in team_sessions(db, p.east_mgr, SessionFilter(min_score=50))] == [high]
    with pytest.raises(UserInputError):
        team_sessions(db, p.east_mgr, SessionFilter(sort="random"))


def test_assignments_track_progress_within_the_team(db):
    p = people(db)
    assign(db, p.east_mgr, "ann", "cfo_meridian", mode="coached", pass_mark=65)
    with pytest.raises(NotFound):
        assign(db, p.east_mgr, "cat", "cfo_meridian")
    with pytest.raises(AccessDenied):
        assign(db, p.ann, "bob", "cfo_meridian")
    assert [a.status for a in assignments(db, p.ann)] == ["not started"]
    a_call(db, p.ann, overall=40)
    assert [(a.status, a.tries) for a in assignments(db, p.ann)] == [("tried", 1)]
    a_call(db, p.ann, overall=80)
    assert [(a.status, a.best) for a in assignments(db, p.east_mgr)] == [("passed", 80)]
    assert assignments(db, p.bob) == [] and assignments(db, p.west_mgr) == []


def test_team_trends_aggregate_only_what_the_viewer_may_see(db):
    from coach.db import team_members, team_trends

    p = people(db)
    a_call(db, p.ann, overall=40)
    a_call(db, p.ann, overall=80)
    a_call(db, p.cat, overall=10)
    trends = team_trends(db, p.east_mgr)
    assert [(rep, avg, n) for _, rep, avg, n in trends.scores] == [("ann", 60.0, 2)]
    assert trends.outcomes == {"advanced": 2}
    assert trends.failed == [("relevant_to_title", 0, 2)]
    assert team_trends(db, p.admin).outcomes == {"advanced": 3}
    assert [v.name for v in team_members(db, p.east_mgr)] == ["ann", "bob"] and team_members(db, p.ann) == []


def test_upgrading_an_older_database_keeps_its_data(tmp_path):
    """A database made by the first migration gets criterion rows filled from its stored scorecards."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from coach.db.db import MIGRATIONS, Database, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text("INSERT INTO users (id, name, display_name, role, password_hash, active, created_at) "
                                "VALUES (1, 'ann', 'Ann', 'rep', 'x', 1, '2026-01-01')"))
        connection.execute(text("INSERT INTO practice_sessions (id, user_id, persona_id, mode, seed, started_at, "
                                "outcome) VALUES ('s1', 1, 'cfo_meridian', 'coached', 0, '2026-01-01', 'open')"))
        connection.execute(text("INSERT INTO scorecards (session_id, outcome, criteria, metrics, coaching, "
                                "grader_version, created_at) VALUES ('s1', 'open', :c, '{}', '{}', 'v', '2026-01-01')"),
                           {"c": '[{"id": "relevant_to_title", "result": "no"}]'})
    engine.dispose()
    db = Database(url)  # migrates to the newest schema on open
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT session_id, criterion_id, result FROM criterion_results")).all()
    assert rows == [("s1", "relevant_to_title", "no")]
    db.close()


def test_a_scorecard_stored_by_an_earlier_release_reads_back_typed(db):
    """Rows written before the scorecard was typed (plain JSON, no rewrite author, fewer metrics) still read."""
    from coach.db.models import Scorecard as ScorecardRow

    p = people(db)
    sid = a_call(db, p.ann)
    old = {"criteria": [{"id": "relevant_to_title", "question": "q", "result": "no",
                         "evidence": [{"turn": 1, "quote": "Our platform"}], "tip": "t"}],
           "metrics": {"questions": 2, "open_questions": 1, "attention": [55, 40]},
           "coaching": {"strengths": [], "improvements": [{"criterion": "relevant_to_title", "tip": "t",
                                                            "use": {"id": "vp-x", "title": "X"}}],
                        "rewrite": {"turn": 1, "original": "Our platform", "suggested": "What matters?",
                                    "why": "w", "source": [None]}}}

    def write(s):
        row = s.query(ScorecardRow).filter_by(session_id=sid).one()
        row.criteria, row.metrics, row.coaching, row.judge = old["criteria"], old["metrics"], old["coaching"], None
    db.run(write, write=True)
    card = get_session(db, p.ann, sid).scorecard
    assert isinstance(card, Scorecard) and card.criteria[0].evidence[0].quote == "Our platform"
    assert card.metrics.questions == 2 and card.metrics.attention == [55, 40] and card.metrics.feature_pitches == 0
    assert card.coaching.rewrite.written_by == "rules" and card.coaching.improvements[0].use.id == "vp-x"


def test_what_capped_a_score_is_stored_with_it(db):
    p = people(db)
    sid = start_session(db, p.ann, "cfo_meridian")
    record_rep_line(db, p.ann, sid, 1, "What keeps you up?")
    record_buyer_reply(db, p.ann, sid, buyer_turn(1))
    capped = card(overall=40, outcome="delegated").model_copy(
        update={"capped_by": "The executive handed you to someone else: 40 at most."})
    finish_session(db, p.ann, sid, "delegated", None, capped)
    assert get_session(db, p.ann, sid).scorecard.capped_by == capped.capped_by
    assert get_session(db, p.ann, a_call(db, p.ann)).scorecard.capped_by is None


def test_a_turn_comes_back_from_the_store_as_the_call_engine_made_it(db):
    """One turn shape from the engine to the database and back: words, move, reason, clock, the model
    voice's check, the revealed fact and the analysis."""
    from coach.call.analysis import analyse_turn
    from coach.call.rules import load_analysis_rules
    from coach.call.signals import SemanticSignals

    p = people(db)
    sid = start_session(db, p.ann, "cfo_meridian")
    text = "Where does the month-end close get stuck, and what does a late close cost you?"
    analysis = analyse_turn(text, SemanticSignals(), load_analysis_rules(), set())
    turn = buyer_turn(1, rep=text, buyer="In AP. Eleven days.").model_copy(
        update={"voice": "model", "voice_check": "finished with the composed line", "revealed": 0,
                "notice": "a note", "analysis": analysis})
    record_rep_line(db, p.ann, sid, 1, text)
    record_buyer_reply(db, p.ann, sid, turn)
    stored = get_session(db, p.ann, sid).turns[0]
    assert stored == turn and stored.analysis == analysis
