"""Managers: team trends as charts, and assignments (assign a buyer, see who passed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from coach.errors import CoachError
from coach.db import (Viewer, assign, assignments, leaderboard, pass_rates, remove_assignment, set_leaderboard,
                      skill_profile, team_members, team_trends, update_assignment)
from coach.grading.rubric import load_rubric
from coach.ui import badges, resources
from coach.ui.charts import labelled_bars, points_over
from coach.ui.leaderboard_view import LEADERBOARD_DAYS, leaderboard_table


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
        _skill_profile(viewer, reps, since)
    _leaderboard(viewer, since)
    _assignments(viewer, reps)


def _leaderboard(viewer: Viewer, since: datetime | None) -> None:
    """The team ranked over the chosen period, and the switch that shows it to the reps."""
    board = leaderboard(resources.database(), viewer, since)
    if board is None:  # an admin has no team of their own
        return
    st.subheader("Leaderboard")
    on = st.toggle("Show the leaderboard to my reps", value=board.on, key="leaderboard_on",
                   help=f"Reps see their team ranked by average score over the last {LEADERBOARD_DAYS} days")
    if on != board.on:
        try:
            set_leaderboard(resources.database(), viewer, on)
        except CoachError as exc:
            st.error(exc.message)
    leaderboard_table(board)


def _skill_profile(viewer: Viewer, reps: list[Viewer], since: datetime | None) -> None:
    """One rep's pass rate per criterion, week by week: is practice changing a habit?"""
    st.subheader("Skill profile")
    if not reps:
        return
    shown = {r.name: r.display_name for r in reps}
    rep = st.selectbox("Rep", list(shown), format_func=shown.__getitem__, key="profile_rep")
    try:
        points = skill_profile(resources.database(), viewer, rep, since)
    except CoachError as exc:
        st.error(exc.message)
        return
    if not points:
        st.caption(f"No scored calls for {shown[rep]} in this period.")
        return
    rubric = load_rubric()
    label = {c.id: c.shown_as for c in rubric.criteria}
    rates = pass_rates(points)
    weeks = sorted({p.week for p in points})
    table = [{"criterion": label.get(c, c), "overall %": rate,
              **{f"week of {w}": next((f"{p.rate:.0f}% ({p.passed}/{p.scored})" for p in points
                                       if p.week == w and p.criterion == c), "-") for w in weeks}}
             for c, rate in rates.items()]
    st.dataframe(table, hide_index=True, use_container_width=True)
    picked = st.multiselect("Chart these criteria", list(rates), default=list(rates)[:3],
                            format_func=lambda c: label.get(c, c), key="profile_criteria")
    if picked:
        points_over([{"week": p.week, "criterion": label.get(p.criterion, p.criterion), "pass rate": p.rate}
                     for p in points if p.criterion in picked], "week", "pass rate", "criterion", height=240,
                    x_title="week starting", y_title="% passed")


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

    def describe(i: int) -> str:
        return next(f"{shown.get(a.rep, a.rep)} · {buyers.get(a.persona_id, a.persona_id)} · due {a.due or '-'}"
                    for a in rows if a.id == i)

    picked = st.selectbox("Change or remove an assignment", [a.id for a in rows], format_func=describe,
                          key="assignment_pick")
    current = next(a for a in rows if a.id == picked)
    with st.form(f"assignment_{picked}"):  # one form per assignment, so it opens with that one's terms
        cols = st.columns(3)
        mode = cols[0].selectbox("Mode", ["exam", "coached"], index=["exam", "coached"].index(current.mode)
                                 if current.mode in ("exam", "coached") else 0)
        pass_mark = cols[1].number_input("Pass mark", 0, 100, current.pass_mark)
        due = cols[2].date_input("Due", value=current.due)
        save, remove = st.columns(2)
        saved = save.form_submit_button("Save changes", help="tries made so far still count")
        removed = remove.form_submit_button("Remove", help="calls already made keep their scores")
    if not (saved or removed):
        return
    try:
        if saved:
            update_assignment(resources.database(), viewer, picked, mode=mode, pass_mark=int(pass_mark), due=due)
        else:
            remove_assignment(resources.database(), viewer, picked)
    except CoachError as exc:
        st.error(exc.message)
    else:
        badges.forget()
        st.rerun()
