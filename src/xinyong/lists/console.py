"""Console pages of lists: proposals and notices for clerks, the review queue and near-expiry list for the credit office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from xinyong.accounts.models import LoginSession
from xinyong.accounts.service import Principal, principal_for_user
from xinyong.accounts.states import Role
from xinyong.codes import DocumentType
from xinyong.departments import repository as departments_repository
from xinyong.departments.models import Department
from xinyong.departments.service import get_department
from xinyong.errors import InvalidInput, XinyongError
from xinyong.lists import exits, publication, repository, service, views
from xinyong.lists.api import calendar_dep, check_subject_ref
from xinyong.lists.definitions import ExitReason, ListKind
from xinyong.lists.errors import EntryNotFound
from xinyong.lists.models import ListEntry
from xinyong.lists.schemas import EntryProposal, SubjectRef
from xinyong.lists.states import EntryStatus
from xinyong.subjects.models import Subject
from xinyong.web import AppKeyring, DbSession, check_csrf, current_login, render, require_login

router = APIRouter(prefix="/console/lists", include_in_schema=False)
NEAR_EXPIRY_DAYS = 30
EntryId = Annotated[int, Path(ge=1)]
Text = Annotated[str, Form(max_length=4000)]
Csrf = Annotated[str, Form(max_length=100)]
OK_MESSAGES = {
    "proposed": "已提出列入。需要事前告知的，请登记告知书送达情况；之后由信用办审核。",
    "notified": "已登记告知书送达；异议期满后由信用办审核。",
    "approved": "已审核通过：名单条目生效并公示。",
    "withdrawn": "已撤回该拟列入条目。",
    "exited": "已移出名单，并发布退出公告。",
}
EXIT_CHOICES = [r for r in ExitReason if r not in (ExitReason.EXPIRED, ExitReason.CROSS_CHECK)]
FIELD_LABELS = {"list_type": "名单类型", "facts": "列入事由", "basis_note": "认定依据补充说明", "recognised_on": "认定日期",
                "valid_from": "有效期起", "valid_until": "有效期止", "subject": "主体", "code": "统一社会信用代码",
                "document_number": "证件号码"}


def _principal(login: LoginSession) -> Principal:
    principal = principal_for_user(login.user)
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    return principal


def _entry(session: DbSession, principal: Principal, entry_id: int) -> ListEntry:
    entry = repository.get_entry(session, entry_id)
    if entry is None:
        raise EntryNotFound(f"名单条目 {entry_id} 不存在")
    principal.require_department(entry.department_id)
    return entry


def _outs(session: DbSession, entries: list[ListEntry]) -> list[Any]:
    names = publication.department_names(session, [e.department_id for e in entries])
    return [views.entry_out(e, names.get(e.department_id, "")) for e in entries]


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession, ok: Annotated[str, Query(max_length=20)] = "") -> Any:
    """The clerk's department entries; the credit office's review queue and entries near expiry."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    principal = _principal(login)
    admin = principal.role is Role.CREDIT_OFFICE_ADMIN
    today = dt.date.today()
    context: dict[str, Any] = {"user": login.user, "csrf": login.csrf_token, "admin": admin,
                               "ok": OK_MESSAGES.get(ok), "near_days": NEAR_EXPIRY_DAYS, "today": today}
    if admin:
        context["queue"] = _outs(session, list(publication.review_queue(session)))
        context["near"] = _outs(session, list(repository.near_expiry(session, today, NEAR_EXPIRY_DAYS)))
    else:
        context["mine"] = _outs(session, list(publication.department_entries(session, principal.department_id)))
        context["granted"] = repository.granted_types(session, principal.department_id)
    return render(request, "console_lists.html", context)


def _propose_context(session: DbSession, login: LoginSession, principal: Principal, values: dict[str, str],
                     error: str | None = None) -> dict[str, Any]:
    if principal.role is Role.CREDIT_OFFICE_ADMIN:
        types, departments = repository.list_types(session), list(departments_repository.list_all(session))
    else:
        types = repository.granted_types(session, principal.department_id)
        departments = [session.get(Department, principal.department_id)]
    return {"user": login.user, "csrf": login.csrf_token, "error": error, "values": values,
            "types": [t for t in types if t.kind is not ListKind.WARNING and t.is_active],
            "departments": departments, "document_types": [d.value for d in DocumentType]}


