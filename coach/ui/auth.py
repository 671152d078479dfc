"""Sign-in and sign-out. A signed-in browser keeps a token cookie, so a refresh or a link to a call
keeps the user signed in until the token expires or they sign out (which revokes it everywhere)."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

from coach.errors import CoachError
from coach.db import Viewer, demo_sign_ins, sign_in, viewer_by_id
from coach.db.tokens import SIGNED_IN_FOR, keep_signed_in, sign_out_token, viewer_for_token
from coach.ui import resources

KEY = "viewer_id"
TOKEN = "sign_in_token"
COOKIE = "coach_session"
_SET_COOKIE = "set_cookie"      # a token to write into the browser on the next run
_CLEAR_COOKIE = "clear_cookie"  # the browser's cookie to expire on the next run


def current_viewer() -> Viewer | None:
    """The signed-in user, or None: from this browser session, else from the browser's token cookie.
    A token revoked elsewhere (signed out in another tab) signs this session out too."""
    token = st.session_state.get(TOKEN)
    if token is None and st.session_state.get(KEY) is None:
        token = _cookie()
    if token is not None:
        viewer = viewer_for_token(resources.database(), token)
        if viewer is None:
            _forget(clear_cookie=True)
            return None
        st.session_state[KEY], st.session_state[TOKEN] = viewer.id, token
        return viewer
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
    """End the session in this browser and revoke its token, so a copied cookie signs nobody in."""
    sign_out_token(resources.database(), st.session_state.get(TOKEN) or _cookie())
    _forget(clear_cookie=True)


def _forget(clear_cookie: bool) -> None:
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if clear_cookie:
        st.session_state[_CLEAR_COOKIE] = True


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):  # no browser request behind this run
        return None
    return value if isinstance(value, str) else None  # a script test has no real cookies


def write_cookie() -> None:
    """Write or expire the token cookie in the browser, once, on the run after signing in or out (the
    page's own origin; a zero-height frame)."""
    token = st.session_state.pop(_SET_COOKIE, None)
    clear = st.session_state.pop(_CLEAR_COOKIE, False)
    if token is None and not clear:
        return
    value, age = (token, int(SIGNED_IN_FOR.total_seconds())) if token else ("", 0)  # URL-safe: nothing to escape
    components.html("<script>const secure = window.parent.location.protocol === 'https:' ? '; Secure' : '';"
                    f" window.parent.document.cookie = '{COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict'"
                    " + secure;</script>", height=0)


def render_sign_in() -> None:
    """The sign-in form; shows the demo accounts while they still have the demo password."""
    write_cookie()
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
            token = keep_signed_in(resources.database(), viewer)
            st.session_state[KEY], st.session_state[TOKEN], st.session_state[_SET_COOKIE] = viewer.id, token, token
            st.rerun()
    demo = demo_sign_ins(resources.database())
    if demo:
        st.info("Demo accounts: " + "; ".join(f"**{n}** ({r}) / `{p}`" for n, r, p in demo)
                + ". Add real accounts with `coach users add`.")
