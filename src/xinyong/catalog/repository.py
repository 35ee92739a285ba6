"""Every query about the catalogue."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.catalog.models import RecordType


def get_by_code(session: Session, code: str) -> RecordType | None:
    """Record type with its fields."""
    stmt = select(RecordType).where(RecordType.code == code).options(selectinload(RecordType.fields))
    return session.scalars(stmt).first()


def list_all(session: Session) -> Sequence[RecordType]:
    """Every record type, by code."""
    return session.scalars(select(RecordType).order_by(RecordType.code).options(selectinload(RecordType.fields))).all()
