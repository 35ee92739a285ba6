"""Authorised queries: role, purpose, authorisation reference, the log, the audit event, retention."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_resident_id, person
from tests.records.builders import department, penalty, submit
from xinyong.accounts.service import Principal, create_api_key, create_user, start_login_session
from xinyong.accounts.states import Role
from xinyong.audit.models import AuditEvent
from xinyong.crypto import Keyring
from xinyong.queries import service, tasks
from xinyong.queries.models import QueryLog

CONSENT = {"authorisation_kind": "consent", "authorisation_ref": "授权书〔2026〕第0088号"}


def clerk_key(session: Session, role: Role = Role.DEPARTMENT_CLERK) -> dict[str, str]:
    dept = department(session, "漳州市人力资源和社会保障局")
    _, plain = create_api_key(session, name="人社接口", role=role, department=dept, actor="test")
    session.flush()
    return {"X-API-Key": plain}


@pytest.fixture()
def subject(session: Session, keyring: Keyring) -> tuple[str, int]:
    """A person with one penalty on record (a 轻微-free, published one)."""
    number = make_resident_id("350602", "19790315")
    who = person(session, keyring, name="林小强", number=number)
    dept = department(session)
    assert submit(session, keyring, dept, [penalty(dept, name="林小强", person_id=number)]).accepted == 1
    session.flush()
    return number, who.id


def ask(client: TestClient, headers: dict[str, str], number: str, **fields: str):
    body = {"document_number": number, "purpose": "recruitment", **CONSENT, **fields}
    return client.post("/api/v1/queries", json=body, headers=headers)


def test_clerk_with_purpose_and_consent_sees_the_full_record_and_it_is_logged(
        client: TestClient, session: Session, subject: tuple[str, int]) -> None:
    number, subject_id = subject
    answer = ask(client, clerk_key(session), number)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["person"]["name"] == "林小强" and body["person"]["document"] != number
    assert len(body["records"]) == 1 and body["records"][0]["type_name"] == "行政处罚"
    log = session.get(QueryLog, body["query_id"])
    assert log.subject_id == subject_id and log.purpose == "recruitment" and log.channel == "authorised"
    assert log.authorisation_kind == "consent" and log.authorisation_ref == CONSENT["authorisation_ref"]
    assert log.result_digest == body["digest"] and log.result_summary == {"records": 1, "list_entries": 0,
                                                                          "organisations": 0}
    assert log.actor.startswith("api_key:") and log.actor_role == "department_clerk"
    stored = f"{log.actor}{log.actor_name}{log.authorisation_ref}{log.result_summary}{log.client_ip}"
    assert number not in stored and "林小强" not in stored  # no personal data in clear in the log
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "query.authorised")).one()
    assert event.entity_id == str(subject_id) and event.detail["query_log_id"] == log.id
    assert event.detail["digest"] == body["digest"]


def test_purpose_must_be_on_the_list_and_allowed_to_the_role(client: TestClient, session: Session,
                                                              subject: tuple[str, int]) -> None:
    number, _ = subject
    headers = clerk_key(session)
    for purpose in ("", "curiosity"):
        answer = ask(client, headers, number, purpose=purpose)
        assert answer.status_code == 422 and answer.json()["error"] == "unknown_purpose"
        assert "recruitment" in answer.json()["detail"]
    denied = ask(client, headers, number, purpose="judicial_assistance")
    assert denied.status_code == 403 and denied.json()["error"] == "purpose_not_allowed"
    system = ask(client, clerk_key(session, Role.BUSINESS_SYSTEM), number, purpose="recruitment")
    assert system.status_code == 403 and "业务系统" in system.json()["detail"]
    assert client.get("/api/v1/queries/purposes").json()[0]["code"] == "administrative_approval"
    assert session.scalars(select(QueryLog)).all() == []


def test_authorisation_reference_is_required(client: TestClient, session: Session, subject: tuple[str, int]) -> None:
    number, _ = subject
    headers = clerk_key(session)
    for fields in ({"authorisation_ref": ""}, {"authorisation_ref": "  ab "}, {"authorisation_kind": ""},
                   {"authorisation_kind": "self"}):
        answer = ask(client, headers, number, **fields)
        assert answer.status_code == 422 and answer.json()["error"] == "missing_authorisation", fields
    legal = ask(client, headers, number, authorisation_kind="legal_basis",
                authorisation_ref="《社会信用体系建设条例》第二十条")
    assert legal.status_code == 200


def test_anonymous_callers_and_unknown_persons(client: TestClient, session: Session, subject: tuple[str, int]) -> None:
    number, _ = subject
    assert ask(client, {}, number).status_code == 401
    unknown = ask(client, clerk_key(session), make_resident_id("350602", "19991231"))
    assert unknown.status_code == 404 and unknown.json()["error"] == "person_not_found"


def test_console_admin_and_the_query_log_endpoint(client: TestClient, session: Session,
                                                  subject: tuple[str, int]) -> None:
    number, _ = subject
    user = create_user(session, username="query_admin", display_name="信用办", password="Xinyong#2026",
                       role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    _, token = start_login_session(session, user, 1)
    session.flush()
    admin = {"Cookie": f"xy_session={token}"}
    assert ask(client, admin, number, purpose="judicial_assistance", authorisation_kind="legal_basis",
               authorisation_ref="协助执行通知书（2026）闽0602执123号").status_code == 200
    logs = client.get("/api/v1/queries/log", headers=admin).json()
    assert logs[0]["purpose"] == "judicial_assistance" and logs[0]["actor_role"] == "credit_office_admin"
    assert client.get("/api/v1/queries/log", headers=clerk_key(session)).status_code == 403


def test_retention_purge_is_idempotent(session: Session, keyring: Keyring, subject: tuple[str, int]) -> None:
    number, _ = subject
    office = Principal("user", 1, "信用办", Role.CREDIT_OFFICE_ADMIN, None)
    fresh = service.authorised_query(session, keyring, office, document_type="居民身份证", document_number=number,
                                     purpose="supervision", authorisation_kind="legal_basis",
                                     authorisation_ref="《行政处罚法》第五十四条")
    old = service.authorised_query(session, keyring, office, document_type="居民身份证", document_number=number,
                                   purpose="supervision", authorisation_kind="legal_basis",
                                   authorisation_ref="《行政处罚法》第五十四条")
    today = dt.date.today()
    session.get(QueryLog, old.query_id).queried_at = tasks.retention_cutoff(today, 5) - dt.timedelta(seconds=1)
    session.get(QueryLog, fresh.query_id).queried_at = tasks.retention_cutoff(today, 5) + dt.timedelta(hours=1)
    session.flush()
    assert tasks.purge_query_logs(session, today, 5)["query_logs"] == 1
    assert tasks.purge_query_logs(session, today, 5)["query_logs"] == 0
    assert [log.id for log in session.scalars(select(QueryLog))] == [fresh.query_id]
    assert tasks.retention_cutoff(dt.date(2028, 2, 29), 5) == dt.datetime(2023, 2, 28, tzinfo=dt.UTC)
