"""Passwords (argon2id), login tokens (random, stored as SHA-256), expiry and lock-out."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from orebloc.service.store import Token, User, utcnow

_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 "low memory" profile
_DUMMY = _hasher.hash("not a password")  # checked against unknown names so timing says nothing


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginRefused(Exception):
    """Wrong name or password, a disabled account or a locked one (the message says which is safe)."""


def login(
    s: Session, username: str, password: str, hours: float, max_failures: int, lock_minutes: float
) -> tuple[str, dt.datetime, User]:
    """Check the password; on success a new token (returned in clear once) and its expiry.

    After ``max_failures`` wrong passwords in a row the account is locked for ``lock_minutes``;
    a locked or disabled account is refused even with the right password."""
    user = s.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    now = utcnow()
    if user is None:
        _check(_DUMMY, password)
        raise LoginRefused("wrong user name or password")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginRefused("account locked after repeated failures; try again later")
    if not _check(user.password_hash, password):
        user.failures += 1
        if user.failures >= max_failures:
            user.locked_until = now + dt.timedelta(minutes=lock_minutes)
            user.failures = 0
        raise LoginRefused("wrong user name or password")
    if user.disabled:
        raise LoginRefused("account disabled")
    user.failures = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    expires = now + dt.timedelta(hours=hours)
    s.add(Token(token_hash=token_digest(token), user_id=user.id, expires_at=expires))
    return token, expires, user


def _check(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def user_for_token(s: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None (unknown, expired, disabled)."""
    row = s.get(Token, token_digest(token))
    if row is None or row.expires_at <= utcnow():
        return None
    user = s.get(User, row.user_id)
    return None if user is None or user.disabled else user


def logout(s: Session, token: str) -> None:
    s.execute(sa.delete(Token).where(Token.token_hash == token_digest(token)))
