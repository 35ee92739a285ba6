"""Audit events and workflow state history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, BigId, IdMixin, utcnow


class AuditEvent(IdMixin, Base):
    """Something a person, system or job did; never updated or deleted.

    Events form one hash chain: `seq` is the position (1, 2, 3…), `prev_hash` the hash of the event
    before it and `hash` the sha256 of this event's canonical fields (xinyong.audit.chain).
    """

    __tablename__ = "audit_event"

    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seq: Mapped[int] = mapped_column(BigId, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_entity", "entity_type", "entity_id"),)


class StateTransition(IdMixin, Base):
    """One move of a stateful thing from one status to another."""

    __tablename__ = "state_transition"

    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_state_transition_entity", "entity_type", "entity_id"),)
