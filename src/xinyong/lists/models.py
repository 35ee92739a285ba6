"""ORM models of lists (名单): types, entries, exit announcements, webhooks and their deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin, utcnow
from xinyong.lists.definitions import Domain, ExitReason, ListKind
from xinyong.lists.states import DeliveryStatus, EntryStatus


class ListType(IdMixin, TimestampMixin, Base):
    """A configured list type; `definition` keeps the full parsed configuration."""

    __tablename__ = "list_type"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ListKind] = mapped_column(StrEnumType(ListKind, 16), index=True)
    domain: Mapped[Domain] = mapped_column(StrEnumType(Domain, 16))
    definition: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)


class ListTypeDepartment(IdMixin, Base):
    """A department allowed to recognise entries of a list type (the credit office may act on all)."""

    __tablename__ = "list_type_department"
    __table_args__ = (UniqueConstraint("list_type_id", "department_id"),)

    list_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_type.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ListEntry(IdMixin, TimestampMixin, Base):
    """One subject on one list, with the content seed 002 三(二)3 requires and its later history."""

    __tablename__ = "list_entry"
    __table_args__ = (
        Index("ix_list_entry_subject", "subject_id", "status"),
        Index("ix_list_entry_status_until", "status", "valid_until"),
        Index("ix_list_entry_type_status", "list_type_id", "status"),
    )

    list_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_type.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(StrEnumType(EntryStatus, 16), default=EntryStatus.PROPOSED)
    # What the public sees is a snapshot taken at proposal: a later rename does not rewrite a publication.
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_code: Mapped[str | None] = mapped_column(String(18))
    subject_masked_id: Mapped[str | None] = mapped_column(String(40))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    facts: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    recognised_on: Mapped[dt.date]
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    publish_due_on: Mapped[dt.date | None]
    notice_text: Mapped[str | None] = mapped_column(Text)
    notice_delivered_on: Mapped[dt.date | None]
    objection_until: Mapped[dt.date | None]
    effective_at: Mapped[dt.datetime | None]
    exited_at: Mapped[dt.datetime | None]
    exit_reason: Mapped[ExitReason | None] = mapped_column(StrEnumType(ExitReason, 32))
    exit_note: Mapped[str | None] = mapped_column(Text)
    source_record_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"), index=True)
    derived_from_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    derivation: Mapped[str | None] = mapped_column(String(32))
    under_objection: Mapped[bool] = mapped_column(default=False, server_default=false())  # 异议处理中 (F7)
    created_by: Mapped[str] = mapped_column(String(64))

    list_type: Mapped[ListType] = relationship(lazy="joined")


class ListAnnouncement(IdMixin, Base):
    """A public announcement of an entry's exit (退出公告), published through the original channel."""

    __tablename__ = "list_announcement"

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"), unique=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class Webhook(IdMixin, TimestampMixin, Base):
    """A department's receiver of list changes in its domains; payloads are signed with its secret."""

    __tablename__ = "webhook"

    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    domains: Mapped[list[Any]]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(64))


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One change event for one webhook: retried with backoff, every attempt counted (at-least-once)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("webhook_id", "change_event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    webhook_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook.id"))
    change_event_id: Mapped[int] = mapped_column(BigId, ForeignKey("change_event.id"))
    status: Mapped[DeliveryStatus] = mapped_column(StrEnumType(DeliveryStatus, 16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[dt.datetime | None]
