"""The public portal and console login driven end to end in headless Chromium.

The fixture builds a real installation with the command line (``db upgrade``, ``demo``), starts
``xinyong serve`` in a subprocess and points the browser at it. Screenshots of every page go to
/tmp/shots (or a pytest temp folder when that cannot be created) for a person to look at.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from xinyong.demo.service import DEMO_PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("XINYONG_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
START_TIMEOUT = 30.0
IN_CI = os.environ.get("CI") == "true"


def _unavailable(reason: str) -> None:
    """Fail under CI (the browser test must run there), skip elsewhere."""
    if IN_CI:
        pytest.fail(f"CI=true 但浏览器测试无法运行:{reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class Portal:
    """A running installation: where it answers and its SQLite file."""

    base_url: str
    db_path: Path

    def url(self, path: str) -> str:
        """Absolute URL of a path on the portal."""
        return self.base_url + path


@dataclass(frozen=True)
class DemoCompany:
    """A demo legal person with a legal representative, read straight from the database."""

    name: str
    uscc: str
    representative: str
    fragment: str


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """Debian's Chromium; Playwright cannot download its own browsers here."""
    if not CHROMIUM.exists():
        _unavailable(f"未找到 {CHROMIUM}(请安装 Debian 的 chromium 软件包)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _unavailable(f"未安装 playwright Python 包:{exc}")
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder for screenshots: /tmp/shots, or a temp folder when that is not writable."""
    folder = Path("/tmp/shots")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError:
        folder = tmp_path_factory.mktemp("shots")
    return folder


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    env["XINYONG_DATABASE_URL"] = f"sqlite:///{folder / 'portal.db'}"
    env["XINYONG_KEY_FILE"] = str(folder / "k.key")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run_cli(env: dict[str, str], folder: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.fail(f"xinyong {' '.join(args)} 失败(退出码 {done.returncode}):\n{done.stdout}\n{done.stderr}")


def _wait_until_up(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"xinyong serve 提前退出(退出码 {proc.returncode}):\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base_url + "/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.2)
    pytest.fail(f"xinyong serve 在 {START_TIMEOUT:.0f} 秒内没有应答:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def portal(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A demo installation built and served by the real command line."""
    folder = tmp_path_factory.mktemp("portal")
    env = _cli_env(folder)
    _run_cli(env, folder, "db", "upgrade")
    _run_cli(env, folder, "demo", "--subjects", "300", "--seed", "7")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "xinyong.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(proc, base_url, log)
            yield Portal(base_url=base_url, db_path=folder / "portal.db")
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.fixture(scope="module")
def company(portal: Portal) -> DemoCompany:
    """A demo company with a legal representative, preferably one with public records."""
    with sqlite3.connect(portal.db_path) as conn:
        row = conn.execute(
            """
            SELECT s.name, s.uscc, p.name
            FROM subject s JOIN subject p ON p.id = s.legal_representative_id
            WHERE s.kind = '法人及非法人组织'
            ORDER BY (SELECT COUNT(*) FROM credit_record r WHERE r.subject_id = s.id) DESC, s.id
            LIMIT 1
            """
        ).fetchone()
    assert row is not None, "演示数据里没有带法定代表人的企业"
    name, uscc, representative = row
    # "漳州市禾天食品股份有限公司" → "禾天食品": brand and trade, without city and legal form.
    fragment = name.split("市", 1)[-1][:4]
    return DemoCompany(name=name, uscc=uscc, representative=representative, fragment=fragment)


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[object]:
    """Headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (no cookies) per test, in Chinese, desktop-sized."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    outside: list[str] = []

    def refuse(route) -> None:
        outside.append(route.request.url)
        route.abort()

    # The machine has no internet and the portal must not need it: no CDN fonts, styles or scripts.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), refuse)
    pg = context.new_page()
    yield pg
    context.close()
    assert not outside, f"页面请求了外部资源:{outside}"


def test_search_to_subject_page(page, portal: Portal, company: DemoCompany, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(portal.url("/"))
    expect(page).to_have_title("公共信用信息平台 - 示范市")
    expect(page.get_by_role("heading", name="信用信息查询")).to_be_visible()
    expect(page.locator(".stats")).to_contain_text("法人及非法人组织")
    page.screenshot(path=str(shots / "home.png"), full_page=True)

    page.get_by_role("searchbox").fill(company.fragment)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/search?q=*")
    results = page.locator("table.results")
    expect(results).to_be_visible()
    link = results.get_by_role("link", name=company.name, exact=True)
    expect(link).to_be_visible()
    page.screenshot(path=str(shots / "results.png"), full_page=True)

    link.click()
    page.wait_for_url(f"**/subjects/{company.uscc}")
    expect(page.get_by_role("heading", level=1)).to_have_text(company.name)
    basic = page.locator("table.info")
    expect(basic.get_by_text("统一社会信用代码")).to_be_visible()
    expect(basic).to_contain_text(company.uscc)
    expect(page.get_by_role("heading", name="基本信息")).to_be_visible()
    expect(page.get_by_role("heading", name="公示信息")).to_be_visible()
    rep_cell = basic.locator("tr", has_text="法定代表人").locator("td")
    rep_text = rep_cell.inner_text().strip()
    assert "*" in rep_text, f"法定代表人未脱敏:{rep_text!r}"
    assert rep_text[0] == company.representative[0]
    assert company.representative not in page.content(), "页面中出现了自然人的完整姓名"
    page.screenshot(path=str(shots / "subject.png"), full_page=True)


def test_search_without_hits(page, portal: Portal, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(portal.url("/search"))
    page.get_by_role("searchbox").fill("不存在的主体名称甲乙丙")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/search?q=*")
    expect(page.locator(".empty")).to_contain_text("未找到与“不存在的主体名称甲乙丙”相关的主体")
    expect(page.locator("table.results")).to_have_count(0)
    page.screenshot(path=str(shots / "empty.png"), full_page=True)


def test_invalid_code_shows_chinese_error_page(page, portal: Portal, shots: Path) -> None:
    from playwright.sync_api import expect

    response = page.goto(portal.url("/subjects/NOT-A-CODE"))
    assert response is not None and response.status == 422
    expect(page).to_have_title("出错了 - 示范市")
    expect(page.get_by_role("heading", name="请求有误")).to_be_visible()
    expect(page.locator(".error .detail")).to_contain_text("统一社会信用代码")
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    page.screenshot(path=str(shots / "error.png"), full_page=True)


def test_api_docs_render_offline(page, portal: Portal, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(portal.url("/docs"))
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/search")
    page.screenshot(path=str(shots / "docs.png"), full_page=False)


def test_console_login(page, portal: Portal, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(portal.url("/console"))
    page.wait_for_url("**/console/login")
    expect(page.get_by_role("heading", name="工作台登录")).to_be_visible()
    page.screenshot(path=str(shots / "login.png"), full_page=True)
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(portal.url("/console"))
    expect(page.get_by_role("heading", name="工作台", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("信用办管理员")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.screenshot(path=str(shots / "console.png"), full_page=True)


def check_narrow(browser, portal: Portal, shots: Path, pages: tuple[tuple[str, str], ...]) -> None:
    """Open each (path, screenshot) on a phone-sized screen and assert nothing scrolls sideways."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        pg = context.new_page()
        for path, shot in pages:
            pg.goto(portal.url(path))
            width = pg.evaluate("document.documentElement.scrollWidth")
            pg.screenshot(path=str(shots / shot), full_page=True)
            assert width <= 390, f"窄屏下 {path} 页面宽 {width}px,出现横向滚动"
    finally:
        context.close()


def test_narrow_screen(browser, portal: Portal, company: DemoCompany, shots: Path) -> None:
    """On a phone-sized screen the pages do not scroll sideways (wide tables scroll inside their box)."""
    check_narrow(browser, portal, shots, (("/", "home-mobile.png"), (f"/subjects/{company.uscc}", "subject-mobile.png")))
