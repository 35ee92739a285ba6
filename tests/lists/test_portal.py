"""List pages over HTTP on both databases: public publication and announcements, subject page, console workflow."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, make_uscc, person
from tests.lists.builders import CREDIT_OFFICE, proposal, recogniser
from tests.records.builders import weekends_calendar
from xinyong.accounts import service as accounts
from xinyong.accounts.states import Role
from xinyong.lists import exits, service
from xinyong.lists.api import calendar_dep
from xinyong.lists.definitions import ExitReason
from xinyong.lists.models import ListEntry
from xinyong.web import SESSION_COOKIE

TODAY = dt.date.today()
PASSWORD = "Mingdan#2026"


def effective(session: Session, keyring, clerk, dept, prop) -> ListEntry:
    """Propose, notify and approve an entry, as the workflow does."""
    cal = weekends_calendar()
    entry = service.propose(session, keyring, cal, clerk, dept, prop)
    service.record_notice(session, cal, clerk, entry, notice_text="告知书", delivered_on=prop.recognised_on)
    return service.approve(session, CREDIT_OFFICE, entry, today=TODAY)


@dataclass
class Published:
    """Entries in every state the portal must tell apart."""

    black: ListEntry
    person: ListEntry
    person_number: str
    proposed: ListEntry
    exited: ListEntry
    expired: ListEntry
    watch: ListEntry


@pytest.fixture()
def published(session: Session, keyring) -> Published:
    dept, clerk = recogniser(session, "market_serious_violation", "market_watch", "wage_arrears_black")
    days = TODAY - dt.timedelta(days=60)
    black = effective(session, keyring, clerk, dept, proposal(
        "market_serious_violation", company(session, "漳州市黑榜食品有限公司"), recognised_on=days))
    number = make_resident_id()
    lao = person(session, keyring, name="欧阳明月", number=number)
    on_person = effective(session, keyring, clerk, dept, proposal(
        "wage_arrears_black", lao, document_number=number, recognised_on=days, facts="欧阳明月拖欠农民工工资。"))
    proposed = service.propose(session, keyring, weekends_calendar(), clerk, dept, proposal(
        "market_serious_violation", company(session, "漳州市拟列入贸易有限公司"), recognised_on=days))
    exited = effective(session, keyring, clerk, dept, proposal(
        "market_serious_violation", company(session, "漳州市已移出科技有限公司"), recognised_on=days))
    exits.exit_by(session, clerk, exited, ExitReason.REPAIRED, note="已履行处罚义务")
    old = TODAY - dt.timedelta(days=400)
    expired = effective(session, keyring, clerk, dept, proposal(
        "market_serious_violation", company(session, "漳州市过期建材有限公司"), recognised_on=old,
        valid_until=TODAY - dt.timedelta(days=1)))
    watch = effective(session, keyring, clerk, dept, proposal(
        "market_watch", company(session, "漳州市关注餐饮有限公司"), recognised_on=days))
    session.flush()
    return Published(black, on_person, number, proposed, exited, expired, watch)


def test_lists_page_shows_only_effective_public_entries(client: TestClient, published: Published) -> None:
    page = client.get("/lists")
    assert page.status_code == 200
    html = page.text
    assert "漳州市黑榜食品有限公司" in html and f"/lists/entries/{published.black.id}" in html
    assert "欧**月" in html and "欧阳明月" not in html and published.person_number not in html
    for hidden in ("拟列入贸易", "已移出科技", "过期建材", "关注餐饮"):
        assert hidden not in html, hidden
    assert "严重失信主体名单" in html and "信用预警名单" in html  # tabs of the public kinds
    assert "重点关注名单<span" not in html  # no public watch type: no tab
    red = client.get("/lists", params={"kind": "red"}).text
    assert "漳州市黑榜食品有限公司" not in red and "没有符合条件的名单信息" in red
    found = client.get("/lists", params={"q": "黑榜食品"}).text
    assert "漳州市黑榜食品有限公司" in found and "欧**月" not in found
    assert "漳州市黑榜食品有限公司" in client.get("/lists", params={"q": published.black.subject_code}).text
    assert "欧**月" not in client.get("/lists", params={"q": "欧阳明月"}).text
    assert client.get("/lists", params={"kind": "purple"}).status_code == 422


def test_entry_pages(client: TestClient, published: Published) -> None:
    detail = client.get(f"/lists/entries/{published.black.id}")
    assert detail.status_code == 200
    for text in ("漳州市黑榜食品有限公司", "列入事由", "认定部门", "认定依据", "《市场监督管理严重违法失信名单管理办法》",
                 "认定日期", str(published.black.valid_until), "移出条件"):
        assert text in detail.text, text
    person_page = client.get(f"/lists/entries/{published.person.id}").text
    assert "欧**月" in person_page and "欧阳明月" not in person_page and published.person_number not in person_page
    assert "3506**********" in person_page
    for entry in (published.proposed, published.exited, published.expired, published.watch):
        gone = client.get(f"/lists/entries/{entry.id}")
        assert gone.status_code == 404 and "停止公示" in gone.text
    assert client.get("/lists/entries/0").status_code == 422


def test_announcements(client: TestClient, published: Published, session: Session) -> None:
    page = client.get("/lists/announcements").text
    assert "退出公告" in page and "关于漳州市已移出科技有限公司退出市场监督管理严重违法失信名单的公告" in page
    ids = re.findall(r'href="/lists/announcements/(\d+)"', page)
    one = client.get(f"/lists/announcements/{ids[0]}").text
    assert "信用修复" in one and "已履行处罚义务" in one
    exits.exit_entry(session, published.watch, ExitReason.MISTAKE, actor="test")  # a non-public type's exit
    session.flush()
    assert "关注餐饮" not in client.get("/lists/announcements").text
    assert client.get("/lists/announcements/999999").status_code == 404


def test_subject_page_shows_current_entries(client: TestClient, published: Published, session: Session) -> None:
    html = client.get(f"/subjects/{published.black.subject_code}").text
    section = html[html.index("信用名单</h2>"):html.index("公示信息</h2>")]
    assert "市场监督管理严重违法失信名单" in section and f"/lists/entries/{published.black.id}" in section
    for quiet in (published.exited, published.watch, published.expired):
        other = client.get(f"/subjects/{quiet.subject_code}").text
        assert "暂无列入信用名单的信息" in other


@pytest.fixture()
def console(client: TestClient, session: Session):
    """Log users in: returns a function giving a client logged in as clerk or admin."""
    client.app.dependency_overrides[calendar_dep] = weekends_calendar
    dept, _ = recogniser(session, "market_serious_violation", "wage_arrears_black")
    accounts.create_user(session, username="lists_clerk", display_name="郑经办", password=PASSWORD,
                         role=Role.DEPARTMENT_CLERK, department=dept, actor="test")
    accounts.create_user(session, username="lists_admin", display_name="信用办", password=PASSWORD,
                         role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    session.flush()

    def login(username: str) -> TestClient:
        client.cookies.clear()
        csrf = _csrf(client.get("/console/login").text)
        done = client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": csrf},
                           follow_redirects=False)
        assert done.status_code == 303 and done.cookies.get(SESSION_COOKIE)
        return client

    yield dept, login
    client.app.dependency_overrides.clear()


def _csrf(html: str) -> str:
    match = re.search(r'<input type="hidden" name="csrf" value="([^"]*)">', html)
    assert match, "form has no csrf field"
    return match.group(1)


def test_console_propose_notify_review_approve(console, session: Session) -> None:
    dept, login = console
    org = company(session, "漳州市控制台测试有限公司")
    session.flush()
    clerk = login("lists_clerk")
    form = clerk.get("/console/lists/propose").text
    assert "市场监督管理严重违法失信名单" in form and "重大税收" not in form  # only granted types
    data = {"csrf": _csrf(form), "list_type": "market_serious_violation", "department": dept.uscc, "code": org.uscc,
            "facts": "提交虚假材料取得登记。", "recognised_on": (TODAY - dt.timedelta(days=30)).isoformat()}
    assert clerk.post("/console/lists/propose", data={**data, "csrf": "wrong"}).status_code == 403
    unknown = clerk.post("/console/lists/propose", data={**data, "code": make_uscc()})
    assert unknown.status_code == 404 and "主体不存在" in unknown.text and 'class="alert"' in unknown.text
    assert "提交虚假材料取得登记。" in unknown.text  # what was typed is kept
    bad_date = clerk.post("/console/lists/propose", data={**data, "valid_until": "2020-01-01"})
    assert bad_date.status_code == 422 and "不能早于" in bad_date.text
    done = clerk.post("/console/lists/propose", data=data, follow_redirects=False)
    assert done.status_code == 303, done.text
    entry_url = done.headers["location"].split("?")[0]
    page = clerk.get(done.headers["location"]).text
    assert "已提出列入" in page and "登记告知书送达" in page and "审核由信用办进行" in page
    assert "漳州市控制台测试有限公司" in clerk.get("/console/lists").text
    noticed = clerk.post(f"{entry_url}/notice", follow_redirects=False, data={
        "csrf": _csrf(page), "notice_text": "拟列入告知书", "delivered_on": (TODAY - dt.timedelta(days=29)).isoformat()})
    assert noticed.status_code == 303
    admin = login("lists_admin")
    queue = admin.get("/console/lists").text
    assert "待审核" in queue and "漳州市控制台测试有限公司" in queue and "即将到期" in queue
    review = admin.get(entry_url).text
    assert review.index("红黑名单交叉比对") < review.index("审核通过，列入并公示")
    assert "交叉比对通过" in review and "disabled" not in review.split("审核通过，列入并公示")[0].rsplit("<button", 1)[1]
    approved = admin.post(f"{entry_url}/approve", data={"csrf": _csrf(review)}, follow_redirects=False)
    assert approved.status_code == 303
    assert "已审核通过" in admin.get(approved.headers["location"]).text
    again = admin.post(f"{entry_url}/approve", data={"csrf": _csrf(review)})
    assert again.status_code == 409 and "不允许的状态变更" in again.text


def test_console_person_without_notice_shows_chinese_error(console, session: Session, keyring) -> None:
    _, login = console
    number = make_resident_id()
    person(session, keyring, name="李小龙", number=number)
    session.flush()
    clerk = login("lists_clerk")
    form = clerk.get("/console/lists/propose").text
    done = clerk.post("/console/lists/propose", follow_redirects=False, data={
        "csrf": _csrf(form), "list_type": "wage_arrears_black", "code": "", "document_type": "居民身份证",
        "document_number": number, "facts": "拖欠农民工工资。", "recognised_on": TODAY.isoformat()})
    assert done.status_code == 303
    entry_url = done.headers["location"].split("?")[0]
    admin = login("lists_admin")
    review = admin.get(entry_url).text
    assert "李*龙" in review and "李小龙" not in review and number not in review
    assert "须事前告知" in review
    refused = admin.post(f"{entry_url}/approve", data={"csrf": _csrf(review)})
    assert refused.status_code == 409 and "自然人须事前告知" in refused.text and 'role="alert"' in refused.text
    withdrawn = admin.post(f"{entry_url}/withdraw", data={"csrf": _csrf(review), "reason": "事实有误"},
                           follow_redirects=False)
    assert withdrawn.status_code == 303 and "已撤回" in admin.get(withdrawn.headers["location"]).text


def test_console_needs_login_and_own_department(client: TestClient, console, session: Session, keyring) -> None:
    client.cookies.clear()
    assert client.get("/console/lists", follow_redirects=False).headers["location"] == "/console/login"
    assert client.post("/console/lists/propose", data={"csrf": "x"}).status_code == 401
    other, other_clerk = recogniser(session, "market_serious_violation", name="漳州市水利局")
    entry = service.propose(session, keyring, weekends_calendar(), other_clerk, other,
                            proposal("market_serious_violation", company(session)))
    session.flush()
    _, login = console
    clerk = login("lists_clerk")
    assert clerk.get(f"/console/lists/{entry.id}").status_code == 403
    assert clerk.get("/console/lists/999999").status_code == 404


def test_pages_of_twenty(client: TestClient, session: Session, keyring) -> None:
    dept, clerk = recogniser(session, "tax_a_grade", name="国家税务总局漳州市税务局")
    for i in range(21):
        entry = service.propose(session, keyring, weekends_calendar(), clerk, dept, proposal(
            "tax_a_grade", company(session, f"漳州市分页{i:02d}有限公司"), facts="A级",
            recognised_on=TODAY - dt.timedelta(days=10)))
        service.approve(session, CREDIT_OFFICE, entry, today=TODAY)
    session.flush()
    first = client.get("/lists", params={"kind": "red", "q": "分页"}).text
    assert "共 21 条，第 1/2 页" in first and first.count("/lists/entries/") == 20
    assert 'href="?page=2&amp;kind=red&amp;type=&amp;domain=&amp;q=%E5%88%86%E9%A1%B5"' in first
    second = client.get("/lists", params={"kind": "red", "q": "分页", "page": 2}).text
    assert second.count("/lists/entries/") == 1 and "上一页" in second
    api = client.get("/api/v1/lists/public", params={"kind": "红名单", "q": "分页", "page": 2}).json()
    assert (api["total"], api["page"], len(api["items"])) == (21, 2, 1)


def test_list_types_page_publishes_basis_criteria_validity_and_exit_conditions(client) -> None:
    from markupsafe import escape

    from xinyong.lists.definitions import load_list_types

    page = client.get("/lists/types")
    assert page.status_code == 200
    for t in load_list_types():
        assert t.name in page.text and str(escape(t.criteria)) in page.text
        assert t.legal_basis[0].article in page.text and t.exit_conditions[0] in page.text
    assert "不对外公示" in page.text  # watch lists say they are not published
    assert 'href="/lists/types"' in client.get("/lists").text
