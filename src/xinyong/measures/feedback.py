"""Feedback (反馈) on checks: what the department did, checks to follow up, typical cases (典型案例)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.accounts.errors import NotAllowed
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.service import record_event
from xinyong.departments.models import Department
from xinyong.measures.definitions import MeasureCode
from xinyong.measures.errors import CheckNotFound, FeedbackExists, ForeignCheck, InvalidFeedback
from xinyong.measures.models import CheckFeedback, CreditCheck, Measure
from xinyong.measures.service import CHECKERS
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind

MAX_PAGE = 500


class Outcome(StrEnum):
    """What became of the measures a check returned."""

    DONE = "已实施"
    PARTLY = "部分实施"
    NOT_DONE = "未实施"
    NOT_APPLICABLE = "不适用"

    @property
    def applies_measures(self) -> bool:
        """Whether this outcome means at least one measure was carried out."""
        return self in (Outcome.DONE, Outcome.PARTLY)


class FeedbackIn(BaseModel):
    """POST /api/v1/checks/{id}/feedback."""

    model_config = ConfigDict(extra="forbid")

    measures_applied: list[MeasureCode] = Field(default_factory=list, max_length=50,
                                                description="已实施的措施代码，须为本次查询返回的措施")
    outcome: Outcome = Field(description="实施结果：已实施、部分实施、未实施、不适用")
    note: str | None = Field(None, max_length=2000, description="说明；未实施强制性措施或标记典型案例时必填")
    typical: bool = Field(False, description="是否作为典型案例（典型案例）")


class FeedbackOut(BaseModel):
    """Feedback as stored."""

    check_id: int
    measures_applied: list[str]
    outcome: str
    note: str | None
    typical: bool
    submitted_by: str
    submitted_at: dt.datetime


class CheckBrief(BaseModel):
    """A check in a follow-up or case list; persons are shown masked."""

    check_id: int
    checked_at: dt.datetime
    department: str
    department_name: str
    matter: str
    subject_name: str
    subject_code: str | None = Field(description="统一社会信用代码，自然人为脱敏证件号码")
    measure_codes: list[str]
    feedback_due_on: dt.date
    overdue_days: int | None = Field(None, description="超过反馈期限的自然日数（跟踪督办列表中给出）")


class FollowUpPage(BaseModel):
    """Checks past their feedback date without feedback, oldest due first."""

    total: int
    items: list[CheckBrief]


class TypicalCase(BaseModel):
    """A check and its feedback marked as a typical case."""

    check: CheckBrief
    feedback: FeedbackOut


class TypicalPage(BaseModel):
    """Typical cases, newest first."""

    total: int
    items: list[TypicalCase]


def has_measures() -> Any:
    """SQL condition: the check returned at least one measure, so feedback is expected."""
    return cast(CreditCheck.measure_codes, String) != "[]"


def scope_department(principal: Principal, department_id: int | None) -> int | None:
    """The department whose checks the caller sees: their own, or any (None = all) for the credit office."""
    principal.require(*CHECKERS)
    if principal.role is Role.CREDIT_OFFICE_ADMIN:
        return department_id
    if principal.department_id is None:
        raise NotAllowed("无权查看：调用方未绑定部门")
    if department_id is not None:
        principal.require_department(department_id)
    return principal.department_id


def get_check(session: Session, check_id: int) -> CreditCheck:
    """A check by id, or CheckNotFound."""
    found = session.get(CreditCheck, check_id)
    if found is None:
        raise CheckNotFound(f"查询记录 {check_id} 不存在")
    return found


def _require_owner(principal: Principal, check: CreditCheck) -> None:
    principal.require(*CHECKERS)
    own = check.department_id == principal.department_id if principal.department_id is not None \
        else check.caller == principal.actor
    if not own:
        raise ForeignCheck("无权反馈：该查询由其他部门发起，只有发起查询的部门可以反馈")


def _check_content(session: Session, check: CreditCheck, body: FeedbackIn) -> list[str]:
    applied = list(dict.fromkeys(body.measures_applied))
    returned = [str(c) for c in check.measure_codes]
    unknown = [c for c in applied if c not in returned]
    if unknown:
        given = "、".join(returned) if returned else "无"
        raise InvalidFeedback(f"措施 {'、'.join(unknown)} 不在本次查询返回的措施中（返回的措施：{given}）")
    if body.outcome.applies_measures and not applied:
        raise InvalidFeedback(f"结果为“{body.outcome.value}”时须列出已实施的措施（measures_applied）")
    if not body.outcome.applies_measures and applied:
        raise InvalidFeedback(f"结果为“{body.outcome.value}”时不应列出已实施的措施")
    note = (body.note or "").strip()
    skipped = session.scalars(select(Measure.name).where(
        Measure.code.in_([c for c in returned if c not in applied]), Measure.mandatory.is_(True))).all()
    if skipped and not note:
        raise InvalidFeedback(f"未实施强制性措施（{'、'.join(skipped)}）须在 note 中说明理由")
    if body.typical and not note:
        raise InvalidFeedback("标记为典型案例时须在 note 中写明案情")
    return applied


def submit(session: Session, principal: Principal, check_id: int, body: FeedbackIn) -> CheckFeedback:
    """Record what the department did with a check: once, only the department that asked, only returned measures."""
    check = get_check(session, check_id)
    _require_owner(principal, check)
    if session.scalar(select(CheckFeedback.id).where(CheckFeedback.check_id == check.id)) is not None:
        raise FeedbackExists(f"查询记录 {check.id} 已反馈，不能重复反馈")
    applied = _check_content(session, check, body)
    row = CheckFeedback(check_id=check.id, measures_applied=applied, outcome=body.outcome.value,
                        note=(body.note or "").strip() or None, is_typical=body.typical, submitted_by=principal.actor)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # a concurrent feedback for the same check won the race
        raise FeedbackExists(f"查询记录 {check.id} 已反馈，不能重复反馈") from None
    record_event(session, actor=principal.actor, action="check.feedback", entity_type="credit_check",
                 entity_id=check.id, detail={"outcome": row.outcome, "measures_applied": applied,
                                             "typical": row.is_typical})
    return row


def feedback_out(row: CheckFeedback) -> FeedbackOut:
    """The API shape of stored feedback."""
    return FeedbackOut(check_id=row.check_id, measures_applied=[str(c) for c in row.measures_applied],
                       outcome=row.outcome, note=row.note, typical=row.is_typical, submitted_by=row.submitted_by,
                       submitted_at=row.submitted_at)


def _subject_label(subject: Subject | None, query: dict[str, Any]) -> tuple[str, str | None]:
    if subject is None:
        asked = query.get("subject") or {}
        return "（未确定主体）", asked.get("code") or asked.get("name")
    if subject.kind is SubjectKind.NATURAL_PERSON:
        return masking.mask_name(subject.name), subject.document_masked
    return subject.name, subject.uscc


def briefs(session: Session, checks: Sequence[CreditCheck], today: dt.date | None = None) -> list[CheckBrief]:
    """Checks with their department and (masked) subject, loaded in two queries."""
    depts = {d.id: d for d in session.scalars(select(Department).where(
        Department.id.in_({c.department_id for c in checks})))} if checks else {}
    ids = {c.subject_id for c in checks if c.subject_id is not None}
    subjects = {s.id: s for s in session.scalars(select(Subject).where(Subject.id.in_(ids)))} if ids else {}
    out = []
    for c in checks:
        name, code = _subject_label(subjects.get(c.subject_id) if c.subject_id else None, c.query)
        dept = depts.get(c.department_id)
        out.append(CheckBrief(
            check_id=c.id, checked_at=c.checked_at, department=dept.uscc if dept else "",
            department_name=dept.name if dept else "", matter=c.matter, subject_name=name, subject_code=code,
            measure_codes=[str(m) for m in c.measure_codes], feedback_due_on=c.feedback_due_on,
            overdue_days=max(0, (today - c.feedback_due_on).days) if today else None))
    return out


def follow_up(session: Session, principal: Principal, today: dt.date, *, department_id: int | None = None,
              offset: int = 0, limit: int = 100) -> FollowUpPage:
    """Checks that returned measures, are past their feedback date (反馈期限) and have no feedback."""
    scope = scope_department(principal, department_id)
    where = [has_measures(), CreditCheck.feedback_due_on < today,
             ~select(CheckFeedback.id).where(CheckFeedback.check_id == CreditCheck.id).exists()]
    if scope is not None:
        where.append(CreditCheck.department_id == scope)
    total = session.scalar(select(func.count()).select_from(CreditCheck).where(*where)) or 0
    rows = session.scalars(select(CreditCheck).where(*where).order_by(CreditCheck.feedback_due_on, CreditCheck.id)
                           .offset(offset).limit(min(limit, MAX_PAGE))).all()
    return FollowUpPage(total=total, items=briefs(session, rows, today))


def typical_cases(session: Session, principal: Principal, *, department_id: int | None = None,
                  offset: int = 0, limit: int = 100) -> TypicalPage:
    """Feedback marked as typical cases, newest first."""
    scope = scope_department(principal, department_id)
    stmt = (select(CreditCheck, CheckFeedback).join(CheckFeedback, CheckFeedback.check_id == CreditCheck.id)
            .where(CheckFeedback.is_typical.is_(True)))
    if scope is not None:
        stmt = stmt.where(CreditCheck.department_id == scope)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(CheckFeedback.submitted_at.desc(), CheckFeedback.id.desc())
                           .offset(offset).limit(min(limit, MAX_PAGE))).all()
    checks = briefs(session, [c for c, _ in rows])
    return TypicalPage(total=total, items=[TypicalCase(check=b, feedback=feedback_out(f))
                                           for b, (_, f) in zip(checks, rows, strict=True)])
