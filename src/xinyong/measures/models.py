"""ORM models of joint rewards and punishments: measures, checks (触发) and their feedback (反馈)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin, utcnow
from xinyong.measures.definitions import MeasureKind


class Measure(IdMixin, TimestampMixin, Base):
    """One configured measure; `definition` keeps the full parsed configuration."""

    __tablename__ = "measure"

    code: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[MeasureKind] = mapped_column(StrEnumType(MeasureKind, 8))
    mandatory: Mapped[bool]
    definition: Mapped[dict[str, Any]]
    is_active: Mapped[bool] = mapped_column(default=True)


class CreditCheck(IdMixin, Base):
    """A business system asked what applies to a subject for a matter; what it was told is kept as given."""

    __tablename__ = "credit_check"
    __table_args__ = (Index("ix_credit_check_department_time", "department_id", "checked_at"),)

    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"))
    caller: Mapped[str] = mapped_column(String(64))
    matter: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    query: Mapped[dict[str, Any]]
    hit: Mapped[bool] = mapped_column(default=False)
    entry_ids: Mapped[list[Any]]
    measure_codes: Mapped[list[Any]]
    green_channel: Mapped[bool] = mapped_column(default=False)
    feedback_due_on: Mapped[dt.date]


class CheckFeedback(IdMixin, Base):
    """What the business system did with a check (反馈); one per check."""

    __tablename__ = "check_feedback"

    check_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_check.id"), unique=True)
    measures_applied: Mapped[list[Any]]
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    is_typical: Mapped[bool] = mapped_column(default=False)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
