"""Objections over HTTP on both databases: the JSON API, the portal form and status page, and every surface the
异议处理中 mark and the decisions reach (subject page, publicity, lists, check API, change feed)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.attachments.samples import pdf_bytes
from tests.measures.test_api import key_for
from tests.objections.builders import black_entry, public_penalty
from tests.records.builders import department, weekends_calendar
from xinyong.accounts.states import Role
from xinyong.lists.api import calendar_dep

API = "/api/v1/objections"
MARK = 'class="tag objection">异议处理中<'  # the mark itself, not a heading that names it


@pytest.fixture()
def api(client: TestClient, settings, tmp_path) -> Iterator[TestClient]:
    """The client with a calendar that knows every year and attachments under the test folder."""
    client.app.dependency_overrides[calendar_dep] = weekends_calendar
    client.app.state.settings = settings.model_copy(update={"attachment_dir": tmp_path / "files"})
    yield client
    client.app.dependency_overrides.clear()


def body(record=None, entry=None, **extra) -> dict:
    """A JSON objection by the subject itself."""
    code = record.subject.uscc if record is not None else entry.subject_code
    data = {"record_id": record.id if record is not None else None,
            "list_entry_id": entry.id if entry is not None else None, "applicant_name": "申请单位",
            "applicant_document": code, "contact_phone": "13812345678", "claim": "该信息与事实不符。"}
    return {**data, **extra}


def error(response, status: int, code: str) -> str:
    """Assert a JSON error and return its Chinese detail."""
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "detail"} and response.json()["error"] == code, response.text
    return response.json()["detail"]


@pytest.fixture()
def changes(api: TestClient, session: Session):
    """Read the change feed from a cursor, as an upper-level platform's business-system key."""
    headers = key_for(session, department(session, "上级信用平台对接"))

    def read(since: int = 0) -> list[dict]:
        return api.get("/api/v1/changes", params={"since": since, "limit": 1000}, headers=headers).json()["changes"]

    return read


