"""Accept or refuse, approve or reject a repair application; an approval takes effect everywhere at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.db import utcnow
from xinyong.lists.definitions import ExitReason
from xinyong.lists.exits import exit_entry
from xinyong.lists.models import ListEntry
from xinyong.lists.states import LIVE_STATUSES
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.records.states import ChangeKind, RecordStatus
from xinyong.repairs import repository
from xinyong.repairs.errors import InvalidRepair, RepairNotFound
from xinyong.repairs.models import RepairApplication, RepairNotice
from xinyong.repairs.notices import issue
from xinyong.repairs.states import NoticeKind, RepairStatus, TargetKind, repair_machine

DECIDERS = (Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
REASON_MAX = 2000


def get_for(session: Session, principal: Principal, application_id: int) -> RepairApplication:
    """An application the caller may handle: the source department's own, or any for the credit office."""
    principal.require(*DECIDERS)
    app = session.get(RepairApplication, application_id)
    if app is None:
        raise RepairNotFound(f"修复申请 {application_id} 不存在")
    principal.require_department(app.department_id)
    return app


def _reason(reason: str | None, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidRepair("请填写理由")
    if len(text) > REASON_MAX:
        raise InvalidRepair(f"理由不能超过 {REASON_MAX} 字")
    return text or None


def _close(app: RepairApplication) -> None:
    app.open_key = None  # a new application on the same target becomes possible


def accept(session: Session, principal: Principal, app: RepairApplication, *, today: dt.date) -> RepairNotice:
    """Accept within the accept deadline (still possible after it, but marked overdue)."""
    repair_machine.check(app.status, RepairStatus.ACCEPTED)
    app.accepted_at, app.accept_overdue = utcnow(), app.accept_overdue or today > app.accept_due_on
    repair_machine.transition(session, app, RepairStatus.ACCEPTED, actor=principal.actor,
                              reason="逾期受理" if app.accept_overdue else "予以受理")
    return issue(session, app, NoticeKind.ACCEPTANCE, actor=principal.actor)


def _close_negatively(session: Session, principal: Principal, app: RepairApplication, to_state: RepairStatus,
                      kind: NoticeKind, text: str | None) -> RepairNotice:
    """Refusal or rejection: the target may be applied for again, a notice gives the reason."""
    app.decision_reason = text
    _close(app)
    repair_machine.transition(session, app, to_state, actor=principal.actor, reason=text)
    return issue(session, app, kind, actor=principal.actor, reason=text)


def refuse(session: Session, principal: Principal, app: RepairApplication, *, reason: str,
           today: dt.date) -> RepairNotice:
    """Refuse to accept, with the reason."""
    text = _reason(reason, True)
    repair_machine.check(app.status, RepairStatus.REFUSED)
    app.accepted_at, app.accept_overdue = utcnow(), app.accept_overdue or today > app.accept_due_on
    return _close_negatively(session, principal, app, RepairStatus.REFUSED, NoticeKind.REFUSAL, text)


def reject(session: Session, principal: Principal, app: RepairApplication, *, reason: str,
           today: dt.date) -> RepairNotice:
    """Decide not to repair, with the reason."""
    text = _reason(reason, True)
    repair_machine.check(app.status, RepairStatus.REJECTED)
    app.decided_at, app.decide_overdue = utcnow(), app.decide_overdue or today > app.decide_due_on
    return _close_negatively(session, principal, app, RepairStatus.REJECTED, NoticeKind.REJECTION, text)


def approve(session: Session, principal: Principal, app: RepairApplication, *, today: dt.date,
            reason: str | None = None) -> RepairNotice:
    """Approve, apply the effects (publication, sharing, lists) and close the application as done."""
    text = _reason(reason, False)
    repair_machine.check(app.status, RepairStatus.APPROVED)
    app.decided_at, app.decision_reason = utcnow(), text
    app.decide_overdue = app.decide_overdue or today > app.decide_due_on
    repair_machine.transition(session, app, RepairStatus.APPROVED, actor=principal.actor,
                              reason=("逾期决定：" if app.decide_overdue else "") + (text or "准予信用修复"))
    effects = apply_effects(session, app, actor=principal.actor)
    notice = issue(session, app, NoticeKind.APPROVAL, actor=principal.actor, reason=text, effects=effects)
    app.done_at = utcnow()
    _close(app)
    repair_machine.transition(session, app, RepairStatus.DONE, actor=principal.actor, reason=effects)
    return notice


def _exit(session: Session, entry: ListEntry, app: RepairApplication, actor: str) -> str:
    exit_entry(session, entry, ExitReason.REPAIRED, actor=actor, note=f"信用修复申请 {app.tracking_code} 准予修复")
    return f"{entry.list_type.name}（条目 {entry.id}）提前退出并发布退出公告"


def apply_effects(session: Session, app: RepairApplication, *, actor: str) -> str:
    """Stop publication and sharing of the record (feed event `repaired`), exit the entries; returns what was done."""
    done: list[str] = []
    if app.target_kind is TargetKind.LIST_ENTRY:
        entry = session.get(ListEntry, app.list_entry_id)
        if entry is not None and entry.status in LIVE_STATUSES:
            done.append(_exit(session, entry, app, actor))
        return "；".join(done) or "名单条目已不在有效期内，无需另行处理"
    stored = session.get(CreditRecord, app.record_id)
    record = repository.current_version(session, stored.natural_key) if stored is not None else None
    if record is not None and record.status is RecordStatus.EFFECTIVE and record.repaired_at is None:
        record.repaired_at = utcnow()
        session.add(ChangeEvent(kind=ChangeKind.REPAIRED, record_id=record.id, subject_id=record.subject_id,
                                record_type_code=record.record_type.code, natural_key=record.natural_key,
                                version=record.version))
        done.append(f"自 {record.repaired_at.date()} 起停止在门户网站公示，并停止向上级平台和其他部门共享")
        # Entries recognised on this record leave their list too, where their list type allows repair.
        for entry in repository.entries_founded_on(session, record.id, LIVE_STATUSES):
            if entry.list_type.definition.get("repair_shortens", False):
                done.append(_exit(session, entry, app, actor))
    session.flush()
    return "；".join(done) or "该信息已不在公示中，无需另行处理"

