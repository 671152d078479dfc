"""Managers: the team table, one call annotated turn by turn, comments and criterion overrides."""

from __future__ import annotations

import json
from datetime import datetime, time

import streamlit as st

from coach.errors import CoachError
from coach.db.exports import export_rows, to_csv
from coach.db import SessionFilter, Viewer, add_comment, get_session, override_criterion, team_members, team_sessions
from coach.grading.rubric import load_rubric
from coach.ui import badges, resources
from coach.ui.links import linked_index, name_in_link
from coach.grading.grade import rescored
from coach.ui.scorecard_view import scorecard, transcript

OUTCOMES = ["", "advanced", "open", "delegated", "disengaged", "timed_out"]


def _filters(viewer: Viewer) -> SessionFilter:
    with st.expander("Filters", expanded=True):
        cols = st.columns(4)
        reps = {v.name: v.display_name for v in team_members(resources.database(), viewer)}
        rep = cols[0].selectbox("Rep", ["", *sorted(reps, key=reps.__getitem__)],
                                format_func=lambda name: reps.get(name, "any rep"))
        executives = {p.id: f"{p.name}, {p.title}" for p in resources.content().personas.values()
                      if p.level == "executive"}
        persona = cols[1].selectbox("Buyer", ["", *sorted(executives, key=executives.__getitem__)],
                                    format_func=lambda pid: executives.get(pid, "any buyer"))
        outcome = cols[2].selectbox("Outcome", OUTCOMES)
        sort = cols[3].selectbox("Sort", ["newest", "oldest", "score_high", "score_low"])
        cols = st.columns(3)
        dates = cols[0].date_input("Date range", value=(), help="leave empty for any date")
        low, high = cols[1].slider("Score range", 0, 100, (0, 100))
        waiting = cols[2].toggle("Needs review only", help="calls nobody has commented on or overridden yet")
    since = datetime.combine(dates[0], time.min) if len(dates) >= 1 else None
    until = datetime.combine(dates[1], time.max) if len(dates) == 2 else None
    return SessionFilter(rep=rep or None, persona_id=persona or None, outcome=outcome or None,
                         since=since, until=until, min_score=low if low > 0 else None,
                         max_score=high if high < 100 else None, sort=sort, needs_review=waiting)


def render(viewer: Viewer) -> None:
    """The team table and the selected call."""
    st.title("Review calls")
    try:
        rows = team_sessions(resources.database(), viewer, _filters(viewer))
    except CoachError as exc:
        st.error(exc.message)
        return
    if not rows:
        st.info("No finished calls match. Reps' calls appear here when they end them.")
        return
    names = {p.id: p.name for p in resources.content().personas.values()}
    table = [{"when": r.started_at.strftime("%Y-%m-%d %H:%M"), "rep": r.user_display, "buyer": names.get(r.persona_id,
              r.persona_id), "mode": r.mode, "outcome": r.outcome, "score": r.overall, "reviewed": r.reviewed, "id": r.id} for r in rows]
    st.caption(f"{len(rows)} call(s). Click a row to open it.")
    clicked = st.dataframe(table, hide_index=True, use_container_width=True, on_select="rerun",
                           selection_mode="single-row", key="review_table").selection.rows
    _exports(rows)
    ids = [r["id"] for r in table]
    if clicked and clicked[0] < len(ids) and st.session_state.get("review_clicked") != ids[clicked[0]]:
        st.session_state["review_clicked"] = st.session_state["open_call"] = ids[clicked[0]]
    if st.session_state.get("open_call") not in ids:  # filtered out: open the first (or the linked) call
        st.session_state["open_call"] = ids[linked_index(ids)]
    picked = st.selectbox("Open a call", ids, key="open_call",
                          format_func=lambda sid: next(f"{t['when']} · {t['rep']} · {t['buyer']} · {t['score']}"
                                                       for t in table if t["id"] == sid))
    name_in_link(picked)
    _session(viewer, picked)


def _exports(rows: list) -> None:  # noqa: ANN001 - SessionRecords
    """Download the table as the export shape (criteria as the manager sees them, transcripts on request)."""
    with st.popover("Export"):
        with_transcripts = st.checkbox("Include transcripts")
        executives = {p.id: f"{p.name}, {p.title}" for p in resources.content().personas.values()}
        db = resources.database()

        def exported() -> list[dict]:  # built on the click, not on every rerun of the page
            return export_rows(db, rows, buyer_names=executives, transcripts=with_transcripts)

        st.download_button("CSV", lambda: to_csv(exported()), "calls.csv", "text/csv")
        st.download_button("JSON", lambda: json.dumps(exported(), indent=1), "calls.json", "application/json")


def _session(viewer: Viewer, session_id: str) -> None:
    try:
        record = get_session(resources.database(), viewer, session_id)
    except CoachError as exc:
        st.error(exc.message)
        return
    overrides = {r.criterion_id: (r.new_result, f"{r.author_display or r.author}: {r.text}") for r in record.reviews
                 if r.kind == "override" and r.criterion_id}
    comments = record.comments_by_turn()
    names = {p.id: f"{p.name}, {p.title}" for p in resources.content().personas.values()}
    st.subheader(f"{record.user_display} with {names.get(record.persona_id, record.persona_id)} ({record.mode})")
    if record.scorecard:
        scorecard(record.scorecard, overrides,
                  rescored(record.scorecard, {k: result for k, (result, _) in overrides.items()}, record.turns),
                  documents=resources.content().knowledge)
    def comment_box(turn: int) -> None:  # beneath each turn: comment right where it happened
        with st.popover(f"Comment on turn {turn}", icon=":material/add_comment:"):
            with st.form(f"comment-{turn}", clear_on_submit=True):
                text = st.text_area("Comment for the rep", key=f"comment-text-{turn}")
                if st.form_submit_button("Add comment"):
                    _act(lambda: add_comment(resources.database(), viewer, session_id, text, turn))

    transcript(record.turns, names, annotate=True, comments=comments, waiting=record.waiting, comment_box=comment_box)
    st.subheader("On the whole call")
    for general in comments.get(0, []):
        st.info(general)
    with st.form("comment", clear_on_submit=True):
        text = st.text_area("Comment for the rep on the whole call")
        if st.form_submit_button("Add comment"):
            _act(lambda: add_comment(resources.database(), viewer, session_id, text, None))
    if record.scorecard:
        with st.form("override", clear_on_submit=True):
            ids = [c.id for c in record.scorecard.criteria]
            rubric = load_rubric()
            criterion = st.selectbox("Criterion", ids, format_func=lambda cid: rubric.criterion(cid).shown_as
                                     if rubric.criterion(cid) else cid.replace("_", " "))
            result = st.radio("Result", ["yes", "no", "unscored"], horizontal=True)
            reason = st.text_input("Reason")
            if st.form_submit_button("Override"):
                _act(lambda: override_criterion(resources.database(), viewer, session_id, criterion, result, reason))


def _act(action) -> None:  # noqa: ANN001
    """Run a store write; show its one-line error, or refresh to show the result."""
    try:
        action()
    except CoachError as exc:
        st.error(exc.message)
    else:
        badges.forget()  # the rep's badge shows the new feedback
        st.rerun()
