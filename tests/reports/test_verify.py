"""Verifying reports over HTTP: the download verifies, a one-byte change does not, unknown numbers are 404."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.reports.conftest import Reported, pdf_text
from xinyong.config import Settings
from xinyong.reports import service
from xinyong.reports.errors import ReportMismatch, ReportNotFound


def _tampered(body: bytes) -> bytes:
    middle = len(body) // 2
    return body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1:]


def _download(client: TestClient, reported: Reported) -> tuple[str, bytes]:
    response = client.get(f"/reports/subjects/{reported.company.uscc}.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    number = response.headers["content-disposition"].split('filename="')[1].split(".pdf")[0]
    return number, response.content


def test_downloaded_report_verifies_by_file_hash_and_code(client: TestClient, reported: Reported) -> None:
    number, body = _download(client, reported)
    assert number in pdf_text(body)
    by_hash = client.get(f"/api/v1/reports/{number}/verify", params={"sha256": hashlib.sha256(body).hexdigest()})
    assert by_hash.status_code == 200, by_hash.text
    answer = by_hash.json()
    assert answer["valid"] is True and answer["checked"] == "sha256" and answer["subject_name"] == reported.company.name
    assert answer["channel"] == "portal" and answer["issued_by"] == "public" and answer["size"] == len(body)
    by_file = client.post(f"/api/v1/reports/{number}/verify", files={"file": ("r.pdf", body, "application/pdf")})
    assert by_file.status_code == 200 and by_file.json()["checked"] == "file"


def test_tampered_file_fails_with_a_chinese_message(client: TestClient, reported: Reported) -> None:
    number, body = _download(client, reported)
    bad = _tampered(body)
    for response in (
        client.post(f"/api/v1/reports/{number}/verify", files={"file": ("r.pdf", bad, "application/pdf")}),
        client.get(f"/api/v1/reports/{number}/verify", params={"sha256": hashlib.sha256(bad).hexdigest()}),
    ):
        assert response.status_code == 409
        assert response.json()["error"] == "report_mismatch" and "篡改" in response.json()["detail"]


def test_unknown_number_is_404_in_chinese(client: TestClient) -> None:
    for number in ("XY20260101ABCDEFGH", "nonsense", "<script>alert(1)<\\script>", "' OR 1=1 --"):
        response = client.get(f"/api/v1/reports/{number}/verify", params={"code": "ABCDEF"})
        assert response.status_code == 404
        assert response.json()["error"] == "report_not_found" and "未找到" in response.json()["detail"]
        assert "<script>" not in response.text


def test_verification_needs_something_to_check(client: TestClient, reported: Reported) -> None:
    number, _ = _download(client, reported)
    assert client.get(f"/api/v1/reports/{number}/verify").status_code == 422
    wrong = client.get(f"/api/v1/reports/{number}/verify", params={"sha256": "zz"})
    assert wrong.status_code == 422 and "SHA-256" in wrong.json()["detail"]
    empty = client.post(f"/api/v1/reports/{number}/verify", files={"file": ("r.pdf", b"", "application/pdf")})
    assert empty.status_code == 422 and "空" in empty.json()["detail"]


def test_portal_page_verifies_upload_and_code(client: TestClient, reported: Reported, session: Session) -> None:
    number, body = _download(client, reported)
    report = service.find_report(session, number)
    ok = client.post("/reports/verify", data={"number": number}, files={"file": ("r.pdf", body, "application/pdf")})
    assert ok.status_code == 200 and "核验通过" in ok.text and reported.company.name in ok.text
    bad = client.post("/reports/verify", data={"number": number},
                      files={"file": ("r.pdf", _tampered(body), "application/pdf")})
    assert bad.status_code == 409 and "核验未通过" in bad.text and "核验通过：" not in bad.text
    qr = client.get("/reports/verify", params={"number": number, "code": report.verification_code})
    assert qr.status_code == 200 and "报告编号与校验码一致" in qr.text
    missing = client.post("/reports/verify", data={"number": "XY20260101ABCDEFGH", "code": "ABCDEF"})
    assert missing.status_code == 404 and "未找到编号为" in missing.text


def test_service_refuses_a_changed_byte(session: Session, settings: Settings, reported: Reported) -> None:
    issued = service.issue_report(session, settings, reported.company, issued_by="t", channel="cli")
    assert service.verify_report(session, issued.report.number, file=issued.pdf).id == issued.report.id
    with pytest.raises(ReportMismatch):
        service.verify_report(session, issued.report.number, file=_tampered(issued.pdf))
    with pytest.raises(ReportMismatch):
        service.verify_report(session, issued.report.number, code="WRONG2")
    with pytest.raises(ReportNotFound):
        service.verify_report(session, "XY20990101ABCDEFGH", file=issued.pdf)


def test_subject_page_links_the_report(client: TestClient, reported: Reported) -> None:
    page = client.get(f"/subjects/{reported.company.uscc}")
    assert page.status_code == 200
    assert f'href="/reports/subjects/{reported.company.uscc}.pdf"' in page.text and "下载信用报告" in page.text


def test_portal_download_is_for_organisations_only(client: TestClient, session: Session, keyring) -> None:
    from tests.factories import person

    someone = person(session, keyring, "林小梅")
    session.flush()
    response = client.get(f"/reports/subjects/{someone.document_masked}.pdf")
    assert response.status_code in (404, 422) and "application/pdf" not in response.headers["content-type"]
    unknown = client.get("/reports/subjects/91350000MA00000000.pdf")
    assert unknown.status_code in (404, 422) and "统一社会信用代码" in unknown.text
