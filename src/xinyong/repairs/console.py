"""Console pages of credit repair: queues with deadlines and overdue marks, decisions with reasons, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts.models import LoginSession
from xinyong.accounts.service import Principal, principal_for_user
from xinyong.accounts.states import Role
from xinyong.attachments.repository import attachments_of, get_attachment
from xinyong.attachments.service import read_attachment
from xinyong.departments.models import Department
from xinyong.errors import XinyongError
from xinyong.repairs import decisions, repository, service
from xinyong.repairs.errors import RepairNotFound
from xinyong.repairs.models import RepairApplication
from xinyong.repairs.states import REPAIR_LABELS, RepairStatus
from xinyong.web import AppSettings, DbSession, check_csrf, current_login, render, require_login

router = APIRouter(prefix="/console/repairs", include_in_schema=False)
AppId = Annotated[int, Path(ge=1)]
Csrf = Annotated[str, Form(max_length=100)]
Reason = Annotated[str, Form(max_length=4000)]
OK_MESSAGES = {"accepted": "已受理，受理通知书已出具。", "refused": "已决定不予受理，通知书已出具。",
               "approved": "已准予修复：信息停止公示和共享，相关名单条目已提前退出，决定书已出具。",
               "rejected": "已决定不予修复，决定书已出具。"}
RECENT = (RepairStatus.REFUSED, RepairStatus.REJECTED, RepairStatus.DONE)


def _principal(login: LoginSession) -> Principal:
    principal = principal_for_user(login.user)
    principal.require(*decisions.DECIDERS)
    return principal


def row(app: RepairApplication, today: dt.date, departments: dict[int, str]) -> dict[str, Any]:
    """One queue line with its deadline and overdue marks."""
    waiting_accept = app.status is RepairStatus.SUBMITTED
    open_ = app.status in (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED)
    return {"app": app, "label": REPAIR_LABELS[app.status], "department": departments.get(app.department_id, ""),
            "due": app.accept_due_on if waiting_accept else app.decide_due_on,
            "accept_overdue": app.accept_overdue or (waiting_accept and today > app.accept_due_on),
            "decide_overdue": app.decide_overdue or (open_ and today > app.decide_due_on)}


def _departments(session: DbSession, apps: list[RepairApplication]) -> dict[int, str]:
    ids = {a.department_id for a in apps}
    return {d.id: d.name for d in (session.get(Department, i) for i in ids) if d is not None}


@router.get("", response_class=HTMLResponse)
def queues(request: Request, session: DbSession, ok: Annotated[str, Query(max_length=20)] = "") -> Any:
    """To accept, to decide, recently closed: the clerk's own department, everything for the credit office."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    principal = _principal(login)
    scope = None if principal.role is Role.CREDIT_OFFICE_ADMIN else principal.department_id
    today = dt.date.today()
    groups = {"to_accept": list(repository.queue(session, scope, [RepairStatus.SUBMITTED])),
              "to_decide": list(repository.queue(session, scope, [RepairStatus.ACCEPTED])),
              "closed": list(repository.queue(session, scope, RECENT, limit=50))}
    names = _departments(session, [a for apps in groups.values() for a in apps])
    context = {key: [row(a, today, names) for a in apps] for key, apps in groups.items()}
    context.update({"user": login.user, "admin": scope is None, "ok": OK_MESSAGES.get(ok), "today": today})
    return render(request, "console_repairs.html", context)


def _detail(session: DbSession, login: LoginSession, app: RepairApplication, error: str | None = None,
            ok: str | None = None) -> dict[str, Any]:
    names = _departments(session, [app])
    return {"user": login.user, "csrf": login.csrf_token, "row": row(app, dt.date.today(), names),
            "repair": service.view(session, app), "app": app, "error": error, "ok": ok,
            "attachments": attachments_of(session, service.OWNER_TYPE, app.id),
            "can_accept": app.status is RepairStatus.SUBMITTED, "can_decide": app.status is RepairStatus.ACCEPTED}


