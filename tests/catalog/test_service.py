"""Catalogue loading into the database and the catalogue API, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from xinyong.catalog import repository, service
from xinyong.catalog.definitions import CatalogDefinitionError, load_builtin_definitions
from xinyong.catalog.errors import RecordTypeExists, RecordTypeNotFound

CUSTOM = """\
code: xyjg
name: 信用评价结果
version: "2026"
category: 信用评价
openness: 有条件共享
adverse: false
subject_kinds: [法人及非法人组织]
natural_key: [PJ_WSH]
decision_date_field: PJ_RQ
severity:
  default: 一般
display:
  一般: {publish: false}
fields:
  - {code: PJ_XDR_MC, label: 主体名称, type: string, max_length: 200, required: true}
  - {code: PJ_WSH, label: 评价文号, type: string, max_length: 64, required: true}
  - {code: PJ_DJ, label: 评价等级, type: enum, enum: [A, B, C, D], required: true}
  - {code: PJ_RQ, label: 评价日期, type: date, required: true}
"""


def test_builtin_catalogue_is_loaded(session: Session) -> None:
    codes = {rt.code: rt for rt in repository.list_all(session)}
    assert set(codes) == {d.code for d in load_builtin_definitions()}
    xzcf = codes["xzcf"]
    assert xzcf.name == "行政处罚" and xzcf.openness == "公开" and xzcf.adverse
    required = [f.code for f in xzcf.fields if f.required]
    assert required == ["CF_XDR_MC", "CF_XDR_LB", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR",
                        "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"]
    money = next(f for f in xzcf.fields if f.code == "CF_NR_FK")
    assert money.field_type == "money"
    assert codes["zwsx"].openness == "有条件共享"


def test_sync_builtin_is_idempotent(session: Session) -> None:
    assert service.sync_builtin(session) == []


def test_load_file_adds_a_type_and_refuses_duplicates(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "xyjg.yaml"
    path.write_text(CUSTOM, encoding="utf-8")
    assert service.load_file(session, path, replace=False, actor="t") == ["xyjg"]
    stored = service.get_record_type(session, "xyjg")
    assert [f.code for f in stored.fields] == ["PJ_XDR_MC", "PJ_WSH", "PJ_DJ", "PJ_RQ"]
    assert stored.fields[2].enum_values == ["A", "B", "C", "D"]
    with pytest.raises(RecordTypeExists, match="--replace") as info:
        service.load_file(session, path, replace=False, actor="t")
    assert "xyjg.yaml 第1行" in info.value.message
    path.write_text(CUSTOM.replace("name: 信用评价结果", "name: 公共信用综合评价"), encoding="utf-8")
    assert service.load_file(session, path, replace=True, actor="t") == ["xyjg"]
    assert service.get_record_type(session, "xyjg").name == "公共信用综合评价"


def test_replaced_builtin_survives_db_upgrade(session: Session, tmp_path: Path) -> None:
    xzcf = service.get_record_type(session, "xzcf")
    path = tmp_path / "xzcf-local.yaml"
    original = (Path(__file__).parents[2] / "src/xinyong/catalog/data/xzcf.yaml").read_text(encoding="utf-8")
    path.write_text(original.replace("name: 行政处罚", "name: 行政处罚(本地版)", 1), encoding="utf-8")
    service.load_file(session, path, replace=True, actor="t")
    service.sync_builtin(session)
    assert service.get_record_type(session, "xzcf").name == "行政处罚(本地版)"
    assert xzcf.id == service.get_record_type(session, "xzcf").id


def test_bad_file_is_refused_with_file_and_line(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(CUSTOM.replace("max_length: 64", "max_lenght: 64"), encoding="utf-8")
    with pytest.raises(CatalogDefinitionError) as info:
        service.load_file(session, path, replace=False, actor="t")
    assert info.value.line == 16 and "bad.yaml" in info.value.message
    assert repository.get_by_code(session, "xyjg") is None


def test_unknown_type(session: Session) -> None:
    with pytest.raises(RecordTypeNotFound):
        service.get_record_type(session, "nope")


def test_catalog_api(client: TestClient) -> None:
    listing = client.get("/api/v1/catalog")
    assert listing.status_code == 200
    assert {"xzxk", "xzcf"} <= {rt["code"] for rt in listing.json()}
    one = client.get("/api/v1/catalog/xzcf").json()
    assert one["name"] == "行政处罚"
    assert {"code": "CF_XDR_MC", "label": "行政相对人名称"}.items() <= one["fields"][0].items()
    missing = client.get("/api/v1/catalog/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "record_type_not_found"
