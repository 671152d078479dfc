"""Local accounts: teams, users with roles, scrypt password hashes, sign-in, the demo team.

Why: reps see their own calls, managers their team's, admins everything; that needs to know
who is asking. Passwords are only ever stored as salted scrypt hashes; a wrong password costs
a short delay, and after a few failures in a window the name is locked until the window ends
(counted in the database, so the limit holds across every app and CLI process); a new, empty
database gets a demo team so a newcomer can sign in at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from coach.errors import AccessDenied, UserInputError
from coach.db.db import Database
from coach.db.models import ROLES, SignInThrottle, Team, User, now

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
WRONG_PASSWORD_DELAY_S = 0.8
MAX_FAILURES = 5  # failed sign-ins per name within WINDOW; the next attempts are refused until it ends
WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
DEMO_TEAM = "demo"
DEMO_PASSWORD = "practice-demo"  # shown on the sign-in page while unchanged
DEMO_LOCK_KEY = 7_305_117  # the advisory lock that serialises creating the demo team on PostgreSQL
DEMO_USERS = (("manager", "Morgan Reyes (manager)", "manager"), ("rep1", "Alex Chen", "rep"),
              ("rep2", "Sam Patel", "rep"))


@dataclass(frozen=True)
class Viewer:
    """Who is asking: every store query takes one and filters by it."""

    id: int
    name: str
    display_name: str
    role: str
    team_id: int | None

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(user.id, user.name, user.display_name, user.role, user.team_id)


class SignInLocked(AccessDenied):
    """Too many failed sign-ins for one name; `until` (UTC) is when it may try again."""

    def __init__(self, name: str, until: datetime, *,
                 problem: str = "Too many failed sign-ins for this account") -> None:
        self.until = until
        minutes = max(1, math.ceil((until - now()).total_seconds() / 60))
        who = name if NAME.match(name) else "NAME"
        super().__init__(f"{problem}: try again after {until:%H:%M} UTC (in {minutes} minute(s))",
                         f"wait until then, or ask an admin to reset it with `coach users passwd {who}`")


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing so the cost can be raised later."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    encode = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of a password against a stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not NAME.match(name):
        raise UserInputError(f"{name!r} is not a usable user name",
                             "use 2-40 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserInputError(f"The password is too short ({len(password)} characters)",
                             f"use at least {MIN_PASSWORD} characters")


def team_named(db: Database, name: str, *, create: bool = True) -> int:
    """The id of a team, created on first use."""
    name = _check_name(name)
    with db.transaction() as s:
        team = s.scalar(select(Team).where(Team.name == name))
        if team is None:
            if not create:
                raise UserInputError(f"There is no team {name!r}", "check `coach users list` for team names")
            team = Team(name=name)
            s.add(team)
            s.flush()
        return team.id


def add_user(db: Database, name: str, password: str, *, role: str = "rep", team: str | None = None,
             display_name: str | None = None) -> Viewer:
    """Create an account. Reps and managers belong to a team; admins may have none."""
    name = _check_name(name)
    if role not in ROLES:
        raise UserInputError(f"{role!r} is not a role", f"use one of: {', '.join(ROLES)}")
    if role != "admin" and not team:
        raise UserInputError(f"A {role} needs a team", "add --team NAME (the team is created if new)")
    _check_password(password)
    team_id = team_named(db, team) if team else None
    with db.transaction() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise UserInputError(f"The user {name!r} already exists", "pick another name, or `coach users passwd`")
        user = User(name=name, display_name=(display_name or name).strip()[:120], role=role, team_id=team_id,
                    password_hash=hash_password(password))
        s.add(user)
        s.flush()
        return Viewer.of(user)


def set_password(db: Database, name: str, password: str) -> None:
    """Replace a user's password."""
    _check_password(password)
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.name == _check_name(name)))
        if user is None:
            raise UserInputError(f"There is no user {name!r}", "check the name with `coach users list`")
        user.password_hash = hash_password(password)
    _clear_attempts(db, user.name)  # an admin's reset also lifts a sign-in lock


def list_users(db: Database) -> list[tuple[Viewer, str | None]]:
    """Every account with its team name."""
    with db.transaction() as s:
        rows = s.execute(select(User, Team.name).outerjoin(Team, User.team_id == Team.id).order_by(User.name))
        return [(Viewer.of(user), team) for user, team in rows]


