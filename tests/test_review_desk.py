"""The review desk's library side: the needs-review queue, empty calls left out, exports with criteria
and transcripts. Real databases (SQLite and PostgreSQL), written through the store as the app writes."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from coach.db import SessionFilter, add_comment, finish_session, get_session, override_criterion, start_session, \
    team_sessions, team_trends
from coach.errors import AccessDenied, NotFound, UserInputError
from coach.db.exports import BASE_FIELDS, export_rows, to_csv
from coach.grading.scorecard import Coaching, Metrics, Scorecard
from tests.store.conftest import db, postgres_server  # noqa: F401 - the store fixtures
from tests.test_access import cli, finished_call, line_of, world  # noqa: F401 - shared fixtures


def ids(records) -> set[str]:  # noqa: ANN001
    return {r.id for r in records}


def empty_call(db, who) -> str:  # noqa: ANN001, F811
    """A call ended before the rep said a word (as the app stores it: an ungraded card)."""
    sid = start_session(db, who, "cfo_meridian")
    card = Scorecard(overall=None, band="unscored", rating=None, outcome="open", criteria=[], metrics=Metrics(),
                     coaching=Coaching(), judge=None, grader_version="test")
    finish_session(db, who, sid, "open", None, card)
    return sid


def test_the_needs_review_queue_holds_calls_nobody_has_reviewed(db):  # noqa: F811
    w = world(db)
    team = {w.calls["ann"], w.calls["bob"]}
    assert ids(team_sessions(db, w.erin, SessionFilter(needs_review=True))) == team
    add_comment(db, w.erin, w.calls["ann"], "Lead with her close.", 1)
    assert ids(team_sessions(db, w.erin, SessionFilter(needs_review=True))) == {w.calls["bob"]}
    override_criterion(db, w.erin, w.calls["bob"], "relevant_to_title", "no", "Too generic")
    assert team_sessions(db, w.erin, SessionFilter(needs_review=True)) == []
    assert ids(team_sessions(db, w.erin)) == team  # reviewed calls stay in the table, marked
    assert all(r.reviewed for r in team_sessions(db, w.erin))
    assert not any(r.reviewed for r in team_sessions(db, w.wes))


def test_an_empty_call_is_not_listed_charted_or_counted(db):  # noqa: F811
    w = world(db)
    empty = empty_call(db, w.ann)
    assert empty not in ids(team_sessions(db, w.erin))
    assert empty in ids(team_sessions(db, w.erin, SessionFilter(with_empty=True)))
    trends = team_trends(db, w.erin)
    assert trends.outcomes == {"advanced": 2}  # not {"advanced": 2, "open": 1}
    assert sum(n for *_, n in trends.scores) == 2


def test_an_export_row_holds_criteria_as_the_manager_sees_them_and_the_transcript_on_request(db):  # noqa: F811
    w = world(db)
    override_criterion(db, w.erin, w.calls["bob"], "relevant_to_title", "no", "Too generic")
    records = team_sessions(db, w.erin, SessionFilter(sort="oldest"))
    rows = export_rows(db, records, buyer_names={"cfo_meridian": "Dana Whitfield, CFO"})
    by_id = {r["id"]: r for r in rows}
    assert by_id[w.calls["ann"]]["criterion:relevant_to_title"] == "yes"
    assert by_id[w.calls["bob"]]["criterion:relevant_to_title"] == "no"  # the override, not the grader's "yes"
    assert by_id[w.calls["bob"]]["reviewed"] is True and by_id[w.calls["ann"]]["reviewed"] is False
    assert by_id[w.calls["ann"]]["buyer_name"] == "Dana Whitfield, CFO"
    assert "transcript" not in rows[0]
    with_text = export_rows(db, records, transcripts=True)
    assert with_text[0]["transcript"].splitlines() == [f"Rep: {line_of('ann')}", "Buyer: Eleven days to close. Go on."]
    parsed = list(csv.DictReader(io.StringIO(to_csv(with_text))))
    assert [r["id"] for r in parsed] == [r.id for r in records]
    assert parsed[1]["criterion:relevant_to_title"] == "no"


def test_an_export_of_nothing_still_has_its_header(db):  # noqa: F811
    assert next(csv.reader(io.StringIO(to_csv([])))) == list(BASE_FIELDS)


@pytest.mark.slow  # reads every bank file or starts the CLI: kept out of the fast lane
def test_cli_export_adds_criteria_and_transcripts_and_filters_the_review_queue(cli, tmp_path):  # noqa: F811
    add_comment(cli.db, cli.erin, cli.calls["ann"], "Lead with her close.", 1)
    out = tmp_path / "calls.json"
    result = cli.run("calls", "export", "--format", "json", "--transcripts", "-o", str(out), user="erin")
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in json.loads(out.read_text())}
    assert set(rows) == {cli.calls["ann"], cli.calls["bob"]}
    assert line_of("bob") in rows[cli.calls["bob"]]["transcript"]
    assert rows[cli.calls["ann"]]["criterion:relevant_to_title"] == "yes"
    queued = cli.run("calls", "list", "--json", "--needs-review", user="erin")
    assert [r["id"] for r in json.loads(queued.stdout)] == [cli.calls["bob"]]


def test_feedback_is_new_to_the_rep_until_they_open_the_call_and_new_again_after_another_comment(db):  # noqa: F811
    from coach.db import inbox, mark_feedback_read

    w = world(db)
    assert inbox(db, w.ann).new_feedback == []
    add_comment(db, w.erin, w.calls["ann"], "Lead with her close.", 1)
    assert inbox(db, w.ann).new_feedback == [w.calls["ann"]]
    assert inbox(db, w.bob).new_feedback == []  # someone else's feedback is not yours
    with pytest.raises(NotFound):
        mark_feedback_read(db, w.bob, w.calls["ann"])  # only the owner marks it read
    mark_feedback_read(db, w.ann, w.calls["ann"])
    assert inbox(db, w.ann).new_feedback == []
    time.sleep(0.01)  # a later comment, by the clock the store uses
    override_criterion(db, w.erin, w.calls["ann"], "relevant_to_title", "no", "Too generic")
    assert inbox(db, w.ann).new_feedback == [w.calls["ann"]]


def test_assignments_carry_their_due_state_and_a_past_due_date_is_refused(db):  # noqa: F811
    from coach.db import assign, assignments, inbox

    w = world(db)
    today = datetime.now(UTC).date()
    soon = assign(db, w.erin, "ann", "cfo_meridian", due=today + timedelta(days=2))
    later = assign(db, w.erin, "ann", "coo_halvorsen", due=today + timedelta(days=20))
    states = {a.id: a.due_state for a in assignments(db, w.ann)}
    assert states == {soon: "due soon", later: ""}
    assert {a.id: a.due_state for a in assignments(db, w.ann, today=today + timedelta(days=5))} == \
        {soon: "overdue", later: ""}
    assert [a.id for a in inbox(db, w.ann, today=today + timedelta(days=5)).overdue] == [soon]
    assert inbox(db, w.erin).due_soon == []  # the manager's badge holds only their own assignments
    with pytest.raises(UserInputError, match="has passed"):
        assign(db, w.erin, "ann", "cfo_meridian", due=today - timedelta(days=1))


def test_a_manager_removes_only_their_own_teams_assignments(db):  # noqa: F811
    from coach.db import assign, assignments, remove_assignment

    w = world(db)
    east = assign(db, w.erin, "ann", "cfo_meridian")
    west = assign(db, w.wes, "cat", "cfo_meridian")
    with pytest.raises(NotFound):
        remove_assignment(db, w.erin, west)
    with pytest.raises(AccessDenied):
        remove_assignment(db, w.ann, east)
    remove_assignment(db, w.erin, east)
    assert assignments(db, w.erin) == [] and [a.id for a in assignments(db, w.wes)] == [west]


def test_each_assignment_counts_only_its_own_finished_tries_since_it_was_set(db):  # noqa: F811
    from coach.db import assign, assignments

    w = world(db)  # ann's first call (cfo_meridian, coached) was before any assignment: not a try
    time.sleep(0.01)
    meridian = assign(db, w.erin, "ann", "cfo_meridian", mode="coached", pass_mark=75)
    other = assign(db, w.erin, "ann", "coo_halvorsen")
    bobs = assign(db, w.erin, "bob", "cfo_meridian", mode="coached")
    time.sleep(0.01)
    finished_call(db, w.ann, "Where does the close lose days?", overall=60)
    finished_call(db, w.ann, "What would two days back be worth?", overall=80)
    start_session(db, w.ann, "cfo_meridian")  # still going: not a try
    got = {a.id: (a.tries, a.best, a.status) for a in assignments(db, w.erin)}
    assert got == {meridian: (2, 80, "passed"), other: (0, None, "not started"), bobs: (0, None, "not started")}


def test_a_skill_profile_is_each_criterions_pass_rate_per_week_as_the_manager_sees_it(db):  # noqa: F811
    from coach.db import pass_rates, skill_profile

    w = world(db)
    finished_call(db, w.ann, "What would two days back be worth?", overall=80)
    (point,) = skill_profile(db, w.erin, "ann")
    monday = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday())
    assert (point.week, point.criterion, point.passed, point.scored, point.rate) == \
        (monday.isoformat(), "relevant_to_title", 2, 2, 100.0)
    override_criterion(db, w.erin, w.calls["ann"], "relevant_to_title", "no", "Too generic")
    assert [(p.passed, p.scored) for p in skill_profile(db, w.erin, "ann")] == [(1, 2)]
    assert pass_rates(skill_profile(db, w.erin, "ann")) == {"relevant_to_title": 50.0}
    assert skill_profile(db, w.ann, "ann") == skill_profile(db, w.erin, "ann")  # a rep sees their own
    assert skill_profile(db, w.erin, "ann", since=datetime.now(UTC) + timedelta(days=1)) == []
    for outsider, rep in ((w.wes, "ann"), (w.ann, "bob"), (w.erin, "nobody")):
        with pytest.raises(NotFound, match="pick a rep"):
            skill_profile(db, outsider, rep)


def test_a_manager_changes_the_terms_of_their_own_teams_assignment(db):  # noqa: F811
    from coach.db import assign, assignments, update_assignment

    w = world(db)
    today = datetime.now(UTC).date()
    east = assign(db, w.erin, "ann", "cfo_meridian")
    update_assignment(db, w.erin, east, mode="coached", pass_mark=80, due=today + timedelta(days=1))
    (a,) = assignments(db, w.ann)
    assert (a.mode, a.pass_mark, a.due, a.due_state) == ("coached", 80, today + timedelta(days=1), "due soon")
    with pytest.raises(UserInputError, match="has passed"):
        update_assignment(db, w.erin, east, mode="coached", pass_mark=80, due=today - timedelta(days=1))
    with pytest.raises(UserInputError, match="pass mark"):
        update_assignment(db, w.erin, east, mode="coached", pass_mark=180, due=None)
    with pytest.raises(NotFound):
        update_assignment(db, w.wes, east, mode="exam", pass_mark=50, due=None)
    with pytest.raises(AccessDenied):
        update_assignment(db, w.ann, east, mode="exam", pass_mark=50, due=None)
    assert assignments(db, w.ann)[0].pass_mark == 80  # nothing changed by the refused attempts


def test_an_overdue_assignment_keeps_its_date_while_its_pass_mark_changes(db):  # noqa: F811
    from coach.db import assign, assignments, update_assignment
    from coach.db.models import Assignment

    w = world(db)
    east = assign(db, w.erin, "ann", "cfo_meridian")
    past = datetime.now(UTC).date() - timedelta(days=3)
    with db.transaction() as s:  # as if it had been set a week ago, due three days ago
        s.get(Assignment, east).due = past
    update_assignment(db, w.erin, east, mode="exam", pass_mark=70, due=past)
    assert [(a.pass_mark, a.due_state) for a in assignments(db, w.ann)] == [(70, "overdue")]


def test_a_leaderboard_ranks_the_team_and_reps_see_it_only_when_their_manager_switches_it_on(db):  # noqa: F811
    from coach.db import leaderboard, set_leaderboard

    w = world(db)  # ann and bob (east) and cat (west) each have one call scored 70
    finished_call(db, w.bob, "What would two days back be worth?", overall=90)
    empty_call(db, w.ann)  # never counted
    assert leaderboard(db, w.ann) is None  # off by default: reps see nothing
    board = leaderboard(db, w.erin)
    assert board is not None and not board.on
    assert [(r.rank, r.rep, r.calls, r.average, r.best, r.advanced) for r in board.rows] == \
        [(1, w.bob.display_name, 2, 80.0, 90, 2), (2, w.ann.display_name, 1, 70.0, 70, 1)]
    set_leaderboard(db, w.erin, True)
    assert leaderboard(db, w.ann) == leaderboard(db, w.erin)  # the team's reps see what the manager sees
    assert leaderboard(db, w.cat) is None  # another team's board is still off
    assert leaderboard(db, w.root) is None  # no team, no board
    with pytest.raises(AccessDenied):
        set_leaderboard(db, w.ann, False)
    set_leaderboard(db, w.erin, False)
    assert leaderboard(db, w.ann) is None


def test_an_override_moves_the_score_the_lists_trends_and_leaderboard_show_and_keeps_the_graders(db):  # noqa: F811
    from coach.db import leaderboard

    w = world(db)  # each call: one criterion, relevant_to_title "yes", scored 70
    sid = w.calls["ann"]
    override_criterion(db, w.erin, sid, "relevant_to_title", "no", "Too generic")
    listed = next(r for r in team_sessions(db, w.erin) if r.id == sid)
    record = get_session(db, w.erin, sid)
    assert listed.overall is not None and listed.overall < 70 and record.scorecard.overall == 70
    assert next(r.average for r in leaderboard(db, w.erin).rows if r.rep == w.ann.display_name) == listed.overall
    assert sum(avg * n for _, rep, avg, n in team_trends(db, w.erin).scores if rep == "ann") == listed.overall
    override_criterion(db, w.erin, sid, "relevant_to_title", "yes", "On reflection, fair")
    assert next(r for r in team_sessions(db, w.erin) if r.id == sid).overall == 70  # the latest override counts
