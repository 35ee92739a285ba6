"""The append-only change feed (F14): cursor paging, event kinds in order, masking, and its API."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.records.builders import department, penalty, person_id, submit
from xinyong import masking
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.crypto import Keyring
from xinyong.records import feed, tasks
from xinyong.records.models import ChangeEvent

D = dt.date


def _last(session: Session) -> int:
    return session.scalar(select(func.max(ChangeEvent.id))) or 0


@pytest.fixture()
def history(session: Session, keyring: Keyring) -> dict[str, object]:
    """Four records accepted, one updated, one revoked, one expired — after cursor `since`."""
    dept = department(session)
    since = _last(session)
    pid = person_id()
    rows = {
        "a": penalty(dept, name="漳州市甲方贸易有限公司"),
        "b": penalty(dept, name="漳州市乙方建材有限公司"),
        "p": penalty(dept, person_id=pid, name="陈志远"),
        "c": penalty(dept, name="漳州市丙方物流有限公司", decided=D(2024, 1, 10), CF_YXQ="2024-12-31"),
    }
    submit(session, keyring, dept, list(rows.values()))
    submit(session, keyring, dept, [dict(rows["a"], CF_NR="罚款人民币9,000元", CF_NR_FK="0.9")])
    submit(session, keyring, dept, [dict(rows["b"], CZLX="撤销")])
    tasks.expire_publications(session, D(2025, 1, 10))
    return {"since": since, "rows": rows, "pid": pid, "dept": dept}


def test_events_come_in_order_with_every_kind(session: Session, history: dict) -> None:
    page = feed.changes_since(session, history["since"], 100)
    rows = history["rows"]
    kinds = [c.kind for c in page.changes]
    assert kinds == ["accepted"] * 4 + ["updated", "revoked", "expired"]
    assert not page.has_more and page.next_cursor == page.changes[-1].cursor
    by_number = {}
    for change in page.changes:
        by_number.setdefault(change.data["CF_WSH"], []).append(change)
    assert {c.data["CF_WSH"] for c in page.changes[:4]} == {r["CF_WSH"] for r in rows.values()}
    updated, revoked, expired = page.changes[4:]
    assert updated.data["CF_WSH"] == rows["a"]["CF_WSH"] and updated.version == 2
    assert updated.natural_key == by_number[rows["a"]["CF_WSH"]][0].natural_key
    assert updated.data["CF_NR_FK"] == "0.9"
    assert revoked.data["CF_WSH"] == rows["b"]["CF_WSH"] and revoked.status == "revoked"
    assert expired.data["CF_WSH"] == rows["c"]["CF_WSH"] and expired.decision_on == D(2024, 1, 10)
    assert all(c.record_type == "xzcf" and c.department == history["dept"].uscc for c in page.changes)
    cursors = [c.cursor for c in page.changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)


def test_people_are_masked_in_the_feed(session: Session, history: dict) -> None:
    page = feed.changes_since(session, history["since"], 100)
    (person,) = [c for c in page.changes if c.data["CF_WSH"] == history["rows"]["p"]["CF_WSH"]]
    assert person.subject_name == masking.mask_name("陈志远") != "陈志远"
    assert person.subject_code is None
    assert person.data["CF_XDR_ZJHM"] == masking.mask_id_number(history["pid"])
    assert history["pid"] not in person.model_dump_json()
    company = next(c for c in page.changes if c.data["CF_WSH"] == history["rows"]["a"]["CF_WSH"])
    assert company.subject_name == "漳州市甲方贸易有限公司"
    assert company.subject_code == history["rows"]["a"]["CF_XDR_SHXYM"]


def test_paging_with_cursors(session: Session, history: dict) -> None:
    since, seen = history["since"], []
    pages = []
    while True:
        page = feed.changes_since(session, since, 3)
        pages.append((len(page.changes), page.has_more))
        seen += page.changes
        assert page.next_cursor == (page.changes[-1].cursor if page.changes else since)
        since = page.next_cursor
        if not page.has_more:
            break
    assert pages == [(3, True), (3, True), (1, False)]
    assert [c.cursor for c in seen] == [c.cursor for c in feed.changes_since(session, history["since"], 100).changes]
    empty = feed.changes_since(session, since, 3)
    assert empty.changes == [] and empty.next_cursor == since and empty.has_more is False
    # A page of exactly the remaining events says there is no more.
    exact = feed.changes_since(session, history["since"], 7)
    assert len(exact.changes) == 7 and exact.has_more is False
    assert feed.changes_since(session, history["since"], 6).has_more is True


def test_page_size_is_clamped(session: Session, history: dict) -> None:
    assert len(feed.changes_since(session, history["since"], 0).changes) == 1
    assert len(feed.changes_since(session, history["since"], 50_000).changes) == 7


def test_resending_and_rerunning_jobs_add_no_events(session: Session, keyring: Keyring, history: dict) -> None:
    last = _last(session)
    rows = history["rows"]
    submit(session, keyring, history["dept"], [dict(rows["a"], CF_NR="罚款人民币9,000元", CF_NR_FK="0.9"), rows["p"]])
    tasks.expire_publications(session, D(2025, 1, 10))
    assert _last(session) == last


# ------------------------------------------------------------------------- GET /api/v1/changes


def _key(session: Session, role: Role, dept: object = None) -> str:
    _, plain = create_api_key(session, name=f"测试{role.label}", role=role, department=dept, actor="test")
    session.flush()
    return plain


def test_changes_api_needs_a_business_system_or_admin(client: TestClient, session: Session, history: dict) -> None:
    since = history["since"]
    assert client.get("/api/v1/changes", params={"since": since}).status_code == 401
    bad = client.get("/api/v1/changes", params={"since": since}, headers={"X-API-Key": "xy_not-a-real-key"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_api_key"
    clerk = _key(session, Role.DEPARTMENT_CLERK, history["dept"])
    refused = client.get("/api/v1/changes", params={"since": since}, headers={"X-API-Key": clerk})
    assert refused.status_code == 403
    assert refused.json()["error"] == "not_allowed" and refused.json()["detail"]

    system = _key(session, Role.BUSINESS_SYSTEM)
    first = client.get("/api/v1/changes", params={"since": since, "limit": 4},
                       headers={"Authorization": f"Bearer {system}"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert [c["kind"] for c in body["changes"]] == ["accepted"] * 4 and body["has_more"] is True
    rest = client.get("/api/v1/changes", params={"since": body["next_cursor"], "limit": 4},
                      headers={"X-API-Key": system}).json()
    assert [c["kind"] for c in rest["changes"]] == ["updated", "revoked", "expired"] and rest["has_more"] is False
    assert history["pid"] not in first.text


@pytest.mark.parametrize("params", [{"limit": 1001}, {"limit": 0}, {"since": -1}, {"since": "abc"}])
def test_changes_api_refuses_bad_paging_as_json(client: TestClient, session: Session, params: dict) -> None:
    system = _key(session, Role.BUSINESS_SYSTEM)
    response = client.get("/api/v1/changes", params=params, headers={"X-API-Key": system})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "invalid_input" and "请求参数有误" in response.json()["detail"]


def test_a_page_costs_one_query_whatever_its_size(session: Session, history: dict) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    session.flush()  # the set-up's pending writes (audit events and their chain lock) are not the page's cost
    session.expire_all()
    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        page = feed.changes_since(session, history["since"], 100)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(page.changes) == 7
    assert len(statements) == 1, statements
