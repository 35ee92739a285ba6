"""A subject page's report downloaded and verified in headless Chromium on a demo installation.

Screenshots go to /tmp/shots (or a pytest temp folder) as report-*.png, with the PDF's first page
rendered by pdftoppm, for a person to look at.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.portal.test_browser import (  # noqa: F401 (fixtures)
    DemoCompany,
    Portal,
    browser,
    chromium_path,
    company,
    page,
    portal,
    shots,
)
from tests.reports.conftest import pdf_text

pytestmark = pytest.mark.browser


def test_download_report_and_verify_it(page, portal: Portal, company: DemoCompany, shots: Path,  # noqa: F811
                                       tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.goto(portal.url(f"/subjects/{company.uscc}"))
    button = page.get_by_role("link", name="下载信用报告")
    expect(button).to_be_visible()
    page.screenshot(path=str(shots / "report-subject.png"), full_page=True)
    with page.expect_download() as info:
        button.click()
    download = info.value
    saved = tmp_path / "report.pdf"
    download.save_as(saved)
    body = saved.read_bytes()
    text = pdf_text(body)
    number = re.search(r"XY\d{8}[0-9A-Z]{8}", text).group()
    assert download.suggested_filename.endswith(".pdf") and company.name in text and company.uscc in text
    assert company.representative not in text, "报告中出现了法定代表人的完整姓名"
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(saved), str(shots / "report-pdf")],
                   check=True)

    page.get_by_role("link", name="核验信用报告").click()
    page.wait_for_url("**/reports/verify")
    page.get_by_label("报告编号").fill(number)
    page.get_by_label("报告文件（PDF）").set_input_files(str(saved))
    page.get_by_role("button", name="核验").click()
    expect(page.locator("#verify-result")).to_contain_text("文件与本平台出具的报告完全一致")
    expect(page.locator("#verify-result")).to_contain_text(company.name)
    page.screenshot(path=str(shots / "report-verified.png"), full_page=True)

    tampered = tmp_path / "tampered.pdf"
    middle = len(body) // 2
    tampered.write_bytes(body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1:])
    page.get_by_label("报告编号").fill(number)
    page.get_by_label("报告文件（PDF）").set_input_files(str(tampered))
    page.get_by_role("button", name="核验").click()
    expect(page.locator("#verify-error")).to_contain_text("文件可能被篡改")
    expect(page.locator("#verify-result")).to_have_count(0)
    page.screenshot(path=str(shots / "report-tampered.png"), full_page=True)

    code = re.search(r"校验码\s*([0-9A-Z]{6})", text).group(1)
    page.goto(portal.url(f"/reports/verify?number={number}&code={code}"))  # what the QR code holds
    expect(page.locator("#verify-result")).to_contain_text("报告编号与校验码一致")

    page.goto(portal.url("/reports/verify"))
    page.get_by_label("报告编号").fill("XY20260101ABCDEFGH")
    page.get_by_label("或校验码").fill("ABCDEF")
    page.get_by_role("button", name="核验").click()
    expect(page.locator("#verify-error")).to_contain_text("未找到编号为 XY20260101ABCDEFGH 的信用报告")
    page.screenshot(path=str(shots / "report-unknown.png"), full_page=True)
