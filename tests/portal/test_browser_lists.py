"""The list pages of a demo installation driven in headless Chromium: publication, detail, exit
announcements, the subject page and the credit office's review page.

The installation is built and served by the real command line, as in test_browser.py; screenshots go to
/tmp/shots (or a pytest temp folder) as lists-*.png for a person to look at.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.portal.test_browser import Portal, browser, check_narrow, chromium_path, page, portal, shots  # noqa: F401 (fixtures)
from xinyong.demo.service import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Listed:
    """A published black-list entry of an organisation, and a listed person's full name."""

    entry_id: int
    name: str
    uscc: str
    list_type: str
    person_name: str


@pytest.fixture(scope="module")
def listed(portal: Portal) -> Listed:  # noqa: F811
    """Read a demo black-list entry and a person's entry straight from the database."""
    with sqlite3.connect(portal.db_path) as conn:
        row = conn.execute(
            """
            SELECT e.id, e.subject_name, e.subject_code, t.name FROM list_entry e JOIN list_type t ON t.id = e.list_type_id
            WHERE e.status = 'effective' AND t.kind = '严重失信主体名单' AND e.subject_code IS NOT NULL
              AND e.valid_from <= date('now') AND e.valid_until >= date('now')
            ORDER BY e.id LIMIT 1
            """).fetchone()
        who = conn.execute("SELECT subject_name FROM list_entry WHERE subject_masked_id IS NOT NULL "
                           "AND status = 'effective' LIMIT 1").fetchone()
    assert row is not None and who is not None, "演示数据里没有生效的黑名单条目或自然人条目"
    return Listed(row[0], row[1], row[2], row[3], who[0])


def test_lists_detail_announcements_and_subject(page, portal: Portal, listed: Listed, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(portal.url("/"))
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用名单").click()
    page.wait_for_url("**/lists")
    expect(page.get_by_role("heading", name="信用名单公示")).to_be_visible()
    page.get_by_role("navigation", name="名单类别").get_by_role("link", name="严重失信主体名单").click()
    page.wait_for_url("**/lists?kind=black")
    row = page.locator("table.lists tr", has_text=listed.name)
    expect(row).to_be_visible()
    expect(row).to_contain_text(listed.list_type)
    assert listed.person_name not in page.content(), "名单页出现了自然人的完整姓名"
    page.screenshot(path=str(shots / "lists.png"), full_page=True)

    row.get_by_role("link", name="查看").click()
    page.wait_for_url(f"**/lists/entries/{listed.entry_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(listed.name)
    info = page.locator("table.info").first
    for label in ("列入事由", "认定部门", "认定依据", "认定日期", "有效期"):
        expect(info.get_by_text(label, exact=True)).to_be_visible()
    expect(info).to_contain_text(listed.uscc)
    page.screenshot(path=str(shots / "lists-entry.png"), full_page=True)

    page.get_by_role("link", name="退出公告").first.click()
    page.wait_for_url("**/lists/announcements")
    table = page.locator("table.announcements")
    expect(table).to_be_visible()
    expect(table).to_contain_text("退出公告〔")
    page.screenshot(path=str(shots / "lists-announcements.png"), full_page=True)
    table.get_by_role("link").first.click()
    page.wait_for_url("**/lists/announcements/*")
    expect(page.locator("article.announcement")).to_contain_text("退出该名单")
    page.screenshot(path=str(shots / "lists-announcement.png"), full_page=True)

    page.goto(portal.url(f"/lists/entries/{listed.entry_id}"))
    page.locator("table.info").first.get_by_role("link", name=listed.name).click()
    page.wait_for_url(f"**/subjects/{listed.uscc}")
    section = page.locator("section", has=page.get_by_role("heading", name="信用名单"))
    expect(section).to_contain_text(listed.list_type)
    expect(section.get_by_role("link", name="查看")).to_have_attribute("href", f"/lists/entries/{listed.entry_id}")
    page.screenshot(path=str(shots / "lists-subject.png"), full_page=True)


def test_credit_office_review_page(page, portal: Portal, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(portal.url("/console/login"))
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(portal.url("/console"))
    page.goto(portal.url("/console/lists"))
    expect(page.get_by_role("heading", name="信用名单管理")).to_be_visible()
    expect(page.get_by_role("heading", name="待审核（3）")).to_be_visible()
    expect(page.locator("main")).to_contain_text("即将到期")
    page.screenshot(path=str(shots / "lists-console.png"), full_page=True)
    page.get_by_role("link", name="查看并审核").last.click()
    page.wait_for_url("**/console/lists/*")
    expect(page.get_by_role("heading", name="红黑名单交叉比对")).to_be_visible()
    approve = page.get_by_role("button", name="审核通过，列入并公示")
    expect(approve).to_be_enabled()
    page.screenshot(path=str(shots / "lists-review.png"), full_page=True)
    approve.click()
    expect(page.locator(".ok[role=status]")).to_contain_text("已审核通过")


def test_lists_narrow_screen(browser, portal: Portal, listed: Listed, shots: Path) -> None:  # noqa: F811
    """On a phone-sized screen the list pages do not scroll sideways."""
    check_narrow(browser, portal, shots, (("/lists", "lists-mobile.png"),
                                          (f"/lists/entries/{listed.entry_id}", "lists-entry-mobile.png")))
