"""Portal page of the self query (本人查询): ID number → one-time code to the phone on file → own full record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from xinyong.errors import XinyongError
from xinyong.queries import service
from xinyong.queries.api import CODE_SENT
from xinyong.web import AppKeyring, AppSettings, DbSession, check_csrf, csrf_for, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=40)]


def _page(request: Request, *, step: str, number: str = "", message: str | None = None, error: str | None = None,
          status: int = 200) -> Any:
    return render(request, "query_self.html", {"step": step, "number": number, "message": message, "error": error,
                                                "csrf": csrf_for(request, None)}, status_code=status)


@router.get("/query/self", response_class=HTMLResponse)
def form(request: Request) -> Any:
    """Step 1: the ID number."""
    return _page(request, step="number")


@router.post("/query/self/code", response_class=HTMLResponse)
def send_code(request: Request, session: DbSession, keyring: AppKeyring, settings: AppSettings,
              document_number: Text = "", csrf: Text = "") -> Any:
    """Step 2: a code is sent if the number has a phone on file; the page says the same either way."""
    check_csrf(request, None, csrf)
    try:
        service.request_code(session, keyring, request.app.state.code_sender, document_type="居民身份证",
                             document_number=document_number, minutes=settings.query_code_minutes,
                             platform=settings.platform_name)
    except XinyongError as exc:
        return _page(request, step="number", number=document_number, error=exc.message, status=exc.status)
    return _page(request, step="code", number=document_number,
                 message=f"{CODE_SENT}（{settings.query_code_minutes}分钟内有效）。")


@router.post("/query/self", response_class=HTMLResponse)
def show(request: Request, session: DbSession, keyring: AppKeyring, document_number: Text = "", code: Text = "",
         csrf: Text = "") -> Any:
    """Step 3: the own full record; a refused code is answered (not raised) so the failed attempt is kept."""
    check_csrf(request, None, csrf)
    try:
        record = service.self_query(session, keyring, document_type="居民身份证", document_number=document_number,
                                    code=code, client_ip=request.client.host if request.client else None)
    except XinyongError as exc:
        return _page(request, step="code", number=document_number, error=exc.message, status=exc.status)
    return render(request, "query_result.html", {"record": record})
