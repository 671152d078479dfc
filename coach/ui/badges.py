"""The rep's badges in the navigation: unread feedback on My calls, due or overdue assignments on Practice."""

from __future__ import annotations

import streamlit as st

from coach.db import Inbox, Viewer, inbox, mark_feedback_read
from coach.errors import CoachError
from coach.ui import resources


def inbox_for(viewer: Viewer) -> Inbox | None:
    """The viewer's inbox, or None when the store cannot say (the pages then show no badge, and work).
    Read at most once a minute per viewer: the app shell asks on every rerun, a chat turn included;
    a comment, an override, an assignment or reading feedback here forgets it at once (`forget`)."""
    try:
        return _cached_inbox(resources.database().url, viewer)
    except CoachError:
        return None


@st.cache_data(ttl=60, show_spinner=False, hash_funcs={Viewer: lambda v: v.id})
def _cached_inbox(database_url: str, viewer: Viewer) -> Inbox:  # noqa: ARG001 - the URL keys the cache
    return inbox(resources.database(), viewer)


def feedback_read(viewer: Viewer, session_id: str) -> None:
    """The rep opened a call with new feedback: mark it read, and let the badge say so at once."""
    mark_feedback_read(resources.database(), viewer, session_id)
    forget()


def forget() -> None:
    """Feedback or assignments changed (here, in this server): badges are read afresh on the next rerun.
    Another server of a scaled-out deployment sees the change within the minute."""
    _cached_inbox.clear()


def feedback_badge(waiting: Inbox | None) -> str:
    return f"{len(waiting.new_feedback)} new" if waiting and waiting.new_feedback else ""


def assignment_badge(waiting: Inbox | None) -> str:
    if not waiting:
        return ""
    parts = [f"{len(waiting.overdue)} overdue" if waiting.overdue else "",
             f"{len(waiting.due_soon)} due" if waiting.due_soon else ""]
    return ", ".join(p for p in parts if p)


def titled(title: str, badge: str) -> str:
    return f"{title} ({badge})" if badge else title


def sidebar_lines(waiting: Inbox | None) -> list[str]:
    """What the sidebar says under the name: new feedback and assignments that need doing."""
    if not waiting:
        return []
    lines = []
    if waiting.new_feedback:
        lines.append(f"**New feedback** on {len(waiting.new_feedback)} call(s): see **My calls**")
    if waiting.overdue:
        lines.append(f"**Overdue:** {len(waiting.overdue)} assignment(s): see **Practice**")
    if waiting.due_soon:
        lines.append(f"**Due soon:** {len(waiting.due_soon)} assignment(s): see **Practice**")
    return lines
