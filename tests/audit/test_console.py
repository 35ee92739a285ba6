"""The console audit page: credit office admin only, filters, pages, and the chain check."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories import company
from tests.records.builders import department
from xinyong.accounts import service as accounts
from xinyong.accounts.states import Role
from xinyong.audit.service import record_event
from xinyong.web import SESSION_COOKIE

PASSWORD = "Shenji#2026audit"


@pytest.fixture()
def login(client: TestClient, session: Session):
    """Returns a function giving the client logged in as the admin or a department clerk."""
    dept = department(session)
    accounts.create_user(session, username="audit_admin", display_name="信用办审计", password=PASSWORD,
                         role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    accounts.create_user(session, username="audit_clerk", display_name="部门经办", password=PASSWORD,
                         role=Role.DEPARTMENT_CLERK, department=dept, actor="test")
    session.flush()

    def as_user(username: str) -> TestClient:
        client.cookies.clear()
        page = client.get("/console/login").text
        csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
        done = client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": csrf},
                           follow_redirects=False)
        assert done.status_code == 303 and done.cookies.get(SESSION_COOKIE)
        return client

    return as_user


def test_only_the_credit_office_admin_sees_the_audit_page(client: TestClient, login) -> None:
    assert client.get("/console/audit", follow_redirects=False).headers["location"] == "/console/login"
    clerk = login("audit_clerk").get("/console/audit")
    assert clerk.status_code == 403 and "无权操作" in clerk.text
    admin = login("audit_admin").get("/console/audit")
    assert admin.status_code == 200 and "审计日志" in admin.text and "user.created" in admin.text


def test_filters_and_pages(client: TestClient, login, session: Session) -> None:
    for i in range(60):
        record_event(session, actor="filter-bot", action="test.paged", entity_type="widget", entity_id=i)
    record_event(session, actor="someone", action="test.other", entity_type="gadget", entity_id="g1")
    session.flush()
    admin = login("audit_admin")
    first = admin.get("/console/audit", params={"actor": "filter-bot"})
    assert "共 60 条" in first.text and "第 1 / 2 页" in first.text and "gadget" not in first.text.split("<tbody>")[1]
    second = admin.get("/console/audit", params={"actor": "filter-bot", "page": 2})
    assert "第 2 / 2 页" in second.text and second.text.count("test.paged") == 10
    by_entity = admin.get("/console/audit", params={"entity_type": "gadget", "entity_id": "g1"})
    assert "共 1 条" in by_entity.text and "someone" in by_entity.text
    by_action = admin.get("/console/audit", params={"action": "test.", "date_from": "2000-01-01", "date_to": "2999-12-31"})
    assert "共 61 条" in by_action.text
    none = admin.get("/console/audit", params={"action": "test.", "date_to": "2000-01-01"})
    assert "没有符合条件的事件" in none.text
    bad = admin.get("/console/audit", params={"date_from": "2026-13-45"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    injected = admin.get("/console/audit", params={"actor": "<script>x</script>' OR '1'='1"})
    assert injected.status_code == 200 and "<script>x</script>" not in injected.text and "共 0 条" in injected.text


def test_chain_check_is_shown(client: TestClient, login, session: Session) -> None:
    admin = login("audit_admin")
    ok = admin.get("/console/audit", params={"verify": 1})
    assert "审计链完整" in ok.text
    event = record_event(session, actor="victim", action="test.edited", entity_type="widget")
    session.flush()
    session.execute(text("UPDATE audit_event SET actor = 'forger' WHERE id = :id"), {"id": event.id})
    broken = admin.get("/console/audit", params={"verify": 1})
    assert "审计链已损坏" in broken.text and f"序号 {event.seq}" in broken.text


def test_report_downloaded_by_a_console_user_names_them(client: TestClient, login, session: Session) -> None:
    org = company(session, "漳州市出具人测试有限公司")
    session.flush()
    admin = login("audit_admin")
    response = admin.get(f"/reports/subjects/{org.uscc}.pdf")
    assert response.status_code == 200
    number = response.headers["content-disposition"].split('filename="')[1].split(".pdf")[0]
    answer = admin.get(f"/api/v1/reports/{number}/verify",
                       params={"sha256": hashlib.sha256(response.content).hexdigest()}).json()
    assert answer["issued_by"].startswith("user:") and answer["channel"] == "portal"
