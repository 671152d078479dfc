"""Staying signed in: a random token in a browser cookie, its hash in the database, until it expires
or the user signs out.

Why server-side tokens: a refresh or a link must not sign the user out, and signing out must end the
session everywhere the cookie was copied; the database holds only a hash, so a leaked table signs
nobody in. A disabled account's tokens stop working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from coach.db.accounts import Viewer
from coach.db.db import Database
from coach.db.models import SignInToken, User, now

SIGNED_IN_FOR = timedelta(hours=12)  # a working day; then the user signs in again


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep_signed_in(db: Database, viewer: Viewer, valid_for: timedelta = SIGNED_IN_FOR) -> str:
    """A new token for this browser (shown once, stored only as a hash); expired tokens are cleared."""
    token = secrets.token_urlsafe(32)
    stamp = now()

    def work(s: Session) -> None:
        s.execute(delete(SignInToken).where(SignInToken.expires_at <= stamp))
        s.add(SignInToken(token_hash=_hash(token), user_id=viewer.id, created_at=stamp, expires_at=stamp + valid_for))

    db.run(work, write=True)
    return token


def viewer_for_token(db: Database, token: str | None) -> Viewer | None:
    """Who a browser's token signs in: None when it is unknown, expired, revoked or the account disabled."""
    if not token or len(token) > 200:
        return None
    with db.transaction() as s:
        row = s.execute(select(SignInToken, User).join(User, User.id == SignInToken.user_id)
                        .where(SignInToken.token_hash == _hash(token))).first()
        if row is None:
            return None
        stored, user = row
        expires = stored.expires_at if stored.expires_at.tzinfo else stored.expires_at.replace(tzinfo=UTC)
        if stored.revoked or expires <= datetime.now(UTC) or not user.active:
            return None
        return Viewer.of(user)


def sign_out_token(db: Database, token: str | None) -> None:
    """Revoke a browser's token, so a copied cookie signs nobody in any more."""
    if token:
        db.run(lambda s: s.execute(update(SignInToken).where(SignInToken.token_hash == _hash(token))
                                   .values(revoked=True)), write=True)
