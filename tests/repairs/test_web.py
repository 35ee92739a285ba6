"""Repair over HTTP: the JSON API, the portal form and tracking page, the console queues and decisions."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.attachments.samples import pdf_bytes
from tests.records.builders import department, weekends_calendar
from tests.repairs.builders import penalised
from xinyong.accounts import service as accounts
from xinyong.accounts.states import Role
from xinyong.lists.api import calendar_dep
from xinyong.repairs.models import RepairApplication
from xinyong.web import SESSION_COOKIE

PASSWORD = "Xiufu#2026pass"
EVIDENCE = {"filename": "缴款凭证.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}


def csrf_of(html: str) -> str:
    match = re.search(r'<input type="hidden" name="csrf" value="([^"]*)">', html)
    assert match, "form has no csrf field"
    return match.group(1)


def json_body(record, subject, **extra):
    body = {"subject_code": subject.uscc, "target_kind": "record", "decision_number": record.document_number,
            "contact_name": "王建国", "contact_phone": "13800000000", "statement": "罚款已缴清。",
            "accept_commitment": True, "attachments": [EVIDENCE]}
    body.update(extra)
    return body


@pytest.fixture()
def web(client: TestClient):
    client.app.dependency_overrides[calendar_dep] = weekends_calendar
    yield client
    client.app.dependency_overrides.clear()


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(RepairApplication))


def test_api_application_status_duplicate_and_refusals(web, session, keyring):
    _, subject, record = penalised(session, keyring)
    session.flush()
    done = web.post("/api/v1/repairs", json=json_body(record, subject))
    assert done.status_code == 201, done.text
    out = done.json()
    assert out["status"] == "submitted" and "信用修复管理办法" in out["rule"]
    again = web.post("/api/v1/repairs", json=json_body(record, subject))
    assert again.status_code == 409 and again.json()["error"] == "duplicate_repair" and count(session) == 1
    status = web.get(f"/api/v1/repairs/{out['tracking_code']}", params={"tail": subject.uscc[-4:]})
    assert status.status_code == 200 and status.json()["target"] == out["target"]
    wrong = web.get(f"/api/v1/repairs/{out['tracking_code']}", params={"tail": "ZZZZ"})
    assert wrong.status_code == 404 and wrong.json()["error"] == "repair_not_found"


def test_api_refuses_too_early_bad_files_and_long_fields(web, session, keyring):
    today = dt.date.today()
    _, subject, record = penalised(session, keyring, decided=today - dt.timedelta(days=20))
    session.flush()
    early = web.post("/api/v1/repairs", json=json_body(record, subject))
    assert early.status_code == 409 and early.json()["error"] == "repair_not_eligible"
    assert "最早可于" in early.json()["detail"]
    _, other, old = penalised(session, keyring, name="漳州市旧案食品有限公司", dept=record.department)
    session.flush()
    exe = {"filename": "证明.pdf", "content_base64": base64.b64encode(b"MZ\x90\x00" + b"\x00" * 64).decode()}
    bad = web.post("/api/v1/repairs", json=json_body(old, other, attachments=[exe]))
    assert bad.status_code == 422 and bad.json()["error"] == "upload_rejected"
    garbage = web.post("/api/v1/repairs", json=json_body(old, other, attachments=[
        {"filename": "a.pdf", "content_base64": "!!!"}]))
    assert garbage.status_code == 422 and garbage.json()["error"] == "invalid_repair"
    long = web.post("/api/v1/repairs", json=json_body(old, other, statement="说" * 2001))
    assert long.status_code == 422 and count(session) == 0


def test_portal_form_submit_and_track(web, session, keyring):
    _, subject, record = penalised(session, keyring)
    session.flush()
    page = web.get("/repairs")
    assert page.status_code == 200 and "信用承诺书" in page.text and "郑重承诺" in page.text
    data = {"csrf": csrf_of(page.text), "subject_code": subject.uscc, "target_kind": "record",
            "decision_number": record.document_number, "contact_name": "王建国", "contact_phone": "13800000000",
            "statement": "罚款已缴清。"}
    missing = web.post("/repairs", data=data, files=[("files", ("凭证.pdf", pdf_bytes(), "application/pdf"))])
    assert missing.status_code == 422 and "信用承诺书" in missing.text and count(session) == 0
    done = web.post("/repairs", data={**data, "accept_commitment": "yes"},
                    files=[("files", ("凭证.pdf", pdf_bytes(), "application/pdf"))], follow_redirects=False)
    assert done.status_code == 303, done.text
    code = done.headers["location"].split("code=")[1]
    assert code in web.get(done.headers["location"]).text
    tracked = web.get("/repairs/track", params={"code": code, "tail": subject.uscc[-4:]})
    assert tracked.status_code == 200 and "已提交，待受理" in tracked.text and record.document_number in tracked.text
    wrong = web.get("/repairs/track", params={"code": code, "tail": "0000"})
    assert wrong.status_code == 404 and "不正确" in wrong.text and record.document_number not in wrong.text


def test_portal_form_without_csrf_is_refused(web, session, keyring):
    _, subject, record = penalised(session, keyring)
    session.flush()
    refused = web.post("/repairs", data={"subject_code": subject.uscc, "accept_commitment": "yes"},
                       files=[("files", ("凭证.pdf", pdf_bytes(), "application/pdf"))])
    assert refused.status_code == 403 and count(session) == 0


def login(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    csrf = csrf_of(client.get("/console/login").text)
    done = client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": csrf},
                       follow_redirects=False)
    assert done.status_code == 303 and done.cookies.get(SESSION_COOKIE)
    return client


def test_console_queue_scope_decisions_notices_and_evidence(web, session, keyring):
    dept, subject, record = penalised(session, keyring)
    other = department(session, "漳州市生态环境局")
    for name, role, where in (("xf_clerk", Role.DEPARTMENT_CLERK, dept), ("xf_other", Role.DEPARTMENT_CLERK, other),
                              ("xf_admin", Role.CREDIT_OFFICE_ADMIN, None)):
        accounts.create_user(session, username=name, display_name=name, password=PASSWORD, role=role,
                             department=where, actor="test")
    session.flush()
    code = web.post("/api/v1/repairs", json=json_body(record, subject)).json()["tracking_code"]
    app_id = session.scalar(select(RepairApplication.id).where(RepairApplication.tracking_code == code))
    outsider = login(web, "xf_other")
    assert code not in outsider.get("/console/repairs").text
    assert outsider.get(f"/console/repairs/{app_id}").status_code == 403
    clerk = login(web, "xf_clerk")
    queue = clerk.get("/console/repairs").text
    assert code in queue and "待受理（1）" in queue
    page = clerk.get(f"/console/repairs/{app_id}")
    evidence = re.search(rf'href="(/console/repairs/{app_id}/attachments/\d+)"', page.text).group(1)
    assert clerk.get(evidence).content == pdf_bytes()
    no_reason = clerk.post(f"/console/repairs/{app_id}/refuse", data={"csrf": csrf_of(page.text), "reason": " "})
    assert no_reason.status_code == 422 and "请填写理由" in no_reason.text
    accepted = clerk.post(f"/console/repairs/{app_id}/accept", data={"csrf": csrf_of(page.text)})
    assert accepted.status_code == 200 and "已受理" in accepted.text
    admin = login(web, "xf_admin")
    page = admin.get(f"/console/repairs/{app_id}")
    approved = admin.post(f"/console/repairs/{app_id}/approve", data={"csrf": csrf_of(page.text), "reason": "已履行"})
    assert approved.status_code == 200 and "修复完成" in approved.text and "信用修复决定书" in approved.text
    notice = re.search(rf'href="(/console/repairs/{app_id}/notices/\d+)">信用修复决定书 (信修决〔\d+〕\d+号)',
                       approved.text)
    document = admin.get(notice.group(1)).text
    assert notice.group(2) in document and "停止在门户网站公示" in document and "window.print()" in document
    tracked = web.get("/repairs/track", params={"code": code, "tail": subject.uscc[-4:]}).text
    assert "修复完成" in tracked and notice.group(2) in tracked


def test_subject_page_links_an_adverse_record_to_a_prefilled_form(web, session, keyring):
    _, subject, record = penalised(session, keyring)
    session.flush()
    page = web.get(f"/subjects/{subject.uscc}").text
    link = re.search(r'href="(/repairs\?record=[^"]+)">申请信用修复</a>', page).group(1).replace("&amp;", "&")
    form = web.get(link).text
    assert f'value="{record.document_number}"' in form and f'value="{subject.uscc}"' in form