def team_members(db: Database, viewer: Viewer) -> list[Viewer]:
    """The reps a manager may assign to (an admin: every rep)."""
    query = select(User).where(User.role == "rep", User.active.is_(True)).order_by(User.name)
    if viewer.role == "manager":
        query = query.where(User.team_id == viewer.team_id)
    elif viewer.role != "admin":
        return []
    with db.transaction() as s:
        return [Viewer.of(u) for u in s.scalars(query)]


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _count_attempt(db: Database, name: str) -> tuple[int, datetime]:
    """Count one sign-in attempt for `name` in one atomic upsert; returns (attempts in the window, window start).

    Why before the password check: concurrent attempts from several processes each take a
    number, so no more than MAX_FAILURES passwords are ever tried per window.
    """
    stamp = now()
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    upsert = insert(SignInThrottle).values(name=name, failures=1, window_start=stamp)
    upsert = upsert.on_conflict_do_update(index_elements=["name"],
                                          set_={"failures": SignInThrottle.failures + 1})

    def work(s: Session) -> tuple[int, datetime]:
        s.execute(delete(SignInThrottle).where(SignInThrottle.window_start <= stamp - WINDOW))  # ended windows
        s.execute(upsert)
        failures, since = s.execute(select(SignInThrottle.failures, SignInThrottle.window_start)
                                    .where(SignInThrottle.name == name)).one()
        return failures, _aware(since)

    return db.run(work, write=True)  # rolled back before any retry, so an attempt is counted once


def _clear_attempts(db: Database, name: str) -> None:
    db.run(lambda s: s.execute(delete(SignInThrottle).where(SignInThrottle.name == name)), write=True)


@cache
def _decoy_hash() -> str:
    """Checked when the name is unknown, so a wrong name costs as long as a wrong password."""
    return hash_password(secrets.token_hex(8))


def sign_in(db: Database, name: str, password: str, *, delay_s: float = WRONG_PASSWORD_DELAY_S) -> Viewer:
    """The viewer for a correct name and password; a wrong one waits, then says so (not which part).

    After MAX_FAILURES failures within WINDOW the name is refused, even with the right password,
    until the window ends or an admin sets a new password; a success clears the count.
    """
    key = name.strip().lower()[:80]
    attempts, since = _count_attempt(db, key)
    if attempts > MAX_FAILURES:
        time.sleep(delay_s)
        raise SignInLocked(key, since + WINDOW)
    user = db.run(lambda s: s.scalar(select(User).where(User.name == key, User.active.is_(True))))
    hashed = user.password_hash if user is not None else _decoy_hash()
    viewer = Viewer.of(user) if verify_password(password, hashed) and user is not None else None
    if viewer is not None:
        _clear_attempts(db, key)
        return viewer
    time.sleep(delay_s)
    if attempts == MAX_FAILURES:
        raise SignInLocked(key, since + WINDOW, problem=f"The name or password is not right, {MAX_FAILURES} times "
                                                        f"in {WINDOW.seconds // 60} minutes, so sign-in is locked")
    raise AccessDenied("The name or password is not right", "check both and try again")


def viewer_by_id(db: Database, user_id: int) -> Viewer | None:
    """The viewer for a signed-in user id (None if the account is gone or disabled)."""
    with db.transaction() as s:
        user = s.get(User, user_id)
        return Viewer.of(user) if user is not None and user.active else None


def ensure_demo(db: Database) -> list[tuple[str, str, str]] | None:
    """On an empty database, create the demo team; returns (name, role, password) rows, else None.

    One unit of work, so app processes starting together on an empty database create the team
    once: PostgreSQL serialises them on an advisory lock, SQLite on its write lock.
    """
    hashes = {name: hash_password(DEMO_PASSWORD) for name, _, _ in DEMO_USERS}  # slow: outside the lock

    def work(s: Session) -> list[tuple[str, str, str]] | None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEMO_LOCK_KEY})
        if s.scalar(select(func.count()).select_from(User)):
            return None
        team = s.scalar(select(Team).where(Team.name == DEMO_TEAM)) or Team(name=DEMO_TEAM)
        s.add(team)
        s.flush()
        for name, display, role in DEMO_USERS:
            s.add(User(name=name, display_name=display, role=role, team_id=team.id, password_hash=hashes[name]))
        return [(name, role, DEMO_PASSWORD) for name, _, role in DEMO_USERS]

    return db.run(work, write=True)


def demo_sign_ins(db: Database) -> list[tuple[str, str, str]]:
    """Demo accounts that still have the demo password (shown on the sign-in page)."""
    with db.transaction() as s:
        users = s.scalars(select(User).where(User.name.in_([n for n, _, _ in DEMO_USERS]))).all()
        return [(u.name, u.role, DEMO_PASSWORD) for u in users if verify_password(DEMO_PASSWORD, u.password_hash)]
