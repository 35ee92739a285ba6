"""Public subject API on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import company, make_uscc, person
from xinyong.crypto import Keyring
from xinyong.subjects import service


def test_profile_masks_the_legal_representative(client: TestClient, session: Session, keyring: Keyring) -> None:
    org, rep = company(session, "漳州市鑫源商贸有限公司"), person(session, keyring, name="欧阳娜娜")
    service.set_legal_representative(session, org, rep, actor="t")
    session.flush()
    body = client.get(f"/api/v1/subjects/{org.uscc.lower()}").json()
    assert body["name"] == "漳州市鑫源商贸有限公司" and body["uscc"] == org.uscc
    assert body["kind"] == "法人及非法人组织" and body["region"] == "福建省漳州市芗城区"
    assert body["legal_representative"] == "欧**娜"
    assert "欧阳娜娜" not in client.get(f"/api/v1/subjects/{org.uscc}").text


def test_unknown_and_invalid_codes(client: TestClient) -> None:
    unknown = client.get(f"/api/v1/subjects/{make_uscc()}")
    assert unknown.status_code == 404 and unknown.json()["error"] == "subject_not_found"
    bad = client.get("/api/v1/subjects/91350602MA2YXXXXXX")
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_code"
    assert "校验" in bad.json()["detail"] or "字符" in bad.json()["detail"]


def test_search(client: TestClient, session: Session, keyring: Keyring) -> None:
    org = company(session, "常州市龙城环保科技有限公司")
    person(session, keyring, name="龙城测试人")
    session.flush()
    by_name = client.get("/api/v1/search", params={"q": "龙城"}).json()
    assert [r["uscc"] for r in by_name["results"]] == [org.uscc]
    assert client.get("/api/v1/search", params={"q": org.uscc}).json()["total"] == 1
    empty = client.get("/api/v1/search", params={"q": ""})
    assert empty.status_code == 422 and empty.json()["error"] == "invalid_input"
    long = client.get("/api/v1/search", params={"q": "长" * 101})
    assert long.status_code == 422 and "请求参数有误" in long.json()["detail"]
