"""A team's leaderboard: reps ranked by their average score over a period, shown to the team's reps
only when their manager has switched it on.

Why a switch: a leaderboard spurs some teams and sours others; the manager knows which theirs is.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import case, func, select

from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.db.models import PracticeSession, Team, User
from coach.db.practice import said_something
from coach.errors import AccessDenied, UserInputError


class LeaderRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rank: int
    rep: str  # display name
    calls: int  # scored calls in the period
    average: float
    best: int
    advanced: int  # calls that ended with a next step agreed


class Leaderboard(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: bool  # whether the team's reps see it
    rows: list[LeaderRow]


def set_leaderboard(db: Database, viewer: Viewer, on: bool) -> None:
    """A manager switches their team's leaderboard on or off."""
    if viewer.role != "manager":
        raise AccessDenied("Only a team's manager switches its leaderboard", "ask your manager")
    if viewer.team_id is None:
        raise UserInputError("You are not on a team", "ask an admin to put you on one")
    with db.transaction() as s:
        team = s.get(Team, viewer.team_id)
        if team is not None:
            team.leaderboard = on


def leaderboard(db: Database, viewer: Viewer, since: datetime | None = None) -> Leaderboard | None:
    """The viewer's team ranked by average score since a date (ties: more calls first, then name).
    A rep gets it only when it is on; their manager always (to see what the reps would see);
    someone without a team gets None."""
    if viewer.team_id is None or viewer.role not in ("rep", "manager"):
        return None
    scope = [User.team_id == viewer.team_id, User.role == "rep", PracticeSession.ended_at.is_not(None),
             PracticeSession.overall.is_not(None), said_something()]
    if since is not None:
        scope.append(PracticeSession.started_at >= since)
    average = func.avg(PracticeSession.overall)
    with db.transaction() as s:
        team = s.get(Team, viewer.team_id)
        on = bool(team and team.leaderboard)
        if viewer.role == "rep" and not on:
            return None
        rows = s.execute(
            select(User.display_name, func.count(), average, func.max(PracticeSession.overall),
                   func.sum(case((PracticeSession.outcome == "advanced", 1), else_=0)))
            .join(User, PracticeSession.user_id == User.id).where(*scope)
            .group_by(User.id, User.display_name)
            .order_by(average.desc(), func.count().desc(), User.display_name)).all()
    return Leaderboard(on=on, rows=[LeaderRow(rank=i, rep=name, calls=n, average=round(float(avg), 1), best=best,
                                              advanced=int(adv or 0))
                                    for i, (name, n, avg, best, adv) in enumerate(rows, 1)])
