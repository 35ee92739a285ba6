"""Numbered notices issued to the applicant: 受理通知书, 不予受理通知书, 异议处理决定书."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.objections import repository
from xinyong.objections.effects import target_text
from xinyong.objections.models import Objection, ObjectionNotice
from xinyong.objections.states import (
    NOTICE_PREFIXES,
    NOTICE_TITLES,
    REMEDY_LABELS,
    NoticeKind,
    ObjectionStatus,
)


def _body(session: Session, objection: Objection, kind: NoticeKind) -> str:
    department = session.get(Department, objection.department_id)
    who = f"{objection.applicant_name}（{objection.applicant_document_masked}）"
    what = target_text(session, objection)
    head = f"{who}：\n你（单位）于 {objection.submitted_on} 对{what}提出的异议申请（查询码 {objection.tracking_code}），"
    dept = department.name if department else "信息提供单位"
    if kind is NoticeKind.ACCEPTANCE:
        return (head + f"经审查符合受理条件，本机关决定予以受理，由{dept}核实。"
                f"核查期间该信息标注“异议处理中”。处理结果将于 {objection.decide_due_on} 前作出。")
    if kind is NoticeKind.NON_ACCEPTANCE:
        return head + f"经审查不予受理。理由：{_sentence(objection.decision_reason)}"
    outcome = ("经核实，异议成立，处理如下：" + REMEDY_LABELS[objection.remedy] if objection.status is ObjectionStatus.UPHELD
               else "经核实，异议不成立，维持原信息")
    late = "（本决定在处理期限届满后作出）" if objection.decided_late else ""
    return head + f"经{dept}核查，{outcome}。理由：{_sentence(objection.decision_reason)}{late}"


def _sentence(text: str | None) -> str:
    """A reason ending in exactly one full stop."""
    return (text or "").strip().rstrip("。.；;，,") + "。"


def issue(session: Session, objection: Objection, kind: NoticeKind) -> ObjectionNotice:
    """Number and keep a notice: 异受〔2026〕3号 and the like, counted per kind and year."""
    now = utcnow()
    prefix = f"{NOTICE_PREFIXES[kind]}〔{now.year}〕"
    number = f"{prefix}{repository.notices_in_year(session, kind, prefix) + 1}号"
    notice = ObjectionNotice(objection_id=objection.id, kind=kind, number=number, title=NOTICE_TITLES[kind],
                             body=_body(session, objection, kind), issued_at=now)
    session.add(notice)
    session.flush()
    return notice
