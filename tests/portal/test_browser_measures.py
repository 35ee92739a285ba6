"""Joint rewards and punishments pages of a demo installation in headless Chromium: the public measures list
and the console statistics page with follow-up and typical cases.

A business system of the demo's market regulator makes real checks and gives feedback through the running
server's API; one check is moved back a month and past its due date. Screenshots go to /tmp/shots (or a pytest
temp folder) as measures-*.png for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.portal.test_browser import (  # noqa: F401 (fixtures)
    Portal,
    _cli_env,
    browser,
    check_narrow,
    chromium_path,
    page,
    portal,
    shots,
)
from xinyong.demo.service import DEMO_PASSWORD
from xinyong.measures.statistics import BEIJING

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Checks:
    """What the business system did, and the figures the statistics page must show for this month."""

    department: str
    month: str
    checks: int
    hits: int
    with_measures: int
    feedbacks: int
    measures_applied: int
    typical_subject: str
    overdue_id: int


def _post(running: Portal, key: str, path: str, body: dict[str, object]) -> dict[str, object]:
    request = urllib.request.Request(running.url(path), data=json.dumps(body).encode(), method="POST",
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def checks(portal: Portal) -> Checks:  # noqa: F811
    """Checks on black-listed and clean companies by the market regulator's system, with feedback."""
    with sqlite3.connect(portal.db_path) as conn:
        uscc, name = conn.execute("SELECT d.uscc, d.name FROM user_account u JOIN department d "
                                  "ON d.id = u.department_id WHERE u.username = 'zz-scjg'").fetchone()
        black = [r[0] for r in conn.execute(
            """SELECT DISTINCT e.subject_code FROM list_entry e JOIN list_type t ON t.id = e.list_type_id
               WHERE e.status = 'effective' AND t.kind = '严重失信主体名单' AND e.subject_code IS NOT NULL
                 AND e.valid_from <= date('now') AND e.valid_until >= date('now') ORDER BY 1 LIMIT 4""")]
        clean = [r[0] for r in conn.execute(
            """SELECT s.uscc FROM subject s WHERE s.kind = '法人及非法人组织' AND s.is_agency = 0
                 AND NOT EXISTS (SELECT 1 FROM list_entry e WHERE e.subject_id = s.id) ORDER BY s.id LIMIT 2""")]
    assert len(black) == 4 and len(clean) == 2, "演示数据里没有足够的黑名单企业或无名单企业"
    made = subprocess.run([sys.executable, "-m", "xinyong.cli.main", "apikeys", "create", "招标投标业务系统",
                           "--role", "business_system", "--department", uscc], cwd=portal.db_path.parent,
                          env=_cli_env(portal.db_path.parent), capture_output=True, text=True, timeout=60, check=True)
    key = made.stdout.strip().splitlines()[-1]
    answers = [_post(portal, key, "/api/v1/checks", {"subject": {"code": c}, "matter": "政府采购"})
               for c in black + clean]
    hit = [a for a in answers if a["measures"]]
    assert len(hit) == 4, answers
    first, second, overdue = hit[0], hit[1], hit[2]
    _post(portal, key, f"/api/v1/checks/{first['check_id']}/feedback", {
        "measures_applied": [m["code"] for m in first["measures"]], "outcome": "已实施", "typical": True,
        "note": "该企业在严重失信主体名单有效期内参与政府采购投标，评审时依法认定其不具备投标资格。"})
    _post(portal, key, f"/api/v1/checks/{second['check_id']}/feedback",
          {"measures_applied": [], "outcome": "不适用", "note": "采购项目终止，未进入评审"})
    last_month = (dt.datetime.now(dt.UTC).replace(day=1) - dt.timedelta(days=20)).strftime("%Y-%m-%d 04:00:00")
    with sqlite3.connect(portal.db_path) as conn:  # a check made last month and never answered
        conn.execute("UPDATE credit_check SET checked_at = ?, feedback_due_on = date('now', '-6 day') WHERE id = ?",
                     (last_month, overdue["check_id"]))
    month = dt.datetime.fromisoformat(first["checked_at"]).astimezone(BEIJING).strftime("%Y-%m")
    return Checks(department=name, month=month, checks=len(answers) - 1, hits=3, with_measures=3, feedbacks=2,
                  measures_applied=len(first["measures"]), typical_subject=first["subject"]["name"],
                  overdue_id=overdue["check_id"])


