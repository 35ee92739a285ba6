"""Console pages for collection: upload a file, read the batch summary, download the error report."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts.models import LoginSession
from xinyong.accounts.service import principal_for_user
from xinyong.accounts.states import Role
from xinyong.catalog import repository as catalog_repository
from xinyong.departments import repository as departments_repository
from xinyong.departments.service import get_department
from xinyong.errors import InvalidInput, Unauthorized, XinyongError
from xinyong.records import reports
from xinyong.records.batches import BatchRequest, definition_of, record_failed_batch, run_batch
from xinyong.records.readers import open_file
from xinyong.records.states import Channel
from xinyong.web import AppKeyring, AppSettings, DbSession, check_csrf, current_login, render

router = APIRouter(prefix="/console", include_in_schema=False)
ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")


def _login(request: Request, session: DbSession) -> LoginSession:
    login = current_login(request, session)
    if login is None:
        raise Unauthorized("请先登录工作台")
    return login


def _form_context(session: DbSession, login: LoginSession) -> dict[str, Any]:
    user = login.user
    departments = [user.department] if user.department else list(departments_repository.list_all(session))
    return {"user": user, "csrf": login.csrf_token, "departments": departments,
            "record_types": catalog_repository.list_all(session), "suffixes": "、".join(ACCEPTED_SUFFIXES)}


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, session: DbSession) -> Any:
    """Upload form."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    return render(request, "import.html", _form_context(session, login))


@router.post("/import", response_class=HTMLResponse)
def upload(
    request: Request, session: DbSession, keyring: AppKeyring, settings: AppSettings,
    file: Annotated[UploadFile, File()], catalog: Annotated[str, Form(max_length=32)],
    department: Annotated[str, Form(max_length=40)], csrf: Annotated[str, Form(max_length=100)] = "",
) -> Any:
    """Import an uploaded file as one batch and show its summary."""
    login = _login(request, session)
    check_csrf(request, login, csrf)
    principal = principal_for_user(login.user)
    principal.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    name = Path(file.filename or "upload").name[:255]
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise InvalidInput(f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 {'、'.join(ACCEPTED_SUFFIXES)} 文件")
    dept = get_department(session, department)
    principal.require_department(dept.id)
    _, definition = definition_of(session, catalog)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        from xinyong.records.batches import file_sha256

        request_ = BatchRequest(catalog, dept, principal, Channel.UPLOAD, name, file_sha256(path))
        try:
            batch = run_batch(session, keyring, request_, open_file(path, definition))
        except XinyongError as exc:
            # Nothing of the batch is kept; only a failed-batch trace with the reason.
            session.rollback()
            batch = record_failed_batch(session, request_, exc.message)
    return RedirectResponse(f"/console/batches/{batch.id}", status_code=303)


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, session: DbSession, batch_id: int) -> Any:
    """Batch summary with its first errors."""
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/console/login", status_code=303)
    batch = reports.get_batch(session, batch_id)
    principal_for_user(login.user).require_department(batch.department_id)
    return render(request, "batch.html", {"user": login.user, "csrf": login.csrf_token,
                                          "summary": reports.summarise(session, batch, limit=200)})


@router.get("/batches/{batch_id}/errors.csv")
def batch_errors(request: Request, session: DbSession, batch_id: int) -> Response:
    """Download the full error report."""
    login = _login(request, session)
    batch = reports.get_batch(session, batch_id)
    principal_for_user(login.user).require_department(batch.department_id)
    return Response(reports.error_report_csv(session, batch), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-errors.csv"'})
