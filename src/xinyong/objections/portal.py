"""Portal pages of objections: the form (no login, CSRF-checked), the receipt, the status page and the notices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse

from xinyong.codes import DocumentType
from xinyong.errors import XinyongError
from xinyong.lists import publication
from xinyong.lists import views as lists_views
from xinyong.lists.api import calendar_dep
from xinyong.objections import repository, views
from xinyong.objections.errors import InvalidObjection, ObjectionNotFound, ObjectionTargetNotFound
from xinyong.objections.schemas import USCC_TYPE, ObjectionIn
from xinyong.objections.submission import MAX_FILES, Evidence, find_for_applicant, submit
from xinyong.web import AppKeyring, AppSettings, DbSession, check_csrf, csrf_for, render

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=400)]
Long = Annotated[str, Form(max_length=10_000)]  # generous: the service says how long is too long, in Chinese
FIELDS = ("applicant_kind", "applicant_name", "applicant_document_type", "contact_phone", "contact_address",
          "claim", "request_text")


def _target_line(session: DbSession, record: int | None, entry: int | None) -> str:
    today = dt.date.today()
    if record:
        found = repository.public_record(session, record, today)
        if found is None:
            raise ObjectionTargetNotFound(f"信用记录 {record} 不存在或未在公示，不能对其提出异议")
        return f"{found.record_type.name} {found.document_number}（{found.department.name}，{found.decision_on}）"
    listed = publication.live_entry(session, entry or 0, today)
    if listed is None or not publication.is_public_type(listed.list_type):
        raise ObjectionTargetNotFound(f"名单条目 {entry} 不存在或未在公示，不能对其提出异议")
    return f"{listed.list_type.name}：{lists_views.public_name(listed)}（认定日期 {listed.recognised_on}）"


def _form(request: Request, session: DbSession, values: dict[str, Any], error: str | None = None,
          status_code: int = 200) -> Any:
    context = {"csrf": csrf_for(request, None), "values": values, "error": error, "max_files": MAX_FILES,
               "target": _target_line(session, values.get("record_id"), values.get("list_entry_id")),
               "document_types": [USCC_TYPE, *(d.value for d in DocumentType)]}
    return render(request, "objection_form.html", context, status_code=status_code)


@router.get("/objections/new", response_class=HTMLResponse)
def new_objection(request: Request, session: DbSession, record: Annotated[int | None, Query(ge=1)] = None,
                  entry: Annotated[int | None, Query(ge=1)] = None) -> Any:
    """The objection form for one public record or list entry."""
    if (record is None) == (entry is None):
        raise InvalidObjection("请从主体页面、公示页面或名单页面的“提出异议”进入，指定一条信息")
    values = {"record_id": record, "list_entry_id": entry, "applicant_kind": "subject",
              "applicant_document_type": USCC_TYPE}
    return _form(request, session, values)


@router.post("/objections", response_class=HTMLResponse)
def file_objection(
    request: Request, session: DbSession, keyring: AppKeyring, settings: AppSettings, csrf: Csrf = "",
    record_id: Annotated[int | None, Form(ge=1)] = None, list_entry_id: Annotated[int | None, Form(ge=1)] = None,
    applicant_kind: Short = "subject", applicant_name: Short = "", applicant_document_type: Short = USCC_TYPE,
    applicant_document: Short = "", contact_phone: Short = "", contact_address: Long = "", claim: Long = "",
    request_text: Long = "", files: list[UploadFile] | None = None,
) -> Any:
    """File the objection; a refusal re-shows the form with the reason (the document number is not echoed)."""
    check_csrf(request, None, csrf)
    values = {"record_id": record_id, "list_entry_id": list_entry_id, "applicant_kind": applicant_kind,
              "applicant_name": applicant_name, "applicant_document_type": applicant_document_type,
              "contact_phone": contact_phone, "contact_address": contact_address, "claim": claim,
              "request_text": request_text}
    limit = settings.attachment_max_mb * 1024 * 1024
    evidence = []
    try:
        for upload in [f for f in files or [] if f.filename]:
            content = upload.file.read(limit + 1)  # one byte over the limit is enough to refuse it
            evidence.append(Evidence(upload.filename or "", content))
        body = ObjectionIn(**values, applicant_document=applicant_document)
        filing = submit(session, keyring, settings, calendar_dep(), body, evidence, principal=None,
                        today=dt.date.today())
    except XinyongError as exc:
        if isinstance(exc, ObjectionTargetNotFound):
            raise
        session.rollback()
        return _form(request, session, values, exc.message, exc.status)
    receipt = views.receipt(session, filing.objection, existing=filing.existing)
    return render(request, "objection_receipt.html", {"receipt": receipt})


@router.get("/objections/status", response_class=HTMLResponse)
def status_form(request: Request) -> Any:
    """Ask for the tracking code and the ID tail."""
    return render(request, "objection_status.html", {"csrf": csrf_for(request, None), "status": None,
                                                     "error": None, "code": ""})


def _status(request: Request, session: DbSession, code: str, tail: str, csrf: str) -> Any:
    check_csrf(request, None, csrf)
    return find_for_applicant(session, code, tail)


@router.post("/objections/status", response_class=HTMLResponse)
def status_page(request: Request, session: DbSession, csrf: Csrf = "",
                tracking_code: Annotated[str, Form(max_length=40)] = "",
                id_tail: Annotated[str, Form(max_length=8)] = "") -> Any:
    """The status, history and notices of one objection (no login: tracking code + ID tail)."""
    context = {"csrf": csrf_for(request, None), "code": tracking_code, "tail": id_tail, "status": None, "error": None}
    try:
        objection = _status(request, session, tracking_code, id_tail, csrf)
    except ObjectionNotFound as exc:
        return render(request, "objection_status.html", {**context, "error": exc.message}, status_code=exc.status)
    context["status"] = views.public_status(session, objection, dt.date.today())
    return render(request, "objection_status.html", context)


@router.post("/objections/notice", response_class=HTMLResponse)
def notice_page(request: Request, session: DbSession, csrf: Csrf = "",
                tracking_code: Annotated[str, Form(max_length=40)] = "",
                id_tail: Annotated[str, Form(max_length=8)] = "",
                number: Annotated[str, Form(max_length=40)] = "") -> Any:
    """One notice as a printable document."""
    objection = _status(request, session, tracking_code, id_tail, csrf)
    notice = next((n for n in repository.notices_of(session, objection.id) if n.number == number), None)
    if notice is None:
        raise ObjectionNotFound("该异议没有这个编号的文书")
    return render(request, "objection_notice.html", {"notice": notice, "objection": objection})
