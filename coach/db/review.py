"""What managers do with calls: the team table, comments, criterion overrides, assignments.

Why: a manager coaches from evidence. Comments attach to a turn; an override changes a
criterion's result with a reason, and the original result is kept beside it. The same access
rules as everywhere: a manager acts on their own team only, an admin on anyone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from coach.errors import AccessDenied, NotFound, UserInputError
from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.db.models import MODES, Assignment, PracticeSession, Review, Scorecard, User
from coach.grading.grade import rescored
from coach.db.practice import SessionRecord, _record, said_something, visible_to

MAX_COMMENT = 2000
SORTS = {"newest": PracticeSession.started_at.desc(), "oldest": PracticeSession.started_at.asc(),
         "score_high": PracticeSession.overall.desc(), "score_low": PracticeSession.overall.asc()}


class SessionFilter(BaseModel):
    """The team table's filters; empty means any."""

    model_config = ConfigDict(extra="forbid")
    rep: str | None = None
    persona_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: int | None = None
    max_score: int | None = None
    ended_only: bool = True
    needs_review: bool = False   # only calls nobody has commented on or overridden yet
    with_empty: bool = False     # also calls ended before the rep said anything (never scored or charted)
    sort: str = "newest"
    limit: int = 500
    offset: int = 0


def team_sessions(db: Database, viewer: Viewer, filters: SessionFilter | None = None) -> list[SessionRecord]:
    """Calls the viewer may see, filtered and sorted (reps see only their own)."""
    f = filters or SessionFilter()
    if f.sort not in SORTS:
        raise UserInputError(f"{f.sort!r} is not a sort order", f"use one of: {', '.join(SORTS)}")
    query = select(PracticeSession, User, _reviewed().label("reviewed")).join(
        User, PracticeSession.user_id == User.id).where(visible_to(viewer))
    conditions = [
        (f.rep, lambda: User.name == f.rep), (f.persona_id, lambda: PracticeSession.persona_id == f.persona_id),
        (f.outcome, lambda: PracticeSession.outcome == f.outcome), (f.since, lambda: PracticeSession.started_at >= f.since),
        (f.until, lambda: PracticeSession.started_at <= f.until),
        (f.min_score is not None, lambda: PracticeSession.overall >= f.min_score),
        (f.max_score is not None, lambda: PracticeSession.overall <= f.max_score),
        (f.ended_only, lambda: PracticeSession.ended_at.is_not(None)),
        (f.needs_review, lambda: ~_reviewed()),
        (not f.with_empty, said_something),
    ]
    for wanted, condition in conditions:
        if wanted:
            query = query.where(condition())
    query = query.order_by(SORTS[f.sort], PracticeSession.id).limit(min(f.limit, 5000)).offset(f.offset)
    with db.transaction() as s:
        return [_record(row, user, full=False).model_copy(update={"reviewed": bool(reviewed)})
                for row, user, reviewed in s.execute(query).all()]


def _reviewed() -> ColumnElement[bool]:
    return exists(select(Review.id).where(Review.session_id == PracticeSession.id))


def _reviewable(s, viewer: Viewer, session_id: str) -> PracticeSession:  # noqa: ANN001
    if viewer.role not in ("manager", "admin"):
        raise NotFound(f"No practice session {session_id!r} to review", "managers review their team's calls")
    row = s.scalar(select(PracticeSession).where(PracticeSession.id == session_id, visible_to(viewer)))
    if row is None:
        raise NotFound(f"No practice session {session_id!r} to review", "pick a call from the team table")
    return row


def add_comment(db: Database, viewer: Viewer, session_id: str, text: str, turn_index: int | None = None) -> int:
    """A manager's comment, on one turn or on the whole call."""
    text = text.strip()
    if not text:
        raise UserInputError("The comment is empty", "write what the rep should do differently")
    with db.transaction() as s:
        _reviewable(s, viewer, session_id)
        review = Review(session_id=session_id, author_id=viewer.id, kind="comment", turn_index=turn_index,
                        text=text[:MAX_COMMENT])
        s.add(review)
        s.flush()
        return review.id


def override_criterion(db: Database, viewer: Viewer, session_id: str, criterion_id: str, new_result: str,
                       reason: str) -> int:
    """Change a criterion's result with a reason; the grader's original stays on record."""
    if new_result not in ("yes", "no", "unscored"):
        raise UserInputError(f"{new_result!r} is not a result", "use yes, no or unscored")
    if not reason.strip():
        raise UserInputError("An override needs a reason", "say why the grader was wrong")
    with db.transaction() as s:
        call = _reviewable(s, viewer, session_id)
        card = s.scalar(select(Scorecard).where(Scorecard.session_id == session_id))
        if card is None:
            raise UserInputError("This call has no scorecard yet", "overrides are possible once the call has ended")
        original = next((c["result"] for c in card.criteria if c["id"] == criterion_id), None)
        if original is None:
            raise UserInputError(f"{criterion_id!r} is not a criterion of this scorecard", "pick one from the list")
        review = Review(session_id=session_id, author_id=viewer.id, kind="override", criterion_id=criterion_id,
                        original_result=original, new_result=new_result, text=reason.strip()[:MAX_COMMENT])
        s.add(review)
        s.flush()
        call.overall = _score_as_reviewed(s, call)
        return review.id


