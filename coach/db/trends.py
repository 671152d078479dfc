"""Team trends for managers: score per rep over time, the outcome mix, the criteria most often failed.

Why SQL aggregates: a team's history grows to hundreds of thousands of calls; the page must
answer in well under a second, so the database groups and counts, not Python.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Date, case, cast, func, select

from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.db.models import CriterionResult, PracticeSession, User
from coach.db.practice import said_something, visible_to


class Trends(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: list[tuple[str, str, float, int]]  # (day, rep, average score, calls)
    outcomes: dict[str, int]
    failed: list[tuple[str, int, int]]  # (criterion, calls where it was "no", calls where it was scored)


def _day(db: Database):  # noqa: ANN202 - a SQL expression
    if db.engine.dialect.name == "sqlite":
        return func.date(PracticeSession.started_at)
    return cast(PracticeSession.started_at, Date)


def team_trends(db: Database, viewer: Viewer, since: datetime | None = None) -> Trends:
    """Aggregates over the calls the viewer may see (ended ones with a rep line), optionally since a date."""
    scope = [visible_to(viewer), PracticeSession.ended_at.is_not(None), said_something()]
    if since is not None:
        scope.append(PracticeSession.started_at >= since)
    day = _day(db).label("day")
    with db.transaction() as s:
        scores = s.execute(
            select(day, User.name, func.avg(PracticeSession.overall), func.count())
            .join(User, PracticeSession.user_id == User.id)
            .where(*scope, PracticeSession.overall.is_not(None))
            .group_by(day, User.name).order_by(day)).all()
        outcomes = s.execute(select(PracticeSession.outcome, func.count()).where(*scope)
                             .group_by(PracticeSession.outcome)).all()
        no = func.sum(case((CriterionResult.result == "no", 1), else_=0))
        failed = s.execute(
            select(CriterionResult.criterion_id, no, func.count())
            .join(PracticeSession, CriterionResult.session_id == PracticeSession.id)
            .where(*scope, CriterionResult.result != "unscored")
            .group_by(CriterionResult.criterion_id).order_by(no.desc())).all()
    return Trends(scores=[(str(d), rep, round(float(avg), 1), n) for d, rep, avg, n in scores],
                  outcomes={o: n for o, n in outcomes}, failed=[(c, int(k or 0), n) for c, k, n in failed])

