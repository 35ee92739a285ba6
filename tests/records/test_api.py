"""POST /api/v1/records and the batch report endpoints, with API keys, on both databases."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from tests.records.builders import definition, department, penalty, person_id
from xinyong import masking
from xinyong.accounts.service import create_api_key
from xinyong.accounts.states import Role
from xinyong.departments.models import Department
from xinyong.records.models import ChangeEvent, CreditRecord, ImportBatch
from xinyong.records.reports import ERROR_REPORT_HEADER
from xinyong.subjects.models import Subject


def _key(session: Session, role: Role = Role.DEPARTMENT_CLERK, dept: Department | None = None) -> tuple[int, str]:
    key, plain = create_api_key(session, name=f"{dept.name if dept else '业务系统'}接口", role=role, department=dept,
                                actor="test")
    session.flush()
    return key.id, plain


def _counts(session: Session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (CreditRecord, ImportBatch, ChangeEvent, Subject)}


def _post(client: TestClient, key: str | None, dept: Department, records: list, catalog: str = "xzcf"):
    headers = {"X-API-Key": key} if key else {}
    return client.post("/api/v1/records", json={"catalog": catalog, "department": dept.uscc, "records": records},
                       headers=headers)


def test_department_key_submits_its_own_records(client: TestClient, session: Session) -> None:
    dept = department(session)
    key_id, key = _key(session, dept=dept)
    rows = [penalty(dept), penalty(dept, person_id=person_id(), name="周建华")]
    response = _post(client, key, dept, rows)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert {k: summary[k] for k in ("received", "accepted", "updated", "unchanged", "revoked", "rejected")} == {
        "received": 2, "accepted": 2, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 0}
    assert summary["status"] == "committed" and summary["catalog"] == "xzcf" and summary["department"] == dept.uscc
    assert summary["errors"] == [] and summary["error_count"] == 0
    batch = session.get(ImportBatch, summary["batch_id"])
    assert batch.channel == "api" and batch.submitted_by == f"api_key:{key_id}"
    records = session.scalars(select(CreditRecord).where(CreditRecord.batch_id == batch.id)
                              .order_by(CreditRecord.source_row)).all()
    assert [r.source_row for r in records] == [1, 2]
    assert all(r.submitted_by == f"api_key:{key_id}" for r in records)
    # The same batch again: all unchanged.
    again = _post(client, key, dept, rows).json()
    assert (again["accepted"], again["unchanged"]) == (0, 2)


def test_chinese_labels_as_keys_and_a_revocation(client: TestClient, session: Session) -> None:
    dept = department(session)
    _, key = _key(session, dept=dept)
    labels = {f.code: f.label for f in definition(session).fields}
    row = penalty(dept)
    labelled = {labels[k]: v for k, v in row.items()}
    assert _post(client, key, dept, [labelled]).json()["accepted"] == 1
    revoked = _post(client, key, dept, [{**labelled, "操作类型": "撤销"}]).json()
    assert (revoked["revoked"], revoked["rejected"]) == (1, 0)


def test_another_departments_uscc_is_forbidden(client: TestClient, session: Session) -> None:
    dept = department(session)
    other = department(session, name="漳州市水利局")
    _, key = _key(session, dept=dept)
    before = _counts(session)
    response = _post(client, key, other, [penalty(other)])
    assert response.status_code == 403
    assert response.json()["error"] == "not_allowed" and "本部门" in response.json()["detail"]
    assert _counts(session) == before


def test_no_key_or_a_wrong_key_is_unauthorised(client: TestClient, session: Session) -> None:
    dept = department(session)
    before = _counts(session)
    response = _post(client, None, dept, [penalty(dept)])
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert _post(client, "xy_forged", dept, [penalty(dept)]).status_code == 401
    assert _counts(session) == before


def test_business_system_without_department_may_not_submit_for_one(client: TestClient, session: Session) -> None:
    dept = department(session)
    _, system = _key(session, Role.BUSINESS_SYSTEM)
    assert _post(client, system, dept, [penalty(dept)]).status_code == 403
    _, bound = _key(session, Role.BUSINESS_SYSTEM, dept)
    assert _post(client, bound, dept, [penalty(dept)]).json()["accepted"] == 1


def test_bad_rows_come_back_with_chinese_reasons(client: TestClient, session: Session) -> None:
    dept = department(session)
    _, key = _key(session, dept=dept)
    bad_id = "350602198506129999"
    rows = [penalty(dept), penalty(dept, CF_JDRQ="03/02/2024"), penalty(dept, person_id=bad_id, name="吴某"),
            {**penalty(dept), "CF_XDR_MC": ""}]
    response = _post(client, key, dept, rows)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["received"], summary["accepted"], summary["rejected"]) == (4, 1, 3)
    assert {e["row"] for e in summary["errors"]} == {2, 3, 4}
    assert summary["error_count"] == len(summary["errors"])
    for error in summary["errors"]:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in error["reason"]), error
        assert error["label"] and error["field"]
    date_error = next(e for e in summary["errors"] if e["row"] == 2)
    assert date_error["field"] == "CF_JDRQ" and date_error["value"] == "03/02/2024"
    id_error = next(e for e in summary["errors"] if e["row"] == 3 and e["field"] == "CF_XDR_ZJHM")
    assert id_error["value"] == masking.mask_id_number(bad_id)
    assert bad_id not in response.text


@pytest.mark.parametrize("body", [
    {"catalog": "xzcf", "records": []},
    {"catalog": "xzcf"},
    {"catalog": "xzcf", "records": "not a list"},
])
def test_malformed_bodies_are_refused_as_json(client: TestClient, session: Session, body: dict) -> None:
    dept = department(session)
    _, key = _key(session, dept=dept)
    before = _counts(session)
    response = client.post("/api/v1/records", json={**body, "department": dept.uscc}, headers={"X-API-Key": key})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input" and "请求参数有误" in response.json()["detail"]
    assert _counts(session) == before


def test_unknown_catalogue_or_department(client: TestClient, session: Session) -> None:
    dept = department(session)
    _, key = _key(session, dept=dept)
    unknown = client.post("/api/v1/records", json={"catalog": "nope", "department": dept.uscc,
                                                   "records": [penalty(dept)]}, headers={"X-API-Key": key})
    assert unknown.status_code == 404 and unknown.json()["error"]
    nobody = client.post("/api/v1/records", json={"catalog": "xzcf", "department": make_uscc("11", "350600"),
                                                  "records": [penalty(dept)]}, headers={"X-API-Key": key})
    assert nobody.status_code == 404 and "部门" in nobody.json()["detail"]


def test_batch_summary_and_error_report_for_own_department_only(client: TestClient, session: Session) -> None:
    dept = department(session)
    other = department(session, name="漳州市林业局")
    _, key = _key(session, dept=dept)
    _, other_key = _key(session, dept=other)
    posted = _post(client, key, dept, [penalty(dept), penalty(dept, CF_CFLB="拘役"),
                                       penalty(dept, person_id="350602198506129999", name="吴某")]).json()
    batch_id = posted["batch_id"]

    summary = client.get(f"/api/v1/batches/{batch_id}", headers={"X-API-Key": key})
    assert summary.status_code == 200
    assert summary.json()["batch_id"] == batch_id and summary.json()["rejected"] == 2
    assert summary.json()["errors"] == posted["errors"]

    report = client.get(f"/api/v1/batches/{batch_id}/errors.csv", headers={"X-API-Key": key})
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    assert f"batch-{batch_id}-errors.csv" in report.headers["content-disposition"]
    assert report.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert tuple(lines[0]) == ERROR_REPORT_HEADER and len(lines) - 1 == posted["error_count"]
    assert "350602198506129999" not in report.content.decode("utf-8-sig")

    for path in (f"/api/v1/batches/{batch_id}", f"/api/v1/batches/{batch_id}/errors.csv"):
        refused = client.get(path, headers={"X-API-Key": other_key})
        assert refused.status_code == 403 and refused.json()["error"] == "not_allowed"
        assert client.get(path).status_code == 401
    missing = client.get("/api/v1/batches/999999999", headers={"X-API-Key": key})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert client.get("/api/v1/batches/0", headers={"X-API-Key": key}).status_code == 422
