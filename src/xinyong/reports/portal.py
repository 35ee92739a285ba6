"""Public report pages: download a subject's report, and verify a report by number and file, hash or code."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from xinyong.accounts.service import principal_for_user
from xinyong.errors import XinyongError
from xinyong.reports import service
from xinyong.reports.content import local_time
from xinyong.reports.schemas import ReportVerificationOut, checked_by
from xinyong.subjects.service import get_organisation
from xinyong.web import AppSettings, DbSession, current_login, render

router = APIRouter(prefix="/reports", include_in_schema=False)
PORTAL_ACTOR = "public"


@router.get("/subjects/{code}.pdf")
def download(request: Request, session: DbSession, settings: AppSettings, code: str) -> Any:
    """Issue and download the public edition of an organisation's report, issued by the console user or the public."""
    # Organisations only: a person's report is issued by the credit office (xinyong report), and an
    # identity number never belongs in a URL that proxies and access logs keep.
    subject = get_organisation(session, code[:40])
    login = current_login(request, session)
    actor = principal_for_user(login.user).actor if login is not None else PORTAL_ACTOR
    issued = service.issue_report(session, settings, subject, issued_by=actor, channel="portal")
    name = f"信用报告-{issued.report.number}.pdf"
    return Response(issued.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"{issued.report.number}.pdf\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    })


def _page(request: Request, number: str, code: str, result: ReportVerificationOut | None, error: str | None,
          status: int = 200) -> Any:
    return render(request, "report_verify.html", {"number": number, "code": code, "result": result, "error": error,
                                                  "local": local_time}, status_code=status)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, session: DbSession,
                number: Annotated[str, Query(max_length=40)] = "", code: Annotated[str, Query(max_length=16)] = "") -> Any:
    """The verification form; opened from a report's QR code it checks the printed code at once."""
    if not (number.strip() and code.strip()):
        return _page(request, number, code, None, None)
    try:
        report = service.verify_report(session, number, code=code)
    except XinyongError as exc:
        return _page(request, number, code, None, exc.message, exc.status)
    return _page(request, number, code, ReportVerificationOut.of(report, "code"), None)


@router.post("/verify", response_class=HTMLResponse)
def verify_submit(
    request: Request, session: DbSession, number: Annotated[str, Form(max_length=40)],
    file: Annotated[UploadFile | None, File()] = None, sha256: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=16)] = "",
) -> Any:
    """Check an uploaded report file (or its SHA-256, or the printed code) against the issued report."""
    try:
        body = service.read_upload(file.file) if file is not None and file.filename else None
        report = service.verify_report(session, number, file=body, sha256=sha256.strip() or None, code=code or None)
    except XinyongError as exc:
        return _page(request, number, code, None, exc.message, exc.status)
    return _page(request, number, code, ReportVerificationOut.of(report, checked_by(body, sha256.strip() or None)), None)
