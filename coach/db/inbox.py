"""What waits for a rep: feedback they have not read yet, and assignments due soon or overdue.

Why: a manager's comment is worth little if the rep never finds it. The app shows these as badges
on its pages; a call's feedback counts as read once the rep opens that call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.db.models import PracticeSession, Review, now
from coach.db.practice import _owned
from coach.db.review import AssignmentStatus, assignments


class Inbox(BaseModel):
    """The rep's badges: calls with unread feedback, and their open assignments by due state."""

    model_config = ConfigDict(extra="forbid")
    new_feedback: list[str]              # call ids, newest feedback first
    overdue: list[AssignmentStatus]
    due_soon: list[AssignmentStatus]

    @property
    def count(self) -> int:
        return len(self.new_feedback) + len(self.overdue) + len(self.due_soon)


def unread_feedback(db: Database, viewer: Viewer) -> list[str]:
    """The viewer's own calls with a comment or override newer than their last look at that call."""
    def work(s: Session) -> list[str]:
        latest = func.max(Review.created_at)
        rows = s.execute(
            select(PracticeSession.id, latest).join(Review, Review.session_id == PracticeSession.id)
            .where(PracticeSession.user_id == viewer.id)
            .where(or_(PracticeSession.feedback_seen_at.is_(None), Review.created_at > PracticeSession.feedback_seen_at))
            .group_by(PracticeSession.id).order_by(latest.desc())).all()
        return [sid for sid, _ in rows]
    return db.run(work)


def mark_feedback_read(db: Database, viewer: Viewer, session_id: str) -> None:
    """The rep has opened the call: its feedback so far is read (only the call's owner marks it)."""
    def work(s: Session) -> None:
        _owned(s, viewer, session_id).feedback_seen_at = now()
    db.run(work, write=True)


def inbox(db: Database, viewer: Viewer, today: date | None = None) -> Inbox:
    """Everything the badges show for this viewer (their own assignments only, whatever their role)."""
    today = today or datetime.now(UTC).date()
    mine = [a for a in assignments(db, viewer, today=today) if a.user_id == viewer.id and a.status != "passed"]
    return Inbox(new_feedback=unread_feedback(db, viewer), overdue=[a for a in mine if a.due_state == "overdue"],
                 due_soon=[a for a in mine if a.due_state == "due soon"])
