"""The lists API over HTTP on both databases: roles, due process, cross-check, bad input, public listing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, make_uscc, person
from tests.lists.builders import recogniser
from tests.records.builders import weekends_calendar
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.departments.models import Department
from xinyong.lists.api import calendar_dep
from xinyong.subjects.service import set_legal_representative

TODAY = dt.date.today()
RECOGNISED = TODAY - dt.timedelta(days=40)  # notice and objection window are over by today


@pytest.fixture()
def api(client: TestClient) -> Iterator[TestClient]:
    """The client, counting working days with a calendar that knows every year."""
    client.app.dependency_overrides[calendar_dep] = weekends_calendar
    yield client
    client.app.dependency_overrides.clear()


def key_for(session: Session, dept: Department) -> dict[str, str]:
    """Headers of a department clerk API key."""
    _, plain = create_api_key(session, name=f"{dept.name}名单接口", role=Role.DEPARTMENT_CLERK, department=dept,
                              actor="test")
    session.flush()
    return {"X-API-Key": plain}


@pytest.fixture()
def admin(session: Session) -> dict[str, str]:
    """Headers of a logged-in credit office administrator (console session cookie)."""
    from xinyong.accounts.service import create_user, start_login_session

    user = create_user(session, username="lists_admin", display_name="信用办", password="Xinyong#2026",
                       role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    _, token = start_login_session(session, user, 1)
    session.flush()
    return {"Cookie": f"xy_session={token}"}


def body(list_type: str, *, code: str | None = None, document: str | None = None, facts: str = "提交虚假材料取得登记，情节严重。",
         recognised: dt.date = RECOGNISED, **extra: object) -> dict[str, object]:
    """A proposal body."""
    subject = {"code": code} if code else {"document_type": "居民身份证", "document_number": document}
    return {"list_type": list_type, "subject": subject, "facts": facts, "recognised_on": recognised.isoformat(),
            **extra}


def error(response, status: int, code: str) -> str:
    """Assert a JSON error and return its Chinese detail."""
    assert response.status_code == status, response.text
    assert response.json()["error"] == code, response.text
    return response.json()["detail"]


def notice(api: TestClient, headers: dict[str, str], entry_id: int, day: dt.date = RECOGNISED):
    """Record the delivery of the prior notice."""
    return api.post(f"/api/v1/lists/entries/{entry_id}/notice", headers=headers,
                    json={"notice_text": "拟列入告知书", "delivered_on": day.isoformat()})


def test_list_types_are_public(api: TestClient) -> None:
    types = {t["code"]: t for t in api.get("/api/v1/lists/types").json()}
    black = types["market_serious_violation"]
    assert black["kind"] == "严重失信主体名单" and black["legal_basis"] and black["exit_conditions"]
    assert black["public"] is True and types["market_watch"]["public"] is False
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/lists/entries", "/api/v1/lists/public", "/api/v1/lists/entries/{entry_id}/cross-check"} <= set(paths)


def test_company_entry_from_proposal_to_publication(api: TestClient, session: Session, keyring, admin) -> None:
    dept, _ = recogniser(session, "market_serious_violation")
    clerk = key_for(session, dept)
    org = company(session, "漳州市诚达贸易有限公司")
    set_legal_representative(session, org, person(session, keyring, name="王建国"), actor="test")
    session.flush()
    created = api.post("/api/v1/lists/entries", headers=clerk, json=body("market_serious_violation", code=org.uscc,
                       facts="法定代表人王建国指使员工提交虚假材料取得登记。"))
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["status"] == "proposed" and entry["recognising_department"] == dept.name
    assert entry["legal_representative"] == "王*国"
    eid = entry["id"]
    assert api.get("/api/v1/lists/public", params={"q": org.uscc}).json()["total"] == 0  # nothing public yet
    error(api.post(f"/api/v1/lists/entries/{eid}/approve", headers=clerk), 403, "not_allowed")
    assert "告知" in error(api.post(f"/api/v1/lists/entries/{eid}/approve", headers=admin), 409, "due_process_missing")
    assert notice(api, clerk, eid).json()["status"] == "notified"
    approved = api.post(f"/api/v1/lists/entries/{eid}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["entry"]["status"] == "effective" and approved.json()["cross_check"]["passed"] is True
    detail = api.get(f"/api/v1/lists/entries/{eid}", headers=clerk).json()
    assert [(h["from_state"], h["to_state"]) for h in detail["history"]] == [
        ("", "proposed"), ("proposed", "notified"), ("notified", "effective")]
    assert detail["history"][-1]["to_label"] == "有效" and detail["department_uscc"] == dept.uscc
    public = api.get("/api/v1/lists/public", params={"q": org.uscc}).json()
    assert public["total"] == 1
    item = public["items"][0]
    assert item["id"] == eid and item["legal_representative"] == "王*国"
    assert "王建国" not in item["facts"] and "王*国" in item["facts"]
    assert api.get("/api/v1/lists/public", params={"q": "诚达贸易", "kind": "black"}).json()["total"] == 1
    assert api.get("/api/v1/lists/public", params={"q": "诚达贸易", "kind": "red"}).json()["total"] == 0
    profile = api.get(f"/api/v1/subjects/{org.uscc}").json()
    assert [e["id"] for e in profile["lists"]] == [eid]


def test_person_needs_notice_before_approval(api: TestClient, session: Session, keyring, admin) -> None:
    dept, _ = recogniser(session, "wage_arrears_black", name="漳州市人力资源和社会保障局")
    clerk = key_for(session, dept)
    number = make_resident_id()
    person(session, keyring, name="欧阳明月", number=number)
    session.flush()
    created = api.post("/api/v1/lists/entries", headers=clerk, json=body(
        "wage_arrears_black", document=number, facts=f"欧阳明月（{number}）拖欠农民工工资52万元。"))
    assert created.status_code == 201, created.text
    entry = created.json()
    assert entry["subject_name"] == "欧**月" and number not in created.text
    detail = error(api.post(f"/api/v1/lists/entries/{entry['id']}/approve", headers=admin), 409, "due_process_missing")
    assert "自然人须事前告知" in detail
    notice(api, clerk, entry["id"])
    assert api.post(f"/api/v1/lists/entries/{entry['id']}/approve", headers=admin).status_code == 200
    public = api.get("/api/v1/lists/public", params={"kind": "black"}).text
    assert "欧**月" in public and "欧阳明月" not in public and number not in public
    assert api.get("/api/v1/lists/public", params={"q": "欧阳明月"}).json()["total"] == 0  # persons not found by name


def test_bad_input_and_roles(api: TestClient, session: Session, keyring, admin) -> None:
    dept, _ = recogniser(session, "market_serious_violation")
    other, _ = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    clerk = key_for(session, dept)
    org = company(session)
    url = "/api/v1/lists/entries"
    error(api.post(url, json=body("market_serious_violation", code=org.uscc)), 401, "unauthorized")
    error(api.post(url, headers=clerk, json=body("market_serious_violation", code=make_uscc())), 404, "subject_not_found")
    error(api.post(url, headers=clerk, json=body("tax_a_grade", code=org.uscc)), 403, "not_recognising_department")
    error(api.post(url, headers=clerk, json=body("no_such_type", code=org.uscc)), 404, "list_type_not_found")
    error(api.post(url, headers=clerk, json=body("market_serious_violation", code=org.uscc, department=other.uscc)),
          403, "not_allowed")
    late = body("market_serious_violation", code=org.uscc, valid_from=RECOGNISED.isoformat(),
                valid_until=(RECOGNISED - dt.timedelta(days=1)).isoformat())
    assert "不能早于" in error(api.post(url, headers=clerk, json=late), 422, "invalid_list_entry")
    error(api.post(url, headers=clerk, json={**body("market_serious_violation", code=org.uscc), "facts": ""}),
          422, "invalid_input")
    error(api.post(url, headers=clerk, json={**body("market_serious_violation", code=org.uscc), "extra": 1}),
          422, "invalid_input")
    odd = body("market_serious_violation", document="350602199001011234")
    odd["subject"]["document_type"] = "驾驶证"
    assert "证件类型" in error(api.post(url, headers=clerk, json=odd), 422, "invalid_input")
    assert "认定部门" in error(api.post(url, headers=admin, json=body("market_serious_violation", code=org.uscc)),
                               422, "invalid_input")
    first = api.post(url, headers=admin, json=body("market_serious_violation", code=org.uscc, department=dept.uscc))
    assert first.status_code == 201 and first.json()["recognising_department"] == dept.name
    assert "不能重复" in error(api.post(url, headers=clerk, json=body("market_serious_violation", code=org.uscc)),
                               409, "duplicate_list_entry")
    eid = first.json()["id"]
    error(api.get(f"/api/v1/lists/entries/{eid}", headers=key_for(session, other)), 403, "not_allowed")
    error(api.get("/api/v1/lists/entries/999999", headers=clerk), 404, "list_entry_not_found")
    error(api.get("/api/v1/lists/public", params={"kind": "purple"}), 422, "invalid_input")
    error(api.get("/api/v1/lists/public", params={"domain": "火星"}), 422, "invalid_input")
    error(notice(api, clerk, eid, RECOGNISED - dt.timedelta(days=1)), 422, "invalid_list_entry")


def test_cross_check_black_removes_red_and_red_is_refused(api: TestClient, session: Session, admin) -> None:
    dept, _ = recogniser(session, "tax_a_grade", "tax_major_violation", name="国家税务总局漳州市税务局")
    clerk = key_for(session, dept)
    org = company(session, "漳州市恒达物流有限公司")
    session.flush()
    red = api.post("/api/v1/lists/entries", headers=clerk, json=body("tax_a_grade", code=org.uscc, facts="A级")).json()
    assert api.post(f"/api/v1/lists/entries/{red['id']}/approve", headers=admin).status_code == 200
    black = api.post("/api/v1/lists/entries", headers=clerk, json=body("tax_major_violation", code=org.uscc)).json()
    notice(api, clerk, black["id"])
    check = api.get(f"/api/v1/lists/entries/{black['id']}/cross-check", headers=clerk).json()
    assert check["passed"] is True and [c["id"] for c in check["conflicts"]] == [red["id"]]
    approved = api.post(f"/api/v1/lists/entries/{black['id']}/approve", headers=admin).json()
    assert [c["id"] for c in approved["cross_check"]["conflicts"]] == [red["id"]] and "移出" in approved["cross_check"]["note"]
    removed = api.get(f"/api/v1/lists/entries/{red['id']}", headers=clerk).json()
    assert removed["status"] == "exited" and removed["exit_reason"] == "列入黑名单或重点关注名单"
    assert removed["announcement"]["number"].startswith("退出公告〔")
    titles = [a["title"] for a in api.get("/api/v1/lists/announcements").json()["items"]]
    assert any("恒达物流" in t and "纳税信用A级" in t for t in titles)
    again = api.post("/api/v1/lists/entries", headers=clerk, json=body("tax_a_grade", code=org.uscc, facts="A级 再次")).json()
    refused = api.get(f"/api/v1/lists/entries/{again['id']}/cross-check", headers=admin).json()
    assert refused["passed"] is False and [c["id"] for c in refused["conflicts"]] == [black["id"]]
    error(api.post(f"/api/v1/lists/entries/{again['id']}/approve", headers=admin), 409, "cross_check_conflict")


def test_suspend_reinstate_exit_and_withdraw(api: TestClient, session: Session, admin) -> None:
    dept, _ = recogniser(session, "market_serious_violation")
    clerk = key_for(session, dept)
    a, b = company(session, "漳州市甲有限公司"), company(session, "漳州市乙有限公司")
    session.flush()
    first = api.post("/api/v1/lists/entries", headers=clerk, json=body("market_serious_violation", code=a.uscc)).json()
    notice(api, clerk, first["id"])
    api.post(f"/api/v1/lists/entries/{first['id']}/approve", headers=admin)
    base = f"/api/v1/lists/entries/{first['id']}"
    assert api.post(f"{base}/suspend", headers=clerk, json={"reason": "异议核查"}).json()["status"] == "suspended"
    # Still published while verified (its measures are what stop); exited entries are not.
    assert api.get("/api/v1/lists/public", params={"q": a.uscc}).json()["total"] == 1
    assert api.post(f"{base}/reinstate", headers=clerk, json={"reason": "异议不成立"}).json()["status"] == "effective"
    error(api.post(f"{base}/withdraw", headers=clerk, json={"reason": "误报"}), 409, "illegal_transition")
    error(api.post(f"{base}/exit", headers=clerk, json={"reason": "随便"}), 422, "invalid_input")
    exited = api.post(f"{base}/exit", headers=clerk, json={"reason": "信用修复", "note": "已履行处罚义务"}).json()
    assert exited["status"] == "exited" and exited["exit_reason"] == "信用修复"
    assert api.get("/api/v1/lists/public", params={"q": a.uscc}).json()["total"] == 0
    second = api.post("/api/v1/lists/entries", headers=clerk, json=body("market_serious_violation", code=b.uscc)).json()
    withdrawn = api.post(f"/api/v1/lists/entries/{second['id']}/withdraw", headers=clerk, json={"reason": "事实有误"})
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["status_label"] == "已撤回"
