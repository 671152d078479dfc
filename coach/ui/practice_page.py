"""The rep's practice page: pick a buyer, read the briefing, hold the call, see the scorecard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from coach.errors import CoachError, UserInputError
from coach.call.practice import PracticeCall, model_notice
from coach.call.study import briefing_for, study_material
from coach.transcript import MAX_TURN_CHARS, clean_rep_text
from coach.db import Viewer, assignments, get_session, leaderboard, my_sessions, unfinished_session
from coach.db.inbox import unread_feedback
from coach.ui.charts import points_over
from coach.ui.leaderboard_view import LEADERBOARD_DAYS, leaderboard_table
from coach.ui import badges, resources
from coach.ui.links import linked_index, name_in_link
from coach.grading.grade import rescored
from coach.ui.scorecard_view import knowledge_card, scorecard, scroll_to_top, transcript

DIFFICULTY = {"low": "hard", "medium": "medium", "high": "easier"}
CALL = "practice_call"
TURN_FAILED = "practice_turn_failed"  # the message for a turn that failed, shown once after the rerun
LINE = "practice_line"  # the chat box
HINT = "practice_line_hint"  # "type something", shown once after an empty line
ASSIGNED = "practice_assigned"  # (assignment id, persona id, mode) picked with Start, until the call starts
TO_TOP = "practice_to_top"  # the call just ended: open the scorecard at its top
NARROW_ONLY = "<style>@media (min-width: 768px) { .st-key-end-call-here { display: none; } }</style>"


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
    said = len(unfinished.lines()) if unfinished is not None else 0
    if unfinished is not None and said:
        who = names.get(unfinished.persona_id, unfinished.persona_id)
        st.warning(f"You have an unfinished call with {who} ({said} turn(s)).")
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
            due = f" · due {a.due}" if a.due else ""
            due += f" · **:red[{a.due_state}]**" if a.due_state == "overdue" else f" · **{a.due_state}**" if a.due_state else ""
            cols[0].markdown(f"**{names.get(a.persona_id, a.persona_id)}** · {a.mode} · pass mark {a.pass_mark}"
                             f" · {a.status}" + (f" (best {a.best})" if a.best is not None else "") + due)
            if cols[1].button("Start", key=f"assignment-{a.id}"):  # the briefing first, then the call on its terms
                st.session_state["briefing"] = a.persona_id
                st.session_state[ASSIGNED] = (a.id, a.persona_id, a.mode)
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
                    st.session_state.pop(ASSIGNED, None)  # practice of their own choosing
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
    study = study_material(content.personas[persona_id], content, resources.knowledge())
    if study.offering:
        st.markdown(f"You sell **{study.offering}**.")
    prop = study.value_proposition
    if prop:
        with st.expander(f"Their world, in their words: {prop.title}", expanded=True):
            for key in ("goals", "problems", "outcomes"):
                section = prop.section(key)
                if section:
                    st.markdown(f"**{section.heading}**\n\n{section.text}")
    if study.case_notes:
        st.markdown("**Customer results you can quote** (the grader checks every figure against its note)")
        for note in study.case_notes:
            knowledge_card(note)
    assigned = st.session_state.get(ASSIGNED)
    assignment_id, mode = (assigned[0], assigned[2]) if assigned and assigned[1] == persona_id else (None, mode)
    label = f"Start the assigned call ({mode})" if assignment_id else f"Start the call ({mode})"
    if st.button(label, type="primary"):
        st.session_state.pop(ASSIGNED, None)
        _start(viewer, persona_id, mode, assignment_id)
        st.rerun()


def _take_line() -> None:
    """The chat box's on_submit. Streamlit runs it before the page script, so the line is stored before
    anything on the page can be cut short by the rep's next line, click or refresh."""
    practice: PracticeCall | None = st.session_state.get(CALL)
    text = st.session_state.get(LINE)
    if practice is None or text is None:
        return
    try:  # printable text only (control and zero-width characters go); long pastes are cut later, with a notice
        clean_rep_text(text, limit=None)
    except UserInputError:
        st.session_state[HINT] = "Type something to say to the buyer."
        return
    _queue(practice, text)


