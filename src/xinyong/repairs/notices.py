"""Numbered notices issued on an application: 受理通知书, 不予受理通知书, 信用修复决定书, 不予信用修复决定书."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.db import utcnow
from xinyong.repairs import repository
from xinyong.repairs.models import RepairApplication, RepairNotice
from xinyong.repairs.states import NoticeKind

PREFIX = {NoticeKind.ACCEPTANCE: "信修受", NoticeKind.REFUSAL: "信修不受", NoticeKind.APPROVAL: "信修决",
          NoticeKind.REJECTION: "信修不决"}


def _body(app: RepairApplication, kind: NoticeKind, reason: str | None, effects: str | None) -> str:
    opening = (f"{app.subject_name}：\n你（单位）于 {app.submitted_on} 提交的关于“{app.target_label}”的信用修复申请"
               f"（跟踪码 {app.tracking_code}）")
    basis = f"依据：{app.rule_citation}"
    if kind is NoticeKind.ACCEPTANCE:
        text = (f"{opening}，经审查符合受理条件，决定予以受理。我单位将于 {app.decide_due_on} 前作出是否准予修复的决定。"
                f"\n{basis}{app.rule_article}。")
    elif kind is NoticeKind.REFUSAL:
        text = f"{opening}，经审查，决定不予受理。\n理由：{reason}\n{basis}{app.rule_article}。"
    elif kind is NoticeKind.APPROVAL:
        text = (f"{opening}，经审核，你（单位）已纠正失信行为、履行相关义务并作出信用承诺，符合信用修复条件，决定准予信用修复。"
                f"\n修复效果：{effects}。" + (f"\n说明：{reason}" if reason else "") + f"\n{basis}{app.rule_article}。"
                "\n如违反信用承诺，将依法依规撤销本决定并恢复公示相关信息。")
    else:
        text = f"{opening}，经审核，决定不予信用修复。\n理由：{reason}\n{basis}{app.rule_article}。"
    return text + "\n如对本通知（决定）不服，可依法申请行政复议或提起行政诉讼。"


def issue(session: Session, app: RepairApplication, kind: NoticeKind, *, actor: str, reason: str | None = None,
          effects: str | None = None) -> RepairNotice:
    """Write the next numbered notice of its kind for the year."""
    now = utcnow()
    number = f"{PREFIX[kind]}〔{now.year}〕{repository.notices_in_year(session, kind, now.year) + 1}号"
    notice = RepairNotice(application_id=app.id, kind=kind, number=number, title=f"{kind.value}（{app.target_label}）",
                          body=_body(app, kind, reason, effects), issued_by=actor, issued_at=now)
    session.add(notice)
    session.flush()
    return notice
