"""The joint rewards and punishments API over HTTP on both databases: checks, feedback, follow-up, typical cases,
statistics, the measures list, and every refusal as JSON {"error", "detail"}."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, make_uscc, person
from tests.lists.builders import DAY
from tests.lists.test_tasks import listed
from tests.records.builders import clerk_of, department, weekends_calendar
from xinyong.accounts.service import create_api_key, create_user, start_login_session
from xinyong.accounts.states import Role
from xinyong.departments.models import Department
from xinyong.lists.api import calendar_dep
from xinyong.measures import service, statistics
from xinyong.measures.schemas import CheckIn, SubjectQuery
from xinyong.subjects.service import set_legal_representative

NOW = dt.date.today()
CHECKS = "/api/v1/checks"


@pytest.fixture()
def api(client: TestClient) -> Iterator[TestClient]:
    """The client, counting working days with a calendar that knows every year."""
    client.app.dependency_overrides[calendar_dep] = weekends_calendar
    yield client
    client.app.dependency_overrides.clear()


def key_for(session: Session, dept: Department | None, role: Role = Role.BUSINESS_SYSTEM) -> dict[str, str]:
    """Headers of an API key of the role, bound to the department."""
    _, plain = create_api_key(session, name=f"{dept.name if dept else '信用办'}接口", role=role, department=dept,
                              actor="test")
    session.flush()
    return {"X-API-Key": plain}


@pytest.fixture()
def admin(session: Session) -> dict[str, str]:
    """Headers of a logged-in credit office administrator (console session cookie)."""
    user = create_user(session, username="measures_admin", display_name="信用办", password="Xinyong#2026",
                       role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    _, token = start_login_session(session, user, 1)
    session.flush()
    return {"Cookie": f"xy_session={token}"}


def error(response, status: int, code: str) -> str:
    """Assert a JSON error and return its Chinese detail."""
    assert response.status_code == status, response.text
    assert set(response.json()) == {"error", "detail"} and response.json()["error"] == code, response.text
    return response.json()["detail"]


@pytest.fixture()
def world(session: Session):
    """A department with a business-system key, another department's clerk key, a black-listed company."""
    dept, other = department(session, "漳州市公共资源交易中心"), department(session, "漳州市财政局")
    firm = company(session, "漳州市黑名单建设有限公司")
    listed(session, "procurement_serious", firm, dept, DAY - dt.timedelta(days=60), until=NOW + dt.timedelta(days=300))
    session.flush()
    return dept, other, firm, key_for(session, dept), key_for(session, other, Role.DEPARTMENT_CLERK)


def ask(api: TestClient, headers: dict[str, str], matter: str = "政府采购", **subject: object):
    return api.post(CHECKS, headers=headers, json={"subject": subject, "matter": matter})


def test_check_returns_measures_and_the_measures_list_is_public(api: TestClient, world) -> None:
    _, _, firm, system, _ = world
    response = ask(api, system, code=firm.uscc.lower())
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["found"] and out["subject"]["code"] == firm.uscc and out["check_id"] >= 1
    assert [m["code"] for m in out["measures"]] == ["restrict_procurement"] and out["measures"][0]["mandatory"]
    assert out["entries"][0]["status"] == "effective" and out["green_channel"]["eligible"] is False
    measures = api.get("/api/v1/measures").json()
    assert len(measures) >= 15 and measures[0]["mandatory"] and measures[0]["legal_basis"][0]["document"]
    assert [m["code"] for m in api.get("/api/v1/measures", params={"matter": "高消费"}).json()] == [
        "restrict_high_consumption"]
    rewards = api.get("/api/v1/measures", params={"kind": "激励"}).json()
    assert rewards and {m["kind"] for m in rewards} == {"激励"}
    error(api.get("/api/v1/measures", params={"matter": "吃饭"}), 422, "invalid_input")
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert {CHECKS, "/api/v1/checks/{check_id}/feedback", "/api/v1/checks/follow-up", "/api/v1/checks/typical",
            "/api/v1/measures", "/api/v1/statistics/checks"} <= set(paths)