def _send_unsent() -> None:
    """"Send it again" for lines the store could not take (runs before the page script, like `_take_line`)."""
    practice: PracticeCall | None = st.session_state.get(CALL)
    if practice is not None and practice.unsent is not None:
        _queue(practice, practice.unsent)


def _queue(practice: PracticeCall, text: str) -> None:
    try:
        practice.queue(text)
    except CoachError as exc:  # kept on the page with "Send it again"
        st.session_state[TURN_FAILED] = practice.failure_notice(exc)


def _answer(practice: PracticeCall, slots: list[DeltaGenerator]) -> None:
    """Stream the buyer's reply to each waiting line, in order, each in its place under its line."""
    for slot in slots:
        if not practice.busy:
            return
        with slot.container(), st.chat_message("assistant", avatar=":material/work:"):
            try:
                with st.spinner(f"{practice.call.current_persona.name} is thinking…"):
                    st.write_stream(practice.answer_next())
            except CoachError as exc:  # shown after the rerun, beside the kept line and "Send it again"
                st.session_state[TURN_FAILED] = practice.failure_notice(exc)
                return


def _in_call(practice: PracticeCall) -> None:
    try:
        practice.refresh()  # lines and replies another tab added; a reply cut off by a rerun is asked again
    except CoachError as exc:  # the store is busy or down: go on from what this page holds
        st.session_state.setdefault(TURN_FAILED, practice.failure_notice(exc))
    busy = practice.busy  # the buyer has lines to answer: the chat box waits until they are
    persona = practice.call.current_persona
    last = practice.turns[-1] if practice.turns else None
    elapsed = last.elapsed_s if last else 0.0
    budget = practice.call.persona.time_budget_min
    attention = last.attention if last else None
    with st.sidebar:  # always in view beside the call, however long it grows
        st.subheader("This call")
        st.metric("Clock", f"{elapsed / 60:.1f} of {budget} min")
        st.caption("Attention")
        st.progress((attention if attention is not None else 50) / 100)
        if last and practice.mode == "coached":
            st.caption(f"Last move: **{last.move}** — {last.reason}")
        _end_call_button(practice, busy, "end-call")
    st.subheader(f"{persona.name}, {persona.title}")
    transcript(practice.turns, _names(), annotate=False, opening=practice.opening,
               delegated_to=practice.call.delegated_to)
    if last and last.notice:
        st.caption(last.notice)  # e.g. a very long paste was cut
    model_down = model_notice(last)
    if model_down:
        st.warning(model_down)
    failure = st.session_state.pop(TURN_FAILED, None)
    if failure:
        st.error(failure)
    hint = st.session_state.pop(HINT, None)
    if hint:
        st.caption(hint)
    if practice.unsent_lines:
        st.warning("Your last line was not saved yet:" if len(practice.unsent_lines) == 1 else
                   "Your last lines were not saved yet:")
        for line in practice.unsent_lines:
            st.text(line)
        st.button("Send it again", type="primary", key="send-unsent", on_click=_send_unsent)
    elif practice.held and (practice.waiting or practice.unsaved is not None):
        st.warning("Your last line was saved but the buyer has not answered it yet:" if practice.waiting else
                   "The buyer's last reply is not saved yet; it is kept here:")
        for line in practice.waiting:
            st.text(line)
        st.button("Send it again", type="primary", key="send-waiting", on_click=practice.resume_answers)
    slots: list[DeltaGenerator] = []
    if busy:
        first = len(practice.turns) + 1
        for n, line in enumerate(practice.waiting):
            st.markdown(f"###### Turn {first + n}")
            with st.chat_message("user"):
                st.text(line)
            slots.append(st.empty())
    # the clock and End call beside the chat box too: on a phone the sidebar folds away (this copy of the
    # button shows on narrow screens only)
    clock, end = st.columns([4, 1], vertical_alignment="center")
    clock.caption(f"Clock {elapsed / 60:.1f} of {budget} min" +
                  (f" · attention {attention}" if attention is not None else ""))
    with end:
        _end_call_button(practice, busy, "end-call-here")
    st.html(NARROW_ONLY)
    st.chat_input("Your line", key=LINE, max_chars=5 * MAX_TURN_CHARS,  # longer pastes are cut, with a notice
                  disabled=busy, submit_mode="disable", on_submit=_take_line)
    if busy:
        _answer(practice, slots)
        if practice.ended:  # the buyer ended it: the scorecard opens at its top, their last words first
            st.session_state[TO_TOP] = True
        st.rerun()