def login(page, portal: Portal, username: str) -> None:  # noqa: F811
    page.goto(portal.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(portal.url("/console"))


def test_public_measures_list(page, portal: Portal, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page.goto(portal.url("/measures"))
    expect(page.get_by_role("heading", name="联合奖惩措施清单")).to_be_visible()
    card = page.locator("article#restrict_procurement")
    expect(card.get_by_role("heading")).to_contain_text("限制参与政府采购活动")
    expect(card.locator(".tag.mandatory")).to_have_text("强制性")
    expect(card).to_contain_text("《中华人民共和国政府采购法》第二十二条第一款第（五）项")
    expect(page.locator("article#revoke_honours .tag.persons")).to_have_text("落实到人")
    expect(page.locator("article#green_channel .tag.recommended")).to_have_text("推荐性")
    page.screenshot(path=str(shots / "measures.png"), full_page=True)
    page.screenshot(path=str(shots / "measures-top.png"))
    page.get_by_role("list", name="适用事项").get_by_role("link", name="高消费").click()
    page.wait_for_url("**/measures?matter=*")
    expect(page.locator("article.measure-card")).to_have_count(1)
    expect(page.locator("article#restrict_high_consumption")).to_contain_text("司法执行、税收、拖欠农民工工资")
    page.screenshot(path=str(shots / "measures-high-consumption.png"), full_page=True)


def test_credit_office_statistics_page(page, portal: Portal, checks: Checks, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    login(page, portal, "admin")
    page.get_by_role("link", name="联合奖惩统计").click()
    page.wait_for_url("**/console/measures")
    expect(page.get_by_role("heading", name="联合奖惩统计")).to_be_visible()
    stats = page.locator("table.stats")
    row = stats.locator("tbody tr", has_text=checks.month).filter(has_text=checks.department)
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expected = [checks.month, checks.department, str(checks.checks), str(checks.hits), str(checks.with_measures),
                str(checks.feedbacks), "66.7%", str(checks.measures_applied), "0", "1"]
    expect(cells).to_have_text(expected)
    expect(stats.locator("tfoot")).to_contain_text("合计")
    follow = page.locator("table.follow-up")
    expect(page.get_by_role("heading", name="逾期未反馈（1）")).to_be_visible()
    expect(follow.locator("tbody tr").first).to_contain_text(str(checks.overdue_id))
    expect(follow).to_contain_text("限制参与政府采购活动")
    expect(page.get_by_role("heading", name="典型案例（1）")).to_be_visible()
    case = page.locator("article.case").first
    expect(case).to_contain_text(checks.typical_subject)
    expect(case).to_contain_text("不具备投标资格")
    page.screenshot(path=str(shots / "measures-console.png"), full_page=True)

    earlier = stats.locator("tbody tr", has_text=checks.department).filter(has_not_text=checks.month)
    expect(earlier).to_have_count(1)
    expect(earlier.locator("td").nth(8)).to_have_text("1")  # the moved check is overdue
    previous = earlier.locator("td").first.inner_text()
    page.get_by_label("月份", exact=True).fill(previous)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/console/measures?month={previous}*")
    expect(page.locator("table.stats tbody tr")).to_have_count(1)
    page.screenshot(path=str(shots / "measures-console-month.png"), full_page=True)


def test_clerk_sees_own_department(page, portal: Portal, checks: Checks, shots: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    login(page, portal, "zz-scjg")
    page.goto(portal.url("/console/measures"))
    expect(page.locator("main")).to_contain_text("只显示本部门的查询")
    departments = page.locator("table.stats tbody tr td:nth-child(2)").all_inner_texts()
    assert departments and set(departments) == {checks.department}
    expect(page.locator("select[name=department]")).to_have_count(0)
    page.screenshot(path=str(shots / "measures-console-clerk.png"), full_page=True)


def test_measures_narrow_screen(browser, portal: Portal, shots: Path) -> None:  # noqa: F811
    """On a phone-sized screen the measures list does not scroll sideways."""
    check_narrow(browser, portal, shots, (("/measures", "measures-mobile.png"),))
