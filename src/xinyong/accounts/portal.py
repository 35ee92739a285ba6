"""Console login, logout and dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from xinyong.accounts import service
from xinyong.accounts.errors import LoginFailed
from xinyong.catalog import repository as catalog_repository
from xinyong.departments import repository as departments_repository
from xinyong.web import SESSION_COOKIE, AppSettings, DbSession, check_csrf, csrf_for, current_login, render

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: DbSession) -> Any:
    """Login page."""
    return render(request, "login.html", {"csrf": csrf_for(request, None), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: DbSession, settings: AppSettings,
          username: Annotated[str, Form(max_length=64)], password: Annotated[str, Form(max_length=200)],
          csrf: Annotated[str, Form(max_length=100)] = "") -> Any:
    """Check credentials and start a session."""
    check_csrf(request, None, csrf)
    try:
        user = service.authenticate(session, username.strip(), password)
    except LoginFailed as exc:
        return render(request, "login.html", {"csrf": csrf, "error": exc.message, "username": username},
                      status_code=401)
    _, token = service.start_login_session(session, user, settings.session_hours)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.cookie_secure,
                        max_age=settings.session_hours * 3600)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf: Annotated[str, Form(max_length=100)] = "") -> Any:
    """End the session."""
    login = current_login(request, session)
    if login is not None:
        check_csrf(request, login, csrf)
        service.end_login_session(session, login)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, session: DbSession) -> Any:
    """Console home: who is logged in, departments and catalogue."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    return render(request, "console.html", {
        "user": login.user, "csrf": login.csrf_token,
        "departments": departments_repository.list_all(session),
        "record_types": catalog_repository.list_all(session),
    })
