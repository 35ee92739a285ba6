"""The PostgreSQL fast lane of the check returns what the SQLAlchemy path returns, and writes the same log row."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import company
from tests.lists.builders import DAY
from tests.lists.test_tasks import listed
from tests.records.builders import department
from xinyong.lists.states import EntryStatus
from xinyong.measures import repository
from xinyong.measures.models import CreditCheck

TODAY = dt.date.today()


def _plain(row: object) -> tuple[object, ...]:
    return tuple(v.value if isinstance(v, Enum) else v for v in row)


def test_fast_lane_rows_equal_the_core_rows(session: Session, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the fast lane is PostgreSQL's; SQLite runs the Core statement itself")
    dept = department(session, "漳州市发展和改革委员会")
    firm = company(session, "漳州市快车道测试有限公司")
    listed(session, "procurement_serious", firm, dept, DAY - dt.timedelta(days=20), until=TODAY + dt.timedelta(days=90))
    listed(session, "tax_major_violation", firm, dept, DAY - dt.timedelta(days=10), until=TODAY + dt.timedelta(days=90),
           status=EntryStatus.SUSPENDED)
    session.flush()
    conn = session.connection()
    params = {"code": firm.uscc, "today": TODAY, "since": TODAY - dt.timedelta(days=1096)}
    core = [_plain(r) for r in conn.execute(repository.BY_CODE, params).all()]
    fast = [_plain(r) for r in repository.subject_rows_by_code(conn, **params)]
    assert len(core) == 2 and fast == core
    statuses = {r.status for r in repository.subject_rows_by_code(conn, **params)}
    assert statuses == {"effective", "suspended"}
    assert repository.subject_rows_by_code(conn, "91350602MA0000000X", TODAY, TODAY) == []


def test_check_log_row_written_by_either_lane_reads_back_the_same(session: Session) -> None:
    dept = department(session, "漳州市财政局")
    firm = company(session, "漳州市日志测试有限公司")
    session.flush()
    values = {"checked_at": dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC), "department_id": dept.id,
              "caller": "api_key:1", "matter": "政府采购", "subject_id": firm.id,
              "query": {"subject": {"code": firm.uscc, "name": "带“引号”的名称"}, "matter": "政府采购"},
              "hit": True, "entry_ids": [3, 1], "measure_codes": ["restrict_procurement"], "green_channel": False,
              "feedback_due_on": dt.date(2026, 12, 15)}
    check_id = repository.insert_check(session.connection(), values)
    stored = session.scalar(select(CreditCheck).where(CreditCheck.id == check_id))
    assert {c: getattr(stored, c) for c in repository.CHECK_COLUMNS} == values
