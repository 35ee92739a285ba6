"""The append-only change feed (F14): upper-level platforms page through record and list events with a cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from xinyong import masking
from xinyong.departments.models import Department
from xinyong.lists.models import ListEntry, ListType
from xinyong.records.models import ChangeEvent, CreditRecord
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind

MAX_PAGE = 1_000
RECORD_TOPIC, LIST_TOPIC = "record", "list"


class ListEntryOut(BaseModel):
    """The list entry a list event is about, as it stands now (persons masked)."""

    id: int
    list_type: str = Field(description="名单类型代码")
    list_type_name: str
    kind: str = Field(description="名单种类：红名单 / 严重失信主体名单 / 重点关注名单 / 信用预警名单")
    domain: str = Field(description="重点领域")
    status: str = Field(description="proposed / notified / effective / suspended / exited / withdrawn")
    subject_name: str = Field(description="主体名称（自然人已脱敏）")
    subject_code: str | None = Field(description="统一社会信用代码（自然人不返回）")
    subject_masked_id: str | None = Field(description="自然人证件号码（脱敏）")
    department: str | None = Field(description="认定部门统一社会信用代码")
    valid_from: dt.date
    valid_until: dt.date
    exit_reason: str | None


class ChangeOut(BaseModel):
    """One event; `cursor` is what to pass as `since` to continue after it."""

    cursor: int
    topic: str = Field(RECORD_TOPIC, description="record 信用记录 / list 名单条目")
    occurred_at: dt.datetime
    kind: str = Field(description="记录：accepted 新增 / updated 更新 / revoked 撤销 / expired 公示期满 / "
                                  "repaired 信用修复（停止公示和共享）；"
                                  "名单：list.proposed / list.notified / list.effective / list.suspended / "
                                  "list.exited / list.withdrawn")
    record_type: str | None = Field(None, description="信用信息目录代码（仅记录事件）")
    natural_key: str | None = Field(None, description="记录自然键（仅记录事件）")
    version: int | None = Field(None, description="记录版本（仅记录事件）")
    subject_code: str | None = Field(description="主体统一社会信用代码（自然人不返回证件号码）")
    subject_name: str
    department: str | None = Field(description="报送或认定部门统一社会信用代码")
    decision_on: dt.date | None = Field(None, description="决定日期（仅记录事件）")
    status: str = Field(description="记录或名单条目的当前状态")
    data: dict[str, object] | None = Field(None, description="记录字段（个人信息已脱敏；仅记录事件）")
    list_entry: ListEntryOut | None = Field(None, description="名单条目摘要（仅名单事件）")


class ChangePage(BaseModel):
    """A page of the feed."""

    changes: list[ChangeOut]
    next_cursor: int = Field(description="下次请求的 since 参数")
    has_more: bool


def _statement() -> Select[Any]:
    """Every event with what it is about, in one statement: outer joins, never a query per event."""
    record_dept, entry_dept = aliased(Department), aliased(Department)
    return (
        select(
            ChangeEvent, CreditRecord.decision_on, CreditRecord.status, CreditRecord.data,
            Subject.uscc, Subject.name, Subject.kind, record_dept.uscc, entry_dept.uscc,
            ListEntry.id, ListEntry.status, ListEntry.subject_name, ListEntry.subject_code,
            ListEntry.subject_masked_id, ListEntry.valid_from, ListEntry.valid_until, ListEntry.exit_reason,
            ListType.code, ListType.name, ListType.kind, ListType.domain,
        )
        .join(Subject, Subject.id == ChangeEvent.subject_id)
        .outerjoin(CreditRecord, CreditRecord.id == ChangeEvent.record_id)
        .outerjoin(record_dept, record_dept.id == CreditRecord.department_id)
        .outerjoin(ListEntry, ListEntry.id == ChangeEvent.list_entry_id)
        .outerjoin(ListType, ListType.id == ListEntry.list_type_id)
        .outerjoin(entry_dept, entry_dept.id == ListEntry.department_id)
    )


def _change(row: Any) -> ChangeOut:
    """Turn one joined row into an event; natural persons are masked."""
    (event, decided, record_status, data, uscc, name, subject_kind, record_dept, entry_dept,
     entry_id, entry_status, entry_name, entry_code, entry_masked_id, valid_from, valid_until, exit_reason,
     type_code, type_name, list_kind, domain) = row
    person = subject_kind == SubjectKind.NATURAL_PERSON  # from the join: no lazy load per event
    common = {"cursor": event.id, "occurred_at": event.occurred_at, "kind": str(event.kind), "subject_code": uscc,
              "subject_name": masking.mask_name(name) if person else name}
    if entry_id is None:
        return ChangeOut(**common, topic=RECORD_TOPIC, record_type=event.record_type_code,
                         natural_key=event.natural_key, version=event.version, department=record_dept,
                         decision_on=decided, status=str(record_status), data=data)
    entry = ListEntryOut(
        id=entry_id, list_type=type_code, list_type_name=type_name, kind=str(list_kind), domain=str(domain),
        status=str(entry_status), subject_name=masking.mask_name(entry_name) if person else entry_name,
        subject_code=None if person else entry_code, subject_masked_id=entry_masked_id if person else None,
        department=entry_dept, valid_from=valid_from, valid_until=valid_until,
        exit_reason=str(exit_reason) if exit_reason is not None else None,
    )
    return ChangeOut(**common, topic=LIST_TOPIC, department=entry_dept, status=str(entry_status), list_entry=entry)


def changes_since(session: Session, since: int, limit: int) -> ChangePage:
    """Events of both topics with cursor greater than `since`, oldest first."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = _statement().where(ChangeEvent.id > since).order_by(ChangeEvent.id).limit(limit + 1)
    rows = session.execute(stmt).all()
    changes = [_change(row) for row in rows[:limit]]
    next_cursor = changes[-1].cursor if changes else since
    return ChangePage(changes=changes, next_cursor=next_cursor, has_more=len(rows) > limit)


def changes_by_id(session: Session, event_ids: Sequence[int]) -> dict[int, ChangeOut]:
    """The given events as the feed shows them (webhook payloads), in one statement."""
    if not event_ids:
        return {}
    rows = session.execute(_statement().where(ChangeEvent.id.in_(sorted(set(event_ids))))).all()
    return {change.cursor: change for change in map(_change, rows)}


def last_cursor(session: Session) -> int:
    """The newest cursor (0 on an empty feed)."""
    return session.scalar(select(func.max(ChangeEvent.id))) or 0
