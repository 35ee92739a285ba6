"""An objection filed through the portal form in headless Chromium: the 异议处理中 mark on the subject page, the
credit office's decision in the console, the record gone from the portal and the printable decision notice.

The installation is built and served by the real command line, as in tests/portal/test_browser.py; screenshots go
to /tmp/shots (or a pytest temp folder) as objection-*.png for a person to look at.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.attachments.samples import pdf_bytes
from tests.portal.test_browser import Portal, browser, chromium_path, page, portal, shots  # noqa: F401 (fixtures)
from xinyong.demo.service import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Published:
    """A demo company's record that is on the portal today."""

    record_id: int
    document_number: str
    name: str
    uscc: str


@pytest.fixture(scope="module")
def published(portal: Portal) -> Published:  # noqa: F811
    """Read one published 行政处罚 record of an organisation straight from the database."""
    with sqlite3.connect(portal.db_path) as conn:
        row = conn.execute(
            """
            SELECT r.id, r.document_number, s.name, s.uscc FROM credit_record r
            JOIN subject s ON s.id = r.subject_id JOIN record_type t ON t.id = r.record_type_id
            WHERE r.is_current = 1 AND r.status = 'effective' AND r.withdrawn_at IS NULL AND s.uscc IS NOT NULL
              AND t.code = 'xzcf' AND r.publish_from <= date('now') AND r.publish_until >= date('now')
            ORDER BY r.id LIMIT 1
            """).fetchone()
    assert row is not None, "演示数据里没有公示中的企业行政处罚记录"
    return Published(*row)


def test_objection_through_the_portal_form_marks_the_record(page, portal: Portal, published: Published,  # noqa: F811
                                                            shots: Path, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(portal.url(f"/subjects/{published.uscc}"))
    row = page.locator("table.records tr", has_text=published.document_number)
    expect(row).to_be_visible()
    expect(row.locator(".tag.objection")).to_have_count(0)
    row.get_by_role("link", name="提出异议").click()
    page.wait_for_url(f"**/objections/new?record={published.record_id}")
    expect(page.get_by_role("heading", name="信用信息异议申请")).to_be_visible()
    expect(page.locator("main")).to_contain_text(published.document_number)

    evidence = tmp_path / "行政复议决定书.pdf"
    evidence.write_bytes(pdf_bytes())
    page.get_by_label("申请人姓名或名称").fill(published.name)
    page.get_by_label("统一社会信用代码或证件号码").fill(published.uscc)
    page.get_by_label("联系电话").fill("0596-2345678")
    page.get_by_label("异议事实和理由").fill("该行政处罚决定已于复议中被撤销，请予更正。")
    page.locator("input[name=files]").set_input_files(str(evidence))
    page.screenshot(path=str(shots / "objection-form.png"), full_page=True)
    page.get_by_role("button", name="提交异议").click()

    expect(page.get_by_role("heading", name="异议申请已提交")).to_be_visible()
    code = page.locator("#tracking-code").inner_text().strip()
    assert code.startswith("YY-")
    page.screenshot(path=str(shots / "objection-receipt.png"), full_page=True)

    page.goto(portal.url(f"/subjects/{published.uscc}"))
    row = page.locator("table.records tr", has_text=published.document_number)
    expect(row.locator(".tag.objection")).to_have_text("异议处理中")
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "objection-subject-mark.png"), full_page=False)

    page.goto(portal.url("/objections/status"))
    page.get_by_label("查询码").fill(code)
    page.get_by_label("申请人证件号码或统一社会信用代码后四位").fill(published.uscc[-4:])
    page.get_by_role("button", name="查询").click()
    expect(page.locator("main")).to_contain_text("已提交，待受理")
    page.screenshot(path=str(shots / "objection-status.png"), full_page=True)

    # The credit office decides in the console: accept, verify, uphold by revoking the record.
    page.goto(portal.url("/console/login"))
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(portal.url("/console"))
    page.goto(portal.url("/console/objections"))
    page.locator("tr", has_text=code).get_by_role("link", name="办理").click()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("p.ok")).to_contain_text("已受理")
    page.get_by_role("button", name="开始核查").click()
    uphold = page.locator("form[action$='/uphold']")
    uphold.locator("select[name=remedy]").select_option("revoke")
    uphold.get_by_label("理由").fill("该处罚决定已被复议机关撤销。")
    uphold.get_by_role("button", name="异议成立").click()
    expect(page.locator("p.ok")).to_contain_text("异议成立")
    page.screenshot(path=str(shots / "objection-console-case.png"), full_page=True)

    page.goto(portal.url(f"/subjects/{published.uscc}"))
    expect(page.locator("table.records tr", has_text=published.document_number)).to_have_count(0)
    page.goto(portal.url("/objections/status"))
    page.get_by_label("查询码").fill(code)
    page.get_by_label("申请人证件号码或统一社会信用代码后四位").fill(published.uscc[-4:])
    page.get_by_role("button", name="查询").click()
    expect(page.locator("main")).to_contain_text("异议成立，已处理")
    with page.expect_popup() as popup:
        page.get_by_role("button", name=re.compile("异议处理决定书")).click()
    notice = popup.value
    expect(notice.get_by_role("heading", name="异议处理决定书")).to_be_visible()
    expect(notice.locator(".document")).to_contain_text("撤销信用记录")
    notice.screenshot(path=str(shots / "objection-decision-notice.png"), full_page=True)
