"""Practice sessions and their turns and scorecards, behind the access rules.

Why: a rep's call must survive a model failure, a refresh or a restart, so each rep line is
written before the model is asked and the buyer's reply is added after. Every write here is
safe to repeat and goes through `Database.run`, so a locked or restarting database is waited
out (briefly) instead of losing the turn. Who may see what is decided here, in the queries,
not in the pages: a rep reads only their own sessions, a manager their team's, an admin
everything; anything else is "not found".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import ColumnElement, Select, exists, select, true
from sqlalchemy.orm import Session

from coach.errors import AccessDenied, NotFound
from coach.grading import scorecard as graded
from coach.call.analysis import TurnAnalysis
from coach.transcript import CallTurn, RepLine
from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.db.models import MODES, CriterionResult, PracticeSession, Review, Scorecard, Turn, User, new_id, now


class ReviewRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    author: str                 # the sign-in name
    author_display: str = ""    # the name people read
    kind: str
    turn_index: int | None
    criterion_id: str | None
    original_result: str | None
    new_result: str | None
    text: str
    created_at: datetime


class SessionRecord(BaseModel):
    """A stored call as the pages show it."""

    model_config = ConfigDict(extra="forbid")
    id: str
    user_id: int
    user_name: str
    user_display: str
    persona_id: str
    mode: str
    seed: int
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    delegated_to: str | None
    overall: int | None
    assignment_id: int | None
    rewound_from: str | None
    turns: list[CallTurn] = []  # answered, in order: the same turns the call engine made
    waiting: list[RepLine] = []  # rep lines stored but not answered yet, in order
    scorecard: graded.Scorecard | None = None
    reviews: list[ReviewRecord] = []
    reviewed: bool = False  # a manager has commented or overridden (set in listings; the full record has `reviews`)

    def comments_by_turn(self, display_names: bool = True) -> dict[int, list[str]]:
        """Each comment as "author: text", by the turn it is on (0: the whole call); the pages name
        authors as people read them, the CLI by their sign-in name."""
        comments: dict[int, list[str]] = {}
        for r in self.reviews:
            if r.kind == "comment":
                who = (r.author_display or r.author) if display_names else r.author
                comments.setdefault(r.turn_index or 0, []).append(f"{who}: {r.text}")
        return comments

    def lines(self) -> list[StoredLine]:
        """Every rep line stored, answered or not, in call order (what a reader of the raw call sees)."""
        said = [StoredLine(t.index, t.rep, t.buyer) for t in self.turns]
        said += [StoredLine(line.index, line.rep, None) for line in self.waiting]
        return sorted(said, key=lambda line: line.index)


class StoredLine(NamedTuple):
    index: int
    rep: str
    buyer: str | None  # None: not answered yet


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """The sessions this viewer may read."""
    if viewer.role == "admin":
        return true()
    if viewer.role == "manager":
        return PracticeSession.user_id.in_(visible_users(viewer))
    return PracticeSession.user_id == viewer.id


def visible_users(viewer: Viewer) -> Select[tuple[int]]:
    """The ids of the users whose calls this viewer may read: everyone (admin), their team (manager), themself."""
    if viewer.role == "admin":
        return select(User.id)
    if viewer.role == "manager":
        return select(User.id).where(User.team_id == viewer.team_id)
    return select(User.id).where(User.id == viewer.id)


def said_something() -> ColumnElement[bool]:
    """The call has at least one rep line: a call ended before a word was said is not listed for
    review, charted or counted."""
    return exists(select(Turn.id).where(Turn.session_id == PracticeSession.id))


def _owned(s: Session, viewer: Viewer, session_id: str, *, lock: bool = False) -> PracticeSession:
    """The viewer's own session, for writing turns; anyone else's is 'not found'. `lock` holds the
    session row until the transaction ends (PostgreSQL), so two writers number their turns in turn."""
    row = s.get(PracticeSession, session_id, with_for_update=lock or None)
    if row is None or row.user_id != viewer.id:
        raise NotFound(f"No practice session {session_id!r}", "start a new call from the practice page")
    return row


def start_session(db: Database, viewer: Viewer, persona_id: str, *, mode: str = "coached", seed: int = 0,
                  assignment_id: int | None = None, rewound_from: str | None = None) -> str:
    """Open a new session for the viewer; returns its id (a retry after a lost reply opens no second one)."""
    if mode not in MODES:
        raise AccessDenied(f"{mode!r} is not a practice mode", f"use one of: {', '.join(MODES)}")
    sid = new_id()

    def work(s: Session) -> str:
        if s.get(PracticeSession, sid) is None:
            s.add(PracticeSession(id=sid, user_id=viewer.id, persona_id=persona_id, mode=mode, seed=seed,
                                  assignment_id=assignment_id, rewound_from=rewound_from))
        return sid
    return db.run(work, write=True)


def record_rep_line(db: Database, viewer: Viewer, session_id: str, index: int, text: str) -> None:
    """Store what the rep said before the buyer is asked, so nothing is lost if the model fails."""
    def work(s: Session) -> None:
        _owned(s, viewer, session_id)
        turn = s.scalar(select(Turn).where(Turn.session_id == session_id, Turn.index == index))
        if turn is None:
            s.add(Turn(session_id=session_id, index=index, rep_text=text))
        elif turn.buyer_text is None:
            turn.rep_text = text  # a retry of an unanswered line
        else:
            raise AccessDenied(f"Turn {index} of this call is already answered", "reload the call to continue")
    db.run(work, write=True)


def queue_rep_line(db: Database, viewer: Viewer, session_id: str, text: str) -> int:
    """Store a rep line as the call's next turn, whatever turn the caller thinks comes next; returns its index.

    Why: a rep can send a line before the buyer has answered the last one (a quick second line, a
    second tab on the same call), and the two must not land on the same turn. The index is taken in
    the same transaction as the write (the session row is locked on PostgreSQL; SQLite writes one at a
    time), so every line gets its own. Safe to repeat: if the newest stored line is this very text and
    still unanswered (a retry after a lost reply, or the same line sent twice), it is not stored again.
    """
    def work(s: Session) -> int:
        _owned(s, viewer, session_id, lock=True)
        last = s.scalar(select(Turn).where(Turn.session_id == session_id).order_by(Turn.index.desc()).limit(1))
        if last is not None and last.buyer_text is None and last.rep_text == text:
            return last.index
        index = last.index + 1 if last is not None else 1
        s.add(Turn(session_id=session_id, index=index, rep_text=text))
        return index
    return db.run(work, write=True)


def record_buyer_reply(db: Database, viewer: Viewer, session_id: str, turn: CallTurn) -> bool:
    """Add the buyer's reply, move and analysis to the rep line stored for `turn.index`.

    Returns False, changing nothing, when that line already has a reply: the first reply stored is the
    one the call keeps (two tabs answering one line, or a retry of a write that did commit).
    """
    analysis = turn.analysis.model_dump(mode="json") if turn.analysis is not None else None

    def work(s: Session) -> bool:
        _owned(s, viewer, session_id)
        row = s.scalar(select(Turn).where(Turn.session_id == session_id, Turn.index == turn.index))
        if row is None:
            row = Turn(session_id=session_id, index=turn.index, rep_text=turn.rep)
            s.add(row)
        elif row.buyer_text is not None:
            return False
        row.rep_text = turn.rep  # cleaned text (control characters removed, long pastes cut)
        row.buyer_text, row.buyer_persona, row.move, row.reason = turn.buyer, turn.buyer_persona, turn.move, turn.reason
        row.attention, row.elapsed_s, row.tags, row.voice = turn.attention, turn.elapsed_s, list(turn.tags), turn.voice
        row.voice_check, row.revealed, row.notice, row.analysis = turn.voice_check, turn.revealed, turn.notice, analysis
        return True
    return db.run(work, write=True)


def finish_session(db: Database, viewer: Viewer, session_id: str, outcome: str, delegated_to: str | None,
                   card: graded.Scorecard) -> None:
    """Close the call and keep its scorecard (replacing an earlier one for the same call)."""
    def work(s: Session) -> None:
        row = _owned(s, viewer, session_id)
        row.ended_at = row.ended_at or now()
        row.outcome, row.delegated_to, row.overall = outcome, delegated_to, card.overall
        old = s.scalar(select(Scorecard).where(Scorecard.session_id == session_id))
        if old is not None:
            s.delete(old)
            for result in s.scalars(select(CriterionResult).where(CriterionResult.session_id == session_id)):
                s.delete(result)
            s.flush()
        s.add_all(CriterionResult(session_id=session_id, criterion_id=c.id, result=c.result) for c in card.criteria)
        stored = card.model_dump(mode="json")
        s.add(Scorecard(session_id=session_id, overall=card.overall, band=card.band, rating=card.rating,
                        outcome=card.outcome, criteria=stored["criteria"], metrics=stored["metrics"],
                        coaching=stored["coaching"], judge=stored["judge"], capped_by=card.capped_by,
                        grader_version=card.grader_version))
    db.run(work, write=True)


def _record(row: PracticeSession, user: User, *, full: bool, s: Any = None) -> SessionRecord:  # noqa: ANN401
    record = SessionRecord(
        id=row.id, user_id=row.user_id, user_name=user.name, user_display=user.display_name,
        persona_id=row.persona_id, mode=row.mode, seed=row.seed, started_at=row.started_at, ended_at=row.ended_at,
        outcome=row.outcome, delegated_to=row.delegated_to, overall=row.overall, assignment_id=row.assignment_id,
        rewound_from=row.rewound_from)
    if full and s is not None:
        rows = s.scalars(select(Turn).where(Turn.session_id == row.id).order_by(Turn.index)).all()
        record.turns = [_turn(t) for t in rows if t.buyer_text is not None]
        record.waiting = [RepLine(index=t.index, rep=t.rep_text) for t in rows if t.buyer_text is None]
        card = s.scalar(select(Scorecard).where(Scorecard.session_id == row.id))
        if card is not None:
            record.scorecard = graded.Scorecard.model_validate(
                {"overall": card.overall, "band": card.band, "rating": card.rating, "outcome": card.outcome,
                 "criteria": card.criteria, "metrics": card.metrics or {}, "coaching": card.coaching or {},
                 "judge": card.judge, "capped_by": card.capped_by, "grader_version": card.grader_version})
        reviews = s.execute(select(Review, User.name, User.display_name).join(User, Review.author_id == User.id)
                            .where(Review.session_id == row.id).order_by(Review.created_at, Review.id)).all()
        record.reviews = [ReviewRecord(id=r.id, author=name, author_display=shown, kind=r.kind,
                                       turn_index=r.turn_index, criterion_id=r.criterion_id,
                                       original_result=r.original_result, new_result=r.new_result, text=r.text,
                                       created_at=r.created_at)
                          for r, name, shown in reviews]
    return record


def _turn(row: Turn) -> CallTurn:
    """A stored answered turn in the engine's shape; an analysis stored by an older release that no
    longer fits today's shape is left out (the words, move and reason are what a reader needs)."""
    try:
        analysis = TurnAnalysis.model_validate(row.analysis) if row.analysis else None
    except ValidationError:
        analysis = None
    return CallTurn(index=row.index, rep=row.rep_text, buyer=row.buyer_text or "", buyer_persona=row.buyer_persona or "",
                    move=row.move or "answer", reason=row.reason or "", attention=row.attention or 0,
                    elapsed_s=row.elapsed_s or 0.0, tags=list(row.tags or []), voice=row.voice or "composed",
                    voice_check=row.voice_check, revealed=row.revealed, notice=row.notice, analysis=analysis)