def test_check_refusals_are_json(api: TestClient, session: Session, world, admin) -> None:
    dept, _, firm, system, other_clerk = world
    error(ask(api, {}, code=firm.uscc), 401, "unauthorized")
    error(ask(api, {"X-API-Key": "xy_nonsense"}, code=firm.uscc), 401, "invalid_api_key")
    assert "matter" in error(ask(api, system, "吃饭", code=firm.uscc), 422, "invalid_input")
    assert "校验位" in error(ask(api, system, code=firm.uscc[:-1] + ("0" if firm.uscc[-1] != "0" else "1")), 422,
                            "invalid_code")
    assert "18位" in error(ask(api, system, code="9135"), 422, "invalid_code")
    error(api.post(CHECKS, headers=system, json={"subject": {"code": firm.uscc}, "matter": "政府采购", "x": 1}),
          422, "invalid_input")
    assert "统一社会信用代码" in error(ask(api, system), 422, "invalid_input")
    assert "证件类型" in error(ask(api, system, document_type="驾驶证", document_number="1"), 422, "invalid_input")
    body = {"subject": {"code": firm.uscc}, "matter": "政府采购"}
    assert "部门" in error(api.post(CHECKS, headers=admin, json={**body, "department": make_uscc("11", "350600")}),
                         404, "department_not_found")
    assert "department" in error(api.post(CHECKS, headers=admin, json=body), 422, "invalid_check")
    error(api.post(CHECKS, headers=other_clerk, json={**body, "department": dept.uscc}), 403, "not_allowed")
    reviewer = create_user(session, username="measures_reviewer", display_name="审核人", password="Xinyong#2026",
                           role=Role.REVIEWER, department=None, actor="test")
    _, token = start_login_session(session, reviewer, 1)
    session.flush()
    error(ask(api, {"Cookie": f"xy_session={token}"}, code=firm.uscc), 403, "not_allowed")
    office = api.post(CHECKS, headers=admin, json={**body, "department": dept.uscc})
    assert office.status_code == 200 and office.json()["measures"], office.text
    assert ask(api, other_clerk, "招标投标", code=firm.uscc).json()["measures"][0]["code"] == "restrict_public_resources"


def test_a_natural_person_is_shown_masked(api: TestClient, session: Session, keyring, world) -> None:
    _, _, firm, system, _ = world
    number = make_resident_id()
    boss = person(session, keyring, "欧阳明月", number=number)
    set_legal_representative(session, firm, boss, actor="test")
    session.flush()
    response = ask(api, system, "评优评先", document_type="居民身份证", document_number=number)
    assert response.status_code == 200, response.text
    assert number not in response.text and "欧阳明月" not in response.text
    subject = response.json()["subject"]
    assert subject["kind"] == "自然人" and subject["code"] is None and subject["masked_id"].endswith(number[-4:])
    assert [m["code"] for m in response.json()["measures"]] == ["revoke_honours"]
    assert response.json()["entries"][0]["via"] == "legal_representative"


def test_feedback_rules_over_http(api: TestClient, world, admin) -> None:
    _, _, firm, system, other_clerk = world
    check_id = ask(api, system, code=firm.uscc).json()["check_id"]
    url = f"{CHECKS}/{check_id}/feedback"
    done = {"measures_applied": ["restrict_procurement"], "outcome": "已实施", "note": "已取消其投标资格", "typical": True}
    error(api.post(url, headers=other_clerk, json=done), 403, "check_of_other_department")
    error(api.post(url, headers=admin, json=done), 403, "check_of_other_department")
    detail = error(api.post(url, headers=system, json={**done, "measures_applied": ["revoke_honours"]}), 422,
                   "invalid_feedback")
    assert "revoke_honours" in detail
    error(api.post(url, headers=system, json={**done, "outcome": "完成"}), 422, "invalid_input")
    error(api.post(f"{CHECKS}/99999999/feedback", headers=system, json=done), 404, "check_not_found")
    error(api.post(url, json=done), 401, "unauthorized")
    first = api.post(url, headers=system, json=done)
    assert first.status_code == 201, first.text
    assert first.json()["typical"] and first.json()["outcome"] == "已实施"
    error(api.post(url, headers=system, json=done), 409, "feedback_exists")
    cases = api.get(f"{CHECKS}/typical", headers=system).json()
    assert cases["total"] == 1 and cases["items"][0]["check"]["subject_name"] == firm.name
    assert api.get(f"{CHECKS}/typical", headers=other_clerk).json()["total"] == 0
    assert api.get(f"{CHECKS}/typical", headers=admin).json()["total"] == 1


