"""Every query about credit records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from xinyong.catalog.models import RecordType
from xinyong.departments.models import Department
from xinyong.records.models import CreditRecord
from xinyong.records.states import RecordStatus


def published_on(day: dt.date) -> ColumnElement[bool]:
    """Condition: the record version is on the public portal on this day."""
    return and_(
        CreditRecord.is_current.is_(True),
        CreditRecord.status == RecordStatus.EFFECTIVE,
        CreditRecord.withdrawn_at.is_(None),
        CreditRecord.repaired_at.is_(None),
        CreditRecord.publish_from <= day,
        CreditRecord.publish_until >= day,
    )


def public_for_subject(session: Session, subject_id: int, day: dt.date, limit: int = 200) -> Sequence[CreditRecord]:
    """Records of one subject on the portal today, newest first."""
    stmt = (
        select(CreditRecord).where(CreditRecord.subject_id == subject_id, published_on(day))
        .order_by(CreditRecord.decision_on.desc(), CreditRecord.id.desc()).limit(limit)
    )
    return session.scalars(stmt).all()


def count_published_by_type(session: Session, day: dt.date) -> dict[str, int]:
    """Published record counts per catalogue type name."""
    rows = session.execute(select(RecordType.name, func.count(CreditRecord.id)).join(CreditRecord)
                           .where(published_on(day)).group_by(RecordType.name))
    return {name: n for name, n in rows}


def list_published(
    session: Session, record_type_id: int, day: dt.date, *, department_id: int | None = None,
    date_from: dt.date | None = None, date_to: dt.date | None = None, severity: str | None = None,
    category: str | None = None, category_field: str | None = None, offset: int = 0, limit: int = 20,
) -> tuple[int, Sequence[CreditRecord]]:
    """One page of a 双公示 listing with filters, and the total."""
    conditions = [CreditRecord.record_type_id == record_type_id, published_on(day)]
    if department_id is not None:
        conditions.append(CreditRecord.department_id == department_id)
    if date_from is not None:
        conditions.append(CreditRecord.decision_on >= date_from)
    if date_to is not None:
        conditions.append(CreditRecord.decision_on <= date_to)
    if severity:
        conditions.append(CreditRecord.severity == severity)
    if category and category_field:
        conditions.append(CreditRecord.data[category_field].as_string().contains(category))
    total = session.scalar(select(func.count()).select_from(CreditRecord).where(*conditions)) or 0
    stmt = (select(CreditRecord).where(*conditions)
            .order_by(CreditRecord.decision_on.desc(), CreditRecord.id.desc()).offset(offset).limit(limit))
    return total, session.scalars(stmt).all()


def timeliness(session: Session, since: dt.date | None = None) -> list[tuple[str, str, int, int, int]]:
    """Per department: (uscc, name, records, late, deadline unknown) of first versions reported."""
    conditions = [CreditRecord.version == 1]
    if since is not None:
        conditions.append(CreditRecord.decision_on >= since)
    stmt = (
        select(Department.uscc, Department.name, func.count(CreditRecord.id),
               func.sum(case((CreditRecord.reported_late.is_(True), 1), else_=0)),
               func.sum(case((CreditRecord.report_due_on.is_(None), 1), else_=0)))
        .join(CreditRecord, CreditRecord.department_id == Department.id).where(*conditions)
        .group_by(Department.uscc, Department.name).order_by(Department.name)
    )
    return [(u, n, total, int(late or 0), int(unknown or 0)) for u, n, total, late, unknown in session.execute(stmt)]
