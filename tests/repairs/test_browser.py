"""A repair walked in headless Chromium: the portal form, the console (accept, approve), the decision,
the tracking page, and the record gone from the subject page and the publicity page.

The installation is built and served by the real command line (tests/portal/test_browser.py); screenshots
go to /tmp/shots (or a pytest temp folder) as repair-*.png for a person to look at.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.attachments.samples import pdf_bytes
from tests.portal.test_browser import (  # noqa: F401 (fixtures)
    Portal,
    browser,
    check_narrow,
    chromium_path,
    page,
    portal,
    shots,
)
from xinyong.demo.service import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Penalty:
    """A published 行政处罚 of a company whose minimum publicity period has passed."""

    document_number: str
    decision_on: str
    uscc: str
    department_uscc: str


@pytest.fixture(scope="module")
def penalty(portal: Portal) -> Penalty:  # noqa: F811
    with sqlite3.connect(portal.db_path) as conn:
        row = conn.execute(
            """
            SELECT r.document_number, r.decision_on, s.uscc, d.uscc FROM credit_record r
            JOIN record_type t ON t.id = r.record_type_id JOIN subject s ON s.id = r.subject_id
            JOIN department d ON d.id = r.department_id
            WHERE t.code = 'xzcf' AND r.is_current = 1 AND r.status = 'effective'
              AND r.repaired_at IS NULL AND s.uscc IS NOT NULL AND s.kind = '法人及非法人组织'
              AND r.publish_from <= date('now') AND r.publish_until >= date('now')
              AND ((r.severity = '一般' AND r.decision_on <= date('now', '-3 months'))
                   OR (r.severity = '严重' AND r.decision_on <= date('now', '-12 months')))
            ORDER BY r.decision_on, r.id LIMIT 1
            """).fetchone()
    assert row is not None, "演示数据里没有可申请修复的行政处罚（一般满 3 个月、严重满 12 个月）"
    return Penalty(*row)


def test_repair_from_portal_form_to_approved_decision(page, portal: Portal, penalty: Penalty, shots: Path,  # noqa: F811
                                                      tmp_path: Path) -> None:
    from playwright.sync_api import expect

    publicity = portal.url(f"/publicity/xzcf?department={penalty.department_uscc}&from={penalty.decision_on}"
                           f"&to={penalty.decision_on}")
    page.goto(portal.url(f"/subjects/{penalty.uscc}"))
    expect(page.locator("main")).to_contain_text(penalty.document_number)
    page.goto(publicity)
    expect(page.locator("main")).to_contain_text(penalty.document_number)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用修复").click()
    page.wait_for_url("**/repairs")
    expect(page.get_by_role("heading", name="申请信用修复")).to_be_visible()
    expect(page.locator(".commitment")).to_contain_text("郑重承诺")
    evidence = tmp_path / "缴款凭证.pdf"
    evidence.write_bytes(pdf_bytes())
    page.get_by_label("统一社会信用代码").fill(penalty.uscc)
    page.get_by_label("决定文书号").fill(penalty.document_number)
    page.get_by_label("纠正失信行为、履行法定义务的情况说明").fill("罚款已全额缴清，违法行为已整改到位。")
    page.locator("input[name=files]").set_input_files(str(evidence))
    page.get_by_label("联系人").fill("王建国")
    page.get_by_label("联系电话").fill("0596-2345678")
    page.get_by_label("本人（本单位）已阅读并接受上述信用承诺书").check()
    page.screenshot(path=str(shots / "repair-form.png"), full_page=True)
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/repairs/submitted?code=*")
    code = page.locator("#tracking-code").inner_text().strip()
    assert code.startswith("XF-")
    page.screenshot(path=str(shots / "repair-submitted.png"), full_page=True)

    page.goto(portal.url("/console/login"))
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(portal.url("/console"))
    page.get_by_role("link", name="信用修复办理").click()
    page.wait_for_url("**/console/repairs")
    row = page.locator("tr", has_text=code)
    expect(row).to_contain_text("已提交，待受理")
    page.screenshot(path=str(shots / "repair-console-queue.png"), full_page=True)
    row.get_by_role("link", name="办理").click()
    page.wait_for_url("**/console/repairs/*")
    expect(page.locator("main")).to_contain_text("缴款凭证.pdf")
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator(".ok[role=status]")).to_contain_text("已受理")
    expect(page.locator("#repair-status")).to_have_text("已受理，审核中")
    page.get_by_role("button", name="准予修复", exact=True).click()
    expect(page.locator(".ok[role=status]")).to_contain_text("已准予修复")
    expect(page.locator("#repair-status")).to_have_text("修复完成")
    page.screenshot(path=str(shots / "repair-console-done.png"), full_page=True)
    page.get_by_role("link", name="信用修复决定书").click()
    page.wait_for_url("**/notices/*")
    expect(page.locator("article.notice-doc")).to_contain_text("决定准予信用修复")
    expect(page.locator("article.notice-doc")).to_contain_text("信用修复管理办法")
    page.screenshot(path=str(shots / "repair-decision.png"), full_page=True)

    page.goto(portal.url(f"/repairs/track?code={code}&tail={penalty.uscc[-4:]}"))
    expect(page.locator("#repair-status")).to_have_text("修复完成")
    page.screenshot(path=str(shots / "repair-track.png"), full_page=True)
    page.goto(portal.url(f"/subjects/{penalty.uscc}"))
    expect(page.locator("main")).not_to_contain_text(penalty.document_number)
    page.screenshot(path=str(shots / "repair-subject-after.png"), full_page=True)
    page.goto(publicity)
    expect(page.locator("main")).not_to_contain_text(penalty.document_number)
    page.screenshot(path=str(shots / "repair-publicity-after.png"), full_page=True)


def test_repair_pages_on_a_narrow_screen(browser, portal: Portal, shots: Path) -> None:  # noqa: F811
    """On a phone-sized screen the form (with its rules table) and the tracking page do not scroll sideways."""
    check_narrow(browser, portal, shots, (("/repairs", "repair-form-mobile.png"),
                                          ("/repairs/track", "repair-track-mobile.png")))
