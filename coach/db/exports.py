"""Calls as flat rows for a spreadsheet: the review page's and `coach calls export`'s one shape.

Why here: managers take calls out to report on their team, so a row carries what the review
desk shows: who, which buyer, the outcome and score, each criterion's result as the manager
sees it (an override replaces the grader's result), whether anyone has reviewed the call, and,
when asked, the transcript itself.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from coach.db.db import Database
from coach.db.models import CriterionResult, Review, Turn
from coach.db.practice import SessionRecord

CRITERION_PREFIX = "criterion:"
BASE_FIELDS = ("id", "started_at", "ended_at", "rep", "rep_display", "buyer", "buyer_name", "mode", "outcome", "score",
               "reviewed")


def utc(value: datetime | None) -> str | None:
    """ISO time in UTC (SQLite returns naive datetimes; both engines store UTC)."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")


def export_rows(db: Database, records: list[SessionRecord], *, buyer_names: dict[str, str] | None = None,
                transcripts: bool = False) -> list[dict[str, Any]]:
    """One row per call, in the order given. `records` come from a query that already applied the
    viewer's access rules (`team_sessions`); this only adds what the table does not hold."""
    ids = [r.id for r in records]
    results: dict[str, dict[str, str]] = {i: {} for i in ids}
    reviewed: set[str] = set()
    said: dict[str, list[str]] = {i: [] for i in ids}
    with db.transaction() as s:
        for start in range(0, len(ids), 500):  # IN lists stay a sane size
            chunk = ids[start:start + 500]
            for sid, criterion, result in s.execute(select(CriterionResult.session_id, CriterionResult.criterion_id,
                                                           CriterionResult.result)
                                                    .where(CriterionResult.session_id.in_(chunk))).all():
                results[sid][criterion] = result
            for sid, kind, criterion, new in s.execute(
                    select(Review.session_id, Review.kind, Review.criterion_id, Review.new_result)
                    .where(Review.session_id.in_(chunk)).order_by(Review.created_at, Review.id)).all():
                reviewed.add(sid)
                if kind == "override" and criterion and new:
                    results[sid][criterion] = new  # the latest override is what the manager sees
            if transcripts:
                for sid, rep, buyer in s.execute(select(Turn.session_id, Turn.rep_text, Turn.buyer_text)
                                                 .where(Turn.session_id.in_(chunk)).order_by(Turn.session_id,
                                                                                             Turn.index)).all():
                    said[sid] += [f"Rep: {rep}", *([f"Buyer: {buyer}"] if buyer else [])]
    criteria = sorted({c for by_call in results.values() for c in by_call})
    names = buyer_names or {}
    rows = []
    for r in records:
        row: dict[str, Any] = {
            "id": r.id, "started_at": utc(r.started_at), "ended_at": utc(r.ended_at), "rep": r.user_name,
            "rep_display": r.user_display, "buyer": r.persona_id, "buyer_name": names.get(r.persona_id, r.persona_id),
            "mode": r.mode, "outcome": r.outcome, "score": r.overall, "reviewed": r.id in reviewed}
        row.update({f"{CRITERION_PREFIX}{c}": results[r.id].get(c, "") for c in criteria})
        if transcripts:
            row["transcript"] = "\n".join(said[r.id])
        rows.append(row)
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text a spreadsheet opens safely: a cell starting with = + - @ is not run as a formula.
    No rows: the header alone, so a script reading it still finds its columns."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else BASE_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    return buffer.getvalue()