def test_api_files_once_and_reports_status(api: TestClient, session: Session, keyring) -> None:
    _, record = public_penalty(session, keyring)
    evidence = [{"filename": "复议决定书.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}]
    first = api.post(API, json=body(record, evidence=evidence))
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert re.fullmatch(r"YY-\d{8}-[2-9A-HJKMNP-TV-Z]{8}", receipt["tracking_code"]) and not receipt["existing"]
    again = api.post(API, json=body(record, claim="再交一次"))
    assert again.status_code == 200 and again.json()["existing"]
    assert again.json()["tracking_code"] == receipt["tracking_code"]
    status = {"tracking_code": receipt["tracking_code"], "id_tail": record.subject.uscc[-4:]}
    shown = api.post(f"{API}/status", json=status).json()
    assert shown["status"] == "submitted" and shown["history"][0]["status_label"] == "已提交，待受理"
    assert "13812345678" not in str(shown) and record.subject.uscc not in str(shown)
    error(api.post(f"{API}/status", json={**status, "id_tail": "0000"}), 404, "objection_not_found")


def test_api_bad_input(api: TestClient, session: Session, keyring) -> None:
    _, record = public_penalty(session, keyring)
    error(api.post(API, json={**body(record), "record_id": 99_999_999}), 404, "objection_target_not_found")
    assert "2000" in error(api.post(API, json=body(record, claim="长" * 2001)), 422, "invalid_objection")
    bad = [{"filename": "x.pdf", "content_base64": "***"}]
    error(api.post(API, json=body(record, evidence=bad)), 422, "upload_rejected")
    html = [{"filename": "x.png", "content_base64": base64.b64encode(b"<html><script>1</script>").decode()}]
    assert "网页或脚本" in error(api.post(API, json=body(record, evidence=html)), 422, "upload_rejected")
    assert api.post(f"{API}/status", json={"tracking_code": "x" * 41, "id_tail": "1"}).status_code == 422


def test_department_keys_handle_only_their_own_cases(api: TestClient, session: Session, keyring) -> None:
    dept, record = public_penalty(session, keyring)
    other = department(session, "漳州市税务局")
    own, foreign = key_for(session, dept, Role.DEPARTMENT_CLERK), key_for(session, other, Role.DEPARTMENT_CLERK)
    filed = api.post(API, json=body(record)).json()
    [queued] = api.get(API, headers=own).json()
    assert queued["tracking_code"] == filed["tracking_code"] and api.get(API, headers=foreign).json() == []
    error(api.post(f"{API}/{queued['id']}/accept", headers=foreign), 403, "not_allowed")
    assert api.post(f"{API}/{queued['id']}/accept", headers=own).json()["status"] == "accepted"
    error(api.post(f"{API}/{queued['id']}/accept", headers=own), 409, "illegal_transition")
    error(api.post(f"{API}/{queued['id']}/uphold", headers=own, json={"remedy": "revoke", "reason": "x"}), 409,
          "illegal_transition")
    assert api.post(f"{API}/{queued['id']}/verify", headers=own).json()["status"] == "verifying"
    error(api.post(f"{API}/{queued['id']}/reject", headers=own, json={"reason": ""}), 422, "invalid_objection")
    assert api.post(f"{API}/{queued['id']}/extend", headers=own, json={"reason": "需调取卷宗"}).status_code == 200
    error(api.post(f"{API}/{queued['id']}/extend", headers=own, json={"reason": "再延"}), 409, "illegal_transition")


def test_record_mark_then_correction_on_portal_publicity_and_feed(api: TestClient, session: Session, keyring, changes) -> None:
    dept, record = public_penalty(session, keyring)
    own = key_for(session, dept, Role.DEPARTMENT_CLERK)
    subject_page = f"/subjects/{record.subject.uscc}"
    assert MARK not in api.get(subject_page).text and f"/objections/new?record={record.id}" in api.get(subject_page).text
    objection_id = None
    api.post(API, json=body(record))
    objection_id = api.get(API, headers=own).json()[0]["id"]
    assert MARK in api.get(subject_page).text
    assert MARK in api.get("/publicity/xzcf").text
    cursor = changes()[-1]["cursor"]
    for step in ("accept", "verify"):
        api.post(f"{API}/{objection_id}/{step}", headers=own)
    done = api.post(f"{API}/{objection_id}/uphold", headers=own,
                    json={"remedy": "correct", "reason": "处罚内容录入错误", "changes": {"CF_NR": "警示约谈并责令改正"}})
    assert done.json()["status"] == "upheld", done.text
    page = api.get(subject_page).text
    assert MARK not in page and "警示约谈并责令改正" in page and "罚款人民币5,000元" not in page
    [event] = [c for c in changes(cursor) if c["topic"] == "record"]
    assert (event["kind"], event["version"], event["data"]["CF_NR"]) == ("updated", 2, "警示约谈并责令改正")


def test_record_revocation_takes_it_off_every_public_surface(api: TestClient, session: Session, keyring, changes) -> None:
    dept, record = public_penalty(session, keyring)
    own = key_for(session, dept, Role.DEPARTMENT_CLERK)
    api.post(API, json=body(record))
    objection_id = api.get(API, headers=own).json()[0]["id"]
    cursor = changes()[-1]["cursor"]
    for step in ("accept", "verify"):
        api.post(f"{API}/{objection_id}/{step}", headers=own)
    api.post(f"{API}/{objection_id}/uphold", headers=own, json={"remedy": "revoke", "reason": "处罚决定已撤销"})
    assert record.document_number not in api.get(f"/subjects/{record.subject.uscc}").text
    assert record.document_number not in api.get("/publicity/xzcf").text
    assert [c["kind"] for c in changes(cursor) if c["topic"] == "record"] == ["revoked"]


def test_black_entry_suspended_in_checks_and_feed_then_restored(api: TestClient, session: Session, keyring, changes) -> None:
    dept, entry = black_entry(session, code="procurement_serious")
    checker = key_for(session, department(session, "漳州市财政局"))
    own = key_for(session, dept, Role.DEPARTMENT_CLERK)
    ask = {"subject": {"code": entry.subject_code}, "matter": "政府采购"}
    assert api.post("/api/v1/checks", headers=checker, json=ask).json()["measures"]
    cursor = changes()[-1]["cursor"]
    api.post(API, json=body(entry=entry))
    checked = api.post("/api/v1/checks", headers=checker, json=ask).json()
    assert checked["entries"][0]["status"] == "suspended" and checked["measures"] == []
    assert [c["kind"] for c in changes(cursor)] == ["list.suspended"]
    objection_id = api.get(API, headers=own).json()[0]["id"]
    api.post(f"{API}/{objection_id}/not-accept", headers=own, json={"reason": "非利害关系人"})
    assert api.post("/api/v1/checks", headers=checker, json=ask).json()["measures"]
    assert [c["kind"] for c in changes(cursor)] == ["list.suspended", "list.effective"]


def test_entry_mark_on_list_pages_and_exit_as_mistake(api: TestClient, session: Session, keyring, changes) -> None:
    dept, red = black_entry(session, code="tax_a_grade", name="漳州市守信异议有限公司")
    own = key_for(session, dept, Role.DEPARTMENT_CLERK)
    api.post(API, json=body(entry=red))
    for page in ("/lists", f"/lists/entries/{red.id}", f"/subjects/{red.subject_code}"):
        assert MARK in api.get(page).text, page
    assert api.get("/api/v1/lists/public", params={"q": red.subject_code}).json()["items"][0]["under_objection"]
    objection_id = api.get(API, headers=own).json()[0]["id"]
    cursor = changes()[-1]["cursor"]
    for step in ("accept", "verify"):
        api.post(f"{API}/{objection_id}/{step}", headers=own)
    api.post(f"{API}/{objection_id}/uphold", headers=own, json={"remedy": "exit_mistake", "reason": "认定主体错误"})
    assert red.subject_code not in api.get("/lists").text
    [event] = changes(cursor)
    assert event["kind"] == "list.exited" and event["list_entry"]["exit_reason"] == "误列入"
