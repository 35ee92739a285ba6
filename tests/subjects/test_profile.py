"""Subject profile: API and portal page show the same sections; persons masked."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, person
from tests.records.builders import department, licence, penalty, submit
from xinyong.crypto import Keyring
from xinyong.masking import mask_name
from xinyong.subjects import service


def test_profile_has_every_section(client: TestClient, session: Session, keyring: Keyring) -> None:
    org, rep = company(session, "漳州市档案测试有限公司"), person(session, keyring, name="司马相如")
    service.set_legal_representative(session, org, rep, actor="t")
    dept = department(session)
    rows = [penalty(dept, name=org.name, uscc=org.uscc, number="漳市监罚〔2026〕901号")]
    assert submit(session, keyring, dept, rows).accepted == 1
    assert submit(session, keyring, dept, [licence(dept, name=org.name, uscc=org.uscc)], catalog="xzxk").accepted == 1
    session.flush()
    body = client.get(f"/api/v1/subjects/{org.uscc}").json()
    assert body["name"] == org.name and body["legal_representative"] == mask_name("司马相如")
    assert {r["type_name"] for r in body["records"]} == {"行政处罚", "行政许可"}
    assert "漳市监罚〔2026〕901号" in [r["document_number"] for r in body["records"]]
    assert body["lists"] == [] and body["commitments"] == [] and body["under_objection"] == []
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["SubjectProfileOut"]["properties"]
    assert "尚未建设" in schema["commitments"]["description"]
    page = client.get(f"/subjects/{org.uscc}")
    assert page.status_code == 200
    for text in ("漳市监罚〔2026〕901号", mask_name("司马相如"), "信用名单", "异议处理中", "信用承诺", "公示信息"):
        assert text in page.text, text
    assert "司马相如" not in page.text and "司马相如" not in client.get(f"/api/v1/subjects/{org.uscc}").text


def test_profile_of_unknown_and_malformed_codes(client: TestClient) -> None:
    assert client.get("/api/v1/subjects/abc").json()["error"] == "invalid_code"
    page = client.get("/subjects/abc")
    assert page.status_code == 422 and "<html" in page.text.lower()


def test_records_marked_under_objection_are_listed(client: TestClient, session: Session, keyring: Keyring) -> None:
    from sqlalchemy import select

    from xinyong.records.models import CreditRecord

    org = company(session, "漳州市异议标记测试有限公司")
    dept = department(session)
    rows = [penalty(dept, name=org.name, uscc=org.uscc, number=n) for n in ("漳市监罚〔2026〕71号", "漳市监罚〔2026〕72号")]
    assert submit(session, keyring, dept, rows).accepted == 2
    marked = session.scalars(select(CreditRecord).where(CreditRecord.document_number == "漳市监罚〔2026〕71号")).one()
    marked.under_objection = True  # what the objections domain sets the moment an objection is filed (F7)
    session.flush()
    body = client.get(f"/api/v1/subjects/{org.uscc}").json()
    assert body["under_objection"] == [{"target": "record", "reference": "漳市监罚〔2026〕71号", "filed_on": None,
                                        "status": "异议处理中"}]
    assert [r["under_objection"] for r in body["records"] if r["document_number"].endswith("71号")] == [True]
    page = client.get(f"/subjects/{org.uscc}").text
    assert "公示信息 漳市监罚〔2026〕71号：异议处理中" in page


def test_profile_refuses_a_revoked_key_and_serves_anonymous_callers(client: TestClient, session: Session) -> None:
    from xinyong.accounts.service import create_api_key, revoke_api_key
    from xinyong.accounts.states import Role

    org = company(session, "漳州市密钥测试有限公司")
    dept = department(session)
    key, plain = create_api_key(session, name="测试接口", role=Role.BUSINESS_SYSTEM, department=dept, actor="test")
    session.flush()
    assert client.get(f"/api/v1/subjects/{org.uscc}", headers={"X-API-Key": plain}).status_code == 200
    revoke_api_key(session, key, actor="test")
    session.flush()
    refused = client.get(f"/api/v1/subjects/{org.uscc}", headers={"X-API-Key": plain})
    assert refused.status_code == 401 and refused.json()["error"] != "internal_error"
    assert client.get(f"/api/v1/subjects/{org.uscc}").json()["uscc"] == org.uscc
