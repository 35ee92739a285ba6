"""Every query about users, API keys and login sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, LoginSession, User


def get_user_by_username(session: Session, username: str) -> User | None:
    """User by login name."""
    return session.scalars(select(User).where(User.username == username)).first()


def list_users(session: Session) -> Sequence[User]:
    """All console users."""
    return session.scalars(select(User).order_by(User.username)).all()


def get_api_key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """API key by the hash of its secret."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def get_api_key(session: Session, key_id: int) -> ApiKey | None:
    """API key by id."""
    return session.get(ApiKey, key_id)


def list_api_keys(session: Session) -> Sequence[ApiKey]:
    """All API keys, newest first."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id.desc())).all()


def get_login_session(session: Session, token_hash: str) -> LoginSession | None:
    """Login session by the hash of its cookie token."""
    return session.scalars(select(LoginSession).where(LoginSession.token_hash == token_hash)).first()


def delete_expired_sessions(session: Session, now: dt.datetime) -> int:
    """Remove login sessions past their expiry."""
    return session.execute(delete(LoginSession).where(LoginSession.expires_at < now)).rowcount or 0
