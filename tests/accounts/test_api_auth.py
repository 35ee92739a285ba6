"""API keys over HTTP and the error format: JSON under /api, a Chinese page elsewhere (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, make_uscc
from xinyong.accounts import service
from xinyong.accounts.models import ApiKey
from xinyong.accounts.states import Role
from xinyong.departments import service as departments_service
from xinyong.web import Caller

WHOAMI = "/api/v1/_test/whoami"


@pytest.fixture()
def api(client: TestClient) -> TestClient:
    """The app with one extra route that needs an authenticated caller, as protected API routes will."""

    def whoami(caller: Caller) -> dict[str, Any]:
        return {"kind": caller.kind, "id": caller.id, "name": caller.name, "role": caller.role.value,
                "department_id": caller.department_id}

    client.app.get(WHOAMI)(whoami)  # type: ignore[attr-defined]
    return client


@pytest.fixture()
def keys(session: Session) -> dict[str, Any]:
    """A live business-system key, a live department key and a revoked key."""
    department = departments_service.add_department(session, uscc=make_uscc("11"), name="测试局", actor="test")
    live, live_plain = service.create_api_key(session, name="交易系统", role=Role.BUSINESS_SYSTEM,
                                              department=None, actor="test")
    dept, dept_plain = service.create_api_key(session, name="测试局系统", role=Role.DEPARTMENT_CLERK,
                                              department=department, actor="test")
    old, old_plain = service.create_api_key(session, name="旧系统", role=Role.BUSINESS_SYSTEM, department=None,
                                            actor="test")
    service.revoke_api_key(session, old, actor="test")
    session.flush()
    return {"live": (live, live_plain), "dept": (dept, dept_plain, department), "revoked": (old, old_plain)}


def _json_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    return body["detail"]


# --- error format ----------------------------------------------------------------------------


def test_bad_code_under_api_is_json_422(client: TestClient) -> None:
    detail = _json_error(client.get("/api/v1/subjects/BADCODE"), 422, "invalid_code")
    assert "统一社会信用代码" in detail


def test_unknown_subject_under_api_is_json_404(client: TestClient) -> None:
    code = make_uscc()
    detail = _json_error(client.get(f"/api/v1/subjects/{code}"), 404, "subject_not_found")
    assert code in detail


def test_unknown_api_path_is_json_404(client: TestClient) -> None:
    assert _json_error(client.get("/api/v1/nope"), 404, "not_found") == "页面不存在"


def test_wrong_method_under_api_is_json_405(client: TestClient) -> None:
    _json_error(client.post("/api/v1/search?q=x"), 405, "method_not_allowed")


def test_request_validation_under_api_is_json_422(client: TestClient) -> None:
    detail = _json_error(client.get("/api/v1/measures", params={"matter": "不存在的事项"}), 422, "invalid_input")
    assert detail.startswith("请求参数有误") and "matter" in detail


def test_portal_errors_are_chinese_html_pages(client: TestClient) -> None:
    response = client.get("/subjects/123")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "统一社会信用代码" in response.text and "<html" in response.text.lower()
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "页面不存在" in missing.text


def test_public_search_needs_no_key(client: TestClient, session: Session) -> None:
    subject = company(session, "漳州市鉴权测试有限公司")
    session.flush()
    response = client.get("/api/v1/search", params={"q": "鉴权测试"})
    assert response.status_code == 200
    assert [r["uscc"] for r in response.json()["results"]] == [subject.uscc]


# --- API keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_valid_key_identifies_the_caller(api: TestClient, keys: dict[str, Any], session: Session,
                                         how: str) -> None:
    key, plain = keys["live"]
    headers = {"Authorization": f"Bearer {plain}"} if how == "bearer" else {"X-API-Key": plain}
    response = api.get(WHOAMI, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"kind": "api_key", "id": key.id, "name": "交易系统", "role": "business_system",
                               "department_id": None}
    session.expire_all()
    assert session.get(ApiKey, key.id).last_used_at is not None
    search = api.get("/api/v1/search", params={"q": "鉴权"}, headers=headers)
    assert search.status_code == 200
    assert search.json()["query"] == "鉴权"


def test_department_key_carries_its_department(api: TestClient, keys: dict[str, Any]) -> None:
    key, plain, department = keys["dept"]
    response = api.get(WHOAMI, headers={"authorization": f"bearer {plain}"})  # scheme is case-insensitive
    assert response.status_code == 200
    assert response.json()["role"] == "department_clerk"
    assert response.json()["department_id"] == department.id


@pytest.mark.parametrize("which", ["revoked", "bogus", "prefix-only", "hash-instead-of-key"])
@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_revoked_or_bogus_key_is_401_json(api: TestClient, keys: dict[str, Any], which: str,
                                          how: str) -> None:
    presented = {
        "revoked": keys["revoked"][1],
        "bogus": "xy_thisisnotarealkeythisisnotarealkey000",
        "prefix-only": keys["live"][1][:10],
        "hash-instead-of-key": keys["live"][0].key_hash,
    }[which]
    headers = {"Authorization": f"Bearer {presented}"} if how == "bearer" else {"X-API-Key": presented}
    detail = _json_error(api.get(WHOAMI, headers=headers), 401, "invalid_api_key")
    assert "API 密钥" in detail


def test_bad_key_is_refused_even_with_a_good_one_in_the_other_header(api: TestClient,
                                                                      keys: dict[str, Any]) -> None:
    # X-API-Key is looked at first; a bad one there must not fall through to the Bearer token.
    headers = {"X-API-Key": keys["revoked"][1], "Authorization": f"Bearer {keys['live'][1]}"}
    response = api.get(WHOAMI, headers=headers)
    _json_error(response, 401, "invalid_api_key")


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"},
                                     {"Authorization": "Bearer "}])
def test_no_credentials_is_401_json(api: TestClient, keys: dict[str, Any], headers: dict[str, str]) -> None:
    detail = _json_error(api.get(WHOAMI, headers=headers), 401, "unauthorized")
    assert detail == "需要登录或提供 API 密钥"


def test_console_session_also_identifies_the_caller(api: TestClient, session: Session) -> None:
    user = service.create_user(session, username="api_admin", display_name="管理员甲", password="Admin#20240",
                               role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    session.flush()
    page = api.get("/console/login")
    csrf = page.cookies["xy_csrf"]
    login = api.post("/console/login", follow_redirects=False,
                     data={"username": "api_admin", "password": "Admin#20240", "csrf": csrf})
    assert login.status_code == 303
    response = api.get(WHOAMI)
    assert response.status_code == 200
    assert response.json() == {"kind": "user", "id": user.id, "name": "管理员甲", "role": "credit_office_admin",
                               "department_id": None}


@pytest.mark.parametrize("path", ["/api/v1/search?q=xy", "/api/v1/catalog"])
@pytest.mark.parametrize("which", ["revoked", "bogus"])
@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_revoked_or_bogus_key_is_refused_on_public_api_too(client: TestClient, keys: dict[str, Any], path: str,
                                                           which: str, how: str) -> None:
    # Public routes need no key, but a key that is presented must be a good one: no silent anonymous fallback.
    presented = keys["revoked"][1] if which == "revoked" else "xy_bogus"
    headers = {"Authorization": f"Bearer {presented}"} if how == "bearer" else {"X-API-Key": presented}
    _json_error(client.get(path, headers=headers), 401, "invalid_api_key")
    assert client.get(path).status_code == 200


def test_valid_key_on_public_api_is_recorded_as_used(client: TestClient, keys: dict[str, Any],
                                                     session: Session) -> None:
    key, plain = keys["live"]
    response = client.get("/api/v1/search", params={"q": "xy"}, headers={"X-API-Key": plain})
    assert response.status_code == 200
    session.expire_all()
    assert session.get(ApiKey, key.id).last_used_at is not None
