"""The console upload: a clerk uploads a GBK CSV, reads the errors in Chinese, fixes them and uploads again
without creating duplicates — through the HTTP app on both databases."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.records.builders import definition, department, penalty, write_csv
from xinyong.accounts import service
from xinyong.accounts.models import User
from xinyong.accounts.states import Role
from xinyong.departments.models import Department
from xinyong.records.models import CreditRecord, ImportBatch
from xinyong.web import SESSION_COOKIE

PASSWORD = "Shangchuan#2024"


@pytest.fixture()
def dept(session: Session) -> Department:
    return department(session, name="漳州市市场监督管理局")


@pytest.fixture()
def clerk(session: Session, dept: Department) -> User:
    user = service.create_user(session, username="upload_clerk", display_name="郑经办", password=PASSWORD,
                               role=Role.DEPARTMENT_CLERK, department=dept, actor="test")
    session.flush()
    return user


def _hidden_csrf(html: str) -> str:
    match = re.search(r'<input type="hidden" name="csrf" value="([^"]*)">', html)
    assert match, "form has no hidden csrf field"
    return match.group(1)


@pytest.fixture()
def logged_in(client: TestClient, clerk: User) -> TestClient:
    csrf = _hidden_csrf(client.get("/console/login").text)
    response = client.post("/console/login", data={"username": "upload_clerk", "password": PASSWORD, "csrf": csrf},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.cookies.get(SESSION_COOKIE)
    return client


def _form_csrf(client: TestClient) -> str:
    page = client.get("/console/import")
    assert page.status_code == 200
    return _hidden_csrf(page.text)


def _upload(client: TestClient, dept: Department, name: str, content: bytes, csrf: str | None = None,
            catalog: str = "xzcf"):
    data = {"catalog": catalog, "department": dept.uscc}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post("/console/import", data=data, files={"file": (name, content, "text/csv")},
                       follow_redirects=False)


def _batch_id(response) -> int:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/console/batches/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def _records_of(session: Session, dept: Department) -> int:
    return session.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.department_id == dept.id))


def _csv_bytes(tmp_path: Path, rows: list[dict[str, str]], session: Session, name: str = "处罚.csv") -> bytes:
    return write_csv(tmp_path / name, rows, encoding="gbk", labels=True, definition=definition(session)).read_bytes()


def test_import_form_needs_login(client: TestClient) -> None:
    response = client.get("/console/import", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/console/login"


def test_import_form_shows_the_clerks_department(logged_in: TestClient, dept: Department) -> None:
    page = logged_in.get("/console/import")
    assert page.status_code == 200
    assert "上传数据文件" in page.text and 'enctype="multipart/form-data"' in page.text
    assert f'<option value="{dept.uscc}">{dept.name}</option>' in page.text
    assert "行政处罚（xzcf）" in page.text and 'name="file"' in page.text
    assert _hidden_csrf(page.text)


def test_upload_read_errors_fix_and_upload_again(logged_in: TestClient, session: Session, dept: Department,
                                                 tmp_path: Path) -> None:
    good = [penalty(dept), penalty(dept)]
    bad = penalty(dept, CF_JDRQ="2024年13月1日")
    first = _upload(logged_in, dept, "三月处罚.csv", _csv_bytes(tmp_path, [good[0], bad, good[1]], session),
                    _form_csrf(logged_in))
    batch_id = _batch_id(first)
    batch = session.get(ImportBatch, batch_id)
    assert (batch.received, batch.accepted, batch.rejected) == (3, 2, 1)
    assert batch.channel == "upload" and batch.file_name == "三月处罚.csv"
    assert batch.encoding and batch.encoding.lower().replace("-", "") in ("gbk", "gb18030")

    page = logged_in.get(f"/console/batches/{batch_id}")
    assert page.status_code == 200
    assert "已入库" in page.text and "三月处罚.csv" in page.text
    assert "2024年13月1日" in page.text and "处罚决定日期" in page.text
    assert f'href="/console/batches/{batch_id}/errors.csv"' in page.text
    report = logged_in.get(f"/console/batches/{batch_id}/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert report.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert len(lines) == 2 and lines[1][0] == "3" and lines[1][1] == "CF_JDRQ"
    assert lines[1][4] in page.text  # the page shows the same Chinese reason as the report
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[1][4])
    assert _records_of(session, dept) == 2

    fixed = dict(bad, CF_JDRQ=good[0]["CF_JDRQ"])
    second = _upload(logged_in, dept, "三月处罚（修改后）.csv",
                     _csv_bytes(tmp_path, [good[0], fixed, good[1]], session, "fixed.csv"), _form_csrf(logged_in))
    again = session.get(ImportBatch, _batch_id(second))
    assert (again.received, again.accepted, again.unchanged, again.updated, again.rejected) == (3, 1, 2, 0, 0)
    assert _records_of(session, dept) == 3
    numbers = session.scalars(select(CreditRecord.document_number).where(CreditRecord.department_id == dept.id)).all()
    assert sorted(numbers) == sorted(r["CF_WSH"] for r in (good[0], fixed, good[1]))
    clean = logged_in.get(f"/console/batches/{again.id}")
    assert "已入库" in clean.text and "errors.csv" not in clean.text


def test_a_pdf_is_refused_with_a_chinese_page(logged_in: TestClient, session: Session, dept: Department) -> None:
    batches = session.scalar(select(func.count()).select_from(ImportBatch))
    response = _upload(logged_in, dept, "处罚决定书.pdf", b"%PDF-1.7\n", _form_csrf(logged_in))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "不支持的文件类型" in response.text and ".pdf" in response.text
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == batches


def test_upload_without_csrf_is_refused(logged_in: TestClient, session: Session, dept: Department,
                                        tmp_path: Path) -> None:
    content = _csv_bytes(tmp_path, [penalty(dept)], session)
    for token in (None, "forged"):
        response = _upload(logged_in, dept, "处罚.csv", content, token)
        assert response.status_code == 403
        assert "CSRF" in response.text
    assert _records_of(session, dept) == 0


def test_upload_for_another_department_is_refused(logged_in: TestClient, session: Session, dept: Department,
                                                  tmp_path: Path) -> None:
    other = department(session, name="漳州市住房和城乡建设局")
    response = _upload(logged_in, other, "处罚.csv", _csv_bytes(tmp_path, [penalty(other)], session),
                       _form_csrf(logged_in))
    assert response.status_code == 403 and "本部门" in response.text
    assert _records_of(session, other) == 0


def test_an_unreadable_file_is_a_failed_batch_with_the_reason(logged_in: TestClient, session: Session,
                                                              dept: Department, tmp_path: Path) -> None:
    rows = [penalty(dept), penalty(dept)]
    path = tmp_path / "分号.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(list(rows[0]))
        writer.writerows([list(r.values()) for r in rows])
    response = _upload(logged_in, dept, "分号.csv", path.read_bytes(), _form_csrf(logged_in))
    batch_id = _batch_id(response)
    batch = session.get(ImportBatch, batch_id)
    assert batch.status == "failed" and batch.failure and "分隔符应为逗号或制表符" in batch.failure
    assert batch.accepted == 0
    page = logged_in.get(f"/console/batches/{batch_id}")
    assert page.status_code == 200
    assert "未入库" in page.text and batch.failure in page.text
    assert _records_of(session, dept) == 0
    assert session.scalar(select(func.count()).select_from(CreditRecord).where(CreditRecord.batch_id == batch_id)) == 0


def test_an_empty_file_is_a_failed_batch(logged_in: TestClient, session: Session, dept: Department) -> None:
    batch_id = _batch_id(_upload(logged_in, dept, "空.csv", b"", _form_csrf(logged_in)))
    batch = session.get(ImportBatch, batch_id)
    assert batch.status == "failed" and batch.failure
    assert "空.csv" in batch.failure and "upload" not in batch.failure  # the clerk's file name, not the temp copy
    page = logged_in.get(f"/console/batches/{batch_id}").text
    assert "未入库" in page and batch.failure in page


def test_batch_pages_are_for_the_own_department_only(client: TestClient, session: Session, dept: Department,
                                                     clerk: User, tmp_path: Path) -> None:
    other = department(session, name="漳州市税务局")
    service.create_user(session, username="other_clerk", display_name="外部门经办", password=PASSWORD,
                        role=Role.DEPARTMENT_CLERK, department=other, actor="test")
    session.flush()

    def log_in(username: str) -> None:
        client.cookies.clear()
        csrf = _hidden_csrf(client.get("/console/login").text)
        assert client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf": csrf},
                           follow_redirects=False).status_code == 303

    log_in("upload_clerk")
    batch_id = _batch_id(_upload(client, dept, "处罚.csv",
                                 _csv_bytes(tmp_path, [penalty(dept, CF_CFLB="拘役")], session), _form_csrf(client)))
    assert client.get(f"/console/batches/{batch_id}").status_code == 200
    log_in("other_clerk")
    assert client.get(f"/console/batches/{batch_id}").status_code == 403
    assert client.get(f"/console/batches/{batch_id}/errors.csv").status_code == 403


def test_an_upload_over_the_size_limit_is_refused_with_the_limit_named(
        logged_in: TestClient, session: Session, dept: Department, settings, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings, "upload_max_mb", 1)
    rows = [penalty(dept, CF_SY="经查" + "违法事实" * 200) for _ in range(800)]  # about 1.5 MB in GBK
    content = _csv_bytes(tmp_path, rows, session)
    assert len(content) > 1 << 20
    response = _upload(logged_in, dept, "处罚.csv", content, _form_csrf(logged_in))
    assert response.status_code == 422
    assert "文件过大" in response.text and "1 MB" in response.text
    assert _records_of(session, dept) == 0
