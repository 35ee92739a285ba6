"""ORM models of objections (异议) and the notices issued on them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin, utcnow
from xinyong.objections.states import ApplicantKind, NoticeKind, ObjectionStatus, Remedy, TargetKind


class Objection(IdMixin, TimestampMixin, Base):
    """One objection to one record or list entry, routed to the department that produced it."""

    __tablename__ = "objection"
    __table_args__ = (
        Index("ix_objection_department_status", "department_id", "status"),
        Index("ix_objection_status_due", "status", "decide_due_on"),
        Index("ix_objection_applicant", "applicant_document_hash", "status"),
    )

    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[ObjectionStatus] = mapped_column(StrEnumType(ObjectionStatus, 16), default=ObjectionStatus.SUBMITTED)
    target_kind: Mapped[TargetKind] = mapped_column(StrEnumType(TargetKind, 16))
    record_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"))
    applicant_kind: Mapped[ApplicantKind] = mapped_column(StrEnumType(ApplicantKind, 16))
    applicant_name: Mapped[str] = mapped_column(String(100))
    # The applicant's ID number is never stored: a keyed hash (duplicates), a masked form and the tail (status page).
    applicant_document_hash: Mapped[str] = mapped_column(String(64))
    applicant_document_masked: Mapped[str] = mapped_column(String(40))
    applicant_id_tail: Mapped[str] = mapped_column(String(4))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_address: Mapped[str | None] = mapped_column(String(200))
    claim: Mapped[str] = mapped_column(Text)
    request_text: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_on: Mapped[dt.date]
    accept_due_on: Mapped[dt.date]
    decide_due_on: Mapped[dt.date]
    extended_at: Mapped[dt.datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    accepted_at: Mapped[dt.datetime | None]
    accepted_late: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[dt.datetime | None]
    decided_late: Mapped[bool] = mapped_column(default=False)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    remedy: Mapped[Remedy | None] = mapped_column(StrEnumType(Remedy, 16))
    corrected_record_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"))


class ObjectionNotice(IdMixin, Base):
    """A numbered document issued to the applicant; its text is kept as issued."""

    __tablename__ = "objection_notice"

    objection_id: Mapped[int] = mapped_column(BigId, ForeignKey("objection.id"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(StrEnumType(NoticeKind, 16))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
