"""Every query of the objections domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.audit.models import StateTransition
from xinyong.objections.models import Objection, ObjectionNotice
from xinyong.objections.states import (
    OPEN_STATUSES,
    NoticeKind,
    ObjectionStatus,
    TargetKind,
    objection_machine,
)
from xinyong.records.models import CreditRecord
from xinyong.records.repository import published_on


def get(session: Session, objection_id: int) -> Objection | None:
    """An objection by id."""
    return session.get(Objection, objection_id)


def by_tracking_code(session: Session, code: str) -> Objection | None:
    """An objection by its tracking code."""
    return session.scalar(select(Objection).where(Objection.tracking_code == code))


def public_record(session: Session, record_id: int, day: dt.date) -> CreditRecord | None:
    """A record version that is current and on the portal on this day."""
    return session.scalar(select(CreditRecord).where(CreditRecord.id == record_id, published_on(day)))


def _on_target(kind: TargetKind, target_id: int) -> object:
    column = Objection.record_id if kind is TargetKind.RECORD else Objection.list_entry_id
    return column == target_id


def open_duplicate(session: Session, applicant_hash: str, kind: TargetKind, target_id: int) -> Objection | None:
    """The applicant's open objection on the same target, if any."""
    return session.scalar(select(Objection).where(
        Objection.applicant_document_hash == applicant_hash, _on_target(kind, target_id),
        Objection.status.in_(OPEN_STATUSES)).order_by(Objection.id).limit(1))


def others_open_on(session: Session, objection: Objection) -> int:
    """Open objections on the same target besides this one (the marker stays while any is open)."""
    target = objection.record_id if objection.target_kind is TargetKind.RECORD else objection.list_entry_id
    return session.scalar(select(func.count()).select_from(Objection).where(
        _on_target(objection.target_kind, target), Objection.status.in_(OPEN_STATUSES),
        Objection.id != objection.id)) or 0


def queue(session: Session, department_id: int | None, *, open_only: bool = True, limit: int = 300) -> Sequence[Objection]:
    """Objections of one department (all for None), earliest deadline first."""
    stmt = select(Objection)
    if department_id is not None:
        stmt = stmt.where(Objection.department_id == department_id)
    if open_only:
        stmt = stmt.where(Objection.status.in_(OPEN_STATUSES)).order_by(Objection.decide_due_on, Objection.id)
    else:
        stmt = stmt.order_by(Objection.id.desc())
    return session.scalars(stmt.limit(limit)).all()


def overdue(session: Session, today: dt.date, department_id: int | None = None) -> Sequence[Objection]:
    """Open objections past their acceptance or decision deadline, oldest deadline first."""
    late = or_(Objection.decide_due_on < today,
               (Objection.status == ObjectionStatus.SUBMITTED) & (Objection.accept_due_on < today))
    stmt = select(Objection).where(Objection.status.in_(OPEN_STATUSES), late)
    if department_id is not None:
        stmt = stmt.where(Objection.department_id == department_id)
    return session.scalars(stmt.order_by(Objection.decide_due_on, Objection.id)).all()


def notices_of(session: Session, objection_id: int) -> Sequence[ObjectionNotice]:
    """Notices issued on one objection, in order."""
    return session.scalars(select(ObjectionNotice).where(ObjectionNotice.objection_id == objection_id)
                           .order_by(ObjectionNotice.id)).all()


def notices_in_year(session: Session, kind: NoticeKind, prefix: str) -> int:
    """How many notices of a kind carry this year's number prefix."""
    return session.scalar(select(func.count()).select_from(ObjectionNotice).where(
        ObjectionNotice.kind == kind, ObjectionNotice.number.startswith(prefix, autoescape=True))) or 0


def history(session: Session, objection_id: int) -> Sequence[StateTransition]:
    """Every state change of an objection, oldest first."""
    return session.scalars(select(StateTransition).where(
        StateTransition.entity_type == objection_machine.entity_type,
        StateTransition.entity_id == str(objection_id)).order_by(StateTransition.occurred_at, StateTransition.id)).all()
