"""Public search: ranking, pinyin initials, codes, 决定文书号, persons, pagination, depth, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, person
from tests.records.builders import department, penalty, submit
from xinyong.crypto import Keyring
from xinyong.subjects import search
from xinyong.subjects.models import Subject


def names(body: dict) -> list[str]:
    return [r["name"] for r in body["results"]]


def test_ranking_exact_code_then_prefix_then_contains(client: TestClient, session: Session) -> None:
    inner = company(session, "厦门漳州鑫达物流有限公司")
    longer = company(session, "漳州鑫达贸易发展有限公司")
    short = company(session, "漳州鑫达贸易有限公司")
    company(session, "常州市龙城环保科技有限公司")
    session.flush()
    body = client.get("/api/v1/search", params={"q": "漳州鑫达"}).json()
    assert names(body) == [short.name, longer.name, inner.name]
    assert [r["rank"] for r in body["results"]] == [1, 1, 2] and body["total"] == 3
    assert {r["match"] for r in body["results"]} == {"名称"}
    exact = client.get("/api/v1/search", params={"q": inner.uscc}).json()
    assert exact["results"][0]["uscc"] == inner.uscc and exact["results"][0]["rank"] == 0
    assert exact["results"][0]["match"] == "统一社会信用代码"
    partial = client.get("/api/v1/search", params={"q": inner.uscc[:12].lower()}).json()
    assert inner.uscc in [r["uscc"] for r in partial["results"]]
    assert all(r["uscc"].startswith(inner.uscc[:12]) for r in partial["results"])


def test_pinyin_initials_and_partial_names(client: TestClient, session: Session) -> None:
    org = company(session, "漳州鑫达贸易有限公司")
    company(session, "漳州市闽兴食品有限公司")
    session.flush()
    for q in ("zzxd", "ZZXD", "xdmy", "鑫达贸易", "鑫达", "漳州鑫达贸易有限公司"):
        body = client.get("/api/v1/search", params={"q": q}).json()
        assert org.uscc in [r["uscc"] for r in body["results"]], q
    hit = client.get("/api/v1/search", params={"q": "zzxd"}).json()["results"][0]
    assert hit["match"] == "拼音首字母" and hit["name"] == org.name
    assert client.get("/api/v1/search", params={"q": "zzxdq"}).json()["total"] == 0


def test_full_width_and_spaces_are_normalised(client: TestClient, session: Session) -> None:
    org = company(session, "漳州鑫达（集团）有限公司")
    session.flush()
    for q in ("鑫达(集团)", "鑫达 （集团）", "鑫达（集团"):
        assert org.uscc in [r["uscc"] for r in client.get("/api/v1/search", params={"q": q}).json()["results"]], q


def test_decision_number_finds_the_published_record_subject(client: TestClient, session: Session,
                                                            keyring: Keyring) -> None:
    dept = department(session)
    number = "漳市监罚〔2026〕4711号"
    row = penalty(dept, name="漳州市文书号测试有限公司", number=number)
    assert submit(session, keyring, dept, [row]).accepted == 1
    session.flush()
    body = client.get("/api/v1/search", params={"q": number}).json()
    assert [r["uscc"] for r in body["results"]] == [row["CF_XDR_SHXYM"]]
    assert body["results"][0]["match"] == "决定文书号" and body["results"][0]["rank"] == 0
    # The organisation created by the import is searchable by name at once (bulk fill of the search table).
    assert names(client.get("/api/v1/search", params={"q": "文书号测试"}).json()) == ["漳州市文书号测试有限公司"]


def test_persons_only_by_full_id_or_name_and_partial_id(client: TestClient, session: Session,
                                                        keyring: Keyring) -> None:
    number = make_resident_id("350602", "19800101")
    who = person(session, keyring, name="欧阳锋锐", number=number)
    session.flush()
    assert client.get("/api/v1/search", params={"q": "欧阳锋锐"}).json()["total"] == 0
    assert client.get("/api/v1/search", params={"q": "欧阳"}).json()["total"] == 0
    by_id = client.get("/api/v1/search", params={"q": number}).json()
    assert by_id["total"] == 1 and by_id["results"][0]["match"] == "证件号码"
    hit = by_id["results"][0]
    assert hit["name"] == "欧**锐" and hit["document"] == who.document_masked and hit["uscc"] is None
    assert number not in client.get("/api/v1/search", params={"q": number}).text
    for part in (number[-4:], number[:4], number[:4] + number[-4:]):
        found = client.get("/api/v1/search", params={"q": "欧阳锋锐", "id_part": part}).json()
        assert found["total"] == 1 and found["results"][0]["name"] == "欧**锐", part
    wrong_tail = "0000" if number[-4:] != "0000" else "1111"
    assert client.get("/api/v1/search", params={"q": "欧阳锋锐", "id_part": wrong_tail}).json()["total"] == 0
    assert client.get("/api/v1/search", params={"q": "欧阳锋", "id_part": number[-4:]}).json()["total"] == 0
    bad = client.get("/api/v1/search", params={"q": "欧阳锋锐", "id_part": "12"})
    assert bad.status_code == 422 and "前4位" in bad.json()["detail"]
    page = client.get("/search", params={"q": number})
    assert "欧**锐" in page.text and "欧阳锋锐" not in page.text and number not in page.text


def test_pages_are_disjoint_and_depth_is_limited(client: TestClient, session: Session) -> None:
    made = {company(session, f"常州分页测试{i:02d}商贸有限公司").uscc for i in range(25)}
    session.flush()
    seen: list[str] = []
    for page in (1, 2, 3):
        body = client.get("/api/v1/search", params={"q": "分页测试", "page": page, "size": 10}).json()
        assert body["total"] == 25 and body["page"] == page and not body["capped"]
        seen += [r["uscc"] for r in body["results"]]
    assert len(seen) == 25 and set(seen) == made
    ok = client.get("/api/v1/search", params={"q": "分页测试", "page": 10, "size": 50})
    assert ok.status_code == 200 and ok.json()["results"] == []
    deep = client.get("/api/v1/search", params={"q": "分页测试", "page": 11, "size": 50})
    assert deep.status_code == 422 and deep.json()["error"] == "search_too_deep"
    assert "500" in deep.json()["detail"]
    big = client.get("/api/v1/search", params={"q": "分页测试", "size": 51})
    assert big.status_code == 422
    portal = client.get("/search", params={"q": "分页测试", "page": 26})
    assert portal.status_code == 422 and "最多浏览前500条" in portal.text


@pytest.mark.parametrize("q, message", [("", "请输入查询内容"), ("   ", "请输入查询内容"), ("漳", "至少2个字符"),
                                        ("a", "至少2个字符")])
def test_empty_and_one_character_queries_are_refused(client: TestClient, q: str, message: str) -> None:
    answer = client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_input"
    assert message in answer.json()["detail"]
    if q.strip():
        page = client.get("/search", params={"q": q})
        assert page.status_code == 422 and message in page.text


def test_long_queries_are_refused(client: TestClient) -> None:
    answer = client.get("/api/v1/search", params={"q": "长" * 500})
    assert answer.status_code == 422 and answer.json()["error"] == "invalid_input"
    assert client.get("/search", params={"q": "长" * 500}).status_code == 422
    with pytest.raises(search.InvalidInput, match="过长"):
        search.clean_query("长" * 101)


@pytest.mark.parametrize("q", ["'; DROP TABLE subject; --", "' OR '1'='1", "%%", "__", "漳州%' OR 1=1 --",
                               "\") UNION SELECT name FROM subject --"])
def test_sql_injection_strings_are_inert(client: TestClient, session: Session, q: str) -> None:
    company(session, "漳州注入测试有限公司")
    session.flush()
    before = session.scalar(select(func.count()).select_from(Subject))
    answer = client.get("/api/v1/search", params={"q": q})
    assert answer.status_code == 200 and answer.json()["total"] == 0
    assert session.scalar(select(func.count()).select_from(Subject)) == before  # the table is still there


def test_html_injection_is_escaped(client: TestClient, session: Session) -> None:
    company(session, "<b>加粗</b>科技有限公司")
    session.flush()
    evil = "<script>alert(1)</script>"
    page = client.get("/search", params={"q": evil})
    assert evil not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    hits = client.get("/search", params={"q": "加粗"})
    assert "<b>加粗</b>" not in hits.text and "&lt;b&gt;加粗&lt;/b&gt;" in hits.text


def test_list_badges_come_from_live_entries(client: TestClient, session: Session, keyring: Keyring) -> None:
    from tests.lists.builders import CREDIT_OFFICE, proposal, recogniser
    from tests.records.builders import weekends_calendar
    from xinyong.lists import service as lists_service

    listed, clean = company(session, "漳州徽章测试甲有限公司"), company(session, "漳州徽章测试乙有限公司")
    dept, clerk = recogniser(session, "market_serious_violation")
    cal, day = weekends_calendar(), dt.date.today() - dt.timedelta(days=30)
    entry = lists_service.propose(session, keyring, cal, clerk, dept,
                                  proposal("market_serious_violation", listed, recognised_on=day))
    lists_service.record_notice(session, cal, clerk, entry, notice_text="告知书", delivered_on=day)
    lists_service.approve(session, CREDIT_OFFICE, entry, today=dt.date.today())
    session.flush()
    body = client.get("/api/v1/search", params={"q": "徽章测试"}).json()
    badges = {r["uscc"]: r["lists"] for r in body["results"]}
    assert badges == {listed.uscc: ["严重失信主体名单"], clean.uscc: []}
    assert "kind-black" in client.get("/search", params={"q": "徽章测试"}).text
