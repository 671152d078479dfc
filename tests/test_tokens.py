"""Staying signed in across a refresh: tokens that expire, are revoked on sign-out and stop with the account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from coach.db import add_user, sign_in
from coach.db.models import SignInToken, User
from coach.db.tokens import keep_signed_in, sign_out_token, viewer_for_token
from tests.store.conftest import db, postgres_server  # noqa: F401 - the store fixtures: real SQLite and PostgreSQL

PASSWORD = "tokens-pass-1"


def test_a_token_signs_the_browser_in_until_sign_out_revokes_it(db):
    add_user(db, "tia", PASSWORD, role="rep", team="east")
    viewer = sign_in(db, "tia", PASSWORD, delay_s=0)
    token = keep_signed_in(db, viewer)
    assert viewer_for_token(db, token).id == viewer.id
    other = keep_signed_in(db, viewer)  # a second browser
    sign_out_token(db, token)
    assert viewer_for_token(db, token) is None  # a copied cookie signs nobody in any more
    assert viewer_for_token(db, other).id == viewer.id
    stored = db.run(lambda s: list(s.scalars(select(SignInToken.token_hash))))
    assert token not in stored and other not in stored  # only hashes are kept


def test_an_expired_unknown_or_disabled_token_signs_nobody_in(db):
    add_user(db, "tom", PASSWORD, role="rep", team="east")
    viewer = sign_in(db, "tom", PASSWORD, delay_s=0)
    expired = keep_signed_in(db, viewer, valid_for=timedelta(seconds=-1))
    assert viewer_for_token(db, expired) is None
    assert viewer_for_token(db, "not-a-token") is None and viewer_for_token(db, None) is None
    assert viewer_for_token(db, "x" * 5000) is None
    live = keep_signed_in(db, viewer)
    db.run(lambda s: s.execute(update(User).where(User.name == "tom").values(active=False)), write=True)
    assert viewer_for_token(db, live) is None
