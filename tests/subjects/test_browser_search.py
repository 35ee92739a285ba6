"""Search by pinyin initials and open the subject page in headless Chromium, under the portal's CSP.

Built and served by the real command line as in tests/portal/test_browser.py; screenshots go to
/tmp/shots (or a pytest temp folder) as search-*.png for a person to look at.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.portal.test_browser import Portal, browser, chromium_path, page, portal, shots  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def watch_console(pg) -> list[str]:
    """Collect console errors (a CSP refusal shows up there)."""
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_pinyin_initials_to_subject_page(page, portal: Portal, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    with sqlite3.connect(portal.db_path) as conn:
        name, uscc, initials = conn.execute(
            "SELECT name, uscc, name_initials FROM subject WHERE kind = '法人及非法人组织' "
            "AND length(name_initials) >= 8 ORDER BY id LIMIT 1").fetchone()
    errors = watch_console(page)
    page.goto(portal.url("/"))
    page.get_by_role("searchbox").fill(initials[:8].upper())
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/search?q=*")
    link = page.locator("table.results").get_by_role("link", name=name, exact=True)
    expect(link).to_be_visible()
    expect(page.locator("table.results tr", has_text=name)).to_contain_text("拼音首字母")
    page.screenshot(path=str(shots / "search-pinyin.png"), full_page=True)
    link.click()
    page.wait_for_url(f"**/subjects/{uscc}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    for section in ("基本信息", "信用名单", "公示信息", "异议处理中", "信用承诺"):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    page.screenshot(path=str(shots / "search-subject.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_person_search_form_and_depth_message(page, portal: Portal, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(portal.url("/search?q=%E6%BC%B3%E5%B7%9E&page=30"))
    expect(page.get_by_role("alert")).to_contain_text("最多浏览前500条")
    page.get_by_text("查询自然人", exact=True).first.click()
    expect(page.get_by_role("textbox", name="完整姓名")).to_be_visible()
    page.screenshot(path=str(shots / "search-depth.png"), full_page=True)


def test_swagger_ui_runs_under_the_csp(page, portal: Portal, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    errors = watch_console(page)
    page.goto(portal.url("/docs"))
    expect(page.locator(".swagger-ui .information-container")).to_be_visible()
    expect(page.get_by_text("/api/v1/search").first).to_be_visible()
    page.screenshot(path=str(shots / "search-docs.png"))
    assert not [e for e in errors if "Content Security Policy" in e], errors
