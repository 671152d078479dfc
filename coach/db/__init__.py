"""The database: accounts, practice sessions, turns, scorecards and reviews (SQLite or PostgreSQL).

Pages and commands call these functions; every query takes the `Viewer` asking, and the
access rules live in the queries.
"""

from __future__ import annotations

from coach.config import Settings
from coach.db.accounts import (SignInLocked, Viewer, add_user, demo_sign_ins, ensure_demo, list_users, set_password,
                                  sign_in, team_members, viewer_by_id)
from coach.db.db import Database
from coach.db.practice import (SessionRecord, finish_session, get_session, my_sessions, queue_rep_line,
                                  record_buyer_reply, record_rep_line, start_session, unfinished_session)
from coach.db.trends import SkillPoint, Trends, pass_rates, skill_profile, team_trends
from coach.db.inbox import Inbox, inbox, mark_feedback_read
from coach.db.leaderboard import Leaderboard, LeaderRow, leaderboard, set_leaderboard
from coach.db.review import (AssignmentStatus, SessionFilter, add_comment, assign, assignments,
                                override_criterion, remove_assignment, team_sessions, update_assignment)


def open_database(settings: Settings) -> Database:
    """The database named by the settings, migrated to the current schema."""
    return Database(settings.effective_database_url)


__all__ = ["AssignmentStatus", "Database", "Inbox", "inbox", "mark_feedback_read", "remove_assignment", "SessionFilter", "SessionRecord", "SignInLocked", "Viewer", "add_comment",
           "add_user", "assign", "assignments", "demo_sign_ins", "ensure_demo", "finish_session", "get_session",
           "list_users", "my_sessions", "open_database", "override_criterion", "queue_rep_line", "record_buyer_reply",
           "record_rep_line", "set_password", "sign_in", "SkillPoint", "skill_profile", "pass_rates", "Leaderboard", "LeaderRow", "leaderboard", "set_leaderboard", "start_session", "team_members", "team_sessions", "team_trends", "Trends",
           "unfinished_session", "update_assignment",
           "viewer_by_id"]
