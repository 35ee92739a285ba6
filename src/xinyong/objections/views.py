"""How objections are shown: the applicant's receipt and status page, the console queue and case page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.attachments import repository as attachments
from xinyong.departments.models import Department
from xinyong.objections import repository
from xinyong.objections.decisions import is_overdue
from xinyong.objections.effects import correctable_fields, target_of, target_text
from xinyong.objections.models import Objection
from xinyong.objections.schemas import NoticeOut, ObjectionReceipt, ObjectionStatusOut, StatusStep
from xinyong.objections.states import (
    APPLICANT_LABELS,
    OBJECTION_LABELS,
    REMEDY_LABELS,
    ApplicantKind,
    ObjectionStatus,
    TargetKind,
)
from xinyong.objections.submission import OWNER_TYPE
from xinyong.records.service import summary_of


def status_label(status: str) -> str:
    """Chinese label of a status ('' for the creation row)."""
    try:
        return OBJECTION_LABELS[ObjectionStatus(status)]
    except ValueError:
        return "（提交）" if not status else status


def _department_name(session: Session, objection: Objection) -> str:
    department = session.get(Department, objection.department_id)
    return department.name if department else ""


def receipt(session: Session, objection: Objection, *, existing: bool) -> ObjectionReceipt:
    """The applicant's receipt."""
    return ObjectionReceipt(
        tracking_code=objection.tracking_code, status=str(objection.status),
        status_label=OBJECTION_LABELS[objection.status], existing=existing, target=target_text(session, objection),
        department=_department_name(session, objection), submitted_on=objection.submitted_on,
        accept_due_on=objection.accept_due_on, decide_due_on=objection.decide_due_on)


def public_status(session: Session, objection: Objection, today: dt.date) -> ObjectionStatusOut:
    """The status page: steps with their reasons, and the notices issued (no actor names)."""
    history = [StatusStep(occurred_at=h.occurred_at, status=h.to_state, status_label=status_label(h.to_state),
                          reason=h.reason) for h in repository.history(session, objection.id)]
    issued = [NoticeOut(kind=str(n.kind), title=n.title, number=n.number, issued_at=n.issued_at)
              for n in repository.notices_of(session, objection.id)]
    return ObjectionStatusOut(
        **receipt(session, objection, existing=False).model_dump(), overdue=is_overdue(objection, today),
        decision_reason=objection.decision_reason,
        remedy=REMEDY_LABELS[objection.remedy] if objection.remedy else None, history=history, notices=issued)


@dataclass(frozen=True)
class QueueRow:
    """One line of the console queue."""

    id: int
    tracking_code: str
    status: str
    status_label: str
    target: str
    department: str
    applicant: str
    submitted_on: dt.date
    accept_due_on: dt.date
    decide_due_on: dt.date
    extended: bool
    overdue: bool
    late: bool


def _applicant_name(objection: Objection) -> str:
    """A person's or company's name masked in lists; a department's shown as is."""
    if objection.applicant_kind is ApplicantKind.DEPARTMENT:
        return objection.applicant_name
    return masking.mask_name(objection.applicant_name)


def queue_rows(session: Session, rows: list[Objection], today: dt.date) -> list[QueueRow]:
    """Console lines with deadlines and overdue marks."""
    return [QueueRow(id=o.id, tracking_code=o.tracking_code, status=str(o.status),
                     status_label=OBJECTION_LABELS[o.status], target=target_text(session, o),
                     department=_department_name(session, o),
                     applicant=f"{_applicant_name(o)}（{APPLICANT_LABELS[o.applicant_kind]}）",
                     submitted_on=o.submitted_on, accept_due_on=o.accept_due_on, decide_due_on=o.decide_due_on,
                     extended=o.extended_at is not None, overdue=is_overdue(o, today),
                     late=o.decided_late or o.accepted_late) for o in rows]


def case_context(session: Session, objection: Objection, today: dt.date) -> dict[str, Any]:
    """Everything the console case page shows."""
    target = target_of(session, objection)
    record_fields: list[tuple[str, str, str]] = []
    if objection.target_kind is TargetKind.RECORD:
        record_fields = [(code, label, str(target.data.get(code) or "")) for code, label in correctable_fields(target)]
    return {
        "objection": objection, "status_label": OBJECTION_LABELS[objection.status],
        "applicant_kind_label": APPLICANT_LABELS[objection.applicant_kind],
        "target": target_text(session, objection),
        "target_summary": summary_of(target) if objection.target_kind is TargetKind.RECORD else target.facts,
        "department": _department_name(session, objection), "overdue": is_overdue(objection, today),
        "history": [(h, status_label(h.from_state), status_label(h.to_state))
                    for h in repository.history(session, objection.id)],
        "notices": repository.notices_of(session, objection.id),
        "files": attachments.attachments_of(session, OWNER_TYPE, objection.id),
        "record_fields": record_fields, "remedy_labels": REMEDY_LABELS,
    }
