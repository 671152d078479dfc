"""The rep's practice page: pick a buyer, read the briefing, hold the call, see the scorecard."""

from __future__ import annotations

import streamlit as st

from coach.errors import CoachError, UserInputError
from coach.call.practice import PracticeCall, model_notice
from coach.call.engine import briefing_for
from coach.transcript import MAX_TURN_CHARS, clean_rep_text
from coach.db import Viewer, assignments, get_session, my_sessions, unfinished_session
from coach.ui import resources
from coach.ui.scorecard_view import scorecard, stored_turns, transcript

DIFFICULTY = {"low": "hard", "medium": "medium", "high": "easier"}
CALL = "practice_call"
TURN_FAILED = "practice_turn_failed"  # the message for a turn that failed, shown once after the rerun


def _names() -> dict[str, str]:
    return {p.id: f"{p.name}, {p.title}" for p in resources.content().personas.values()}


def _start(viewer: Viewer, persona_id: str, mode: str, assignment_id: int | None = None) -> None:
    st.session_state[CALL] = PracticeCall.start(resources.database(), viewer, resources.content(),
                                                resources.knowledge(), resources.model(), persona_id, mode=mode,
                                                assignment_id=assignment_id)


def _choose(viewer: Viewer) -> None:
    """Resume offer, assignments, then one card per executive."""
    names = _names()
    unfinished = unfinished_session(resources.database(), viewer)
    if unfinished is not None and unfinished.turns:
        who = names.get(unfinished.persona_id, unfinished.persona_id)
        st.warning(f"You have an unfinished call with {who} ({len(unfinished.turns)} turn(s)).")
        if st.button("Resume it", type="primary"):
            st.session_state[CALL] = PracticeCall.resume(resources.database(), viewer, resources.content(),
                                                         resources.knowledge(), resources.model(), unfinished.id)
            st.rerun()
    mode = st.radio("Mode", ["coached", "exam"], horizontal=True,
                    help="Coached shows the buyer's move and why after each turn; exam hides it.")
    todo = [a for a in assignments(resources.database(), viewer) if a.status != "passed"]
    if todo:
        st.subheader("Assigned to you")
        for a in todo:
            cols = st.columns([4, 1])
            due = f", due {a.due}" if a.due else ""
            cols[0].markdown(f"**{names.get(a.persona_id, a.persona_id)}** · {a.mode} · pass mark {a.pass_mark}"
                             f"{due} · {a.status}" + (f" (best {a.best})" if a.best is not None else ""))
            if cols[1].button("Start", key=f"assignment-{a.id}"):
                _start(viewer, a.persona_id, a.mode, a.id)
                st.rerun()
    st.subheader("Pick a buyer")
    executives = [p for p in resources.content().personas.values() if p.level == "executive"]
    for row in range(0, len(executives), 3):
        for col, persona in zip(st.columns(3), executives[row:row + 3], strict=False):
            with col.container(border=True):
                st.markdown(f"**{persona.name}**  \n{persona.title}, {persona.company.name}")
                st.caption(f"{persona.company.industry} · {persona.time_budget_min} min · "
                           f"{DIFFICULTY[persona.patience]}")
                if st.button("Brief me", key=f"brief-{persona.id}"):
                    st.session_state["briefing"] = persona.id
    chosen = st.session_state.get("briefing")
    if chosen in resources.content().personas:
        _briefing(viewer, chosen, mode)


def _briefing(viewer: Viewer, persona_id: str, mode: str) -> None:
    content = resources.content()
    brief = briefing_for(content.personas[persona_id], content)
    st.subheader(f"Briefing: {brief.name}, {brief.title}")
    st.markdown(f"{brief.company} ({brief.industry}, {brief.size}). You have **{brief.time_budget_min} minutes**.")
    if brief.background:
        st.text(brief.background)
    with st.expander("What to study for this title"):
        for doc_id in brief.value_propositions + brief.case_notes:
            doc = content.knowledge[doc_id]
            st.markdown(f"**{doc.title}** (`{doc.id}`)")
    if st.button(f"Start the call ({mode})", type="primary"):
        _start(viewer, persona_id, mode)
        st.rerun()


def _turn_dicts(practice: PracticeCall) -> list[dict]:
    return [t.model_dump() for t in practice.turns]


