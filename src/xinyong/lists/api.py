"""Lists API: list types, the entry workflow (propose, notice, approve, exit) and the public list publication."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field

from xinyong.accounts.states import Role
from xinyong.calendar import WorkingCalendar, get_default_calendar
from xinyong.codes import DocumentType
from xinyong.departments.models import Department
from xinyong.departments.service import get_department
from xinyong.errors import InvalidInput
from xinyong.lists import exits, publication, repository, service, views
from xinyong.lists.errors import EntryNotFound
from xinyong.lists.models import ListEntry
from xinyong.lists.schemas import EntryOut, EntryProposal, ExitIn, NoticeIn, ReasonIn, SubjectRef
from xinyong.web import AppKeyring, Caller, DbSession

router = APIRouter(tags=["信用名单"])
PUBLIC_PAGE_SIZE = 20
EntryId = Annotated[int, Path(ge=1, description="名单条目编号")]


def calendar_dep() -> WorkingCalendar:
    """The statutory working-day calendar (objection windows, publication deadlines)."""
    return get_default_calendar()


AppCalendar = Annotated[WorkingCalendar, Depends(calendar_dep)]


class ProposalIn(EntryProposal):
    """A proposal; department clerks propose for their own department, the credit office names one."""

    department: str | None = Field(None, max_length=40, description="认定部门统一社会信用代码（信用办代为提出时必填）")


def check_subject_ref(ref: SubjectRef) -> None:
    """Refuse an unknown document type before it reaches the person lookup."""
    if not ref.code and ref.document_type and ref.document_type not in {d.value for d in DocumentType}:
        raise InvalidInput(f"未知的证件类型“{ref.document_type}”，应为：{'、'.join(d.value for d in DocumentType)}")


def proposing_department(session: DbSession, caller: Caller, uscc: str | None) -> Department:
    """The caller's own department, or the one the credit office names."""
    caller.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    if uscc:
        department = get_department(session, uscc)
        caller.require_department(department.id)
        return department
    if caller.department_id is None:
        raise InvalidInput("信用办代为提出列入时须指定认定部门（department）")
    return session.get(Department, caller.department_id)


def entry_for(session: DbSession, caller: Caller, entry_id: int) -> ListEntry:
    """An entry the caller may see: the credit office sees all, a clerk only their department's."""
    caller.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    entry = repository.get_entry(session, entry_id)
    if entry is None:
        raise EntryNotFound(f"名单条目 {entry_id} 不存在")
    caller.require_department(entry.department_id)
    return entry


def _out(session: DbSession, entry: ListEntry) -> EntryOut:
    dept = session.get(Department, entry.department_id)
    return views.entry_out(entry, dept.name if dept else "")


@router.get("/lists/types", response_model=list[views.ListTypeOut], summary="名单类型")
def list_types(session: DbSession,
               include_inactive: Annotated[bool, Query(description="是否包括已停用的类型")] = False,
               ) -> list[views.ListTypeOut]:
    """Every list type with its legal basis, criteria, validity and exit conditions (public)."""
    return [views.ListTypeOut.of(t) for t in repository.list_types(session, active_only=not include_inactive)]


@router.post("/lists/entries", response_model=EntryOut, status_code=201, summary="提出列入（初步认定）")
def propose(body: ProposalIn, session: DbSession, keyring: AppKeyring, calendar: AppCalendar,
            caller: Caller) -> EntryOut:
    """A department clerk (own department) or the credit office proposes to list a subject; nothing is public yet."""
    department = proposing_department(session, caller, body.department)
    check_subject_ref(body.subject)
    proposal = EntryProposal.model_validate(body.model_dump(exclude={"department"}))
    return _out(session, service.propose(session, keyring, calendar, caller, department, proposal))


@router.post("/lists/entries/{entry_id}/notice", response_model=EntryOut, summary="登记告知书送达")
def notice(entry_id: EntryId, body: NoticeIn, session: DbSession, calendar: AppCalendar, caller: Caller) -> EntryOut:
    """The prior notice (告知) was delivered; the objection window runs from the delivery date."""
    entry = entry_for(session, caller, entry_id)
    service.record_notice(session, calendar, caller, entry, notice_text=body.notice_text, delivered_on=body.delivered_on)
    return _out(session, entry)


@router.post("/lists/entries/{entry_id}/approve", response_model=views.ApproveOut, summary="审核通过（列入并公示）")
def approve(entry_id: EntryId, session: DbSession, caller: Caller) -> views.ApproveOut:
    """The credit office approves after due process; the red/black cross-check made before approval is returned."""
    caller.require(Role.CREDIT_OFFICE_ADMIN)
    entry = entry_for(session, caller, entry_id)
    checked = views.cross_check_out(entry, service.cross_check(session, entry))
    service.approve(session, caller, entry, today=dt.date.today())
    return views.ApproveOut(entry=_out(session, entry), cross_check=checked)


