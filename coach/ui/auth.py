"""Sign-in and sign-out; the signed-in viewer lives in the browser session only."""

from __future__ import annotations

import streamlit as st

from coach.errors import CoachError
from coach.db import Viewer, demo_sign_ins, sign_in, viewer_by_id
from coach.ui import resources

KEY = "viewer_id"


def current_viewer() -> Viewer | None:
    """The signed-in user, or None."""
    user_id = st.session_state.get(KEY)
    return viewer_by_id(resources.database(), user_id) if user_id is not None else None


def require_viewer() -> Viewer:
    """The signed-in user; otherwise the page stops with a pointer to sign in."""
    viewer = current_viewer()
    if viewer is None:
        st.warning("Please sign in.")
        st.stop()
    return viewer


def not_allowed() -> None:
    """What someone sees on a page their role may not use (the same as for a page that does not exist)."""
    st.error("Page not found.")
    st.stop()


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def render_sign_in() -> None:
    """The sign-in form; shows the demo accounts while they still have the demo password."""
    st.title("Executive call coach")
    st.caption("Rehearse first calls with busy executives; get graded on what executives care about.")
    with st.form("sign-in"):
        name = st.text_input("Name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            viewer = sign_in(resources.database(), name, password)
        except CoachError as exc:
            st.error(exc.message)
        else:
            st.session_state[KEY] = viewer.id
            st.rerun()
    demo = demo_sign_ins(resources.database())
    if demo:
        st.info("Demo accounts: " + "; ".join(f"**{n}** ({r}) / `{p}`" for n, r, p in demo)
                + ". Add real accounts with `coach users add`.")
