"""Handling an objection: accept or not, verify, uphold or reject, extend once; every step with its reason."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.service import record_event
from xinyong.calendar import WorkingCalendar
from xinyong.config import Settings
from xinyong.db import utcnow
from xinyong.errors import IllegalTransition
from xinyong.objections import effects, notices, repository
from xinyong.objections.errors import InvalidObjection, ObjectionNotFound
from xinyong.objections.models import Objection
from xinyong.objections.states import (
    OPEN_STATUSES,
    REMEDIES_FOR,
    REMEDY_LABELS,
    NoticeKind,
    ObjectionStatus,
    Remedy,
    objection_machine,
)

REASON_MAX = 2000


def get_for(session: Session, principal: Principal, objection_id: int) -> Objection:
    """An objection the caller may handle: the source department's own, or any for the credit office."""
    objection = repository.get(session, objection_id)
    if objection is None:
        raise ObjectionNotFound(f"异议 {objection_id} 不存在")
    guard(principal, objection)
    return objection


def guard_role(principal: Principal) -> None:
    """Only the credit office and department clerks handle objections."""
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)


def guard(principal: Principal, objection: Objection) -> None:
    """Only the credit office and clerks of the source department handle an objection."""
    guard_role(principal)
    principal.require_department(objection.department_id)


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidObjection(f"请填写{what}")
    if len(text) > REASON_MAX:
        raise InvalidObjection(f"{what}不能超过 {REASON_MAX} 字")
    return text


def is_overdue(objection: Objection, today: dt.date) -> bool:
    """Open past its deadline (acceptance while submitted, decision otherwise), or decided late."""
    if objection.status in OPEN_STATUSES:
        late_accept = objection.status is ObjectionStatus.SUBMITTED and today > objection.accept_due_on
        return late_accept or today > objection.decide_due_on
    return objection.decided_late or objection.accepted_late


def accept(session: Session, principal: Principal, objection: Objection, *, today: dt.date) -> Objection:
    """受理: the acceptance notice is issued."""
    guard(principal, objection)
    objection_machine.check(objection.status, ObjectionStatus.ACCEPTED)
    objection.accepted_at, objection.accepted_late = utcnow(), today > objection.accept_due_on
    objection_machine.transition(session, objection, ObjectionStatus.ACCEPTED, actor=principal.actor,
                                 reason="受理" + ("（超过受理期限）" if objection.accepted_late else ""))
    notices.issue(session, objection, NoticeKind.ACCEPTANCE)
    return objection


def not_accept(session: Session, principal: Principal, objection: Objection, *, reason: str,
               today: dt.date) -> Objection:
    """不予受理 with a reason: the mark goes, a suspended entry applies again."""
    guard(principal, objection)
    text = _reason(reason, "不予受理的理由")
    return _close(session, principal, objection, ObjectionStatus.NOT_ACCEPTED, text, NoticeKind.NON_ACCEPTANCE,
                  late=today > objection.accept_due_on)


def _close(session: Session, principal: Principal, objection: Objection, to: ObjectionStatus, reason: str,
           notice: NoticeKind, *, late: bool) -> Objection:
    """End an objection without changing its target: mark lifted, suspension ended, notice issued."""
    objection_machine.check(objection.status, to)
    _decided(objection, principal, reason, late=late)
    objection_machine.transition(session, objection, to, actor=principal.actor, reason=reason + _late_note(objection))
    effects.close_effects(session, objection, actor=principal.actor)
    notices.issue(session, objection, notice)
    return objection


def start_verifying(session: Session, principal: Principal, objection: Objection) -> Objection:
    """The source department starts checking the facts."""
    guard(principal, objection)
    objection_machine.transition(session, objection, ObjectionStatus.VERIFYING, actor=principal.actor, reason="开始核查")
    return objection


def _decided(objection: Objection, principal: Principal, reason: str, *, late: bool) -> None:
    objection.decided_at, objection.decided_by = utcnow(), principal.actor
    objection.decision_reason, objection.decided_late = reason, late


def uphold(session: Session, principal: Principal, objection: Objection, *, remedy: Remedy, reason: str,
           changes: dict[str, str] | None = None, today: dt.date) -> Objection:
    """异议成立: correct or revoke the record, or exit the entry; the decision notice is issued."""
    guard(principal, objection)
    text = _reason(reason, "处理理由")
    objection_machine.check(objection.status, ObjectionStatus.UPHELD)
    if remedy not in REMEDIES_FOR[objection.target_kind]:
        allowed = "、".join(REMEDY_LABELS[r] for r in REMEDIES_FOR[objection.target_kind])
        raise InvalidObjection(f"该异议对象只能：{allowed}")
    corrected = effects.apply_remedy(session, objection, remedy, changes or {}, actor=principal.actor, reason=text)
    objection.remedy = remedy
    objection.corrected_record_id = corrected.id if corrected is not None else None
    _decided(objection, principal, text, late=today > objection.decide_due_on)
    objection_machine.transition(session, objection, ObjectionStatus.UPHELD, actor=principal.actor,
                                 reason=f"{REMEDY_LABELS[remedy]}：{text}" + _late_note(objection))
    notices.issue(session, objection, NoticeKind.DECISION)
    return objection


def reject(session: Session, principal: Principal, objection: Objection, *, reason: str,
           today: dt.date) -> Objection:
    """异议不成立 with a reason: the mark goes, a suspended entry applies again."""
    guard(principal, objection)
    text = _reason(reason, "异议不成立的理由")
    return _close(session, principal, objection, ObjectionStatus.REJECTED, text, NoticeKind.DECISION,
                  late=today > objection.decide_due_on)


def _late_note(objection: Objection) -> str:
    return "（超过处理期限）" if objection.decided_late else ""


def extend(session: Session, settings: Settings, calendar: WorkingCalendar, principal: Principal,
           objection: Objection, *, reason: str) -> Objection:
    """Extend the decision deadline once, to the configured maximum, with a reason."""
    guard(principal, objection)
    text = _reason(reason, "延期理由")
    if objection.status not in (ObjectionStatus.ACCEPTED, ObjectionStatus.VERIFYING):
        raise IllegalTransition("只有已受理或核查中的异议可以延期")
    if objection.extended_at is not None:
        raise IllegalTransition("处理期限只能延长一次")
    before = objection.decide_due_on
    objection.decide_due_on = calendar.add_working_days(objection.submitted_on, settings.objection_extended_days)
    objection.extended_at, objection.extension_reason = utcnow(), text
    session.flush()
    record_event(session, actor=principal.actor, action="objection.extended", entity_type="objection",
                 entity_id=objection.id, detail={"from": before.isoformat(), "to": objection.decide_due_on.isoformat(),
                                                 "reason": text})
    return objection
