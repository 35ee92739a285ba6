"""Console users, API keys and login sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.accounts.states import ApiKeyStatus, Role, UserStatus
from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin, utcnow
from xinyong.departments.models import Department


class User(IdMixin, TimestampMixin, Base):
    """A person who logs into the console."""

    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 32))
    status: Mapped[UserStatus] = mapped_column(StrEnumType(UserStatus, 16), default=UserStatus.ACTIVE)
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("department.id"), index=True)
    last_login_at: Mapped[dt.datetime | None]

    department: Mapped[Department | None] = relationship(lazy="joined")


class ApiKey(IdMixin, TimestampMixin, Base):
    """A business system's or department's API key; only its hash is stored."""

    __tablename__ = "api_key"

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 32))
    status: Mapped[ApiKeyStatus] = mapped_column(StrEnumType(ApiKeyStatus, 16), default=ApiKeyStatus.ACTIVE)
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("department.id"), index=True)
    last_used_at: Mapped[dt.datetime | None]

    department: Mapped[Department | None] = relationship(lazy="joined")


class LoginSession(IdMixin, Base):
    """A console login; the cookie carries a random token whose hash is stored here."""

    __tablename__ = "login_session"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(lazy="joined")
