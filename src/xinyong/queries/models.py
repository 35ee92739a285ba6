"""Authorised queries (授权查询): contacts on file, one-time codes, the query log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, BigId, IdMixin, StrEnumType, utcnow
from xinyong.queries.states import QueryChannel


class PersonContact(IdMixin, Base):
    """A natural person's contact for one-time codes: encrypted, with a masked form to show."""

    __tablename__ = "person_contact"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id", ondelete="CASCADE"), unique=True)
    phone_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    phone_masked: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OneTimeCode(IdMixin, Base):
    """A code sent for a self query; only its keyed hash is kept, it expires and works once."""

    __tablename__ = "one_time_code"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    sent_to: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)


class QueryLog(IdMixin, Base):
    """Who looked at whose full record, when, why, on what authority, and a digest of what they saw."""

    __tablename__ = "query_log"

    queried_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    channel: Mapped[QueryChannel] = mapped_column(StrEnumType(QueryChannel, 16))
    actor: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("department.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    authorisation_kind: Mapped[str] = mapped_column(String(16))
    authorisation_ref: Mapped[str] = mapped_column(String(200))
    result_digest: Mapped[str] = mapped_column(String(64))
    result_summary: Mapped[dict[str, Any]]
    client_ip: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_query_log_queried_at", "queried_at"),)
