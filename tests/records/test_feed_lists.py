"""The change feed carries record and list events together, in cursor order, persons masked."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, person
from tests.lists.builders import CREDIT_OFFICE, DAY, proposal, recogniser
from tests.records.builders import penalty, submit, weekends_calendar
from xinyong import masking
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.crypto import Keyring
from xinyong.lists import exits
from xinyong.lists import service as lists
from xinyong.lists.definitions import ExitReason
from xinyong.records import feed
from xinyong.records.models import ChangeEvent


@pytest.fixture()
def mixed(session: Session, keyring: Keyring) -> dict[str, object]:
    """record, list, record, list, list, list events after cursor `since`."""
    since = session.scalar(select(func.max(ChangeEvent.id))) or 0
    cal = weekends_calendar()
    dept, clerk = recogniser(session, "tax_a_grade", "tax_major_violation", name="国家税务总局漳州市税务局")
    submit(session, keyring, dept, [penalty(dept, name="漳州市甲方贸易有限公司")])
    firm = company(session, name="漳州市红榜实业有限公司")
    red = lists.propose(session, keyring, cal, clerk, dept, proposal("tax_a_grade", firm, facts="纳税信用A级"))
    submit(session, keyring, dept, [penalty(dept, name="漳州市乙方建材有限公司")])
    number = make_resident_id()
    somebody = person(session, keyring, name="司马光明", number=number)
    black = lists.propose(session, keyring, cal, clerk, dept,
                          proposal("tax_major_violation", somebody, document_number=number))
    lists.approve(session, CREDIT_OFFICE, red, today=DAY)
    exits.exit_by(session, clerk, red, ExitReason.MISTAKE, note="误列入")
    return {"since": since, "dept": dept, "red": red, "black": black, "firm": firm, "number": number}


def test_record_and_list_events_come_in_cursor_order(session: Session, mixed: dict) -> None:
    page = feed.changes_since(session, mixed["since"], 100)
    assert [(c.topic, c.kind) for c in page.changes] == [
        ("record", "accepted"), ("list", "list.proposed"), ("record", "accepted"), ("list", "list.proposed"),
        ("list", "list.effective"), ("list", "list.exited")]
    cursors = [c.cursor for c in page.changes]
    assert cursors == sorted(cursors) and not page.has_more
    record = page.changes[0]
    assert record.list_entry is None and record.record_type == "xzcf" and record.version == 1
    assert record.department == mixed["dept"].uscc and record.data["CF_XDR_MC"] == "漳州市甲方贸易有限公司"
    red = page.changes[1]
    assert red.record_type is None and red.natural_key is None and red.data is None and red.decision_on is None
    assert red.subject_code == mixed["firm"].uscc and red.subject_name == "漳州市红榜实业有限公司"
    assert red.department == mixed["dept"].uscc
    entry = red.list_entry
    assert (entry.id, entry.list_type, entry.kind, entry.domain) == (mixed["red"].id, "tax_a_grade", "红名单", "税收")
    assert entry.list_type_name and entry.subject_code == mixed["firm"].uscc and entry.subject_masked_id is None
    # The summary is the entry as it stands now: exited by mistake.
    assert entry.status == red.status == "exited" and entry.exit_reason == "误列入"
    assert entry.valid_from == mixed["red"].valid_from and entry.valid_until == mixed["red"].valid_until


def test_persons_on_lists_are_masked(session: Session, mixed: dict) -> None:
    page = feed.changes_since(session, mixed["since"], 100)
    (change,) = [c for c in page.changes if c.list_entry and c.list_entry.id == mixed["black"].id]
    assert change.subject_name == change.list_entry.subject_name == masking.mask_name("司马光明") == "司**明"
    assert change.subject_code is None and change.list_entry.subject_code is None
    assert change.list_entry.subject_masked_id == mixed["black"].subject_masked_id
    text = page.model_dump_json()
    assert mixed["number"] not in text and "司马光明" not in text


def test_paging_through_both_topics(session: Session, mixed: dict) -> None:
    whole = [c.cursor for c in feed.changes_since(session, mixed["since"], 100).changes]
    since, seen, shapes = mixed["since"], [], []
    while True:
        page = feed.changes_since(session, since, 4)
        shapes.append((len(page.changes), page.has_more))
        seen += [c.cursor for c in page.changes]
        since = page.next_cursor
        if not page.has_more:
            break
    assert shapes == [(4, True), (2, False)] and seen == whole
    assert feed.changes_since(session, whole[2], 2).changes[0].cursor == whole[3]
    by_id = feed.changes_by_id(session, [whole[1], whole[0]])
    assert sorted(by_id) == whole[:2] and by_id[whole[1]].topic == "list"
    assert feed.changes_by_id(session, []) == {}


def test_a_mixed_page_costs_one_query(session: Session, mixed: dict) -> None:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    session.expire_all()
    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        page = feed.changes_since(session, mixed["since"], 100)
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(page.changes) == 6 and len(statements) == 1, statements


def test_changes_api_shows_list_entries(client: TestClient, session: Session, mixed: dict) -> None:
    _, key = create_api_key(session, name="省平台", role=Role.BUSINESS_SYSTEM, department=None, actor="test")
    session.flush()
    response = client.get("/api/v1/changes", params={"since": mixed["since"], "limit": 2}, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["topic"] for c in body["changes"]] == ["record", "list"] and body["has_more"] is True
    record, listed = body["changes"]
    assert record["list_entry"] is None and record["data"]["CF_XDR_MC"] == "漳州市甲方贸易有限公司"
    assert listed["data"] is None and listed["record_type"] is None
    assert listed["list_entry"]["list_type"] == "tax_a_grade" and listed["list_entry"]["status"] == "exited"
    rest = client.get("/api/v1/changes", params={"since": body["next_cursor"]}, headers={"X-API-Key": key}).json()
    assert [c["kind"] for c in rest["changes"]] == ["accepted", "list.proposed", "list.effective", "list.exited"]
    assert mixed["number"] not in response.text + str(rest)
