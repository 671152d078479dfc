"""Team trends for managers: score per rep over time, the outcome mix, the criteria most often failed.

Why SQL aggregates: a team's history grows to hundreds of thousands of calls; the page must
answer in well under a second, so the database groups and counts, not Python.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Date, case, cast, func, select

from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.errors import NotFound
from coach.db.models import CriterionResult, PracticeSession, Review, User
from coach.db.practice import said_something, visible_to, visible_users


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


class SkillPoint(BaseModel):
    """One criterion in one week: how many of the rep's scored calls passed it (overrides applied)."""

    model_config = ConfigDict(extra="forbid")
    week: str  # the Monday the week starts on, ISO
    criterion: str
    passed: int
    scored: int

    @property
    def rate(self) -> float:
        return round(100 * self.passed / self.scored, 1) if self.scored else 0.0


def skill_profile(db: Database, viewer: Viewer, rep_name: str, since: datetime | None = None) -> list[SkillPoint]:
    """Each criterion's pass rate per week for one rep, as the manager sees the results (a later
    override replaces the grader's answer). Why per week: a day holds a call or two, too few to read
    a rate from; a week shows whether practice is changing a habit. A rep the viewer may not see is
    'not found'."""
    with db.transaction() as s:
        rep = s.scalar(select(User).where(User.name == rep_name, User.id.in_(visible_users(viewer))))
        if rep is None:
            raise NotFound(f"No rep called {rep_name!r} on your team", "pick a rep from the list")
        scope = [PracticeSession.user_id == rep.id, PracticeSession.ended_at.is_not(None), said_something()]
        if since is not None:
            scope.append(PracticeSession.started_at >= since)
        results = {(sid, c): (started, r) for sid, started, c, r in s.execute(
            select(CriterionResult.session_id, PracticeSession.started_at, CriterionResult.criterion_id,
                   CriterionResult.result)
            .join(PracticeSession, CriterionResult.session_id == PracticeSession.id).where(*scope)).all()}
        for sid, c, new in s.execute(
                select(Review.session_id, Review.criterion_id, Review.new_result)
                .join(PracticeSession, Review.session_id == PracticeSession.id)
                .where(*scope, Review.kind == "override").order_by(Review.created_at, Review.id)).all():
            if (sid, c) in results and new:
                results[sid, c] = (results[sid, c][0], new)
    counts: dict[tuple[str, str], list[int]] = {}
    for (_, criterion), (started, result) in results.items():
        if result == "unscored":
            continue
        monday = (started.date() - timedelta(days=started.weekday())).isoformat()
        tally = counts.setdefault((monday, criterion), [0, 0])
        tally[0] += result == "yes"
        tally[1] += 1
    return [SkillPoint(week=w, criterion=c, passed=p, scored=n) for (w, c), (p, n) in sorted(counts.items())]


def pass_rates(points: list[SkillPoint]) -> dict[str, float]:
    """Each criterion's pass rate over all the weeks given, weakest first (for a profile's summary)."""
    totals: dict[str, list[int]] = {}
    for p in points:
        tally = totals.setdefault(p.criterion, [0, 0])
        tally[0] += p.passed
        tally[1] += p.scored
    rates = {c: round(100 * passed / scored, 1) for c, (passed, scored) in totals.items() if scored}
    return dict(sorted(rates.items(), key=lambda item: (item[1], item[0])))
