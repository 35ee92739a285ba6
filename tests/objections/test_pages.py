"""The portal form and status page (no login, CSRF) and the console queue and case page (login, own department)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.attachments.samples import pdf_bytes
from tests.lists.builders import CREDIT_OFFICE
from tests.objections.builders import TODAY, black_entry, file, payload, public_penalty
from tests.records.builders import department, weekends_calendar
from xinyong.accounts import service as accounts
from xinyong.accounts.states import Role
from xinyong.lists.api import calendar_dep
from xinyong.lists.states import EntryStatus
from xinyong.objections import decisions, repository
from xinyong.web import SESSION_COOKIE

PASSWORD = "Xinyong#2026"


@pytest.fixture()
def web(client: TestClient, settings, tmp_path) -> Iterator[TestClient]:
    """The client with a calendar that knows every year and attachments under the test folder."""
    client.app.dependency_overrides[calendar_dep] = weekends_calendar
    client.app.state.settings = settings.model_copy(update={"attachment_dir": tmp_path / "files"})
    yield client
    client.app.dependency_overrides.clear()


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a form."""
    match = re.search(r'<input type="hidden" name="csrf" value="([^"]*)">', html)
    assert match, "form has no csrf field"
    return match.group(1)


def form_data(record, csrf: str, **extra: str) -> dict[str, str]:
    """What the portal form posts for the subject itself."""
    return {"csrf": csrf, "record_id": str(record.id), "applicant_kind": "subject", "applicant_name": "申请单位",
            "applicant_document_type": "统一社会信用代码", "applicant_document": record.subject.uscc,
            "contact_phone": "0596-2345678", "claim": "该处罚已被撤销。", **extra}


def test_portal_form_receipt_status_and_notice(web: TestClient, session: Session, keyring) -> None:
    _, record = public_penalty(session, keyring)
    form = web.get(f"/objections/new?record={record.id}")
    assert form.status_code == 200 and record.document_number in form.text
    csrf = csrf_of(form.text)
    assert web.post("/objections", data=form_data(record, "forged")).status_code == 403
    files = [("files", ("复议决定书.pdf", pdf_bytes(), "application/pdf"))]
    done = web.post("/objections", data=form_data(record, csrf), files=files)
    assert done.status_code == 200 and "异议申请已提交" in done.text
    code = re.search(r'id="tracking-code">([^<]+)<', done.text).group(1)
    again = web.post("/objections", data=form_data(record, csrf, claim="重复提交"))
    assert "您已提交过该异议" in again.text and code in again.text
    status_csrf = csrf_of(web.get("/objections/status").text)
    wrong = web.post("/objections/status", data={"csrf": status_csrf, "tracking_code": code, "id_tail": "0000"})
    assert wrong.status_code == 404 and "查询码或证件号码后四位不正确" in wrong.text
    shown = web.post("/objections/status", data={"csrf": status_csrf, "tracking_code": code,
                                                 "id_tail": record.subject.uscc[-4:]})
    assert "已提交，待受理" in shown.text and "0596-2345678" not in shown.text
    decisions.accept(session, CREDIT_OFFICE, repository.by_tracking_code(session, code), today=TODAY)
    number = repository.notices_of(session, repository.by_tracking_code(session, code).id)[0].number
    mine = {"csrf": status_csrf, "tracking_code": code, "id_tail": record.subject.uscc[-4:]}
    assert number in web.post("/objections/status", data=mine).text
    notice = web.post("/objections/notice", data={**mine, "number": number})
    assert notice.status_code == 200 and "异议受理通知书" in notice.text and number in notice.text
    assert web.post("/objections/notice", data={**mine, "id_tail": "0000", "number": number}).status_code == 404


def test_portal_form_shows_refusals_in_chinese_without_echoing_the_id(web: TestClient, session: Session,
                                                                     keyring) -> None:
    _, record = public_penalty(session, keyring)
    csrf = csrf_of(web.get(f"/objections/new?record={record.id}").text)
    too_long = web.post("/objections", data=form_data(record, csrf, claim="长" * 2001))
    assert too_long.status_code == 422 and "不能超过 2000 字" in too_long.text
    assert record.subject.uscc not in too_long.text.split("异议对象")[1]
    bad_file = web.post("/objections", data=form_data(record, csrf),
                        files=[("files", ("a.pdf", b"<svg onload=alert(1)>", "application/pdf"))])
    assert bad_file.status_code == 422 and "网页或脚本" in bad_file.text
    assert web.get("/objections/new?record=99999999").status_code == 404
    assert web.get("/objections/new").status_code == 422


