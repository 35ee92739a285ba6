"""A person's own query with a one-time code: delivery, expiry, single use, wrong codes, no probing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_resident_id, person
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.queries import service
from xinyong.queries.delivery import InMemorySender, LogSender, sender_from
from xinyong.queries.errors import CodeRejected
from xinyong.queries.models import OneTimeCode, QueryLog

PHONE = "13905961234"


@pytest.fixture()
def sender(client: TestClient) -> InMemorySender:
    """The app's code sender replaced by one the test reads."""
    client.app.state.code_sender = InMemorySender()
    return client.app.state.code_sender


@pytest.fixture()
def number(session: Session, keyring: Keyring) -> str:
    """A registered person with a mobile number on file."""
    value = make_resident_id("350602", "19881212")
    service.set_contact(session, keyring, person(session, keyring, name="陈自查", number=value), PHONE, actor="test")
    session.flush()
    return value


def code_sent(sender: InMemorySender) -> str:
    contact, text = sender.sent[-1]
    assert contact == PHONE
    return re.search(r"验证码为(\d{6})", text).group(1)


def test_code_then_own_record_then_the_code_is_spent(client: TestClient, session: Session, sender: InMemorySender,
                                                      number: str) -> None:
    sent = client.post("/api/v1/queries/self/code", json={"document_number": number})
    assert sent.status_code == 200 and sent.json()["expires_in_minutes"] == 10
    code = code_sent(sender)
    stored = session.scalars(select(OneTimeCode)).one()
    assert code not in stored.code_hash and stored.sent_to == "139****1234"  # only a keyed hash is kept
    mine = client.post("/api/v1/queries/self", json={"document_number": number, "code": code})
    assert mine.status_code == 200, mine.text
    assert mine.json()["person"]["name"] == "陈自查" and mine.json()["purpose"] == "self"
    log = session.get(QueryLog, mine.json()["query_id"])
    assert log.channel == "self" and log.authorisation_kind == "self" and "139****1234" in log.authorisation_ref
    reused = client.post("/api/v1/queries/self", json={"document_number": number, "code": code})
    assert reused.status_code == 401 and reused.json()["error"] == "code_rejected" and "已使用" in reused.json()["detail"]


def test_wrong_codes_are_counted_and_lock_the_code(client: TestClient, session: Session, sender: InMemorySender,
                                                   number: str) -> None:
    client.post("/api/v1/queries/self/code", json={"document_number": number})
    code = code_sent(sender)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    first = client.post("/api/v1/queries/self", json={"document_number": number, "code": wrong})
    assert first.status_code == 401 and "还可尝试4次" in first.json()["detail"]
    assert session.scalars(select(OneTimeCode)).one().attempts == 1  # committed despite the refusal
    for _ in range(4):
        client.post("/api/v1/queries/self", json={"document_number": number, "code": wrong})
    locked = client.post("/api/v1/queries/self", json={"document_number": number, "code": code})
    assert locked.status_code == 401 and "次数过多" in locked.json()["detail"]
    assert session.scalars(select(QueryLog)).all() == []


def test_expired_code_and_a_newer_code_replacing_an_older(session: Session, keyring: Keyring, number: str) -> None:
    sender = InMemorySender()
    start = utcnow()
    assert service.request_code(session, keyring, sender, document_type="居民身份证", document_number=number,
                                minutes=10, platform="测试平台", now=start)
    old = code_sent(sender)
    with pytest.raises(CodeRejected, match="过期"):
        service.self_query(session, keyring, document_type="居民身份证", document_number=number, code=old,
                           now=start + dt.timedelta(minutes=10, seconds=1))
    service.request_code(session, keyring, sender, document_type="居民身份证", document_number=number,
                         minutes=10, platform="测试平台", now=start + dt.timedelta(minutes=11))
    new = code_sent(sender)
    if new != old:
        with pytest.raises(CodeRejected):
            service.self_query(session, keyring, document_type="居民身份证", document_number=number, code=old,
                               now=start + dt.timedelta(minutes=12))
    found = service.self_query(session, keyring, document_type="居民身份证", document_number=number, code=new,
                               now=start + dt.timedelta(minutes=12))
    assert found.person.name == "陈自查"


def test_unknown_numbers_get_the_same_answer_and_no_code(client: TestClient, session: Session, keyring: Keyring,
                                                         sender: InMemorySender, number: str) -> None:
    no_contact = make_resident_id("350602", "19700101")
    person(session, keyring, name="无联系方式", number=no_contact)
    session.flush()
    known = client.post("/api/v1/queries/self/code", json={"document_number": number}).json()
    sender.sent.clear()
    for other in (no_contact, make_resident_id("350602", "19660606")):
        answer = client.post("/api/v1/queries/self/code", json={"document_number": other})
        assert answer.status_code == 200 and answer.json() == known
    assert sender.sent == []
    never = client.post("/api/v1/queries/self", json={"document_number": no_contact, "code": "123456"})
    assert never.status_code == 401 and never.json()["error"] == "code_rejected"
    bad = client.post("/api/v1/queries/self/code", json={"document_number": "12345"})
    assert bad.status_code == 422


def test_contact_must_be_a_mobile_number(session: Session, keyring: Keyring) -> None:
    who = person(session, keyring, name="号码测试")
    with pytest.raises(service.InvalidInput, match="11位"):
        service.set_contact(session, keyring, who, "0596-1234567", actor="test")


def test_default_sender_logs_and_is_configurable() -> None:
    assert isinstance(sender_from("xinyong.queries.delivery:LogSender"), LogSender)
    LogSender().send(PHONE, "验证码为000000")


def test_portal_self_query_in_three_steps(client: TestClient, session: Session, sender: InMemorySender,
                                          number: str) -> None:
    form = client.get("/query/self")
    assert form.status_code == 200 and "获取验证码" in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    sent = client.post("/query/self/code", data={"document_number": number, "csrf": csrf})
    assert sent.status_code == 200 and "验证码已发送" in sent.text and number not in sent.text.replace(
        f'value="{number}"', "")
    wrong = client.post("/query/self", data={"document_number": number, "code": "x", "csrf": csrf})
    assert wrong.status_code == 401 and "验证码错误" in wrong.text
    shown = client.post("/query/self", data={"document_number": number, "code": code_sent(sender), "csrf": csrf})
    assert shown.status_code == 200 and "陈自查" in shown.text and "查询编号" in shown.text
    assert client.post("/query/self/code", data={"document_number": number, "csrf": "forged"}).status_code == 403
