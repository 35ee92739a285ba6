"""Every query about credit records (collection arrives with the next issue)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.catalog.models import RecordType
from xinyong.records.models import CreditRecord


def public_for_subject(session: Session, subject_id: int, limit: int = 50) -> Sequence[CreditRecord]:
    """Effective records of public catalogue types about one subject, newest first."""
    stmt = (
        select(CreditRecord)
        .join(RecordType)
        .where(CreditRecord.subject_id == subject_id, CreditRecord.status == "effective",
               RecordType.openness == "公开")
        .order_by(CreditRecord.decision_on.desc(), CreditRecord.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def count_by_type(session: Session) -> dict[str, int]:
    """Record counts per catalogue type name."""
    rows = session.execute(select(RecordType.name, func.count(CreditRecord.id)).join(CreditRecord).group_by(RecordType.name))
    return {name: n for name, n in rows}
