"""Request plumbing shared by API and portal routes: session, caller, templates, CSRF."""

from __future__ import annotations

import asyncio
import secrets
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

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


T = TypeVar("T")


class RequestSlots:
    """At most `size` requests of one process hold a database session at a time.

    Why: a session takes a pooled connection at its first query and keeps it across the thread hops of
    its request (dependencies, route, commit). With more such requests than connections, worker threads
    block on the pool while the requests holding connections wait for a thread: the server deadlocks.
    Admitting no more requests than the pool has connections makes every checkout succeed at once.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary())

    def acquire(self) -> asyncio.Semaphore:
        """The semaphore of the running event loop (test clients run several loops)."""
        loop = asyncio.get_running_loop()
        found = self._by_loop.get(loop)
        if found is None:
            found = self._by_loop[loop] = asyncio.Semaphore(self.size)
        return found


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: committed before the response is sent, rolled back on error."""
    async with request.app.state.request_slots.acquire():
        session = request.app.state.session_factory()
        try:
            yield session
        except BaseException:
            with anyio.CancelScope(shield=True):  # a dropped client must still give the connection back
                await run_in_threadpool(_finish, session, False)
            raise
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_finish, session, True)


def _open_unit(factory: sessionmaker[Session], appends: bool, read_only: bool) -> tuple[Connection | None, Session]:
    bind = factory.kw.get("bind")
    if not (appends or read_only) or not isinstance(bind, Engine):
        return None, factory()
    if bind.dialect.name == "postgresql":  # each statement commits by itself: no BEGIN/COMMIT round trips
        connection = bind.connect().execution_options(isolation_level="AUTOCOMMIT")
    elif appends:  # SQLite: take the write lock first, waiting for it, instead of failing on the upgrade
        connection = bind.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE")
    else:
        return None, factory()
    return connection, factory(bind=connection)


def _run_unit(factory: sessionmaker[Session], work: Callable[[Session], T], appends: bool, read_only: bool) -> T:
    for attempt in (1, 2):
        connection, session = _open_unit(factory, appends, read_only)
        try:
            result = work(session)
            session.commit()
            return result
        except DBAPIError as exc:
            session.rollback()
            if attempt == 1 and exc.connection_invalidated:
                continue  # a pooled connection died (database restarted): once more on a fresh one
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if connection is not None:
                connection.close()
    raise AssertionError("unreachable")


async def in_unit_of_work(request: Request, work: Callable[[Session], T], *, appends: bool = False,
                          read_only: bool = False) -> T:
    """Run `work(session)` and commit in one worker thread: a hot API route's whole request in one hop.

    appends: the work reads and then appends rows, with nothing to roll back together, so on PostgreSQL
    each statement commits by itself, and on SQLite the write lock is taken up front. read_only: the work
    only reads (PostgreSQL: no BEGIN/COMMIT round trips; its statements may see successive commits).
    """
    async with request.app.state.request_slots.acquire():
        return await run_in_threadpool(_run_unit, request.app.state.session_factory, work, appends, read_only)


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


def require_login(request: Request, session: Session) -> LoginSession:
    """The console login of this browser, or Unauthorized (the console pages' gate)."""
    login = current_login(request, session)
    if login is None:
        raise Unauthorized("请先登录工作台")
    return login


def principal_from_request(request: Request, session: Session) -> Principal | None:
    """Caller from an API key (Authorization: Bearer or X-API-Key) or a console session."""
    header = request.headers.get("authorization", "")
    key = request.headers.get("x-api-key") or (header[7:] if header.lower().startswith("bearer ") else None)
    if key:
        return accounts.resolve_api_key(session, key)
    login = current_login(request, session)
    return accounts.principal_for_user(login.user) if login else None


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """Caller from an API key or a console session, if any."""
    return principal_from_request(request, session)


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
