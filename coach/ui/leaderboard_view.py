"""The team leaderboard as a table: the same look on the rep's and the manager's page."""

from __future__ import annotations

import streamlit as st

from coach.db import Leaderboard

LEADERBOARD_DAYS = 30  # what a rep's page ranks over


def leaderboard_table(board: Leaderboard, you: str | None = None) -> None:
    """Rank, rep, calls, average, best and calls advanced; the viewer's own row marked."""
    if not board.rows:
        st.caption("No scored calls on the team in this period.")
        return
    st.dataframe([{"rank": r.rank, "rep": f"{r.rep} (you)" if r.rep == you else r.rep, "calls": r.calls,
                   "average": r.average, "best": r.best, "next step agreed": r.advanced} for r in board.rows],
                 hide_index=True, use_container_width=True)
