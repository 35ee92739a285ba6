"""Credit subjects: organisations, individual businesses, persons, agencies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db import Base, BigId, IdMixin, StrEnumType, TimestampMixin
from xinyong.subjects.states import SubjectKind


class Subject(IdMixin, TimestampMixin, Base):
    """A company, organisation, individual business, person or government agency."""

    __tablename__ = "subject"

    kind: Mapped[SubjectKind] = mapped_column(StrEnumType(SubjectKind, 16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_initials: Mapped[str] = mapped_column(String(200), default="", index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    lei: Mapped[str | None] = mapped_column(String(20), unique=True)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    registered_on: Mapped[dt.date | None]
    is_agency: Mapped[bool] = mapped_column(default=False)
    legal_representative_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    # Natural persons: the document number is only ever stored encrypted, plus a keyed
    # hash for lookups and a masked form for display (DESIGN F15).
    document_type: Mapped[str | None] = mapped_column(String(32))
    document_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    document_hash: Mapped[str | None] = mapped_column(String(64))
    document_masked: Mapped[str | None] = mapped_column(String(40))

    legal_representative: Mapped[Subject | None] = relationship(remote_side="Subject.id", lazy="joined", join_depth=1)
    occupations: Mapped[list[SubjectOccupation]] = relationship(back_populates="subject", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("document_hash", "document_type"),
        Index("ix_subject_name", "name"),
    )


class OccupationalGroup(IdMixin, Base):
    """One of the 29 key occupational groups (重点人群) with its lead department."""

    __tablename__ = "occupational_group"

    no: Mapped[int] = mapped_column(unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_department: Mapped[str] = mapped_column(String(200))


class SubjectOccupation(IdMixin, Base):
    """Tag: a person belongs to a key occupational group."""

    __tablename__ = "subject_occupation"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(BigId, ForeignKey("occupational_group.id"))
    tagged_on: Mapped[dt.date | None]

    subject: Mapped[Subject] = relationship(back_populates="occupations")
    group: Mapped[OccupationalGroup] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("subject_id", "group_id"),)
