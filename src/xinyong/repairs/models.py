"""ORM models of credit repair: applications and the notices issued on them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin, utcnow
from xinyong.repairs.states import NoticeKind, RepairStatus, TargetKind


class RepairApplication(IdMixin, TimestampMixin, Base):
    """One application to repair one record or list entry, judged by the rule set in force when submitted."""

    __tablename__ = "repair_application"
    __table_args__ = (
        Index("ix_repair_application_queue", "status", "department_id"),
        Index("ix_repair_application_subject", "subject_id"),
    )

    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[RepairStatus] = mapped_column(StrEnumType(RepairStatus, 16), default=RepairStatus.SUBMITTED)
    target_kind: Mapped[TargetKind] = mapped_column(StrEnumType(TargetKind, 16))
    record_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"))
    # Set while the application is open, cleared when it closes: one open application per target.
    open_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    severity: Mapped[str] = mapped_column(String(8))
    target_label: Mapped[str] = mapped_column(String(300))
    decision_on: Mapped[dt.date]
    earliest_on: Mapped[dt.date]
    rule_effective_on: Mapped[dt.date]
    rule_citation: Mapped[str] = mapped_column(String(300))
    rule_article: Mapped[str] = mapped_column(String(200))
    subject_name: Mapped[str] = mapped_column(String(200))
    id_tail: Mapped[str] = mapped_column(String(4))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text)
    commitment_text: Mapped[str] = mapped_column(Text)
    credit_report_number: Mapped[str | None] = mapped_column(String(64))
    training_certificate: Mapped[str | None] = mapped_column(String(64))
    submitted_on: Mapped[dt.date]
    accept_due_on: Mapped[dt.date]
    decide_due_on: Mapped[dt.date]
    accepted_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    accept_overdue: Mapped[bool] = mapped_column(default=False)
    decide_overdue: Mapped[bool] = mapped_column(default=False)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(64))


class RepairNotice(IdMixin, Base):
    """A numbered document issued on an application (受理通知书, 不予受理通知书, 决定书)."""

    __tablename__ = "repair_notice"

    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("repair_application.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(StrEnumType(NoticeKind, 16))
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