@router.post("/lists/entries/{entry_id}/withdraw", response_model=EntryOut, summary="撤回拟列入")
def withdraw(entry_id: EntryId, body: ReasonIn, session: DbSession, caller: Caller) -> EntryOut:
    """A proposal that will not take effect."""
    entry = entry_for(session, caller, entry_id)
    return _out(session, service.withdraw(session, caller, entry, reason=body.reason))


@router.post("/lists/entries/{entry_id}/suspend", response_model=EntryOut, summary="暂停（异议核查中）")
def suspend(entry_id: EntryId, body: ReasonIn, session: DbSession, caller: Caller) -> EntryOut:
    """An objection on an effective entry is being verified; measures are not applied meanwhile."""
    entry = entry_for(session, caller, entry_id)
    return _out(session, exits.suspend(session, caller, entry, reason=body.reason))


@router.post("/lists/entries/{entry_id}/reinstate", response_model=EntryOut, summary="恢复（异议不成立）")
def reinstate(entry_id: EntryId, body: ReasonIn, session: DbSession, caller: Caller) -> EntryOut:
    """The objection was rejected; the entry applies again."""
    entry = entry_for(session, caller, entry_id)
    return _out(session, exits.reinstate(session, caller, entry, reason=body.reason))


@router.post("/lists/entries/{entry_id}/exit", response_model=EntryOut, summary="移出名单")
def exit_entry(entry_id: EntryId, body: ExitIn, session: DbSession, caller: Caller) -> EntryOut:
    """End an entry early (repair, correction, mistake, changed standard); an exit announcement is published."""
    entry = entry_for(session, caller, entry_id)
    return _out(session, exits.exit_by(session, caller, entry, body.reason, body.note))


@router.get("/lists/entries/{entry_id}", response_model=views.EntryDetailOut, summary="名单条目详情")
def get_entry(entry_id: EntryId, session: DbSession, caller: Caller) -> views.EntryDetailOut:
    """An entry with its due-process dates, state history and exit announcement."""
    return views.entry_detail(session, entry_for(session, caller, entry_id))


@router.get("/lists/entries/{entry_id}/cross-check", response_model=views.CrossCheckOut, summary="红黑名单交叉比对")
def cross_check(entry_id: EntryId, session: DbSession, caller: Caller) -> views.CrossCheckOut:
    """Live entries that conflict with this one: black or watch for a red entry, red for a black or watch one."""
    entry = entry_for(session, caller, entry_id)
    return views.cross_check_out(entry, service.cross_check(session, entry))


@router.get("/lists/public", response_model=views.PublicPage, summary="名单公示查询")
def public_entries(
    session: DbSession,
    kind: Annotated[str, Query(max_length=20, description="名单类别：red、black、watch、warning 或中文名称")] = "",
    type: Annotated[str, Query(max_length=32, description="名单类型代码，如 market_serious_violation")] = "",
    domain: Annotated[str, Query(max_length=20, description="重点领域，如 市场监管")] = "",
    q: Annotated[str, Query(max_length=100, description="企业名称（包含）或统一社会信用代码")] = "",
    page: Annotated[int, Query(ge=1, le=10_000, description="页码，从 1 开始")] = 1,
) -> views.PublicPage:
    """Effective entries of public list types within their validity; persons are masked and never found by name."""
    total, rows = publication.list_public(
        session, dt.date.today(), kind=publication.parse_kind(kind), type_code=type.strip() or None,
        domain=publication.parse_domain(domain), q=q, offset=(page - 1) * PUBLIC_PAGE_SIZE, limit=PUBLIC_PAGE_SIZE)
    return views.PublicPage(total=total, page=page, page_size=PUBLIC_PAGE_SIZE,
                            items=views.public_entries(session, rows))


@router.get("/lists/announcements", response_model=views.AnnouncementPage, summary="退出公告")
def announcements(session: DbSession,
                  page: Annotated[int, Query(ge=1, le=10_000, description="页码，从 1 开始")] = 1,
                  ) -> views.AnnouncementPage:
    """Public announcements of entries leaving a list, newest first."""
    total, rows = publication.list_announcements(session, offset=(page - 1) * PUBLIC_PAGE_SIZE,
                                                 limit=PUBLIC_PAGE_SIZE)
    return views.AnnouncementPage(total=total, page=page, page_size=PUBLIC_PAGE_SIZE,
                                  items=views.announcements(session, rows))
