"""The information catalogue as stored: record types and their fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db import Base, BigId, IdMixin, TimestampMixin


class RecordType(IdMixin, TimestampMixin, Base):
    """One catalogue entry (信用信息目录条目), e.g. 行政处罚."""

    __tablename__ = "record_type"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(50), default="")
    openness: Mapped[str] = mapped_column(String(16))
    adverse: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(300))
    # The parsed definition (severity rule, display periods, natural key...) as loaded.
    definition: Mapped[dict[str, Any]]

    fields: Mapped[list[CatalogField]] = relationship(
        back_populates="record_type", cascade="all, delete-orphan", order_by="CatalogField.position"
    )


class CatalogField(IdMixin, Base):
    """One field of a record type with its national code and Chinese label."""

    __tablename__ = "catalog_field"

    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    field_type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    max_length: Mapped[int | None]
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    enum_values: Mapped[list[Any] | None]

    record_type: Mapped[RecordType] = relationship(back_populates="fields")

    __table_args__ = (UniqueConstraint("record_type_id", "code"),)