def test_follow_up_over_http(api: TestClient, session: Session, keyring, world, admin) -> None:
    dept, other, firm, system, other_clerk = world
    old = service.check(session, keyring, weekends_calendar(), clerk_of(dept), dept.id,
                        CheckIn(subject=SubjectQuery(code=firm.uscc), matter="政府采购"),
                        today=NOW - dt.timedelta(days=30))
    ask(api, system, code=firm.uscc)  # due in 10 working days: not yet followed up
    session.flush()
    page = api.get(f"{CHECKS}/follow-up", headers=system).json()
    assert page["total"] == 1 and page["items"][0]["check_id"] == old.check_id
    assert page["items"][0]["overdue_days"] == (NOW - old.feedback_due_on).days > 0
    assert api.get(f"{CHECKS}/follow-up", headers=other_clerk).json()["total"] == 0
    assert api.get(f"{CHECKS}/follow-up", headers=admin).json()["total"] >= 1
    assert api.get(f"{CHECKS}/follow-up", headers=admin, params={"department": other.uscc}).json()["total"] == 0
    error(api.get(f"{CHECKS}/follow-up", headers=other_clerk, params={"department": dept.uscc}), 403, "not_allowed")
    error(api.get(f"{CHECKS}/follow-up", headers=admin, params={"department": "123"}), 422, "invalid_code")
    error(api.get(f"{CHECKS}/follow-up"), 401, "unauthorized")
    error(api.get(f"{CHECKS}/follow-up", headers=system, params={"page_size": 0}), 422, "invalid_input")


def test_statistics_over_http(api: TestClient, world, admin) -> None:
    dept, _, firm, system, other_clerk = world
    made = ask(api, system, code=firm.uscc).json()
    ask(api, system, code=make_uscc())  # a subject the platform does not know: no hit
    api.post(f"{CHECKS}/{made['check_id']}/feedback", headers=system,
             json={"measures_applied": ["restrict_procurement"], "outcome": "已实施"})
    month = dt.datetime.fromisoformat(made["checked_at"]).astimezone(statistics.BEIJING).strftime("%Y-%m")
    out = api.get("/api/v1/statistics/checks", headers=system, params={"month": month}).json()
    assert out["months"] == [month] and len(out["rows"]) == 1
    row = out["rows"][0]
    assert (row["department"], row["checks"], row["hits"], row["with_measures"], row["feedbacks"]) == (
        dept.uscc, 2, 1, 1, 1)
    assert row["feedback_rate"] == 1.0 and row["measures_applied"] == 1 and row["typical"] == 0
    everyone = api.get("/api/v1/statistics/checks", headers=admin, params={"month": month}).json()
    assert dept.uscc in {r["department"] for r in everyone["rows"]}
    assert api.get("/api/v1/statistics/checks", headers=other_clerk, params={"month": month}).json()["rows"] == []
    error(api.get("/api/v1/statistics/checks", headers=other_clerk, params={"department": dept.uscc}), 403,
          "not_allowed")
    assert len(api.get("/api/v1/statistics/checks", headers=system).json()["months"]) == 12
    assert "YYYY-MM" in error(api.get("/api/v1/statistics/checks", headers=admin, params={"month": "2026/06"}), 422,
                              "invalid_month")
    error(api.get("/api/v1/statistics/checks"), 401, "unauthorized")



def test_pages(api: TestClient, session: Session, world, admin) -> None:
    _, other, firm, system, _ = world
    ask(api, system, code=firm.uscc)
    assert api.get("/console/measures", follow_redirects=False).headers["location"] == "/console/login"
    page = api.get("/console/measures", headers=admin)
    assert page.status_code == 200 and "按部门和月份统计" in page.text and "漳州市公共资源交易中心" in page.text
    assert "逾期未反馈（" in page.text and "典型案例（" in page.text
    filtered = api.get("/console/measures", headers=admin, params={"department": other.uscc})
    assert "漳州市公共资源交易中心</td>" not in filtered.text and "所选期间没有联合奖惩查询" in filtered.text
    bad = api.get("/console/measures", headers=admin, params={"month": "2026-99"})
    assert bad.status_code == 200 and "月份格式应为 YYYY-MM" in bad.text
    clerk = create_user(session, username="measures_clerk", display_name="财政局经办人", password="Xinyong#2026",
                        role=Role.DEPARTMENT_CLERK, department=other, actor="test")
    _, token = start_login_session(session, clerk, 1)
    session.flush()
    own = api.get("/console/measures", headers={"Cookie": f"xy_session={token}"})
    assert own.status_code == 200 and "只显示本部门的查询" in own.text and "漳州市公共资源交易中心" not in own.text
    public = api.get("/measures")
    assert public.status_code == 200 and "限制参与政府采购活动" in public.text and "强制性" in public.text
    assert "落实到人" in public.text and "《中华人民共和国政府采购法》第二十二条" in public.text
    high = api.get("/measures", params={"matter": "高消费"}).text
    assert "限制乘坐飞机" in high and "限制参与政府采购活动" not in high and "司法执行、税收、拖欠农民工工资" in high
