"""The rep's badges in the navigation: unread feedback on My calls, due or overdue assignments on Practice."""

from __future__ import annotations

from coach.db import Inbox, Viewer, inbox
from coach.errors import CoachError
from coach.ui import resources


def inbox_for(viewer: Viewer) -> Inbox | None:
    """The viewer's inbox, or None when the store cannot say (the pages then show no badge, and work)."""
    try:
        return inbox(resources.database(), viewer)
    except CoachError:
        return None


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