@pytest.fixture()
def console(web: TestClient, session: Session):
    """Log users in: a function giving the client logged in as one user."""
    def login(username: str) -> TestClient:
        web.cookies.clear()
        csrf = csrf_of(web.get("/console/login").text)
        done = web.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": csrf},
                        follow_redirects=False)
        assert done.status_code == 303 and done.cookies.get(SESSION_COOKIE)
        return web

    return login


def user(session: Session, name: str, dept=None) -> str:
    """A console account; returns its user name."""
    role = Role.DEPARTMENT_CLERK if dept is not None else Role.CREDIT_OFFICE_ADMIN
    accounts.create_user(session, username=name, display_name=name, password=PASSWORD, role=role, department=dept,
                         actor="test")
    session.flush()
    return name


def test_console_queue_case_and_decisions(web: TestClient, console, session: Session, keyring) -> None:
    dept, entry = black_entry(session)
    other = department(session, "漳州市税务局")
    clerk, stranger, admin = user(session, "obj_clerk", dept), user(session, "obj_other", other), user(session, "obj_admin")
    csrf = csrf_of(web.get(f"/objections/new?entry={entry.id}").text)
    web.post("/objections", data={"csrf": csrf, "list_entry_id": str(entry.id), "applicant_name": "申请单位",
                                  "applicant_document": entry.subject_code, "contact_phone": "13812345678",
                                  "claim": "认定事实有误。"},
             files=[("files", ("说明.pdf", pdf_bytes(), "application/pdf"))])
    assert 'href="/console/objections"' in console(stranger).get("/console").text
    page = console(stranger).get("/console/objections")
    assert "暂无办理中的异议" in page.text
    queue = console(clerk).get("/console/objections").text
    case_url = re.search(r'href="(/console/objections/\d+)"', queue).group(1)
    assert console(stranger).get(case_url).status_code == 403
    case = console(clerk).get(case_url).text
    assert "已提交，待受理" in case and "认定事实有误" in case
    download = web.get(re.search(r'href="(/console/objections/\d+/files/\d+)"', case).group(1))
    assert download.content == pdf_bytes() and "nosniff" in download.headers["x-content-type-options"]
    assert download.headers["content-disposition"].startswith("attachment;")
    token = csrf_of(case)
    refused = web.post(f"{case_url}/not-accept", data={"csrf": token, "reason": ""})
    assert refused.status_code == 422 and "请填写不予受理的理由" in refused.text
    assert web.post(f"{case_url}/accept", data={"csrf": "forged"}).status_code == 403
    assert web.post(f"{case_url}/accept", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert "异受〔" in web.get(case_url).text
    web.post(f"{case_url}/verify", data={"csrf": token})
    web.post(f"{case_url}/extend", data={"csrf": token, "reason": "需调取行政复议卷宗"})
    done = web.post(f"{case_url}/uphold", data={"csrf": token, "remedy": "exit_mistake", "reason": "认定主体错误"})
    assert done.status_code == 200 and "异议成立" in done.text and "异决〔" in done.text
    history = done.text.split("办理记录")[1]
    for step in ("已提交，待受理", "已受理", "核查中", "异议成立"):
        assert step in history
    admin_view = console(admin).get("/console/objections").text
    assert "已办结" in admin_view and case_url in admin_view
    assert web.get(f"{case_url}/files/999999").status_code == 404


def test_black_entry_under_objection_stays_published_with_its_mark(web: TestClient, session: Session, keyring,
                                                                    settings) -> None:
    _, entry = black_entry(session, name="漳州市公示异议测试有限公司")
    file(session, keyring, settings, payload(entry=entry))
    session.flush()
    assert entry.status is EntryStatus.SUSPENDED
    listed = web.get("/api/v1/lists/public", params={"q": entry.subject_code}).json()
    assert listed["total"] == 1 and listed["items"][0]["under_objection"] is True
    page = web.get("/lists", params={"q": entry.subject_code})
    assert "漳州市公示异议测试有限公司" in page.text and "异议处理中" in page.text
    shown = web.get(f"/lists/entries/{entry.id}")
    assert shown.status_code == 200 and "异议处理中" in shown.text
