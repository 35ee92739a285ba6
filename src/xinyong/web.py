"""Request plumbing shared by API and portal routes: session, caller, templates, CSRF."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.errors import CsrfFailed
from xinyong.accounts.models import LoginSession
from xinyong.accounts.service import Principal
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.errors import Unauthorized


class ErrorOut(BaseModel):
    """Body of every error answer under /api."""

    error: str = Field(description="稳定的错误代码，如 invalid_code、subject_not_found")
    detail: str = Field(description="中文说明")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in ((401, "未认证或 API 密钥无效"), (403, "无权操作"), (404, "不存在"), (422, "输入有误"))
}

SESSION_COOKIE = "xy_session"
CSRF_COOKIE = "xy_csrf"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "portal" / "templates"))


def get_db(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed before the response is sent, rolled back on error."""
    session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def get_settings_dep(request: Request) -> Settings:
    """Settings the app was built with."""
    return request.app.state.settings


def get_keyring(request: Request) -> Keyring:
    """Verified keyring of this installation."""
    return request.app.state.keyring


AppSettings = Annotated[Settings, Depends(get_settings_dep)]
AppKeyring = Annotated[Keyring, Depends(get_keyring)]


def current_login(request: Request, session: DbSession) -> LoginSession | None:
    """The console login of this browser, if any."""
    return accounts.resolve_login_session(session, request.cookies.get(SESSION_COOKIE))


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """Caller from an API key (Authorization: Bearer or X-API-Key) or a console session."""
    header = request.headers.get("authorization", "")
    key = request.headers.get("x-api-key") or (header[7:] if header.lower().startswith("bearer ") else None)
    if key:
        return accounts.resolve_api_key(session, key)
    login = current_login(request, session)
    return accounts.principal_for_user(login.user) if login else None


def require_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """Caller that must be authenticated."""
    if principal is None:
        raise Unauthorized("需要登录或提供 API 密钥")
    return principal


Caller = Annotated[Principal, Depends(require_principal)]


def csrf_for(request: Request, login: LoginSession | None) -> str:
    """CSRF token to embed in a form: the session's, or a cookie-bound one before login."""
    if login is not None:
        return login.csrf_token
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = token
    return token


def check_csrf(request: Request, login: LoginSession | None, submitted: str | None) -> None:
    """Refuse a form post whose token does not match the session (or pre-login cookie)."""
    expected = login.csrf_token if login is not None else request.cookies.get(CSRF_COOKIE)
    # Compare bytes: compare_digest raises TypeError on non-ASCII str, which would be a 500, not a refusal.
    if not expected or not submitted or not secrets.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfFailed("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Any:
    """Render a portal template with the common context."""
    settings: Settings = request.app.state.settings
    response = templates.TemplateResponse(
        request, name, {"settings": settings, **context}, status_code=status_code
    )
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        response.set_cookie(CSRF_COOKIE, new_cookie, httponly=True, samesite="strict", secure=settings.cookie_secure)
    return response
