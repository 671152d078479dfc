"""Local accounts: teams, users with roles, scrypt password hashes, sign-in, the demo team.

Why: reps see their own calls, managers their team's, admins everything; that needs to know
who is asking. Passwords are only ever stored as salted scrypt hashes; a wrong password costs
a short delay so guessing is slow; a new, empty database gets a demo team so a newcomer can
sign in at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from coach.errors import AccessDenied, UserInputError
from coach.store.db import Database
from coach.store.models import ROLES, Team, User

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
WRONG_PASSWORD_DELAY_S = 0.8
MIN_PASSWORD = 8
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
DEMO_TEAM = "demo"
DEMO_PASSWORD = "practice-demo"  # shown on the sign-in page while unchanged
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


def sign_in(db: Database, name: str, password: str, *, delay_s: float = WRONG_PASSWORD_DELAY_S) -> Viewer:
    """The viewer for a correct name and password; a wrong one waits, then says so (not which part)."""
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.name == name.strip().lower(), User.active.is_(True)))
        ok = user is not None and verify_password(password, user.password_hash)
        if not ok:
            time.sleep(delay_s)
            raise AccessDenied("The name or password is not right", "check both and try again")
        return Viewer.of(user)


def viewer_by_id(db: Database, user_id: int) -> Viewer | None:
    """The viewer for a signed-in user id (None if the account is gone or disabled)."""
    with db.transaction() as s:
        user = s.get(User, user_id)
        return Viewer.of(user) if user is not None and user.active else None


def ensure_demo(db: Database) -> list[tuple[str, str, str]] | None:
    """On an empty database, create the demo team; returns (name, role, password) rows, else None."""
    with db.transaction() as s:
        if s.scalar(select(func.count()).select_from(User)):
            return None
    created = []
    for name, display, role in DEMO_USERS:
        add_user(db, name, DEMO_PASSWORD, role=role, team=DEMO_TEAM, display_name=display)
        created.append((name, role, DEMO_PASSWORD))
    return created


def demo_sign_ins(db: Database) -> list[tuple[str, str, str]]:
    """Demo accounts that still have the demo password (shown on the sign-in page)."""
    with db.transaction() as s:
        users = s.scalars(select(User).where(User.name.in_([n for n, _, _ in DEMO_USERS]))).all()
        return [(u.name, u.role, DEMO_PASSWORD) for u in users if verify_password(DEMO_PASSWORD, u.password_hash)]