def _end_call_button(practice: PracticeCall, busy: bool, key: str) -> None:
    if st.button("End call", key=key, disabled=busy, help="Wait for the buyer's answer" if busy else None):
        practice.finish()
        st.session_state[TO_TOP] = True
        st.rerun()


def _after(practice: PracticeCall) -> None:
    card = practice.finish()
    if st.session_state.pop(TO_TOP, False):
        scroll_to_top()
    last = practice.turns[-1] if practice.turns else None
    if last and practice.call.ended and last.move in ("disengage", "delegate"):  # the buyer ended it: their last words first
        who = _names().get(last.buyer_persona, last.buyer_persona)
        with st.chat_message("assistant", avatar=":material/work:"):
            st.markdown(f"**{who}:** {last.buyer}")
        st.caption("The buyer " + ("handed you on" if last.move == "delegate" else "ended the call") +
                   ". Here is how it went.")
    if practice.unheard:
        st.warning("The call ended before the buyer heard " + ("this line; it is" if len(practice.unheard) == 1 else
                   "these lines; they are") + " kept with the call. Rewind to say them at an earlier turn:")
        for line in practice.unheard:
            st.text(line)
    st.subheader("How it went")
    scorecard(card, documents=resources.content().knowledge)
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
    transcript(practice.turns, _names(), annotate=practice.mode == "coached", opening=practice.opening,
               delegated_to=practice.call.delegated_to)


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
        points_over([{"call": n, "score": c.overall, "when": f"{c.started_at:%Y-%m-%d %H:%M}"}
                     for n, c in enumerate(scored, 1)], "call", "score", height=200, x_title="call")
    board = leaderboard(resources.database(), viewer, datetime.now(UTC) - timedelta(days=LEADERBOARD_DAYS))
    if board is not None:  # only when the manager has switched it on
        with st.expander(f"Team leaderboard, last {LEADERBOARD_DAYS} days"):
            leaderboard_table(board, you=viewer.display_name)
    names = _names()
    unread = set(unread_feedback(resources.database(), viewer))
    labels = {c.id: ("NEW FEEDBACK · " if c.id in unread else "") +
              f"{c.started_at:%Y-%m-%d %H:%M} · {names.get(c.persona_id, c.persona_id)} · {c.outcome} · "
              f"{c.overall if c.overall is not None else '-'}" for c in calls}  # by id: two calls may read alike
    ids = list(labels)
    first_unread = next((i for i, sid in enumerate(ids) if sid in unread), 0)  # new feedback opens first
    picked = st.selectbox("Open a call", ids, index=linked_index(ids, first_unread), format_func=labels.__getitem__)
    name_in_link(picked)
    record = get_session(resources.database(), viewer, picked)
    if record.scorecard:
        overrides = {r.criterion_id: (r.new_result, r.text) for r in record.reviews
                     if r.kind == "override" and r.criterion_id}
        scorecard(record.scorecard, overrides,
                  rescored(record.scorecard, {k: result for k, (result, _) in overrides.items()}, record.turns),
                  documents=resources.content().knowledge)
    comments = record.comments_by_turn()
    for general in comments.pop(0, []):  # a comment on the whole call, from the manager
        st.info(f"Feedback on this call: {general}")
    transcript(record.turns, names, annotate=record.mode == "coached", comments=comments, waiting=record.waiting)
    if picked in unread:  # read now; the badge goes on the next page load
        badges.feedback_read(viewer, picked)
