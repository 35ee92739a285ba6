"""`xinyong screen` on GBK CSV and Excel files, and POST /api/v1/screenings, on both backends."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import drop_pg_database, empty_database_url
from tests.factories import company, make_uscc
from tests.lists.test_cli_lists import Cli
from tests.lists.test_tasks import listed
from tests.records.builders import department
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.cli import common
from xinyong.db import make_engine, make_session_factory
from xinyong.screening import io as screening_io

DAY = dt.date.today() - dt.timedelta(days=10)


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("screen-cli")
    url = empty_database_url(backend, folder)
    runner = Cli({"XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / "k.key"), "COLUMNS": "200",
                  "NO_COLOR": "1"}, url)
    engine = make_engine(url)
    try:
        assert runner.run("db", "upgrade")[0] == 0
        with make_session_factory(engine)() as session:
            dept = department(session)
            firm = company(session, "漳州市华兴食品有限公司")
            listed(session, "food_drug_serious", firm, dept, DAY)
            session.commit()
            codes = {"firm": firm.uscc}
        yield runner, codes
    finally:
        engine.dispose()
        common.engine_for(url).dispose()
        common.engine_for.cache_clear()
        if backend == "postgresql":
            drop_pg_database(url)


def read_out(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def bad_check_digit(code: str) -> str:
    """The code with another check character (a fixed "0" is the right one for 1 code in 31)."""
    return code[:-1] + ("1" if code[-1] == "0" else "0")


def test_screen_gbk_csv(cli, tmp_path: Path) -> None:
    runner, codes = cli
    source = tmp_path / "名单筛查.csv"
    text = ("序号,统一社会信用代码,名称\n"
            f"1,{codes['firm']},\n"
            "2,,漳州市華興食品有限責任公司\n"
            "3,,厦门市华兴食品有限公司\n"
            f"4,{bad_check_digit(codes['firm'])},\n"
            "5,,\n")
    source.write_bytes(text.encode("gbk"))
    out = tmp_path / "结果.csv"
    code, printed = runner.run("screen", str(source), "-o", str(out), "--matter", "政府采购")
    assert code == 0, printed
    assert "筛查 5 行：命中 2 行（按代码 1，按名称 1），未命中 1 行，错误 2 行" in printed
    lines = read_out(out)
    assert [r["筛查结果"] for r in lines] == ["命中", "命中", "未命中", "错误", "错误"]
    assert lines[0]["匹配方式"] == "代码" and lines[0]["名单类别"] == "严重失信主体名单" and lines[0]["措施代码"]
    assert lines[1]["匹配方式"] == "名称" and "繁简转换后一致" in lines[1]["匹配说明"]
    assert float(lines[1]["匹配得分"]) >= 0.95 and lines[1]["名单主体代码"] == codes["firm"]
    assert "校验位" in lines[3]["错误"] and lines[4]["错误"] == "统一社会信用代码和名称均为空"


def test_screen_excel_with_english_headers_and_default_output(cli, tmp_path: Path) -> None:
    from openpyxl import Workbook

    runner, codes = cli
    book = Workbook()
    sheet = book.active
    sheet.append(["批量筛查"])
    sheet.append(["code", "name"])
    sheet.append([codes["firm"], None])
    sheet.append([make_uscc(), "华兴食品（漳州）有限公司"])
    source = tmp_path / "input.xlsx"
    book.save(source)
    code, printed = runner.run("screen", str(source))
    assert code == 0, printed
    lines = read_out(tmp_path / "input_筛查结果.csv")
    assert [r["行号"] for r in lines] == ["3", "4"]
    assert lines[0]["筛查结果"] == "命中" and lines[1]["筛查结果"] == "未命中"
    assert "统一社会信用代码不同" in lines[1]["提示"]


def test_screen_refuses_an_unknown_matter_and_a_file_without_header(cli, tmp_path: Path) -> None:
    runner, _ = cli
    source = tmp_path / "bad.csv"
    source.write_text("甲,乙\n1,2\n", encoding="utf-8")
    code, printed = runner.run("screen", str(source), "--matter", "买菜")
    assert code == 1 and "未知的办理事项“买菜”" in printed
    code, printed = runner.run("screen", str(source))
    assert code == 1 and "未找到表头" in printed


def test_read_rows_tab_separated_utf8_with_blank_lines(tmp_path: Path) -> None:
    source = tmp_path / "t.txt"
    source.write_text("名称\t备注\n\n  华兴  \tx\n", encoding="utf-8")
    rows = screening_io.read_rows(source)
    assert rows.select("row", "name").rows() == [("3", "华兴")]


# ------------------------------------------------------------------------------------------- API


def key(session: Session) -> dict[str, str]:
    dept = department(session, "漳州市公共资源交易中心")
    _, plain = create_api_key(session, name="交易平台", role=Role.BUSINESS_SYSTEM, department=dept, actor="test")
    session.flush()
    return {"X-API-Key": plain}


def test_api_screens_codes_and_names_row_by_row(client: TestClient, session: Session) -> None:
    dept = department(session)
    firm = company(session, "漳州市华兴食品有限公司")
    entry = listed(session, "procurement_serious", firm, dept, DAY)
    headers = key(session)
    body = {"matter": "政府采购", "rows": [
        {"row": "r1", "code": firm.uscc}, {"name": "華興食品（漳州）有限公司"}, {"code": "9135"}, {}]}
    res = client.post("/api/v1/screenings", json=body, headers=headers)
    assert res.status_code == 200, res.text
    data = res.json()
    assert data["summary"] == {"rows": 4, "hit": 2, "miss": 0, "errors": 2, "by_code": 1, "by_name": 1, "matches": 2}
    first, second, third, fourth = data["results"]
    assert first["row"] == "r1" and first["matches"][0]["entry_id"] == entry.id
    assert first["measures"][0]["code"] == "restrict_procurement" and first["measures"][0]["mandatory"]
    assert second["matches"][0]["method"] == "名称" and second["row"] == "2"
    assert "繁简转换后一致" in second["matches"][0]["reasons"]
    assert third["status"] == "错误" and "长度" in third["error"] and fourth["status"] == "错误"


def test_api_refuses_bad_requests(client: TestClient, session: Session) -> None:
    headers = key(session)
    assert client.post("/api/v1/screenings", json={"rows": [{"name": "x"}]}).status_code == 401
    res = client.post("/api/v1/screenings", json={"rows": [{"name": "x"}], "matter": "买菜"}, headers=headers)
    assert res.status_code == 422 and res.json()["error"] == "invalid_input"
    res = client.post("/api/v1/screenings", json={"rows": [{"nme": "x"}]}, headers=headers)
    assert res.status_code == 422
    res = client.post("/api/v1/screenings", json={"rows": []}, headers=headers)
    assert res.status_code == 422 and "rows 不能为空" in res.json()["detail"]
    res = client.post("/api/v1/screenings", json={"rows": [{"name": "x"}] * 10_001}, headers=headers)
    assert res.status_code == 422 and "最多筛查 10,000 行" in res.json()["detail"]
    assert client.post("/api/v1/screenings", json={"rows": [{"name": "x"}]}, headers=reviewer(session)).status_code == 403


def reviewer(session: Session) -> dict[str, str]:
    from xinyong.accounts.service import create_user, start_login_session

    user = create_user(session, username="screen_reviewer", display_name="复核员", password="Xinyong#2026",
                       role=Role.REVIEWER, department=None, actor="test")
    _, token = start_login_session(session, user, 1)
    session.flush()
    return {"Cookie": f"xy_session={token}"}