def _score_as_reviewed(s: Session, call: PracticeSession) -> int | None:
    """The call's score with every override applied (the latest per criterion), so the lists, trends,
    leaderboard and assignments show what the manager sees; the grader's own stays on the scorecard."""
    record = _record(call, s.get(User, call.user_id), full=True, s=s)
    if record.scorecard is None:
        return call.overall
    overrides = {r.criterion_id: r.new_result for r in record.reviews
                 if r.kind == "override" and r.criterion_id and r.new_result}
    return rescored(record.scorecard, overrides, record.turns)


def assign(db: Database, viewer: Viewer, rep_name: str, persona_id: str, *, mode: str = "exam",
           pass_mark: int = 65, due: date | None = None) -> int:
    """A manager assigns a buyer to one of their reps."""
    if viewer.role not in ("manager", "admin"):
        raise AccessDenied("Only managers assign practice", "ask your manager")
    _check_terms(mode, pass_mark, due)
    with db.transaction() as s:
        rep = s.scalar(select(User).where(User.name == rep_name))
        if rep is None or (viewer.role == "manager" and rep.team_id != viewer.team_id):
            raise NotFound(f"No rep {rep_name!r} in your team", "pick a rep from your team")
        row = Assignment(user_id=rep.id, assigned_by=viewer.id, persona_id=persona_id, mode=mode,
                         pass_mark=pass_mark, due=due)
        s.add(row)
        s.flush()
        return row.id


def _check_terms(mode: str, pass_mark: int, due: date | None) -> None:
    if mode not in MODES or not 0 <= pass_mark <= 100:
        raise UserInputError("Bad mode or pass mark", f"mode is one of {', '.join(MODES)}; pass mark 0-100")
    if due is not None and due < datetime.now(UTC).date():
        raise UserInputError(f"The due date {due} has passed", "pick today or a later day, or leave it empty")


def _teams_assignment(s: Session, viewer: Viewer, assignment_id: int) -> Assignment:
    """An assignment of the viewer's team, for changing it; anyone else's is 'not found'."""
    if viewer.role not in ("manager", "admin"):
        raise AccessDenied("Only managers change assignments", "ask your manager")
    found = s.execute(select(Assignment, User).join(User, Assignment.user_id == User.id)
                      .where(Assignment.id == assignment_id)).first()
    if found is None or (viewer.role == "manager" and found[1].team_id != viewer.team_id):
        raise NotFound(f"No assignment {assignment_id} in your team", "pick one from the assignments table")
    return found[0]


def update_assignment(db: Database, viewer: Viewer, assignment_id: int, *, mode: str, pass_mark: int,
                      due: date | None) -> None:
    """A manager changes the terms of an assignment of their team (tries so far still count)."""
    _check_terms(mode, pass_mark, None)
    with db.transaction() as s:
        row = _teams_assignment(s, viewer, assignment_id)
        if due != row.due:  # a due date already past may stay while the pass mark changes; a new one may not be past
            _check_terms(mode, pass_mark, due)
        row.mode, row.pass_mark, row.due = mode, pass_mark, due


def remove_assignment(db: Database, viewer: Viewer, assignment_id: int) -> None:
    """A manager withdraws an assignment of their team (calls already made keep their scores)."""
    with db.transaction() as s:
        row = _teams_assignment(s, viewer, assignment_id)
        for call in s.scalars(select(PracticeSession).where(PracticeSession.assignment_id == assignment_id)):
            call.assignment_id = None
        s.delete(row)


DUE_SOON_DAYS = 3  # an assignment due within this many days is flagged "due soon"


class AssignmentStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    user_id: int
    rep: str
    persona_id: str
    mode: str
    pass_mark: int
    due: date | None
    tries: int
    best: int | None
    status: str  # passed | tried | not started
    due_state: str = ""  # overdue | due soon | "" (passed, no due date, or not due yet)


def due_state(due: date | None, status: str, today: date) -> str:
    """Whether an open assignment needs attention: past its due day, or due within a few days."""
    if due is None or status == "passed":
        return ""
    if due < today:
        return "overdue"
    return "due soon" if (due - today).days <= DUE_SOON_DAYS else ""


def assignments(db: Database, viewer: Viewer, today: date | None = None) -> list[AssignmentStatus]:
    """Assignments the viewer may see (a rep's own, a manager's team's) with their progress."""
    today = today or datetime.now(UTC).date()
    # each assignment's tries and best score since it was set, in one query
    attempt = and_(PracticeSession.user_id == Assignment.user_id, PracticeSession.persona_id == Assignment.persona_id,
                   PracticeSession.mode == Assignment.mode, PracticeSession.ended_at.is_not(None),
                   PracticeSession.started_at >= Assignment.created_at)
    query = (select(Assignment, User.name, func.count(PracticeSession.id), func.max(PracticeSession.overall))
             .join(User, Assignment.user_id == User.id).outerjoin(PracticeSession, attempt)
             .group_by(Assignment.id, User.name))
    if viewer.role == "rep":
        query = query.where(Assignment.user_id == viewer.id)
    elif viewer.role == "manager":
        query = query.where(User.team_id == viewer.team_id)
    out = []
    with db.transaction() as s:
        for row, rep, tries, best in s.execute(query.order_by(Assignment.due, Assignment.id)).all():
            status = "passed" if best is not None and best >= row.pass_mark else "tried" if tries else "not started"
            out.append(AssignmentStatus(id=row.id, user_id=row.user_id, rep=rep, persona_id=row.persona_id, mode=row.mode,
                                        pass_mark=row.pass_mark, due=row.due, tries=tries, best=best, status=status,
                                        due_state=due_state(row.due, status, today)))
    return out
