"""Public portal pages over HTTP, on SQLite and PostgreSQL: search, subject page, errors, API docs."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, make_uscc, person
from xinyong.crypto import Keyring
from xinyong.subjects.service import set_legal_representative

PERSON_NAME = "欧阳明月"
MASKED_PERSON = "欧**月"


def _html(client: TestClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, f"{url}: HTTP {resp.status_code}\n{resp.text[:500]}"
    assert resp.headers["content-type"].startswith("text/html")
    return resp.text


def _company_with_representative(session: Session, keyring: Keyring, name: str = "漳州市澜沧江食品有限公司"):
    org = company(session, name)
    rep = person(session, keyring, name=PERSON_NAME)
    set_legal_representative(session, org, rep, actor="test")
    session.flush()
    return org


def test_home_page_has_the_search_form(client: TestClient) -> None:
    html = _html(client, "/")
    assert '<html lang="zh-CN">' in html
    assert re.search(r'<form class="search" action="/search" method="get"', html)
    assert 'name="q"' in html
    assert "信用信息查询" in html and "测试市" in html
    assert "<script" not in html  # the portal needs no JavaScript and loads nothing from outside
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_home_counts_come_in_a_fixed_order(client: TestClient, session: Session, keyring: Keyring) -> None:
    company(session, "漳州市计数测试有限公司")
    company(session, "漳州市计数测试小吃店", prefix2="92")
    person(session, keyring, name="计数测试")
    session.flush()
    html = _html(client, "/")
    stats = html[html.index("平台数据概况"):]
    labels = ["法人及非法人组织", "个体工商户", "政府机构", "自然人", "行政许可信息", "行政处罚信息"]
    positions = [stats.index(f'<span class="lbl">{label}</span>') for label in labels]
    assert positions == sorted(positions)


def test_search_lists_the_company_with_a_link(client: TestClient, session: Session) -> None:
    org = company(session, "漳州市澜沧江食品有限公司")
    session.flush()
    html = _html(client, "/search?q=澜沧江食品")
    assert f'<a href="/subjects/{org.uscc}">漳州市澜沧江食品有限公司</a>' in html
    assert "共 1 条" in html
    assert "未找到" not in html


def test_search_by_code_and_by_initials(client: TestClient, session: Session) -> None:
    org = company(session, "漳州市澜沧江食品有限公司")
    session.flush()
    assert f"/subjects/{org.uscc}" in _html(client, f"/search?q={org.uscc.lower()}")
    assert f"/subjects/{org.uscc}" in _html(client, f"/search?q={org.name_initials}")


def test_search_without_hits_shows_the_empty_message(client: TestClient) -> None:
    html = _html(client, "/search?q=绝无此名称的主体")
    assert "未找到与“绝无此名称的主体”相关的主体" in html
    assert "/subjects/" not in html


def test_search_page_without_query(client: TestClient) -> None:
    html = _html(client, "/search")
    assert 'name="q"' in html
    assert "未找到" not in html


def test_search_query_is_escaped(client: TestClient) -> None:
    html = _html(client, "/search?q=<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_subject_page_shows_name_and_masks_the_representative(
    client: TestClient, session: Session, keyring: Keyring
) -> None:
    org = _company_with_representative(session, keyring)
    html = _html(client, f"/subjects/{org.uscc}")
    assert "<h1>漳州市澜沧江食品有限公司</h1>" in html
    assert "基本信息" in html and "公示信息" in html
    assert "统一社会信用代码" in html and org.uscc in html
    assert re.search(r"法定代表人（负责人）</th><td>" + re.escape(MASKED_PERSON) + "</td>", html)
    assert PERSON_NAME not in html
    assert "暂无公示信息" in html


def test_subject_page_accepts_lower_case_code(client: TestClient, session: Session) -> None:
    org = company(session, "漳州市澜沧江食品有限公司")
    session.flush()
    assert "漳州市澜沧江食品有限公司" in _html(client, f"/subjects/{org.uscc.lower()}")


def test_individual_business_shows_its_operator_masked(
    client: TestClient, session: Session, keyring: Keyring
) -> None:
    shop = company(session, "漳州市芗城区欧记小吃店", prefix2="92")
    rep = person(session, keyring, name=PERSON_NAME)
    set_legal_representative(session, shop, rep, actor="test")
    session.flush()
    html = _html(client, f"/subjects/{shop.uscc}")
    assert "个体工商户" in html
    assert f"经营者</th><td>{MASKED_PERSON}</td>" in html
    assert PERSON_NAME not in html


def test_person_name_never_appears_on_public_pages(client: TestClient, session: Session, keyring: Keyring) -> None:
    org = _company_with_representative(session, keyring)
    pages = ["/", "/search?q=澜沧江", f"/subjects/{org.uscc}", f"/subjects/{org.uscc.lower()}"]
    for url in pages:
        assert PERSON_NAME not in _html(client, url), url
    for url in ["/api/v1/search?q=澜沧江", f"/api/v1/subjects/{org.uscc}"]:
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert PERSON_NAME not in resp.text, url
    # Searching for the person's own name finds nothing: persons are never listed.
    # (The page repeats what was typed, which is no disclosure; it must list no subject.)
    html = _html(client, f"/search?q={PERSON_NAME}")
    assert "/subjects/" not in html and "未找到" in html
    assert client.get(f"/api/v1/search?q={PERSON_NAME}").json()["total"] == 0


def test_unknown_subject_is_a_chinese_404_page(client: TestClient) -> None:
    code = make_uscc()
    html = _html(client, f"/subjects/{code}", status=404)
    assert '<html lang="zh-CN">' in html
    assert "<title>出错了 - 测试市</title>" in html
    assert "<h1>未找到</h1>" in html
    assert f"未找到统一社会信用代码为 {code} 的主体" in html
    assert "返回首页" in html


def test_invalid_code_is_a_chinese_error_page(client: TestClient) -> None:
    html = _html(client, "/subjects/12345", status=422)
    assert "<h1>请求有误</h1>" in html
    assert "统一社会信用代码" in html


def test_unknown_page_is_a_chinese_404_page(client: TestClient) -> None:
    html = _html(client, "/no/such/page", status=404)
    assert "<h1>未找到</h1>" in html and "页面不存在" in html


def test_api_errors_stay_json(client: TestClient) -> None:
    resp = client.get(f"/api/v1/subjects/{make_uscc()}")
    assert resp.status_code == 404
    assert resp.json()["error"] == "subject_not_found"


def test_swagger_ui_and_openapi(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text.lower()
    assert "/api/v1/openapi.json" in docs.text
    assert "cdn." not in docs.text  # the intranet has no internet: everything is served locally
    for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css"):
        assert asset in docs.text
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 10_000
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/v1/subjects/{code}" in paths
    assert "/api/v1/search" in paths
    assert "/subjects/{code}" not in paths and "/search" not in paths  # portal pages are not API


def test_static_stylesheet_is_served(client: TestClient) -> None:
    resp = client.get("/static/style.css")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/css")
    assert "@import" not in resp.text and "url(http" not in resp.text
