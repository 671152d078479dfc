"""Benchmark of the manager pages' queries on a large history. Prints numbers; asserts nothing.

Generates N sessions (default 100,000) of 20 turns each (2M turns), with scorecards and
criterion rows, for 10 teams of 10 reps, in SQLite and in a throwaway PostgreSQL server; then
times, as a manager, the team table (newest 500, and filtered by score), one session view and
the trends query. Goal: each < 300 ms.

    .venv/bin/python bench/dashboard.py [--sessions 100000] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coach.db import Database, SessionFilter, get_session, team_sessions, team_trends  # noqa: E402
from coach.db.accounts import Viewer, add_user  # noqa: E402
from coach.db.models import CriterionResult, PracticeSession, Scorecard, Turn  # noqa: E402

CRITERIA = ["opened_on_their_agenda", "relevant_to_title", "real_discovery_with_follow_up", "tied_to_a_priority",
            "value_backed_by_case_note", "no_pitch_before_discovery", "plain_and_brief",
            "insight_tested_with_question", "respected_the_time", "next_step_with_executive", "no_unsupported_claims"]
PERSONAS = ["cfo_meridian", "coo_halvorsen", "cio_brightwater", "ceo_castellan", "vpsales_kestrel", "cfo_tidewater"]
OUTCOMES = ["advanced", "open", "delegated", "disengaged", "timed_out"]
TURNS = 20
BATCH = 2000


def fill(db: Database, sessions: int) -> tuple[Viewer, str]:
    """Teams, users and the generated history; returns a manager of team 0 and one of its session ids."""
    rng = random.Random(7)
    managers, reps = [], []
    for team in range(10):
        managers.append(add_user(db, f"mgr{team}", "password-123", role="manager", team=f"team{team}"))
        reps += [add_user(db, f"rep{team}-{n}", "password-123", role="rep", team=f"team{team}") for n in range(10)]
    start = datetime.now(UTC) - timedelta(minutes=7 * sessions + 60)  # the history ends now
    sample = ""
    with db.engine.begin() as conn:
        for first in range(0, sessions, BATCH):
            rows, turns, cards, results = [], [], [], []
            for n in range(first, min(first + BATCH, sessions)):
                sid = f"s{n:09d}"
                rep = reps[n % len(reps)]
                score = rng.randint(5, 95)
                outcome = rng.choice(OUTCOMES)
                when = start + timedelta(minutes=7 * n)
                rows.append({"id": sid, "user_id": rep.id, "persona_id": PERSONAS[n % 6], "mode": "coached",
                             "seed": n, "started_at": when, "ended_at": when + timedelta(minutes=20),
                             "outcome": outcome, "overall": score})
                turns += [{"session_id": sid, "index": i, "rep_text": f"Rep line {i} of call {n}: what matters "
                           "most to you this quarter, and how is the forecast holding up?",
                           "buyer_text": "Margin and cash. The forecast missed by $22M twice.",
                           "buyer_persona": PERSONAS[n % 6], "move": "answer", "reason": "a real question (+4)",
                           "attention": 60, "elapsed_s": 40.0 * i, "tags": ["discovery"], "voice": "composed",
                           "analysis": {"words": 18, "questions": 1, "tags": ["discovery"]},
                           "created_at": when} for i in range(1, TURNS + 1)]
                verdicts = [rng.choice(["yes", "no", "no", "unscored"]) for _ in CRITERIA]
                cards.append({"session_id": sid, "overall": score, "band": "solid", "rating": 3, "outcome": outcome,
                              "criteria": [{"id": c, "result": r} for c, r in zip(CRITERIA, verdicts, strict=True)],
                              "metrics": {"questions": 4}, "coaching": {}, "grader_version": "bench",
                              "created_at": when})
                results += [{"session_id": sid, "criterion_id": c, "result": r}
                            for c, r in zip(CRITERIA, verdicts, strict=True)]
                if rep.team_id == managers[0].team_id:
                    sample = sid
            conn.execute(insert(PracticeSession), rows)
            conn.execute(insert(Turn), turns)
            conn.execute(insert(Scorecard), cards)
            conn.execute(insert(CriterionResult), results)
            print(f"\r  generated {min(first + BATCH, sessions):,} sessions", end="", flush=True)
    print()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:  # fresh bulk-loaded tables have no planner statistics yet
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return managers[0], sample


def timed(action, runs: int = 7) -> str:  # noqa: ANN001
    action()  # warm
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return f"p50 {statistics.median(samples):7.1f} ms  max {max(samples):7.1f} ms"


def run(name: str, db: Database, sessions: int) -> None:
    started = time.perf_counter()
    manager, sample = fill(db, sessions)
    print(f"{name}: generated {sessions:,} sessions / {sessions * TURNS:,} turns in "
          f"{time.perf_counter() - started:.0f} s")
    print(f"  team table (newest 500)      {timed(lambda: team_sessions(db, manager))}")
    print(f"  team table (score 80-100)    {timed(lambda: team_sessions(db, manager, SessionFilter(min_score=80)))}")
    print(f"  one session view             {timed(lambda: get_session(db, manager, sample))}")
    print(f"  trends (last 90 days)        "
          f"{timed(lambda: team_trends(db, manager, datetime.now(UTC) - timedelta(days=90)))}")
    print(f"  trends (all time)            {timed(lambda: team_trends(db, manager), runs=3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sqlite"):
            db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
            run("SQLite", db, args.sessions)
            db.close()
    if args.only in (None, "postgresql"):
        from tests.pg import TempPostgres

        server = TempPostgres()
        try:
            db = Database(server.fresh_database("bench"))
            run("PostgreSQL", db, args.sessions)
            db.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
