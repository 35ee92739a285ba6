"""Console login, CSRF, dashboard and logout through the HTTP app, on both databases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from xinyong.accounts import service
from xinyong.accounts.models import LoginSession, User
from xinyong.accounts.states import Role, UserStatus
from xinyong.departments import service as departments_service
from xinyong.web import CSRF_COOKIE, SESSION_COOKIE

PASSWORD = "Console#2024"


@pytest.fixture()
def clerk(session: Session) -> User:
    department = departments_service.add_department(session, uscc=make_uscc("11"), name="漳州市市场监督管理局",
                                                    actor="test")
    user = service.create_user(session, username="console_clerk", display_name="林经办", password=PASSWORD,
                               role=Role.DEPARTMENT_CLERK, department=department, actor="test")
    session.flush()
    return user


def _hidden_csrf(html: str) -> str:
    match = re.search(r'<input type="hidden" name="csrf" value="([^"]*)">', html)
    assert match, "form has no hidden csrf field"
    return match.group(1)


def _login_page(client: TestClient) -> str:
    page = client.get("/console/login")
    assert page.status_code == 200
    return _hidden_csrf(page.text)


def _log_in(client: TestClient, username: str = "console_clerk", password: str = PASSWORD) -> str:
    csrf = _login_page(client)
    response = client.post("/console/login", data={"username": username, "password": password, "csrf": csrf},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.cookies[SESSION_COOKIE]


def test_console_needs_login(client: TestClient) -> None:
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert client.get("/console").url.path == "/console/login"


def test_login_page_sets_csrf_cookie_matching_the_hidden_field(client: TestClient) -> None:
    page = client.get("/console/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "工作台登录" in page.text
    cookie = page.cookies.get(CSRF_COOKIE)
    assert cookie and len(cookie) >= 24
    assert _hidden_csrf(page.text) == cookie
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    # The browser keeps its token: the next page view reuses it and sets no new cookie.
    again = client.get("/console/login")
    assert _hidden_csrf(again.text) == cookie
    assert CSRF_COOKIE not in again.cookies


@pytest.mark.parametrize("csrf", [None, "", "forged-token", "伪造的令牌"])
def test_login_without_the_right_csrf_token_is_refused(client: TestClient, clerk: User,
                                                        csrf: str | None) -> None:
    _login_page(client)
    data = {"username": "console_clerk", "password": PASSWORD}
    if csrf is not None:
        data["csrf"] = csrf
    response = client.post("/console/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "CSRF" in response.text and "请刷新页面后重试" in response.text
    assert SESSION_COOKIE not in response.cookies


def test_login_without_a_csrf_cookie_is_refused(client: TestClient, clerk: User) -> None:
    csrf = _login_page(client)
    client.cookies.clear()
    response = client.post("/console/login", follow_redirects=False,
                           data={"username": "console_clerk", "password": PASSWORD, "csrf": csrf})
    assert response.status_code == 403 and "CSRF" in response.text


def test_wrong_password_and_unknown_user_get_the_same_401_page(client: TestClient, clerk: User,
                                                                session: Session) -> None:
    csrf = _login_page(client)
    pages = []
    for username, password in [("console_clerk", "Wrong#20245"), ("no_such_user", PASSWORD)]:
        response = client.post("/console/login", follow_redirects=False,
                               data={"username": username, "password": password, "csrf": csrf})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("text/html")
        assert "用户名或密码错误" in response.text
        assert SESSION_COOKIE not in response.cookies
        assert _hidden_csrf(response.text) == csrf  # the form can be sent again
        pages.append(response.text.replace(username, "USER"))
    assert pages[0] == pages[1]
    assert session.scalars(select(LoginSession).where(LoginSession.user_id == clerk.id)).first() is None


def test_login_dashboard_and_logout(client: TestClient, clerk: User, session: Session) -> None:
    token = _log_in(client)
    assert token
    stored = session.scalars(select(LoginSession).where(LoginSession.user_id == clerk.id)).all()
    assert len(stored) == 1 and stored[0].token_hash != token

    dashboard = client.get("/console", follow_redirects=False)
    assert dashboard.status_code == 200
    html = dashboard.text
    assert "林经办" in html
    assert "部门经办人" in html  # the role in Chinese, not its internal value
    assert "department_clerk" not in html
    assert "漳州市市场监督管理局" in html
    assert "行政处罚" in html and "行政许可" in html
    session_csrf = _hidden_csrf(html)
    assert session_csrf == stored[0].csrf_token
    assert session_csrf != client.cookies.get(CSRF_COOKIE)

    # Logging out needs the session's own token; the pre-login cookie token or none at all is refused.
    for bad in ("", client.cookies.get(CSRF_COOKIE), "forged", "伪造"):
        refused = client.post("/console/logout", data={"csrf": bad}, follow_redirects=False)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert client.get("/console", follow_redirects=False).status_code == 200

    out = client.post("/console/logout", data={"csrf": session_csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert SESSION_COOKIE not in client.cookies
    after = client.get("/console", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/console/login"
    session.expire_all()
    assert session.scalars(select(LoginSession).where(LoginSession.user_id == clerk.id)).first() is None

    # The old cookie is dead server-side too, not only forgotten by this browser.
    client.cookies.set(SESSION_COOKIE, token)
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_bogus_session_cookie_is_treated_as_logged_out(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "not-a-real-session")
    response = client.get("/console", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"
    # Logging out without a live session simply clears the cookie.
    out = client.post("/console/logout", follow_redirects=False)
    assert out.status_code == 303


def test_disabled_user_cannot_log_in_and_live_session_ends(client: TestClient, clerk: User,
                                                           session: Session) -> None:
    _log_in(client)
    assert client.get("/console", follow_redirects=False).status_code == 200
    service.set_user_status(session, clerk, UserStatus.DISABLED, actor="admin")
    session.flush()
    assert client.get("/console", follow_redirects=False).status_code == 303
    csrf = _login_page(client)
    response = client.post("/console/login", data={"username": "console_clerk", "password": PASSWORD,
                                                   "csrf": csrf}, follow_redirects=False)
    assert response.status_code == 401 and "停用" in response.text


def test_username_is_trimmed_at_login(client: TestClient, clerk: User) -> None:
    assert _log_in(client, username="  console_clerk ")
    assert "林经办" in client.get("/console").text
