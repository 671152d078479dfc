"""The app shell: sign-in, then the pages this user's role may use."""

from __future__ import annotations

import streamlit as st

from coach.errors import CoachError
from pathlib import Path

from coach.ui import auth, badges

PAGES = Path(__file__).resolve().parent / "pages"


def main() -> None:
    """Entry point called by `app.py`."""
    st.set_page_config(page_title="Executive call coach", page_icon="🎯", layout="wide")
    try:
        viewer = auth.current_viewer()
    except CoachError as exc:
        st.error(exc.message)
        st.stop()
    if viewer is None:
        try:
            auth.render_sign_in()
        except CoachError as exc:
            st.error(exc.message)
        return
    auth.write_cookie()
    waiting = badges.inbox_for(viewer)
    with st.sidebar:
        st.markdown(f"Signed in as **{viewer.display_name}** ({viewer.role})")
        for line in badges.sidebar_lines(waiting):
            st.markdown(line)
        if st.button("Sign out"):
            auth.sign_out()
            st.rerun()
    pages = [st.Page(PAGES / "practice.py", title=badges.titled("Practice", badges.assignment_badge(waiting)), default=True),
             st.Page(PAGES / "history.py", title=badges.titled("My calls", badges.feedback_badge(waiting)))]
    if viewer.role in ("manager", "admin"):
        pages += [st.Page(PAGES / "review.py", title="Review"), st.Page(PAGES / "team.py", title="Team")]
    st.navigation(pages).run()