@router.get("/propose", response_class=HTMLResponse)
def propose_form(request: Request, session: DbSession) -> Any:
    """Proposal form: list type among the granted ones, subject, facts and dates."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    values = {"recognised_on": dt.date.today().isoformat(), "document_type": DocumentType.RESIDENT_ID.value}
    return render(request, "console_lists_propose.html", _propose_context(session, login, _principal(login), values))


def _date(value: str, label: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{label}的格式应为 YYYY-MM-DD，收到“{value}”") from None


def _proposal(values: dict[str, str]) -> EntryProposal:
    code = values["code"].strip()
    ref = (SubjectRef(code=code) if code else
           SubjectRef(document_type=values["document_type"] or None, document_number=values["document_number"] or None))
    check_subject_ref(ref)
    recognised_on = _date(values["recognised_on"], "认定日期")
    if recognised_on is None:
        raise InvalidInput("请填写认定日期")
    try:
        return EntryProposal(list_type=values["list_type"], subject=ref, facts=values["facts"],
                             basis_note=values["basis_note"].strip() or None, recognised_on=recognised_on,
                             valid_from=_date(values["valid_from"], "有效期起"),
                             valid_until=_date(values["valid_until"], "有效期止"))
    except ValidationError as exc:
        fields = "、".join(dict.fromkeys(FIELD_LABELS.get(str(e["loc"][-1]), str(e["loc"][-1])) for e in exc.errors()))
        raise InvalidInput(f"请检查填写内容：{fields}") from None


@router.post("/propose", response_class=HTMLResponse)
def propose(
    request: Request, session: DbSession, keyring: AppKeyring, csrf: Csrf = "",
    list_type: Annotated[str, Form(max_length=32)] = "", department: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=40)] = "", document_type: Annotated[str, Form(max_length=32)] = "",
    document_number: Annotated[str, Form(max_length=40)] = "", facts: Text = "", basis_note: Text = "",
    recognised_on: Annotated[str, Form(max_length=10)] = "", valid_from: Annotated[str, Form(max_length=10)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
) -> Any:
    """Record a proposal; a refusal re-shows the form with the Chinese reason and what was typed."""
    login = require_login(request, session)
    check_csrf(request, login, csrf)
    principal = _principal(login)
    values = {"list_type": list_type, "department": department, "code": code, "document_type": document_type,
              "document_number": document_number, "facts": facts, "basis_note": basis_note,
              "recognised_on": recognised_on, "valid_from": valid_from, "valid_until": valid_until}
    try:
        if principal.role is Role.CREDIT_OFFICE_ADMIN:
            if not department:
                raise InvalidInput("请选择认定部门")
            dept = get_department(session, department)
        else:
            dept = session.get(Department, principal.department_id)
        entry = service.propose(session, keyring, calendar_dep(), principal, dept, _proposal(values))
    except XinyongError as exc:
        session.rollback()
        values["document_number"] = ""  # never echo a personal document number back into the page
        return render(request, "console_lists_propose.html",
                      _propose_context(session, login, principal, values, exc.message), status_code=exc.status)
    return RedirectResponse(f"/console/lists/{entry.id}?ok=proposed", status_code=303)


def _detail_context(session: DbSession, login: LoginSession, principal: Principal, entry: ListEntry) -> dict[str, Any]:
    today = dt.date.today()
    pending = entry.status in (EntryStatus.PROPOSED, EntryStatus.NOTIFIED)
    notice_missing = entry.status is EntryStatus.PROPOSED and service.notice_required(
        entry, session.get(Subject, entry.subject_id))
    objection_open = (entry.status is EntryStatus.NOTIFIED and entry.objection_until is not None
                      and today <= entry.objection_until)
    check = views.cross_check_out(entry, service.cross_check(session, entry)) if pending else None
    return {"user": login.user, "csrf": login.csrf_token, "entry": views.entry_detail(session, entry),
            "definition": entry.list_type.definition, "admin": principal.role is Role.CREDIT_OFFICE_ADMIN,
            "pending": pending, "can_notice": entry.status is EntryStatus.PROPOSED,
            "can_exit": entry.status in (EntryStatus.EFFECTIVE, EntryStatus.SUSPENDED),
            "notice_missing": notice_missing, "objection_open": objection_open, "check": check,
            "approvable": pending and not notice_missing and not objection_open and (check is None or check.passed),
            "exit_choices": [r.value for r in EXIT_CHOICES], "today": today.isoformat(), "error": None, "ok": None}


@router.get("/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, session: DbSession, entry_id: EntryId,
               ok: Annotated[str, Query(max_length=20)] = "") -> Any:
    """One entry: details, history, notice form, cross-check before the approve button, withdraw and exit."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    principal = _principal(login)
    context = _detail_context(session, login, principal, _entry(session, principal, entry_id))
    context["ok"] = OK_MESSAGES.get(ok)
    return render(request, "console_lists_entry.html", context)


