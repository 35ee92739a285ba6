"""Credit records (信用记录), import batches with their row errors, and the change feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.catalog.models import RecordType
from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin, utcnow
from xinyong.departments.models import Department
from xinyong.records.states import BatchStatus, ChangeKind, Channel, RecordStatus
from xinyong.subjects.models import Subject


class ImportBatch(IdMixin, Base):
    """One submission of records: a file, an upload or an API call."""

    __tablename__ = "import_batch"

    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"), index=True)
    channel: Mapped[Channel] = mapped_column(StrEnumType(Channel, 16))
    status: Mapped[BatchStatus] = mapped_column(StrEnumType(BatchStatus, 16), default=BatchStatus.PROCESSING)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(32))
    submitted_by: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    received: Mapped[int] = mapped_column(default=0)
    accepted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    revoked: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
    flagged: Mapped[int] = mapped_column(default=0)
    notes: Mapped[list[Any]] = mapped_column(default=list)
    failure: Mapped[str | None] = mapped_column(Text)

    record_type: Mapped[RecordType] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")


class ImportRowError(IdMixin, Base):
    """One problem with one row of a batch, as shown to the clerk (personal values masked)."""

    __tablename__ = "import_error"

    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int]
    field_code: Mapped[str] = mapped_column(String(40))
    field_label: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(500))


class CreditRecord(IdMixin, TimestampMixin, Base):
    """One version of one record about one subject, of one catalogue type, from one department."""

    __tablename__ = "credit_record"

    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("department.id"))
    # sha256 of type + department + 决定文书号 + subject: the identity of a record across versions.
    natural_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    status: Mapped[RecordStatus] = mapped_column(StrEnumType(RecordStatus, 16), default=RecordStatus.EFFECTIVE)
    supersedes_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    document_number: Mapped[str] = mapped_column(String(128))
    decision_on: Mapped[dt.date]
    severity: Mapped[str] = mapped_column(String(8))
    # Public-safe field values (personal ones masked); the personal originals only encrypted.
    data: Mapped[dict[str, Any]]
    private_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    batch_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("import_batch.id"), index=True)
    source_row: Mapped[int | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(64), default="system")
    report_due_on: Mapped[dt.date | None]
    reported_late: Mapped[bool] = mapped_column(default=False)
    publish_from: Mapped[dt.date | None]
    publish_until: Mapped[dt.date | None]
    withdrawn_at: Mapped[dt.datetime | None]
    expired_at: Mapped[dt.datetime | None]
    # Set when a credit repair is approved (F8): the record leaves publication and sharing.
    repaired_at: Mapped[dt.datetime | None]
    name_mismatch: Mapped[bool] = mapped_column(default=False)
    # 异议处理中 (F7): set while an objection on this version is open; raw bulk inserts rely on the server default.
    under_objection: Mapped[bool] = mapped_column(default=False, server_default=false())

    record_type: Mapped[RecordType] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
    subject: Mapped[Subject] = relationship()
    batch: Mapped[ImportBatch | None] = relationship()

    __table_args__ = (
        UniqueConstraint("natural_key", "version"),  # also serves lookups of the current version by key
        Index("ix_credit_record_subject", "subject_id", "record_type_id"),
        Index("ix_credit_record_department", "department_id", "decision_on"),
        Index("ix_credit_record_publish", "record_type_id", "publish_until"),
    )


class ChangeEvent(IdMixin, Base):
    """Append-only change feed entry; the id is the cursor (never updated or deleted).

    `topic` says what changed: a credit record version ("record") or a list entry ("list").
    """

    __tablename__ = "change_event"

    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    topic: Mapped[str] = mapped_column(String(16), default="record", server_default="record")
    kind: Mapped[ChangeKind] = mapped_column(StrEnumType(ChangeKind, 16))
    record_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"))
    list_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("list_entry.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    record_type_code: Mapped[str] = mapped_column(String(32))  # or the list type code
    natural_key: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int | None]


class SubjectNameReview(IdMixin, Base):
    """A record named a known subject differently: kept for a person to review, never merged silently."""

    __tablename__ = "subject_name_review"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    reported_name: Mapped[str] = mapped_column(String(200))
    registered_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]

    __table_args__ = (UniqueConstraint("subject_id", "reported_name"),)
