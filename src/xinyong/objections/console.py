"""Console pages of objections: the queue with deadlines and overdue marks, the case page and its decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts.models import LoginSession
from xinyong.accounts.service import Principal, principal_for_user
from xinyong.accounts.states import Role
from xinyong.attachments import repository as attachments
from xinyong.attachments.service import read_attachment
from xinyong.errors import InvalidInput, NotFound, XinyongError
from xinyong.lists.api import calendar_dep
from xinyong.objections import decisions, repository, views
from xinyong.objections.models import Objection
from xinyong.objections.states import REMEDIES_FOR, Remedy
from xinyong.objections.submission import OWNER_TYPE
from xinyong.web import AppSettings, DbSession, check_csrf, current_login, render, require_login

router = APIRouter(prefix="/console/objections", include_in_schema=False)
ObjectionId = Annotated[int, Path(ge=1)]
Text = Annotated[str, Form(max_length=4000)]
Csrf = Annotated[str, Form(max_length=100)]
OK_MESSAGES = {
    "accepted": "已受理，并出具受理通知书。", "not_accepted": "已决定不予受理，并出具不予受理通知书；“异议处理中”标注已取消。",
    "verifying": "已开始核查。", "upheld": "异议成立：已按所选方式处理，并出具异议处理决定书。",
    "rejected": "异议不成立：已恢复原状态，并出具异议处理决定书。", "extended": "已延长处理期限。",
}


def _principal(login: LoginSession) -> Principal:
    principal = principal_for_user(login.user)
    decisions.guard_role(principal)
    return principal


@router.get("", response_class=HTMLResponse)
def queue(request: Request, session: DbSession, ok: Annotated[str, Query(max_length=20)] = "") -> Any:
    """Open objections by deadline (own department, or all for the credit office), the overdue ones and the closed."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    principal = _principal(login)
    today = dt.date.today()
    scope = None if principal.role is Role.CREDIT_OFFICE_ADMIN else principal.department_id
    context = {
        "user": login.user, "admin": scope is None, "today": today, "ok": OK_MESSAGES.get(ok),
        "open": views.queue_rows(session, list(repository.queue(session, scope)), today),
        "overdue": views.queue_rows(session, list(repository.overdue(session, today, scope)), today),
        "closed": views.queue_rows(session, [o for o in repository.queue(session, scope, open_only=False, limit=100)
                                             if o.status not in decisions.OPEN_STATUSES], today),
    }
    return render(request, "console_objections.html", context)


def _case(request: Request, session: DbSession, login: LoginSession, objection: Objection,
          error: str | None = None, ok: str | None = None, status_code: int = 200) -> Any:
    context = views.case_context(session, objection, dt.date.today())
    context.update({"user": login.user, "csrf": login.csrf_token, "error": error, "ok": ok,
                    "remedies": REMEDIES_FOR[objection.target_kind]})
    return render(request, "console_objections_case.html", context, status_code=status_code)


@router.get("/{objection_id}", response_class=HTMLResponse)
def case_page(request: Request, session: DbSession, objection_id: ObjectionId,
              ok: Annotated[str, Query(max_length=20)] = "") -> Any:
    """One objection: the claim, evidence, deadlines, actions and full history."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    objection = decisions.get_for(session, _principal(login), objection_id)
    return _case(request, session, login, objection, ok=OK_MESSAGES.get(ok))


@router.get("/{objection_id}/files/{attachment_id}")
def evidence_file(request: Request, session: DbSession, settings: AppSettings, objection_id: ObjectionId,
                  attachment_id: Annotated[int, Path(ge=1)]) -> Response:
    """Download one evidence file (never rendered inline)."""
    login = require_login(request, session)
    objection = decisions.get_for(session, _principal(login), objection_id)
    found = attachments.get_attachment(session, OWNER_TYPE, objection.id, attachment_id)
    if found is None:
        raise NotFound("该证明材料不存在")
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(found.filename)}",
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"}
    return Response(read_attachment(settings, found), media_type=found.media_type, headers=headers)


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _act(request: Request, session: DbSession, objection_id: int, csrf: str, done: str,
         action: Callable[[Principal, Objection], object]) -> Any:
    login = require_login(request, session)
    check_csrf(request, login, csrf)
    principal = _principal(login)
    objection = decisions.get_for(session, principal, objection_id)
    try:
        action(principal, objection)
    except XinyongError as exc:
        session.rollback()
        return _case(request, session, login, decisions.get_for(session, principal, objection_id), error=exc.message,
                     status_code=exc.status)
    return RedirectResponse(f"/console/objections/{objection_id}?ok={done}", status_code=303)


@router.post("/{objection_id}/accept", response_class=HTMLResponse)
def accept(request: Request, session: DbSession, objection_id: ObjectionId, csrf: Csrf = "") -> Any:
    """受理."""
    return _act(request, session, objection_id, csrf, "accepted",
                lambda p, o: decisions.accept(session, p, o, today=dt.date.today()))


@router.post("/{objection_id}/not-accept", response_class=HTMLResponse)
def not_accept(request: Request, session: DbSession, objection_id: ObjectionId, csrf: Csrf = "",
               reason: Text = "") -> Any:
    """不予受理, with a reason."""
    return _act(request, session, objection_id, csrf, "not_accepted",
                lambda p, o: decisions.not_accept(session, p, o, reason=reason, today=dt.date.today()))


@router.post("/{objection_id}/verify", response_class=HTMLResponse)
def verify(request: Request, session: DbSession, objection_id: ObjectionId, csrf: Csrf = "") -> Any:
    """Start verifying."""
    return _act(request, session, objection_id, csrf, "verifying",
                lambda p, o: decisions.start_verifying(session, p, o))


@router.post("/{objection_id}/uphold", response_class=HTMLResponse)
def uphold(request: Request, session: DbSession, objection_id: ObjectionId, csrf: Csrf = "",
           remedy: Annotated[str, Form(max_length=20)] = "", reason: Text = "",
           field_code: Annotated[list[str] | None, Form()] = None,
           field_value: Annotated[list[str] | None, Form()] = None) -> Any:
    """异议成立: correct (only the fields whose value was changed) or revoke the record, or exit the entry."""
    def run(principal: Principal, objection: Objection) -> object:
        try:
            chosen = Remedy(remedy)
        except ValueError:
            raise InvalidInput("请选择处理方式") from None
        before = {code: old for code, _label, old in views.case_context(session, objection, dt.date.today())["record_fields"]}
        typed = dict(zip(field_code or [], field_value or [], strict=False))
        changes = {code: value[:4000] for code, value in typed.items() if before.get(code) != value.strip()}
        return decisions.uphold(session, principal, objection, remedy=chosen, reason=reason, changes=changes,
                                today=dt.date.today())

    return _act(request, session, objection_id, csrf, "upheld", run)


@router.post("/{objection_id}/reject", response_class=HTMLResponse)
def reject(request: Request, session: DbSession, objection_id: ObjectionId, csrf: Csrf = "", reason: Text = "") -> Any:
    """异议不成立, with a reason."""
    return _act(request, session, objection_id, csrf, "rejected",
                lambda p, o: decisions.reject(session, p, o, reason=reason, today=dt.date.today()))


@router.post("/{objection_id}/extend", response_class=HTMLResponse)
def extend(request: Request, session: DbSession, settings: AppSettings, objection_id: ObjectionId, csrf: Csrf = "",
           reason: Text = "") -> Any:
    """Extend the decision deadline once, with a reason."""
    return _act(request, session, objection_id, csrf, "extended",
                lambda p, o: decisions.extend(session, settings, calendar_dep(), p, o, reason=reason))
