"""Every query about repair applications and their notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from xinyong.audit.models import StateTransition
from xinyong.lists.models import ListEntry
from xinyong.records.models import CreditRecord
from xinyong.repairs.models import RepairApplication, RepairNotice
from xinyong.repairs.states import NoticeKind, RepairStatus


def by_tracking_code(session: Session, code: str) -> RepairApplication | None:
    """The application with this tracking code."""
    return session.scalar(select(RepairApplication).where(RepairApplication.tracking_code == code))


def open_for(session: Session, open_key: str) -> RepairApplication | None:
    """The open application on a target, if any."""
    return session.scalar(select(RepairApplication).where(RepairApplication.open_key == open_key))


def current_record(session: Session, subject_id: int, document_number: str) -> CreditRecord | None:
    """The current version of a subject's record with this decision number."""
    return session.scalar(select(CreditRecord).where(
        CreditRecord.subject_id == subject_id, CreditRecord.document_number == document_number,
        CreditRecord.is_current.is_(True)).order_by(CreditRecord.id.desc()).limit(1))


def current_version(session: Session, natural_key: str) -> CreditRecord | None:
    """The current version of a record identity."""
    return session.scalar(select(CreditRecord).where(CreditRecord.natural_key == natural_key,
                                                     CreditRecord.is_current.is_(True)))


def entries_founded_on(session: Session, record_id: int, statuses: Sequence[object]) -> Sequence[ListEntry]:
    """List entries recognised on the basis of a record, in the given statuses."""
    return session.scalars(select(ListEntry).where(ListEntry.source_record_id == record_id,
                                                   ListEntry.status.in_(list(statuses)))).all()


def queue(session: Session, department_id: int | None, statuses: Sequence[RepairStatus],
          limit: int = 200) -> Sequence[RepairApplication]:
    """Applications in these statuses (one department's, or all), oldest deadline first."""
    stmt = select(RepairApplication).where(RepairApplication.status.in_(list(statuses)))
    if department_id is not None:
        stmt = stmt.where(RepairApplication.department_id == department_id)
    return session.scalars(stmt.order_by(RepairApplication.decide_due_on, RepairApplication.id).limit(limit)).all()


def notices_of(session: Session, application_id: int) -> Sequence[RepairNotice]:
    """Notices issued on an application, oldest first."""
    return session.scalars(select(RepairNotice).where(RepairNotice.application_id == application_id)
                           .order_by(RepairNotice.id)).all()


def notice_by_number(session: Session, application_id: int, number: str) -> RepairNotice | None:
    """One notice of an application."""
    return session.scalar(select(RepairNotice).where(RepairNotice.application_id == application_id,
                                                     RepairNotice.number == number))


def notices_in_year(session: Session, kind: NoticeKind, year: int) -> int:
    """How many notices of a kind were issued in a year (for the next number)."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    return session.scalar(select(func.count()).select_from(RepairNotice).where(
        RepairNotice.kind == kind, RepairNotice.issued_at >= start, RepairNotice.issued_at < end)) or 0


def history_of(session: Session, application_id: int) -> Sequence[StateTransition]:
    """Status changes of an application, oldest first."""
    return session.scalars(select(StateTransition).where(
        StateTransition.entity_type == "repair_application", StateTransition.entity_id == str(application_id))
        .order_by(StateTransition.id)).all()


def mark_overdue(session: Session, today: dt.date) -> int:
    """Flag applications whose accept or decide deadline passed without that step; returns rows flagged."""
    accept = session.execute(update(RepairApplication).where(
        RepairApplication.status == RepairStatus.SUBMITTED, RepairApplication.accept_due_on < today,
        RepairApplication.accept_overdue.is_(False)).values(accept_overdue=True)).rowcount or 0
    decide = session.execute(update(RepairApplication).where(
        or_(RepairApplication.status == RepairStatus.SUBMITTED, RepairApplication.status == RepairStatus.ACCEPTED),
        RepairApplication.decide_due_on < today, RepairApplication.decide_overdue.is_(False))
        .values(decide_overdue=True)).rowcount or 0
    return accept + decide
