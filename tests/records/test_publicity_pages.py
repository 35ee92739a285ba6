"""双公示 listings on the public portal, on both databases."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.records.builders import department, penalty, person_id
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.crypto import Keyring
from xinyong.records.batches import BatchRequest, definition_of, run_batch
from xinyong.records.readers import open_rows
from xinyong.records.states import Channel

ADMIN = Principal("test", 1, "测试", Role.CREDIT_OFFICE_ADMIN, None)


def _import(session: Session, keyring: Keyring, dept: object, rows: list[dict[str, str]]) -> None:
    definition = definition_of(session, "xzcf")[1]
    run_batch(session, keyring, BatchRequest("xzcf", dept, ADMIN, Channel.API, "api"), open_rows(rows, definition))
    session.flush()


def test_listing_filters_and_masks(client: TestClient, session: Session, keyring: Keyring) -> None:
    market, env = department(session), department(session, "漳州市生态环境局")
    today = dt.date.today()
    _import(session, keyring, market, [
        penalty(market, name="漳州市甲食品有限公司", decided=today - dt.timedelta(days=10)),
        penalty(market, name="漳州市乙商贸有限公司", category="吊销许可证件", decided=today - dt.timedelta(days=40)),
        penalty(market, name="漳州市丙科技有限公司", category="警告"),
        penalty(market, name="李小龙", person_id=person_id()),
    ])
    _import(session, keyring, env, [penalty(env, name="漳州市丁环保有限公司")])
    page = client.get("/publicity/xzcf")
    assert page.status_code == 200
    assert "漳州市甲食品有限公司" in page.text and "漳州市丁环保有限公司" in page.text
    assert "漳州市丙科技有限公司" not in page.text  # 警告 is 轻微: not published
    assert "李小龙" not in page.text and "李*龙" in page.text
    only_env = client.get("/publicity/xzcf", params={"department": env.uscc}).text
    assert "漳州市丁环保有限公司" in only_env and "漳州市甲食品有限公司" not in only_env
    revoked = client.get("/publicity/xzcf", params={"category": "吊销许可证件"}).text
    assert "漳州市乙商贸有限公司" in revoked and "漳州市甲食品有限公司" not in revoked
    recent = client.get("/publicity/xzcf", params={"from": (today - dt.timedelta(days=20)).isoformat()}).text
    assert "漳州市甲食品有限公司" in recent and "漳州市乙商贸有限公司" not in recent


def test_listing_bad_input(client: TestClient) -> None:
    assert client.get("/publicity/xzcf", params={"from": "2026/01/01"}).status_code == 422
    unknown = client.get("/publicity/zwsx")
    assert unknown.status_code == 404 and "只公示" in unknown.text
    assert client.get("/publicity/xzxk").status_code == 200