def _act(request: Request, session: DbSession, entry_id: int, csrf: str, done: str,
         action: Callable[[Principal, ListEntry], object]) -> Any:
    login = require_login(request, session)
    check_csrf(request, login, csrf)
    principal = _principal(login)
    entry = _entry(session, principal, entry_id)
    try:
        action(principal, entry)
    except XinyongError as exc:
        session.rollback()
        entry = _entry(session, principal, entry_id)
        context = _detail_context(session, login, principal, entry)
        context["error"] = exc.message
        return render(request, "console_lists_entry.html", context, status_code=exc.status)
    return RedirectResponse(f"/console/lists/{entry_id}?ok={done}", status_code=303)


@router.post("/{entry_id}/notice", response_class=HTMLResponse)
def notice(request: Request, session: DbSession, entry_id: EntryId, csrf: Csrf = "", notice_text: Text = "",
           delivered_on: Annotated[str, Form(max_length=10)] = "") -> Any:
    """Record the delivery of the prior notice (告知书)."""
    def run(principal: Principal, entry: ListEntry) -> object:
        day = _date(delivered_on, "送达日期")
        if day is None or not notice_text.strip():
            raise InvalidInput("请填写告知书内容和送达日期")
        return service.record_notice(session, calendar_dep(), principal, entry, notice_text=notice_text,
                                     delivered_on=day)

    return _act(request, session, entry_id, csrf, "notified", run)


@router.post("/{entry_id}/approve", response_class=HTMLResponse)
def approve(request: Request, session: DbSession, entry_id: EntryId, csrf: Csrf = "") -> Any:
    """The credit office approves after due process and the cross-check."""
    return _act(request, session, entry_id, csrf, "approved",
                lambda p, e: service.approve(session, p, e, today=dt.date.today()))


@router.post("/{entry_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, session: DbSession, entry_id: EntryId, csrf: Csrf = "", reason: Text = "") -> Any:
    """Withdraw a proposal that will not take effect."""
    def run(principal: Principal, entry: ListEntry) -> object:
        if not reason.strip():
            raise InvalidInput("请填写撤回理由")
        return service.withdraw(session, principal, entry, reason=reason.strip())

    return _act(request, session, entry_id, csrf, "withdrawn", run)


@router.post("/{entry_id}/exit", response_class=HTMLResponse)
def exit_entry(request: Request, session: DbSession, entry_id: EntryId, csrf: Csrf = "",
               reason: Annotated[str, Form(max_length=40)] = "", note: Text = "") -> Any:
    """End an entry early; the exit announcement is published."""
    def run(principal: Principal, entry: ListEntry) -> object:
        try:
            chosen = ExitReason(reason)
        except ValueError:
            raise InvalidInput("请选择移出原因") from None
        return exits.exit_by(session, principal, entry, chosen, note.strip() or None)

    return _act(request, session, entry_id, csrf, "exited", run)
