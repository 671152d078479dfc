"""The app through Streamlit's AppTest: sign-in, a whole practice call, the scorecard, review, access."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from coach.config import LOCAL_MODEL_NAME, Settings
from coach.errors import ModelUnavailable
from coach.llm import ScriptedBackend
from coach.db import SessionFilter, get_session, my_sessions, open_database, team_sessions
from coach.db.accounts import sign_in
from coach.ui import resources

REVIEW = "coach/ui/pages/review.py"
HISTORY = "coach/ui/pages/history.py"


@pytest.fixture
def app(monkeypatch, tmp_path, repo_root):
    st.cache_resource.clear()
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_LLM", "none")
    monkeypatch.chdir(tmp_path)
    yield lambda: AppTest.from_file(str(repo_root / "app.py"), default_timeout=120)
    st.cache_resource.clear()


@pytest.fixture
def db(tmp_path):
    return open_database(Settings(_env_file=None, data_dir=tmp_path / "data"))


def signed_in(at: AppTest, name: str, password: str = "practice-demo") -> AppTest:
    at.run()
    at.text_input(key="sign_in_name").set_value(name)
    at.text_input(key="sign_in_password").set_value(password)
    return at.button[0].click().run()


def button(at: AppTest, label: str, last: bool = False):
    matching = [b for b in at.button if b.label.startswith(label)]
    return matching[-1] if last else matching[0]


def said(at: AppTest) -> list[str]:
    return [" ".join(t.value for t in m.text) for m in at.chat_message]


@pytest.mark.slow  # a Streamlit session of seconds: kept out of the fast lane
def test_sign_in_shows_the_demo_accounts_and_refuses_a_wrong_password(app):
    at = app().run()
    assert not at.exception
    assert "rep1" in at.info[0].value and "practice-demo" in at.info[0].value
    signed_in(at, "rep1", "wrong-password")
    assert at.error[0].value.startswith("The name or password is not right")
    assert at.text_input(key="sign_in_name").value == "rep1"  # what was typed is kept
    signed_in(at, "rep1")
    assert [t.value for t in at.title] == ["Practice a call"]
    button(at, "Sign out").click().run()
    assert at.text_input(key="sign_in_name") is not None


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_whole_practice_call_is_stored_and_graded(app, db, monkeypatch):
    monkeypatch.setenv("COACH_LOCAL_VOICE", "1")  # the opt-in voice of the embedded model, with its guard
    scripted = ScriptedBackend(["I have thirty minutes; go on."] * 20, model=LOCAL_MODEL_NAME)
    monkeypatch.setattr(resources, "model", lambda: scripted)
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    assert any("Briefing: Dana Okafor" in s.value for s in at.subheader)
    assert any("You sell **Cash Command**" in m.value for m in at.markdown)
    notes = [e.label for e in at.expander]
    assert 2 <= len(notes) <= 5 and any("Their world" in label for label in notes)  # the value proposition, then notes
    assert any("Measured result" in m.value for m in at.markdown)  # a note's figures can be read in full
    button(at, "Start the call").click().run()
    lines = ["Thanks for making time. Is 30 minutes still right for you?",
             "How far off has your cash forecast been against actuals, and what has that cost you?"]
    for line in lines:
        at.chat_input[0].set_value(line).run()
        assert not at.exception
    assert all(any(line in s for s in said(at)) for line in lines)
    assert len(scripted.requests) == 2  # the model was asked for each buyer line
    assert any("Last move" in c.value for c in at.caption)  # coached mode shows the move and why
    button(at, "End call").click().run()
    assert [m.label for m in at.metric][:2] == ["Outcome", "Score"]  # one score scale, the outcome first
    assert [s.value for s in at.subheader if s.value in ("What worked", "Do this next time", "Every criterion")] \
        == ["What worked", "Do this next time", "Every criterion"]
    rep = sign_in(db, "rep1", "practice-demo")
    stored = team_sessions(db, rep)[0]
    record = get_session(db, rep, stored.id)
    assert [t.rep for t in record.turns] == lines and record.scorecard.criteria


@pytest.mark.slow  # a Streamlit session of seconds: kept out of the fast lane
def test_an_empty_line_is_ignored_with_a_hint(app):
    at = signed_in(app(), "rep1")
    at.button(key="brief-coo_halvorsen").click().run()
    button(at, "Start the call").click().run()
    at.chat_input[0].set_value("   ").run()
    assert any("Type something" in c.value for c in at.caption)
    assert not at.exception


@pytest.mark.slow  # a Streamlit session of seconds: kept out of the fast lane
def test_by_default_the_embedded_model_does_not_rephrase_the_buyer(app, db, monkeypatch):
    monkeypatch.delenv("COACH_LOCAL_VOICE", raising=False)
    scripted = ScriptedBackend(["I have thirty minutes; go on."] * 20, model=LOCAL_MODEL_NAME)
    monkeypatch.setattr(resources, "model", lambda: scripted)
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    at.chat_input[0].set_value("How far off has your cash forecast been against actuals?").run()
    assert not at.exception and not scripted.requests  # the composed line is spoken: judged better
    assert not any("I have thirty minutes; go on." in s for s in said(at))


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_the_model_failing_keeps_the_turn_and_says_so(app, db, monkeypatch):
    monkeypatch.setenv("COACH_LOCAL_VOICE", "1")
    down = ScriptedBackend([ModelUnavailable("The model server is down", "start it")] * 10, model=LOCAL_MODEL_NAME,
                           max_retries=0)
    monkeypatch.setattr(resources, "model", lambda: down)
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    at.chat_input[0].set_value("What would make this quarter a good one for you?").run()
    assert not at.exception
    assert any("model is unavailable" in w.value for w in at.warning)
    rep = sign_in(db, "rep1", "practice-demo")
    unfinished = [s for s in team_sessions(db, rep, SessionFilter(ended_only=False))]
    turns = get_session(db, rep, unfinished[0].id).turns
    assert turns[0].rep.startswith("What would make") and turns[0].buyer  # answered from the script


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_call_interrupted_by_a_refresh_resumes(app, db):
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    at.chat_input[0].set_value("What would make this quarter a good one for you?").run()
    fresh = signed_in(app(), "rep1")  # a new browser session: everything in memory is gone
    assert any("unfinished call" in w.value for w in fresh.warning)
    button(fresh, "Resume it").click().run()
    assert any("What would make this quarter" in s for s in said(fresh))
    fresh.chat_input[0].set_value("How far off has your cash forecast been?").run()
    assert not fresh.exception and any("cash forecast" in s for s in said(fresh))


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_manager_reviews_comments_and_overrides(app, db):
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    at.chat_input[0].set_value("Our platform has an AI engine and a REST API.").run()
    button(at, "End call").click().run()
    manager = signed_in(app(), "manager")
    manager.switch_page(REVIEW).run()
    assert not manager.exception and [t.value for t in manager.title] == ["Review calls"]
    assert manager.dataframe[0].value.shape[0] == 1
    whole_call = next(t for t in manager.text_area if t.label == "Comment for the rep on the whole call")
    whole_call.set_value("Lead with her margin problem, not the platform.")
    button(manager, "Add comment", last=True).click().run()
    on_turn = next(t for t in manager.text_area if t.key == "comment-text-1")  # the box beneath turn 1
    on_turn.set_value("This is where she needed her close, not the API.")
    button(manager, "Add comment").click().run()
    reason = next(t for t in manager.text_input if t.label == "Reason")
    reason.set_value("The rep did name a CFO concern.")
    manager.selectbox[-1].set_value("relevant_to_title")
    button(manager, "Override").click().run()
    assert not manager.exception
    mgr = sign_in(db, "manager", "practice-demo")
    record = get_session(db, mgr, team_sessions(db, mgr)[0].id)
    assert {r.kind for r in record.reviews} == {"comment", "override"}
    assert sorted((r.turn_index or 0, r.text[:8]) for r in record.reviews if r.kind == "comment") == \
        [(0, "Lead wit"), (1, "This is ")]
    overridden = next(m.value for m in manager.markdown if "Manager override" in m.value)
    from coach.grading.grade import rescored
    expected = rescored(record.scorecard, {r.criterion_id: r.new_result for r in record.reviews if r.kind == "override"},
                        record.turns)
    assert expected != record.scorecard.overall  # this override moves the score
    assert next(m.value for m in manager.metric if m.label == "Score") == f"{expected}/100"  # the score follows
    assert "~~grader: " in overridden and "Talked about what this executive owns" in overridden  # the original, struck through
    quotes = [m.value for m in manager.markdown if "turn 1](#turn-1)" in m.value]  # its quotes are the grader's now
    assert not quotes or any("the grader's" in q for q in quotes)
    rep_filter = next(b for b in manager.selectbox if b.label == "Rep")
    assert "Alex Chen" in rep_filter.options and "rep1" not in rep_filter.options  # display names, not sign-in names
    assert any("Alex Chen with Dana Okafor, Chief Financial Officer" in h.value for h in manager.subheader)
    rep = signed_in(app(), "rep1")
    rep.switch_page("coach/ui/pages/history.py").run()
    assert any(i.value == "Feedback on this call: Morgan Reyes (manager): Lead with her margin problem, not the platform."
               for i in rep.info)  # a comment on the whole call reaches the rep


def test_a_rep_cannot_open_the_review_page(app, db, repo_root):
    at = signed_in(app(), "rep1")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(REVIEW)  # not offered to a rep at all
    # and the page itself refuses a rep who reaches it anyway
    page = AppTest.from_file(str(repo_root / REVIEW), default_timeout=60)
    page.session_state["viewer_id"] = sign_in(db, "rep1", "practice-demo").id
    page.run()
    assert page.error[0].value == "Page not found." and not page.dataframe


@pytest.mark.slow  # a Streamlit session of seconds: kept out of the fast lane
def test_html_in_a_line_is_shown_as_text(app):
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    attack = "<script>alert('x')</script> **bold** What matters most to you this year?"
    at.chat_input[0].set_value(attack).run()
    assert any(attack in s for s in said(at))  # rendered by st.text: literally, never as HTML or Markdown


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_manager_assigns_a_buyer_and_sees_trends(app, db):
    rep = signed_in(app(), "rep1")
    rep.button(key="brief-cfo_meridian").click().run()
    button(rep, "Start the call").click().run()
    rep.chat_input[0].set_value("What would make this quarter a good one for you?").run()
    button(rep, "End call").click().run()
    manager = signed_in(app(), "manager")
    manager.switch_page("coach/ui/pages/team.py").run()
    assert not manager.exception
    assert [s.value for s in manager.subheader][:4] == ["Score per rep over time", "Outcomes",
                                                        "Criteria most often failed", "Skill profile"]
    profile = manager.dataframe[0].value  # the rep's criteria, weakest first, week by week
    assert len(profile) >= 8 and profile["overall %"].tolist() == sorted(profile["overall %"].tolist())
    assert not any("_" in label for label in profile["criterion"])  # labels people read, never ids
    button(manager, "Assign").click().run()
    assert not manager.exception
    assigned = manager.dataframe[-1].value
    assert assigned["rep"].tolist() == ["Alex Chen"] and assigned["state"].tolist() == ["-"]  # names people read
    assert "cfo_meridian" not in assigned["buyer"].tolist()[0]
    rep = signed_in(app(), "rep1")
    assert any("Assigned to you" in s.value for s in rep.subheader)
    start = next(b for b in rep.button if b.key and b.key.startswith("assignment-"))
    start.click().run()  # Start opens the briefing first, then the call on the assignment's terms
    assert any(s.value.startswith("Briefing:") for s in rep.subheader) and not rep.chat_input
    button(rep, "Start the assigned call (exam)").click().run()
    assert not rep.exception and rep.chat_input
    (started,) = [c for c in my_sessions(db, sign_in(db, "rep1", "practice-demo")) if c.ended_at is None]
    assert started.mode == "exam" and started.assignment_id is not None
    manager.number_input[-1].set_value(80)  # the change form opens with the assignment's own terms
    button(manager, "Save changes").click().run()
    assert not manager.exception and manager.dataframe[-1].value["pass mark"].tolist() == [80]
    button(manager, "Remove").click().run()
    assert not manager.exception and any(c.value == "No assignments yet." for c in manager.caption)


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_reps_see_the_team_leaderboard_once_their_manager_switches_it_on(app):
    rep = signed_in(app(), "rep1")
    rep.button(key="brief-cfo_meridian").click().run()
    button(rep, "Start the call").click().run()
    rep.chat_input[0].set_value("What would make this quarter a good one for you?").run()
    button(rep, "End call").click().run()
    rep.switch_page("coach/ui/pages/history.py").run()
    assert not rep.exception and not [e for e in rep.expander if "leaderboard" in e.label]
    manager = signed_in(app(), "manager")
    manager.switch_page("coach/ui/pages/team.py").run()
    assert "Leaderboard" in [s.value for s in manager.subheader]
    manager.toggle(key="leaderboard_on").set_value(True).run()
    assert not manager.exception
    rep.run()
    (board,) = [e for e in rep.expander if "leaderboard" in e.label]
    ranked = rep.dataframe[0].value
    assert ranked["rank"].tolist()[0] == 1 and any("(you)" in name for name in ranked["rep"])


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_very_long_paste_is_cut_with_a_notice_and_the_call_goes_on(app):
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    at.chat_input[0].set_value("What matters most to you this year? " * 300).run()
    assert not at.exception
    assert any("the buyer heard the first 4,000" in c.value for c in at.caption)


def test_an_unreachable_database_shows_one_clear_message(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/coach")
    at = app().run()
    assert not at.exception
    assert len(at.error) == 1 and "The database is unavailable" in at.error[0].value
    assert "DATABASE_URL" in at.error[0].value


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_saved_but_unanswered_line_can_be_sent_again(app, db, monkeypatch):
    from coach.db import record_rep_line, start_session

    at = signed_in(app(), "rep1")
    rep = sign_in(db, "rep1", "practice-demo")
    sid = start_session(db, rep, "cfo_meridian", seed=3)
    record_rep_line(db, rep, sid, 1, "What would make this quarter a good one for you?")  # then the server died
    fresh = signed_in(app(), "rep1")
    button(fresh, "Resume it").click().run()
    assert any("not answered it yet" in w.value for w in fresh.warning)
    button(fresh, "Send it again").click().run()
    assert not fresh.exception
    record = get_session(db, rep, sid)
    assert record.turns[0].buyer and len(record.lines()) == 1


def test_a_line_the_database_could_not_take_is_kept_and_sent_again(app, db, tmp_path):
    from tests.faults.test_store_faults import ForeignWriter

    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    line = "How far off has your cash forecast been against actuals this year?"
    writer = ForeignWriter(tmp_path / "data" / "coach.db")  # another program holds the write lock
    try:
        at.chat_input[0].set_value(line).run()
    finally:
        writer.released_at()
    assert not at.exception
    assert any("not saved yet" in e.value and "busy" in e.value for e in at.error)
    assert any("not saved yet" in w.value for w in at.warning) and any(line == t.value for t in at.text)
    button(at, "Send it again").click().run()
    assert not at.exception and not at.error
    rep = sign_in(db, "rep1", "practice-demo")
    record = get_session(db, rep, unfinished_or_last(db, rep))
    assert [t.rep for t in record.turns] == [line] and record.turns[0].buyer


def unfinished_or_last(db, rep) -> str:  # noqa: ANN001
    from coach.db import my_sessions

    return my_sessions(db, rep)[0].id


def test_the_scorecard_says_what_capped_the_score():
    def page():
        from coach.grading.scorecard import Coaching, CriterionResult, Metrics, Scorecard
        from coach.ui.scorecard_view import scorecard

        criterion = CriterionResult(id="relevant_to_title", result="yes", question="Relevant?", evidence=[], tip="t")
        scorecard(Scorecard(overall=64, band="developing", rating=3, outcome="open", criteria=[criterion],
                            metrics=Metrics(), coaching=Coaching(), capped_by="No next step was agreed: 64 at most."))

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert any("No next step was agreed: 64 at most." in c.value for c in at.caption)


def test_a_tip_that_names_a_case_note_opens_that_note_in_full():
    def page():
        from coach.content.catalog import load_content
        from coach.grading.scorecard import Coaching, CriterionResult, DocRef, Improvement, Metrics, Scorecard
        from coach.ui.scorecard_view import scorecard

        content = load_content()
        note = content.case_notes()[0]
        criterion = CriterionResult(id="value_backed_by_case_note", result="no", question="Backed?", evidence=[],
                                    tip="t")
        tip = Improvement(criterion="value_backed_by_case_note", tip="Tell one customer's measured result.",
                          use=DocRef(id=note.id, title=note.title))
        scorecard(Scorecard(overall=40, band="developing", rating=2, outcome="open", criteria=[criterion],
                            metrics=Metrics(), coaching=Coaching(improvements=[tip])), documents=content.knowledge)

    at = AppTest.from_function(page).run()
    assert not at.exception
    from coach.content.catalog import load_content
    note = load_content().case_notes()[0]
    card = next(e for e in at.expander if e.label == f"Read: {note.title}")
    shown = " ".join(m.value for m in card.markdown)
    assert all(section.heading in shown for section in note.sections)  # the same card as in the briefing


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_a_hand_off_shows_who_joined_where_it_happened_and_the_delegate_greets(app, db):
    at = signed_in(app(), "rep1")
    at.button(key="brief-cfo_meridian").click().run()
    button(at, "Start the call").click().run()
    pitches = ["Our platform has a mobile app, real-time dashboards and an open API with webhooks.",
               "It also has AI matching, SSO, and a no-code workflow builder.",
               "And we integrate with Oracle, SAP and Dynamics out of the box, with prebuilt connectors."]
    for line in pitches + ["What would you want from the approval screens?"]:
        at.chat_input[0].set_value(line).run()
        assert not at.exception
    order = [getattr(e, "value", "") for e in at.main]
    joined = next(i for i, v in enumerate(order) if isinstance(v, str) and "joined" in v)
    assert "Tomás Herrera, IT Director joined" in order[joined] and "Dana Okafor" in order[joined]
    later = next(i for i, v in enumerate(order) if v == "###### Turn 4")
    assert joined < later  # right after the hand-off, not below the turns that came after
    hand_off = [s for s in said(at) if "Tomás Herrera" in s and "who" in s]
    assert hand_off, "the hand-off names the delegate and what they look after"


@pytest.mark.slow  # a multi-step Streamlit session of several seconds
def test_when_the_buyer_ends_the_call_the_scorecard_opens_with_their_last_words(app):
    at = signed_in(app(), "rep1")
    at.button(key="brief-ceo_castellan").click().run()
    button(at, "Start the call").click().run()
    for line in ["Honestly, your team sounds clueless about billing.", "You people clearly have no idea what you're doing.",
                 "This is the dumbest logistics company I've called all year.", "Whatever, you're wasting my time."]:
        if not at.chat_input:
            break
        at.chat_input[0].set_value(line).run()
        assert not at.exception
    assert any(s.value == "How it went" for s in at.subheader), "the buyer ended the call"
    first_words = at.main.chat_message[0].markdown[0].value
    assert first_words.startswith("**Victor Almeida, Chief Executive Officer:**")
    assert any(c.value.startswith("The buyer ended the call") for c in at.caption)