@router.get("/{app_id}", response_class=HTMLResponse)
def detail(request: Request, session: DbSession, app_id: AppId, ok: Annotated[str, Query(max_length=20)] = "") -> Any:
    """One application: facts, evidence, commitment, actions, notices and full history."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    app = decisions.get_for(session, _principal(login), app_id)
    return render(request, "console_repairs_detail.html", _detail(session, login, app, ok=OK_MESSAGES.get(ok)))


def _act(request: Request, session: DbSession, app_id: int, csrf: str, done: str,
         action: Callable[[Principal, RepairApplication], object]) -> Any:
    login = require_login(request, session)
    check_csrf(request, login, csrf)
    principal = _principal(login)
    app = decisions.get_for(session, principal, app_id)
    try:
        action(principal, app)
    except XinyongError as exc:
        session.rollback()
        app = decisions.get_for(session, principal, app_id)
        return render(request, "console_repairs_detail.html", _detail(session, login, app, error=exc.message),
                      status_code=exc.status)
    return RedirectResponse(f"/console/repairs/{app_id}?ok={done}", status_code=303)


@router.post("/{app_id}/accept", response_class=HTMLResponse)
def accept(request: Request, session: DbSession, app_id: AppId, csrf: Csrf = "") -> Any:
    """Accept (受理) and issue the acceptance notice."""
    return _act(request, session, app_id, csrf, "accepted",
                lambda p, a: decisions.accept(session, p, a, today=dt.date.today()))


@router.post("/{app_id}/refuse", response_class=HTMLResponse)
def refuse(request: Request, session: DbSession, app_id: AppId, csrf: Csrf = "", reason: Reason = "") -> Any:
    """Refuse to accept, with the reason."""
    return _act(request, session, app_id, csrf, "refused",
                lambda p, a: decisions.refuse(session, p, a, reason=reason, today=dt.date.today()))


@router.post("/{app_id}/approve", response_class=HTMLResponse)
def approve(request: Request, session: DbSession, app_id: AppId, csrf: Csrf = "", reason: Reason = "") -> Any:
    """Approve: the repair takes effect at once."""
    return _act(request, session, app_id, csrf, "approved",
                lambda p, a: decisions.approve(session, p, a, today=dt.date.today(), reason=reason))


@router.post("/{app_id}/reject", response_class=HTMLResponse)
def reject(request: Request, session: DbSession, app_id: AppId, csrf: Csrf = "", reason: Reason = "") -> Any:
    """Reject, with the reason."""
    return _act(request, session, app_id, csrf, "rejected",
                lambda p, a: decisions.reject(session, p, a, reason=reason, today=dt.date.today()))


@router.get("/{app_id}/notices/{notice_id}", response_class=HTMLResponse)
def notice(request: Request, session: DbSession, app_id: AppId, notice_id: AppId) -> Any:
    """A printable notice."""
    app = decisions.get_for(session, _principal(require_login(request, session)), app_id)
    found = next((n for n in repository.notices_of(session, app.id) if n.id == notice_id), None)
    if found is None:
        raise RepairNotFound("通知书不存在")
    return render(request, "repair_notice.html", {"notice": found, "repair": app,
                                                  "department": _departments(session, [app]).get(app.department_id)})


@router.get("/{app_id}/attachments/{attachment_id}")
def attachment(request: Request, session: DbSession, settings: AppSettings, app_id: AppId,
               attachment_id: AppId) -> Response:
    """Download one evidence file (never served from a web folder)."""
    app = decisions.get_for(session, _principal(require_login(request, session)), app_id)
    found = get_attachment(session, service.OWNER_TYPE, app.id, attachment_id)
    if found is None:
        raise RepairNotFound("附件不存在")
    return Response(read_attachment(settings, found), media_type=found.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
        "X-Content-Type-Options": "nosniff"})