def _in_call(practice: PracticeCall) -> None:
    persona = practice.call.current_persona
    last = practice.turns[-1] if practice.turns else None
    main, side = st.columns([3, 1])
    with side:
        elapsed = practice.turns[-1].elapsed_s if practice.turns else 0.0
        budget = practice.call.persona.time_budget_min
        st.metric("Clock", f"{elapsed / 60:.1f} of {budget} min")
        attention = practice.turns[-1].attention if practice.turns else None
        st.caption("Attention")
        st.progress((attention if attention is not None else 50) / 100)
        if last and practice.mode == "coached":
            st.caption(f"Last move: **{last.move}** — {last.reason}")
        if st.button("End call"):
            practice.finish()
            st.rerun()
    with main:
        st.subheader(f"{persona.name}, {persona.title}")
        transcript(_turn_dicts(practice), _names(), annotate=False, opening=practice.opening)
        for turn in practice.turns:
            if turn.move == "delegate" and practice.call.delegated_to:
                delegate = resources.content().personas[practice.call.delegated_to]
                st.info(f"{practice.call.persona.name} left the call. {delegate.name}, {delegate.title}, joined.")
        if last and last.notice:
            st.caption(last.notice)  # e.g. a very long paste was cut
        model_down = model_notice(last)
        if model_down:
            st.warning(model_down)
        failure = st.session_state.pop(TURN_FAILED, None)
        if failure:
            st.error(failure)
        retry = None
        waiting = practice.unsent or practice.pending
        if waiting:
            st.warning("Your last line was not saved yet:" if practice.unsent else
                       "Your last line was saved but the buyer has not answered it yet:")
            st.text(waiting)
            if st.button("Send it again", type="primary"):
                retry = waiting
        text = retry or st.chat_input("Your line", max_chars=5 * MAX_TURN_CHARS)  # longer pastes are cut, with a notice
        if text is not None:
            try:  # printable text only (control and zero-width characters go); long pastes are cut later, with a notice
                text, _ = clean_rep_text(text, limit=None)
            except UserInputError:
                st.caption("Type something to say to the buyer.")
                return
            with st.chat_message("user"):
                st.text(text)
            with st.chat_message("assistant", avatar=":material/work:"):
                try:
                    st.write_stream(practice.say(text))
                except CoachError as exc:  # shown after the rerun, beside the kept line and "Send it again"
                    st.session_state[TURN_FAILED] = practice.failure_notice(exc)
            st.rerun()


def _after(practice: PracticeCall) -> None:
    card = practice.finish()
    st.subheader("How it went")
    scorecard(card.model_dump(mode="json"))
    cols = st.columns(3)
    if cols[0].button("Try again", type="primary"):
        _start(practice.viewer, practice.call.persona.id, practice.mode)
        st.rerun()
    if practice.turns:
        turn = cols[1].number_input("Rewind to rep turn", 1, len(practice.turns), len(practice.turns))
        if cols[1].button("Rewind"):
            st.session_state[CALL] = practice.rewind(int(turn), resources.content(), resources.knowledge())
            st.rerun()
    if cols[2].button("Pick another buyer"):
        del st.session_state[CALL]
        st.rerun()
    st.subheader("Transcript")
    transcript(_turn_dicts(practice), _names(), annotate=practice.mode == "coached",
               opening=practice.opening)


def render(viewer: Viewer) -> None:
    """The practice page for the signed-in rep (managers may practise too)."""
    st.title("Practice a call")
    try:
        practice: PracticeCall | None = st.session_state.get(CALL)
        if practice is None:
            _choose(viewer)
        elif practice.ended:
            _after(practice)
        else:
            _in_call(practice)
    except CoachError as exc:
        st.error(exc.message)


def render_history(viewer: Viewer) -> None:
    """The rep's own calls with scores over time; open one to see its scorecard."""
    st.title("My calls")
    calls = [c for c in my_sessions(resources.database(), viewer) if c.ended_at is not None]
    if not calls:
        st.info("No finished calls yet. Practise one from the Practice page.")
        return
    scored = [c for c in reversed(calls) if c.overall is not None]
    if scored:
        st.line_chart({"score": [c.overall for c in scored]}, height=200)
    names = _names()
    options = {f"{c.started_at:%Y-%m-%d %H:%M} · {names.get(c.persona_id, c.persona_id)} · {c.outcome} · "
               f"{c.overall if c.overall is not None else '-'}": c.id for c in calls}
    picked = st.selectbox("Open a call", list(options))
    record = get_session(resources.database(), viewer, options[picked])
    if record.scorecard:
        scorecard(record.scorecard, {r.criterion_id: (r.new_result, r.text) for r in record.reviews
                                     if r.kind == "override" and r.criterion_id})
    comments: dict[int, list[str]] = {}
    for r in record.reviews:
        if r.kind == "comment" and r.turn_index is not None:
            comments.setdefault(r.turn_index, []).append(f"{r.author}: {r.text}")
    turns = stored_turns(record)
    transcript(turns, names, annotate=record.mode == "coached", comments=comments)