def get_session(db: Database, viewer: Viewer, session_id: str) -> SessionRecord:
    """One call with its turns, scorecard and reviews, if the viewer may see it (what a resume reads)."""
    def work(s: Session) -> SessionRecord:
        found = s.execute(select(PracticeSession, User).join(User, PracticeSession.user_id == User.id)
                          .where(PracticeSession.id == session_id, visible_to(viewer))).first()
        if found is None:
            raise NotFound(f"No practice session {session_id!r}", "pick a call from your list")
        return _record(found[0], found[1], full=True, s=s)
    return db.run(work)


def my_sessions(db: Database, viewer: Viewer, limit: int = 200) -> list[SessionRecord]:
    """The viewer's own calls, newest first (the rep's history)."""
    def work(s: Session) -> list[SessionRecord]:
        rows = s.execute(select(PracticeSession, User).join(User, PracticeSession.user_id == User.id)
                         .where(PracticeSession.user_id == viewer.id)
                         .order_by(PracticeSession.started_at.desc()).limit(limit)).all()
        return [_record(row, user, full=False) for row, user in rows]
    return db.run(work)


def unfinished_session(db: Database, viewer: Viewer) -> SessionRecord | None:
    """The viewer's most recent call that was never ended (to resume after a refresh or restart)."""
    def work(s: Session) -> SessionRecord | None:
        found = s.execute(select(PracticeSession, User).join(User, PracticeSession.user_id == User.id)
                          .where(PracticeSession.user_id == viewer.id, PracticeSession.ended_at.is_(None))
                          .order_by(PracticeSession.started_at.desc()).limit(1)).first()
        return _record(found[0], found[1], full=True, s=s) if found else None
    return db.run(work)
