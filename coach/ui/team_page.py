"""Managers: team trends as charts, and assignments (assign a buyer, see who passed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from coach.errors import CoachError
from coach.db import Viewer, assign, assignments, remove_assignment, team_members, team_trends
from coach.grading.rubric import load_rubric
from coach.ui import badges, resources
from coach.ui.charts import labelled_bars, points_over


def render(viewer: Viewer) -> None:
    """Trends over a chosen period, then assignments."""
    st.title("Team")
    reps = team_members(resources.database(), viewer)
    days = st.selectbox("Period", [30, 90, 365, 0], format_func=lambda d: f"last {d} days" if d else "all time")
    since = datetime.now() - timedelta(days=days) if days else None
    try:
        trends = team_trends(resources.database(), viewer, since)
    except CoachError as exc:
        st.error(exc.message)
        return
    if not trends.scores and not trends.outcomes:
        st.info("No finished calls in this period yet.")
    else:
        st.subheader("Score per rep over time")
        shown = {r.name: r.display_name for r in reps}
        points_over([{"day": day, "rep": shown.get(rep, rep), "score": avg} for day, rep, avg, _ in sorted(trends.scores)],
                    "day", "score", "rep", height=260, y_title="average score")
        cols = st.columns(2)
        cols[0].subheader("Outcomes")
        cols[0].bar_chart(trends.outcomes, height=240)
        with cols[1]:
            st.subheader("Criteria most often failed")
            rubric = load_rubric()
            labelled_bars({(rubric.criterion(c).shown_as if rubric.criterion(c) else c): round(100 * no / max(1, n))
                           for c, no, n in trends.failed[:6]}, value_title="% of scored calls failed")
    _assignments(viewer, reps)


def _assignments(viewer: Viewer, reps: list[Viewer]) -> None:
    st.subheader("Assignments")
    buyers = {p.id: f"{p.name}, {p.title}" for p in resources.content().personas.values()}
    executives = sorted((p.id for p in resources.content().personas.values() if p.level == "executive"),
                        key=buyers.__getitem__)
    shown = {r.name: r.display_name for r in reps}
    if reps:
        with st.form("assign", clear_on_submit=True):
            cols = st.columns(5)
            rep = cols[0].selectbox("Rep", list(shown), format_func=shown.__getitem__)
            persona = cols[1].selectbox("Buyer", executives, format_func=buyers.__getitem__)
            mode = cols[2].selectbox("Mode", ["exam", "coached"])
            pass_mark = cols[3].number_input("Pass mark", 0, 100, 65)
            due = cols[4].date_input("Due", value=None)
            if st.form_submit_button("Assign"):
                try:
                    assign(resources.database(), viewer, rep, persona, mode=mode, pass_mark=int(pass_mark), due=due)
                except CoachError as exc:
                    st.error(exc.message)
                else:
                    badges.forget()
                    st.success(f"Assigned {buyers[persona]} to {shown[rep]}.")
    rows = assignments(resources.database(), viewer)
    if not rows:
        st.caption("No assignments yet.")
        return
    st.dataframe([{"rep": shown.get(a.rep, a.rep), "buyer": buyers.get(a.persona_id, a.persona_id), "mode": a.mode,
                   "pass mark": a.pass_mark, "due": a.due, "state": a.due_state or "-", "tries": a.tries,
                   "best": "-" if a.best is None else a.best, "status": a.status} for a in rows],
                 hide_index=True, use_container_width=True)
    with st.form("remove_assignment"):
        gone = st.selectbox("Remove an assignment", [a.id for a in rows], format_func=lambda i: next(
            f"{shown.get(a.rep, a.rep)} · {buyers.get(a.persona_id, a.persona_id)} · due {a.due or '-'}"
            for a in rows if a.id == i))
        if st.form_submit_button("Remove"):
            try:
                remove_assignment(resources.database(), viewer, int(gone))
            except CoachError as exc:
                st.error(exc.message)
            else:
                badges.forget()
                st.rerun()
