"""The tables: teams, users, practice sessions, turns, scorecards, reviews, assignments.

Why here: one schema for SQLite and PostgreSQL, changed only through Alembic migrations
(`coach/db/migrations/`). JSON columns hold the turn analysis and the scorecard as the
grader produced them, so a stored call can be shown and re-graded exactly.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("rep", "manager", "admin")
MODES = ("coached", "exam")


def now() -> datetime:
    """Timezone-aware UTC now (stored as UTC everywhere)."""
    return datetime.now(UTC)


def new_id() -> str:
    """An unguessable id for sessions: a URL holding one reveals nothing about others."""
    return secrets.token_hex(12)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    leaderboard: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # migration 0008


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # the sign-in name
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    team: Mapped[Team | None] = relationship()


class SignInThrottle(Base):
    """Failed sign-ins per name in the current window, shared by every app and CLI process."""

    __tablename__ = "sign_in_throttle"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)  # as typed, normalised; unknown names too
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class SignInToken(Base):
    """A browser kept signed in: the hash of the token in its cookie (the token itself is never stored),
    until it expires or the user signs out (revoked)."""

    __tablename__ = "sign_in_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class PracticeSession(Base):
    __tablename__ = "practice_sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    persona_id: Mapped[str] = mapped_column(String(80), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="coached")
    seed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16), default="open", index=True)
    delegated_to: Mapped[str | None] = mapped_column(String(80))
    overall: Mapped[int | None] = mapped_column(Integer, index=True)  # copied from the scorecard for listing
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    rewound_from: Mapped[str | None] = mapped_column(String(32))
    feedback_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the rep last read its reviews
    user: Mapped[User] = relationship()


class Turn(Base):
    """One rep line and the buyer's reply. Written with `buyer_text` empty before the model is asked."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "index"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # rep turn number, from 1
    rep_text: Mapped[str] = mapped_column(Text)
    buyer_text: Mapped[str | None] = mapped_column(Text)
    buyer_persona: Mapped[str | None] = mapped_column(String(80))
    move: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    attention: Mapped[int | None] = mapped_column(Integer)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    voice: Mapped[str | None] = mapped_column(String(16))
    voice_check: Mapped[str | None] = mapped_column(Text)  # why a model line was not used (migration 0004)
    revealed: Mapped[int | None] = mapped_column(Integer)  # the hidden fact revealed, 0-based (migration 0004)
    notice: Mapped[str | None] = mapped_column(Text)
    analysis: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Scorecard(Base):
    __tablename__ = "scorecards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), unique=True)
    overall: Mapped[int | None] = mapped_column(Integer)
    band: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[list[Any]] = mapped_column()
    metrics: Mapped[dict[str, Any]] = mapped_column()
    coaching: Mapped[dict[str, Any]] = mapped_column()
    judge: Mapped[dict[str, Any] | None] = mapped_column()
    capped_by: Mapped[str | None] = mapped_column(Text)  # what capped the score (migration 0005)
    grader_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CriterionResult(Base):
    """One criterion's result per graded call, as rows, so team trends are one GROUP BY."""

    __tablename__ = "criterion_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[str] = mapped_column(String(64), index=True)
    result: Mapped[str] = mapped_column(String(16))


class Review(Base):
    """A manager's comment on a turn, or an override of a criterion (the original result is kept)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("practice_sessions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # comment | override
    turn_index: Mapped[int | None] = mapped_column(Integer)
    criterion_id: Mapped[str | None] = mapped_column(String(64))
    original_result: Mapped[str | None] = mapped_column(String(16))
    new_result: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    author: Mapped[User] = relationship()


class Assignment(Base):
    """A manager asks a rep to practise with a buyer, in a mode, to a pass mark, by a date."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    persona_id: Mapped[str] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(16), default="exam")
    pass_mark: Mapped[int] = mapped_column(Integer, default=65)
    due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
