"""Public repair pages: the application form (no login), the tracking page and printable notices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from xinyong.codes import DocumentType
from xinyong.departments.models import Department
from xinyong.errors import InvalidInput, XinyongError
from xinyong.lists.api import AppCalendar
from xinyong.repairs import repository, service
from xinyong.repairs.errors import RepairNotFound
from xinyong.repairs.rules import active_rules, rule_set_on
from xinyong.repairs.schemas import RepairIn
from xinyong.tracking import normalise_tracking_code
from xinyong.web import AppKeyring, AppSettings, DbSession, check_csrf, csrf_for, render

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=4000)]
FIELD_LABELS = {"subject_code": "统一社会信用代码", "document_type": "证件类型", "document_number": "证件号码",
                "target_kind": "修复对象", "decision_number": "决定文书号", "list_entry_id": "名单条目编号",
                "contact_name": "联系人", "contact_phone": "联系电话", "statement": "情况说明",
                "credit_report_number": "信用报告编号", "training_certificate": "培训证明编号"}
VALUE_FIELDS = ("subject_code", "document_type", "target_kind", "decision_number", "list_entry_id", "contact_name",
                "contact_phone", "statement", "credit_report_number", "training_certificate")


def _form_context(request: Request, values: dict[str, str], error: str | None = None) -> dict[str, Any]:
    rules = rule_set_on(dt.date.today(), active_rules(request.app.state.settings))
    return {"rules": rules, "values": values, "error": error, "csrf": csrf_for(request, None),
            "document_types": [d.value for d in DocumentType], "max_files": service.MAX_FILES}


@router.get("/repairs", response_class=HTMLResponse)
def form(request: Request, record: Annotated[str, Query(max_length=128)] = "",
         code: Annotated[str, Query(max_length=18)] = "") -> Any:
    """The application form with the commitment text and the rules in force today."""
    values = {"target_kind": "record", "decision_number": record, "subject_code": code}
    return render(request, "repair_apply.html", _form_context(request, values))


def _body(values: dict[str, str], document_number: str, accepted: bool) -> RepairIn:
    data: dict[str, object] = {k: v for k, v in values.items() if v.strip()}
    data["accept_commitment"] = accepted
    if document_number.strip() and not values.get("subject_code", "").strip():
        data["document_number"] = document_number
    else:
        data.pop("document_type", None)
    try:
        return RepairIn.model_validate(data)
    except ValidationError as exc:
        fields = "、".join(dict.fromkeys(FIELD_LABELS.get(str(e["loc"][-1]), str(e["loc"][-1])) for e in exc.errors()))
        raise InvalidInput(f"请检查填写内容：{fields}") from None


async def _read(files: list[UploadFile], max_mb: int) -> list[tuple[str, bytes]]:
    """Read uploads, stopping one byte past the limit so the refusal names the size without reading it all."""
    read = []
    for f in files:
        if not f.filename:
            continue
        read.append((f.filename, await f.read((max_mb << 20) + 1)))
    return read


@router.post("/repairs", response_class=HTMLResponse)
async def submit(
    request: Request, session: DbSession, keyring: AppKeyring, settings: AppSettings, calendar: AppCalendar,
    csrf: Field = "",
    subject_code: Field = "", document_type: Field = "", document_number: Field = "", target_kind: Field = "record",
    decision_number: Field = "", list_entry_id: Field = "", contact_name: Field = "", contact_phone: Field = "",
    statement: Field = "", credit_report_number: Field = "", training_certificate: Field = "",
    accept_commitment: Field = "", files: Annotated[list[UploadFile], File()] = [],  # noqa: B006
) -> Any:
    """Submit; a refusal re-shows the form with the reason (never echoing a document number)."""
    values = dict(zip(VALUE_FIELDS, (subject_code, document_type, target_kind, decision_number, list_entry_id,
                                     contact_name, contact_phone, statement, credit_report_number,
                                     training_certificate), strict=True))
    try:
        check_csrf(request, None, csrf)
        body = _body(values, document_number, accept_commitment == "yes")
        uploads = await _read(files, settings.attachment_max_mb)
        app = service.submit(session, keyring, settings, calendar, body, uploads, actor="public:portal")
    except XinyongError as exc:
        session.rollback()
        return render(request, "repair_apply.html", _form_context(request, values, exc.message),
                      status_code=exc.status)
    return RedirectResponse(f"/repairs/submitted?code={app.tracking_code}", status_code=303)


@router.get("/repairs/submitted", response_class=HTMLResponse)
def submitted(request: Request, code: Annotated[str, Query(max_length=40)]) -> Any:
    """The tracking code to keep; details are shown only with the ID tail."""
    return render(request, "repair_submitted.html", {"code": normalise_tracking_code(code)})


@router.get("/repairs/track", response_class=HTMLResponse)
def track(request: Request, session: DbSession, code: Annotated[str, Query(max_length=40)] = "",
          tail: Annotated[str, Query(max_length=40)] = "") -> Any:
    """Status page by tracking code and ID tail."""
    context: dict[str, Any] = {"code": code, "tail": tail, "repair": None, "error": None}
    if code or tail:
        try:
            context["repair"] = service.view(session, service.find_tracked(session, code, tail))
        except RepairNotFound as exc:
            context["error"] = exc.message
    return render(request, "repair_track.html", context, status_code=404 if context["error"] else 200)


@router.get("/repairs/track/notices/{notice_id}", response_class=HTMLResponse)
def notice(request: Request, session: DbSession, notice_id: int, code: Annotated[str, Query(max_length=40)] = "",
           tail: Annotated[str, Query(max_length=40)] = "") -> Any:
    """A printable notice of the applicant's own application."""
    app = service.find_tracked(session, code, tail)
    found = next((n for n in repository.notices_of(session, app.id) if n.id == notice_id), None)
    if found is None:
        raise RepairNotFound("通知书不存在")
    department = session.get(Department, app.department_id)
    return render(request, "repair_notice.html", {"notice": found, "repair": app,
                                                  "department": department.name if department else None})
