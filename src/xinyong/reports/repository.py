"""Every query on issued reports (and the few a report reads from other domains)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.repairs.models import RepairApplication
from xinyong.repairs.states import RepairStatus
from xinyong.reports.models import CreditReport


def get_by_number(session: Session, number: str) -> CreditReport | None:
    """An issued report by its number."""
    return session.scalars(select(CreditReport).where(CreditReport.number == number)).first()


def number_taken(session: Session, number: str) -> bool:
    """True when a report already carries this number."""
    return session.scalar(select(CreditReport.id).where(CreditReport.number == number)) is not None


def approved_repairs(session: Session, subject_id: int) -> Sequence[RepairApplication]:
    """Repairs granted to a subject (准予修复 or 修复完成), newest decision first."""
    return session.scalars(
        select(RepairApplication)
        .where(RepairApplication.subject_id == subject_id,
               RepairApplication.status.in_([RepairStatus.APPROVED, RepairStatus.DONE]))
        .order_by(RepairApplication.decided_at.desc(), RepairApplication.id.desc())
    ).all()
