"""The append-only change feed (F14): upper-level platforms page through it with a cursor."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalog.models import RecordType
from xinyong.departments.models import Department
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.subjects.models import Subject

MAX_PAGE = 1_000


class ChangeOut(BaseModel):
    """One event; `cursor` is what to pass as `since` to continue after it."""

    cursor: int
    occurred_at: dt.datetime
    kind: str = Field(description="accepted 新增 / updated 更新 / revoked 撤销 / expired 公示期满")
    record_type: str
    natural_key: str
    version: int
    subject_code: str | None = Field(description="主体统一社会信用代码（自然人不返回证件号码）")
    subject_name: str
    department: str
    decision_on: dt.date
    status: str
    data: dict[str, object] = Field(description="记录字段（个人信息已脱敏）")


class ChangePage(BaseModel):
    """A page of the feed."""

    changes: list[ChangeOut]
    next_cursor: int = Field(description="下次请求的 since 参数")
    has_more: bool


def changes_since(session: Session, since: int, limit: int) -> ChangePage:
    """Events with cursor greater than `since`, oldest first."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = (
        select(ChangeEvent, CreditRecord, Subject.uscc, Subject.name, Subject.kind, Department.uscc)
        .join(CreditRecord, CreditRecord.id == ChangeEvent.record_id)
        .join(Subject, Subject.id == ChangeEvent.subject_id)
        .join(Department, Department.id == CreditRecord.department_id)
        .join(RecordType, RecordType.id == CreditRecord.record_type_id)
        .where(ChangeEvent.id > since).order_by(ChangeEvent.id).limit(limit + 1)
    )
    rows = session.execute(stmt).all()
    from xinyong import masking
    from xinyong.subjects.states import SubjectKind

    changes = []
    for event, record, uscc, name, kind, dept in rows[:limit]:
        person = kind == SubjectKind.NATURAL_PERSON  # from the join: no lazy load per event
        changes.append(ChangeOut(
            cursor=event.id, occurred_at=event.occurred_at, kind=str(event.kind), record_type=event.record_type_code,
            natural_key=event.natural_key, version=event.version, subject_code=uscc,
            subject_name=masking.mask_name(name) if person else name, department=dept,
            decision_on=record.decision_on, status=str(record.status), data=record.data,
        ))
    next_cursor = changes[-1].cursor if changes else since
    return ChangePage(changes=changes, next_cursor=next_cursor, has_more=len(rows) > limit)
