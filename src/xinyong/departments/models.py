"""Departments (部门): government agencies that report records and hold users."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db import Base, BigId, IdMixin, TimestampMixin
from xinyong.subjects.models import Subject


class Department(IdMixin, TimestampMixin, Base):
    """A reporting department; it is also a subject of kind 政府机构 (F12)."""

    __tablename__ = "department"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), unique=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)

    subject: Mapped[Subject] = relationship(lazy="joined")
