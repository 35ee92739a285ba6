"""Issued credit reports (信用报告): what was issued, to whom, and the fingerprint of the file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db import Base, BigId, IdMixin, utcnow
from xinyong.subjects.models import Subject


class CreditReport(IdMixin, Base):
    """One issued report file; the file itself is not kept, only its sha256 for verification."""

    __tablename__ = "credit_report"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    verification_code: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    edition: Mapped[str] = mapped_column(String(16), default="public")
    channel: Mapped[str] = mapped_column(String(16))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    data_cutoff_at: Mapped[dt.datetime]
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]

    subject: Mapped[Subject] = relationship()
