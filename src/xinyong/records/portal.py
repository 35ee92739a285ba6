"""Console pages for collection: upload a file, read the batch summary, download the error report."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts.models import LoginSession
from xinyong.accounts.service import principal_for_user
from xinyong.accounts.states import Role
from xinyong.catalog import repository as catalog_repository
from xinyong.departments import repository as departments_repository
from xinyong.departments.service import get_department
from xinyong.errors import InvalidInput, NotFound, XinyongError
from xinyong.records import reports
from xinyong.records.batches import BatchRequest, definition_of, record_failed_batch, run_batch
from xinyong.records.readers import open_file
from xinyong.records.states import Channel
from xinyong.web import AppKeyring, AppSettings, DbSession, check_csrf, current_login, render, require_login

router = APIRouter(prefix="/console", include_in_schema=False)
ACCEPTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")


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
    login = require_login(request, session)
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
        _save_upload(file, path, settings.upload_max_mb)
        from xinyong.records.batches import file_sha256

        request_ = BatchRequest(catalog, dept, principal, Channel.UPLOAD, name, file_sha256(path))
        try:
            batch = run_batch(session, keyring, request_, open_file(path, definition))
        except XinyongError as exc:
            # Nothing of the batch is kept; only a failed-batch trace with the reason.
            session.rollback()
            # The reader names the temporary copy ("upload.csv"): tell the clerk their own file name.
            batch = record_failed_batch(session, request_, exc.message.replace(path.name, name))
    return RedirectResponse(f"/console/batches/{batch.id}", status_code=303)


def _save_upload(file: UploadFile, path: Path, max_mb: int) -> None:
    """Copy the upload to a private temporary file, refusing it once it passes the size limit."""
    limit, written = max_mb << 20, 0
    with path.open("wb") as out:
        while block := file.file.read(1 << 20):
            written += len(block)
            if written > limit:
                raise InvalidInput(f"文件过大：超过 {max_mb} MB。请拆分后分批上传，或由管理员使用命令行 xinyong import 导入")
            out.write(block)


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
    login = require_login(request, session)
    batch = reports.get_batch(session, batch_id)
    principal_for_user(login.user).require_department(batch.department_id)
    return Response(reports.error_report_csv(session, batch), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-errors.csv"'})


public_router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


@public_router.get("/publicity/{code}", response_class=HTMLResponse)
def publicity(
    request: Request, session: DbSession, code: str,
    department: Annotated[str, Query(max_length=40)] = "", category: Annotated[str, Query(max_length=40)] = "",
    date_from: Annotated[str, Query(max_length=10, alias="from")] = "",
    date_to: Annotated[str, Query(max_length=10, alias="to")] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Any:
    """双公示 listing of one catalogue type with filters."""
    import datetime as dt

    from xinyong.catalog.service import get_record_type
    from xinyong.records import repository
    from xinyong.records.service import LISTING_COLUMNS, listing_row

    if code not in LISTING_COLUMNS:
        raise NotFound("只公示行政许可（xzxk）和行政处罚（xzcf）信息")
    record_type = get_record_type(session, code)
    category_field, columns = LISTING_COLUMNS[code]
    try:
        start = dt.date.fromisoformat(date_from) if date_from else None
        end = dt.date.fromisoformat(date_to) if date_to else None
    except ValueError as exc:
        raise InvalidInput("日期格式应为 YYYY-MM-DD") from exc
    dept = departments_repository.get_by_uscc(session, department) if department else None
    total, records = repository.list_published(
        session, record_type.id, dt.date.today(), department_id=dept.id if dept else None, date_from=start,
        date_to=end, category=category or None, category_field=category_field,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    enum = next((f.enum_values for f in record_type.fields if f.code == category_field), None) or []
    return render(request, "publicity.html", {
        "record_type": record_type, "columns": columns, "rows": [listing_row(r, columns) for r in records],
        "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "departments": departments_repository.list_all(session), "categories": enum,
        "filters": {"department": department, "category": category, "from": date_from, "to": date_to},
    })
