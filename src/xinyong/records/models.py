"""Credit records (信用记录) as collected from departments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.catalog.models import RecordType
from xinyong.db import Base, BigId, IdMixin, TimestampMixin
from xinyong.departments.models import Department
from xinyong.subjects.models import Subject


class CreditRecord(IdMixin, TimestampMixin, Base):
    """One record about one subject, of one catalogue type, from one department."""

    __tablename__ = "credit_record"

    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"))
    document_number: Mapped[str] = mapped_column(String(128))
    decision_on: Mapped[dt.date]
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="effective")
    data: Mapped[dict[str, Any]]

    record_type: Mapped[RecordType] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    subject: Mapped[Subject] = relationship()

    __table_args__ = (
        UniqueConstraint("record_type_id", "department_id", "document_number", "subject_id"),
        Index("ix_credit_record_subject", "subject_id", "record_type_id"),
        Index("ix_credit_record_department", "department_id", "decision_on"),
    )
